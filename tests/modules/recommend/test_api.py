"""``GET /api/v1/recommendations``: placements, filters, cold start, incremental 买了还买, training
and the per-shopper cache (both databases)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.recommend import public as recommend
from shoplet.modules.recommend.models import Item, Pair, Run
from tests.conftest import snapshot
from tests.modules.cart.conftest import set_status
from tests.modules.orders.console_factories import Sku, make_sku, paid_order, shopper_headers

URL = "/api/v1/recommendations"


async def shelf(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(URL, params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    body = response.json()
    assert body["placement"] == params["placement"]
    items: list[dict[str, Any]] = body["items"]
    return items


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


async def shop(ctx: AppContext) -> dict[str, Sku]:
    return {
        "phone": await make_sku(ctx, title="智能手机 Pro", price=399900),
        "case": await make_sku(ctx, title="手机壳 防摔", price=3900),
        "film": await make_sku(ctx, title="钢化膜", price=1900),
        "tee": await make_sku(ctx, title="纯棉T恤", price=4990),
        "sold_out": await make_sku(ctx, title="限量款", price=9900, stock=0),
        "draft": await make_sku(ctx, title="未上架", price=9900, status="draft"),
    }


async def test_anonymous_cold_start_is_best_sellers_on_sale_and_in_stock(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    await paid_order(app, ctx, s["tee"], member_id=1, quantity=3)
    await paid_order(app, ctx, s["film"], member_id=2)

    items = await shelf(client, placement="home")

    # Nothing trained yet: the catalog's sales counts, then id; never sold out or unpublished.
    rest = sorted([s["phone"].product_id, s["case"].product_id])
    assert ids(items) == [s["tee"].product_id, s["film"].product_id, *rest]
    assert {i["reason"] for i in items} == {"热销"}
    assert {i["reason_code"] for i in items} == {"popular"}
    tee = items[0]
    assert tee["title"] == "纯棉T恤"
    assert tee["price"] == 4990
    assert tee["sales_count"] == 3
    assert set(tee) >= {"image", "image_set", "original_price", "category_id", "subtitle"}


async def test_bought_together_is_counted_when_paid_and_filters_what_was_bought(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case, film = s["phone"], s["case"], s["film"]
    await paid_order(app, ctx, phone, member_id=1, extra=case)
    await paid_order(app, ctx, phone, member_id=2, extra=film)
    await paid_order(app, ctx, case, member_id=2)
    await drain_outbox(ctx)

    async with ctx.sessionmaker() as session:
        pairs = {(p.product_id, p.other_id): p.count for p in await session.scalars(select(Pair))}
        buyers = {i.product_id: i.buyers for i in await session.scalars(select(Item))}
    assert pairs == {
        (phone.product_id, case.product_id): 2,
        (case.product_id, phone.product_id): 2,
        (phone.product_id, film.product_id): 1,
        (film.product_id, phone.product_id): 1,
        (film.product_id, case.product_id): 1,
        (case.product_id, film.product_id): 1,
    }
    assert buyers == {phone.product_id: 2, case.product_id: 2, film.product_id: 1}

    # 买了还买 on the phone's page: the case (2 of 2 buyers) before the film (1).
    items = await shelf(client, placement="product", product_id=phone.product_id)
    assert ids(items)[:2] == [case.product_id, film.product_id]
    assert [i["reason"] for i in items[:2]] == ["买了还买", "买了还买"]
    assert phone.product_id not in ids(items)

    # Shopper 1 bought the phone and the case: neither is shown to them again.
    mine = await shelf(
        client, shopper_headers(ctx, 1), placement="product", product_id=film.product_id
    )
    assert phone.product_id not in ids(mine)
    assert case.product_id not in ids(mine)
    assert film.product_id not in ids(mine)


async def test_training_feeds_the_home_shelf_with_a_reason(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case, film = s["phone"], s["case"], s["film"]
    for member in (1, 2, 3):
        await paid_order(app, ctx, phone, member_id=member, extra=case)
    await paid_order(app, ctx, phone, member_id=4)
    await drain_outbox(ctx)

    await run_job(ctx, "recommend.train")

    async with ctx.sessionmaker() as session:
        run = (await session.scalars(select(Run))).one()
    assert (run.status, run.progress, run.stage, run.model) == ("done", 100, "完成", "ease")
    assert (run.shoppers, run.products) == (4, 2)
    items = await shelf(client, shopper_headers(ctx, 4), placement="home")
    assert items[0]["id"] == case.product_id
    assert items[0]["reason"] == "因为你买了「智能手机 Pro」"
    assert items[0]["reason_code"] == "personal"
    assert phone.product_id not in ids(items)
    # then popularity in the shopper's province (440000), then the shop's
    assert film.product_id in ids(items)
    assert {i["reason_code"] for i in items[1:]} == {"popular"}


async def test_the_shoppers_cache_is_dropped_when_they_pay(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case = s["phone"], s["case"]
    for member in (1, 2):
        await paid_order(app, ctx, phone, member_id=member, extra=case)
    await paid_order(app, ctx, phone, member_id=5)
    await drain_outbox(ctx)
    await recommend.train(ctx.sessionmaker)
    headers = shopper_headers(ctx, 5)
    assert (await shelf(client, headers, placement="home"))[0]["id"] == case.product_id

    await paid_order(app, ctx, case, member_id=5)
    await drain_outbox(ctx)

    assert case.product_id not in ids(await shelf(client, headers, placement="home"))


async def test_sold_out_and_withdrawn_products_are_never_shown(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case, film = s["phone"], s["case"], s["film"]
    await paid_order(app, ctx, phone, member_id=1, extra=case)
    await paid_order(app, ctx, phone, member_id=2, extra=film)
    await drain_outbox(ctx)
    await set_status(ctx, case.product_id, "off_sale")

    items = await shelf(client, placement="product", product_id=phone.product_id)

    assert ids(items)[0] == film.product_id
    assert case.product_id not in ids(items)
    assert s["sold_out"].product_id not in ids(items)
    assert s["draft"].product_id not in ids(items)


async def test_cart_and_paid_placements(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case = s["phone"], s["case"]
    await paid_order(app, ctx, phone, member_id=1, extra=case)
    await drain_outbox(ctx)
    headers = shopper_headers(ctx, 7)
    added = await client.post(
        "/api/v1/cart/lines", json={"sku_id": phone.sku_id, "quantity": 1}, headers=headers
    )
    assert added.status_code == 200, added.text

    items = await shelf(client, headers, placement="cart")
    assert items[0]["id"] == case.product_id
    assert items[0]["reason"] == "买了还买"
    assert phone.product_id not in ids(items)

    await paid_order(app, ctx, phone, member_id=8)
    paid = await shelf(client, shopper_headers(ctx, 8), placement="paid", limit=2)
    assert ids(paid)[0] == case.product_id
    assert phone.product_id not in ids(paid)
    assert len(paid) == 2


async def test_bad_input_is_4xx_and_changes_nothing(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    await shop(ctx)
    before = await snapshot(ctx)
    cases = [
        ({"placement": "product"}, 400, "recommend.product_required"),
        ({"placement": "nowhere"}, 422, None),
        ({"placement": "home", "limit": 0}, 422, None),
        ({"placement": "home", "limit": 21}, 422, None),
        ({"placement": "home", "product_id": 0}, 422, None),
        ({}, 422, None),
    ]
    for params, status, code in cases:
        response = await client.get(URL, params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if code is not None:
            assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_the_latest_purchase_steers_the_home_shelf(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    s = await shop(ctx)
    phone, case, film, tee = s["phone"], s["case"], s["film"], s["tee"]
    # The phone goes with the case exactly as the tee with the film (3 shoppers each): their
    # neighbour scores are equal, and without recency the case (lower id) would lead. Shopper 9
    # bought the phone first and the tee last, so the film does.
    for member in (1, 2, 3):
        await paid_order(app, ctx, phone, member_id=member, extra=case)
    for member in (4, 5, 6):
        await paid_order(app, ctx, tee, member_id=member, extra=film)
    await paid_order(app, ctx, phone, member_id=9)
    await paid_order(app, ctx, tee, member_id=9)
    await drain_outbox(ctx)

    await run_job(ctx, "recommend.train")

    items = await shelf(client, shopper_headers(ctx, 9), placement="home")
    personal = [i for i in items if i["reason_code"] == "personal"]
    assert ids(personal) == [film.product_id, case.product_id]
    assert [i["reason"] for i in personal] == [
        "因为你买了「纯棉T恤」",
        "因为你买了「智能手机 Pro」",
    ]

"""The product page's promotion tags come from the cached live rules and a cached product
shape: a warm request reads nothing from the database, a promotion started in the console shows
on the next one, and a stored promotion whose config is broken is skipped (logged), never a 500:
not on the product page, not at checkout, not in the console's list."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.modules.promotions.models import Promotion
from tests.conftest import StatementCounter
from tests.modules.orders.factories import shopper
from tests.modules.promotions.factories import ACTIVE, PROMOTIONS, make_promotion
from tests.modules.promotions.test_checkout_coupons import preview
from tests.modules.promotions.test_promotions_api import catalog, staff

__all__ = ["staff"]


async def tags(client: httpx.AsyncClient, product_id: int) -> list[tuple[int, str]]:
    response = await client.get(ACTIVE, params={"product_id": product_id})
    assert response.status_code == 200, response.text
    return [(t["id"], t["label"]) for t in response.json()]


async def test_a_warm_product_page_reads_no_database(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    sql_counter: StatementCounter,
) -> None:
    product_a, *_ = await catalog(ctx)
    full = await make_promotion(client, staff)
    assert await tags(client, product_a) == [(full["id"], "满300减30，满500减60")]
    sql_counter.reset()
    assert await tags(client, product_a) == [(full["id"], "满300减30，满500减60")]
    assert sql_counter.count == 0, sql_counter.statements

    # Started in the console: the next page view shows it (the save dropped the cached rules).
    second = await make_promotion(
        client, staff, name="每满100减10", tiers=[{"threshold": 10000, "amount": 1000}],
        repeat=True,
    )  # fmt: skip
    assert [i for i, _ in await tags(client, product_a)] == [full["id"], second["id"]]
    stopped = await client.post(f"{PROMOTIONS}/{full['id']}/stop", headers=staff)
    assert stopped.status_code == 200, stopped.text
    assert [i for i, _ in await tags(client, product_a)] == [second["id"]]
    missing = await client.get(ACTIVE, params={"product_id": 999999})
    assert (missing.status_code, missing.json()["code"]) == (404, "catalog.product_not_found")


async def test_a_broken_stored_config_is_skipped_not_a_500(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    product_a, a1, a2, _, b = await catalog(ctx)
    good = await make_promotion(client, staff)
    for n, config in enumerate(
        [{"tiers": "满300减30"}, {"tiers": [[30000]]}, {"tiers": []}, ["not", "an", "object"]]
    ):
        broken = await make_promotion(client, staff, name=f"坏的{n}", activate=False)
        async with ctx.sessionmaker() as s, s.begin():
            await s.execute(
                update(Promotion).where(Promotion.id == broken["id"]).values(config=config)
            )
        started = await client.post(f"{PROMOTIONS}/{broken['id']}/activate", headers=staff)
        assert started.status_code == 200, started.text
        assert started.json()["label"] == "配置无效"

    assert await tags(client, product_a) == [(good["id"], "满300减30，满500减60")]
    alice = await shopper(client)
    priced = await preview(client, alice, [(a1, 2), (a2, 1), (b, 1)])
    assert priced.status_code == 200, priced.text
    assert [p["id"] for p in priced.json()["promotions"]] == [good["id"]]
    listed = await client.get(PROMOTIONS, headers=staff)
    assert listed.status_code == 200, listed.text
    assert sorted(p["label"] for p in listed.json()["items"]) == [
        "满300减30，满500减60",
        *["配置无效"] * 4,
    ]

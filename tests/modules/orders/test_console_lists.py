"""Console order and product lists: date-range filters (shop days, both ends included) and the
order timeline naming who acted."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.params import day_range
from shoplet.modules.catalog.models import Product
from shoplet.modules.orders import public as orders
from shoplet.modules.orders.models import Order, OrderEvent
from tests.conftest import StatementCounter, snapshot
from tests.modules.orders.console_factories import make_sku, paid_order, place_order
from tests.modules.staff.conftest import bearer, make_staff, token_for
from tests.modules.staff.conftest import login as staff_login

API = "/api/v1/console"

# 2026-12-01 00:00 in Shanghai is 2026-11-30 16:00 UTC.
LAST_OF_NOV = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)  # 11-30 23:59:59 Shanghai
FIRST_OF_DEC = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 12-01 00:00 Shanghai
LAST_OF_DEC_2 = datetime(2026, 12, 2, 15, 59, 59, tzinfo=UTC)  # 12-02 23:59:59 Shanghai
DEC_3 = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 12-03 00:00 Shanghai


def test_day_range_counts_whole_shop_days_both_ends_included() -> None:
    assert day_range("2026-12-01", "2026-12-02") == (FIRST_OF_DEC, DEC_3)
    assert day_range(None, "2026-12-02") == (None, DEC_3)
    assert day_range("2026-12-01", None) == (FIRST_OF_DEC, None)
    assert day_range("2026-12-01", "2026-12-01") == (
        FIRST_OF_DEC,
        datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
    )
    assert day_range(None, None) == (None, None)


async def _set_created(
    ctx: AppContext, model: type[Order | Product], key: object, at: datetime
) -> None:
    column = Order.order_no if model is Order else Product.id
    async with ctx.sessionmaker() as s:
        await s.execute(update(model).where(column == key).values(created_at=at))
        await s.commit()


async def test_orders_filter_by_shop_days_with_status(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    tee = await make_sku(ctx)
    late_nov = await place_order(ctx, tee)
    first_dec = await paid_order(app, ctx, tee)
    end_dec_2 = await place_order(ctx, tee, member_id=1002)
    dec_3 = await place_order(ctx, tee, member_id=1003)
    for order_no, at in (
        (late_nov, LAST_OF_NOV),
        (first_dec, FIRST_OF_DEC),
        (end_dec_2, LAST_OF_DEC_2),
        (dec_3, DEC_3),
    ):
        await _set_created(ctx, Order, order_no, at)

    async def found(query: str) -> list[str]:
        response = await client.get(f"{API}/orders?{query}", headers=bearer(sam))
        assert response.status_code == 200, response.text
        return [o["order_no"] for o in response.json()["items"]]

    assert await found("created_from=2026-12-01&created_to=2026-12-02") == [end_dec_2, first_dec]
    assert await found("created_from=2026-12-02&created_to=2026-12-02") == [end_dec_2]
    assert await found("created_from=2026-12-03") == [dec_3]
    assert await found("created_to=2026-11-30") == [late_nov]
    assert await found("created_from=2026-12-01&status=paid") == [first_dec]
    assert await found("created_from=2026-12-01&status=pending_payment") == [dec_3, end_dec_2]
    # Pages keep the filter.
    page = (
        await client.get(
            f"{API}/orders?created_from=2026-12-01&created_to=2026-12-02&limit=1",
            headers=bearer(sam),
        )
    ).json()
    assert [o["order_no"] for o in page["items"]] == [end_dec_2]
    rest = await found(
        f"created_from=2026-12-01&created_to=2026-12-02&cursor={page['next_cursor']}"
    )
    assert rest == [first_dec]


@pytest.mark.parametrize("path", ["orders", "products"])
@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("created_from=2026-12-02&created_to=2026-12-01", 400, "request.invalid_date_range"),
        ("created_from=2026-02-30", 400, "request.invalid_date_range"),
        ("created_to=2026-13-01", 400, "request.invalid_date_range"),
        ("created_from=2026/12/01", 422, "request.invalid"),
        ("created_to=2026-12-01T00:00:00", 422, "request.invalid"),
        ("created_from=1700000000", 422, "request.invalid"),
        ("created_from=", 422, "request.invalid"),
    ],
)
async def test_bad_date_ranges_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, *, path: str, query: str, status: int, code: str
) -> None:
    owner = await token_for(client, ctx, "oona", role="owner")
    before = await snapshot(ctx)

    response = await client.get(f"{API}/{path}?{query}", headers=bearer(owner))

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_products_filter_by_creation_days(client: httpx.AsyncClient, ctx: AppContext) -> None:
    olga = await token_for(client, ctx, "olga", role="operator")
    old = await make_sku(ctx, title="旧款")
    new = await make_sku(ctx, title="新款")
    newest = await make_sku(ctx, title="最新款", status="draft")
    await _set_created(ctx, Product, old.product_id, LAST_OF_NOV)
    await _set_created(ctx, Product, new.product_id, FIRST_OF_DEC)
    await _set_created(ctx, Product, newest.product_id, DEC_3)

    async def found(query: str) -> list[int]:
        response = await client.get(f"{API}/products?{query}", headers=bearer(olga))
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert await found("created_from=2026-12-01&created_to=2026-12-02") == [new.product_id]
    assert await found("created_from=2026-12-01") == [newest.product_id, new.product_id]
    assert await found("created_from=2026-12-01&status=on_sale") == [new.product_id]
    assert await found("created_to=2026-11-30") == [old.product_id]


async def test_the_console_timeline_names_who_acted(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    await make_staff(ctx, "olivia", role="operator", display_name="王小丽")
    token = (await staff_login(client, "olivia")).json()["access_token"]
    tee = await make_sku(ctx)
    order_no = await paid_order(app, ctx, tee)
    shipped = await client.post(
        f"{API}/orders/{order_no}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
        headers=bearer(token),
    )
    assert shipped.status_code == 200, shipped.text

    detail = await client.get(f"{API}/orders/{order_no}", headers=bearer(token))

    assert detail.status_code == 200, detail.text
    timeline = detail.json()["timeline"]
    assert [(t["to_status"], t["actor_kind"], t["actor_name"]) for t in timeline] == [
        ("pending_payment", "member", "买家"),
        ("paid", "payment", "微信支付"),
        ("shipped", "staff", "王小丽"),
    ]
    assert not any(t["actor_name"].startswith(("member:", "staff:")) for t in timeline)


async def test_timeline_names_come_from_one_staff_query(
    ctx: AppContext, sql_counter: StatementCounter
) -> None:
    await make_staff(ctx, "olivia", display_name="王小丽")
    await make_staff(ctx, "sam", display_name="客服小李")
    tee = await make_sku(ctx)
    order_no = await place_order(ctx, tee)
    async with ctx.sessionmaker() as s:
        order = await orders.get_order_admin(s, ctx.pii, order_no)
        row = (await s.execute(select(Order.id).where(Order.order_no == order_no))).scalar_one()
        await s.execute(
            insert(OrderEvent),
            [
                {
                    "order_id": row,
                    "from_status": order.status,
                    "to_status": order.status,
                    "actor": actor,
                    "reason": "备注",
                    "created_at": utcnow(),
                }
                for actor in (
                    "staff:olivia",
                    "staff:sam",
                    "staff:olivia",
                    "staff:gone",
                    "system",
                    "wechatpay",
                )
            ],
        )
        await s.commit()

    sql_counter.reset()
    async with ctx.sessionmaker() as s:
        detail = await orders.get_order_admin(s, ctx.pii, order_no)

    assert [(t.actor_kind, t.actor_name) for t in detail.timeline] == [
        ("member", "买家"),
        ("staff", "王小丽"),
        ("staff", "客服小李"),
        ("staff", "王小丽"),
        ("staff", "gone"),  # an unknown account: its username, never an id
        ("system", "系统"),
        ("payment", "微信支付"),
    ]
    assert sum("staff_account" in q for q in sql_counter.statements) == 1

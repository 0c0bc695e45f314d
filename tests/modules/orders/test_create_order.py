"""``orders.public.create_order`` refuses inputs that do not add up (its callers price orders)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.orders import public as orders
from tests.conftest import snapshot
from tests.modules.orders.test_flashsale_hooks import ADDRESS

LINE = orders.OrderLineInput(
    sku_id=1,
    product_id=1,
    title="T恤",
    spec_text="",
    image=None,
    unit_price=1000,
    quantity=2,
    discount=100,
)
GOOD: dict[str, Any] = {
    "lines": [LINE],
    "items_total": 2000,
    "shipping_fee": 800,
    "discount_total": 100,
    "payable_total": 2700,
}


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"lines": []}, "an order needs at least one line"),
        ({"lines": [LINE, LINE]}, "one line per SKU"),
        ({"lines": [replace(LINE, quantity=0)]}, "SKU 1: quantity >= 1 and a price >= 0"),
        ({"lines": [replace(LINE, discount=2001)]}, "SKU 1: discount outside 0..line total"),
        ({"items_total": 1999}, "items_total is not the sum of the lines"),
        ({"discount_total": 0}, "discount_total is not the sum of the line discounts"),
        (
            {"payable_total": 2800},
            "payable_total must be items_total - discount_total + shipping_fee",
        ),
    ],
)
async def test_amounts_that_do_not_add_up_are_refused(
    ctx: AppContext, changes: dict[str, Any], detail: str
) -> None:
    before = await snapshot(ctx)

    async with ctx.sessionmaker() as s:
        with pytest.raises(orders.InvalidOrder) as raised:
            await orders.create_order(
                s,
                ctx.pii,
                member_id=1,
                **{**GOOD, **changes},
                address=ADDRESS,
                remark=None,
                idempotency_key="key-00000001",
                request_hash="h",
                expires_at=utcnow() + timedelta(minutes=15),
            )

    assert (raised.value.status, raised.value.code, raised.value.detail) == (
        400,
        "orders.invalid",
        detail,
    )
    assert await snapshot(ctx) == before

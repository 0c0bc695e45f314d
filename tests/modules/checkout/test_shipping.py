"""Shipping rules: one row, defaults when absent, validated replacement."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.checkout.models import CheckoutShippingRules
from shoplet.modules.checkout.pricing import ShippingRules
from shoplet.modules.checkout.shipping import (
    InvalidShippingRules,
    ShippingRulesUpdate,
    get_shipping_rules,
    shipping_rules_view,
    update_shipping_rules,
)
from tests.conftest import snapshot


async def _rows(ctx: AppContext) -> list[CheckoutShippingRules]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(CheckoutShippingRules))).all())


async def test_defaults_when_nothing_was_saved(ctx: AppContext) -> None:
    async with ctx.sessionmaker() as s:
        rules = await get_shipping_rules(s)

    assert rules == ShippingRules(flat_fee=800, free_threshold=9900, region_fees={})
    assert await _rows(ctx) == []


async def test_update_replaces_the_single_row(ctx: AppContext) -> None:
    first = ShippingRules(flat_fee=600, free_threshold=5900, region_fees={"65": 2000, "54": 2500})
    second = ShippingRules(flat_fee=0, free_threshold=None, region_fees={"650102": 1000})

    async with unit_of_work(ctx.sessionmaker) as s:
        saved = await update_shipping_rules(s, first, actor="staff:1")
        # Read back in the same transaction (the console's response).
        assert await get_shipping_rules(s) == first
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await get_shipping_rules(s) == first
        await update_shipping_rules(s, second, actor="staff:2")
        assert await get_shipping_rules(s) == second
    async with ctx.sessionmaker() as s:
        stored = await get_shipping_rules(s)
        count = await s.scalar(select(func.count()).select_from(CheckoutShippingRules))

    assert saved == first
    assert stored == second
    assert count == 1
    (row,) = await _rows(ctx)
    assert (row.id, row.updated_by) == (1, "staff:2")


@pytest.mark.parametrize(
    "rules",
    [
        ShippingRules(flat_fee=-1),
        ShippingRules(flat_fee=1_000_001),
        ShippingRules(free_threshold=-1),
        ShippingRules(region_fees={"6": 100}),
        ShippingRules(region_fees={"6501021": 100}),
        ShippingRules(region_fees={"65a": 100}),
        ShippingRules(region_fees={"６５": 100}),  # full-width digits
        ShippingRules(region_fees={"65\n": 100}),
        ShippingRules(region_fees={"65": -5}),
        ShippingRules(region_fees={"65": True}),  # type: ignore[dict-item]
        ShippingRules(flat_fee=1.5),  # type: ignore[arg-type]
        ShippingRules(region_fees={f"{i:04d}": 1 for i in range(501)}),
    ],
)
async def test_invalid_rules_are_refused_and_change_nothing(
    ctx: AppContext, rules: ShippingRules
) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await update_shipping_rules(s, ShippingRules(flat_fee=700), actor="staff:1")
    before = await snapshot(ctx)

    with pytest.raises(InvalidShippingRules) as caught:
        async with unit_of_work(ctx.sessionmaker) as s:
            await update_shipping_rules(s, rules, actor="staff:1")

    assert caught.value.code == "checkout.invalid_shipping_rules"
    assert caught.value.status == 400
    assert await snapshot(ctx) == before


def test_request_model_and_view() -> None:
    body = ShippingRulesUpdate.model_validate(
        {"flat_fee": 800, "free_threshold": None, "region_fees": {"65": 2000, "54": 2500}}
    )
    rules = body.to_rules()

    assert rules == ShippingRules(
        flat_fee=800, free_threshold=None, region_fees={"65": 2000, "54": 2500}
    )
    assert shipping_rules_view(rules).model_dump() == {
        "flat_fee": 800,
        "free_threshold": None,
        "region_fees": {"54": 2500, "65": 2000},
    }
    for bad in (
        {"flat_fee": 800},
        {"flat_fee": -1, "free_threshold": None},
        {"flat_fee": "800", "free_threshold": None},
        {"flat_fee": 800, "free_threshold": None, "region_fees": {"6": 1}},
        {"flat_fee": 800, "free_threshold": None, "extra": 1},
    ):
        with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError
            ShippingRulesUpdate.model_validate(bad)

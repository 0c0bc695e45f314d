"""Pure coupon rules (no database): every kind, scope and refusal, table-driven, and the
allocation of a coupon's saving over the lines through checkout's pricing (fen never lost)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.checkout.pricing import Discount, PricingLine, ShippingRules, price
from shoplet.modules.promotions.rules import CartLine, Offer, Refusal, Rule, best, evaluate

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SHIRT = CartLine(sku_id=1, product_id=10, category_id=100, line_total=8000)
CUP = CartLine(sku_id=2, product_id=20, category_id=200, line_total=4000)
BAG = CartLine(sku_id=3, product_id=30, category_id=None, line_total=999)


def rule(kind: str = "threshold", **overrides: object) -> Rule:
    values: dict[str, object] = {
        "name": "券",
        "kind": kind,
        "threshold": 0,
        "amount": None,
        "rate_permille": None,
        "scope": "all",
        "scope_ids": (),
        "is_new_customer_only": False,
    }
    values.update(overrides)
    return Rule(**values)  # type: ignore[arg-type]


def run(
    coupon: Rule,
    lines: list[CartLine],
    *,
    state: str = "unused",
    starts: timedelta = timedelta(days=-1),
    ends: timedelta = timedelta(days=1),
    shipping_fee: int = 800,
    is_new_customer: bool = True,
) -> Offer | Refusal:
    return evaluate(
        coupon,
        lines,
        valid_from=NOW + starts,
        valid_to=NOW + ends,
        state=state,
        now=NOW,
        shipping_fee=shipping_fee,
        is_new_customer=is_new_customer,
    )


@pytest.mark.parametrize(
    ("coupon", "lines", "expected"),
    [
        # 满减: spend >= threshold over the lines in scope.
        (rule(threshold=10000, amount=2000), [SHIRT, CUP], Offer(2000, None)),
        (rule(threshold=12000, amount=2000), [SHIRT, CUP], Offer(2000, None)),
        (rule(threshold=12001, amount=2000), [SHIRT, CUP],
         Refusal("promotions.below_threshold", "未达门槛，差¥0.01")),
        (rule(threshold=5000, amount=1000, scope="products", scope_ids=(10,)), [SHIRT, CUP],
         Offer(1000, frozenset({1}))),
        (rule(threshold=9000, amount=1000, scope="products", scope_ids=(10,)), [SHIRT, CUP],
         Refusal("promotions.below_threshold", "未达门槛，差¥10.00")),
        (rule(threshold=100, amount=100, scope="categories", scope_ids=(200, 300)), [SHIRT, CUP],
         Offer(100, frozenset({2}))),
        (rule(threshold=100, amount=100, scope="categories", scope_ids=(999,)), [SHIRT, BAG],
         Refusal("promotions.out_of_scope", "不在使用范围")),
        (rule(threshold=100, amount=100, scope="products", scope_ids=(99,)), [SHIRT],
         Refusal("promotions.out_of_scope", "不在使用范围")),
        # 折扣: the saving rounds down to the fen; capped by amount.
        (rule("discount", rate_permille=850), [SHIRT, CUP], Offer(1800, None)),
        (rule("discount", rate_permille=850, amount=1000), [SHIRT, CUP], Offer(1000, None)),
        (rule("discount", rate_permille=999), [BAG], Offer(0, None)),
        (rule("discount", rate_permille=900), [BAG], Offer(99, None)),
        (rule("discount", rate_permille=500, threshold=20000), [SHIRT, CUP],
         Refusal("promotions.below_threshold", "未达门槛，差¥80.00")),
        (rule("discount", rate_permille=800, scope="products", scope_ids=(20,)), [SHIRT, CUP],
         Offer(800, frozenset({2}))),
        # 无门槛: never more than the lines in scope cost.
        (rule("no_threshold", amount=500), [SHIRT], Offer(500, None)),
        (rule("no_threshold", amount=5000), [BAG], Offer(999, None)),
        # 运费券: up to the fee.
        (rule("shipping", amount=500), [CUP], Offer(0, None, shipping_off=500)),
        (rule("shipping", amount=2000), [CUP], Offer(0, None, shipping_off=800)),
        (rule("shipping", amount=500, threshold=5000), [CUP],
         Refusal("promotions.below_threshold", "未达门槛，差¥10.00")),
    ],
)  # fmt: skip
def test_kinds_and_scopes(coupon: Rule, lines: list[CartLine], expected: Offer | Refusal) -> None:
    assert run(coupon, lines) == expected


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"state": "locked"}, "promotions.coupon_unavailable"),
        ({"state": "used"}, "promotions.coupon_unavailable"),
        ({"state": "void"}, "promotions.coupon_unavailable"),
        ({"ends": timedelta(0)}, "promotions.coupon_expired"),
        ({"ends": timedelta(seconds=-1)}, "promotions.coupon_expired"),
        ({"starts": timedelta(seconds=1)}, "promotions.coupon_not_started"),
        ({"is_new_customer": False}, "promotions.new_customer_only"),
        ({"shipping_fee": 0}, "promotions.no_shipping_fee"),
    ],
)
def test_refusals(kwargs: dict[str, object], code: str) -> None:
    coupon = rule("shipping", amount=500, is_new_customer_only=True)
    result = run(coupon, [SHIRT], **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Refusal)
    assert result.code == code


def test_the_best_coupon_saves_most_then_expires_soonest() -> None:
    soon, late = NOW + timedelta(days=1), NOW + timedelta(days=5)
    assert best([(1, late, Offer(500, None)), (2, soon, Offer(300, None))]) == 1
    assert best([(1, late, Offer(500, None)), (2, soon, Offer(0, None, 500))]) == 2
    assert best([(3, soon, Offer(500, None)), (2, soon, Offer(500, None))]) == 2
    assert best([(1, soon, Offer(0, None))]) is None
    assert best([]) is None


fen = st.integers(min_value=0, max_value=5_000_000)
cart = st.lists(
    st.builds(
        CartLine,
        sku_id=st.integers(min_value=1, max_value=40),
        product_id=st.integers(min_value=1, max_value=5),
        category_id=st.none() | st.integers(min_value=1, max_value=3),
        line_total=st.integers(min_value=0, max_value=2_000_000),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda line: line.sku_id,
)
rules_strategy = st.builds(
    rule,
    kind=st.sampled_from(["threshold", "discount", "no_threshold"]),
    threshold=fen,
    amount=st.none() | st.integers(min_value=1, max_value=5_000_000),
    rate_permille=st.integers(min_value=1, max_value=999),
    scope=st.sampled_from(["all", "products", "categories"]),
    scope_ids=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=3).map(tuple),
)


@given(rules_strategy, cart)
def test_an_offer_priced_never_loses_or_makes_a_fen(coupon: Rule, lines: list[CartLine]) -> None:
    result = run(coupon, lines)
    if isinstance(result, Refusal):
        return
    in_scope = [line for line in lines if result.sku_ids is None or line.sku_id in result.sku_ids]
    assert 0 <= result.amount <= sum(line.line_total for line in in_scope)
    breakdown = price(
        [PricingLine(line.sku_id, line.line_total, 1) for line in lines],
        region_code=None,
        shipping=ShippingRules(),
        discounts=[Discount("coupon", "1", result.amount, result.sku_ids)],
    )
    assert breakdown.discount_total == result.amount
    assert sum(breakdown.line_discounts.values()) == result.amount
    for line in lines:
        part = breakdown.line_discounts[line.sku_id]
        assert 0 <= part <= line.line_total
        if result.sku_ids is not None and line.sku_id not in result.sku_ids:
            assert part == 0

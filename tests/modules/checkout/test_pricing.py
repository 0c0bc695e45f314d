"""Pure pricing: exact examples and properties (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.checkout.pricing import (
    Discount,
    PriceBreakdown,
    PricingLine,
    ShippingRules,
    price,
    shipping_fee,
)

RULES = ShippingRules(flat_fee=800, free_threshold=9900, region_fees={"65": 2000, "6501": 1500})


def test_defaults_are_the_documented_ones() -> None:
    assert ShippingRules() == ShippingRules(flat_fee=800, free_threshold=9900, region_fees={})


def test_items_and_flat_shipping() -> None:
    result = price(
        [PricingLine(sku_id=1, unit_price=1999, quantity=2), PricingLine(2, 3000, 1)],
        region_code="440305",
        shipping=RULES,
    )

    assert result == PriceBreakdown(
        items_total=6998,
        shipping_fee=800,
        discount_total=0,
        payable_total=7798,
        line_totals={1: 3998, 2: 3000},
        line_discounts={1: 0, 2: 0},
        applied_discounts=(),
    )


def test_free_shipping_compares_the_total_after_discounts() -> None:
    lines = [PricingLine(1, 5000, 2)]

    at_threshold = price(
        lines, region_code=None, shipping=RULES, discounts=[Discount("c", "A", 100)]
    )
    below = price(lines, region_code=None, shipping=RULES, discounts=[Discount("c", "A", 101)])

    assert (at_threshold.items_total, at_threshold.discount_total) == (10000, 100)
    assert (at_threshold.shipping_fee, at_threshold.payable_total) == (0, 9900)
    assert (below.shipping_fee, below.payable_total) == (800, 9899 + 800)


@pytest.mark.parametrize(
    ("region_code", "fee"),
    [
        ("650102", 1500),  # 乌鲁木齐 天山区: the longer prefix "6501" wins
        ("654002", 2000),  # 伊犁 伊宁: province prefix "65"
        ("540102", 800),  # 拉萨: no rule -> flat fee
        (None, 800),
        ("", 800),
    ],
)
def test_region_fee_longest_prefix_wins(region_code: str | None, fee: int) -> None:
    assert shipping_fee(100, region_code=region_code, rules=RULES) == fee


def test_no_free_threshold_means_never_free() -> None:
    rules = ShippingRules(flat_fee=500, free_threshold=None)

    assert price([PricingLine(1, 10**7, 1)], region_code=None, shipping=rules).shipping_fee == 500


def test_zero_threshold_is_always_free_and_an_empty_order_ships_nothing() -> None:
    assert shipping_fee(0, region_code=None, rules=ShippingRules(free_threshold=0)) == 0
    empty = price([], region_code="650102", shipping=RULES)
    assert (empty.items_total, empty.shipping_fee, empty.payable_total) == (0, 0, 0)


def test_discount_split_proportionally_with_exact_fen() -> None:
    lines = [PricingLine(1, 1000, 1), PricingLine(2, 2000, 1), PricingLine(3, 3000, 1)]

    result = price(
        lines, region_code=None, shipping=RULES, discounts=[Discount("coupon", "X", 100)]
    )

    # 100 over 1000:2000:3000 = 16.67, 33.33, 50 -> the spare fen goes to the largest remainder.
    assert result.line_discounts == {1: 17, 2: 33, 3: 50}
    assert result.discount_total == 100
    assert result.payable_total == 6000 - 100 + 800


def test_sku_scoped_discount_touches_only_its_lines() -> None:
    lines = [PricingLine(1, 1000, 1), PricingLine(2, 2000, 1)]

    result = price(
        lines,
        region_code=None,
        shipping=RULES,
        discounts=[Discount("promotion", "P1", 500, sku_ids=frozenset({2, 99}))],
    )

    assert result.line_discounts == {1: 0, 2: 500}


def test_discounts_never_exceed_what_the_lines_have_left() -> None:
    lines = [PricingLine(1, 1000, 1), PricingLine(2, 500, 2)]

    result = price(
        lines,
        region_code="650102",
        shipping=RULES,
        discounts=[
            Discount("promotion", "ONLY2", 5000, sku_ids=frozenset({2})),
            Discount("coupon", "ALL", 700),
            Discount("coupon", "MORE", 700),
        ],
    )

    assert result.line_discounts == {1: 1000, 2: 1000}
    assert result.discount_total == 2000
    assert [d.amount for d in result.applied_discounts] == [1000, 700, 300]
    assert result.applied_discounts[0] == Discount("promotion", "ONLY2", 1000, frozenset({2}))
    # Nothing left to pay for the items; shipping still applies (remote region, not free).
    assert (result.shipping_fee, result.payable_total) == (1500, 1500)


@pytest.mark.parametrize(
    ("lines", "rules", "discounts"),
    [
        ([PricingLine(1, 100, 0)], RULES, []),
        ([PricingLine(1, -1, 1)], RULES, []),
        ([PricingLine(1, 100, 1, weight_grams=-1)], RULES, []),
        ([PricingLine(1, 100, 1), PricingLine(1, 100, 1)], RULES, []),
        ([PricingLine(1, 100, 1)], ShippingRules(flat_fee=-1), []),
        ([PricingLine(1, 100, 1)], ShippingRules(free_threshold=-1), []),
        ([PricingLine(1, 100, 1)], ShippingRules(region_fees={"65": -1}), []),
        ([PricingLine(1, 100, 1)], RULES, [Discount("c", "N", -1)]),
    ],
)
def test_impossible_inputs_raise(
    lines: list[PricingLine], rules: ShippingRules, discounts: list[Discount]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        price(lines, region_code=None, shipping=rules, discounts=discounts)


# ---- properties ---------------------------------------------------------------------------------

fen = st.integers(min_value=0, max_value=10_000_000)
lines_strategy = st.lists(
    st.builds(
        PricingLine,
        sku_id=st.integers(min_value=1, max_value=50),
        unit_price=fen,
        quantity=st.integers(min_value=1, max_value=99),
        weight_grams=st.integers(min_value=0, max_value=100_000),
    ),
    max_size=8,
    unique_by=lambda line: line.sku_id,
)
rules_strategy = st.builds(
    ShippingRules,
    flat_fee=st.integers(min_value=0, max_value=100_000),
    free_threshold=st.none() | st.integers(min_value=0, max_value=1_000_000),
    region_fees=st.dictionaries(
        st.from_regex(r"\d{2,6}", fullmatch=True),
        st.integers(min_value=0, max_value=100_000),
        max_size=5,
    ),
)
discounts_strategy = st.lists(
    st.builds(
        Discount,
        source=st.sampled_from(["coupon", "promotion"]),
        code=st.text(min_size=1, max_size=5),
        amount=st.integers(min_value=0, max_value=50_000_000),
        sku_ids=st.none() | st.frozensets(st.integers(min_value=1, max_value=50), max_size=5),
    ),
    max_size=4,
)
region_strategy = st.none() | st.from_regex(r"\d{6}", fullmatch=True)


@given(lines_strategy, rules_strategy, discounts_strategy, region_strategy)
def test_price_invariants(
    lines: list[PricingLine],
    rules: ShippingRules,
    discounts: list[Discount],
    region_code: str | None,
) -> None:
    result = price(lines, region_code=region_code, shipping=rules, discounts=discounts)

    assert result.payable_total == result.items_total - result.discount_total + result.shipping_fee
    assert sum(result.line_discounts.values()) == result.discount_total
    assert sum(result.line_totals.values()) == result.items_total
    assert result.line_totals == {line.sku_id: line.unit_price * line.quantity for line in lines}
    for sku_id, discount in result.line_discounts.items():
        assert 0 <= discount <= result.line_totals[sku_id]
    assert min(result.items_total, result.shipping_fee, result.discount_total) >= 0
    assert result.payable_total >= result.shipping_fee >= 0
    assert sum(d.amount for d in result.applied_discounts) == result.discount_total
    for offered, applied in zip(discounts, result.applied_discounts, strict=True):
        assert 0 <= applied.amount <= offered.amount
        assert (applied.source, applied.code, applied.sku_ids) == (
            offered.source,
            offered.code,
            offered.sku_ids,
        )
    after_discounts = result.items_total - result.discount_total
    if lines and rules.free_threshold is not None and after_discounts >= rules.free_threshold:
        assert result.shipping_fee == 0
    if not lines:
        assert result.payable_total == 0
    # Deterministic: the same inputs, in the same order, give the same breakdown.
    assert price(lines, region_code=region_code, shipping=rules, discounts=discounts) == result


@given(lines_strategy, discounts_strategy)
def test_a_whole_order_discount_is_applied_in_full_when_it_fits(
    lines: list[PricingLine], discounts: list[Discount]
) -> None:
    whole = [Discount(d.source, d.code, d.amount) for d in discounts]
    result = price(lines, region_code=None, shipping=ShippingRules(), discounts=whole)

    assert result.discount_total == min(sum(d.amount for d in whole), result.items_total)


@given(lines_strategy, st.frozensets(st.integers(min_value=1, max_value=50)), fen)
def test_a_scoped_discount_stays_on_its_lines(
    lines: list[PricingLine], scope: frozenset[int], amount: int
) -> None:
    result = price(
        lines,
        region_code=None,
        shipping=ShippingRules(),
        discounts=[Discount("promotion", "P", amount, sku_ids=scope)],
    )

    in_scope = sum(total for sku_id, total in result.line_totals.items() if sku_id in scope)
    assert result.discount_total == min(amount, in_scope)
    for sku_id, discount in result.line_discounts.items():
        if sku_id not in scope:
            assert discount == 0


@given(lines_strategy, rules_strategy, region_strategy, st.integers(min_value=0, max_value=10**7))
def test_a_shipping_reduction_waives_at_most_the_fee(
    lines: list[PricingLine], rules: ShippingRules, region_code: str | None, waiver: int
) -> None:
    plain = price(lines, region_code=region_code, shipping=rules)
    result = price(lines, region_code=region_code, shipping=rules, shipping_discount=waiver)

    assert result.shipping_discount == min(waiver, plain.shipping_fee)
    assert result.shipping_fee + result.shipping_discount == plain.shipping_fee
    assert result.payable_total == plain.payable_total - result.shipping_discount
    assert result.payable_total == result.items_total - result.discount_total + result.shipping_fee
    assert (result.line_discounts, result.discount_total) == (
        plain.line_discounts,
        plain.discount_total,
    )


def test_a_negative_shipping_reduction_is_refused() -> None:
    with pytest.raises(ValueError, match="shipping_discount"):
        price([PricingLine(1, 100, 1)], region_code=None, shipping=RULES, shipping_discount=-1)

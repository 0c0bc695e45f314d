"""Pure membership rules: tier-table validation (table-driven), levels, progress, order growth
and its proportional reversal, tier periods, benefits arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.membership.rules import (
    DEFAULT_TIERS,
    Benefits,
    TierRule,
    add_months,
    growth_for_payment,
    level_for,
    progress_permille,
    reversal_for,
    tier_at,
    tier_problems,
)

V0, V1, V2, V3, V4 = DEFAULT_TIERS


def _with(tier: TierRule, **changes: object) -> TierRule:
    return dataclasses.replace(tier, **changes)  # type: ignore[arg-type]


def _benefits(tier: TierRule, **changes: object) -> TierRule:
    return dataclasses.replace(tier, benefits=dataclasses.replace(tier.benefits, **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tiers", "problem"),
    [
        pytest.param(DEFAULT_TIERS, None, id="defaults"),
        pytest.param((V0,), None, id="one-tier"),
        pytest.param((), "give 1..10 tiers", id="empty"),
        pytest.param((V0,) * 11, "give 1..10 tiers", id="too-many"),
        pytest.param((V0, V2), "levels must be 0, 1, 2, … in order", id="gap"),
        pytest.param((V1, V0), "levels must be 0, 1, 2, … in order", id="order"),
        pytest.param(
            (_with(V0, threshold=10), V1),
            "the lowest tier (level 0) starts at growth 0 and keeps with 0",
            id="v0-not-zero",
        ),
        pytest.param(
            (V0, V1, _with(V2, threshold=500), V3, V4),
            "V2: threshold must be above V1's (500)",
            id="equal-thresholds",
        ),
        pytest.param(
            (V0, V1, _with(V2, threshold=400, keep_threshold=0), V3, V4),
            "V2: threshold must be above V1's (500)",
            id="decreasing",
        ),
        pytest.param((V0, _with(V1, code="V0")), "codes must be unique", id="codes"),
        pytest.param((V0, _with(V1, name="普通会员")), "names must be unique", id="names"),
        pytest.param(
            (V0, _with(V1, keep_threshold=501)),
            "V1: keep_threshold must be 0..its threshold",
            id="keep-above-threshold",
        ),
        pytest.param(
            (V0, _benefits(V1, discount_permille=0)),
            "V1: discount_permille must be 1..1000 (1000 = none)",
            id="discount-zero",
        ),
        pytest.param(
            (V0, _benefits(V1, discount_permille=1001)),
            "V1: discount_permille must be 1..1000 (1000 = none)",
            id="discount-over",
        ),
        pytest.param(
            (V0, _benefits(V1, points_multiplier_permille=10_001)),
            "V1: points_multiplier_permille must be 0..10000",
            id="multiplier",
        ),
        pytest.param(
            (V0, _benefits(V1, free_shipping=False, free_shipping_threshold=100)),
            "V1: free_shipping_threshold needs free_shipping, 0..10000000000",
            id="free-shipping-threshold-without-free-shipping",
        ),
        pytest.param(
            (V0, _benefits(V1, exclusive_coupon_template_ids=(1, 1))),
            "V1: exclusive coupons listed twice",
            id="coupon-twice",
        ),
        pytest.param(
            (V0, _benefits(V1, exclusive_coupon_template_ids=tuple(range(1, 22)))),
            "V1: at most 20 exclusive coupons",
            id="coupons-many",
        ),
    ],
)
def test_tier_table_rules(tiers: tuple[TierRule, ...], problem: str | None) -> None:
    found = tier_problems(tiers)
    if problem is None:
        assert found == []
    else:
        assert problem in found


@pytest.mark.parametrize(
    ("total", "level"),
    [(-5, 0), (0, 0), (499, 0), (500, 1), (1999, 1), (2000, 2), (6000, 3), (14999, 3), (10**9, 4)],
)
def test_level_for_a_total(total: int, level: int) -> None:
    assert level_for(total, DEFAULT_TIERS) == level


def test_tier_at_a_level_the_table_no_longer_has_is_the_highest_below() -> None:
    assert tier_at(7, DEFAULT_TIERS) == V4
    assert tier_at(2, (V0, V1)) == V1


@pytest.mark.parametrize(
    ("total", "current", "following", "permille"),
    [
        (0, V0, V1, 0),
        (250, V0, V1, 500),
        (1250, V1, V2, 500),
        (1999, V1, V2, 999),
        (7000, V2, V3, 1000),  # a total above the next threshold (kept after a downgrade)
        (20000, V4, None, 1000),
        (100, V1, V2, 0),  # below the own threshold after a reversal
    ],
)
def test_progress(total: int, current: TierRule, following: TierRule | None, permille: int) -> None:
    assert progress_permille(total, current, following) == permille


@pytest.mark.parametrize(
    ("amount", "fen_per_growth", "growth"),
    [(0, 100, 0), (99, 100, 0), (100, 100, 1), (12345, 100, 123), (12345, 1, 12345), (-5, 100, 0)],
)
def test_growth_for_payment(amount: int, fen_per_growth: int, growth: int) -> None:
    assert growth_for_payment(amount, fen_per_growth) == growth


@pytest.mark.parametrize(
    ("earned", "refunded", "paid", "already", "back"),
    [
        (118, 11800, 11800, 0, 118),  # all of it
        (118, 5900, 11800, 0, 59),  # half
        (118, 1000, 11800, 0, 10),  # exactly 10
        (100, 3333, 10000, 0, 34),  # 33.33 rounded up
        (100, 5000, 10000, 90, 10),  # never more than is left
        (100, 1, 0, 40, 60),  # the order's full refund: what is left
        (0, 100, 100, 0, 0),
    ],
)
def test_reversal(earned: int, refunded: int, paid: int, already: int, back: int) -> None:
    assert reversal_for(earned, refunded, paid, already) == back


@given(
    earned=st.integers(0, 10**6),
    paid=st.integers(1, 10**8),
    parts=st.lists(st.integers(1, 10**8), max_size=8),
)
def test_reversals_never_take_back_more_than_was_earned(
    earned: int, paid: int, parts: list[int]
) -> None:
    taken = 0
    left_to_refund = paid
    for asked in parts:
        part = min(asked, left_to_refund)
        if part == 0:
            break
        taken += reversal_for(earned, part, paid, taken)
        left_to_refund -= part
        assert 0 <= taken <= earned
    if left_to_refund == 0 and parts:
        assert taken == earned  # refunds covering the payment take all of it back
    taken += reversal_for(earned, 1, 0, taken)  # then order.refunded
    assert taken == earned


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2026, 1, 31, 8, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2026, 3, 15, tzinfo=UTC), 12, datetime(2027, 3, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2026, 12, 3, tzinfo=UTC), -12, datetime(2025, 12, 3, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 3, datetime(2027, 2, 28, tzinfo=UTC)),
    ],
)
def test_add_months(start: datetime, months: int, end: datetime) -> None:
    assert add_months(start, months) == end


@pytest.mark.parametrize(
    ("benefits", "price", "member_price"),
    [
        (Benefits(), 9900, 9900),
        (Benefits(discount_permille=980), 9900, 9702),
        (Benefits(discount_permille=950), 1, 1),  # 0.95 fen rounds half up to 1
        (Benefits(discount_permille=995), 100, 100),  # 99.5 → 100
        (Benefits(discount_permille=1), 100, 0),
        (Benefits(discount_permille=980), 0, 0),
    ],
)
def test_member_price(benefits: Benefits, price: int, member_price: int) -> None:
    assert benefits.member_price(price) == member_price
    assert benefits.goods_discount(price) == price - member_price


@given(price=st.integers(0, 10**10), permille=st.integers(1, 1000))
def test_member_price_stays_within_the_price(price: int, permille: int) -> None:
    got = Benefits(discount_permille=permille).member_price(price)
    assert 0 <= got <= price


def test_free_shipping_and_points() -> None:
    assert not Benefits().ships_free(10**6)
    assert Benefits(free_shipping=True).ships_free(0)
    threshold = Benefits(free_shipping=True, free_shipping_threshold=4900)
    assert (threshold.ships_free(4899), threshold.ships_free(4900)) == (False, True)
    assert Benefits(points_multiplier_permille=1500).points(101) == 151
    assert Benefits().points(7) == 7

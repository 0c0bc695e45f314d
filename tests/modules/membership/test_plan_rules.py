"""Pure paid-plan rules: merging tier and plan benefits, where a paid period runs, the refund
rule and the "开通省¥xx" figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.membership.rules import (
    DEFAULT_TIERS,
    Benefits,
    best_of,
    period_bounds,
    plan_problems,
    plan_saving,
    refundable,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SVIP = Benefits(discount_permille=950, free_shipping=True, points_multiplier_permille=2000)
GOLD = DEFAULT_TIERS[2].benefits  # 98折, free shipping from ¥49, ×1.2


def test_best_of_takes_the_better_of_each_benefit() -> None:
    merged = best_of(GOLD, SVIP)

    assert merged.discount_permille == 950
    assert (merged.free_shipping, merged.free_shipping_threshold) == (True, None)
    assert merged.points_multiplier_permille == 2000
    assert best_of(GOLD, None) == GOLD


def test_best_of_keeps_the_lower_shipping_threshold_and_every_coupon() -> None:
    tier = Benefits(
        free_shipping=True, free_shipping_threshold=9900, exclusive_coupon_template_ids=(1, 2)
    )
    plan = Benefits(
        free_shipping=True, free_shipping_threshold=4900, exclusive_coupon_template_ids=(2, 3)
    )

    merged = best_of(tier, plan)

    assert merged.free_shipping_threshold == 4900
    assert merged.exclusive_coupon_template_ids == (1, 2, 3)
    assert best_of(Benefits(), plan).free_shipping_threshold == 4900


benefits = st.builds(
    Benefits,
    discount_permille=st.integers(1, 1000),
    free_shipping=st.booleans(),
    points_multiplier_permille=st.integers(0, 10000),
    priority_service=st.booleans(),
)


@given(tier=benefits, plan=benefits, price=st.integers(0, 10**8), goods=st.integers(0, 10**8))
def test_the_merge_is_never_worse_than_either_side(
    tier: Benefits, plan: Benefits, price: int, goods: int
) -> None:
    merged = best_of(tier, plan)
    assert merged.member_price(price) <= min(tier.member_price(price), plan.member_price(price))
    assert merged.points(goods) >= max(tier.points(goods), plan.points(goods))
    assert merged.ships_free(goods) == (tier.ships_free(goods) or plan.ships_free(goods))


def test_a_period_starts_now_or_after_the_running_one() -> None:
    assert period_bounds(NOW, None, 1) == (NOW, datetime(2027, 1, 3, 10, tzinfo=UTC))
    assert period_bounds(NOW, NOW - timedelta(days=1), 1)[0] == NOW  # lapsed: from now
    later = NOW + timedelta(days=10)
    assert period_bounds(NOW, later, 12) == (later, datetime(2027, 12, 13, 10, tzinfo=UTC))
    # Month ends: 31 Jan + 1 month is the last day of February.
    jan = datetime(2027, 1, 31, tzinfo=UTC)
    assert period_bounds(jan, None, 1)[1] == datetime(2027, 2, 28, tzinfo=UTC)


def _refundable(now: datetime, *, used: bool, paid: datetime = NOW) -> int:
    return refundable(
        price=16800,
        paid_at=paid,
        starts_at=NOW,
        ends_at=NOW + timedelta(days=360),
        now=now,
        benefit_used=used,
    )


def test_the_refund_rule() -> None:
    # Within 7 days and unused: everything back.
    assert _refundable(NOW + timedelta(days=6), used=False) == 16800
    # Used, or after 7 days: the unused share, rounded down to the fen.
    assert _refundable(NOW + timedelta(days=6), used=True) == 16520
    assert _refundable(NOW + timedelta(days=90), used=False) == 12600
    # Not started yet (a queued renewal): everything; ended: nothing.
    assert _refundable(NOW - timedelta(days=1), used=True) == 16800
    assert _refundable(NOW + timedelta(days=360), used=False) == 0


def test_the_saving_counts_the_discount_beyond_the_tier() -> None:
    # ¥300 a month at 95折: ¥15 a month, ¥180 a year; a 98折 tier already saves ¥6 of it.
    assert plan_saving(30000, 12, Benefits(), SVIP) == 18000
    assert plan_saving(30000, 12, GOLD, SVIP) == 10800
    assert plan_saving(30000, 1, Benefits(discount_permille=900), SVIP) == 0


def test_plan_problems() -> None:
    ok = plan_problems(name="SVIP月卡", price=1990, list_price=None, months=1, benefits=SVIP)
    assert ok == []
    bad = plan_problems(name=" ", price=0, list_price=None, months=40, benefits=Benefits())
    assert bad == [
        "name is required",
        "price must be 1..100000000 fen",
        "months must be 1..36",
        "a plan must grant at least one benefit",
    ]

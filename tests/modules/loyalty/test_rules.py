"""The programme's pure rules: earning, value, cap, expiry, sign-in rewards and FIFO."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.loyalty import rules as r


def test_one_point_per_whole_yuan_of_goods() -> None:
    assert r.earned_points(r.DEFAULT_RULES, 12_999) == 129
    assert r.earned_points(r.DEFAULT_RULES, 99) == 0
    assert r.earned_points(r.DEFAULT_RULES, -5) == 0
    assert r.earned_points(r.Rules(earn_per_yuan=3), 1_000) == 30


def test_hundred_points_are_one_yuan_and_amounts_are_whole_fen() -> None:
    assert r.points_value(r.DEFAULT_RULES, 250) == 250
    assert r.points_step(r.DEFAULT_RULES) == 1
    assert r.points_step(r.Rules(points_per_yuan=1000)) == 10
    assert r.points_value(r.Rules(points_per_yuan=1000), 10) == 1
    assert r.points_step(r.Rules(points_per_yuan=50)) == 1
    assert r.points_value(r.Rules(points_per_yuan=50), 3) == 6


def test_usable_is_the_balance_within_half_the_goods() -> None:
    assert r.usable_max(r.DEFAULT_RULES, balance=10_000, goods_after_coupons=5_000) == 2_500
    assert r.usable_max(r.DEFAULT_RULES, balance=300, goods_after_coupons=5_000) == 300
    assert r.usable_max(r.Rules(enabled=False), balance=300, goods_after_coupons=5_000) == 0
    assert (
        r.usable_max(r.Rules(points_per_yuan=1000), balance=999, goods_after_coupons=10**6) == 990
    )


def test_points_expire_at_the_end_of_the_year_after_earning_beijing_time() -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Beijing: expires end of 2028.
    late = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert r.expires_at(r.DEFAULT_RULES, late) == datetime(2028, 12, 31, 16, 0, tzinfo=UTC)
    early = datetime(2026, 3, 1, tzinfo=UTC)
    assert r.expires_at(r.DEFAULT_RULES, early) == datetime(2027, 12, 31, 16, 0, tzinfo=UTC)
    assert r.expires_at(r.Rules(expiry_days=30), early) == datetime(2026, 3, 31, tzinfo=UTC)


def test_the_seventh_day_of_a_streak_brings_the_bonus() -> None:
    assert [r.signin_reward(r.DEFAULT_RULES, day) for day in range(1, 9)] == [
        5, 5, 5, 5, 5, 5, 25, 5,
    ]  # fmt: skip
    assert r.next_bonus_in(r.DEFAULT_RULES, 1) == 6
    assert r.next_bonus_in(r.DEFAULT_RULES, 7) == 7


@given(
    batches=st.lists(st.integers(min_value=0, max_value=500), max_size=8),
    points=st.integers(min_value=0, max_value=3000),
)
def test_fifo_takes_the_earliest_batches_first(batches: list[int], points: int) -> None:
    ordered = list(enumerate(batches, start=1))
    taken = r.fifo_take(ordered, points)
    assert sum(p for _, p in taken) == min(points, sum(batches))
    remaining = dict(ordered)
    for batch_id, part in taken:
        assert 0 < part <= remaining[batch_id]
    # Every batch before the last one touched is used up.
    if taken:
        last = taken[-1][0]
        for batch_id, part in taken[:-1]:
            assert part == remaining[batch_id]
        assert [b for b, _ in taken] == [b for b, left in ordered if b <= last and left > 0]

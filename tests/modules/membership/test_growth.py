"""Growth through ``membership.public``: counted once per (reason, ref), upgrades as soon as a
threshold is crossed (several at once: one event), taking growth away never downgrades, and
the account's total is always the sum of its ledger."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.membership import public as membership
from shoplet.modules.membership.errors import InvalidGrowth
from shoplet.modules.membership.rules import DEFAULT_TIERS, level_for
from tests.modules.membership.factories import account, entries, grow, tier_events

_members = itertools.count(10_000)


async def test_growth_counts_once_per_reason_and_ref(ctx: AppContext) -> None:
    first = await grow(ctx, 1, 120, "review:1")
    again = await grow(ctx, 1, 120, "review:1")
    other_reason = await grow(ctx, 1, 5, "review:1", reason="signin")

    assert (first.applied, first.total, first.level) == (True, 120, 0)
    assert (again.applied, again.entry_id) == (False, None)
    assert other_reason.total == 125
    assert await entries(ctx, 1) == [(120, "review", "review:1"), (5, "signin", "review:1")]
    row = await account(ctx, 1)
    assert row is not None
    assert (row.growth_total, row.level) == (125, 0)


async def test_crossing_a_threshold_upgrades_at_once_with_one_event(ctx: AppContext) -> None:
    await grow(ctx, 2, 499, "a")
    assert await tier_events(ctx, 2) == []

    crossed = await grow(ctx, 2, 1, "b")

    assert (crossed.from_level, crossed.level, crossed.total) == (0, 1, 500)
    assert await tier_events(ctx, 2) == [
        {
            "member_id": 2,
            "from_level": 0,
            "to_level": 1,
            "from_code": "V0",
            "to_code": "V1",
            "direction": "up",
            "growth_total": 500,
            "cause": "review",
        }
    ]
    async with ctx.sessionmaker() as s:
        tier = await membership.tier_of(s, 2)
        benefits = await membership.benefits_for(s, 2)
    assert (tier.code, tier.name, tier.level) == ("V1", "白银会员", 1)
    assert benefits == tier.benefits
    assert benefits.member_price(10000) == 9950


async def test_several_thresholds_at_once_make_one_upgrade_and_one_event(
    ctx: AppContext,
) -> None:
    result = await grow(ctx, 3, 7000, "big")

    assert (result.from_level, result.level) == (0, 3)
    events = await tier_events(ctx, 3)
    assert [(e["from_code"], e["to_code"]) for e in events] == [("V0", "V3")]
    await grow(ctx, 3, 100, "more")  # no crossing: no event
    assert len(await tier_events(ctx, 3)) == 1


async def test_taking_growth_away_does_not_downgrade(ctx: AppContext) -> None:
    await grow(ctx, 4, 2100, "paid", reason="order_paid")
    taken = await grow(ctx, 4, -600, "paid/full", reason="order_refund")

    assert (taken.total, taken.level) == (1500, 2)  # the period job decides downgrades
    async with ctx.sessionmaker() as s:
        assert (await membership.tier_of(s, 4)).code == "V2"


async def test_a_member_without_growth_is_v0(ctx: AppContext) -> None:
    async with ctx.sessionmaker() as s:
        tier = await membership.tier_of(s, 999)
    assert (tier.code, tier.level, tier.benefits) == ("V0", 0, membership.Benefits())


@pytest.mark.parametrize(
    ("amount", "reason", "ref", "error"),
    [
        (0, "review", "x", InvalidGrowth),
        (10**9 + 1, "review", "x", InvalidGrowth),
        (1, "lottery", "x", ValueError),
        (1, "review", "", ValueError),
        (1, "review", "r" * 81, ValueError),
    ],
)
async def test_bad_growth_is_refused_before_writing(
    ctx: AppContext, amount: int, reason: str, ref: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        async with unit_of_work(ctx.sessionmaker) as s:
            await membership.add_growth(s, 5, amount, reason, ref)
    assert await entries(ctx, 5) == []
    assert await account(ctx, 5) is None


ops = st.lists(
    st.tuples(
        st.sampled_from(["order_paid", "order_refund", "review", "adjust"]),
        st.integers(-3000, 3000).filter(bool),
        st.integers(0, 6),  # a small ref space: repeats must count once
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops)
async def test_the_total_is_always_the_sum_of_the_ledger(
    ctx: AppContext, ops: list[tuple[str, int, int]]
) -> None:
    member_id = next(_members)
    seen: set[tuple[str, int]] = set()
    total = level = upgrades = 0
    for reason, amount, ref in ops:
        await grow(ctx, member_id, amount, f"{member_id}:{ref}", reason=reason)
        if (reason, ref) in seen:
            continue  # counted once
        seen.add((reason, ref))
        total += amount
        if level_for(total, DEFAULT_TIERS) > level:
            level = level_for(total, DEFAULT_TIERS)
            upgrades += 1

    row = await account(ctx, member_id)
    assert row is not None
    ledger = await entries(ctx, member_id)
    assert row.growth_total == sum(a for a, _, _ in ledger) == total
    assert len(ledger) == len(seen)
    # Levels only go up with growth (downgrades are the period job's), one event per upgrade.
    assert row.level == level
    assert len(await tier_events(ctx, member_id)) == upgrades

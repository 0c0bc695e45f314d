"""The tier-period job with an injected clock: a member who does not earn their tier's keep
threshold within the period is warned ``warn_days`` before it ends, then lowered one level
when it ends (growth brought down to the lower tier's threshold, a notice, an event); a member
who earned it starts a new period. Re-runs change nothing; accounts go in batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.modules.membership import service
from shoplet.modules.membership.tasks import CLOCK_KEY, PERIODS_JOB
from tests.conftest import snapshot
from tests.modules.membership.factories import account, entries, grow, notices, tier_events

T0 = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
PERIOD_END = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)  # 12 months (the default setting)
SLACKER, KEEPER = 1, 2


async def _reach_gold(ctx: AppContext, member_id: int) -> None:
    """白银 a month before T0, 黄金 (2000) at T0: the 黄金 period starts at T0."""
    await grow(ctx, member_id, 1999, f"{member_id}:climb", now=T0 - timedelta(days=30))
    result = await grow(ctx, member_id, 1, f"{member_id}:cross", now=T0)
    assert result.level == 2


async def _run(ctx: AppContext, now: datetime, batch_size: int = 200) -> service.PeriodReport:
    return await service.evaluate_periods(ctx.sessionmaker, now=now, batch_size=batch_size)


async def test_warning_then_downgrade_then_nothing_more(ctx: AppContext) -> None:
    await _reach_gold(ctx, SLACKER)
    await _reach_gold(ctx, KEEPER)
    await grow(ctx, KEEPER, 900, "keeper:review", now=T0 + timedelta(days=100))  # keep is 800

    early = await _run(ctx, PERIOD_END - timedelta(days=10))
    assert (early.checked, early.warned) == (0, 0)

    # Seven days before the end: the slacker is told, once.
    warned = await _run(ctx, PERIOD_END - timedelta(days=5))
    assert (warned.checked, warned.warned, warned.downgraded) == (2, 1, 0)
    assert await notices(ctx, SLACKER) == [
        (
            "downgrade_warning",
            2,
            1,
            "您的会员等级将于2027年1月10日调整为白银会员，本周期再获得799成长值即可保级",
        )
    ]
    assert await notices(ctx, KEEPER) == []
    again = await _run(ctx, PERIOD_END - timedelta(days=4))
    assert again.warned == 0
    assert len(await notices(ctx, SLACKER)) == 1

    # The period ends: through the scheduled job, with its clock from the context.
    ctx.extras[CLOCK_KEY] = lambda: PERIOD_END + timedelta(hours=1)
    try:
        await run_job(ctx, PERIODS_JOB)
    finally:
        del ctx.extras[CLOCK_KEY]

    slacker = await account(ctx, SLACKER)
    assert slacker is not None
    assert (slacker.level, slacker.growth_total) == (1, 500)
    assert slacker.period_start == PERIOD_END
    assert (await entries(ctx, SLACKER))[-1] == (
        -1500,
        "downgrade",
        f"{SLACKER}/{PERIOD_END.isoformat()}",
    )
    assert [n[:3] for n in await notices(ctx, SLACKER)] == [
        ("downgrade_warning", 2, 1),
        ("downgraded", 2, 1),
    ]
    assert (await notices(ctx, SLACKER))[-1][3] == "您的会员等级已于2027年1月10日调整为白银会员"
    assert [(e["direction"], e["to_code"]) for e in await tier_events(ctx, SLACKER)] == [
        ("up", "V1"),
        ("up", "V2"),
        ("down", "V1"),
    ]
    keeper = await account(ctx, KEEPER)
    assert keeper is not None
    assert (keeper.level, keeper.growth_total, keeper.period_start) == (2, 2900, PERIOD_END)

    # Re-runs (late, or on another worker) change nothing.
    before = await snapshot(ctx)
    rerun = await _run(ctx, PERIOD_END + timedelta(hours=2))
    assert (rerun.downgraded, rerun.kept, rerun.warned) == (0, 0, 0)
    assert await snapshot(ctx) == before

    # Growth after the downgrade counts from the lower threshold: no bounce back up.
    assert (await grow(ctx, SLACKER, 1, "after", now=PERIOD_END + timedelta(days=1))).level == 1


async def test_accounts_go_in_batches(ctx: AppContext) -> None:
    for member_id in range(10, 15):
        await _reach_gold(ctx, member_id)

    report = await _run(ctx, PERIOD_END, batch_size=2)

    assert (report.downgraded, report.batches) == (5, 3)
    assert report.downgraded_members == [10, 11, 12, 13, 14]
    for member_id in range(10, 15):
        row = await account(ctx, member_id)
        assert row is not None
        assert row.level == 1


async def test_a_late_run_ends_one_period_at_a_time(ctx: AppContext) -> None:
    await _reach_gold(ctx, 20)
    await grow(ctx, 20, 4000, "20:v3", now=T0 + timedelta(days=1))  # 6000: 铂金 from T0+1d
    two_years_on = T0 + timedelta(days=800)

    first = await _run(ctx, two_years_on)
    second = await _run(ctx, two_years_on)
    third = await _run(ctx, two_years_on)

    # Period 1 (4000 earned, keep 2500): kept; period 2 (nothing earned): 铂金 → 黄金; the
    # 黄金 period that follows has not ended.
    assert [(r.kept, r.downgraded) for r in (first, second, third)] == [(1, 0), (0, 1), (0, 0)]
    row = await account(ctx, 20)
    assert row is not None
    assert (row.level, row.growth_total) == (2, 2000)

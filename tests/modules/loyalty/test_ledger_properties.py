"""Property test of the ledger on the database: random sequences of earning, spending,
completing, refunding, expiring and cancelling over a few members. After every step each
account's balance equals the sum of its ledger and of what its batches have left, never goes
below 0, and every spend consumed the batches with the earliest expiry first."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import rules as r
from shoplet.modules.loyalty import service
from shoplet.modules.loyalty.errors import InsufficientPoints
from shoplet.modules.loyalty.models import PointsConsumption
from tests.modules.loyalty.factories import assert_books_balance, balance

MEMBERS = 3
_ids = itertools.count(9_000_000)

member = st.integers(min_value=0, max_value=MEMBERS - 1)
step = st.one_of(
    st.tuples(
        st.just("earn"), member, st.integers(1, 400), st.integers(-3, 40)
    ),  # points, expires in days
    st.tuples(st.just("spend"), member, st.integers(1, 600)),
    st.tuples(st.just("complete"), member, st.integers(0, 50_000), st.integers(0, 1_000)),
    st.tuples(st.just("refund"), st.integers(0, 20), st.one_of(st.none(), st.integers(1, 30_000))),
    st.tuples(st.just("expire")),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
)


async def _consumed(ctx: AppContext, order_no: str) -> list[tuple[int, int]]:
    async with ctx.sessionmaker() as s:
        spent = await repo.get_entry(s, "spend", f"order:{order_no}")
        assert spent is not None
        rows = await s.execute(
            select(PointsConsumption.batch_id, PointsConsumption.points)
            .where(PointsConsumption.entry_id == spent.id)
            .order_by(PointsConsumption.id)
        )
        return [(int(b), int(p)) for b, p in rows]


async def _run(ctx: AppContext, steps: list[tuple[Any, ...]]) -> None:
    members = [next(_ids) for _ in range(MEMBERS)]
    completed: list[str] = []
    spent: list[str] = []
    now = utcnow()
    for n, op in enumerate(steps):
        kind = op[0]
        async with unit_of_work(ctx.sessionmaker) as s:
            if kind == "earn":
                await service.credit_batch(
                    s,
                    member_id=members[op[1]],
                    kind="earn",
                    reason="signin",
                    points=op[2],
                    ref=f"prop:{members[op[1]]}:{n}",
                    expires_at=now + timedelta(days=op[3]),
                    now=now,
                )
            elif kind == "complete":
                order_no = f"P{members[0]}{n:04d}"
                completed.append(order_no)
                await service.earn_for_order(
                    s,
                    {
                        "order_no": order_no,
                        "member_id": members[op[1]],
                        "payable_total": op[2] + op[3],
                        "shipping_fee": op[3],
                        "refunded_total": 0,
                    },
                    now=now,
                )
            elif kind == "refund" and completed:
                order_no = completed[op[1] % len(completed)]
                ref = f"refund:{order_no}" if op[2] is None else f"refund:AS{n}"
                await service.reverse_for_refund(
                    s, order_no=order_no, refund_ref=ref, amount=op[2], now=now
                )
            elif kind == "expire":
                await service.expire_due(s, now=now)
            elif kind == "cancel" and spent:
                await service.give_back_spent(s, spent[op[1] % len(spent)], now=now)
        if kind == "spend":
            who = members[op[1]]
            held = await balance(ctx, who)
            async with ctx.sessionmaker() as s:
                before = await repo.open_batches(s, who)
            order_no = f"S{members[0]}{n:04d}"
            try:
                async with unit_of_work(ctx.sessionmaker) as s:
                    await service.spend(
                        s, member_id=who, order_no=order_no, points=op[2], value=op[2]
                    )
            except InsufficientPoints:
                assert op[2] > held
                assert await balance(ctx, who) == held
            else:
                assert op[2] <= held
                spent.append(order_no)
                assert await _consumed(ctx, order_no) == r.fifo_take(before, op[2])
                assert await balance(ctx, who) == held - op[2]
        await assert_books_balance(ctx)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
async def test_balance_is_the_sum_of_the_ledger_after_every_step(
    ctx: AppContext, steps: list[tuple[Any, ...]]
) -> None:
    await _run(ctx, steps)

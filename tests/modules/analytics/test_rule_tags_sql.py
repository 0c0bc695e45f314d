"""Rule tags are decided by the database (the segment compiler over the profiles) and give the
holders the Python evaluation (the oracle) gives: random rules (hypothesis) over the fixed
population of the segment test, and a tag job over a few thousand random profiles with stale
holders (no profile any more, no longer meeting the rule)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.analytics.profiles import compute, conditions, service
from shoplet.modules.analytics.profiles import repository as repo
from shoplet.modules.analytics.profiles.models import MemberTag, Tag
from tests.modules.analytics import test_segments_sql as population

NOW = population.NOW
rules = st.recursive(
    st.one_of(population.number_leaf, population.text_leaf, population.list_leaf),
    lambda inner: st.builds(
        lambda kind, children: {kind: children},
        st.sampled_from(["all", "any"]),
        st.lists(inner, min_size=1, max_size=4),
    ),
    max_leaves=8,
)
scopes = st.one_of(
    st.lists(st.integers(1, 62), max_size=40, unique=True),
    st.tuples(st.integers(1, 30), st.integers(30, 62)),
)


async def _python_holders(session: AsyncSession, node: conditions.Node) -> set[int]:
    profiled = {p.member_id for p in await repo.profiles(session)}
    return profiled & set(await service.python_matching_members(session, node, NOW))


def _in(scope: list[int] | tuple[int, int], member: int) -> bool:
    if isinstance(scope, tuple):
        return scope[0] <= member <= scope[1]
    return member in scope


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=rules, scope=scopes, before=st.sets(st.integers(1, 62), max_size=20))
async def test_a_rule_tag_in_sql_equals_the_python_evaluation(
    ctx: AppContext, raw: dict[str, Any], scope: list[int] | tuple[int, int], before: set[int]
) -> None:
    await population._seed(ctx)
    node = conditions.parse(raw, allow_tags=False)
    async with ctx.sessionmaker() as session:  # never committed: each example starts clean
        tag = Tag(code="probe", name="probe", kind="rule", condition=raw)
        tag.created_at = tag.updated_at = NOW
        session.add(tag)
        await session.flush()
        await repo.add_member_tags(session, tag.id, sorted(before), added_by="rule", now=NOW)
        expected = {m for m in before if not _in(scope, m)} | {
            m for m in await _python_holders(session, node) if _in(scope, m)
        }
        await repo.apply_rule_tag(session, tag.id, node, scope, now=NOW)
        assert await repo.tag_holders(session, tag.id) == expected, (raw, scope)
        await session.rollback()


async def test_the_tag_job_decides_thousands_of_members_in_sql(ctx: AppContext) -> None:
    """3,000 profiled members; stale holders lose the tag (a member with no profile, members
    who no longer meet the rule); the holders are the Python evaluation's, on every backend."""
    rng = random.Random(3000)
    now = utcnow()
    rows = []
    for member in range(1, 3001):
        row: dict[str, Any] = {
            c: None for c in service.compute_columns() if c not in {"has_shared", "computed_at"}
        }
        row.update(
            member_id=member,
            order_count=rng.randint(0, 6),
            orders_90d=rng.randint(0, 2),
            spend=rng.randint(0, 50_000),
            spend_90d=rng.randint(0, 9_000),
            aov=rng.randint(0, 9_000),
            price_sensitivity=rng.randint(0, 100),
            coupon_count=rng.randint(0, 4),
            region_code=rng.choice(["440305", "440106", "110101", None]),
            categories=rng.sample(["母婴", "数码", "服饰"], rng.randint(0, 2)),
            favourite_categories=[],
            last_purchase_at=rng.choice([None, now - timedelta(days=rng.randint(0, 90))]),
            has_shared=False,
            computed_at=now,
        )
        rows.append(row)
    rule = {
        "all": [
            {"field": "order_count", "op": "gte", "value": 2},
            {
                "any": [
                    {"field": "region", "op": "prefix", "value": "44"},
                    {"field": "categories", "op": "contains", "value": "母婴"},
                    {"field": "days_since_last_purchase", "op": "lte", "value": 30},
                ]
            },
        ]
    }
    node = conditions.parse(rule, allow_tags=False)
    expected = {
        r["member_id"] for r in rows if conditions.evaluate(node, compute.facts(r, now), set())
    }
    stale = [*[m for m in range(1, 3001) if m not in expected][:200], 5000, 5001]
    async with unit_of_work(ctx.sessionmaker) as session:
        for start in range(0, len(rows), 500):
            await repo.upsert_profiles(session, rows[start : start + 500])
        tag = Tag(code="mums", name="妈妈", kind="rule", condition=rule)
        tag.created_at = tag.updated_at = now
        session.add(tag)
        await session.flush()
        tag_id = tag.id
        await repo.add_member_tags(session, tag_id, stale, added_by="rule", now=now)
        job_id = await repo.open_job(
            session, kind="tag", open_kind="tag", target_id=tag_id, staff_id=None, now=now
        )
        job = await repo.get_job(session, job_id or 0)
    assert job is not None
    assert 500 < len(expected) < 2500

    result = await service.retag_all(ctx, job)

    async with read_session(ctx.sessionmaker) as session:
        assert await repo.tag_holders(session, tag_id) == expected
        done = await repo.get_job(session, job.id)
        added_by = await session.scalars(
            select(MemberTag.added_by).where(MemberTag.tag_id == tag_id).distinct()
        )
        assert list(added_by) == ["rule"]
    assert result == {"members": len(expected), "scope": 3002}
    assert done is not None
    assert (done.progress, done.total) == (3002, 3002)

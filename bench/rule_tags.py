"""``python -m bench.rule_tags``: how long deciding one rule tag takes for a whole population.

Seeds ``--members`` profiles (random facts, fixed seed) into the database of ``--url`` (its
analytics profile tables are dropped and created again: point it at a scratch database), then
times the ``tag`` job (``service.retag_all``) for a rule tag twice: a first run that gives the
tag to every match, and a second one that finds it all in place. Also times the rule tags of
one profile refresh batch (``service.BATCH`` members, as ``refresh_members`` does). Figures are
wall-clock seconds, best of ``--repeat``; not a timed test::

    .venv/bin/python -m bench.rule_tags --url postgresql+asyncpg://postgres@127.0.0.1/scratch
    .venv/bin/python -m bench.rule_tags --url sqlite+aiosqlite:///var/bench/rule_tags.db
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete

from shoplet.core.db import Base, create_engine, create_sessionmaker, unit_of_work
from shoplet.modules.analytics.profiles import compute, conditions, service
from shoplet.modules.analytics.profiles import repository as repo
from shoplet.modules.analytics.profiles.models import MemberTag, Profile, ProfileJob, Tag

RULE = {
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
TABLES = [Base.metadata.tables[m.__tablename__] for m in (Profile, Tag, MemberTag, ProfileJob)]


def _profile(member: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    def moment() -> datetime | None:
        return None if rng.random() < 0.2 else now - timedelta(days=rng.randint(0, 400))

    return {
        "member_id": member,
        "region_code": rng.choice(["440305", "440106", "110101", "310101", None]),
        "platform": rng.choice(["h5", "mp-weixin", None]),
        "channel": rng.choice(["direct", "scene:1007", None]),
        "first_purchase_at": moment(),
        "last_purchase_at": moment(),
        "order_count": rng.randint(0, 8),
        "orders_90d": rng.randint(0, 3),
        "spend": rng.randint(0, 100_000),
        "spend_90d": rng.randint(0, 20_000),
        "aov": rng.randint(0, 10_000),
        "favourite_categories": [],
        "categories": rng.sample(["母婴", "数码", "服饰", "奶粉"], rng.randint(0, 3)),
        "price_sensitivity": rng.randint(0, 100),
        "coupon_count": rng.randint(0, 5),
        "social_role": rng.choice(["sharer", None]),
        "has_shared": False,
        "last_active_at": moment(),
        "rfm_class": rng.choice(["important_value", "general_retain", None]),
        "computed_at": now,
    }


async def main(url: str, members: int, repeat: int) -> None:
    engine = create_engine(url)
    async with engine.begin() as con:
        for table in reversed(TABLES):
            await con.run_sync(table.drop, checkfirst=True)
        for table in TABLES:
            await con.run_sync(table.create)
    sessionmaker = create_sessionmaker(engine)
    ctx: Any = SimpleNamespace(sessionmaker=sessionmaker)
    now = datetime.now(UTC)
    rng = random.Random(20)
    rows = [_profile(m, rng, now) for m in range(1, members + 1)]
    async with unit_of_work(sessionmaker) as session:
        for start in range(0, len(rows), 500):
            await repo.upsert_profiles(session, rows[start : start + 500])
        tag = Tag(code="bench_rule", name="bench", kind="rule", condition=RULE)
        tag.created_at = tag.updated_at = now
        session.add(tag)
        await session.flush()
        tag_id = tag.id

    async def job() -> Any:
        async with unit_of_work(sessionmaker) as session:
            job_id = await repo.open_job(
                session,
                kind="tag",
                open_kind=f"b{time.monotonic_ns()}",
                target_id=tag_id,
                staff_id=None,
                now=now,
            )
            return await repo.get_job(session, job_id or 0)

    first, again, batch = [], [], []
    for _ in range(repeat):
        async with unit_of_work(sessionmaker) as session:
            await session.execute(delete(MemberTag))
        started = time.perf_counter()
        result = await service.retag_all(ctx, await job())
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        await service.retag_all(ctx, await job())
        again.append(time.perf_counter() - started)
        chunk = rows[: service.BATCH]
        started = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            await service._retag(session, chunk, now)
        batch.append(time.perf_counter() - started)
    expected = sum(
        1
        for r in rows
        if conditions.evaluate(
            conditions.parse(RULE, allow_tags=False), compute.facts(r, now), set()
        )
    )
    await engine.dispose()
    print(
        f"backend {url.split(':', 1)[0]}, {members} members, rule holders {result['members']}"
        f" (expected {expected}), best of {repeat}"
    )
    print(f"tag job, first run:  {min(first):.3f} s")
    print(f"tag job, second run: {min(again):.3f} s")
    print(f"one refresh batch ({service.BATCH} members): {min(batch) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.members, args.repeat))

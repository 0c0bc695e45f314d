"""Segment membership in SQL equals the Python evaluation (the oracle) on SQLite and
PostgreSQL: random definitions (hypothesis) over a fixed population with missing facts,
tagged-only members, exact day boundaries, categories and text prefixes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.analytics.profiles import conditions, service
from shoplet.modules.analytics.profiles import repository as repo
from shoplet.modules.analytics.profiles.models import MemberTag, Profile, Tag

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TEXTS = {
    "region": ["440305", "440106", "110101", None],
    "platform": ["h5", "mp-weixin", None],
    "channel": ["direct", "scene:1007", "example.com", None],
    "rfm_class": ["important_value", "general_retain", None],
    "social_role": ["sharer", "promoter", None],
}
CATEGORIES = ["母婴", "数码", "服饰", "奶粉"]
TAGS = ["vip", "new", "cold"]
NUMBERS = [
    "order_count",
    "orders_90d",
    "spend",
    "spend_90d",
    "aov",
    "price_sensitivity",
    "coupon_count",
]
DAYS = ["days_since_last_purchase", "days_since_first_purchase", "days_since_active"]
KEY = "test.segments_sql.seeded"


def _moment(rng: random.Random) -> datetime | None:
    choice = rng.random()
    if choice < 0.2:
        return None
    if choice < 0.5:  # exactly N days ago: the boundary of a day count
        return NOW - timedelta(days=rng.randint(0, 5))
    if choice < 0.55:  # in the future (a clock ahead): counts as 0 days
        return NOW + timedelta(hours=rng.randint(1, 30))
    return NOW - timedelta(days=rng.randint(0, 5), seconds=rng.randint(-3600, 3600))


async def _seed(ctx: AppContext) -> None:
    if ctx.extras.get(KEY):
        return
    rng = random.Random(18)
    async with unit_of_work(ctx.sessionmaker) as session:
        tag_ids = {}
        for code in TAGS:
            tag = Tag(code=code, name=code, kind="manual", created_at=NOW, updated_at=NOW)
            session.add(tag)
            await session.flush()
            tag_ids[code] = tag.id
        for member in range(1, 61):
            if member <= 50:
                session.add(
                    Profile(
                        member_id=member,
                        **{f: rng.choice([0, 1, 2, 5, 100, 1000]) for f in NUMBERS},
                        region_code=rng.choice(TEXTS["region"]),
                        platform=rng.choice(TEXTS["platform"]),
                        channel=rng.choice(TEXTS["channel"]),
                        rfm_class=rng.choice(TEXTS["rfm_class"]),
                        social_role=rng.choice(TEXTS["social_role"]),
                        last_purchase_at=_moment(rng),
                        first_purchase_at=_moment(rng),
                        last_active_at=_moment(rng),
                        categories=rng.sample(CATEGORIES, rng.randint(0, 3)),
                        favourite_categories=[],
                        computed_at=NOW,
                    )
                )
            # Members 51..60 hold tags only (no profile): every fact is missing.
            for code in TAGS:
                if rng.random() < 0.3 or (member > 50 and code == "cold"):
                    session.add(MemberTag(tag_id=tag_ids[code], member_id=member, created_at=NOW))
    ctx.extras[KEY] = True


number_leaf = st.builds(
    lambda f, op, v: {"field": f, "op": op, "value": v},
    st.sampled_from(NUMBERS + DAYS),
    st.sampled_from(conditions.OPERATORS["number"]),
    st.sampled_from([-1, 0, 1, 2, 3, 5, 100, 101, 1000]),
)
text_leaf = st.sampled_from(sorted(TEXTS)).flatmap(
    lambda f: st.one_of(
        st.builds(
            lambda op, v: {"field": f, "op": op, "value": v},
            st.sampled_from(["eq", "ne", "prefix"]),
            st.sampled_from([t for t in TEXTS[f] if t] + ["44", "scene:", "x"]),
        ),
        st.builds(
            lambda op, v: {"field": f, "op": op, "value": v},
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from([t for t in TEXTS[f] if t] + ["x"]), min_size=1, max_size=3),
        ),
    )
)
list_leaf = st.builds(
    lambda op, v: {"field": "categories", "op": op, "value": v},
    st.sampled_from(["contains", "not_contains"]),
    st.sampled_from([*CATEGORIES, "玩具"]),
)
tag_leaf = st.builds(lambda c: {"tag": c}, st.sampled_from(TAGS))
definitions = st.recursive(
    st.one_of(number_leaf, text_leaf, list_leaf, tag_leaf),
    lambda inner: st.builds(
        lambda kind, children: {kind: children},
        st.sampled_from(["all", "any"]),
        st.lists(inner, min_size=1, max_size=4),
    ),
    max_leaves=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=definitions)
async def test_sql_membership_equals_the_python_evaluation(
    ctx: AppContext, raw: dict[str, Any]
) -> None:
    await _seed(ctx)
    node = conditions.parse(raw)
    async with ctx.sessionmaker() as session:
        in_sql = await repo.matching_member_ids(session, node, NOW)
        in_python = await service.python_matching_members(session, node, NOW)
    assert in_sql == in_python, raw

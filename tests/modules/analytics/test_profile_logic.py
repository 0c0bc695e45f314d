"""The pure parts of profiles: the condition language (what it refuses, with the path; AND/OR
equal to set algebra over members, by hypothesis), a profile's exact figures from orders, and
k-means recovering planted clusters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplet.modules.analytics.profiles import clustering, compute, conditions

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ([], "condition"),
        ({"field": "spend", "op": "gte"}, "condition"),
        ({"field": "nope", "op": "eq", "value": 1}, "field"),
        ({"field": "spend", "op": "contains", "value": 1}, "op"),
        ({"field": "spend", "op": "gte", "value": "100"}, "value"),
        ({"field": "spend", "op": "gte", "value": True}, "value"),
        ({"field": "region", "op": "in", "value": []}, "value"),
        ({"field": "categories", "op": "contains", "value": ""}, "value"),
        ({"all": []}, "all"),
        ({"any": [{"field": "spend", "op": "gte", "value": 1}, {"x": 1}]}, "any[1]"),
        (
            {"all": [{"all": [{"all": [{"all": [{"all": [{"tag": "a"}]}]}]}]}]},
            "all[0].all[0].all[0].all[0].all[0]",
        ),
    ],
)
def test_bad_conditions_name_the_first_problem(raw: Any, path: str) -> None:
    with pytest.raises(conditions.ConditionError) as caught:
        conditions.parse(raw)
    assert caught.value.path == path


def test_rule_tags_cannot_depend_on_tags() -> None:
    with pytest.raises(conditions.ConditionError) as caught:
        conditions.parse({"any": [{"tag": "vip"}]}, allow_tags=False)
    assert caught.value.path == "any[0].tag"


def test_the_brief_example() -> None:
    node = conditions.parse(
        {
            "all": [
                {"field": "spend_90d", "op": "gte", "value": 100000},
                {"field": "categories", "op": "contains", "value": "母婴"},
            ]
        }
    )
    rich_mum = {"spend_90d": 120000, "categories": ("母婴", "奶粉")}
    rich = {"spend_90d": 120000, "categories": ("服饰",)}
    mum = {"spend_90d": 99999, "categories": ("母婴",)}
    assert [conditions.evaluate(node, f, set()) for f in (rich_mum, rich, mum)] == [
        True,
        False,
        False,
    ]
    assert conditions.to_json(node)["all"][1] == {
        "field": "categories",
        "op": "contains",
        "value": "母婴",
    }


def test_missing_facts_meet_only_negations() -> None:
    facts: dict[str, Any] = {"days_since_last_purchase": None, "region": None, "categories": ()}
    assert not conditions.evaluate(
        conditions.parse({"field": "days_since_last_purchase", "op": "lte", "value": 30}),
        facts,
        set(),
    )
    assert conditions.evaluate(
        conditions.parse({"field": "region", "op": "not_in", "value": ["110101"]}), facts, set()
    )
    assert conditions.evaluate(
        conditions.parse({"field": "categories", "op": "not_contains", "value": "母婴"}),
        facts,
        set(),
    )


# AND / OR over leaves equals intersection / union of the leaves' member sets.

MEMBERS = st.dictionaries(
    st.integers(1, 60),
    st.fixed_dictionaries(
        {
            "spend": st.integers(0, 50),
            "region": st.sampled_from(["110101", "440305", "310115"]),
            "categories": st.lists(st.sampled_from(["母婴", "服饰", "数码"]), max_size=3).map(
                lambda xs: tuple(sorted(set(xs)))
            ),
        }
    ),
    max_size=40,
)
TAGS = st.sampled_from(["a", "b", "c"])
LEAVES = st.one_of(
    st.builds(
        lambda op, v: {"field": "spend", "op": op, "value": v},
        st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]),
        st.integers(0, 50),
    ),
    st.builds(
        lambda op, v: {"field": "region", "op": op, "value": v},
        st.sampled_from(["eq", "ne", "prefix"]),
        st.sampled_from(["110101", "440305", "44", "3"]),
    ),
    st.builds(
        lambda op, v: {"field": "categories", "op": op, "value": v},
        st.sampled_from(["contains", "not_contains"]),
        st.sampled_from(["母婴", "服饰", "数码"]),
    ),
    TAGS.map(lambda t: {"tag": t}),
)
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4).map(lambda xs: {"all": xs}),
        st.lists(children, min_size=1, max_size=4).map(lambda xs: {"any": xs}),
    ),
    max_leaves=12,
)


def _set_of(raw: dict[str, Any], members: dict[int, Any], tags: dict[int, set[str]]) -> set[int]:
    """The members of a definition by set algebra alone (each leaf on its own)."""
    if "all" in raw:
        sets = [_set_of(c, members, tags) for c in raw["all"]]
        return set.intersection(*sets)
    if "any" in raw:
        return set.union(*(_set_of(c, members, tags) for c in raw["any"]))
    node = conditions.parse(raw)
    return {m for m, f in members.items() if conditions.evaluate(node, f, tags.get(m, set()))}


@settings(max_examples=200, deadline=None)
@given(
    MEMBERS,
    st.dictionaries(st.integers(1, 60), st.sets(TAGS), max_size=40),
    TREES,
)
def test_and_or_is_set_algebra(
    members: dict[int, Any], tags: dict[int, set[str]], raw: dict[str, Any]
) -> None:
    node = conditions.parse(raw)
    assert set(conditions.matching(node, members, tags)) == _set_of(raw, members, tags)
    assert conditions.parse(conditions.to_json(node)) == node


# A profile from orders.


def _order(no: str, days_ago: int, payable: int, **kw: Any) -> compute.OrderFact:
    return compute.OrderFact(
        order_no=no,
        paid_at=NOW - timedelta(days=days_ago),
        payable=payable,
        refunded=kw.get("refunded", 0),
        discount=kw.get("discount", 0),
        region_code=kw.get("region", "110101"),
        lines=tuple(kw.get("lines", ())),
    )


def test_a_profile_from_orders_and_events() -> None:
    orders = [
        _order("A", 200, 10000, lines=[(1, 10000)]),
        _order("B", 60, 30000, discount=500, lines=[(2, 20000), (3, 10000)], region="440305"),
        _order("C", 10, 8000, refunded=3000, discount=800, lines=[(1, 8000)], region="440305"),
        _order("D", 5, 9000, refunded=9000, lines=[(4, 9000)]),  # refunded in full
    ]
    row = compute.profile_row(
        7,
        orders,
        categories={
            1: ("奶粉", "母婴"),
            2: ("T恤", "服饰"),
            3: ("手机", "数码"),
            4: ("玩具", "玩具"),
        },
        coupon_orders={"C", "D"},
        events=compute.EventFacts("mp-weixin", "scene:1007", NOW - timedelta(days=1), True),
        default_region=None,
        rfm_class="important_value",
        now=NOW,
    )
    assert row == {
        "member_id": 7,
        "region_code": "440305",  # the last counted order's district
        "platform": "mp-weixin",
        "channel": "scene:1007",
        "first_purchase_at": NOW - timedelta(days=200),
        "last_purchase_at": NOW - timedelta(days=10),
        "order_count": 3,
        "orders_90d": 2,
        "spend": 10000 + 30000 + 5000,
        "spend_90d": 35000,
        "aov": 15000,
        "favourite_categories": ["服饰", "母婴", "数码"],  # 20000, 18000, 10000
        "categories": ["T恤", "奶粉", "手机", "数码", "服饰", "母婴"],
        "price_sensitivity": 666,  # 2 of 3 orders
        "coupon_count": 1,  # D does not count
        "social_role": "sharer",
        "has_shared": True,
        "last_active_at": NOW - timedelta(days=1),
        "rfm_class": "important_value",
        "computed_at": NOW,
    }
    facts = compute.facts(row, NOW)
    assert (facts["days_since_last_purchase"], facts["days_since_active"]) == (10, 1)


def test_a_member_without_orders() -> None:
    row = compute.profile_row(
        8,
        [],
        categories={},
        coupon_orders=set(),
        events=compute.NO_EVENTS,
        default_region="310115",
        rfm_class=None,
        now=NOW,
    )
    assert (row["order_count"], row["spend"], row["aov"], row["price_sensitivity"]) == (0, 0, 0, 0)
    assert (row["region_code"], row["last_active_at"], row["favourite_categories"]) == (
        "310115",
        None,
        [],
    )


# Clustering.


def _planted(seed: int) -> tuple[list[list[float]], list[int]]:
    rng = random.Random(seed)
    centres = [
        (5, 12, 800000, 60000, 100),  # loyal big spenders
        (200, 1, 8000, 8000, 100),  # sleeping
        (20, 4, 60000, 15000, 900),  # bargain hunters
    ]
    rows: list[list[float]] = []
    truth: list[int] = []
    for label, centre in enumerate(centres):
        for _ in range(150):
            rows.append([max(0.0, rng.gauss(c, abs(c) * 0.08 + 1)) for c in centre])
            truth.append(label)
    return rows, truth


def test_kmeans_recovers_planted_clusters() -> None:
    from sklearn.metrics import adjusted_rand_score

    rows, truth = _planted(11)
    result = clustering.cluster(rows)
    assert result.k == 3
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert sorted(c.size for c in result.clusters) == [150, 150, 150]
    names = {c.name for c in result.clusters}
    assert {"高价值忠诚", "沉睡客户", "价格敏感"} <= names, names


def test_too_few_members_to_cluster() -> None:
    with pytest.raises(clustering.TooFewMembers):
        clustering.cluster([[1, 1, 1, 1, 1]] * 3)

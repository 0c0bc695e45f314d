"""Funnels and retention in DuckDB SQL against a brute-force count in Python, over generated
events (hypothesis), by event breakdowns and by person breakdowns, plus the console routes
(401/403, 400, CSV; by region, segment and experiment arm, and their refusals)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.analytics import funnels, ingest
from shoplet.modules.analytics.eventstore import EventStore
from shoplet.modules.experiments.models import Exposure
from shoplet.modules.members.models import Address
from tests.conftest import snapshot
from tests.modules.checkout.test_races import make_buyers
from tests.modules.experiments.factories import make_experiment, make_layer
from tests.modules.staff.conftest import bearer, token_for

NAMES = ["page_view", "add_to_cart", "checkout_step", "pay_click"]
PLATFORMS = ["h5", "mp-weixin"]
DAY = date(2026, 3, 2)  # a Monday
BASE = datetime(2026, 3, 2, 0, 0, tzinfo=funnels.SHOP_TZ).astimezone(UTC)


def _deepest(
    mine: Sequence[dict[str, Any]],
    steps: Sequence[funnels.Step],
    after: datetime,
    deadline: datetime,
    k: int,
) -> int:
    """The deepest level reachable when step ``k`` (0-based) is next, after ``after``."""
    if k == len(steps):
        return k
    options = [e for e in mine if after < e["ts"] <= deadline and _matches(e, steps[k])]
    return max([k] + [_deepest(mine, steps, e["ts"], deadline, k + 1) for e in options])


def _matches(e: dict[str, Any], step: funnels.Step) -> bool:
    props = json.loads(e.get("properties") or "{}")
    return e["event"] == step.event and all(
        k in props and funnels.filter_value(props[k]) == v for k, v in step.filters
    )


def brute_force_levels(
    events: Sequence[dict[str, Any]],
    *,
    steps: Sequence[funnels.Step],
    window: timedelta,
    start: datetime,
    end: datetime,
    breakdown: str | None,
) -> dict[tuple[str, str], int]:
    """(person, breakdown value) -> the best level, by trying every step-1 event as a start
    and every later event in order (no greediness assumed)."""

    def person(e: dict[str, Any]) -> str:
        links: dict[str, int] = {}
        for x in sorted(events, key=lambda x: x["ts"]):
            if x.get("member_id") is not None and x.get("anonymous_id"):
                links.setdefault(x["anonymous_id"], x["member_id"])
        member = e.get("member_id") or links.get(e.get("anonymous_id") or "")
        return f"m:{member}" if member is not None else f"a:{e['anonymous_id']}"

    inside = [e for e in events if start <= e["ts"] < end]
    by_person: dict[str, list[dict[str, Any]]] = {}
    for e in inside:
        by_person.setdefault(person(e), []).append(e)
    best: dict[tuple[str, str], int] = {}
    for who, mine in by_person.items():
        for first in mine:
            if not _matches(first, steps[0]):
                continue
            value = first["platform"] if breakdown == "platform" else ""
            level = _deepest(mine, steps, first["ts"], first["ts"] + window, 1)
            key = (who, value)
            best[key] = max(best.get(key, 0), level)
    return best


def counts_by_step(levels: dict[tuple[str, str], int], n: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for (_who, value), level in levels.items():
        row = out.setdefault(value, [0] * n)
        for i in range(level):
            row[i] += 1
    return out


event_strategy = st.fixed_dictionaries(
    {
        "event": st.sampled_from(NAMES),
        "minute": st.integers(min_value=-30, max_value=3 * 24 * 60 + 30),
        "who": st.integers(min_value=0, max_value=5),
        "signed_in": st.booleans(),
        "platform": st.sampled_from(PLATFORMS),
        "sku": st.integers(min_value=1, max_value=2),
    }
)
steps_strategy = st.lists(st.sampled_from(NAMES), min_size=2, max_size=4)
# The property tests' budget: 40 random shops each, the fixtures' temporary folders reused.
FUNNEL_EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def make_events(drawn: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, d in enumerate(drawn):
        ts = BASE + timedelta(minutes=d["minute"], seconds=i % 7)
        out.append(
            {
                "event_id": f"e{i}",
                "event": d["event"],
                "ts": ts,
                "received_at": ts,
                "anonymous_id": f"anon-{d['who']}",
                # Persons 0 and 1 sign in as members 100 and 101 on some of their events.
                "member_id": 100 + d["who"] if d["signed_in"] and d["who"] < 2 else None,
                "platform": d["platform"],
                "properties": json.dumps({"sku_id": d["sku"]}),
            }
        )
    return out


@FUNNEL_EXAMPLES
@given(
    drawn=st.lists(event_strategy, min_size=0, max_size=40),
    names=steps_strategy,
    window_minutes=st.sampled_from([5, 60, 24 * 60]),
    breakdown=st.sampled_from([None, "platform"]),
    filtered=st.booleans(),
)
def test_funnel_counts_equal_a_brute_force_count(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    drawn: list[dict[str, Any]],
    names: list[str],
    window_minutes: int,
    breakdown: str | None,
    filtered: bool,
) -> None:
    store = EventStore(tmp_path_factory.mktemp("events"))
    events = make_events(drawn)
    store.append(events)
    steps = [
        funnels.Step(n, (("sku_id", "1"),) if filtered and i == 1 else ())
        for i, n in enumerate(names)
    ]
    first, last = DAY, DAY + timedelta(days=1)
    overall, groups = store.read(
        lambda con: funnels.run_funnel(
            con,
            steps,
            window_seconds=window_minutes * 60,
            first=first,
            last=last,
            breakdown=breakdown,
        )
    )
    start, end = funnels.shop_day_bounds(first, last)
    window = timedelta(minutes=window_minutes)
    expected_all = counts_by_step(
        {
            (who, ""): level
            for (who, _v), level in brute_force_levels(
                events, steps=steps, window=window, start=start, end=end, breakdown=breakdown
            ).items()
        }
        | {},
        len(steps),
    )
    # Overall: a person's best level over every breakdown value.
    best: dict[tuple[str, str], int] = {}
    for (who, _value), level in brute_force_levels(
        events, steps=steps, window=window, start=start, end=end, breakdown=None
    ).items():
        best[(who, "")] = max(best.get((who, ""), 0), level)
    assert [s.count for s in overall] == counts_by_step(best, len(steps)).get("", [0] * len(steps))
    if breakdown is not None:
        expected = counts_by_step(
            brute_force_levels(
                events, steps=steps, window=window, start=start, end=end, breakdown=breakdown
            ),
            len(steps),
        )
        assert {v: [s.count for s in c] for v, c in groups.items()} == expected
    else:
        assert groups == {}
        assert expected_all.get("", [0] * len(steps)) == [s.count for s in overall]


@FUNNEL_EXAMPLES
@given(
    drawn=st.lists(event_strategy, min_size=0, max_size=40),
    names=steps_strategy,
    window_minutes=st.sampled_from([5, 60, 24 * 60]),
    members=st.dictionaries(st.sampled_from([100, 101, 999]), st.sampled_from(["x", "y"])),
    devices=st.dictionaries(
        st.sampled_from([f"anon-{i}" for i in range(6)] + ["anon-none"]),
        st.sampled_from(["x", "z"]),
    ),
)
def test_person_breakdown_equals_a_brute_force_count(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    drawn: list[dict[str, Any]],
    names: list[str],
    window_minutes: int,
    members: dict[int, str],
    devices: dict[str, str],
) -> None:
    """Region, segment and experiment arm: one value per person (members by id, devices that
    never signed in by anonymous id, defaults for the rest), looked up once for the funnel's
    persons; the groups add up to the overall funnel."""
    store = EventStore(tmp_path_factory.mktemp("events"))
    events = make_events(drawn)
    store.append(events)
    steps = [funnels.Step(n) for n in names]
    first, last = DAY, DAY + timedelta(days=1)
    asked: list[tuple[list[int], list[str]]] = []

    def values_of(member_ids: list[int], anonymous_ids: list[str]) -> funnels.PersonValues:
        asked.append((sorted(member_ids), sorted(anonymous_ids)))
        return funnels.PersonValues(
            member_default="member", device_default="device", members=members, devices=devices
        )

    overall, groups = store.read(
        lambda con: funnels.run_person_funnel(
            con,
            steps,
            window_seconds=window_minutes * 60,
            first=first,
            last=last,
            values_of=values_of,
        )
    )
    start, end = funnels.shop_day_bounds(first, last)
    levels = brute_force_levels(
        events,
        steps=steps,
        window=timedelta(minutes=window_minutes),
        start=start,
        end=end,
        breakdown=None,
    )
    persons = sorted(who for who, _ in levels)
    assert asked == [
        (
            sorted(int(w[2:]) for w in persons if w.startswith("m:")),
            sorted(w[2:] for w in persons if w.startswith("a:")),
        )
    ]

    def value(who: str) -> str:
        if who.startswith("m:"):
            return members.get(int(who[2:]), "member")
        return devices.get(who[2:], "device")

    n = len(steps)
    assert [s.count for s in overall] == counts_by_step(levels, n).get("", [0] * n)
    expected = counts_by_step({(who, value(who)): lv for (who, _), lv in levels.items()}, n)
    assert {v: [s.count for s in c] for v, c in groups.items()} == expected


def test_step_figures() -> None:
    steps = [funnels.Step("page_view"), funnels.Step("add_to_cart"), funnels.Step("pay_click")]
    counts = funnels.step_counts(steps, {1: 5, 2: 3, 3: 2})
    assert [(c.count, c.conversion, c.step_conversion, c.drop_off) for c in counts] == [
        (10, 1.0, 1.0, 0),
        (5, 0.5, 0.5, 5),
        (2, 0.2, 0.4, 3),
    ]


def test_weekly_retention(tmp_path: Path) -> None:
    store = EventStore(tmp_path)

    def at(days: int, who: str) -> dict[str, Any]:
        ts = BASE + timedelta(days=days, hours=3)
        return {"event_id": f"{who}{days}", "event": "page_view", "ts": ts, "anonymous_id": who}

    store.append(
        [
            at(0, "a"),
            at(8, "a"),
            at(15, "a"),  # week 0, 1, 2
            at(2, "b"),
            at(16, "b"),  # week 0, 2
            at(7, "c"),
            at(9, "c"),  # cohort of week 1, active in its week 0 only
        ]
    )
    rows = store.read(
        lambda con: funnels.run_retention(con, first=DAY, last=DAY + timedelta(days=27), weeks=3)
    )
    assert rows == [
        (DAY, 2, [2, 1, 2, 0]),
        (DAY + timedelta(days=7), 1, [1, 0, 0, 0]),
    ]


# -- console routes ----------------------------------------------------------------------------

FUNNEL = "/api/v1/console/analytics/funnels"


async def test_console_funnel_retention_and_export(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    today = datetime.now(UTC)
    ingest.store_of(ctx).append(
        [
            {
                "event_id": "1",
                "event": "page_view",
                "ts": today,
                "anonymous_id": "x",
                "platform": "h5",
                "scene": 1007,
            },
            {
                "event_id": "2",
                "event": "add_to_cart",
                "ts": today + timedelta(seconds=1),
                "anonymous_id": "x",
                "platform": "h5",
            },
            {
                "event_id": "3",
                "event": "page_view",
                "ts": today,
                "anonymous_id": "y",
                "platform": "mp-weixin",
                "referrer": "https://t.example.com/a?b",
            },
        ]
    )
    day = today.astimezone(funnels.SHOP_TZ).date().isoformat()
    body = {
        "steps": [{"event": "page_view"}, {"event": "add_to_cart"}],
        "date_from": day,
        "date_to": day,
        "breakdown": "channel",
    }
    assert (await client.post(FUNNEL, json=body)).status_code == 401
    support = bearer(await token_for(client, ctx, "support-1", role="support"))
    assert (await client.post(FUNNEL, json=body, headers=support)).status_code == 403
    staff = bearer(await token_for(client, ctx, "ops-1"))
    response = await client.post(FUNNEL, json=body, headers=staff)
    assert response.status_code == 200, response.text
    result = response.json()
    assert [(s["event"], s["count"], s["drop_off"]) for s in result["steps"]] == [
        ("page_view", 2, 0),
        ("add_to_cart", 1, 1),
    ]
    assert {g["value"]: [s["count"] for s in g["steps"]] for g in result["groups"]} == {
        "scene:1007": [1, 1],
        "t.example.com": [1, 0],
    }
    response = await client.post(FUNNEL + "/export", json=body, headers=staff)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[:3] == [
        "group,step,event,persons,conversion,step_conversion,drop_off",
        "all,1,page_view,2,1.0,1.0,0",
        "all,2,add_to_cart,1,0.5,0.5,1",
    ]

    bad = {**body, "date_from": "2026-02-30"}
    response = await client.post(FUNNEL, json=bad, headers=staff)
    assert response.status_code == 422
    reversed_range = {**body, "date_from": day, "date_to": "2020-01-01"}
    response = await client.post(FUNNEL, json=reversed_range, headers=staff)
    assert response.status_code == 400
    assert response.json()["code"] == "analytics.invalid_query"

    response = await client.get(
        "/api/v1/console/analytics/retention",
        params={"date_from": day, "date_to": day, "weeks": 2},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    [cohort] = response.json()["cohorts"]
    assert (cohort["size"], cohort["retained"]) == (2, [2, 0, 0])
    assert (
        await client.get(
            "/api/v1/console/analytics/retention",
            params={"date_from": day, "date_to": day},
            headers=support,
        )
    ).status_code == 403


async def _breakdown_world(ctx: AppContext) -> tuple[list[int], str]:
    """Three members and a device. Addresses: A's default is in 广东 (a newer non-default in
    北京 does not count), B has no default (the newest live one, 江苏, counts), C's only
    address is deleted (未知). Events today: A, C and the device reach step 2, B stops at 1."""
    buyers = await make_buyers(ctx, 3)
    a, b, c = (x.member_id for x in buyers)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Address).where(Address.member_id == b).values(is_default=False))
        await s.execute(update(Address).where(Address.member_id == c).values(deleted_at=now))
        for member, code, default in ((a, "110101", False), (b, "320102", False)):
            s.add(
                Address(
                    member_id=member,
                    recipient_encrypted=ctx.pii.encrypt("收件人"),
                    phone_encrypted=ctx.pii.encrypt("13900000000"),
                    province="某省",
                    city="某市",
                    district="某区",
                    region_code=code,
                    detail_encrypted=ctx.pii.encrypt("某路1号"),
                    is_default=default,
                    created_at=now + timedelta(seconds=1),
                )
            )
    today = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for i, (member, anonymous, events) in enumerate(
        (
            (a, "dev-a", ["page_view", "add_to_cart"]),
            (b, "dev-b", ["page_view"]),
            (c, "dev-c", ["page_view", "add_to_cart"]),
            (None, "dev-x", ["page_view", "add_to_cart"]),
        )
    ):
        for n, name in enumerate(events):
            rows.append(
                {
                    "event_id": f"{i}-{n}",
                    "event": name,
                    "ts": today + timedelta(seconds=n),
                    "anonymous_id": anonymous,
                    "member_id": member,
                    "platform": "h5",
                }
            )
    ingest.store_of(ctx).append(rows)
    return [a, b, c], today.astimezone(funnels.SHOP_TZ).date().isoformat()


def _groups(response: httpx.Response) -> dict[str, tuple[str | None, list[int]]]:
    assert response.status_code == 200, response.text
    return {
        g["value"]: (g["label"], [s["count"] for s in g["steps"]])
        for g in response.json()["groups"]
    }


async def test_console_funnel_by_region_segment_and_experiment_arm(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    (a, b, _c), day = await _breakdown_world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    body: dict[str, Any] = {
        "steps": [{"event": "page_view"}, {"event": "add_to_cart"}],
        "date_from": day,
        "date_to": day,
    }

    by_region = await client.post(FUNNEL, json={**body, "breakdown": "region"}, headers=staff)
    assert _groups(by_region) == {
        "44": ("广东省", [1, 1]),
        "32": ("江苏省", [1, 0]),
        "unknown": ("未知", [2, 2]),
    }
    assert [s["count"] for s in by_region.json()["steps"]] == [4, 3]

    vip = await client.post(
        "/api/v1/console/analytics/tags",
        json={"code": "vip", "name": "VIP", "kind": "manual"},
        headers=staff,
    )
    await client.post(
        f"/api/v1/console/analytics/tags/{vip.json()['id']}/members",
        json={"member_ids": [a, b]},
        headers=staff,
    )
    segment = await client.post(
        "/api/v1/console/analytics/segments",
        json={"name": "VIP", "definition": {"tag": "vip"}},
        headers=staff,
    )
    assert segment.status_code == 201, segment.text
    by_segment = await client.post(
        FUNNEL,
        json={**body, "breakdown": "segment", "segment_id": segment.json()["id"]},
        headers=staff,
    )
    assert _groups(by_segment) == {
        "in": ("属于", [2, 1]),
        "out": ("不属于", [1, 1]),
        "anonymous": ("匿名访客", [1, 1]),
    }

    layer = await make_layer(client, staff)
    experiment = await make_experiment(client, staff, layer)
    arms = {arm["key"]: arm["id"] for arm in experiment["arms"]}
    async with unit_of_work(ctx.sessionmaker) as s:
        for unit, arm in ((f"m:{a}", "default"), ("d:dev-x", "alt"), (f"m:{b}", "alt")):
            s.add(
                Exposure(
                    experiment_id=experiment["id"],
                    arm_id=arms[arm],
                    unit=unit,
                    exposed_at=utcnow(),
                )
            )
    by_arm = await client.post(
        FUNNEL,
        json={**body, "breakdown": "experiment", "experiment_id": experiment["id"]},
        headers=staff,
    )
    assert _groups(by_arm) == {
        "default": ("提交订单", [1, 1]),
        "alt": ("立即支付", [2, 1]),
        "(none)": ("未参与", [1, 1]),
    }

    exported = await client.post(
        FUNNEL + "/export", json={**body, "breakdown": "region"}, headers=staff
    )
    assert exported.status_code == 200
    assert "广东省,2,add_to_cart,1,1.0,1.0,0" in exported.text.splitlines()


async def test_a_breakdown_without_its_target_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, day = await _breakdown_world(ctx)
    staff = bearer(await token_for(client, ctx, "ops-1"))
    body: dict[str, Any] = {
        "steps": [{"event": "page_view"}, {"event": "add_to_cart"}],
        "date_from": day,
        "date_to": day,
    }
    before = await snapshot(ctx)
    for bad, code in (
        ({"breakdown": "segment"}, "analytics.breakdown_target_missing"),
        ({"breakdown": "experiment"}, "analytics.breakdown_target_missing"),
        ({"breakdown": "platform", "segment_id": 1}, "analytics.breakdown_target_missing"),
        ({"experiment_id": 1}, "analytics.breakdown_target_missing"),
        ({"breakdown": "segment", "segment_id": 999999}, "analytics.breakdown_target_unknown"),
        (
            {"breakdown": "experiment", "experiment_id": 999999},
            "analytics.breakdown_target_unknown",
        ),
    ):
        for path in (FUNNEL, FUNNEL + "/export"):
            response = await client.post(path, json={**body, **bad}, headers=staff)
            assert response.status_code == 400, (bad, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == code
    for malformed in (
        {"breakdown": "province"},
        {"breakdown": "segment", "segment_id": 0},
        {"breakdown": "segment", "segment_id": "1"},
    ):
        response = await client.post(FUNNEL, json={**body, **malformed}, headers=staff)
        assert response.status_code == 422, malformed
    assert await snapshot(ctx) == before

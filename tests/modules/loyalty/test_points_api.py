"""The shopper's points (balance, expiring soon, ledger pages), daily sign-in with streaks on an
injected clock, and the console's settings, member ledger and adjustments; every refusal is a
4xx with its code and leaves the database as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.loyalty.api import get_clock
from shoplet.modules.loyalty.tasks import EXPIRE_JOB
from shoplet.modules.staff.models import AuditLog
from tests.conftest import snapshot
from tests.modules.loyalty.factories import (
    ME_ENTRIES,
    ME_POINTS,
    SETTINGS,
    SIGNIN,
    assert_books_balance,
    balance,
    grant,
    kinds,
    member_points_url,
)
from tests.modules.membership.factories import entries as growth_entries
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[FakeClock]:
    # 2026-12-01 10:00 in Beijing.
    fake = FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    app.dependency_overrides[get_clock] = lambda: fake
    yield fake
    app.dependency_overrides.pop(get_clock, None)


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "points-operator"))


DEFAULT_SETTINGS = {
    "enabled": True,
    "earn_per_yuan": 1,
    "points_per_yuan": 100,
    "max_share_permille": 500,
    "expiry_days": None,
    "signin_base": 5,
    "signin_bonus": 20,
    "signin_bonus_every": 7,
    "signin_growth": 1,
    "review_growth": 5,
    "review_points": 10,
    "review_points_daily": 3,
}


async def test_a_new_shopper_has_no_points(client: httpx.AsyncClient) -> None:
    alice = await shopper(client)
    response = await client.get(ME_POINTS, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {
        "enabled": True,
        "balance": 0,
        "lifetime_earned": 0,
        "lifetime_spent": 0,
        "points_per_yuan": 100,
        "expiring_points": 0,
        "expiring_at": None,
    }
    assert (await client.get(ME_POINTS)).status_code == 401


async def test_points_expiring_within_thirty_days_are_announced(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 300, expires_in=timedelta(days=10), ref="soon-1")
    await grant(ctx, alice.member_id, 200, expires_in=timedelta(days=400), ref="later")
    body = (await client.get(ME_POINTS, headers=alice.headers)).json()
    assert (body["balance"], body["lifetime_earned"], body["expiring_points"]) == (500, 500, 300)
    expiring = datetime.fromisoformat(body["expiring_at"])
    assert timedelta(days=9) < expiring - utcnow() <= timedelta(days=10)


async def test_entries_page_newest_first_and_filter_by_kind(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    for n in range(3):
        await grant(ctx, alice.member_id, 10 + n, ref=f"e{n}")
    response = await client.post(
        f"{member_points_url(alice.member_id)}/adjust",
        json={"points": -5, "reason": "补偿撤回"},
        headers=staff,
    )
    assert response.status_code == 200, response.text

    first = (await client.get(f"{ME_ENTRIES}?limit=2", headers=alice.headers)).json()
    assert [e["points"] for e in first["items"]] == [-5, 12]
    second = (
        await client.get(
            f"{ME_ENTRIES}?limit=2&cursor={first['next_cursor']}", headers=alice.headers
        )
    ).json()
    assert [e["points"] for e in second["items"]] == [11, 10]
    assert second["next_cursor"] is None
    earned = (await client.get(f"{ME_ENTRIES}?kind=earn", headers=alice.headers)).json()
    assert [e["kind"] for e in earned["items"]] == ["earn"] * 3
    adjusted = (await client.get(f"{ME_ENTRIES}?kind=adjust", headers=alice.headers)).json()
    assert adjusted["items"][0]["note"] == "补偿撤回"

    for query in ("kind=gift", "limit=0", "limit=51", "cursor=%21%21"):
        bad = await client.get(f"{ME_ENTRIES}?{query}", headers=alice.headers)
        assert bad.status_code in (400, 422), query


async def test_sign_in_once_a_day_with_a_streak_and_a_bonus_on_day_seven(
    client: httpx.AsyncClient, ctx: AppContext, clock: FakeClock
) -> None:
    alice = await shopper(client)
    rewards = []
    for day in range(8):
        response = await client.post(SIGNIN, headers=alice.headers)
        assert response.status_code == 201, response.text
        rewards.append((response.json()["streak"], response.json()["points"]))
        if day == 2:
            before = await snapshot(ctx)
            again = await client.post(SIGNIN, headers=alice.headers)
            assert again.status_code == 409
            assert again.json()["code"] == "loyalty.already_signed_in"
            assert await snapshot(ctx) == before
        clock.now += timedelta(days=1)
    assert rewards == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (6, 5), (7, 25), (8, 5)]
    assert await balance(ctx, alice.member_id) == 60

    # A missed day starts over.
    clock.now += timedelta(days=1)
    response = await client.post(SIGNIN, headers=alice.headers)
    assert (response.json()["streak"], response.json()["points"]) == (1, 5)
    await assert_books_balance(ctx)


async def test_each_days_sign_in_adds_growth_once(
    client: httpx.AsyncClient, ctx: AppContext, clock: FakeClock, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    ref = f"signin:{alice.member_id}:2026-12-0"
    assert (await client.post(SIGNIN, headers=alice.headers)).status_code == 201
    assert await growth_entries(ctx, alice.member_id) == [(1, "signin", f"{ref}1")]
    before = await snapshot(ctx)
    again = await client.post(SIGNIN, headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "loyalty.already_signed_in")
    assert await snapshot(ctx) == before

    # The growth a sign-in gives follows the settings; 0 gives points and no growth.
    for day, growth in ((2, 3), (3, 0)):
        changed = {**DEFAULT_SETTINGS, "signin_growth": growth}
        assert (await client.put(SETTINGS, json=changed, headers=staff)).status_code == 200
        clock.now += timedelta(days=1)
        signed = await client.post(SIGNIN, headers=alice.headers)
        assert (signed.status_code, signed.json()["points"]) == (201, 5), day
    assert await growth_entries(ctx, alice.member_id) == [
        (1, "signin", f"{ref}1"),
        (3, "signin", f"{ref}2"),
    ]
    card = await client.get("/api/v1/me/membership", headers=alice.headers)
    assert card.json()["growth"] == 4, card.text


async def test_the_day_is_the_beijing_day(client: httpx.AsyncClient, clock: FakeClock) -> None:
    alice = await shopper(client)
    clock.now = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 23:30 in Beijing
    assert (await client.post(SIGNIN, headers=alice.headers)).json()["day"] == "2026-12-01"
    clock.now = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 the next day
    second = await client.post(SIGNIN, headers=alice.headers)
    assert second.status_code == 201
    assert (second.json()["day"], second.json()["streak"]) == ("2026-12-02", 2)


async def test_the_calendar_shows_signed_days_streak_and_rewards(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    alice = await shopper(client)
    clock.now = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    for _ in range(3):  # 11-29, 11-30, 12-01
        assert (await client.post(SIGNIN, headers=alice.headers)).status_code == 201
        clock.now += timedelta(days=1)
    # Now 12-02, not signed yet.
    body = (await client.get(f"{SIGNIN}?month=2026-11", headers=alice.headers)).json()
    assert body["signed_days"] == ["2026-11-29", "2026-11-30"]
    this_month = (await client.get(SIGNIN, headers=alice.headers)).json()
    assert this_month == {
        "month": "2026-12",
        "signed_days": ["2026-12-01"],
        "signed_today": False,
        "streak": 3,
        "today_reward": 5,
        "next_bonus_in": 4,
        "bonus_every": 7,
        "bonus": 20,
        "enabled": True,
    }
    for month in ("2026-13", "26-12", "2026-1", "x"):
        bad = await client.get(f"{SIGNIN}?month={month}", headers=alice.headers)
        assert bad.status_code == 422, month


async def test_concurrent_sign_ins_give_one_reward(
    client: httpx.AsyncClient, ctx: AppContext, clock: FakeClock
) -> None:
    alice = await shopper(client)
    responses = await asyncio.gather(
        *(client.post(SIGNIN, headers=alice.headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert await balance(ctx, alice.member_id) == 5
    assert await kinds(ctx, alice.member_id) == [("earn", "signin", 5)]


async def test_console_settings_round_trip_and_switch_the_programme_off(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], clock: FakeClock
) -> None:
    assert (await client.get(SETTINGS, headers=staff)).json() | {} == {
        **DEFAULT_SETTINGS,
        "updated_by": None,
        "updated_at": None,
    }
    changed = {**DEFAULT_SETTINGS, "enabled": False, "expiry_days": 90, "signin_base": 2}
    response = await client.put(SETTINGS, json=changed, headers=staff)
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in changed} == changed
    async with ctx.sessionmaker() as s:
        actions = list(await s.scalars(select(AuditLog.action)))
    assert "loyalty.settings_update" in actions

    alice = await shopper(client)
    before = await snapshot(ctx)
    off = await client.post(SIGNIN, headers=alice.headers)
    assert (off.status_code, off.json()["code"]) == (409, "loyalty.disabled")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "change",
    [
        {"earn_per_yuan": -1},
        {"points_per_yuan": 0},
        {"max_share_permille": 1001},
        {"expiry_days": 0},
        {"signin_bonus_every": 1},
        {"review_points": -1},
        {"review_points_daily": 0},
        {"review_points_daily": 51},
        {"enabled": "yes"},
        {"surprise": 1},
    ],
)
async def test_bad_settings_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], change: dict[str, Any]
) -> None:
    before = await snapshot(ctx)
    response = await client.put(SETTINGS, json={**DEFAULT_SETTINGS, **change}, headers=staff)
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_staff_see_a_members_ledger_and_adjust_it(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    url = member_points_url(alice.member_id)
    added = await client.post(
        f"{url}/adjust", json={"points": 120, "reason": "客诉补偿"}, headers=staff
    )
    assert added.status_code == 200, added.text
    assert (added.json()["balance"], added.json()["entries"][0]["kind"]) == (120, "adjust")
    taken = await client.post(
        f"{url}/adjust", json={"points": -20, "reason": "误发"}, headers=staff
    )
    assert taken.json()["balance"] == 100
    page = (await client.get(f"{url}?limit=1", headers=staff)).json()
    assert [e["points"] for e in page["entries"]] == [-20]
    assert page["next_cursor"] is not None
    async with ctx.sessionmaker() as s:
        actions = list(await s.scalars(select(AuditLog.action)))
    assert actions.count("loyalty.points_adjust") == 2
    await assert_books_balance(ctx)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"points": -101, "reason": "扣过头"}, 409, "loyalty.insufficient_points"),
        ({"points": 0, "reason": "零"}, 400, "loyalty.invalid_points"),
        ({"points": 10, "reason": ""}, 422, "request.invalid"),
        ({"points": "10", "reason": "字符串"}, 422, "request.invalid"),
        ({"points": 10**9, "reason": "太多"}, 422, "request.invalid"),
    ],
)
async def test_bad_adjustments_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 100)
    before = await snapshot(ctx)
    response = await client.post(
        f"{member_points_url(alice.member_id)}/adjust", json=body, headers=staff
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert await snapshot(ctx) == before


async def test_an_unknown_member_is_404_and_support_staff_are_refused(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    for response in (
        await client.get(member_points_url(987654), headers=staff),
        await client.post(
            f"{member_points_url(987654)}/adjust", json={"points": 5, "reason": "x"}, headers=staff
        ),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "loyalty.member_not_found")
    support = bearer(await token_for(client, ctx, "points-support", role="support"))
    alice = await shopper(client)
    before = await snapshot(ctx)
    for response in (
        await client.get(SETTINGS, headers=support),
        await client.put(SETTINGS, json=DEFAULT_SETTINGS, headers=support),
        await client.post(
            f"{member_points_url(alice.member_id)}/adjust",
            json={"points": 5, "reason": "x"},
            headers=support,
        ),
    ):
        assert response.status_code == 403
    assert await snapshot(ctx) == before


async def test_the_expiry_job_takes_what_is_left_of_past_batches_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    past = utcnow() - timedelta(days=2)
    await grant(ctx, alice.member_id, 100, ref="old", now=past, expires_in=timedelta(days=1))
    await grant(ctx, alice.member_id, 50, ref="new")

    await run_job(ctx, EXPIRE_JOB)
    after = await snapshot(ctx)
    await run_job(ctx, EXPIRE_JOB)

    assert await snapshot(ctx) == after
    assert await balance(ctx, alice.member_id) == 50
    assert (await kinds(ctx, alice.member_id))[-1] == ("expire", "expiry", -100)
    await assert_books_balance(ctx)

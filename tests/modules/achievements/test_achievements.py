"""Achievements end to end on both databases: a first paid order unlocks 首单 once (points
once, one ``achievement.unlocked``), 我的成就 with progress, the celebration shown once, the
share card, the console's definitions, backfill jobs and the mascot; every refusal is a 4xx
with its code and leaves the database as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.core.events.models import OutboxEvent
from shoplet.core.jobs import run_job
from shoplet.modules.achievements import service
from shoplet.modules.achievements.events import UNLOCKED
from shoplet.modules.achievements.models import BackfillJob, Definition, Unlock
from tests.conftest import snapshot
from tests.modules.achievements.factories import (
    CELEBRATIONS,
    CONSOLE,
    CONSOLE_MASCOT,
    MASCOT,
    ME,
    SUMMARY,
    achievement_entries,
    by_code,
    count,
    definition_body,
    paid_order,
    unlock_rows,
)
from tests.modules.loyalty.factories import balance
from tests.modules.orders.factories import shopper
from tests.modules.staff.conftest import bearer, token_for


async def _staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "ach-operator"))


async def _reward_first_order(client: httpx.AsyncClient, staff: dict[str, str], points: int) -> int:
    """Built-ins reward nothing until the merchant says so: 首单 gives ``points``; its id."""
    first = by_code((await client.get(CONSOLE, headers=staff)).json(), "first_order")
    body = {k: first[k] for k in definition_body()}
    response = await client.put(
        f"{CONSOLE}/{first['id']}", json={**body, "points": points}, headers=staff
    )
    assert response.status_code == 200, response.text
    return int(first["id"])


async def _unlocked_events(ctx: AppContext) -> list[dict[str, object]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == UNLOCKED))
        return list(rows.all())


async def test_a_first_paid_order_unlocks_the_first_order_badge_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await _reward_first_order(client, await _staff(client, ctx), 50)
    alice = await shopper(client)
    before = (await client.get(ME, headers=alice.headers)).json()
    first = by_code(before["items"], "first_order")
    assert first["unlocked"] is False
    assert (first["progress"], first["threshold"]) == (0, 1)
    assert first["badge_url"].endswith("-locked.svg")

    await paid_order(client, ctx, alice)

    mine = (await client.get(ME, headers=alice.headers)).json()
    first = by_code(mine["items"], "first_order")
    assert first["unlocked"] is True
    assert first["unlocked_at"] is not None
    assert first["points"] == 50
    assert first["seen"] is False
    assert mine["items"][0]["code"] == "first_order"  # unlocked ones first
    ten = by_code(mine["items"], "ten_orders")
    assert (ten["unlocked"], ten["progress"], ten["threshold"]) == (False, 1, 10)
    assert mine["unlocked_count"] == 1
    [row] = await unlock_rows(ctx, alice.member_id)
    assert row.points == 50
    assert await achievement_entries(ctx, alice.member_id) == [
        (f"achievement:{alice.member_id}:{row.definition_id}", 50)
    ]
    events = await _unlocked_events(ctx)
    assert [(e["member_id"], e["code"], e["points"]) for e in events] == [
        (alice.member_id, "first_order", 50)
    ]

    # A second order and the same evaluation again change nothing.
    await paid_order(client, ctx, alice)
    async with unit_of_work(ctx.sessionmaker) as s:
        assert (
            await service.evaluate(
                s, member_id=alice.member_id, rule_kind="paid_orders", source="test"
            )
            == []
        )
    await drain_outbox(ctx)
    assert len(await unlock_rows(ctx, alice.member_id)) == 1
    assert len(await achievement_entries(ctx, alice.member_id)) == 1
    assert len(await _unlocked_events(ctx)) == 1


async def test_the_celebration_is_shown_once(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)
    assert (await client.get(CELEBRATIONS, headers=alice.headers)).json() == []
    await paid_order(client, ctx, alice)
    [party] = (await client.get(CELEBRATIONS, headers=alice.headers)).json()
    assert (party["code"], party["name"], party["points"]) == ("first_order", "首单", 0)
    assert party["badge_url"] == "/api/v1/achievements/badges/bag-E4393C.svg"

    seen = await client.post(f"{ME}/first_order/seen", headers=alice.headers)
    assert seen.status_code == 204
    assert (await client.get(CELEBRATIONS, headers=alice.headers)).json() == []
    [row] = await unlock_rows(ctx, alice.member_id)
    first_seen = row.seen_at
    assert first_seen is not None
    again = await client.post(f"{ME}/first_order/seen", headers=alice.headers)
    assert again.status_code == 204
    [row] = await unlock_rows(ctx, alice.member_id)
    assert row.seen_at == first_seen
    mine = (await client.get(ME, headers=alice.headers)).json()
    assert by_code(mine["items"], "first_order")["seen"] is True


async def test_refusals_change_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)
    staff = await _staff(client, ctx)
    await client.get(CONSOLE, headers=staff)  # built-ins seeded
    before = await snapshot(ctx)

    unknown = await client.post(f"{ME}/no_such_badge/seen", headers=alice.headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "achievements.not_found")
    locked = await client.post(f"{ME}/ten_orders/seen", headers=alice.headers)
    assert (locked.status_code, locked.json()["code"]) == (404, "achievements.not_unlocked")
    bad_code = await client.post(f"{ME}/Bad-Code/seen", headers=alice.headers)
    assert bad_code.status_code == 422
    poster = await client.post(
        f"{ME}/first_order/poster", json={"client": "h5"}, headers=alice.headers
    )
    assert (poster.status_code, poster.json()["code"]) == (404, "achievements.not_unlocked")
    anonymous = await client.get(ME)
    assert anonymous.status_code == 401

    taken = await client.post(CONSOLE, json=definition_body(code="first_order"), headers=staff)
    assert (taken.status_code, taken.json()["code"]) == (409, "achievements.code_taken")
    for bad in (
        definition_body(badge_color="red"),
        definition_body(threshold=0),
        definition_body(rule_kind="logins"),
        definition_body(badge_icon="rocket"),
        definition_body(code="Has Space"),
        definition_body(points=-1),
        definition_body(threshold="3"),
    ):
        response = await client.post(CONSOLE, json=bad, headers=staff)
        assert response.status_code == 422, bad
    builtin = next(
        d for d in (await client.get(CONSOLE, headers=staff)).json() if d["code"] == "first_order"
    )
    changed_rule = await client.put(
        f"{CONSOLE}/{builtin['id']}",
        json=definition_body(code="first_order", rule_kind="posts"),
        headers=staff,
    )
    assert (changed_rule.status_code, changed_rule.json()["code"]) == (
        400,
        "achievements.invalid_definition",
    )
    missing = await client.put(f"{CONSOLE}/999999", json=definition_body(), headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "achievements.not_found")
    no_job = await client.get(f"{CONSOLE}/backfills/999999", headers=staff)
    assert (no_job.status_code, no_job.json()["code"]) == (404, "achievements.backfill_not_found")
    bad_mascot = await client.put(
        CONSOLE_MASCOT,
        json={"name": "小铺", "figure": "dragon", "color": "#FF0000", "messages": {}},
        headers=staff,
    )
    assert bad_mascot.status_code == 422
    long_message = await client.put(
        CONSOLE_MASCOT,
        json={
            "name": "小铺",
            "figure": "cat",
            "color": "#FF0000",
            "messages": {"unlock": "长" * 61},
        },
        headers=staff,
    )
    assert long_message.status_code == 422
    bad_badge = await client.get("/api/v1/achievements/badges/rocket-FF0000.svg")
    assert bad_badge.status_code == 422
    assert await snapshot(ctx) == before


async def test_support_staff_may_not_manage_achievements(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    support = bearer(await token_for(client, ctx, "ach-support", role="support"))
    before = await snapshot(ctx, "achievements_definition", "achievements_mascot")
    for response in (
        await client.get(CONSOLE, headers=support),
        await client.post(CONSOLE, json=definition_body(), headers=support),
        await client.put(
            CONSOLE_MASCOT,
            json={"name": "小铺", "figure": "cat", "color": "#FF0000", "messages": {}},
            headers=support,
        ),
    ):
        assert (response.status_code, response.json()["code"]) == (
            403,
            "console.permission_denied",
        )
    assert await snapshot(ctx, "achievements_definition", "achievements_mascot") == before


async def test_console_edits_definitions_and_counts_unlocks(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await _staff(client, ctx)
    listed = (await client.get(CONSOLE, headers=staff)).json()
    assert [d["code"] for d in listed][:3] == ["first_order", "ten_orders", "first_review"]
    first = by_code(listed, "first_order")
    assert (first["is_builtin"], first["unlocked_count"], first["points"]) == (True, 0, 0)

    edited = await client.put(
        f"{CONSOLE}/{first['id']}",
        json=definition_body(
            code="first_order",
            name="开门红",
            description="第一笔订单",
            rule_kind="paid_orders",
            threshold=1,
            points=88,
            badge_icon="gift",
            badge_color="#ab47bc",
            sort=first["sort"],
        ),
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["points"], edited.json()["badge_color"]) == (
        "开门红",
        88,
        "#AB47BC",
    )
    alice = await shopper(client)
    await paid_order(client, ctx, alice)
    assert await balance(ctx, alice.member_id) >= 88
    listed = (await client.get(CONSOLE, headers=staff)).json()
    assert by_code(listed, "first_order")["unlocked_count"] == 1

    created = await client.post(CONSOLE, json=definition_body(), headers=staff)
    assert created.status_code == 201, created.text
    assert (created.json()["is_builtin"], created.json()["unlocked_count"]) == (False, 0)
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Definition)) == 10


async def test_disabled_definitions_do_not_unlock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await _staff(client, ctx)
    first = by_code((await client.get(CONSOLE, headers=staff)).json(), "first_order")
    body = {k: first[k] for k in definition_body()}
    body["is_enabled"] = False
    assert (await client.put(f"{CONSOLE}/{first['id']}", json=body, headers=staff)).is_success
    alice = await shopper(client)
    await paid_order(client, ctx, alice)
    assert await unlock_rows(ctx, alice.member_id) == []
    mine = (await client.get(ME, headers=alice.headers)).json()
    assert "first_order" not in [i["code"] for i in mine["items"]]


async def test_a_backfill_awards_a_new_definition_to_existing_members(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await _staff(client, ctx)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    await shopper(client, "carol")
    for _ in range(3):
        await paid_order(client, ctx, alice)
    await paid_order(client, ctx, bob)

    created = (await client.post(CONSOLE, json=definition_body(), headers=staff)).json()
    started = await client.post(f"{CONSOLE}/{created['id']}/backfill", headers=staff)
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["status"], job["processed"], job["total"]) == ("queued", 0, 3)
    before = await snapshot(ctx, "achievements_backfill_job")
    twice = await client.post(f"{CONSOLE}/{created['id']}/backfill", headers=staff)
    assert (twice.status_code, twice.json()["code"]) == (409, "achievements.backfill_running")
    assert await snapshot(ctx, "achievements_backfill_job") == before

    await run_job(ctx, "achievements.run_backfills")
    done = (await client.get(f"{CONSOLE}/backfills/{job['id']}", headers=staff)).json()
    assert (done["status"], done["processed"], done["total"], done["unlocked"]) == (
        "done",
        3,
        3,
        1,
    )
    codes = [u.definition_id for u in await unlock_rows(ctx, alice.member_id)]
    assert created["id"] in codes
    assert created["id"] not in [u.definition_id for u in await unlock_rows(ctx, bob.member_id)]
    assert await count(ctx, BackfillJob) == 1
    assert (
        by_code((await client.get(CONSOLE, headers=staff)).json(), "three_orders")["unlocked_count"]
        == 1
    )


async def test_a_sign_in_streak_unlocks_a_streak_badge(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await _staff(client, ctx)
    await client.post(
        CONSOLE,
        json=definition_body(
            code="signin_1", name="初次签到", rule_kind="signin_streak", threshold=1, points=0
        ),
        headers=staff,
    )
    alice = await shopper(client)
    signed = await client.post("/api/v1/me/signin", headers=alice.headers)
    assert signed.status_code in (200, 201), signed.text
    await drain_outbox(ctx)
    mine = (await client.get(ME, headers=alice.headers)).json()
    assert by_code(mine["items"], "signin_1")["unlocked"] is True
    assert by_code(mine["items"], "signin_7")["progress"] == 1


async def test_the_share_card_is_a_poster(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)
    await paid_order(client, ctx, alice)
    response = await client.post(
        f"{ME}/first_order/poster", json={"client": "h5"}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["width"], body["height"], body["client"]) == (750, 1200, "h5")
    image = await client.get(body["url"])
    assert image.status_code == 200
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
    again = await client.post(
        f"{ME}/first_order/poster", json={"client": "h5"}, headers=alice.headers
    )
    assert again.json()["url"] == body["url"]  # drawn once


async def test_the_mascot_defaults_and_the_merchants_messages(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    default = (await client.get(MASCOT)).json()
    assert (default["name"], default["figure"], default["color"]) == ("小铺", "cat", "#F57C00")
    assert default["figure_url"] == "/api/v1/mascot/figures/cat-F57C00.svg"
    assert default["messages"]["empty_cart"] == "购物车空空的，去挑几件喜欢的吧～"

    staff = bearer(await token_for(client, ctx, "ach-content"))
    saved = await client.put(
        CONSOLE_MASCOT,
        json={
            "name": "铺铺",
            "figure": "robot",
            "color": "#1e88e5",
            "messages": {"unlock": "厉害！又一枚徽章", "empty_cart": ""},
        },
        headers=staff,
    )
    assert saved.status_code == 200, saved.text
    shown = (await client.get(MASCOT)).json()
    assert (shown["name"], shown["figure"], shown["color"]) == ("铺铺", "robot", "#1E88E5")
    assert shown["messages"]["unlock"] == "厉害！又一枚徽章"
    assert shown["messages"]["empty_cart"] == "购物车空空的，去挑几件喜欢的吧～"
    figure = await client.get(shown["figure_url"])
    assert figure.status_code == 200
    assert figure.headers["content-type"].startswith("image/svg+xml")
    assert "#1E88E5" in figure.text
    badge = await client.get("/api/v1/achievements/badges/star-F57C00-locked.svg")
    assert badge.status_code == 200
    assert "#BDBDBD" in badge.text


async def test_a_merged_account_brings_its_unlocks(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    from shoplet.modules.members.identity import merge_hooks

    staff = await _staff(client, ctx)
    one = await client.post(
        CONSOLE, json=definition_body(code="one_order", threshold=1), headers=staff
    )
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    await paid_order(client, ctx, alice)  # 首单 + one_order
    first = by_code((await client.get(CONSOLE, headers=staff)).json(), "first_order")
    body = {k: first[k] for k in definition_body()}
    await client.put(f"{CONSOLE}/{first['id']}", json={**body, "is_enabled": False}, headers=staff)
    await paid_order(client, ctx, bob)  # one_order only
    bob_before = {u.definition_id: u.unlocked_at for u in await unlock_rows(ctx, bob.member_id)}

    hook = merge_hooks(ctx)["achievements"]
    async with unit_of_work(ctx.sessionmaker) as s:
        assert await hook(s, alice.member_id, bob.member_id) == 1

    after = {u.definition_id: u.unlocked_at for u in await unlock_rows(ctx, bob.member_id)}
    assert set(after) == {*bob_before, first["id"]}
    assert all(after[d] == bob_before[d] for d in bob_before)  # the survivor's own stay
    # The achievement both had stays with the absorbed account: nothing is deleted.
    assert [u.definition_id for u in await unlock_rows(ctx, alice.member_id)] == [one.json()["id"]]


async def test_the_member_center_summary_shows_the_newest_badges(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    empty = (await client.get(SUMMARY, headers=alice.headers)).json()
    total = empty["total"]
    assert total >= 5
    assert (empty["unlocked_count"], empty["latest"]) == (0, [])

    async with unit_of_work(ctx.sessionmaker) as s:
        definitions = list(await s.scalars(select(Definition).order_by(Definition.id)))
        start = datetime(2026, 11, 1, tzinfo=UTC)
        s.add_all(
            Unlock(
                member_id=alice.member_id,
                definition_id=d.id,
                value=1,
                points=0,
                source="test",
                unlocked_at=start + timedelta(days=i),
                seen_at=None,
            )
            for i, d in enumerate(definitions[:5])
        )
        definitions[0].is_enabled = False  # unlocked, then disabled: still counted
    newest = [d.code for d in reversed(definitions[:5])]

    summary = (await client.get(SUMMARY, headers=alice.headers)).json()
    assert (summary["unlocked_count"], summary["total"]) == (5, total)
    assert [b["code"] for b in summary["latest"]] == newest[:4]
    assert summary["latest"][0]["badge_url"].startswith("/api/v1/achievements/badges/")
    assert not summary["latest"][0]["badge_url"].endswith("-locked.svg")
    two = (await client.get(SUMMARY, params={"limit": 2}, headers=alice.headers)).json()
    assert [b["code"] for b in two["latest"]] == newest[:2]
    mine = (await client.get(ME, headers=alice.headers)).json()
    assert (mine["unlocked_count"], mine["total"]) == (5, total)
    assert (await client.get(SUMMARY, headers=bob.headers)).json()["latest"] == []

    assert (await client.get(SUMMARY)).status_code == 401
    too_many = await client.get(SUMMARY, params={"limit": 9}, headers=alice.headers)
    assert too_many.status_code == 422

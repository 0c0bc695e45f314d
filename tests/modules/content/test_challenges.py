"""话题挑战 through the API, on both backends: the console runs a topic as a challenge with a
window and prizes; approved posts written in the window rank by the likes they got before the
end (one rank per shopper, ties to the earlier post); the job settles it once, granting points
and coupons and telling each winner; bad input is refused with nothing changed. The statuses
match the shared glossary of the front ends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.content.models import CHALLENGE_STATUSES, Challenge, Like, Post
from shoplet.modules.content.tasks import SETTLE_JOB
from shoplet.modules.loyalty.models import PointsEntry
from shoplet.modules.promotions.models import Coupon
from tests.conftest import snapshot
from tests.modules.content.factories import API, CONSOLE, CONTENT_TABLES, post, topic
from tests.modules.loyalty.factories import balance
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.promotions.factories import make_template

TABLES = (
    *CONTENT_TABLES,
    "content_challenge",
    "content_challenge_prize",
    "content_challenge_winner",
    "loyalty_points_entry",
    "promotions_coupon",
)
LABELS = Path(__file__).parents[3] / "frontends" / "shared" / "src" / "labels.ts"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def challenge_body(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "starts_at": _iso(now - timedelta(hours=1)),
        "ends_at": _iso(now + timedelta(days=1)),
        "rules": "晒出你的夏日穿搭，点赞最多的前三名获奖",
        "prizes": [{"rank": 1, "points": 500}, {"rank": 2, "points": 200}],
    }
    body.update(overrides)
    return body


async def save(
    client: httpx.AsyncClient, staff: dict[str, str], topic_id: int, **overrides: Any
) -> httpx.Response:
    return await client.put(
        f"{CONSOLE}/topics/{topic_id}/challenge", json=challenge_body(**overrides), headers=staff
    )


async def approved_post(client: httpx.AsyncClient, who: Shopper, topic_id: int, text: str) -> int:
    response = await post(client, who, content=text, topic_id=topic_id)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved"
    return int(response.json()["id"])


async def like(client: httpx.AsyncClient, who: Shopper, post_id: int) -> None:
    response = await client.put(f"{API}/posts/{post_id}/like", headers=who.headers)
    assert response.status_code == 200, response.text


async def set_post_time(ctx: AppContext, post_id: int, at: datetime) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Post).where(Post.id == post_id).values(created_at=at))


async def end_now(ctx: AppContext, topic_id: int) -> None:
    """Advance the challenge's clock: it ended just after the last post and like so far."""
    async with unit_of_work(ctx.sessionmaker) as s:
        last = max(
            [
                *(await s.scalars(select(Like.created_at))).all(),
                *(await s.scalars(select(Post.created_at))).all(),
            ]
        )
        await s.execute(
            update(Challenge)
            .where(Challenge.topic_id == topic_id)
            .values(ends_at=last + timedelta(milliseconds=1))
        )


async def test_a_challenge_ranks_posts_in_its_window_and_settles_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    summer = await topic(client, staff, "夏日挑战")
    coupon = await make_template(client, staff, name="挑战冠军券")
    created = await save(
        client,
        staff,
        summer,
        prizes=[
            {"rank": 1, "points": 500, "coupon_template_id": coupon["id"]},
            {"rank": 2, "points": 200},
            {"rank": 3, "coupon_template_id": coupon["id"]},
        ],
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["status"] == "running"
    assert [(p["rank"], p["points"], p["coupon_name"]) for p in body["prizes"]] == [
        (1, 500, "挑战冠军券"),
        (2, 200, None),
        (3, 0, "挑战冠军券"),
    ]

    alice, bob, carol = [await shopper(client, f"ch-{n}") for n in ("alice", "bob", "carol")]
    fans = [await shopper(client, f"ch-fan-{i}") for i in range(4)]
    a1 = await approved_post(client, alice, summer, "我的第一套")
    a2 = await approved_post(client, alice, summer, "我的第二套")
    b1 = await approved_post(client, bob, summer, "清凉一夏")
    c1 = await approved_post(client, carol, summer, "早就写好了")
    # Carol's post was written before the window: it does not count, however liked.
    await set_post_time(ctx, c1, utcnow() - timedelta(hours=2))
    for fan in fans[:3]:
        await like(client, fan, b1)
        await like(client, fan, c1)
    for fan in fans[:2]:
        await like(client, fan, a2)
    await like(client, fans[0], a1)

    shown = await client.get(f"{API}/topics/{summer}/challenge", headers=alice.headers)
    assert shown.status_code == 200, shown.text
    view = shown.json()
    # One rank per shopper (Alice's best post), by likes.
    assert [(e["rank"], e["member_id"], e["post_id"], e["likes"]) for e in view["leaderboard"]] == [
        (1, bob.member_id, b1, 3),
        (2, alice.member_id, a2, 2),
    ]
    assert view["me"] == {"rank": 2, "likes": 2, "post_id": a2}
    anonymous = (await client.get(f"{API}/topics/{summer}/challenge")).json()
    assert anonymous["me"] is None
    carol_view = (
        await client.get(f"{API}/topics/{summer}/challenge", headers=carol.headers)
    ).json()
    assert carol_view["me"] == {"rank": None, "likes": 0, "post_id": None}

    # Started: the prizes are frozen, the rules and the end may change.
    frozen = await save(client, staff, summer, prizes=[{"rank": 1, "points": 9999}])
    assert (frozen.status_code, frozen.json()["code"]) == (409, "content.challenge_started")
    edited = await save(
        client,
        staff,
        summer,
        starts_at=body["starts_at"],
        rules="规则更新",
        prizes=[
            {"rank": 1, "points": 500, "coupon_template_id": coupon["id"]},
            {"rank": 2, "points": 200},
            {"rank": 3, "coupon_template_id": coupon["id"]},
        ],
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["rules"] == "规则更新"

    # Not ended: the console cannot settle it yet, and the job leaves it.
    early = await client.post(f"{CONSOLE}/topics/{summer}/challenge/settle", headers=staff)
    assert (early.status_code, early.json()["code"]) == (409, "content.challenge_not_ended")
    await run_job(ctx, SETTLE_JOB)
    assert (await client.get(f"{API}/topics/{summer}/challenge")).json()["status"] == "running"

    await end_now(ctx, summer)
    ended = (await client.get(f"{API}/topics/{summer}/challenge")).json()
    assert ended["status"] == "ended"
    # A like after the end does not count.
    await like(client, fans[3], a2)
    await like(client, fans[2], a2)

    await run_job(ctx, SETTLE_JOB)
    settled = (await client.get(f"{API}/topics/{summer}/challenge")).json()
    assert settled["status"] == "awarded"
    assert [
        (w["rank"], w["member_id"], w["likes"], w["points"], w["coupon_template_id"])
        for w in settled["winners"]
    ] == [(1, bob.member_id, 3, 500, coupon["id"]), (2, alice.member_id, 2, 200, None)]
    assert await balance(ctx, bob.member_id) == 500
    assert await balance(ctx, alice.member_id) == 200
    notices = (await client.get(f"{API}/content/notices", headers=bob.headers)).json()
    assert [(n["kind"], n["topic_id"], n["question_id"]) for n in notices] == [
        ("challenge", summer, None)
    ]
    assert "第1名" in notices[0]["text"]

    # Again, by the job or the console: nothing more is granted.
    before = await snapshot(ctx, *TABLES)
    await run_job(ctx, SETTLE_JOB)
    again = await client.post(f"{CONSOLE}/topics/{summer}/challenge/settle", headers=staff)
    assert again.status_code == 200, again.text
    assert again.json()["settled"] is False
    assert [w["member_id"] for w in again.json()["winners"]] == [bob.member_id, alice.member_id]
    assert await snapshot(ctx, *TABLES) == before
    async with ctx.sessionmaker() as s:
        coupons = (await s.scalars(select(Coupon.member_id))).all()
        reasons = (await s.scalars(select(PointsEntry.reason))).all()
    assert list(coupons) == [bob.member_id]
    assert sorted(reasons) == ["challenge", "challenge"]

    # Settled: no more edits.
    late = await save(client, staff, summer, rules="再改")
    assert (late.status_code, late.json()["code"]) == (409, "content.challenge_already_settled")


async def test_bad_challenges_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    spring = await topic(client, staff, "春日挑战")
    coupon = await make_template(client, staff)
    now = utcnow()
    soon, later = now + timedelta(days=1), now + timedelta(days=2)
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            {"starts_at": _iso(later), "ends_at": _iso(soon)},
            400,
            "content.challenge_window_invalid",
        ),
        (
            {"starts_at": _iso(now - timedelta(days=2)), "ends_at": _iso(now - timedelta(days=1))},
            400,
            "content.challenge_window_invalid",
        ),
        (
            {"prizes": [{"rank": 1, "points": 5}, {"rank": 3, "points": 1}]},
            400,
            "content.prize_ranks_invalid",
        ),
        (
            {"prizes": [{"rank": 1, "points": 5}, {"rank": 1, "points": 1}]},
            400,
            "content.prize_ranks_invalid",
        ),
        ({"prizes": [{"rank": 1, "points": 0}]}, 400, "content.prize_empty"),
        (
            {"prizes": [{"rank": 1, "coupon_template_id": coupon["id"] + 999}]},
            400,
            "content.prize_coupon_unknown",
        ),
    ]
    before = await snapshot(ctx, *TABLES)
    for overrides, status, code in cases:
        response = await save(client, staff, spring, **overrides)
        assert (response.status_code, response.json().get("code")) == (status, code), overrides
    missing = await save(client, staff, spring + 999)
    assert (missing.status_code, missing.json()["code"]) == (404, "content.topic_not_found")
    none = await client.get(f"{API}/topics/{spring}/challenge")
    assert (none.status_code, none.json()["code"]) == (404, "content.challenge_not_found")
    naive = await save(client, staff, spring, starts_at="2030-01-01T00:00:00")
    assert naive.status_code == 422
    assert await snapshot(ctx, *TABLES) == before

    # Not started yet: everything may change, prizes too.
    upcoming = await save(
        client,
        staff,
        spring,
        starts_at=_iso(soon),
        ends_at=_iso(later),
        prizes=[{"rank": 1, "points": 9}],
    )
    assert upcoming.status_code == 200, upcoming.text
    assert upcoming.json()["status"] == "upcoming"
    changed = await save(
        client,
        staff,
        spring,
        starts_at=_iso(soon),
        ends_at=_iso(later),
        prizes=[{"rank": 1, "points": 10}, {"rank": 2, "points": 5}],
    )
    assert [p["points"] for p in changed.json()["prizes"]] == [10, 5]


def test_the_statuses_match_the_shared_glossary() -> None:
    """labels.ts's CHALLENGE_STATUS_LABELS (in STATUS_GLOSSARIES) names exactly the backend's
    statuses."""
    text = LABELS.read_text(encoding="utf-8")
    block = re.search(r"CHALLENGE_STATUS_LABELS: Labels = \{(.*?)\}", text, re.S)
    assert block is not None
    keys = re.findall(r"^\s*(\w+):", block.group(1), re.M)
    assert tuple(keys) == CHALLENGE_STATUSES
    assert re.search(r"challenge: CHALLENGE_STATUS_LABELS", text)

"""The mini program's taps and scroll depths (SQLite and PostgreSQL): a visit's chunks are
stored once per ``seq``, placed as on the H5 page (below its 44 px navigation bar), counted in
the heatmap and scroll map with or apart from the H5 store's, never listed as recordings to
play; bad chunks change nothing; a deletion request takes them with the member's recordings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.analytics.replay.models import ReplayClick, ReplayScroll, ReplaySession
from tests.conftest import snapshot
from tests.modules.analytics.test_replay import CONSOLE, URL, chunk, now_ms
from tests.modules.analytics.test_replay_errors import ALL_TABLES, HOME
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.staff.conftest import bearer, token_for

TAPS = f"{URL}/taps"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "tap-operator"))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"analytics_replay_rate_limit": "200/minute"}


def taps(
    seq: int = 0,
    *,
    visit_id: str = "mp-visit-0001",
    anonymous_id: str = "anon-mp-0001",
    page: str = HOME,
    points: list[tuple[int, int]] | None = None,
    scroll: dict[str, int] | None = None,
    sent_at: int | None = None,
) -> dict[str, Any]:
    sent = sent_at if sent_at is not None else now_ms()
    body: dict[str, Any] = {
        "visit_id": visit_id,
        "anonymous_id": anonymous_id,
        "seq": seq,
        "page": page,
        "sent_at": sent,
        "taps": [
            {"x": x, "y": y, "width": 375, "ts": sent - 100} for x, y in (points or [(190, 300)])
        ],
    }
    if scroll is not None:
        body["scroll"] = scroll
    return body


async def test_taps_are_placed_as_on_the_h5_page_and_counted_by_platform(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    tokens = await wechat_login(client, "mp-tapper")
    first = taps(
        0,
        points=[(190, 256), (190, 256)],
        scroll={"depth": 1300, "height": 2000, "viewport": 603, "width": 375},
    )
    answer = await client.post(TAPS, json=first, headers=member_bearer(tokens))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"recorded": True, "duplicate": False}
    assert (await client.post(TAPS, json=first)).json()["duplicate"] is True
    # The H5 store's click on the same button: 300 px down in its document (44 px of bar).
    h5 = chunk(0, clicks=[{"x": 190, "y": 300, "width": 375, "ts": now_ms() - 10}])
    assert (await client.post(URL, json=h5)).status_code == 202

    async with ctx.sessionmaker() as s:
        visit = (
            await s.scalars(select(ReplaySession).where(ReplaySession.platform == "mp-weixin"))
        ).one()
        rows = list(await s.scalars(select(ReplayClick).where(ReplayClick.platform == "mp-weixin")))
        depth = (await s.scalars(select(ReplayScroll))).one()
    assert (visit.member_id, visit.chunks, visit.events, visit.clicks) == (
        tokens["member"]["id"],
        1,
        0,
        2,
    )
    assert [(r.x, r.y) for r in rows] == [(506, 300), (506, 300)]
    assert (depth.platform, depth.depth, depth.height) == ("mp-weixin", 1344, 2044)

    async def heat(**params: Any) -> dict[tuple[int, int], int]:
        got = await client.get(f"{CONSOLE}/heatmap", params={"page": HOME, **params}, headers=staff)
        assert got.status_code == 200, got.text
        return {(c["x"], c["y"]): c["count"] for c in got.json()["cells"]}

    assert await heat() == {(500, 300): 3}
    assert await heat(platform="mp-weixin") == {(500, 300): 2}
    assert await heat(platform="h5") == {(500, 300): 1}
    bad = await client.get(
        f"{CONSOLE}/heatmap", params={"page": HOME, "platform": "alipay"}, headers=staff
    )
    assert bad.status_code == 422
    pages = await client.get(
        f"{CONSOLE}/heatmap/pages", params={"platform": "mp-weixin"}, headers=staff
    )
    assert pages.json() == [{"page": HOME, "clicks": 2}]
    scroll = await client.get(
        f"{CONSOLE}/scrollmap", params={"page": HOME, "platform": "mp-weixin"}, headers=staff
    )
    assert scroll.json()["visits"] == 1
    assert scroll.json()["bands"][-1]["y"] == 1300
    assert (
        await client.get(
            f"{CONSOLE}/scrollmap", params={"page": HOME, "platform": "h5"}, headers=staff
        )
    ).json()["visits"] == 0

    # A visit has nothing to play: 会话回放 lists the H5 recording only.
    listed = await client.get(f"{CONSOLE}/replays", headers=staff)
    assert [r["replay_id"] for r in listed.json()["items"]] == ["replay-0001"]


async def test_bad_tap_chunks_change_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    await client.post(TAPS, json=taps(0))
    await client.post(URL, json=chunk(0))
    before = await snapshot(ctx, *ALL_TABLES)
    sent = now_ms()
    cases: list[tuple[dict[str, Any], int, str]] = [
        # Another device's visit; an H5 recording's id.
        (taps(1, anonymous_id="anon-mp-9999"), 409, "analytics.replay_conflict"),
        (
            taps(1, visit_id="replay-0001", anonymous_id="anon-rp-0001"),
            409,
            "analytics.replay_conflict",
        ),
        (taps(1, points=[(1, 1)] * 201), 422, "request.invalid"),
        ({**taps(1), "events": []}, 422, "request.invalid"),
        (
            {
                **taps(1, sent_at=sent),
                "taps": [{"x": 1, "y": 1, "width": 375, "ts": sent + 3_600_000}],
            },
            422,
            "analytics.replay_out_of_range",
        ),
        ({**taps(1), "taps": [{"x": 1, "y": 1, "width": 0, "ts": sent}]}, 422, "request.invalid"),
        (
            taps(1, scroll={"depth": 1, "height": 0, "viewport": 1, "width": 1}),
            422,
            "request.invalid",
        ),
    ]
    for body, status, code in cases:
        response = await client.post(TAPS, json=body)
        assert response.status_code == status, (code, response.text)
        assert response.json()["code"] == code
    # An H5 chunk cannot join a mini-program visit either.
    joined = await client.post(
        URL, json=chunk(1, replay_id="mp-visit-0001", anonymous_id="anon-mp-0001")
    )
    assert joined.status_code == 409
    big = {**taps(1), "page": "p" * 200, "taps": [{"x": 1, "y": 1, "width": 375, "ts": sent}] * 200}
    big["visit_id"] = "v" * 64
    big["pad"] = "x" * 40_000
    response = await client.post(TAPS, json=big)
    assert response.status_code == 413
    assert response.json()["code"] == "request.body_too_large"
    assert await snapshot(ctx, *ALL_TABLES) == before


async def test_a_deletion_request_takes_the_members_taps(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client, "mp-forget")
    await client.post(
        TAPS,
        json=taps(
            0,
            visit_id="mp-visit-gone",
            anonymous_id="anon-mp-gone",
            scroll={"depth": 700, "height": 900, "viewport": 603, "width": 375},
        ),
        headers=member_bearer(tokens),
    )
    await client.post(TAPS, json=taps(0, visit_id="mp-visit-kept", anonymous_id="anon-mp-kept"))
    owner = bearer(await token_for(client, ctx, "tap-owner", role="owner"))
    member = tokens["member"]["id"]
    deleted = await client.post(f"{CONSOLE}/members/{member}/event-deletions", headers=owner)
    assert deleted.json()["replays_removed"] == 1
    async with ctx.sessionmaker() as s:
        assert list(await s.scalars(select(ReplaySession.replay_id))) == ["mp-visit-kept"]
        assert len(list(await s.scalars(select(ReplayClick)))) == 1
        assert list(await s.scalars(select(ReplayScroll))) == []

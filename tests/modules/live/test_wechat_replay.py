"""小程序直播 replays: ``getliveinfo`` ``get_replay`` in WeChat's wire format against the
simulator (the body, the ``live_replay`` answer, the token retry and the error codes), and the
job that asks for the replay of an ended session until WeChat has made it, mapping WeChat's
refusals to stable outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.integrations.wechat import live as wx
from shoplet.integrations.wechat.live_simulator import LiveReplaySimulator
from shoplet.modules.live import service
from shoplet.modules.live.models import LiveRecording, LiveSession
from shoplet.modules.live.service import recording
from tests.modules.live.factories import console_url, scheduled, store_url

ROOM = 1012


@pytest.fixture
def simulator(app: FastAPI) -> LiveReplaySimulator:
    found = app.state.integrations.live_replay_simulator
    assert isinstance(found, LiveReplaySimulator)
    return found


@pytest.fixture
def replay_client(ctx: AppContext) -> wx.LiveReplayClient:
    client = ctx.extras[recording.REPLAY_CLIENT_KEY]
    assert isinstance(client, wx.LiveReplayClient)
    return client


async def test_get_replay_speaks_wechats_wire_format(
    app: FastAPI, simulator: LiveReplaySimulator, replay_client: wx.LiveReplayClient
) -> None:
    with pytest.raises(wx.LiveReplayError) as no_room:
        await replay_client.get_replay(ROOM)
    assert no_room.value.errcode == wx.NO_ROOM
    simulator.add_room(ROOM)
    with pytest.raises(wx.LiveReplayError) as not_ended:
        await replay_client.get_replay(ROOM)
    assert not_ended.value.errcode == wx.ROOM_STATE
    with pytest.raises(wx.LiveReplayError) as unknown:
        await replay_client.get_replay(ROOM + 1)
    assert unknown.value.errcode == wx.ROOM_NOT_FOUND
    simulator.add_room(ROOM + 2, is_forbidden=True)
    with pytest.raises(wx.LiveReplayError) as forbidden:
        await replay_client.get_replay(ROOM + 2)
    assert forbidden.value.errcode == wx.ROOM_FORBIDDEN

    simulator.end_room(ROOM)
    assert await replay_client.get_replay(ROOM) == wx.ReplayPage(total=0, pieces=[])
    made = datetime(2026, 12, 6, 3, 49, 55, tzinfo=UTC)
    simulator.make_replay(ROOM, "https://liveplay.example.com/replay/1012.mp4", at=made)
    page = await replay_client.get_replay(ROOM)
    assert page.total == 1
    assert page.pieces == [
        wx.ReplayPiece(
            media_url="https://liveplay.example.com/replay/1012.mp4",
            create_time=made,
            expire_time=made + timedelta(days=90),
        )
    ]

    # The raw exchange, as WeChat documents it.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as http:
        token = (
            await http.post(
                "/_sim/wxacode/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": app.state.ctx.settings.wechat_appid,
                    "secret": app.state.ctx.settings.wechat_secret.get_secret_value(),
                },
            )
        ).json()["access_token"]
        raw = await http.post(
            "/_sim/wxacode/wxa/business/getliveinfo",
            params={"access_token": token},
            content=orjson.dumps(
                {"action": "get_replay", "room_id": ROOM, "start": 0, "limit": 10}
            ),
        )
        assert raw.json() == {
            "errcode": 0,
            "errmsg": "ok",
            "total": 1,
            "live_replay": [
                {
                    "expire_time": "2027-03-06T03:49:55Z",
                    "create_time": "2026-12-06T03:49:55Z",
                    "media_url": "https://liveplay.example.com/replay/1012.mp4",
                }
            ],
        }
        stale = await http.post(
            "/_sim/wxacode/wxa/business/getliveinfo",
            params={"access_token": "expired"},
            content=b'{"action": "get_replay", "room_id": 1012, "start": 0, "limit": 10}',
        )
        assert stale.json()["errcode"] == 40001
        bad = await http.post(
            "/_sim/wxacode/wxa/business/getliveinfo",
            params={"access_token": token},
            content=b'{"action": "get_replay", "room_id": 1012}',
        )
        assert bad.json()["errcode"] == wx.BAD_BODY


async def _ended_wechat_session(
    client: httpx.AsyncClient, operator: dict[str, str], room_id: int
) -> int:
    sid: int = (await scheduled(client, operator, provider="wechat", room_id=room_id))["id"]
    for action in ("start", "end"):
        response = await client.post(console_url(sid, action), headers=operator)
        assert response.status_code == 200, response.text
    return sid


async def _recording(ctx: AppContext, sid: int) -> LiveRecording:
    async with ctx.sessionmaker() as s:
        found = await s.scalars(select(LiveRecording).where(LiveRecording.session_id == sid))
        return found.one()


async def test_the_job_keeps_wechats_replay_once_made_and_maps_refusals(
    client: httpx.AsyncClient,
    ctx: AppContext,
    operator: dict[str, str],
    simulator: LiveReplaySimulator,
    replay_client: wx.LiveReplayClient,
) -> None:
    waiting = await _ended_wechat_session(client, operator, ROOM)
    gone = await _ended_wechat_session(client, operator, ROOM + 1)
    banned = await _ended_wechat_session(client, operator, ROOM + 2)
    simulator.add_room(ROOM)
    simulator.add_room(ROOM + 2, is_forbidden=True)
    simulator.end_room(ROOM)

    assert await service.fetch_wechat_replays(ctx, replay_client) == 3
    first = await _recording(ctx, waiting)
    assert (first.status, first.checks, first.source) == ("recording", 1, "wechat")
    assert ((await _recording(ctx, gone)).status, (await _recording(ctx, gone)).outcome) == (
        "none",
        "wechat.room_invalid",
    )
    assert (await _recording(ctx, banned)).outcome == "wechat.room_forbidden"
    shown = (await client.get(console_url(waiting, "recording"), headers=operator)).json()
    assert shown["status"] == "recording"

    simulator.make_replay(ROOM, "https://liveplay.example.com/replay/1012.mp4")
    calls = simulator.calls
    assert await service.fetch_wechat_replays(ctx, replay_client) == 1  # the others are done
    assert simulator.calls == calls + 1
    ready = await _recording(ctx, waiting)
    assert (ready.status, ready.media_url) == (
        "ready",
        "https://liveplay.example.com/replay/1012.mp4",
    )
    assert await service.fetch_wechat_replays(ctx, replay_client) == 0

    published = await client.put(
        console_url(waiting, "replay"), json={"is_published": True}, headers=operator
    )
    assert published.status_code == 200
    detail = (await client.get(store_url(waiting))).json()
    assert detail["replay_play_url"] == "https://liveplay.example.com/replay/1012.mp4"
    refused = await client.put(
        console_url(gone, "replay"), json={"is_published": True}, headers=operator
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "live.no_replay")


async def test_a_replay_wechat_never_makes_ends_as_none_after_the_wait(
    client: httpx.AsyncClient,
    ctx: AppContext,
    operator: dict[str, str],
    simulator: LiveReplaySimulator,
    replay_client: wx.LiveReplayClient,
) -> None:
    sid = await _ended_wechat_session(client, operator, ROOM)
    simulator.end_room(ROOM)
    later = datetime.now(UTC) + timedelta(seconds=ctx.settings.live_wechat_replay_wait_seconds)
    await service.fetch_wechat_replays(ctx, replay_client)
    assert (await _recording(ctx, sid)).status == "recording"
    async with ctx.sessionmaker() as s:
        session_row = await s.get(LiveSession, sid)
        assert session_row is not None
    done = await recording.check_wechat_replay(
        ctx, replay_client, session_row, now=later + timedelta(seconds=1)
    )
    assert done == "none"
    assert (await _recording(ctx, sid)).outcome == "wechat.no_replay"

"""An in-repo stand-in for ``wxa/business/getliveinfo``'s ``get_replay`` (see ``live.py``).

It keeps what WeChat keeps for the mini program: its rooms (``add_room``), whether each has
ended, and the replay pieces WeChat made for it (``make_replay``: the room's video is ready).
It checks, in WeChat's order: the access token (40001), the body (47001), that the account has a
room at all (1), the room (300022, or 300001 for a room that is ``forbidden``), that it has
ended (300023), then answers ``{errcode: 0, total, live_replay}`` paged by ``start``/``limit``.

Control routes stand in for what happens on WeChat's side, so a browser test or the embedded
demo can drive them over HTTP: ``POST /sim/live/room`` (``{room_id}``), ``POST
/sim/live/end`` (``{room_id}``) and ``POST /sim/live/replay`` (``{room_id, media_url}``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.live import (
    BAD_BODY,
    LIMIT_MAX,
    NO_ROOM,
    ROOM_FORBIDDEN,
    ROOM_NOT_FOUND,
    ROOM_STATE,
)

# WeChat keeps a replay's source video this long.
REPLAY_TTL = timedelta(days=90)


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LiveRoom:
    room_id: int
    is_ended: bool = False
    is_forbidden: bool = False
    replay: list[dict[str, str]] = field(default_factory=list)


@dataclass
class LiveReplaySimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    rooms: dict[int, LiveRoom] = field(default_factory=dict)
    calls: int = 0

    def add_room(self, room_id: int, *, is_forbidden: bool = False) -> LiveRoom:
        room = self.rooms.setdefault(room_id, LiveRoom(room_id))
        room.is_forbidden = is_forbidden
        return room

    def end_room(self, room_id: int) -> None:
        self.add_room(room_id).is_ended = True

    def make_replay(self, room_id: int, media_url: str, *, at: datetime | None = None) -> None:
        room = self.add_room(room_id)
        room.is_ended = True
        made = at or datetime.now(UTC)
        room.replay.append(
            {
                "expire_time": _iso(made + REPLAY_TTL),
                "create_time": _iso(made),
                "media_url": media_url,
            }
        )

    def routes(self) -> list[Route]:
        return [
            Route("/wxa/business/getliveinfo", self._getliveinfo, methods=["POST"]),
            Route("/sim/live/room", self._control("room"), methods=["POST"]),
            Route("/sim/live/end", self._control("end"), methods=["POST"]),
            Route("/sim/live/replay", self._control("replay"), methods=["POST"]),
        ]

    def _control(self, what: str) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                body = orjson.loads(await request.body())
                room_id = int(body["room_id"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                return JSONResponse({"detail": "room_id required"}, status_code=400)
            if what == "room":
                self.add_room(room_id)
            elif what == "end":
                self.end_room(room_id)
            else:
                self.make_replay(room_id, str(body.get("media_url", "")))
            return JSONResponse({"room_id": room_id})

        return handle

    async def _getliveinfo(self, request: Request) -> Response:
        self.calls += 1
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
            start, limit = body["start"], body["limit"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(BAD_BODY, "data format error")
        if not isinstance(start, int) or not isinstance(limit, int) or start < 0 or limit < 1:
            return _error(BAD_BODY, "data format error")
        if body.get("action") != "get_replay":
            return _error(BAD_BODY, "data format error: only get_replay is simulated")
        room_id = body.get("room_id")
        if not isinstance(room_id, int):
            return _error(BAD_BODY, "data format error: room_id")
        if not self.rooms:
            return _error(NO_ROOM, "no room")
        room = self.rooms.get(room_id)
        if room is None:
            return _error(ROOM_NOT_FOUND, "room not found")
        if room.is_forbidden:
            return _error(ROOM_FORBIDDEN, "room forbidden")
        if not room.is_ended:
            return _error(ROOM_STATE, "room state does not allow this")
        page = room.replay[start : start + min(limit, LIMIT_MAX)]
        return JSONResponse(
            {"errcode": 0, "errmsg": "ok", "total": len(room.replay), "live_replay": page}
        )

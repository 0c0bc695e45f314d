"""WeChat 小程序直播 replays: ``POST /wxa/business/getliveinfo?access_token=…`` with
``action: "get_replay"``.

Wire format (WeChat's own): a JSON body ``{action: "get_replay", room_id, start, limit}``
(``start``: the first replay piece, 0 for the first; ``limit``: how many, at most 100); the
answer ``{errcode, errmsg, total, live_replay: [{expire_time, create_time, media_url}]}``, the
times as ISO 8601 UTC strings (``2020-11-11T03:49:55Z``). WeChat makes the replay "usually
within 10 minutes" after the room ends; until then ``live_replay`` is empty. Codes:

- 0 ok (``live_replay`` may be empty: not made yet);
- 40001 / 42001 invalid or expired access token (a fresh token, one retry);
- 1 the account has no live room; 300022 no such room;
- 300001 the room may not be read or edited (banned, or not this mini program's);
- 300023 the room's state does not allow it (not ended yet);
- 47001 the body is malformed; -1 WeChat's system error (retry later).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
import orjson

INVALID_TOKEN = (40001, 42001)
NO_ROOM = 1
ROOM_FORBIDDEN = 300001
ROOM_NOT_FOUND = 300022
ROOM_STATE = 300023
BAD_BODY = 47001
LIMIT_MAX = 100

TokenSource = Callable[[bool], Awaitable[str]]


class LiveReplayError(Exception):
    """WeChat's refusal (``errcode``), or -1 for a network or protocol failure."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class ReplayPiece:
    media_url: str
    create_time: datetime
    expire_time: datetime


@dataclass(frozen=True, slots=True)
class ReplayPage:
    total: int
    pieces: list[ReplayPiece]


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise LiveReplayError(-1, "a replay time is not a string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise LiveReplayError(-1, f"a replay time is not ISO 8601: {value!r}") from exc


def parse_replay(data: dict[str, object]) -> ReplayPage:
    pieces = data.get("live_replay") or []
    total = data.get("total", 0)
    if not isinstance(pieces, list) or not isinstance(total, int):
        raise LiveReplayError(-1, "live_replay is not a list")
    out = []
    for piece in pieces:
        if not isinstance(piece, dict) or not isinstance(piece.get("media_url"), str):
            raise LiveReplayError(-1, "a replay piece lacks media_url")
        out.append(
            ReplayPiece(
                media_url=piece["media_url"],
                create_time=_time(piece.get("create_time")),
                expire_time=_time(piece.get("expire_time")),
            )
        )
    return ReplayPage(total=total, pieces=out)


class LiveReplayClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token(force_refresh)`` gives the stable access token."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource) -> None:
        self._http = http
        self._token = token

    async def get_replay(self, room_id: int, *, start: int = 0, limit: int = 10) -> ReplayPage:
        """The room's replay pieces; :class:`LiveReplayError` with WeChat's code when refused."""
        body = orjson.dumps(
            {"action": "get_replay", "room_id": room_id, "start": start, "limit": limit}
        )
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.post(
                    "/wxa/business/getliveinfo",
                    params={"access_token": token},
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise LiveReplayError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise LiveReplayError(-1, f"HTTP {response.status_code}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise LiveReplayError(-1, "response is not JSON") from exc
            if not isinstance(data, dict):
                raise LiveReplayError(-1, "response is not a JSON object")
            errcode = data.get("errcode", -1)
            errcode = errcode if isinstance(errcode, int) else -1
            if errcode == 0:
                return parse_replay(data)
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise LiveReplayError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover

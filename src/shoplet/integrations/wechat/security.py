"""WeChat content security (内容安全), version 2: ``msgSecCheck`` for text and
``mediaCheckAsync`` for images, with the message-push callback that carries the image verdicts.

Wire format (WeChat's own):

- ``POST /wxa/msg_sec_check?access_token=…`` with ``{content, version: 2, scene, openid}``
  (scene 1 资料, 2 评论, 3 论坛, 4 社交日志; the openid of a user who opened the mini program in
  the last two hours) → ``{errcode: 0, errmsg, trace_id, result: {suggest, label},
  detail: [{strategy, errcode, suggest, label, prob, keyword?}]}``; ``suggest`` is ``pass``,
  ``review`` or ``risky``; ``label`` 100 normal, 10001 advertising, 20001 politics, 20002 porn,
  20003 abuse, 20006 illegal, 20008 fraud, 20012 vulgar, 20013 copyright, 21000 other.
- ``POST /wxa/media_check_async?access_token=…`` with ``{media_url, media_type: 2 (image),
  version: 2, scene, openid}`` → ``{errcode: 0, errmsg, trace_id}``; the verdict comes later.
- The push (plain-text mode): ``POST <push URL>?signature=&timestamp=&nonce=`` with
  ``{ToUserName, FromUserName, CreateTime, MsgType: "event", Event: "wxa_media_check", appid,
  trace_id, version: 2, detail: [...], errcode, errmsg, result: {suggest, label}}``;
  ``signature = sha1("".join(sorted([token, timestamp, nonce])))``. The server answers
  ``success``. A ``GET`` with ``echostr`` and the same signature verifies the URL.

Errors: 40001 / 42001 invalid or expired access token (the client fetches a new one and retries
once); 40003 invalid openid; 61010 the user has not opened the mini program lately; 44991 / 45009
too frequent / quota; -1 busy.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx
import orjson

Suggest = Literal["pass", "review", "risky"]
SUGGESTS: tuple[str, ...] = ("pass", "review", "risky")
SCENE_PROFILE, SCENE_COMMENT, SCENE_FORUM, SCENE_LOG = 1, 2, 3, 4
MEDIA_IMAGE = 2
INVALID_TOKEN = (40001, 42001)
MEDIA_CHECK_EVENT = "wxa_media_check"
LABELS: dict[int, str] = {
    100: "正常",
    10001: "广告",
    20001: "时政",
    20002: "色情",
    20003: "辱骂",
    20006: "违法犯罪",
    20008: "欺诈",
    20012: "低俗",
    20013: "版权",
    21000: "其他",
}

TokenSource = Callable[[bool], Awaitable[str]]


class ContentSecurityError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class Verdict:
    suggest: Suggest
    label: int
    trace_id: str


def push_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's message-push signature: SHA-1 of the three values sorted and joined."""
    joined = "".join(sorted([token, timestamp, nonce])).encode()
    # SHA-1 is what WeChat signs with; nothing here relies on it for secrecy.
    return hashlib.sha1(joined, usedforsecurity=False).hexdigest()


def verify_push(token: str, signature: str, timestamp: str, nonce: str) -> bool:
    if not token or not signature or not timestamp or not nonce:
        return False
    return hmac.compare_digest(push_signature(token, timestamp, nonce), signature.lower())


def parse_media_push(body: bytes) -> Verdict | None:
    """The verdict of a ``wxa_media_check`` push; None when the body is another event or not
    one at all."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("Event") != MEDIA_CHECK_EVENT:
        return None
    trace_id, result = data.get("trace_id"), data.get("result")
    if not isinstance(trace_id, str) or not isinstance(result, dict):
        return None
    suggest, label = result.get("suggest"), result.get("label")
    if suggest not in SUGGESTS or not isinstance(label, int):
        return None
    return Verdict(suggest=suggest, label=label, trace_id=trace_id)


class ContentSecurityClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token`` gives the access token (``True``: fetch a fresh one)."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource) -> None:
        self._http = http
        self._token = token

    async def _call(self, path: str, body: dict[str, object]) -> dict[str, object]:
        content = orjson.dumps(body)
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.post(
                    path,
                    params={"access_token": token},
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise ContentSecurityError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise ContentSecurityError(-1, f"HTTP {response.status_code}")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise ContentSecurityError(-1, "not JSON") from exc
            if not isinstance(data, dict):
                raise ContentSecurityError(-1, "not a JSON object")
            errcode = data.get("errcode", -1)
            errcode = errcode if isinstance(errcode, int) else -1
            if errcode == 0:
                return data
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise ContentSecurityError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover

    async def msg_sec_check(
        self, *, openid: str, content: str, scene: int = SCENE_COMMENT
    ) -> Verdict:
        data = await self._call(
            "/wxa/msg_sec_check",
            {"content": content, "version": 2, "scene": scene, "openid": openid},
        )
        result = data.get("result")
        if not isinstance(result, dict):
            raise ContentSecurityError(-1, "no result")
        suggest, label = result.get("suggest"), result.get("label")
        if suggest not in SUGGESTS or not isinstance(label, int):
            raise ContentSecurityError(-1, "unreadable result")
        return Verdict(suggest=suggest, label=label, trace_id=str(data.get("trace_id", "")))

    async def media_check_async(
        self, *, openid: str, media_url: str, scene: int = SCENE_COMMENT
    ) -> str:
        """The trace id whose verdict WeChat pushes later."""
        data = await self._call(
            "/wxa/media_check_async",
            {
                "media_url": media_url,
                "media_type": MEDIA_IMAGE,
                "version": 2,
                "scene": scene,
                "openid": openid,
            },
        )
        trace_id = data.get("trace_id")
        if not isinstance(trace_id, str) or not trace_id:
            raise ContentSecurityError(-1, "no trace_id")
        return trace_id

"""The WeChat Official Account (公众号): followers, template messages and its message push.

Server API (``https://api.weixin.qq.com``, JSON, ``{errcode, errmsg}`` on failure):

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` → ``{access_token,
  expires_in}`` (the 公众号's own appid and secret, not the mini program's);
- ``GET /cgi-bin/user/info?access_token=…&openid=…&lang=zh_CN`` → ``{subscribe (1 | 0), openid,
  unionid, subscribe_time, language, remark, tagid_list, subscribe_scene, …}`` (a follower's
  openid is the 公众号's own, different from the mini program's; the unionid is shared);
- ``GET /cgi-bin/user/get?access_token=…&next_openid=…`` → ``{total, count, data: {openid: […]},
  next_openid}`` (10 000 a page; an empty ``next_openid`` or ``count`` 0 ends the list);
- ``POST /cgi-bin/user/info/batchget?access_token=…`` ``{user_list: [{openid, lang}]}`` (≤ 100)
  → ``{user_info_list: [user/info's object, …]}``;
- ``POST /cgi-bin/message/template/send?access_token=…`` ``{touser, template_id, url,
  miniprogram: {appid, pagepath}, client_msg_id, data: {key: {value}}}`` → ``{errcode: 0,
  errmsg, msgid}``. Codes Shoplet acts on: 40001 / 42001 (token: a fresh one, one retry),
  40003 (invalid openid), 40037 (invalid template id), 43004 (the user does not follow),
  45009 (the day's quota is spent), 47003 (data invalid).

Message push (服务器配置): the URL check is ``GET ?signature&timestamp&nonce&echostr`` (answer
``echostr`` when ``signature`` = SHA1 of the sorted token, timestamp and nonce); pushes are XML
``POST``s, plain (``signature`` over token, timestamp, nonce) or 安全模式 (``encrypt_type=aes``,
``msg_signature`` over token, timestamp, nonce and ``Encrypt``; ``message_crypto``). Events:
``subscribe`` / ``unsubscribe`` (``FromUserName`` the follower's openid, ``CreateTime``) and
``TEMPLATESENDJOBFINISH`` (``MsgID``, ``Status``: ``success``, ``failed:user block``,
``failed: system failed``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from shoplet.integrations.wechat.message_crypto import (
    PushCryptoError,
    open_push,
    signature_matches,
)
from shoplet.integrations.wechat.subscribe import check_data
from shoplet.integrations.wecom.client import parse_xml

INVALID_TOKEN = (40001, 42001)
INVALID_OPENID = 40003
INVALID_TEMPLATE = 40037
NOT_FOLLOWING = 43004
DAILY_QUOTA = 45009
INVALID_DATA = 47003
BATCHGET_MAX = 100
PUSH_MAX_BYTES = 64 * 1024
MAX_PUSH_AGE_SECONDS = 300
TOKEN_MARGIN_SECONDS = 300
JOB_STATUSES = {
    "success": "delivered",
    "failed:user block": "user_block",
    "failed: system failed": "system_failed",
}


class OfficialAccountError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class Follower:
    """``user/info``'s answer: ``subscribe`` False when the user no longer follows."""

    openid: str
    subscribe: bool
    unionid: str | None
    subscribe_time: int


@dataclass(frozen=True, slots=True)
class TemplateMessage:
    touser: str
    template_id: str
    data: Mapping[str, str]
    url: str = ""
    miniprogram_appid: str = ""
    miniprogram_pagepath: str = ""
    client_msg_id: str = ""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "touser": self.touser,
            "template_id": self.template_id,
            "data": {key: {"value": value} for key, value in self.data.items()},
        }
        if self.url:
            body["url"] = self.url
        if self.miniprogram_appid:
            body["miniprogram"] = {
                "appid": self.miniprogram_appid,
                "pagepath": self.miniprogram_pagepath,
            }
        if self.client_msg_id:
            body["client_msg_id"] = self.client_msg_id
        return body


def _follower(data: Mapping[str, Any]) -> Follower:
    unionid = data.get("unionid")
    subscribed = data.get("subscribe_time")
    return Follower(
        openid=str(data.get("openid", "")),
        subscribe=data.get("subscribe") == 1,
        unionid=unionid if isinstance(unionid, str) and unionid else None,
        subscribe_time=subscribed if isinstance(subscribed, int) else 0,
    )


@dataclass
class OfficialAccountClient:
    """The 公众号's server API on httpx (one token per client, shared by concurrent callers)."""

    http: httpx.AsyncClient
    appid: str
    secret: str
    clock: Callable[[], float] = time.monotonic
    token_fetches: int = 0
    _token: str = ""
    _token_until: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def _send(
        self, method: str, path: str, params: Mapping[str, str], body: Any = None
    ) -> dict[str, Any]:
        try:
            response = await self.http.request(
                method,
                path,
                params=params,
                content=orjson.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json"} if body is not None else None,
            )
        except httpx.HTTPError as exc:
            raise OfficialAccountError(-1, f"network error: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise OfficialAccountError(-1, f"HTTP {response.status_code}")
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise OfficialAccountError(-1, "response is not JSON") from exc
        if not isinstance(data, dict):
            raise OfficialAccountError(-1, "response is not a JSON object")
        errcode = data.get("errcode", 0)
        if not isinstance(errcode, int):
            raise OfficialAccountError(-1, "errcode is not a number")
        if errcode != 0:
            raise OfficialAccountError(errcode, str(data.get("errmsg", "")))
        return data

    async def access_token(self, *, force_refresh: bool = False) -> str:
        async with self._lock:
            if not force_refresh and self._token and self.clock() < self._token_until:
                return self._token
            data = await self._send(
                "GET",
                "/cgi-bin/token",
                {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )
            token, expires_in = data.get("access_token"), data.get("expires_in")
            if not isinstance(token, str) or not token or not isinstance(expires_in, int):
                raise OfficialAccountError(-1, "response lacks access_token or expires_in")
            self.token_fetches += 1
            self._token = token
            self._token_until = self.clock() + max(expires_in - TOKEN_MARGIN_SECONDS, 0)
            return token

    async def _call(
        self, method: str, path: str, params: Mapping[str, str] | None = None, body: Any = None
    ) -> dict[str, Any]:
        for attempt in (1, 2):
            token = await self.access_token(force_refresh=attempt == 2)
            try:
                return await self._send(
                    method, path, {**(params or {}), "access_token": token}, body
                )
            except OfficialAccountError as exc:
                if exc.errcode not in INVALID_TOKEN or attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def user_info(self, openid: str) -> Follower:
        data = await self._call("GET", "/cgi-bin/user/info", {"openid": openid, "lang": "zh_CN"})
        return _follower(data)

    async def follower_page(self, next_openid: str = "") -> tuple[list[str], str]:
        """One page of follower openids and the ``next_openid`` to ask for ("" at the end)."""
        data = await self._call("GET", "/cgi-bin/user/get", {"next_openid": next_openid})
        listed = data.get("data")
        openids = listed.get("openid") if isinstance(listed, dict) else None
        found = [str(o) for o in openids] if isinstance(openids, list) else []
        following = data.get("next_openid")
        return found, str(following) if found and following else ""

    async def user_infos(self, openids: Sequence[str]) -> list[Follower]:
        """``user/info/batchget`` for at most 100 openids."""
        if len(openids) > BATCHGET_MAX:
            raise ValueError(f"at most {BATCHGET_MAX} openids a call")
        data = await self._call(
            "POST",
            "/cgi-bin/user/info/batchget",
            body={"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids]},
        )
        infos = data.get("user_info_list")
        return (
            [_follower(i) for i in infos if isinstance(i, dict)] if isinstance(infos, list) else []
        )

    async def send_template(self, message: TemplateMessage) -> int:
        """Send one template message: WeChat's ``msgid``. Values WeChat would refuse raise
        ``FieldInvalid`` before any call; WeChat's refusals :class:`OfficialAccountError`."""
        check_data(message.data)
        data = await self._call("POST", "/cgi-bin/message/template/send", body=message.body())
        msgid = data.get("msgid")
        if not isinstance(msgid, int):
            raise OfficialAccountError(-1, "response lacks msgid")
        return msgid


# -- the message push --------------------------------------------------------------------------


def _fresh(timestamp: str, now: float | None) -> None:
    if not timestamp.isdigit():
        raise PushCryptoError("signature")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_PUSH_AGE_SECONDS:
        raise PushCryptoError("stale")


def verify_url(query: Mapping[str, str], *, token: str, now: float | None = None) -> str:
    """``echostr`` for the URL check, or :class:`PushCryptoError`."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not nonce or not signature_matches(query.get("signature", ""), token, timestamp, nonce):
        raise PushCryptoError("signature")
    _fresh(timestamp, now)
    return query.get("echostr", "")


def open_message(
    query: Mapping[str, str],
    body: bytes,
    *,
    token: str,
    aes_key: bytes | None,
    appid: str,
    now: float | None = None,
) -> dict[str, str]:
    """The pushed message as a flat dict after the size, signature, timestamp's age and (安全模式)
    the appid inside are checked; with an ``aes_key`` set only encrypted pushes are taken."""
    if len(body) > PUSH_MAX_BYTES:
        raise PushCryptoError("size")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not nonce or not signature_matches(query.get("signature", ""), token, timestamp, nonce):
        raise PushCryptoError("signature")
    _fresh(timestamp, now)
    if aes_key is None:
        if query.get("encrypt_type", "raw") not in ("", "raw"):
            raise PushCryptoError("decrypt")
        return parse_xml(body)
    if query.get("encrypt_type") != "aes":
        raise PushCryptoError("signature")
    envelope = parse_xml(body)
    encrypted = envelope.get("Encrypt", "")
    if not encrypted:
        raise PushCryptoError("decrypt")
    plain = open_push(
        token=token,
        key=aes_key,
        appid=appid,
        msg_signature=query.get("msg_signature", ""),
        timestamp=timestamp,
        nonce=nonce,
        encrypted=encrypted,
    )
    return parse_xml(plain)


@dataclass(frozen=True, slots=True)
class FollowEvent:
    openid: str
    is_following: bool
    at: int


@dataclass(frozen=True, slots=True)
class JobFinish:
    msgid: int
    status: str  # delivered | user_block | system_failed


def follow_event(message: Mapping[str, str]) -> FollowEvent | None:
    kind = message.get("Event", "").lower()
    created = message.get("CreateTime", "")
    openid = message.get("FromUserName", "")
    if message.get("MsgType") != "event" or kind not in ("subscribe", "unsubscribe"):
        return None
    if not openid or not created.isdigit():
        return None
    return FollowEvent(openid=openid, is_following=kind == "subscribe", at=int(created))


def job_finish(message: Mapping[str, str]) -> JobFinish | None:
    if message.get("MsgType") != "event" or message.get("Event") != "TEMPLATESENDJOBFINISH":
        return None
    msgid, status = message.get("MsgID", ""), JOB_STATUSES.get(message.get("Status", ""))
    if not msgid.isdigit() or status is None:
        return None
    return JobFinish(msgid=int(msgid), status=status)

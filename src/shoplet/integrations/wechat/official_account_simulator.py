"""An in-repo stand-in for the 公众号's server API and its message push (``official_account``).

It keeps what WeChat keeps: the 公众号's appid and secret (``/cgi-bin/token``: 40013 for another
appid, 40125 for a wrong secret), its followers (openid → unionid, following or not, since when),
its templates (id → keys) and every template message sent. It checks ``template/send`` in
WeChat's order: the token (40001, or 42001 once ``expire_tokens`` ran), the body (47001), the
openid (40003: not one of this 公众号's), the template (40037), following (43004), the day's quota
(45009), the data against the template's keys and each type's rule (47003).

It also writes what WeChat pushes: ``subscribe`` / ``unsubscribe`` events and
``TEMPLATESENDJOBFINISH`` as XML, signed with the push token and, when an EncodingAESKey is set,
encrypted (安全模式): ``push_for`` returns the query and body a test or the demo POSTs to
Shoplet's push URL.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape  # nosec B406 - escapes text into XML it writes; parses nothing

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.message_crypto import aes_key, seal_push, signature
from shoplet.integrations.wechat.subscribe import FieldInvalid, check_value


def oa_openid_for(name: str) -> str:
    """A stable 公众号 openid for ``name`` (28 characters; not the mini program's)."""
    return "o" + hashlib.sha256(f"official-account:{name}".encode()).hexdigest()[:27]


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class SimFollower:
    openid: str
    unionid: str | None
    is_following: bool
    subscribe_time: int


@dataclass
class OfficialAccountSimulator:
    appid: str
    secret: str
    push_token: str = ""
    encoding_aes_key: str = ""
    followers: dict[str, SimFollower] = field(default_factory=dict)
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    daily_quota: int = 100_000
    page_size: int = 10_000
    tokens: dict[str, float] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2_000_001))

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/cgi-bin/token", self._token, methods=["GET"]),
                Route("/cgi-bin/user/info", self._user_info, methods=["GET"]),
                Route("/cgi-bin/user/get", self._user_get, methods=["GET"]),
                Route("/cgi-bin/user/info/batchget", self._batchget, methods=["POST"]),
                Route("/cgi-bin/message/template/send", self._send, methods=["POST"]),
            ]
        )

    # -- what happens outside Shoplet ----------------------------------------------------------

    def add_template(self, template_id: str, keys: tuple[str, ...]) -> None:
        self.templates[template_id] = keys

    def follow(self, openid: str, unionid: str | None, at: int | None = None) -> int:
        when = int(time.time()) if at is None else at
        self.followers[openid] = SimFollower(openid, unionid, True, when)
        return when

    def unfollow(self, openid: str) -> None:
        found = self.followers.get(openid)
        if found is not None:
            found.is_following = False

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 (expired) from now on."""
        self.expired.update(self.tokens)

    def push_for(
        self, message: dict[str, str], *, timestamp: int | None = None, nonce: str = ""
    ) -> tuple[dict[str, str], bytes]:
        """The query and XML body WeChat POSTs for ``message`` (signed; encrypted in 安全模式)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(5)
        xml = "<xml>" + "".join(
            f"<{k}><![CDATA[{v}]]></{k}>" if not v.isdigit() else f"<{k}>{v}</{k}>"
            for k, v in message.items()
        )
        plain = (xml + "</xml>").encode()
        query = {"signature": signature(self.push_token, stamp, nonce), "timestamp": stamp}
        query["nonce"] = nonce
        if not self.encoding_aes_key:
            return query, plain
        encrypted, msg_signature = seal_push(
            token=self.push_token,
            key=aes_key(self.encoding_aes_key),
            appid=self.appid,
            message=plain,
            timestamp=stamp,
            nonce=nonce,
        )
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        body = f"<xml><ToUserName><![CDATA[{escape(self.appid)}]]></ToUserName>"
        return query, (body + f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>").encode()

    def follow_push(
        self, openid: str, *, is_following: bool, at: int
    ) -> tuple[dict[str, str], bytes]:
        return self.push_for(
            {
                "ToUserName": "gh_shoplet0001",
                "FromUserName": openid,
                "CreateTime": str(at),
                "MsgType": "event",
                "Event": "subscribe" if is_following else "unsubscribe",
            }
        )

    def job_finish_push(self, msgid: int, status: str) -> tuple[dict[str, str], bytes]:
        sent = next((s for s in self.sent if s["msgid"] == msgid), None)
        return self.push_for(
            {
                "ToUserName": "gh_shoplet0001",
                "FromUserName": str(sent["touser"]) if sent else "",
                "CreateTime": str(int(time.time())),
                "MsgType": "event",
                "Event": "TEMPLATESENDJOBFINISH",
                "MsgID": str(msgid),
                "Status": status,
            }
        )

    # -- the server API ------------------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        q = request.query_params
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + 7200
        return JSONResponse({"access_token": token, "expires_in": 7200})

    def _token_error(self, request: Request) -> JSONResponse | None:
        token = request.query_params.get("access_token", "")
        if token in self.expired:
            return _error(42001, "access_token expired")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        return None

    def _info(self, openid: str) -> dict[str, Any]:
        found = self.followers.get(openid)
        if found is None or not found.is_following:
            return {"subscribe": 0, "openid": openid}
        info: dict[str, Any] = {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": found.subscribe_time,
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        }
        if found.unionid:
            info["unionid"] = found.unionid
        return info

    async def _user_info(self, request: Request) -> Response:
        refused = self._token_error(request)
        if refused is not None:
            return refused
        openid = request.query_params.get("openid", "")
        if openid not in self.followers:
            return _error(40003, "invalid openid")
        return JSONResponse(self._info(openid))

    async def _user_get(self, request: Request) -> Response:
        refused = self._token_error(request)
        if refused is not None:
            return refused
        following = sorted(o for o, f in self.followers.items() if f.is_following)
        after = request.query_params.get("next_openid", "")
        page = [o for o in following if o > after][: self.page_size]
        return JSONResponse(
            {
                "total": len(following),
                "count": len(page),
                "data": {"openid": page},
                "next_openid": page[-1] if page else "",
            }
        )

    async def _batchget(self, request: Request) -> Response:
        refused = self._token_error(request)
        if refused is not None:
            return refused
        try:
            users = orjson.loads(await request.body())["user_list"]
            openids = [str(u["openid"]) for u in users]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(47001, "data format error")
        if len(openids) > 100:
            return _error(45032, "user_list size exceeds limit")
        if any(o not in self.followers for o in openids):
            return _error(40003, "invalid openid")
        return JSONResponse({"user_info_list": [self._info(o) for o in openids]})

    async def _send(self, request: Request) -> Response:
        refused = self._token_error(request)
        if refused is not None:
            return refused
        try:
            body = orjson.loads(await request.body())
            touser, template_id, data = body["touser"], body["template_id"], body["data"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(47001, "data format error")
        follower = self.followers.get(touser) if isinstance(touser, str) else None
        if follower is None:
            return _error(40003, "invalid openid")
        keys = self.templates.get(str(template_id))
        if keys is None:
            return _error(40037, "invalid template_id")
        if not follower.is_following:
            return _error(43004, "require subscribe")
        if self.daily_quota <= 0:
            return _error(45009, "reach max api daily quota limit")
        if not isinstance(data, dict) or set(data) != set(keys):
            return _error(47003, "argument invalid! data.keys mismatch")
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            try:
                check_value(key, value if isinstance(value, str) else "")
            except FieldInvalid as exc:
                return _error(47003, f"argument invalid! data.{key}.value {exc.reason}")
        self.daily_quota -= 1
        msgid = next(self._ids)
        self.sent.append({**body, "msgid": msgid})
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": msgid})

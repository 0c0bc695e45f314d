"""An in-repo stand-in for WeCom's customer-contact API and its callback (see ``client.py``).

WeCom's side: ``gettoken`` (40013 unknown corp, 40001 wrong secret), ``add_contact_way``,
``externalcontact/get`` and ``mark_tag``, checking in WeCom's order the access token (41001
missing, 40014 invalid, 42001 expired: :meth:`expire_tokens`), the body (40058), the staff
userids (60111), the external userid (84061: no relationship) and tag ids (40068). It keeps the
corp's ``staff``, its corp ``tags``, every contact way it issued (``ways``), every relationship
(``relations``) and every ``mark_tag`` applied (``tag_calls``).

The customer's phone: :meth:`scan` makes a WeChat user add a staff member through a contact
way (WeCom picks the way's first staff member, as it rotates through a multi way), records the
relationship and POSTs the encrypted ``add_external_contact`` event to the callback URL (over
``callback_transport``: this very app in tests and the embedded shop); :meth:`delete` POSTs
``del_follow_user`` (the customer deleted the staff member) or ``del_external_contact``.
Control route: ``POST /sim/wecom/scan`` (``{config_id, name, unionid?}``) plays the phone.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.message_crypto import aes_key, encrypt, signature
from shoplet.integrations.wecom.client import STATE_MAX, USERS_MAX

TOKEN_TTL_SECONDS = 7200
DEFAULT_STAFF = ("zhangsan", "lisi", "wangwu")
DEFAULT_TAGS = {"et_vip": "高价值", "et_new": "新客", "et_dormant": "沉睡"}


def _error(errcode: int, errmsg: str) -> JSONResponse:
    # WeCom answers errors with HTTP 200 and a JSON body.
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


def _ok(**fields: Any) -> JSONResponse:
    return JSONResponse({"errcode": 0, "errmsg": "ok", **fields})


@dataclass
class Relation:
    userid: str
    external_userid: str
    name: str
    unionid: str | None
    state: str
    createtime: int
    add_way: int = 1  # 扫描二维码
    tags: set[str] = field(default_factory=set)


@dataclass
class WeComSimulator:
    corp_id: str
    secret: str
    callback_token: str
    encoding_aes_key: str
    callback_url: str
    callback_transport: httpx.AsyncBaseTransport | None = None
    staff: set[str] = field(default_factory=lambda: set(DEFAULT_STAFF))
    tags: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TAGS))
    clock: Callable[[], float] = time.time
    # How long an issued token lives (0: expired at once, so every call answers 42001).
    token_ttl_seconds: int = TOKEN_TTL_SECONDS
    tokens: dict[str, float] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    token_requests: int = 0
    ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: dict[tuple[str, str], Relation] = field(default_factory=dict)
    tag_calls: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=self.routes())

    def routes(self) -> list[Route]:
        return [
            Route("/cgi-bin/gettoken", self._gettoken, methods=["GET"]),
            Route(
                "/cgi-bin/externalcontact/add_contact_way", self._add_contact_way, methods=["POST"]
            ),
            Route("/cgi-bin/externalcontact/get", self._get, methods=["GET"]),
            Route("/cgi-bin/externalcontact/mark_tag", self._mark_tag, methods=["POST"]),
            Route("/sim/wecom/scan", self._control_scan, methods=["POST"]),
        ]

    def expire_tokens(self) -> None:
        """Every token issued so far has expired (WeCom answers 42001)."""
        self.expired.update(self.tokens)
        self.tokens.clear()

    # -- the customer's phone: callbacks -----------------------------------------------------

    def sealed(
        self, plain: bytes, *, token: str | None = None, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The query and XML body WeCom would POST for the event ``plain``."""
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10**10))
        encrypted = encrypt(aes_key(self.encoding_aes_key), plain, self.corp_id)
        query = {
            "msg_signature": signature(
                self.callback_token if token is None else token, stamp, nonce, encrypted
            ),
            "timestamp": stamp,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            "<AgentID><![CDATA[]]></AgentID></xml>"
        ).encode()
        return query, body

    def url_check(self, echo: str) -> dict[str, str]:
        """The query of WeCom's URL check (GET): ``echostr`` is ``echo``, encrypted."""
        stamp, nonce = str(int(self.clock())), str(secrets.randbelow(10**10))
        echostr = encrypt(aes_key(self.encoding_aes_key), echo.encode(), self.corp_id)
        return {
            "msg_signature": signature(self.callback_token, stamp, nonce, echostr),
            "timestamp": stamp,
            "nonce": nonce,
            "echostr": echostr,
        }

    def event(self, change_type: str, relation: Relation, **extra: str) -> bytes:
        parts = {
            "ToUserName": self.corp_id,
            "FromUserName": "sys",
            "CreateTime": str(int(self.clock())),
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": change_type,
            "UserID": relation.userid,
            "ExternalUserID": relation.external_userid,
            **extra,
        }
        inner = "".join(
            f"<{k}>{v}</{k}>" if k == "CreateTime" else f"<{k}><![CDATA[{v}]]></{k}>"
            for k, v in parts.items()
        )
        return f"<xml>{inner}</xml>".encode()

    async def post(self, query: dict[str, str], body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(transport=self.callback_transport, timeout=10.0) as http:
            return await http.post(
                self.callback_url, params=query, content=body, headers={"Content-Type": "text/xml"}
            )

    def relate(
        self,
        config_id: str,
        *,
        name: str,
        unionid: str | None = None,
        external_userid: str | None = None,
    ) -> Relation:
        """A WeChat user adds the way's staff member (no callback yet)."""
        way = self.ways[config_id]
        relation = Relation(
            userid=way["user"][0],
            external_userid=external_userid or f"wm{secrets.token_hex(14)}",
            name=name,
            unionid=unionid,
            state=way["state"],
            createtime=int(self.clock()),
        )
        self.relations[(relation.userid, relation.external_userid)] = relation
        return relation

    async def scan(
        self,
        config_id: str,
        *,
        name: str,
        unionid: str | None = None,
        external_userid: str | None = None,
    ) -> tuple[Relation, httpx.Response]:
        """A WeChat user scans the way's QR code and adds its staff member: the relationship,
        and Shoplet's answer to the ``add_external_contact`` callback."""
        relation = self.relate(
            config_id, name=name, unionid=unionid, external_userid=external_userid
        )
        query, body = self.sealed(
            self.event(
                "add_external_contact",
                relation,
                State=relation.state,
                WelcomeCode=secrets.token_urlsafe(16),
            )
        )
        return relation, await self.post(query, body)

    async def delete(self, relation: Relation, *, by_customer: bool = True) -> httpx.Response:
        """The customer deletes the staff member (``del_follow_user``) or the staff member
        deletes the customer (``del_external_contact``)."""
        self.relations.pop((relation.userid, relation.external_userid), None)
        change = "del_follow_user" if by_customer else "del_external_contact"
        query, body = self.sealed(self.event(change, relation))
        return await self.post(query, body)

    async def _control_scan(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            config_id, name = str(body["config_id"]), str(body["name"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "config_id and name required"}, status_code=400)
        if config_id not in self.ways:
            return JSONResponse({"detail": "unknown config_id"}, status_code=404)
        unionid = body.get("unionid")
        relation, answer = await self.scan(
            config_id, name=name, unionid=unionid if isinstance(unionid, str) else None
        )
        return JSONResponse(
            {
                "external_userid": relation.external_userid,
                "userid": relation.userid,
                "status": answer.status_code,
            }
        )

    # -- WeCom's API -------------------------------------------------------------------------

    async def _gettoken(self, request: Request) -> Response:
        self.token_requests += 1
        if request.query_params.get("corpid") != self.corp_id:
            return _error(40013, "invalid corpid")
        if request.query_params.get("corpsecret") != self.secret:
            return _error(40001, "invalid secret")
        token = secrets.token_urlsafe(48)
        self.tokens[token] = time.monotonic() + self.token_ttl_seconds
        return _ok(access_token=token, expires_in=self.token_ttl_seconds)

    def _token_refusal(self, request: Request) -> JSONResponse | None:
        token = request.query_params.get("access_token", "")
        if not token:
            return _error(41001, "access_token missing")
        if token in self.expired or 0.0 < self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(42001, "access_token expired")
        if token not in self.tokens:
            return _error(40014, "invalid access_token")
        return None

    async def _json(self, request: Request) -> dict[str, Any] | None:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    async def _add_contact_way(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is None:
            return _error(40058, "invalid parameter: body")
        kind, scene, state = body.get("type"), body.get("scene"), body.get("state", "")
        users = body.get("user")
        if kind not in (1, 2) or scene not in (1, 2):
            return _error(40058, "invalid parameter: type or scene")
        if not isinstance(state, str) or len(state) > STATE_MAX:
            return _error(40058, "invalid parameter: state")
        if (
            not isinstance(users, list)
            or not 1 <= len(users) <= USERS_MAX
            or (kind == 1 and len(users) != 1)
        ):
            return _error(40058, "invalid parameter: user")
        unknown = [u for u in users if u not in self.staff]
        if unknown:
            return _error(60111, f"invalid userid: {unknown[0]}")
        config_id = f"{secrets.token_hex(16)}"
        qr_code = f"https://wework.qpic.cn/wwpic/sim/{next(self._ids)}_{config_id[:8]}/0"
        self.ways[config_id] = {**body, "config_id": config_id, "qr_code": qr_code}
        return _ok(config_id=config_id, qr_code=qr_code)

    async def _get(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        external_userid = request.query_params.get("external_userid", "")
        if not external_userid:
            return _error(40058, "invalid parameter: external_userid")
        found = [r for r in self.relations.values() if r.external_userid == external_userid]
        if not found:
            return _error(84061, "not external contact")
        first = found[0]
        person: dict[str, Any] = {
            "external_userid": external_userid,
            "name": first.name,
            "type": 1,
            "avatar": f"https://wx.qlogo.cn/mmhead/sim/{external_userid}/0",
            "gender": 0,
        }
        if first.unionid:
            person["unionid"] = first.unionid
        return _ok(
            external_contact=person,
            follow_user=[
                {
                    "userid": r.userid,
                    "remark": "",
                    "description": "",
                    "createtime": r.createtime,
                    "tags": [
                        {"group_name": "客户", "tag_name": self.tags[t], "type": 1, "tag_id": t}
                        for t in sorted(r.tags)
                    ],
                    "remark_mobiles": [],
                    "add_way": r.add_way,
                    **({"state": r.state} if r.state else {}),
                }
                for r in found
            ],
        )

    async def _mark_tag(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is None:
            return _error(40058, "invalid parameter: body")
        userid, external_userid = body.get("userid"), body.get("external_userid")
        add, remove = body.get("add_tag", []), body.get("remove_tag", [])
        if not isinstance(add, list) or not isinstance(remove, list) or not (add or remove):
            return _error(40058, "invalid parameter: add_tag or remove_tag")
        if userid not in self.staff:
            return _error(60111, f"invalid userid: {userid}")
        relation = self.relations.get((str(userid), str(external_userid)))
        if relation is None:
            return _error(84061, "not external contact")
        unknown = [t for t in [*add, *remove] if t not in self.tags]
        if unknown:
            return _error(40068, f"invalid tagid: {unknown[0]}")
        relation.tags.update(add)
        relation.tags.difference_update(remove)
        self.tag_calls.append(body)
        return _ok()

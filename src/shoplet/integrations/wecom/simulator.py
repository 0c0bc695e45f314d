"""An in-repo stand-in for WeCom's customer-contact API and its callback (see ``client.py``).

WeCom's side: ``gettoken`` (40013 unknown corp, 40001 wrong secret), ``add_contact_way``,
``update_contact_way`` / ``del_contact_way`` (40058 an unknown config id, or a type 1 way
given other than one userid), ``externalcontact/get`` and ``mark_tag``, checking in WeCom's
order the access token (41001 missing, 40014 invalid, 42001 expired: :meth:`expire_tokens`),
the body (40058), the staff userids (60111), the external userid (84061: no relationship) and
tag ids (40068). It keeps the corp's ``staff``, its corp ``tags``, every contact way it issued
(``ways``), every relationship (``relations``) and every ``mark_tag`` applied (``tag_calls``).

The customer's phone: :meth:`scan` makes a WeChat user add a staff member through a contact
way (WeCom picks the way's first staff member, as it rotates through a multi way), records the
relationship and POSTs the encrypted ``add_external_contact`` event to the callback URL (over
``callback_transport``: this very app in tests and the embedded shop); :meth:`delete` POSTs
``del_follow_user`` (the customer deleted the staff member) or ``del_external_contact``.
Control route: ``POST /sim/wecom/scan`` (``{config_id, name, unionid?}``) plays the phone.

欢迎语: every add callback carries a fresh ``WelcomeCode``; ``send_welcome_msg`` accepts it
once and within ``WELCOME_TTL_SECONDS`` (41051 after), and keeps what was sent (``welcomes``).

客户群: staff create groups in the app (:meth:`create_chat`); ``groupchat/add_join_way`` /
``get_join_way`` / ``update_join_way`` / ``del_join_way`` (40050 an unknown chat id, 40058 an
unknown config id), ``groupchat/list`` (cursor pages) and
``groupchat/get``. :meth:`join` makes a WeChat user join through a join way (its ``state`` on
the member) and posts ``change_external_chat`` (update / add_member); :meth:`leave`
(del_member) and :meth:`dismiss` likewise. Control: ``POST /sim/wecom/chats`` (``{owner,
name}``: a staff member creates a group) and ``POST /sim/wecom/join``.

群发: ``add_msg_template`` (chat_type single, at most 10000 customers, ``fail_list`` those not
the sender's contacts) keeps a template per msgid; :meth:`confirm` plays the staff member
pressing 发送 (each customer: 1 sent, 2 not a contact, 3 already received a 群发 that day);
``get_groupmsg_task`` and ``get_groupmsg_send_result`` page the results. Control: ``POST
/sim/wecom/confirm`` (``{msgid}``). chat_type group: ``sender`` required (40058 without),
``chat_id_list`` at most 2000 (every group the sender owns when left out; 40058 with
``external_userid``), ``fail_list`` the chat ids not the sender's or dismissed; on confirm each
group gets 1 sent, 2 dismissed meanwhile, 3 already received a 群发 that day, and the send
results name it by ``chat_id``.

上传临时素材: ``media/upload?type=image`` (multipart field ``media``) checks the token, the
type (40004), the file's own bytes (40005 not JPG/PNG), its size (40006 five bytes or less,
40009 over 10 MB) and keeps it (``media``: media id → (created_at, bytes); ``uploads`` counts
the calls). A card's ``pic_media_id`` must be one of them and younger than three days (40007).
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
from shoplet.integrations.wecom.client import (
    IMAGE_MAX_BYTES,
    JOIN_CHATS_MAX,
    MEDIA_MIN_BYTES,
    MEDIA_TTL_SECONDS,
    PAGE_LIMIT_MAX,
    STATE_MAX,
    TEMPLATE_CHATS_MAX,
    TEMPLATE_USERS_MAX,
    USERS_MAX,
    WELCOME_TEXT_MAX_BYTES,
)

TOKEN_TTL_SECONDS = 7200
WELCOME_TTL_SECONDS = 20
DAY_SECONDS = 86400
SHANGHAI_OFFSET_SECONDS = 8 * 3600
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
class Chat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    # userid → the member as groupchat/get lists it.
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    is_dismissed: bool = False


@dataclass
class Template:
    msgid: str
    sender: str
    body: dict[str, Any]
    recipients: list[str]
    # external_userid (chat_type group: chat_id) → (status, send_time); empty until the staff
    # member confirms.
    results: dict[str, tuple[int, int]] = field(default_factory=dict)
    send_time: int = 0
    chat_type: str = "single"


def _page(items: list[Any], body: dict[str, Any]) -> tuple[list[Any], str] | None:
    """WeCom's cursor paging (the cursor is opaque; here an offset)."""
    cursor, limit = body.get("cursor", "") or "", body.get("limit", PAGE_LIMIT_MAX)
    if not isinstance(cursor, str) or (cursor and not cursor.isdigit()):
        return None
    if not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT_MAX:
        return None
    start = int(cursor or 0)
    chunk = items[start : start + limit]
    return chunk, str(start + limit) if start + limit < len(items) else ""


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
    # welcome code → when it was issued (clock); used codes are removed.
    welcome_codes: dict[str, float] = field(default_factory=dict)
    welcomes: list[dict[str, Any]] = field(default_factory=list)
    chats: dict[str, Chat] = field(default_factory=dict)
    join_ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    # (external_userid, day) a customer received a 群发 on (WeCom's one a day).
    received: set[tuple[str, int]] = field(default_factory=set)
    # (chat_id, day) a customer group received a 群发 on (one a day, likewise).
    chats_received: set[tuple[str, int]] = field(default_factory=set)
    # media id → (created_at by ``clock``, the file's bytes).
    media: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    uploads: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.app = Starlette(routes=self.routes())

    def routes(self) -> list[Route]:
        return [
            Route("/cgi-bin/gettoken", self._gettoken, methods=["GET"]),
            Route(
                "/cgi-bin/externalcontact/add_contact_way", self._add_contact_way, methods=["POST"]
            ),
            Route(
                "/cgi-bin/externalcontact/update_contact_way",
                self._update_contact_way,
                methods=["POST"],
            ),
            Route(
                "/cgi-bin/externalcontact/del_contact_way", self._del_contact_way, methods=["POST"]
            ),
            Route(
                "/cgi-bin/externalcontact/groupchat/update_join_way",
                self._update_join_way,
                methods=["POST"],
            ),
            Route(
                "/cgi-bin/externalcontact/groupchat/del_join_way",
                self._del_join_way,
                methods=["POST"],
            ),
            Route("/cgi-bin/externalcontact/get", self._get, methods=["GET"]),
            Route("/cgi-bin/externalcontact/mark_tag", self._mark_tag, methods=["POST"]),
            Route(
                "/cgi-bin/externalcontact/send_welcome_msg", self._send_welcome, methods=["POST"]
            ),
            Route(
                "/cgi-bin/externalcontact/groupchat/add_join_way",
                self._add_join_way,
                methods=["POST"],
            ),
            Route(
                "/cgi-bin/externalcontact/groupchat/get_join_way",
                self._get_join_way,
                methods=["POST"],
            ),
            Route("/cgi-bin/externalcontact/groupchat/list", self._chat_list, methods=["POST"]),
            Route("/cgi-bin/externalcontact/groupchat/get", self._chat_get, methods=["POST"]),
            Route(
                "/cgi-bin/externalcontact/add_msg_template", self._add_template, methods=["POST"]
            ),
            Route("/cgi-bin/externalcontact/get_groupmsg_task", self._msg_task, methods=["POST"]),
            Route(
                "/cgi-bin/externalcontact/get_groupmsg_send_result",
                self._send_result,
                methods=["POST"],
            ),
            Route("/cgi-bin/media/upload", self._media_upload, methods=["POST"]),
            Route("/sim/wecom/scan", self._control_scan, methods=["POST"]),
            Route("/sim/wecom/join", self._control_join, methods=["POST"]),
            Route("/sim/wecom/chats", self._control_chat, methods=["POST"]),
            Route("/sim/wecom/confirm", self._control_confirm, methods=["POST"]),
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
        code = secrets.token_urlsafe(16)
        self.welcome_codes[code] = self.clock()
        query, body = self.sealed(
            self.event("add_external_contact", relation, State=relation.state, WelcomeCode=code)
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

    async def _way_body(
        self, request: Request, ways: dict[str, dict[str, Any]]
    ) -> tuple[dict[str, Any], dict[str, Any]] | JSONResponse:
        """The body and the way its ``config_id`` names, or WeCom's refusal."""
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is None:
            return _error(40058, "invalid parameter: body")
        way = ways.get(str(body.get("config_id", "")))
        if way is None:
            return _error(40058, "invalid parameter: config_id")
        return body, way

    async def _update_contact_way(self, request: Request) -> Response:
        found = await self._way_body(request, self.ways)
        if isinstance(found, JSONResponse):
            return found
        body, way = found
        users, state = body.get("user", way["user"]), body.get("state", way.get("state", ""))
        if not isinstance(state, str) or len(state) > STATE_MAX:
            return _error(40058, "invalid parameter: state")
        if (
            not isinstance(users, list)
            or not 1 <= len(users) <= USERS_MAX
            or (way["type"] == 1 and len(users) != 1)
        ):
            return _error(40058, "invalid parameter: user")
        unknown = [u for u in users if u not in self.staff]
        if unknown:
            return _error(60111, f"invalid userid: {unknown[0]}")
        way.update(user=users, state=state, remark=body.get("remark", way.get("remark", "")))
        return _ok()

    async def _del_contact_way(self, request: Request) -> Response:
        found = await self._way_body(request, self.ways)
        if isinstance(found, JSONResponse):
            return found
        del self.ways[found[1]["config_id"]]
        return _ok()

    async def _update_join_way(self, request: Request) -> Response:
        found = await self._way_body(request, self.join_ways)
        if isinstance(found, JSONResponse):
            return found
        body, way = found
        chats, state = body.get("chat_id_list"), body.get("state", "")
        if body.get("scene") not in (1, 2):
            return _error(40058, "invalid parameter: scene")
        if not isinstance(state, str) or len(state) > STATE_MAX:
            return _error(40058, "invalid parameter: state")
        if not isinstance(chats, list) or not 1 <= len(chats) <= JOIN_CHATS_MAX:
            return _error(40058, "invalid parameter: chat_id_list")
        unknown = [c for c in chats if c not in self.chats or self.chats[c].is_dismissed]
        if unknown:
            return _error(40050, f"chatid not exist: {unknown[0]}")
        way.update({k: v for k, v in body.items() if k != "config_id"})
        return _ok()

    async def _del_join_way(self, request: Request) -> Response:
        found = await self._way_body(request, self.join_ways)
        if isinstance(found, JSONResponse):
            return found
        del self.join_ways[found[1]["config_id"]]
        return _ok()

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

    # -- 欢迎语 ---------------------------------------------------------------------------------

    async def _send_welcome(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is None or not isinstance(body.get("welcome_code"), str):
            return _error(40058, "invalid parameter: welcome_code")
        text, attachments = body.get("text"), body.get("attachments", [])
        content = text.get("content", "") if isinstance(text, dict) else ""
        if not isinstance(content, str) or len(content.encode()) > WELCOME_TEXT_MAX_BYTES:
            return _error(40058, "invalid parameter: text.content")
        if not content and not attachments:
            return _error(40058, "invalid parameter: text or attachments required")
        refused = _attachments_refusal(attachments, self.media_alive)
        if refused is not None:
            return refused
        issued = self.welcome_codes.pop(body["welcome_code"], None)
        if issued is None or self.clock() - issued > WELCOME_TTL_SECONDS:
            return _error(41051, "welcome code expired or used")
        self.welcomes.append(body)
        return _ok()

    # -- 上传临时素材 ---------------------------------------------------------------------------

    def media_alive(self, media_id: str) -> bool:
        found = self.media.get(media_id)
        return found is not None and self.clock() - found[0] < MEDIA_TTL_SECONDS

    async def _media_upload(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        if request.query_params.get("type") not in ("image", "voice", "video", "file"):
            return _error(40004, "invalid media type")
        if request.query_params.get("type") != "image":
            return _error(40004, "invalid media type: this simulator keeps images only")
        form = await request.form(max_files=1)
        try:
            upload = form.get("media")
            if upload is None or isinstance(upload, str) or not upload.filename:
                return _error(41005, "media data missing")
            data = await upload.read()
        finally:
            await form.close()
        if len(data) < MEDIA_MIN_BYTES:
            return _error(40006, "invalid file size")
        # WeCom looks at the bytes, not at the declared Content-Type.
        if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
            return _error(40005, "invalid file type")
        if len(data) > IMAGE_MAX_BYTES:
            return _error(40009, "invalid image size")
        self.uploads += 1
        media_id = f"3sim{secrets.token_urlsafe(30)}"
        created = int(self.clock())
        self.media[media_id] = (created, data)
        # WeCom's own documentation shows created_at as a string.
        return _ok(type="image", media_id=media_id, created_at=str(created))

    # -- 客户群 ---------------------------------------------------------------------------------

    def create_chat(self, *, owner: str, name: str) -> Chat:
        """A staff member creates a customer group in the app (WeCom has no API for it)."""
        chat_id = f"wr{secrets.token_hex(15)}"
        created = int(self.clock())
        chat = Chat(chat_id=chat_id, name=name, owner=owner, create_time=created)
        chat.members[owner] = {
            "userid": owner,
            "type": 1,
            "join_time": created,
            "join_scene": 1,
            "invitor": {"userid": owner},
            "group_nickname": "",
            "name": owner,
        }
        self.chats[chat_id] = chat
        return chat

    def chat_event(self, chat: Chat, change_type: str, detail: str = "", **extra: str) -> bytes:
        parts = {
            "ToUserName": self.corp_id,
            "FromUserName": "sys",
            "CreateTime": str(int(self.clock())),
            "MsgType": "event",
            "Event": "change_external_chat",
            "ChatId": chat.chat_id,
            "ChangeType": change_type,
            **({"UpdateDetail": detail} if detail else {}),
            **extra,
        }
        inner = "".join(
            f"<{k}>{v}</{k}>"
            if k in ("CreateTime", "JoinScene", "QuitScene", "MemChangeCnt")
            else f"<{k}><![CDATA[{v}]]></{k}>"
            for k, v in parts.items()
        )
        return f"<xml>{inner}</xml>".encode()

    async def join(
        self, config_id: str, *, name: str, unionid: str | None = None
    ) -> tuple[str, str, httpx.Response]:
        """A WeChat user scans a 加入群聊 QR code and joins its first chat that is not dismissed:
        (chat id, external userid, Shoplet's answer to the add_member callback)."""
        way = self.join_ways[config_id]
        chat = next(self.chats[c] for c in way["chat_id_list"] if not self.chats[c].is_dismissed)
        external_userid = f"wm{secrets.token_hex(14)}"
        member: dict[str, Any] = {
            "userid": external_userid,
            "type": 2,
            "join_time": int(self.clock()),
            "join_scene": 3,
            "invitor": {"userid": chat.owner},
            "group_nickname": "",
            "name": name,
            "state": way["state"],
        }
        if unionid:
            member["unionid"] = unionid
        chat.members[external_userid] = member
        query, body = self.sealed(
            self.chat_event(
                chat,
                "update",
                "add_member",
                JoinScene="3",
                MemChangeCnt="1",
                MemChangeList=external_userid,
            )
        )
        return chat.chat_id, external_userid, await self.post(query, body)

    async def leave(self, chat_id: str, userid: str) -> httpx.Response:
        chat = self.chats[chat_id]
        chat.members.pop(userid, None)
        query, body = self.sealed(
            self.chat_event(
                chat, "update", "del_member", QuitScene="0", MemChangeCnt="1", MemChangeList=userid
            )
        )
        return await self.post(query, body)

    async def dismiss(self, chat_id: str) -> httpx.Response:
        chat = self.chats[chat_id]
        chat.is_dismissed = True
        query, body = self.sealed(self.chat_event(chat, "dismiss"))
        return await self.post(query, body)

    async def _add_join_way(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is None:
            return _error(40058, "invalid parameter: body")
        chats, state = body.get("chat_id_list"), body.get("state", "")
        if body.get("scene") not in (1, 2):
            return _error(40058, "invalid parameter: scene")
        if not isinstance(state, str) or len(state) > STATE_MAX:
            return _error(40058, "invalid parameter: state")
        if not isinstance(chats, list) or not 1 <= len(chats) <= JOIN_CHATS_MAX:
            return _error(40058, "invalid parameter: chat_id_list")
        unknown = [c for c in chats if c not in self.chats or self.chats[c].is_dismissed]
        if unknown:
            return _error(40050, f"chatid not exist: {unknown[0]}")
        config_id = secrets.token_hex(16)
        qr_code = f"https://wework.qpic.cn/wwpic/simroom/{next(self._ids)}_{config_id[:8]}/0"
        self.join_ways[config_id] = {**body, "config_id": config_id, "qr_code": qr_code}
        return _ok(config_id=config_id)

    async def _get_join_way(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        way = self.join_ways.get(str((body or {}).get("config_id", "")))
        if way is None:
            return _error(40058, "invalid parameter: config_id")
        return _ok(join_way={"type": 2, **way})

    async def _chat_list(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        paged = _page(sorted(self.chats), body) if body is not None else None
        if paged is None:
            return _error(40058, "invalid parameter: cursor or limit")
        chunk, next_cursor = paged
        return _ok(
            group_chat_list=[
                {"chat_id": c, "status": 0} for c in chunk if not self.chats[c].is_dismissed
            ],
            next_cursor=next_cursor,
        )

    async def _chat_get(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        chat = self.chats.get(str((body or {}).get("chat_id", "")))
        if chat is None or chat.is_dismissed:
            return _error(40050, "chatid not exist")
        return _ok(
            group_chat={
                "chat_id": chat.chat_id,
                "name": chat.name,
                "owner": chat.owner,
                "create_time": chat.create_time,
                "notice": "",
                "member_list": list(chat.members.values()),
                "admin_list": [],
                "member_version": str(len(chat.members)),
            }
        )

    async def _control_chat(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            owner, name = str(body["owner"]), str(body["name"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "owner and name required"}, status_code=400)
        if owner not in self.staff:
            return JSONResponse({"detail": "unknown owner"}, status_code=404)
        return JSONResponse({"chat_id": self.create_chat(owner=owner, name=name).chat_id})

    async def _control_join(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            config_id, name = str(body["config_id"]), str(body["name"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "config_id and name required"}, status_code=400)
        if config_id not in self.join_ways:
            return JSONResponse({"detail": "unknown config_id"}, status_code=404)
        chat_id, external_userid, answer = await self.join(config_id, name=name)
        return JSONResponse(
            {"chat_id": chat_id, "external_userid": external_userid, "status": answer.status_code}
        )

    # -- 群发 -----------------------------------------------------------------------------------

    def _day(self) -> int:
        return int(self.clock() + SHANGHAI_OFFSET_SECONDS) // DAY_SECONDS

    async def _add_template(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        if body is not None and body.get("chat_type") == "group":
            return self._add_group_template(body)
        if body is None or body.get("chat_type", "single") != "single":
            return _error(40058, "invalid parameter: chat_type")
        sender, users = body.get("sender"), body.get("external_userid")
        if not isinstance(users, list) or not 1 <= len(users) <= TEMPLATE_USERS_MAX:
            return _error(40058, "invalid parameter: external_userid")
        if sender not in self.staff:
            return _error(60111, f"invalid userid: {sender}")
        text = body.get("text")
        content = text.get("content", "") if isinstance(text, dict) else ""
        if not isinstance(content, str) or len(content.encode()) > WELCOME_TEXT_MAX_BYTES:
            return _error(40058, "invalid parameter: text.content")
        refused = _attachments_refusal(body.get("attachments", []), self.media_alive)
        if refused is not None:
            return refused
        mine = [u for u in users if (str(sender), u) in self.relations]
        fail = [u for u in users if (str(sender), u) not in self.relations]
        msgid = f"msg{secrets.token_hex(12)}"
        self.templates[msgid] = Template(msgid, str(sender), body, [str(u) for u in mine])
        return _ok(fail_list=fail, msgid=msgid)

    def _add_group_template(self, body: dict[str, Any]) -> Response:
        sender, chat_ids = body.get("sender"), body.get("chat_id_list")
        if "external_userid" in body:
            return _error(40058, "invalid parameter: external_userid with chat_type group")
        if not isinstance(sender, str) or not sender:
            return _error(40058, "invalid parameter: sender is required for chat_type group")
        if sender not in self.staff:
            return _error(60111, f"invalid userid: {sender}")
        if chat_ids is None:
            chat_ids = [c.chat_id for c in self.chats.values() if c.owner == sender]
        if (
            not isinstance(chat_ids, list)
            or not 1 <= len(chat_ids) <= TEMPLATE_CHATS_MAX
            or not all(isinstance(c, str) for c in chat_ids)
        ):
            return _error(40058, "invalid parameter: chat_id_list")
        text = body.get("text")
        content = text.get("content", "") if isinstance(text, dict) else ""
        if not isinstance(content, str) or len(content.encode()) > WELCOME_TEXT_MAX_BYTES:
            return _error(40058, "invalid parameter: text.content")
        refused = _attachments_refusal(body.get("attachments", []), self.media_alive)
        if refused is not None:
            return refused

        def sendable(chat_id: str) -> bool:
            chat = self.chats.get(chat_id)
            return chat is not None and chat.owner == sender and not chat.is_dismissed

        mine = [c for c in dict.fromkeys(chat_ids) if sendable(c)]
        fail = [c for c in dict.fromkeys(chat_ids) if not sendable(c)]
        msgid = f"msg{secrets.token_hex(12)}"
        self.templates[msgid] = Template(msgid, sender, body, mine, chat_type="group")
        return _ok(fail_list=fail, msgid=msgid)

    def confirm(self, msgid: str) -> None:
        """The staff member presses 发送 in the app: every customer of the template gets it,
        unless no longer a contact (2) or already reached by a 群发 today (3); every group of a
        group template likewise, unless dismissed meanwhile (2) or reached today (3)."""
        template = self.templates[msgid]
        now, day = int(self.clock()), self._day()
        template.send_time = now
        if template.chat_type == "group":
            for chat_id in template.recipients:
                chat = self.chats.get(chat_id)
                if chat is None or chat.is_dismissed:
                    template.results[chat_id] = (2, 0)
                elif (chat_id, day) in self.chats_received:
                    template.results[chat_id] = (3, 0)
                else:
                    self.chats_received.add((chat_id, day))
                    template.results[chat_id] = (1, now)
            return
        for user in template.recipients:
            if (template.sender, user) not in self.relations:
                template.results[user] = (2, 0)
            elif (user, day) in self.received:
                template.results[user] = (3, 0)
            else:
                self.received.add((user, day))
                template.results[user] = (1, now)

    async def _msg_task(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        template = self.templates.get(str((body or {}).get("msgid", "")))
        if body is None or template is None:
            return _error(41063, "msgid not exist")
        paged = _page([template.sender], body)
        if paged is None:
            return _error(40058, "invalid parameter: cursor or limit")
        sent = bool(template.send_time)
        return _ok(
            task_list=[
                {"userid": u, "status": 2 if sent else 0, "send_time": template.send_time}
                for u in paged[0]
            ],
            next_cursor=paged[1],
        )

    async def _send_result(self, request: Request) -> Response:
        refusal = self._token_refusal(request)
        if refusal is not None:
            return refusal
        body = await self._json(request)
        template = self.templates.get(str((body or {}).get("msgid", "")))
        if body is None or template is None:
            return _error(41063, "msgid not exist")
        if body.get("userid") != template.sender:
            return _error(60111, f"invalid userid: {body.get('userid')}")
        paged = _page(template.recipients, body)
        if paged is None:
            return _error(40058, "invalid parameter: cursor or limit")
        return _ok(
            send_list=[
                {
                    "external_userid": "" if template.chat_type == "group" else u,
                    "chat_id": u if template.chat_type == "group" else "",
                    "userid": template.sender,
                    "status": template.results.get(u, (0, 0))[0],
                    "send_time": template.results.get(u, (0, 0))[1],
                }
                for u in paged[0]
            ],
            next_cursor=paged[1],
        )

    async def _control_confirm(self, request: Request) -> Response:
        try:
            msgid = str(orjson.loads(await request.body())["msgid"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "msgid required"}, status_code=400)
        if msgid not in self.templates:
            return JSONResponse({"detail": "unknown msgid"}, status_code=404)
        self.confirm(msgid)
        return JSONResponse({"msgid": msgid})


def _attachments_refusal(
    attachments: Any, media_alive: Callable[[str], bool]
) -> JSONResponse | None:
    """WeCom's checks of a 小程序 attachment: title, pic_media_id, appid, a page that ends
    with ``.html`` (before any query), and a media id WeCom issued less than 3 days ago."""
    if not isinstance(attachments, list) or len(attachments) > 9:
        return _error(40058, "invalid parameter: attachments")
    for item in attachments:
        mini = item.get("miniprogram") if isinstance(item, dict) else None
        if not isinstance(item, dict) or item.get("msgtype") != "miniprogram":
            return _error(40058, "invalid parameter: attachments.msgtype")
        if not isinstance(mini, dict) or not all(
            isinstance(mini.get(k), str) and mini[k] for k in ("title", "pic_media_id", "appid")
        ):
            return _error(40058, "invalid parameter: miniprogram")
        page = mini.get("page")
        if not isinstance(page, str) or not page.split("?", 1)[0].endswith(".html"):
            return _error(40058, "invalid parameter: miniprogram.page must end with .html")
        if not media_alive(mini["pic_media_id"]):
            return _error(40007, "invalid media_id")
    return None

"""WeCom (企业微信) customer contact (客户联系): the server API and the callback, in WeCom's own
wire format. Base URL ``https://qyapi.weixin.qq.com``.

- ``GET /cgi-bin/gettoken?corpid=&corpsecret=`` → ``{errcode: 0, errmsg, access_token,
  expires_in: 7200}``. The token is kept until five minutes before it expires; a call answered
  40014 (invalid) or 42001 (expired) fetches a fresh one and is retried once.
- ``POST /cgi-bin/externalcontact/add_contact_way?access_token=`` ``{type: 1 | 2, scene: 2,
  state, user: [userid…], remark, skip_verify}`` → ``{errcode: 0, config_id, qr_code}``
  (联系我 / 渠道活码: type 1 one staff member, type 2 several; scene 2 a QR code; ``state`` at
  most 30 characters, echoed in the add callback so the shop knows where the customer came
  from).
- ``GET /cgi-bin/externalcontact/get?access_token=&external_userid=`` → ``{errcode: 0,
  external_contact: {external_userid, name, type, avatar, gender, unionid?}, follow_user:
  [{userid, remark, createtime, add_way, state?, tags: [...]}]}`` (``unionid`` only when the
  corp is bound to the WeChat open platform account the shop's mini program belongs to).
- ``POST /cgi-bin/externalcontact/mark_tag?access_token=`` ``{userid, external_userid,
  add_tag: [tag_id…], remove_tag: [tag_id…]}`` → ``{errcode: 0}`` (corp tags, 企业标签).
- ``POST /cgi-bin/media/upload?access_token=&type=image``, multipart/form-data with one file in
  the field ``media`` (``filename``, ``Content-Type``) → ``{errcode: 0, errmsg, type: "image",
  media_id, created_at}`` (上传临时素材; ``created_at`` a Unix time, sent as a string or a
  number). A media id lives three days. Images: JPG or PNG, more than 5 bytes, at most 10 MB.
  Refusals: 40004 invalid media type (``type``), 40005 invalid file type (not JPG/PNG), 40006
  invalid file size (5 bytes or less), 40009 invalid image size (over 10 MB); a card whose
  ``pic_media_id`` WeCom does not know (or that expired) is refused 40007.

Every answer is HTTP 200 with ``{errcode, errmsg}``; errcode ≠ 0 becomes a typed
:class:`WeComError` subclass (``errors_by_code``).

The callback (接收事件): WeCom signs and encrypts as WeChat's 安全模式 (``message_crypto``:
``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))``, AES-256-CBC, the receive id
inside is the corp id). The URL check is ``GET ?msg_signature&timestamp&nonce&echostr`` where
``echostr`` is itself encrypted and the answer is its plaintext; events are ``POST`` with an XML
envelope ``<xml><ToUserName/><Encrypt/><AgentID/></xml>``. The events of customer contact are
``<MsgType>event</MsgType><Event>change_external_contact</Event>`` with ``ChangeType``
``add_external_contact`` (``UserID``, ``ExternalUserID``, ``State``, ``WelcomeCode``),
``edit_external_contact``, ``add_half_external_contact``, ``del_external_contact`` (the staff
member deleted the customer) and ``del_follow_user`` (the customer deleted the staff member).
The receiver answers within five seconds, or WeCom retries the same event.
"""

from __future__ import annotations

import asyncio
import re
import time
import xml.etree.ElementTree as ET  # nosec B405 - ParseError only; parsing is defusedxml's
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import httpx
import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_untrusted

from shoplet.integrations.wechat.message_crypto import PushCryptoError, open_push

API_BASE = "https://qyapi.weixin.qq.com"
TOKEN_MARGIN_SECONDS = 300
STATE_MAX = 30
USERS_MAX = 100
# WeCom's own tolerance is not published; five minutes either way stops replays of old events.
MAX_CALLBACK_AGE_SECONDS = 300
CALLBACK_MAX_BYTES = 64 * 1024

ContactWayType = Literal[1, 2]
# 欢迎语: text.content at most 4000 bytes (UTF-8); 群发: at most 10000 external_userid a call;
# 加入群聊: at most 5 chat ids a join way.
WELCOME_TEXT_MAX_BYTES = 4000
# 上传临时素材 (image): more than 5 bytes, at most 10 MB, JPG or PNG; a media id lives 3 days.
MEDIA_MIN_BYTES = 6
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_CONTENT_TYPES = ("image/jpeg", "image/png")
MEDIA_TTL_SECONDS = 3 * 86400
TEMPLATE_USERS_MAX = 10000
# 群发 to customer groups (chat_type group): at most 2000 chat ids a call, all the sender's.
TEMPLATE_CHATS_MAX = 2000
JOIN_CHATS_MAX = 5
PAGE_LIMIT_MAX = 1000
CHAT_CHANGE_TYPES = ("create", "update", "dismiss")
CHAT_UPDATE_DETAILS = ("add_member", "del_member", "change_owner", "change_name", "change_notice")
CHANGE_TYPES = (
    "add_external_contact",
    "edit_external_contact",
    "add_half_external_contact",
    "del_external_contact",
    "del_follow_user",
)


class WeComError(Exception):
    """WeCom refused a call (``errcode`` is WeCom's; -1 for a network or format failure)."""

    errcodes: ClassVar[tuple[int, ...]] = ()

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class InvalidCredential(WeComError):
    """40001 invalid secret, 40013 invalid corpid (gettoken)."""

    errcodes = (40001, 40013)


class InvalidToken(WeComError):
    """40014 invalid access_token, 42001 expired (retried once with a fresh token)."""

    errcodes = (40014, 42001)


class InvalidParameter(WeComError):
    """40058 a parameter is missing or out of range; 40097 / 41001 a malformed request."""

    errcodes = (40058, 40097, 41001)


class UnknownStaff(WeComError):
    """60111 a userid that is not a member of the corp (or not in 客户联系's range)."""

    errcodes = (60111, 84074)


class UnknownContact(WeComError):
    """40096 an invalid external_userid; 84061 no contact relationship with this staff."""

    errcodes = (40096, 84061)


class UnknownTag(WeComError):
    """40068 a tag id that is not one of the corp's tags."""

    errcodes = (40068,)


class ApiForbidden(WeComError):
    """48002 the secret's app has no permission for this API (客户联系 not granted)."""

    errcodes = (48002,)


class WelcomeCodeInvalid(WeComError):
    """41051 the welcome code expired (20 seconds) or was used; 41096 not a welcome code. A
    retry cannot succeed: recorded, never retried."""

    errcodes = (41051, 41096)


class UnknownChat(WeComError):
    """40050 / 701008 a chat id that is not one of the corp's customer groups."""

    errcodes = (40050, 701008)


class UnknownMsg(WeComError):
    """41063 a 群发 msgid WeCom does not know (or not this corp's)."""

    errcodes = (41063,)


class MediaRefused(WeComError):
    """40004 invalid media type, 40005 invalid file type, 40006 invalid file size, 40009
    invalid image size: WeCom will not take this file (a retry cannot succeed)."""

    errcodes = (40004, 40005, 40006, 40009)


class UnknownMedia(WeComError):
    """40007 a media id WeCom does not know, or one older than its three days."""

    errcodes = (40007,)


ERROR_TYPES: tuple[type[WeComError], ...] = (
    InvalidCredential,
    InvalidToken,
    InvalidParameter,
    UnknownStaff,
    UnknownContact,
    UnknownTag,
    ApiForbidden,
    WelcomeCodeInvalid,
    UnknownChat,
    UnknownMsg,
    MediaRefused,
    UnknownMedia,
)
errors_by_code: dict[int, type[WeComError]] = {
    code: kind for kind in ERROR_TYPES for code in kind.errcodes
}


def error_for(errcode: int, errmsg: str) -> WeComError:
    return errors_by_code.get(errcode, WeComError)(errcode, errmsg)


@dataclass(frozen=True, slots=True)
class ContactWay:
    config_id: str
    qr_code: str


@dataclass(frozen=True, slots=True)
class FollowUser:
    userid: str
    createtime: int
    add_way: int
    state: str
    remark: str
    tag_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ExternalContact:
    external_userid: str
    name: str
    type: int
    unionid: str | None
    follow_users: tuple[FollowUser, ...]


@dataclass(frozen=True, slots=True)
class MiniProgram:
    """A 小程序 attachment: ``page`` ends with ``.html`` (WeCom's rule) and may carry a query."""

    title: str
    pic_media_id: str
    appid: str
    page: str

    def wire(self) -> dict[str, Any]:
        return {
            "msgtype": "miniprogram",
            "miniprogram": {
                "title": self.title,
                "pic_media_id": self.pic_media_id,
                "appid": self.appid,
                "page": self.page,
            },
        }


@dataclass(frozen=True, slots=True)
class UploadedMedia:
    """A temporary media id and when WeCom took the file (Unix seconds)."""

    media_id: str
    created_at: int


@dataclass(frozen=True, slots=True)
class JoinWay:
    config_id: str
    qr_code: str
    chat_ids: tuple[str, ...]
    state: str


@dataclass(frozen=True, slots=True)
class ChatMember:
    userid: str
    type: int  # 1 staff (企业成员), 2 external contact
    join_time: int
    join_scene: int  # 1 invited directly, 2 by link, 3 by QR code
    state: str
    name: str
    unionid: str | None


@dataclass(frozen=True, slots=True)
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    members: tuple[ChatMember, ...]


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """One staff member's part of a 群发 (``status`` 0 not yet sent, 2 sent)."""

    userid: str
    status: int
    send_time: int


@dataclass(frozen=True, slots=True)
class SendResult:
    """One customer's (chat_type single: ``external_userid``) or one group's (chat_type group:
    ``chat_id``) delivery: 0 not yet sent, 1 sent, 2 not a contact (any more), 3 already
    received a 群发 today."""

    external_userid: str
    userid: str
    status: int
    send_time: int
    chat_id: str = ""


STATE_PATTERN = re.compile(r"^[0-9A-Za-z_.\-]{1,30}$")


def check_state(state: str) -> None:
    """What Shoplet puts in ``state``: at most 30 of ``0-9 A-Z a-z _ . -`` (WeCom's limit is 30
    characters; the narrower set keeps it safe in URLs and logs)."""
    if not STATE_PATTERN.fullmatch(state):
        raise InvalidParameter(40058, f"invalid state: 1 to {STATE_MAX} of 0-9 A-Z a-z _ . -")


class WeComClient:
    """The server API on httpx; ``http``'s base URL is ``API_BASE`` in production, the in-repo
    simulator otherwise. One token per process, shared by concurrent callers."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        corp_id: str,
        secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.corp_id = corp_id
        self._secret = secret
        self._clock = clock
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = asyncio.Lock()
        self.token_fetches = 0

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str],
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                content=orjson.dumps(body) if body is not None else None,
                files=files,
                headers={"Content-Type": "application/json"} if body is not None else None,
            )
        except httpx.HTTPError as exc:
            raise WeComError(-1, f"network error: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise WeComError(-1, f"HTTP {response.status_code}")
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise WeComError(-1, "response is not JSON") from exc
        if not isinstance(data, dict):
            raise WeComError(-1, "response is not a JSON object")
        errcode = data.get("errcode", 0)
        if not isinstance(errcode, int):
            raise WeComError(-1, "errcode is not a number")
        if errcode != 0:
            raise error_for(errcode, str(data.get("errmsg", "")))
        return data

    async def access_token(self, *, force_refresh: bool = False) -> str:
        """The corp's access token for this secret, fetched once and kept until shortly before
        it expires (concurrent callers share one fetch)."""
        async with self._lock:
            if not force_refresh and self._token and self._clock() < self._token_until:
                return self._token
            data = await self._send(
                "GET",
                "/cgi-bin/gettoken",
                params={"corpid": self.corp_id, "corpsecret": self._secret},
            )
            token, expires_in = data.get("access_token"), data.get("expires_in")
            if not isinstance(token, str) or not token or not isinstance(expires_in, int):
                raise WeComError(-1, "response lacks access_token or expires_in")
            self.token_fetches += 1
            self._token = token
            self._token_until = self._clock() + max(expires_in - TOKEN_MARGIN_SECONDS, 0)
            return token

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        for attempt in (1, 2):
            token = await self.access_token(force_refresh=attempt == 2)
            try:
                return await self._send(
                    method,
                    path,
                    params={**(params or {}), "access_token": token},
                    body=body,
                    files=files,
                )
            except InvalidToken:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def add_contact_way(
        self,
        *,
        users: Sequence[str],
        state: str,
        remark: str = "",
        skip_verify: bool = True,
    ) -> ContactWay:
        """A 联系我 QR code (scene 2) for one staff member (type 1) or several (type 2, WeCom
        picks one per scan)."""
        check_state(state)
        if not 1 <= len(users) <= USERS_MAX:
            raise InvalidParameter(40058, f"invalid user: 1 to {USERS_MAX} userids")
        data = await self._call(
            "POST",
            "/cgi-bin/externalcontact/add_contact_way",
            body={
                "type": 1 if len(users) == 1 else 2,
                "scene": 2,
                "remark": remark,
                "skip_verify": skip_verify,
                "state": state,
                "user": list(users),
            },
        )
        config_id, qr_code = data.get("config_id"), data.get("qr_code")
        if not isinstance(config_id, str) or not isinstance(qr_code, str):
            raise WeComError(-1, "response lacks config_id or qr_code")
        return ContactWay(config_id=config_id, qr_code=qr_code)

    async def update_contact_way(
        self, *, config_id: str, users: Sequence[str], remark: str, state: str
    ) -> None:
        """``externalcontact/update_contact_way`` ``{config_id, remark, state, user}`` →
        ``{errcode: 0}``: the way's staff and remark change, its QR code and type do not (a
        type 1 way keeps one userid: 40058 otherwise); ``state`` is sent as it was so the
        attribution stays. 40058 also for a config id WeCom does not know (or deleted)."""
        check_state(state)
        if not 1 <= len(users) <= USERS_MAX:
            raise InvalidParameter(40058, f"invalid user: 1 to {USERS_MAX} userids")
        await self._call(
            "POST",
            "/cgi-bin/externalcontact/update_contact_way",
            body={"config_id": config_id, "remark": remark, "state": state, "user": list(users)},
        )

    async def del_contact_way(self, config_id: str) -> None:
        """``externalcontact/del_contact_way`` ``{config_id}``: the QR code stops working;
        customers it brought stay. 40058: an unknown config id."""
        await self._call(
            "POST", "/cgi-bin/externalcontact/del_contact_way", body={"config_id": config_id}
        )

    async def get_external_contact(self, external_userid: str) -> ExternalContact:
        data = await self._call(
            "GET", "/cgi-bin/externalcontact/get", params={"external_userid": external_userid}
        )
        return _contact(data)

    async def mark_tag(
        self,
        *,
        userid: str,
        external_userid: str,
        add_tag: Sequence[str] = (),
        remove_tag: Sequence[str] = (),
    ) -> None:
        await self._call(
            "POST",
            "/cgi-bin/externalcontact/mark_tag",
            body={
                "userid": userid,
                "external_userid": external_userid,
                "add_tag": list(add_tag),
                "remove_tag": list(remove_tag),
            },
        )

    # -- 欢迎语 ---------------------------------------------------------------------------------

    async def send_welcome_msg(
        self, *, welcome_code: str, text: str, miniprogram: MiniProgram | None = None
    ) -> None:
        """``externalcontact/send_welcome_msg``: the welcome code of an add callback, valid for
        20 seconds and once (41051 after)."""
        if len(text.encode()) > WELCOME_TEXT_MAX_BYTES:
            raise InvalidParameter(40058, f"text.content over {WELCOME_TEXT_MAX_BYTES} bytes")
        body: dict[str, Any] = {"welcome_code": welcome_code}
        if text:
            body["text"] = {"content": text}
        if miniprogram is not None:
            body["attachments"] = [miniprogram.wire()]
        await self._call("POST", "/cgi-bin/externalcontact/send_welcome_msg", body=body)

    # -- 上传临时素材 ---------------------------------------------------------------------------

    async def upload_image(self, data: bytes, *, filename: str, content_type: str) -> UploadedMedia:
        """``media/upload?type=image``: a card's picture as a temporary media id (three days).
        :class:`MediaRefused` (40004 / 40005 / 40006 / 40009) when WeCom will not take it."""
        data_out = await self._call(
            "POST",
            "/cgi-bin/media/upload",
            params={"type": "image"},
            files={"media": (filename, data, content_type)},
        )
        media_id, created = data_out.get("media_id"), data_out.get("created_at")
        if isinstance(created, str) and created.isdigit():
            created = int(created)
        if not isinstance(media_id, str) or not media_id or not isinstance(created, int):
            raise WeComError(-1, "response lacks media_id or created_at")
        return UploadedMedia(media_id=media_id, created_at=created)

    # -- 客户群 ---------------------------------------------------------------------------------

    async def add_join_way(
        self,
        *,
        chat_ids: Sequence[str],
        state: str,
        remark: str = "",
        auto_create_room: bool = False,
        room_base_name: str = "",
        room_base_id: int = 1,
    ) -> JoinWay:
        """``groupchat/add_join_way`` (scene 2: a 加入群聊 QR code) then ``get_join_way`` for the
        QR code (add answers only the config id)."""
        check_state(state)
        if not 1 <= len(chat_ids) <= JOIN_CHATS_MAX:
            raise InvalidParameter(40058, f"invalid chat_id_list: 1 to {JOIN_CHATS_MAX}")
        body: dict[str, Any] = {
            "scene": 2,
            "remark": remark,
            "auto_create_room": 1 if auto_create_room else 0,
            "chat_id_list": list(chat_ids),
            "state": state,
        }
        if auto_create_room:
            body["room_base_name"] = room_base_name
            body["room_base_id"] = room_base_id
        data = await self._call(
            "POST", "/cgi-bin/externalcontact/groupchat/add_join_way", body=body
        )
        config_id = data.get("config_id")
        if not isinstance(config_id, str) or not config_id:
            raise WeComError(-1, "response lacks config_id")
        got = await self._call(
            "POST", "/cgi-bin/externalcontact/groupchat/get_join_way", body={"config_id": config_id}
        )
        way = got.get("join_way")
        if not isinstance(way, dict) or not _text(way, "qr_code"):
            raise WeComError(-1, "response lacks join_way.qr_code")
        listed = way.get("chat_id_list")
        return JoinWay(
            config_id=config_id,
            qr_code=_text(way, "qr_code"),
            chat_ids=tuple(str(c) for c in (listed if isinstance(listed, list) else [])),
            state=_text(way, "state"),
        )

    async def update_join_way(
        self,
        *,
        config_id: str,
        chat_ids: Sequence[str],
        state: str,
        remark: str = "",
        auto_create_room: bool = False,
        room_base_name: str = "",
        room_base_id: int = 1,
    ) -> None:
        """``groupchat/update_join_way`` (the whole way again, scene 2, ≤ 5 chats) →
        ``{errcode: 0}``; the QR code stays. 40050 an unknown chat id, 40058 an unknown
        config id."""
        check_state(state)
        if not 1 <= len(chat_ids) <= JOIN_CHATS_MAX:
            raise InvalidParameter(40058, f"invalid chat_id_list: 1 to {JOIN_CHATS_MAX}")
        body: dict[str, Any] = {
            "config_id": config_id,
            "scene": 2,
            "remark": remark,
            "auto_create_room": 1 if auto_create_room else 0,
            "chat_id_list": list(chat_ids),
            "state": state,
        }
        if auto_create_room:
            body["room_base_name"] = room_base_name
            body["room_base_id"] = room_base_id
        await self._call("POST", "/cgi-bin/externalcontact/groupchat/update_join_way", body=body)

    async def del_join_way(self, config_id: str) -> None:
        """``groupchat/del_join_way`` ``{config_id}``; 40058 an unknown config id."""
        await self._call(
            "POST",
            "/cgi-bin/externalcontact/groupchat/del_join_way",
            body={"config_id": config_id},
        )

    async def list_group_chats(
        self, *, cursor: str = "", limit: int = PAGE_LIMIT_MAX
    ) -> tuple[list[tuple[str, int]], str]:
        """One page of ``groupchat/list`` (every status): (chat id, status) pairs and the next
        cursor ("" at the end)."""
        data = await self._call(
            "POST",
            "/cgi-bin/externalcontact/groupchat/list",
            body={"status_filter": 0, "cursor": cursor, "limit": limit},
        )
        chats = data.get("group_chat_list")
        found = [
            (_text(c, "chat_id"), _int(c, "status"))
            for c in (chats if isinstance(chats, list) else [])
            if isinstance(c, dict) and _text(c, "chat_id")
        ]
        return found, _text(data, "next_cursor")

    async def get_group_chat(self, chat_id: str) -> GroupChat:
        data = await self._call(
            "POST",
            "/cgi-bin/externalcontact/groupchat/get",
            body={"chat_id": chat_id, "need_name": 1},
        )
        chat = data.get("group_chat")
        if not isinstance(chat, dict) or not _text(chat, "chat_id"):
            raise WeComError(-1, "response lacks group_chat")
        listed = chat.get("member_list")
        return GroupChat(
            chat_id=_text(chat, "chat_id"),
            name=_text(chat, "name"),
            owner=_text(chat, "owner"),
            create_time=_int(chat, "create_time"),
            members=tuple(
                ChatMember(
                    userid=_text(m, "userid"),
                    type=_int(m, "type"),
                    join_time=_int(m, "join_time"),
                    join_scene=_int(m, "join_scene"),
                    state=_text(m, "state"),
                    name=_text(m, "name"),
                    unionid=_text(m, "unionid") or None,
                )
                for m in (listed if isinstance(listed, list) else [])
                if isinstance(m, dict) and _text(m, "userid")
            ),
        )

    # -- 群发 -----------------------------------------------------------------------------------

    async def add_msg_template(
        self,
        *,
        sender: str,
        external_userids: Sequence[str],
        text: str,
        miniprogram: MiniProgram | None = None,
    ) -> tuple[str, list[str]]:
        """``add_msg_template`` (chat_type single) from one staff member to at most 10000 of
        their customers: the msgid and the ``fail_list`` (customers WeCom refused at once)."""
        if not 1 <= len(external_userids) <= TEMPLATE_USERS_MAX:
            raise InvalidParameter(40058, f"external_userid: 1 to {TEMPLATE_USERS_MAX}")
        targets = {"chat_type": "single", "external_userid": list(external_userids)}
        return await self._add_msg_template(targets, sender, text, miniprogram)

    async def add_group_msg_template(
        self,
        *,
        sender: str,
        chat_ids: Sequence[str],
        text: str,
        miniprogram: MiniProgram | None = None,
    ) -> tuple[str, list[str]]:
        """``add_msg_template`` with chat_type group: ``sender`` (required) sends to the groups
        of ``chat_id_list`` it owns (at most 2000; WeCom would take every group it owns were the
        list left out, which Shoplet never does: it names the groups it counted). The msgid and
        the ``fail_list`` (chat ids WeCom refused at once)."""
        if not sender:
            raise InvalidParameter(40058, "sender is required for chat_type group")
        if not 1 <= len(chat_ids) <= TEMPLATE_CHATS_MAX:
            raise InvalidParameter(40058, f"chat_id_list: 1 to {TEMPLATE_CHATS_MAX}")
        targets = {"chat_type": "group", "chat_id_list": list(chat_ids)}
        return await self._add_msg_template(targets, sender, text, miniprogram)

    async def _add_msg_template(
        self,
        targets: dict[str, Any],
        sender: str,
        text: str,
        miniprogram: MiniProgram | None,
    ) -> tuple[str, list[str]]:
        """The call both kinds of 群发 make: the msgid and the ``fail_list``."""
        body: dict[str, Any] = {
            **targets,
            "sender": sender,
            "allow_select": False,
            "text": {"content": text},
        }
        if miniprogram is not None:
            body["attachments"] = [miniprogram.wire()]
        data = await self._call("POST", "/cgi-bin/externalcontact/add_msg_template", body=body)
        msgid, failed = data.get("msgid"), data.get("fail_list")
        if not isinstance(msgid, str) or not msgid:
            raise WeComError(-1, "response lacks msgid")
        return msgid, [str(f) for f in (failed if isinstance(failed, list) else [])]

    async def get_groupmsg_task(
        self, msgid: str, *, cursor: str = "", limit: int = PAGE_LIMIT_MAX
    ) -> tuple[list[TaskStatus], str]:
        data = await self._call(
            "POST",
            "/cgi-bin/externalcontact/get_groupmsg_task",
            body={"msgid": msgid, "limit": limit, "cursor": cursor},
        )
        tasks = data.get("task_list")
        return [
            TaskStatus(_text(t, "userid"), _int(t, "status"), _int(t, "send_time"))
            for t in (tasks if isinstance(tasks, list) else [])
            if isinstance(t, dict) and _text(t, "userid")
        ], _text(data, "next_cursor")

    async def get_groupmsg_send_result(
        self, msgid: str, userid: str, *, cursor: str = "", limit: int = PAGE_LIMIT_MAX
    ) -> tuple[list[SendResult], str]:
        data = await self._call(
            "POST",
            "/cgi-bin/externalcontact/get_groupmsg_send_result",
            body={"msgid": msgid, "userid": userid, "limit": limit, "cursor": cursor},
        )
        sent = data.get("send_list")
        return [
            SendResult(
                _text(r, "external_userid"),
                _text(r, "userid"),
                _int(r, "status"),
                _int(r, "send_time"),
                _text(r, "chat_id"),
            )
            for r in (sent if isinstance(sent, list) else [])
            if isinstance(r, dict) and (_text(r, "external_userid") or _text(r, "chat_id"))
        ], _text(data, "next_cursor")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) else 0


def _contact(data: Mapping[str, Any]) -> ExternalContact:
    person = data.get("external_contact")
    if not isinstance(person, dict) or not _text(person, "external_userid"):
        raise WeComError(-1, "response lacks external_contact")
    follows = data.get("follow_user")
    users: list[FollowUser] = []
    for item in follows if isinstance(follows, list) else []:
        if not isinstance(item, dict) or not _text(item, "userid"):
            continue
        tags = item.get("tags")
        users.append(
            FollowUser(
                userid=_text(item, "userid"),
                createtime=_int(item, "createtime"),
                add_way=_int(item, "add_way"),
                state=_text(item, "state"),
                remark=_text(item, "remark"),
                tag_ids=tuple(
                    _text(t, "tag_id")
                    for t in (tags if isinstance(tags, list) else [])
                    if isinstance(t, dict) and _text(t, "tag_id")
                ),
            )
        )
    return ExternalContact(
        external_userid=_text(person, "external_userid"),
        name=_text(person, "name"),
        type=_int(person, "type"),
        unionid=_text(person, "unionid") or None,
        follow_users=tuple(users),
    )


# -- the callback ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContactChange:
    """One ``change_external_contact`` event, as WeCom named its fields."""

    change_type: str
    userid: str
    external_userid: str
    create_time: int
    state: str = ""
    welcome_code: str = ""
    source: str = ""


def parse_xml(data: bytes) -> dict[str, str]:
    """The children of a flat ``<xml>`` document as text. A DOCTYPE (and so any entity) is
    refused before parsing: WeCom never sends one."""
    if b"<!" in data.replace(b"<![CDATA[", b""):
        raise PushCryptoError("xml")
    try:
        root = parse_untrusted(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise PushCryptoError("xml") from exc
    if root.tag != "xml":
        raise PushCryptoError("xml")
    return {child.tag: (child.text or "").strip() for child in root}


def _fresh(timestamp: str, now: float | None) -> None:
    if not timestamp.isdigit():
        raise PushCryptoError("signature")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_CALLBACK_AGE_SECONDS:
        raise PushCryptoError("stale")


def open_callback(
    query: Mapping[str, str],
    body: bytes,
    *,
    token: str,
    aes_key: bytes,
    corp_id: str,
    now: float | None = None,
) -> dict[str, str]:
    """The decrypted event of a callback POST as a flat dict, or :class:`PushCryptoError`
    (nothing to trust): the size, the envelope, the timestamp's age, ``msg_signature`` over the
    ``Encrypt`` and the corp id inside it."""
    if len(body) > CALLBACK_MAX_BYTES:
        raise PushCryptoError("size")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    envelope = parse_xml(body)
    encrypted = envelope.get("Encrypt", "")
    if not encrypted or not nonce:
        raise PushCryptoError("decrypt")
    _fresh(timestamp, now)
    plain = open_push(
        token=token,
        key=aes_key,
        appid=corp_id,
        msg_signature=query.get("msg_signature", ""),
        timestamp=timestamp,
        nonce=nonce,
        encrypted=encrypted,
    )
    return parse_xml(plain)


def verify_url(query: Mapping[str, str], *, token: str, aes_key: bytes, corp_id: str) -> str:
    """The plaintext of ``echostr`` for WeCom's URL check (答复 it as the body), or
    :class:`PushCryptoError`. The check is signed the same way, over the encrypted echostr."""
    nonce, echostr = query.get("nonce", ""), query.get("echostr", "")
    if not echostr or not nonce or not query.get("timestamp", "").isdigit():
        raise PushCryptoError("signature")
    plain = open_push(
        token=token,
        key=aes_key,
        appid=corp_id,
        msg_signature=query.get("msg_signature", ""),
        timestamp=query["timestamp"],
        nonce=nonce,
        encrypted=echostr,
    )
    try:
        return plain.decode()
    except UnicodeDecodeError as exc:
        raise PushCryptoError("decrypt") from exc


@dataclass(frozen=True, slots=True)
class ChatChange:
    """One ``change_external_chat`` event: ``change_type`` create / update / dismiss and, for
    an update, ``update_detail`` (add_member, del_member, …)."""

    chat_id: str
    change_type: str
    update_detail: str
    create_time: int


def chat_change(event: Mapping[str, str]) -> ChatChange | None:
    """The customer-group change an event carries; None for any other event."""
    if event.get("MsgType") != "event" or event.get("Event") != "change_external_chat":
        return None
    chat_id, change_type = event.get("ChatId", ""), event.get("ChangeType", "")
    if not chat_id or change_type not in CHAT_CHANGE_TYPES:
        return None
    created = event.get("CreateTime", "")
    return ChatChange(
        chat_id=chat_id,
        change_type=change_type,
        update_detail=event.get("UpdateDetail", ""),
        create_time=int(created) if created.isdigit() else 0,
    )


def contact_change(event: Mapping[str, str]) -> ContactChange | None:
    """The customer-contact change an event carries; None for any other event (the same URL
    may get others: tags, groups, the app's own)."""
    if event.get("MsgType") != "event" or event.get("Event") != "change_external_contact":
        return None
    change_type = event.get("ChangeType", "")
    userid, external_userid = event.get("UserID", ""), event.get("ExternalUserID", "")
    if change_type not in CHANGE_TYPES or not userid or not external_userid:
        return None
    created = event.get("CreateTime", "")
    return ContactChange(
        change_type=change_type,
        userid=userid,
        external_userid=external_userid,
        create_time=int(created) if created.isdigit() else 0,
        state=event.get("State", ""),
        welcome_code=event.get("WelcomeCode", ""),
        source=event.get("Source", ""),
    )

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


ERROR_TYPES: tuple[type[WeComError], ...] = (
    InvalidCredential,
    InvalidToken,
    InvalidParameter,
    UnknownStaff,
    UnknownContact,
    UnknownTag,
    ApiForbidden,
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
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                content=orjson.dumps(body) if body is not None else None,
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
    ) -> dict[str, Any]:
        for attempt in (1, 2):
            token = await self.access_token(force_refresh=attempt == 2)
            try:
                return await self._send(
                    method, path, params={**(params or {}), "access_token": token}, body=body
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

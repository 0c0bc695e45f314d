"""The mini program's native customer service (客服消息): messages pushed in, replies sent out.

In (消息推送, JSON): a shopper taps ``<button open-type="contact">`` and writes in WeChat's own
客服 chat; WeChat POSTs each message to the push URL (``?signature=&timestamp=&nonce=`` and, in
安全模式, ``&encrypt_type=aes&msg_signature=`` with the body ``{"ToUserName", "Encrypt"}``; see
``message_crypto.py``). The plaintext is one of

- ``{ToUserName, FromUserName (openid), CreateTime, MsgType: "text", Content, MsgId}``,
- ``{…, MsgType: "image", PicUrl, MediaId, MsgId}``,
- ``{…, MsgType: "miniprogrampage", MsgId, Title, AppId, PagePath, ThumbUrl, ThumbMediaId}``
  (a card the shopper sent from a page: ``show-message-card``),
- ``{…, MsgType: "event", Event: "user_enter_tempsession", SessionFrom}`` (entered the chat;
  ``SessionFrom`` is the button's ``session-from``).

The receiver answers ``success`` within 5 s, or WeChat retries (three times, same ``MsgId``).

Out (``POST /cgi-bin/message/custom/send?access_token=``): ``{touser, msgtype: "text", text:
{content}}``, ``{…, msgtype: "image", image: {media_id}}`` or ``{…, msgtype:
"miniprogrampage", miniprogrampage: {title, pagepath, thumb_media_id}}``; answered ``{errcode,
errmsg}``. Images and card thumbnails are uploaded first (``POST /cgi-bin/media/upload?
access_token=&type=image``, multipart field ``media``, → ``{type, media_id, created_at}``), and a
shopper's image is read with ``GET /cgi-bin/media/get?access_token=&media_id=``. ``POST
/cgi-bin/message/custom/typing`` ``{touser, command: "Typing" | "CancelTyping"}`` shows
对方正在输入.

Error codes: 40001 / 42001 invalid or expired token (a fresh token, one retry); 40003 invalid
openid; 40007 invalid media_id; 45002 content too long; 45015 the reply window has passed (48 h
after the shopper's last message); 45047 too many replies since the shopper's last message;
47001 malformed body.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from shoplet.integrations.wechat.message_crypto import (
    PushCryptoError,
    open_push,
    signature_matches,
)

INVALID_TOKEN = (40001, 42001)
INVALID_OPENID = 40003
INVALID_MEDIA = 40007
CONTENT_TOO_LONG = 45002
REPLY_WINDOW_PASSED = 45015
TOO_MANY_REPLIES = 45047
ENTER_EVENT = "user_enter_tempsession"
MESSAGE_TYPES = ("text", "image", "miniprogrampage", "event")
# WeChat's own tolerance is not published; five minutes either way stops replays of old pushes.
MAX_PUSH_AGE_SECONDS = 300

TokenSource = Callable[[bool], Awaitable[str]]


class CustomerServiceError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One pushed message or event, as WeChat named its fields."""

    msg_type: str
    openid: str
    to_user: str
    create_time: int
    msg_id: int | None = None
    content: str = ""
    pic_url: str = ""
    media_id: str = ""
    title: str = ""
    app_id: str = ""
    page_path: str = ""
    thumb_url: str = ""
    thumb_media_id: str = ""
    event: str = ""
    session_from: str = ""


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def parse_message(plain: bytes) -> IncomingMessage | None:
    """A customer-service message or ``user_enter_tempsession``; None for anything else (another
    event on the same URL, a body that is not JSON)."""
    try:
        data = orjson.loads(plain)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    msg_type, openid = _str(data, "MsgType"), _str(data, "FromUserName")
    if msg_type not in MESSAGE_TYPES or not openid:
        return None
    if msg_type == "event" and _str(data, "Event") != ENTER_EVENT:
        return None
    msg_id = data.get("MsgId")
    create_time = data.get("CreateTime")
    return IncomingMessage(
        msg_type=msg_type,
        openid=openid,
        to_user=_str(data, "ToUserName"),
        create_time=create_time if isinstance(create_time, int) else 0,
        msg_id=msg_id if isinstance(msg_id, int) else None,
        content=_str(data, "Content"),
        pic_url=_str(data, "PicUrl"),
        media_id=_str(data, "MediaId"),
        title=_str(data, "Title"),
        app_id=_str(data, "AppId"),
        page_path=_str(data, "PagePath"),
        thumb_url=_str(data, "ThumbUrl"),
        thumb_media_id=_str(data, "ThumbMediaId"),
        event=_str(data, "Event"),
        session_from=_str(data, "SessionFrom"),
    )


def open_message_push(
    query: Mapping[str, str],
    body: bytes,
    *,
    token: str,
    aes_key: bytes | None,
    appid: str,
    now: float | None = None,
) -> bytes:
    """The plaintext of a push, or :class:`PushCryptoError` (nothing to trust): the signature
    over token, timestamp and nonce; a timestamp within ``MAX_PUSH_AGE_SECONDS``; in 安全模式
    (``aes_key`` set: only encrypted pushes are taken) the ``msg_signature`` over the
    ``Encrypt`` too, and the appid inside it."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not timestamp.isdigit() or not nonce:
        raise PushCryptoError("signature")
    if not signature_matches(query.get("signature", ""), token, timestamp, nonce):
        raise PushCryptoError("signature")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_PUSH_AGE_SECONDS:
        raise PushCryptoError("stale")
    if aes_key is None:
        return body
    if query.get("encrypt_type") != "aes":
        raise PushCryptoError("plain")
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushCryptoError("decrypt") from exc
    encrypted = envelope.get("Encrypt") if isinstance(envelope, dict) else None
    if not isinstance(encrypted, str) or not encrypted:
        raise PushCryptoError("decrypt")
    return open_push(
        token=token,
        key=aes_key,
        appid=appid,
        msg_signature=query.get("msg_signature", ""),
        timestamp=timestamp,
        nonce=nonce,
        encrypted=encrypted,
    )


_PRODUCT_PATH = re.compile(r"^/?pages/product/detail\?(?:.*&)?id=(\d{1,18})(?:&|$)")


def product_of_page(page_path: str) -> int | None:
    """The product id of a card's ``PagePath`` (``pages/product/detail?id=…``)."""
    found = _PRODUCT_PATH.match(page_path)
    return int(found.group(1)) if found else None


def product_page(product_id: int) -> str:
    return f"pages/product/detail?id={product_id}"


class CustomerServiceClient:
    """``http``'s base URL is ``https://api.weixin.qq.com`` in production, the simulator
    otherwise; ``token(force_refresh)`` gives the stable access token (the one shared cache)."""

    def __init__(self, http: httpx.AsyncClient, token: TokenSource) -> None:
        self._http = http
        self._token = token

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        content = orjson.dumps(json_body) if json_body is not None else None
        for attempt in (1, 2):
            token = await self._token(attempt == 2)
            try:
                response = await self._http.request(
                    method,
                    path,
                    params={**(params or {}), "access_token": token},
                    content=content,
                    files=files,
                    headers={"Content-Type": "application/json"} if content else None,
                )
            except httpx.HTTPError as exc:
                raise CustomerServiceError(-1, f"network error: {type(exc).__name__}") from exc
            if response.status_code != 200:
                raise CustomerServiceError(-1, f"HTTP {response.status_code}")
            if not response.headers.get("content-type", "").startswith(
                ("application/json", "text/")
            ):
                return response  # media/get: the file itself
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise CustomerServiceError(-1, "response is not JSON") from exc
            errcode = data.get("errcode", 0) if isinstance(data, dict) else -1
            errcode = errcode if isinstance(errcode, int) else -1
            if errcode == 0:
                return response
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise CustomerServiceError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover

    async def send(self, body: Mapping[str, Any]) -> None:
        await self._call("POST", "/cgi-bin/message/custom/send", json_body=body)

    async def send_text(self, openid: str, content: str) -> None:
        await self.send({"touser": openid, "msgtype": "text", "text": {"content": content}})

    async def send_image(self, openid: str, media_id: str) -> None:
        await self.send({"touser": openid, "msgtype": "image", "image": {"media_id": media_id}})

    async def send_page(
        self, openid: str, *, title: str, pagepath: str, thumb_media_id: str
    ) -> None:
        await self.send(
            {
                "touser": openid,
                "msgtype": "miniprogrampage",
                "miniprogrampage": {
                    "title": title,
                    "pagepath": pagepath,
                    "thumb_media_id": thumb_media_id,
                },
            }
        )

    async def typing(self, openid: str, *, typing: bool = True) -> None:
        await self._call(
            "POST",
            "/cgi-bin/message/custom/typing",
            json_body={"touser": openid, "command": "Typing" if typing else "CancelTyping"},
        )

    async def upload_image(self, data: bytes, *, filename: str, content_type: str) -> str:
        """A temporary image (3 days) for a reply or a card's thumbnail: its ``media_id``."""
        response = await self._call(
            "POST",
            "/cgi-bin/media/upload",
            params={"type": "image"},
            files={"media": (filename, data, content_type)},
        )
        media_id = orjson.loads(response.content).get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise CustomerServiceError(-1, "no media_id")
        return media_id

    async def get_media(self, media_id: str) -> bytes:
        """A shopper's image by its ``MediaId``."""
        response = await self._call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        return response.content

"""An in-repo stand-in for the mini program's customer service (see ``customer_service.py``):
WeChat's side of the chat.

It plays the shopper's phone — :meth:`text`, :meth:`image`, :meth:`page` and :meth:`enter`
build the push WeChat would send (``MsgId``, ``CreateTime``, the mini program's original id),
sign it, encrypt it in 安全模式 (when given the EncodingAESKey) and POST it to the push URL
(over ``push_transport``: this very app in tests and the embedded shop) — and WeChat's API:
``custom/send``, ``custom/typing``, ``media/upload`` and ``media/get``, checking in WeChat's
order the access token (40001), the body (47001), the openid (40003: a shopper who never wrote),
the reply window (45015: ``window_seconds`` after the shopper's last message), the replies left
(45047: ``reply_limit`` per message of the shopper's), the content (45002) and media ids
(40007). ``sent`` keeps every delivered reply; ``typing`` every typing command.

Control routes let a browser test or the embedded demo play the phone over HTTP: ``POST
/sim/kf/message`` (``{openid, text}``: the shopper writes), ``GET /sim/kf/sent?openid=``
(what the shopper received) and ``GET /sim/kf/typing?openid=`` (对方正在输入 shown).
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
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.customer_service import ENTER_EVENT
from shoplet.integrations.wechat.message_crypto import aes_key, seal_push, signature

ORIGINAL_ID = "gh_shoplet_sim"
MAX_TEXT_BYTES = 2048
MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class CustomerServiceSimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    appid: str
    push_token: str
    push_url: str
    push_transport: httpx.AsyncBaseTransport | None = None
    # The EncodingAESKey: set, pushes go out in 安全模式; None, in plain mode.
    encoding_aes_key: str | None = None
    window_seconds: float = 48 * 3600
    reply_limit: int = 5
    clock: Callable[[], float] = time.time
    last_message_at: dict[str, float] = field(default_factory=dict)
    replies_left: dict[str, int] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    typing: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7_000_000_000))

    def routes(self) -> list[Route]:
        return [
            Route("/cgi-bin/message/custom/send", self._send, methods=["POST"]),
            Route("/cgi-bin/message/custom/typing", self._typing, methods=["POST"]),
            Route("/cgi-bin/media/upload", self._upload, methods=["POST"]),
            Route("/cgi-bin/media/get", self._get_media, methods=["GET"]),
            Route("/sim/kf/message", self._control_message, methods=["POST"]),
            Route("/sim/kf/sent", self._control_sent, methods=["GET"]),
            Route("/sim/kf/typing", self._control_typing, methods=["GET"]),
        ]

    # -- the shopper's phone: pushes ---------------------------------------------------------

    def add_media(self, data: bytes, content_type: str = "image/png") -> str:
        media_id = secrets.token_urlsafe(24)
        self.media[media_id] = (data, content_type)
        return media_id

    def message(self, openid: str, msg_type: str, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ToUserName": ORIGINAL_ID,
            "FromUserName": openid,
            "CreateTime": int(self.clock()),
            "MsgType": msg_type,
            **fields,
        }
        if msg_type != "event":
            body["MsgId"] = next(self._ids)
        return body

    def signed(self, plain: bytes, *, token: str | None = None) -> tuple[dict[str, str], bytes]:
        """The query and body WeChat would POST for ``plain``."""
        push_token = self.push_token if token is None else token
        timestamp, nonce = str(int(self.clock())), secrets.token_hex(8)
        query = {
            "signature": signature(push_token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        if self.encoding_aes_key is None:
            return query, plain
        encrypted, msg_signature = seal_push(
            token=push_token,
            key=aes_key(self.encoding_aes_key),
            appid=self.appid,
            message=plain,
            timestamp=timestamp,
            nonce=nonce,
        )
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        return query, orjson.dumps({"ToUserName": ORIGINAL_ID, "Encrypt": encrypted})

    async def post(self, query: dict[str, str], body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(transport=self.push_transport, timeout=10.0) as http:
            return await http.post(
                self.push_url,
                params=query,
                content=body,
                headers={"Content-Type": "application/json"},
            )

    async def push(self, message: dict[str, Any]) -> httpx.Response:
        """Deliver one message as WeChat does; a shopper's message opens a reply window."""
        openid = str(message["FromUserName"])
        self.last_message_at[openid] = self.clock()
        self.replies_left[openid] = self.reply_limit
        query, body = self.signed(orjson.dumps(message))
        return await self.post(query, body)

    async def text(self, openid: str, content: str) -> httpx.Response:
        return await self.push(self.message(openid, "text", Content=content))

    async def image(
        self, openid: str, data: bytes, content_type: str = "image/png"
    ) -> httpx.Response:
        media_id = self.add_media(data, content_type)
        return await self.push(
            self.message(
                openid, "image", PicUrl=f"https://mmbiz.qpic.cn/sim/{media_id}", MediaId=media_id
            )
        )

    async def page(self, openid: str, *, title: str, page_path: str) -> httpx.Response:
        thumb = self.add_media(b"\x89PNG sim thumb")
        return await self.push(
            self.message(
                openid,
                "miniprogrampage",
                Title=title,
                AppId=self.appid,
                PagePath=page_path,
                ThumbUrl=f"https://mmbiz.qpic.cn/sim/{thumb}",
                ThumbMediaId=thumb,
            )
        )

    async def enter(self, openid: str, session_from: str = "") -> httpx.Response:
        return await self.push(
            self.message(openid, "event", Event=ENTER_EVENT, SessionFrom=session_from)
        )

    async def _control_message(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            openid, text = str(body["openid"]), str(body["text"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "openid and text required"}, status_code=400)
        answer = await self.text(openid, text)
        return JSONResponse({"status": answer.status_code, "answer": answer.text})

    async def _control_sent(self, request: Request) -> Response:
        openid = request.query_params.get("openid", "")
        return JSONResponse([b for b in self.sent if not openid or b.get("touser") == openid])

    async def _control_typing(self, request: Request) -> Response:
        openid = request.query_params.get("openid", "")
        return JSONResponse([b for b in self.typing if not openid or b.get("touser") == openid])

    # -- WeChat's API ------------------------------------------------------------------------

    def _token_ok(self, request: Request) -> bool:
        token = request.query_params.get("access_token", "")
        return self.tokens.get(token, 0.0) > time.monotonic()

    async def _json(self, request: Request) -> dict[str, Any] | None:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    def _reply_refusal(self, openid: str) -> JSONResponse | None:
        last = self.last_message_at.get(openid)
        if last is None:
            return _error(40003, "invalid openid")
        if self.clock() - last > self.window_seconds:
            return _error(45015, "response out of time limit or subscription is canceled")
        if self.replies_left.get(openid, 0) <= 0:
            return _error(45047, "out of response count limit")
        return None

    def _content_refusal(self, body: dict[str, Any]) -> JSONResponse | None:
        kind = body.get("msgtype")
        part = body.get(kind) if isinstance(kind, str) else None
        if not isinstance(part, dict):
            return _error(47001, "data format error")
        if kind == "text":
            content = part.get("content")
            if not isinstance(content, str) or not content:
                return _error(47001, "data format error")
            if len(content.encode()) > MAX_TEXT_BYTES:
                return _error(45002, "content size out of limit")
            return None
        if kind == "image":
            return None if part.get("media_id") in self.media else _error(40007, "invalid media_id")
        if kind == "miniprogrampage":
            if not all(isinstance(part.get(k), str) and part[k] for k in ("title", "pagepath")):
                return _error(47001, "data format error")
            if part.get("thumb_media_id") not in self.media:
                return _error(40007, "invalid media_id")
            return None
        return _error(47001, "data format error")

    async def _send(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        body = await self._json(request)
        if body is None or not isinstance(body.get("touser"), str):
            return _error(47001, "data format error")
        openid = body["touser"]
        refusal = self._reply_refusal(openid) or self._content_refusal(body)
        if refusal is not None:
            return refusal
        self.replies_left[openid] -= 1
        self.sent.append(body)
        return _error(0, "ok")

    async def _typing(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        body = await self._json(request)
        if body is None or body.get("command") not in ("Typing", "CancelTyping"):
            return _error(47001, "data format error")
        last = self.last_message_at.get(str(body.get("touser", "")))
        if last is None:
            return _error(40003, "invalid openid")
        if self.clock() - last > self.window_seconds:
            return _error(45015, "response out of time limit or subscription is canceled")
        self.typing.append(body)
        return _error(0, "ok")

    async def _upload(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if request.query_params.get("type") != "image":
            return _error(40004, "invalid media type")
        form = await request.form()
        upload = form.get("media")
        if upload is None or isinstance(upload, str):
            return _error(41005, "media data missing")
        data = await upload.read()
        content_type = upload.content_type or ""
        if content_type not in IMAGE_TYPES:
            return _error(40005, "invalid file type")
        if not data or len(data) > MAX_IMAGE_BYTES:
            return _error(40009, "invalid image size")
        media_id = self.add_media(data, content_type)
        return JSONResponse(
            {"type": "image", "media_id": media_id, "created_at": int(self.clock())}
        )

    async def _get_media(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        found = self.media.get(request.query_params.get("media_id", ""))
        if found is None:
            return _error(40007, "invalid media_id")
        data, content_type = found
        return Response(data, media_type=content_type)

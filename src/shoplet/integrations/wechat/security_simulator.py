"""An in-repo stand-in for ``wxa/msg_sec_check`` and ``wxa/media_check_async`` (version 2) and
the message push that carries image verdicts (see ``security.py``).

It checks the access token against the token issuer it is given (the mini-program code
simulator's ``cgi-bin/stable_token``: 40001 otherwise), the body (47001), ``version`` 2 and the
scene (40003 / 47001 as WeChat does), and the openid (40003 when empty). Text is ``risky`` when
it holds one of ``risky_words``, ``review`` for ``review_words``, else ``pass``. An image's
verdict is decided by ``media_verdicts`` (a part of its URL → (suggest, label)), ``pass``
otherwise, and sent only when :meth:`push` is called: a signed POST to ``push_url`` (over
``push_transport``, this very app in tests and the embedded shop), as WeChat does a few seconds
later.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.security import MEDIA_CHECK_EVENT, push_signature

DEFAULT_RISKY = {"赌博": 20006, "代开发票": 20008, "办证": 20006}
DEFAULT_REVIEW = {"私聊": 10001}


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class PendingMedia:
    trace_id: str
    media_url: str
    openid: str


@dataclass
class ContentSecuritySimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    appid: str
    push_token: str
    push_url: str
    push_transport: httpx.AsyncBaseTransport | None = None
    risky_words: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RISKY))
    review_words: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_REVIEW))
    media_verdicts: dict[str, tuple[str, int]] = field(default_factory=dict)
    pending: list[PendingMedia] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.time

    def routes(self) -> list[Route]:
        return [
            Route("/wxa/msg_sec_check", self._msg_sec_check, methods=["POST"]),
            Route("/wxa/media_check_async", self._media_check_async, methods=["POST"]),
        ]

    async def _body(self, request: Request) -> dict[str, object] | Response:
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error(47001, "data format error")
        if not isinstance(body, dict):
            return _error(47001, "data format error")
        if body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4):
            return _error(47001, "data format error")
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            return _error(40003, "invalid openid")
        return body

    async def _msg_sec_check(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        content = body.get("content")
        if not isinstance(content, str) or not content:
            return _error(47001, "data format error")
        self.texts.append(content)
        suggest, label, keyword = "pass", 100, None
        for word, code in self.review_words.items():
            if word in content:
                suggest, label, keyword = "review", code, word
        for word, code in self.risky_words.items():
            if word in content:
                suggest, label, keyword = "risky", code, word
        detail: dict[str, object] = {
            "strategy": "content_model",
            "errcode": 0,
            "suggest": suggest,
            "label": label,
            "prob": 90 if suggest != "pass" else 0,
        }
        if keyword:
            detail["keyword"] = keyword
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "trace_id": secrets.token_hex(12),
                "result": {"suggest": suggest, "label": label},
                "detail": [detail],
            }
        )

    async def _media_check_async(self, request: Request) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        url = body.get("media_url")
        if not isinstance(url, str) or not url or body.get("media_type") not in (1, 2):
            return _error(47001, "data format error")
        trace_id = secrets.token_hex(12)
        self.pending.append(PendingMedia(trace_id, url, str(body["openid"])))
        return JSONResponse({"errcode": 0, "errmsg": "ok", "trace_id": trace_id})

    def push_body(self, media: PendingMedia) -> bytes:
        suggest, label = "pass", 100
        for part, verdict in self.media_verdicts.items():
            if part in media.media_url:
                suggest, label = verdict
        return orjson.dumps(
            {
                "ToUserName": "gh_shoplet_sim",
                "FromUserName": media.openid,
                "CreateTime": int(self.clock()),
                "MsgType": "event",
                "Event": MEDIA_CHECK_EVENT,
                "appid": self.appid,
                "trace_id": media.trace_id,
                "version": 2,
                "detail": [
                    {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}
                ],
                "errcode": 0,
                "errmsg": "ok",
                "result": {"suggest": suggest, "label": label},
            }
        )

    def signed_query(self, *, token: str | None = None) -> dict[str, str]:
        timestamp, nonce = str(int(self.clock())), secrets.token_hex(8)
        signature = push_signature(self.push_token if token is None else token, timestamp, nonce)
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce}

    async def push(self) -> list[httpx.Response]:
        """Deliver every pending image verdict (signed) to the push URL; the answers."""
        pending, self.pending = self.pending, []
        answers = []
        async with httpx.AsyncClient(transport=self.push_transport, timeout=10.0) as http:
            for media in pending:
                answers.append(
                    await http.post(
                        self.push_url,
                        params=self.signed_query(),
                        content=self.push_body(media),
                        headers={"Content-Type": "application/json"},
                    )
                )
        return answers

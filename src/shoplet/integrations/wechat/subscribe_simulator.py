"""An in-repo stand-in for ``cgi-bin/message/subscribe/send`` (see ``subscribe.py``).

It keeps what WeChat keeps: the mini program's templates (id → keys, from the merchant's
「订阅消息」 library) and each shopper's one-time accepts per template (``accept(openid,
template_id)`` is the phone's ``requestSubscribeMessage`` answered 'accept'). It checks, in
WeChat's order: the access token (40001), the body (47001), the openid (40003), the template
(40037), the data against the template's keys and each type's rule (47003), then spends one
accept (43101 when there is none). ``sent`` keeps every delivered message.

Two control routes stand in for what happens outside Shoplet, so a browser test or the embedded
demo can drive them over HTTP: ``POST /sim/subscribe/template`` (``{template_id, keys}``: the
merchant picks a template in the WeChat admin) and ``POST /sim/subscribe/accept`` (``{openid,
template_id}``: the shopper taps 允许 on the phone).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass, field

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.subscribe import FieldInvalid, check_value

STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")


def _error(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


@dataclass
class SubscribeMessageSimulator:
    # token -> monotonic expiry, shared with the simulator that issues tokens.
    tokens: dict[str, float]
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    accepts: Counter[tuple[str, str]] = field(default_factory=Counter)
    sent: list[dict[str, object]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def add_template(self, template_id: str, keys: tuple[str, ...]) -> None:
        self.templates[template_id] = keys

    def accept(self, openid: str, template_id: str, times: int = 1) -> None:
        self.accepts[(openid, template_id)] += times

    def routes(self) -> list[Route]:
        return [
            Route("/cgi-bin/message/subscribe/send", self._send, methods=["POST"]),
            Route("/sim/subscribe/template", self._add_template, methods=["POST"]),
            Route("/sim/subscribe/accept", self._accept, methods=["POST"]),
        ]

    async def _add_template(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            template_id, keys = str(body["template_id"]), tuple(str(k) for k in body["keys"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "template_id and keys required"}, status_code=400)
        self.add_template(template_id, keys)
        return JSONResponse({"template_id": template_id, "keys": list(keys)})

    async def _accept(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            openid, template_id = str(body["openid"]), str(body["template_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return JSONResponse({"detail": "openid and template_id required"}, status_code=400)
        self.accept(openid, template_id)
        return JSONResponse({"accepts": self.accepts[(openid, template_id)]})

    async def _send(self, request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
            touser, template_id, data = body["touser"], body["template_id"], body["data"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return _error(47001, "data format error")
        if not isinstance(touser, str) or not touser.startswith("o") or len(touser) != 28:
            return _error(40003, "invalid openid")
        keys = self.templates.get(str(template_id))
        if keys is None:
            return _error(40037, "invalid template_id")
        if (
            not isinstance(data, dict)
            or set(data) != set(keys)
            or body.get("miniprogram_state", "formal") not in STATES
            or body.get("lang", "zh_CN") not in LANGS
        ):
            return _error(47003, "argument invalid! data.keys mismatch")
        for key, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            try:
                check_value(key, value if isinstance(value, str) else "")
            except FieldInvalid as exc:
                return _error(47003, f"argument invalid! data.{key}.value {exc.reason}")
        if self.accepts[(touser, template_id)] <= 0:
            return _error(43101, "user refuse to accept the msg")
        self.accepts[(touser, template_id)] -= 1
        self.sent.append(body)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)})

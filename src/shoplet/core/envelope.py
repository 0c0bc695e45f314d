"""Sealed request fields: the envelope key route and the middleware that opens envelopes.

A storefront route lists the fields a client may seal with ``openapi_extra=sealed("phone",
…)`` (it also shows in the OpenAPI document as ``x-shoplet-sealed``). For those routes, a JSON
body with an ``envelope`` member (``core.sm2_envelope``) is opened before the route sees it:
the decrypted fields join the body and ``envelope`` is dropped, so routes and schemas stay as
they are. The envelope id is then claimed once (Redis ``SET NX EX`` shared by every replica, or
this process's memory when embedded) for twice the time window, so a captured request cannot be
sent again. Every refusal is a 400/409 problem before any route runs: nothing is written.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplet.core.errors import problem_response
from shoplet.core.input_safety import BodyTooLarge
from shoplet.core.settings import Settings
from shoplet.core.sm2 import public_key_pem
from shoplet.core.sm2_envelope import EnvelopeError, EnvelopeKey, EnvelopeOpener

SEALED_EXTRA = "x-shoplet-sealed"
ENVELOPE_MEMBER = "envelope"

# code, status, title of each refusal (frontends/shared/src/errors.ts has the words shown).
REFUSALS: dict[str, tuple[str, int, str]] = {
    "malformed": ("envelope.malformed", 400, "Malformed envelope"),
    "unknown_key": ("envelope.unknown_key", 400, "Unknown envelope key"),
    "expired": ("envelope.expired", 400, "Envelope out of its time window"),
    "invalid": ("envelope.invalid", 400, "Envelope does not decrypt"),
    "replayed": ("envelope.replayed", 409, "Envelope already used"),
    "required": ("envelope.required", 400, "Sealed fields required"),
    "disabled": ("envelope.disabled", 400, "Envelopes are off"),
    "not_sealable": ("envelope.field_not_sealable", 400, "Field may not be sealed here"),
}


def sealed(*fields: str) -> dict[str, Any]:
    """``openapi_extra`` of a route whose ``fields`` a client may (or, mode ``require``, must)
    send in an envelope."""
    return {SEALED_EXTRA: list(fields)}


@dataclass(frozen=True)
class SealedRoute:
    method: str
    path: re.Pattern[str]
    fields: frozenset[str]


class ReplayGuard:
    """Envelope ids already used: claimed once within ``ttl_seconds``."""

    def __init__(
        self, redis: Redis | None, prefix: str, ttl_seconds: int, clock: Callable[[], float]
    ) -> None:
        self._redis = redis
        self._prefix = f"{prefix}envelope:"
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._next_purge = 0.0

    async def claim(self, envelope_id: str) -> bool:
        if self._redis is not None:
            return bool(
                await self._redis.set(self._prefix + envelope_id, b"1", nx=True, ex=self._ttl)
            )
        now = self._clock()
        if now >= self._next_purge:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
            self._next_purge = now + 60
        expiry = self._seen.get(envelope_id)
        if expiry is not None and expiry > now:
            return False
        self._seen[envelope_id] = now + self._ttl
        return True


class Envelopes:
    """What the middleware and the key route share; one per app (``app.state.envelopes``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        routes: Sequence[SealedRoute] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.routes = routes
        self.mode: Literal["off", "accept", "require"] = settings.resolved_envelope_mode
        self.window_seconds = settings.envelope_window_seconds
        self._settings = settings
        self._clock = clock
        self._opener: EnvelopeOpener | None = None
        self._guard: ReplayGuard | None = None

    @property
    def opener(self) -> EnvelopeOpener:
        if self._opener is None:  # built on first use: key derivation is not free
            keys = [EnvelopeKey.of(k) for k in self._settings.resolved_envelope_keys]
            self._opener = EnvelopeOpener(
                keys, window_seconds=self.window_seconds, clock=self._clock
            )
        return self._opener

    def guard(self, redis: Redis | None) -> ReplayGuard:
        if self._guard is None:
            self._guard = ReplayGuard(
                redis,
                self._settings.redis_prefix,
                2 * self.window_seconds + 60,
                self._clock,
            )
        return self._guard


class EnvelopeKeyOut(BaseModel):
    mode: Literal["off", "accept", "require"] = Field(
        description="off: send fields in plain; accept: seal when you can; require: seal"
    )
    key_id: str | None = Field(description="name this key as the envelope's kid")
    public_key: str | None = Field(description="SM2 public key, 130 hex (04 || x || y)")
    public_key_pem: str | None
    window_seconds: int = Field(description="how far an envelope's ts may be off")
    algorithm: Literal["SM2-C1C3C2/SM4-GCM"] = "SM2-C1C3C2/SM4-GCM"


router = APIRouter()


@router.get("/envelope-key", tags=["security"])
async def envelope_key(request: Request) -> EnvelopeKeyOut:
    """The SM2 key to seal sensitive fields with (its id changes when the key rotates)."""
    envelopes: Envelopes = request.app.state.envelopes
    if envelopes.mode == "off":
        return EnvelopeKeyOut(
            mode="off",
            key_id=None,
            public_key=None,
            public_key_pem=None,
            window_seconds=envelopes.window_seconds,
        )
    current = envelopes.opener.current
    return EnvelopeKeyOut(
        mode=envelopes.mode,
        key_id=current.key_id,
        public_key="04" + current.public_key,
        public_key_pem=public_key_pem(current.public_key),
        window_seconds=envelopes.window_seconds,
    )


def _refusal(reason: str, detail: str) -> Any:
    code, status, title = REFUSALS[reason]
    return problem_response(status=status, code=code, title=title, detail=detail)


class EnvelopeMiddleware:
    """Plain ASGI, inside the input-safety checks (the body size is already bounded)."""

    def __init__(self, app: ASGIApp, *, envelopes: Envelopes) -> None:
        self.app = app
        self.envelopes = envelopes

    def _route(self, scope: Scope) -> SealedRoute | None:
        method, path = scope["method"], scope["path"]
        for route in self.envelopes.routes:
            if route.method == method and route.path.match(path):
                return route
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except BodyTooLarge as exc:
            too_large = problem_response(
                status=413,
                code="request.body_too_large",
                title="Request body too large",
                detail=str(exc.detail),
            )
            await too_large(scope, receive, send)
            return
        body = b"".join(chunks)
        try:
            rewritten = await self._open(scope, route, body)
        except EnvelopeError as exc:
            await _refusal(exc.reason, str(exc))(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": rewritten, "more_body": False}
            return await receive()

        if rewritten is not body:
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(rewritten)).encode()))
            scope = {**scope, "headers": headers}
        await self.app(scope, replay, send)

    async def _open(self, scope: Scope, route: SealedRoute, body: bytes) -> bytes:
        try:
            document = json.loads(body) if body else None
        except ValueError:
            return body  # the route answers 422 for a body that is not JSON
        if not isinstance(document, dict):
            return body
        mode = self.envelopes.mode
        if ENVELOPE_MEMBER not in document:
            plain = sorted(route.fields & document.keys())
            if mode == "require" and plain:
                raise EnvelopeError("required", f"send {', '.join(plain)} in an envelope")
            return body
        if mode == "off":
            raise EnvelopeError("disabled", "this shop takes no envelopes: send the fields plain")
        opened = self.envelopes.opener.open(document.pop(ENVELOPE_MEMBER))
        stray = sorted(set(opened.fields) - route.fields)
        if stray:
            raise EnvelopeError("not_sealable", f"{', '.join(stray)} may not be sealed here")
        twice = sorted(set(opened.fields) & document.keys())
        if twice:
            raise EnvelopeError("malformed", f"{', '.join(twice)} sent both sealed and plain")
        if mode == "require" and (plain := sorted(route.fields & document.keys())):
            raise EnvelopeError("required", f"send {', '.join(plain)} in an envelope")
        ctx = getattr(scope["app"].state, "ctx", None)
        guard = self.envelopes.guard(ctx.redis if ctx is not None else None)
        # Claimed last: only an envelope that decrypts can use up its id.
        if not await guard.claim(opened.envelope_id):
            raise EnvelopeError("replayed", "this envelope was already used")
        document.update(opened.fields)
        return json.dumps(document, ensure_ascii=False).encode()

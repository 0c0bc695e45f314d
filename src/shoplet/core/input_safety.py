"""Input safety in one place: control characters, invisible characters, 64-bit ids, body size.

What every request goes through, whatever route it reaches:

- **Request bodies** (``core.schemas.RequestModel``): every string (values and keys, at any depth)
  is refused when it holds a C0 or C1 control character or DEL; tab, line feed and carriage
  return are the exception (multi-line text such as a remark or a description). Every integer
  must fit a signed 64-bit column. Both answer 422 (``request.invalid_characters`` /
  ``request.invalid``).
- **Path and query string** (:class:`InputSafetyMiddleware`): no control character at all, tab
  and line breaks included (percent-encoded or not), before any route runs: 422
  ``request.invalid_characters``.
- **Body size** (:class:`InputSafetyMiddleware`): at most ``SHOPLET_MAX_BODY_BYTES``; a route
  may declare its own ``max_body_size`` (media uploads). A declared ``Content-Length`` over the
  limit is refused before any route runs, a streamed body as soon as it passes the limit: 413
  ``request.body_too_large``.
- **Names and addresses** (``core.schemas.CleanText``): zero-width and bidi control characters
  are removed, and tabs and line breaks become spaces, since a shopper never means them there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplet.core.errors import problem_response

MAX_ID = 2**63 - 1
MIN_INT64 = -(2**63)

# C0 controls but tab, LF and CR; DEL; C1 controls.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every control character, tab and line breaks included: paths, query strings.
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Zero-width characters, directional marks, bidi embeddings/overrides/isolates, the BOM.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")

INVALID_CHARACTERS = "request.invalid_characters"
BODY_TOO_LARGE = "request.body_too_large"


def _codepoint(match: re.Match[str]) -> str:
    return f"U+{ord(match.group()):04X}"


def check_body_value(value: Any, where: str = "") -> None:
    """Raise a pydantic error for a control character or a too large integer anywhere in a
    decoded JSON value (strings, dict keys, lists, nested objects)."""
    if isinstance(value, str):
        if (bad := _BODY_CONTROL.search(value)) is not None:
            raise PydanticCustomError(
                "invalid_characters",
                "{where} contains a control character ({char})",
                {"where": where, "char": _codepoint(bad)},
            )
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not MIN_INT64 <= value <= MAX_ID:
            raise PydanticCustomError(
                "int_out_of_range",
                "{where} is outside the signed 64-bit integer range",
                {"where": where},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            check_body_value(key, name)
            check_body_value(item, name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_body_value(item, f"{where or 'body'}[{index}]")


def clean_text(value: Any) -> Any:
    """Names and addresses: drop invisible characters, turn tabs and line breaks into spaces."""
    if isinstance(value, str):
        return _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", value))
    return value


def _first_control(scope: Scope) -> str | None:
    """Where a control character hides in the path or the (percent-decoded) query string."""
    if _ANY_CONTROL.search(scope.get("path", "")):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if query:
        text = query.decode("utf-8", "replace")
        if _ANY_CONTROL.search(text):
            return "query string"
        if "%" in text:
            for name, value in parse_qsl(text, keep_blank_values=True):
                if _ANY_CONTROL.search(name) or _ANY_CONTROL.search(value):
                    return f"query parameter {name!r}"
    return None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes its limit; the error handlers render
    it as 413 ``request.body_too_large``."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body may have at most {limit} bytes")


class InputSafetyMiddleware:
    """Plain ASGI, ahead of routing: control characters in the path or query string, and a
    declared body length over the limit, are refused before any route, dependency or query
    runs; a streamed body is counted as the route reads it. ``route_limits`` are (path regex,
    max bytes) of routes declaring a larger ``max_body_size`` (media uploads); a list is kept,
    not copied, so routes included later (the console's, on first use) add theirs to it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        route_limits: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.route_limits = route_limits if isinstance(route_limits, list) else list(route_limits)

    def _limit_for(self, path: str) -> int:
        for pattern, limit in self.route_limits:
            if pattern.match(path):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        where = _first_control(scope)
        if where is not None:
            response = problem_response(
                status=422,
                code=INVALID_CHARACTERS,
                title="Invalid characters",
                detail=f"The {where} contains a control character",
            )
            await response(scope, receive, send)
            return
        limit = self._limit_for(scope["path"]) if self.route_limits else self.max_body_bytes
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            response = problem_response(
                status=413,
                code=BODY_TOO_LARGE,
                title="Request body too large",
                detail=f"The request body may have at most {limit} bytes",
                max_bytes=limit,
            )
            await response(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_limited, send)

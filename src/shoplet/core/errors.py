"""One error base and one renderer: RFC 9457 problem+json with a stable machine code.

Modules subclass :class:`ShopletError` in their own ``errors.py``; services raise those and
never ``HTTPException``. 422 is reserved for malformed payloads (validation errors).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar, cast

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("shoplet.errors")


class ShopletError(Exception):
    """A business error: HTTP status, stable code (``module.reason``), human title and detail."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "shoplet.error"
    title: ClassVar[str] = "Request failed"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotFound(ShopletError):
    status = 404
    code = "shoplet.not_found"
    title = "Not found"


class Conflict(ShopletError):
    status = 409
    code = "shoplet.conflict"
    title = "Conflict"


class Unauthorized(ShopletError):
    status = 401
    code = "auth.unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(ShopletError):
    status = 403
    code = "auth.forbidden"
    title = "Not allowed"


class RateLimited(ShopletError):
    status = 429
    code = "shoplet.rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(max(1, retry_after))


class BadRequest(ShopletError):
    status = 400
    code = "shoplet.bad_request"
    title = "Bad request"


class ServiceUnavailable(ShopletError):
    status = 503
    code = "shoplet.unavailable"
    title = "Service unavailable"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://shoplet.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


async def _shoplet_error(request: Request, exc: Exception) -> Response:
    exc = cast(ShopletError, exc)
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        headers=exc.headers or None,
        **exc.extra,
    )


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        item = {"loc": list(err.get("loc", ())), "msg": err.get("msg"), "type": err.get("type")}
        out.append(item)
    return out


async def _validation_error(request: Request, exc: Exception) -> Response:
    exc = cast(RequestValidationError, exc)
    errors = _jsonable_errors(exc.errors())
    malformed = any(e["type"] == "json_invalid" for e in errors)
    characters = [e for e in errors if e["type"] == "invalid_characters"]
    first = (characters or errors or [{"loc": [], "msg": "invalid request"}])[0]
    where = ".".join(str(p) for p in first["loc"])
    if malformed:
        code, title = "request.malformed_json", "Malformed request"
    elif characters:
        # core.input_safety: a control character in a request body string.
        code, title = "request.invalid_characters", "Invalid characters"
    else:
        code, title = "request.invalid", "Invalid request"
    return problem_response(
        status=422,
        code=code,
        title=title,
        detail=f"{where}: {first['msg']}" if where else str(first["msg"]),
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    exc = cast(StarletteHTTPException, exc)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    code = "http." + phrase.lower().replace(" ", "_").replace("-", "_")
    if status == 413:  # a streamed body over its limit (FastAPI max_body_size)
        code = "request.body_too_large"
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem_response(
        status=status,
        code=code,
        title=phrase,
        detail=detail,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path)
    return problem_response(
        status=500,
        code="server.error",
        title="Internal server error",
        detail="Something went wrong on our side; the request id identifies it in our logs.",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShopletError, _shoplet_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)


# Shared OpenAPI description of error responses, for routers' ``responses=``.
PROBLEM_SCHEMA: dict[str, Any] = {
    "content": {
        PROBLEM_JSON: {
            "schema": {
                "type": "object",
                "required": ["type", "title", "status", "detail", "code"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                    "instance": {"type": "string"},
                },
            }
        }
    },
    "description": "Problem details (RFC 9457)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return dict.fromkeys(statuses, PROBLEM_SCHEMA)

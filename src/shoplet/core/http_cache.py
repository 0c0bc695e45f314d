"""HTTP caching for public reads (catalog, categories): strong ETags, 304s and Cache-Control.

An endpoint returns ``cached_json(request, body)`` instead of its model::

    @router.get("/products/{product_id}")
    async def product_detail(product_id: int, request: Request, ctx: Ctx) -> Response:
        entry = await ctx.cache.get_or_load_entry("catalog_product", product_id, load)
        if entry.body is None:
            raise ProductNotFound()
        return cached_json(request, entry, max_age=30, swr=120)

- The ETag is a strong validator: BLAKE2b of the exact body bytes, so identical bodies from any
  replica carry the same tag and a browser/CDN revalidation costs a 304 with no body. A cache
  entry (``core.cache.CachedBody``) carries its ETag, hashed once when it was filled; the
  response's headers are then built straight as bytes, with no per-request encoding or hashing.
- Personal data is never cached by anyone but the client itself: a request carrying an
  ``Authorization`` header, a route marked ``openapi_extra=PRIVATE_ROUTE``, or ``private=True``
  gets ``Cache-Control: private, no-store`` and no ETag.
- Plain functions on starlette ``Response``: no middleware, nothing on the other routes' path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from shoplet.core.cache import CachedBody, strong_etag, to_json_bytes

NO_STORE: Final = "private, no-store"
# Mark a route as personal: ``@router.get(..., openapi_extra=PRIVATE_ROUTE)``.
PRIVATE_ROUTE: Final[dict[str, Any]] = {"x-shoplet-cache": "private"}
_CONDITIONAL_METHODS: Final = frozenset({"GET", "HEAD"})


def etag_for(body: bytes) -> str:
    """A strong ETag for ``body`` (quoted, as sent in the header)."""
    return strong_etag(body)


def if_none_match(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag equal to ``etag`` by weak comparison."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in header.split(","))


def _header(request: Request, name: bytes) -> str | None:
    """One request header straight from the ASGI scope (no ``Headers`` object built)."""
    for key, value in request.scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def is_private_request(request: Request) -> bool:
    """Personal: the request is authenticated, or its route is marked ``PRIVATE_ROUTE``."""
    if _header(request, b"authorization") is not None:
        return True
    route = request.scope.get("route")
    extra = getattr(route, "openapi_extra", None) or {}
    return bool(extra.get("x-shoplet-cache") == "private")


@lru_cache(maxsize=64)
def public_cache_control(max_age: int, swr: int) -> str:
    if max_age < 0 or swr < 0:
        raise ValueError("max_age and swr must not be negative")
    return f"public, max-age={max_age}, stale-while-revalidate={swr}"


_JSON: Final = (b"content-type", b"application/json")
_VARY: Final = (b"vary", b"Accept-Encoding")


@lru_cache(maxsize=64)
def _cache_control_header(max_age: int, swr: int) -> tuple[bytes, bytes]:
    return (b"cache-control", public_cache_control(max_age, swr).encode())


class _RawResponse(Response):
    """A response whose headers are already bytes: nothing to encode, look up or hash."""

    def __init__(self, body: bytes, status_code: int, raw_headers: list[tuple[bytes, bytes]]):
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def cached_json(
    request: Request,
    payload: Any,
    *,
    max_age: int = 30,
    swr: int = 120,
    private: bool = False,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response that shared caches and browsers may keep and revalidate.

    ``payload`` is a cache entry (``CachedBody``: bytes and their ETag, from
    ``Cache.get_or_load_entry``), the JSON body as bytes, or anything ``to_json_bytes``
    serialises (Pydantic models, dicts, lists). ``If-None-Match`` matching the body's ETag on a
    GET/HEAD answers ``304 Not Modified`` with no body.
    """
    etag: str | None = None
    if isinstance(payload, CachedBody):
        if payload.body is None:
            raise ValueError("a 'not found' cache entry has no body to send")
        body, etag = payload.body, payload.etag
    else:
        body = payload if isinstance(payload, bytes) else to_json_bytes(payload)
    extra = dict(headers or {})
    if private or is_private_request(request):
        extra["Cache-Control"] = NO_STORE
        return Response(body, status_code, headers=extra, media_type="application/json")
    etag = etag or etag_for(body)
    if status_code == 200 and not extra:
        # The hot path (a cached storefront read): headers straight as bytes.
        tag = (b"etag", etag.encode())
        control = _cache_control_header(max_age, swr)
        if request.method in _CONDITIONAL_METHODS and if_none_match(
            _header(request, b"if-none-match"), etag
        ):
            return _RawResponse(b"", 304, [tag, control, _VARY])
        length = (b"content-length", str(len(body)).encode())
        return _RawResponse(body, 200, [length, _JSON, tag, control, _VARY])
    extra.update(
        {
            "ETag": etag,
            "Cache-Control": public_cache_control(max_age, swr),
            "Vary": "Accept-Encoding",
        }
    )
    if (
        status_code == 200
        and request.method in _CONDITIONAL_METHODS
        and if_none_match(request.headers.get("if-none-match"), etag)
    ):
        return Response(status_code=304, headers=extra)
    return Response(body, status_code, headers=extra, media_type="application/json")


def private_json(request: Request, payload: Any, *, status_code: int = 200) -> Response:
    """A JSON response that no cache may store (personal data)."""
    return cached_json(request, payload, private=True, status_code=status_code)


__all__ = [
    "NO_STORE",
    "PRIVATE_ROUTE",
    "cached_json",
    "etag_for",
    "if_none_match",
    "is_private_request",
    "private_json",
    "public_cache_control",
]

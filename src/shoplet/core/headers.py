"""Security headers on every response (one plain ASGI middleware, like the request context one).

The built console (``/console``) and H5 storefront (``/``) load only their own files: scripts from
self (and WebAssembly compiled from them: ``'wasm-unsafe-eval'`` allows ``WebAssembly``
instantiation only, never ``eval`` or inline script — the 3D viewer's mesh decoder, bundled from
npm, is WebAssembly), styles from self plus inline ones (Element Plus and uni-app set ``style``
attributes), images from self, ``data:`` and ``blob:``, API calls to self. Swagger UI / ReDoc
(locally served assets, inline script) and the embedded simulators' pages (inline script) keep
their own content but still refuse to be framed. HSTS is sent only when the client came over
https, directly or through a trusted proxy's ``X-Forwarded-Proto``.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplet.core.net import Network, resolve_scheme

APP_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
FRAME_ONLY_CSP = "frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# Pages that bring their own scripts: API docs and the embedded simulators (not in production).
OWN_CONTENT_PREFIXES = ("/docs", "/redoc", "/_sim/", "/open/v1/docs")

_STATIC_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)


def _raw(headers: Sequence[tuple[str, str]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
    )


# Encoded once: (own content?, https?) -> the headers every such response gets unless it set them.
_RAW: dict[tuple[bool, bool], tuple[tuple[bytes, bytes], ...]] = {
    (own, https): _raw(
        [
            *_STATIC_HEADERS,
            ("Content-Security-Policy", FRAME_ONLY_CSP if own else APP_CSP),
            *((("Strict-Transport-Security", HSTS),) if https else ()),
        ]
    )
    for own in (False, True)
    for https in (False, True)
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_proxies: Sequence[Network] = ()) -> None:
        self.app = app
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        security = _RAW[path.startswith(OWN_CONTENT_PREFIXES), self._is_https(scope)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw header tuples appended as they are (the names a response set itself win):
                # no per-request header object, encoding or repeated scans.
                headers = list(message.get("headers") or ())
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in security if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _is_https(self, scope: Scope) -> bool:
        if not self.trusted_proxies and scope.get("scheme", "http") == "http":
            return False  # nobody may say otherwise: skip the header scan and the resolution
        forwarded_proto = None
        if self.trusted_proxies:
            for name, value in scope["headers"]:
                if name == b"x-forwarded-proto":
                    forwarded_proto = value.decode("latin-1")
                    break
        client = scope.get("client")
        scheme = resolve_scheme(
            scope.get("scheme", "http"),
            peer=client[0] if client else None,
            forwarded_proto=forwarded_proto,
            trusted=self.trusted_proxies,
        )
        return scheme == "https"


__all__ = ["APP_CSP", "FRAME_ONLY_CSP", "HSTS", "SecurityHeadersMiddleware"]

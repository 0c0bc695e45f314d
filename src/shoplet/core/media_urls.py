"""Media are stored by key, served by URL: the media base is applied when a response is written.

Rows keep ``/media/<key>`` (the object's key under the fixed ``/media`` prefix, the same with
or without a CDN), never the host the media happen to be served from today. A response field
typed ``ServedMediaUrl`` is written as ``<SHOPLET_MEDIA_PUBLIC_BASE_URL>/<key>`` when a base is
configured (``/media/<key>`` otherwise), and a request field passed through ``stored_ref`` turns
a URL under the base back into ``/media/<key>``. Changing the CDN host is then a setting: no
row names the old one (docs/deploy.md, "Media in object storage").

The base is the app's setting, bound per request by ``MediaBaseMiddleware`` (a context variable,
so two apps in one process, as in tests, each serve their own). Outside a request (jobs, the
CLI) no base is bound: values stay ``/media/<key>``, which the app and the gateway answer."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated

from pydantic import PlainSerializer
from starlette.types import ASGIApp, Receive, Scope, Send

MEDIA_PREFIX = "/media/"

_base: ContextVar[str | None] = ContextVar("shoplet_media_base", default=None)


def served_url(stored: str) -> str:
    """The URL clients fetch a stored media reference from (anything else unchanged)."""
    base = _base.get()
    if base is not None and stored.startswith(MEDIA_PREFIX):
        return base + stored[len(MEDIA_PREFIX) - 1 :]
    return stored


def stored_ref(url: str) -> str:
    """What a row keeps for a URL a client sent: ``<base>/<key>`` becomes ``/media/<key>``."""
    base = _base.get()
    if base is not None and url.startswith(base + "/") and len(url) > len(base) + 1:
        return MEDIA_PREFIX + url[len(base) + 1 :]
    return url


def normalise_base(base: str | None) -> str | None:
    return base.rstrip("/") or None if base else None


ServedMediaUrl = Annotated[str, PlainSerializer(served_url, return_type=str)]


class MediaBaseMiddleware:
    """Binds the app's media base for the request (and every task it starts)."""

    def __init__(self, app: ASGIApp, *, base: str) -> None:
        self.app = app
        self.base = normalise_base(base)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _base.set(self.base)
        try:
            await self.app(scope, receive, send)
        finally:
            _base.reset(token)


class media_base:  # noqa: N801 - used as a context manager, like contextlib's
    """Bind a base outside a request: ``with media_base(settings.media_public_base_url): …``."""

    def __init__(self, base: str | None) -> None:
        self.base = normalise_base(base)

    def __enter__(self) -> None:
        self._token = _base.set(self.base)

    def __exit__(self, *exc: object) -> None:
        _base.reset(self._token)

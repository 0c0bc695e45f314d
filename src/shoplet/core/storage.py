"""Object storage for files Shoplet writes: product images (public) and exports (private).

One small interface, :class:`Storage`, keyed by relative paths (``uploads/ab/ab12….jpg``):

- :class:`LocalStorage` keeps objects as files under a directory (the embedded default and
  single-host deployments: ``settings.media_dir`` is served at ``/media`` by the app or the
  gateway; private files live under ``data_dir/files`` and are only streamed by the API);
- an S3-compatible implementation (MinIO, COS, OSS) can replace it later behind the same
  interface: every method maps to one S3 call (PUT, GET, HEAD, DELETE), and nothing relies on
  append or rename.

Writes are atomic (a temporary file, then ``os.replace``): a reader never sees half an object,
and writing the same key again replaces it whole, so retried writes are harmless. File I/O runs
in a thread so the event loop keeps serving requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal, Protocol

from shoplet.core.context import AppContext

KEY_MAX = 512
CHUNK_SIZE = 64 * 1024
# Segments start with a letter or digit, so "." / ".." / hidden files cannot be named.
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")

Area = Literal["media", "private"]


class InvalidKey(ValueError):
    """A key that is not a relative path of safe segments."""


class ObjectNotFound(LookupError):
    """No object under that key."""


def check_key(key: str) -> str:
    if len(key) > KEY_MAX or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


def content_key(folder: str, data: bytes, extension: str) -> str:
    """A content-addressed key: ``<folder>/<2 hex>/<32 hex>.<ext>`` (SHA-256 of ``data``).

    Equal bytes get the same key (an upload repeated is stored once); changed bytes get a new
    key, so URLs can be cached forever."""
    digest = hashlib.sha256(data).hexdigest()
    return check_key(f"{folder}/{digest[:2]}/{digest[:32]}.{extension}")


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any previous object atomically."""

    async def read(self, key: str) -> bytes:
        """The whole object; :class:`ObjectNotFound` when absent."""

    def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The object in chunks; :class:`ObjectNotFound` (on first iteration) when absent."""

    async def size(self, key: str) -> int | None:
        """Size in bytes, or None when absent."""

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error (idempotent)."""

    def public_url(self, key: str) -> str | None:
        """The URL clients fetch the object from, or None for private storage."""


class LocalStorage:
    """Objects as files under ``root``; ``url_prefix`` (e.g. ``/media``) makes them public."""

    def __init__(self, root: Path, *, url_prefix: str | None = None) -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/") if url_prefix else None

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path_of(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    async def read(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            fh = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(fh.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(fh.close)

    async def size(self, key: str) -> int | None:
        path = self.path_of(key)
        try:
            return (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(path.unlink, True)

    def public_url(self, key: str) -> str | None:
        if self.url_prefix is None:
            return None
        return f"{self.url_prefix}/{check_key(key)}"


MEDIA_URL_PREFIX = "/media"


def get_storage(ctx: AppContext, area: Area) -> Storage:
    """The process's storage for ``area``: ``media`` (public, served at ``/media``) or
    ``private`` (exports and other files only the API hands out), built once per context."""
    name = f"storage.{area}"
    storage = ctx.extras.get(name)
    if storage is None:
        settings = ctx.settings
        if area == "media":
            storage = LocalStorage(settings.media_dir, url_prefix=MEDIA_URL_PREFIX)
        else:
            storage = LocalStorage(settings.data_dir / "files")
        ctx.extras[name] = storage
    result: Storage = storage
    return result


__all__ = [
    "MEDIA_URL_PREFIX",
    "Area",
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "Storage",
    "check_key",
    "content_key",
    "get_storage",
]

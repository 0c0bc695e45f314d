"""Object storage for files Shoplet writes: product images (public) and exports (private).

One small interface, :class:`Storage`, keyed by relative paths (``uploads/ab/ab12….jpg``):

- :class:`LocalStorage` keeps objects as files under a directory (the embedded default and
  single-host deployments: ``settings.media_dir`` is served at ``/media`` by the app or the
  gateway; private files live under ``data_dir/files`` and are only streamed by the API);
- :class:`shoplet.core.storage_s3.S3Storage` keeps them in an S3-compatible bucket (AWS S3,
  MinIO, Tencent COS, Aliyun OSS) when ``SHOPLET_MEDIA_STORAGE_URL`` /
  ``SHOPLET_PRIVATE_STORAGE_URL`` is ``s3://bucket/prefix``: every method maps to one S3 call
  (PUT, GET, HEAD, DELETE), and nothing relies on append or rename.

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
from typing import TYPE_CHECKING, Literal, Protocol

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.core.storage_keys import CHUNK_SIZE, InvalidKey, ObjectNotFound, check_key

if TYPE_CHECKING:
    from shoplet.core.storage_s3 import S3Location

Area = Literal["media", "private"]


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


# S3 bucket names (the rules AWS, COS and OSS share): 3-63 of a-z 0-9 . -, letter or digit ends.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def parse_storage_url(url: str, name: str) -> tuple[str, str]:
    """``s3://bucket`` or ``s3://bucket/some/prefix`` -> (bucket, ``"some/prefix/"``); a
    ValueError naming the setting ``name`` otherwise."""
    scheme, sep, rest = url.partition("://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if scheme != "s3" or not sep or not _BUCKET.fullmatch(bucket):
        raise ValueError(f"{name}: not s3://bucket[/prefix] with a valid bucket name: {url!r}")
    if prefix:
        try:
            check_key(prefix)
        except InvalidKey:
            raise ValueError(f"{name}: the prefix {prefix!r} is not a safe path") from None
    return bucket, f"{prefix}/" if prefix else ""


def s3_location(settings: Settings, area: Area) -> S3Location | None:
    """Where ``area`` lives when its storage URL is ``s3://…`` (None: local files). The private
    area takes its own endpoint and keys when set (another zone), else the shared ``s3_`` ones."""
    from shoplet.core.storage_s3 import S3Location

    if area == "media":
        url, setting = settings.media_storage_url, "SHOPLET_MEDIA_STORAGE_URL"
    else:
        url, setting = settings.private_storage_url, "SHOPLET_PRIVATE_STORAGE_URL"
    if not url:
        return None
    bucket, prefix = parse_storage_url(url, setting)
    endpoint, region = settings.s3_endpoint_url, settings.s3_region
    access, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    if area == "private":
        endpoint = settings.private_s3_endpoint_url or endpoint
        region = settings.private_s3_region or region
        access = settings.private_s3_access_key_id or access
        secret = settings.private_s3_secret_access_key or secret
    return S3Location(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        region=region,
        access_key_id=access.get_secret_value() if access else None,
        secret_access_key=secret.get_secret_value() if secret else None,
        addressing_style=settings.s3_addressing_style,
    )


def build_storage(settings: Settings, area: Area) -> Storage:
    """A new storage for ``area`` as the settings say (an S3 bucket or local files)."""
    storage: Storage
    if area == "media" and settings.media_storage_url:
        from shoplet.core.storage_s3 import S3Storage

        location = s3_location(settings, area)
        assert location is not None  # noqa: S101 - the URL is set
        # Without a CDN base, the API streams /media/<key> from the bucket (shoplet/media.py).
        storage = S3Storage(
            location, public_base_url=settings.media_public_base_url or MEDIA_URL_PREFIX
        )
    elif area == "private" and settings.private_storage_url:
        from shoplet.core.storage_s3 import S3Storage

        location = s3_location(settings, area)
        assert location is not None  # noqa: S101 - the URL is set
        storage = S3Storage(location)
    elif area == "media":
        storage = LocalStorage(
            settings.media_dir, url_prefix=settings.media_public_base_url or MEDIA_URL_PREFIX
        )
    else:
        storage = LocalStorage(settings.data_dir / "files")
    return storage


def get_storage(ctx: AppContext, area: Area) -> Storage:
    """The process's storage for ``area``: ``media`` (public, served at ``/media`` or the public
    base URL) or ``private`` (exports and other files only the API hands out), built once per
    context."""
    name = f"storage.{area}"
    storage = ctx.extras.get(name)
    if storage is None:
        storage = ctx.extras[name] = build_storage(ctx.settings, area)
    result: Storage = storage
    return result


__all__ = [
    "MEDIA_URL_PREFIX",
    "Area",
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "Storage",
    "build_storage",
    "check_key",
    "content_key",
    "get_storage",
    "parse_storage_url",
    "s3_location",
]

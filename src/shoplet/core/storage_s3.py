"""Objects in an S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS) with aiobotocore.

The same contract as :class:`shoplet.core.storage.LocalStorage`, one S3 call per method:
``put`` is a PutObject (S3 replaces an object whole, so a retried write is harmless), ``read`` and
``stream`` a GetObject (``stream`` reads the body in chunks, never the whole object at once),
``size`` a HeadObject, ``delete`` a DeleteObject (S3 answers 204 for a missing key too).

Only :func:`shoplet.core.storage.get_storage` imports this module, and only when a storage URL is
``s3://…``: the embedded default never loads botocore (tests/test_startup.py).

The client (an aiohttp session inside) belongs to the event loop that made it; a storage used
from another loop (a test, a CLI command's ``asyncio.run``) makes its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shoplet.core.storage_keys import CHUNK_SIZE, ObjectNotFound, check_key

# Content-addressed media keys never change content: a CDN and browsers may keep them a year.
IMMUTABLE = "public, max-age=31536000, immutable"
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/prefix/" (always ending with a slash)
    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None
    addressing_style: str  # "virtual" or "path"


class S3Storage:
    """Objects under ``location.prefix`` in ``location.bucket``; ``public_base_url`` (a CDN or the
    bucket's domain) makes them public, and their ``Cache-Control`` immutable."""

    def __init__(self, location: S3Location, *, public_base_url: str | None = None) -> None:
        self.location = location
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._client: Any = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def object_name(self, key: str) -> str:
        return self.location.prefix + check_key(key)

    async def _s3(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        stack = contextlib.AsyncExitStack()
        client = await stack.enter_async_context(make_client(self.location))
        if self._client is not None and self._loop is loop:  # another task made one meanwhile
            await stack.aclose()
            return self._client
        # A client of a finished loop cannot be closed from this one; its loop took its sockets.
        self._client, self._stack, self._loop = client, stack, loop
        return client

    async def aclose(self) -> None:
        stack, self._stack, self._client, self._loop = self._stack, None, None, None
        if stack is not None:
            await stack.aclose()

    async def put(self, key: str, data: bytes) -> None:
        name = self.object_name(key)
        extra: dict[str, str] = {}
        content_type, _ = mimetypes.guess_type(name)
        if content_type:
            extra["ContentType"] = content_type
        if self.public_base_url is not None:
            extra["CacheControl"] = IMMUTABLE
        s3 = await self._s3()
        await s3.put_object(Bucket=self.location.bucket, Key=name, Body=data, **extra)

    async def _get(self, key: str) -> Any:
        name = self.object_name(key)
        s3 = await self._s3()
        try:
            return await s3.get_object(Bucket=self.location.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise ObjectNotFound(key) from None
            raise

    async def read(self, key: str) -> bytes:
        response = await self._get(key)
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        response = await self._get(key)
        async with response["Body"] as body:
            async for chunk in body.iter_chunks(chunk_size):
                yield chunk

    async def size(self, key: str) -> int | None:
        name = self.object_name(key)
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.location.bucket, Key=name)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise
        length: int = head["ContentLength"]
        return length

    async def delete(self, key: str) -> None:
        name = self.object_name(key)
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.location.bucket, Key=name)

    def public_url(self, key: str) -> str | None:
        if self.public_base_url is None:
            return None
        return f"{self.public_base_url}/{check_key(key)}"


def make_client(location: S3Location) -> Any:
    """An aiobotocore S3 client (an async context manager) for ``location``."""
    config = Config(
        s3={"addressing_style": location.addressing_style},
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        # COS and OSS reject the CRC checksums newer botocore sends by default; MD5-era
        # behaviour (checksums only when an operation requires one) works everywhere.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return get_session().create_client(
        "s3",
        endpoint_url=location.endpoint_url,
        region_name=location.region,
        aws_access_key_id=location.access_key_id,
        aws_secret_access_key=location.secret_access_key,
        config=config,
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


async def bucket_problem(location: S3Location) -> str | None:
    """Why the bucket cannot be used (missing, refused keys, unreachable), or None: a HeadBucket,
    the cheapest call that needs both the bucket and the keys."""
    where = location.endpoint_url or f"AWS {location.region}"
    try:
        async with make_client(location) as s3:
            await s3.head_bucket(Bucket=location.bucket)
    except ClientError as exc:
        code = _code(exc)
        if code in {"404", "NoSuchBucket", "NotFound"}:
            return f"bucket {location.bucket!r} does not exist at {where}"
        if code in {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            return (
                f"access to bucket {location.bucket!r} at {where} refused ({code}): "
                "check the access key, the secret key and the bucket's policy"
            )
        return f"bucket {location.bucket!r} at {where}: {code or exc}"
    except (BotoCoreError, OSError) as exc:
        return f"cannot reach {where}: {exc}"
    return None


__all__ = ["IMMUTABLE", "S3Location", "S3Storage", "bucket_problem", "make_client"]

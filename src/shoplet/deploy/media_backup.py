"""``shoplet backup media`` / ``restore media`` when media live in an S3 bucket.

The media are copied object by object between two *places*: an S3 bucket and prefix
(:class:`BucketPlace`, aiobotocore: the media bucket, a backup bucket, possibly at another
endpoint) or a local directory (:class:`DirectoryPlace`). One algorithm serves every direction
(bucket -> bucket or directory for a backup, back again for a restore):

1. list the target once (ListObjectsV2, paginated; or a walk of the directory) into a map
   key -> (size, ETag);
2. list the source page by page and copy, ``jobs`` objects at a time, every object the target
   lacks or holds with another size or ETag; the rest count as unchanged;
3. with ``delete``, remove what the target has that the source no longer has.

**Resumable.** An object is written whole (PutObject / CopyObject, or a temporary file renamed
into place), so an interrupted run leaves only complete objects behind, and the next run skips
them by size and ETag: it copies only what the first did not reach.

**ETags.** S3's ETag of an object written in one PutObject (every upload Shoplet makes) is the MD5
of its bytes, so a local file matches when its MD5 does. A multipart upload's ETag (``…-N``)
is no MD5; such an object counts as unchanged when the sizes are equal. Media keys are content
hashes (``core/storage.py``), so an equal key and size is the same file anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from shoplet.core.storage_keys import InvalidKey, check_key
from shoplet.core.storage_s3 import S3Location, make_client

Progress = Callable[[str], None]
# key -> (size, ETag without quotes, or None when not known yet for a local file)
Index = dict[str, tuple[int, str | None]]


class MediaBackupError(RuntimeError):
    pass


@dataclass
class SyncReport:
    copied: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[str] = field(default_factory=list)  # keys that are not safe paths
    bytes_copied: int = 0

    @property
    def checked(self) -> int:
        return self.copied + self.unchanged + len(self.skipped)

    def line(self) -> str:
        mb = self.bytes_copied / 1_000_000
        text = (
            f"media: {self.checked} checked, {self.copied} copied ({mb:.1f} MB), "
            f"{self.unchanged} unchanged"
        )
        if self.deleted:
            text += f", {self.deleted} deleted"
        if self.skipped:
            text += f", {len(self.skipped)} skipped (not a safe key)"
        return text


class Place(Protocol):
    name: str

    def listing(self) -> AsyncIterator[list[tuple[str, int, str | None]]]:
        """Pages of (key, size, ETag or None)."""

    async def md5(self, key: str) -> str:
        """The hex MD5 of the object's bytes."""

    async def read(self, key: str) -> bytes: ...

    async def write(self, key: str, data: bytes) -> None: ...

    async def remove(self, key: str) -> None: ...


class DirectoryPlace:
    """Objects as files under ``root`` (keys are relative paths)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def listing(self) -> AsyncIterator[list[tuple[str, int, str | None]]]:
        files = await asyncio.to_thread(self._walk)
        for start in range(0, len(files), 1000):
            yield files[start : start + 1000]

    def _walk(self) -> list[tuple[str, int, str | None]]:
        found: list[tuple[str, int, str | None]] = []
        if not self.root.is_dir():
            return found
        for directory, _, names in os.walk(self.root):
            for name in names:
                if name.startswith("."):  # our own temporary files, hidden files
                    continue
                path = Path(directory) / name
                key = path.relative_to(self.root).as_posix()
                found.append((key, path.stat().st_size, None))
        found.sort()
        return found

    async def md5(self, key: str) -> str:
        return await asyncio.to_thread(_file_md5, self._path(key))

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def write(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(_write_atomically, self._path(key), data)

    async def remove(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


class BucketPlace:
    """Objects under ``location.prefix`` in ``location.bucket``; ``open()`` makes the client."""

    def __init__(self, location: S3Location, *, page_size: int = 1000) -> None:
        self.location = location
        self.page_size = page_size
        self.name = f"s3://{location.bucket}/{location.prefix}"
        self._client: Any = None

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[BucketPlace]:
        async with make_client(self.location) as client:
            self._client = client
            try:
                yield self
            finally:
                self._client = None

    def same_service(self, other: BucketPlace) -> bool:
        """Both reachable with one client: CopyObject copies inside the service."""
        a, b = self.location, other.location
        return (a.endpoint_url, a.region, a.access_key_id, a.secret_access_key) == (
            b.endpoint_url,
            b.region,
            b.access_key_id,
            b.secret_access_key,
        )

    async def listing(self) -> AsyncIterator[list[tuple[str, int, str | None]]]:
        prefix = self.location.prefix
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.location.bucket,
            Prefix=prefix,
            PaginationConfig={"PageSize": self.page_size},
        )
        async for page in pages:
            yield [
                (item["Key"][len(prefix) :], int(item["Size"]), str(item["ETag"]).strip('"'))
                for item in page.get("Contents", [])
            ]

    async def md5(self, key: str) -> str:
        return hashlib.md5(await self.read(key), usedforsecurity=False).hexdigest()

    async def read(self, key: str) -> bytes:
        response = await self._client.get_object(
            Bucket=self.location.bucket, Key=self.location.prefix + key
        )
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def write(self, key: str, data: bytes) -> None:
        await self._client.put_object(
            Bucket=self.location.bucket, Key=self.location.prefix + key, Body=data
        )

    async def copy_from(self, source: BucketPlace, key: str) -> None:
        await self._client.copy_object(
            Bucket=self.location.bucket,
            Key=self.location.prefix + key,
            CopySource={"Bucket": source.location.bucket, "Key": source.location.prefix + key},
            MetadataDirective="COPY",
        )

    async def remove(self, key: str) -> None:
        await self._client.delete_object(
            Bucket=self.location.bucket, Key=self.location.prefix + key
        )


def _file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


async def _index(place: Place) -> Index:
    index: Index = {}
    async for page in place.listing():
        for key, size, etag in page:
            index[key] = (size, etag)
    return index


async def _same(
    source: Place,
    target: Place,
    key: str,
    *,
    size: int,
    etag: str | None,
    there: tuple[int, str | None],
) -> bool:
    """Whether ``target`` already holds ``source``'s object ``key``."""
    other_size, other_etag = there
    if other_size != size:
        return False
    if etag is not None and other_etag is not None:
        return etag == other_etag
    known = etag if etag is not None else other_etag
    if known is None or "-" in known:  # two directories, or a multipart upload: size and key
        return True
    # One side is a directory: its file's MD5 against the bucket's single-part ETag.
    local = target if etag is not None else source
    return await local.md5(key) == known


async def sync_places(
    source: Place,
    target: Place,
    *,
    delete: bool = False,
    jobs: int = 8,
    progress_every: int = 500,
    progress: Progress = lambda _line: None,
) -> SyncReport:
    """Copy every object of ``source`` that ``target`` lacks or holds differently (size, ETag);
    with ``delete``, remove what ``target`` has beyond ``source``. See the module's docstring."""
    report = SyncReport()
    target_index = await _index(target)
    progress(f"media: {source.name} -> {target.name} ({len(target_index)} objects there already)")
    seen: set[str] = set()
    next_line = progress_every

    async def copy(key: str) -> None:
        if (
            isinstance(source, BucketPlace)
            and isinstance(target, BucketPlace)
            and target.same_service(source)
        ):
            await target.copy_from(source, key)
            return
        await target.write(key, await source.read(key))

    async def handle(key: str, size: int, etag: str | None) -> None:
        there = target_index.get(key)
        if there is not None and await _same(
            source, target, key, size=size, etag=etag, there=there
        ):
            report.unchanged += 1
            return
        await copy(key)
        report.copied += 1
        report.bytes_copied += size

    async for page in source.listing():
        # (key, size, ETag) of the safe keys; coroutines are made a chunk at a time, so an
        # interruption leaves none un-awaited.
        todo: list[tuple[str, int, str | None]] = []
        for key, size, etag in page:
            try:
                check_key(key)
            except InvalidKey:
                report.skipped.append(key)
                continue
            seen.add(key)
            todo.append((key, size, etag))
        step = max(1, jobs)
        for start in range(0, len(todo), step):
            await asyncio.gather(*(handle(*item) for item in todo[start : start + step]))
            if report.checked >= next_line:
                progress(report.line())
                next_line = (report.checked // progress_every + 1) * progress_every
    if delete:
        for key in sorted(set(target_index) - seen):
            await target.remove(key)
            report.deleted += 1
    progress(report.line())
    return report


async def sync_media_objects(
    source: BucketPlace | DirectoryPlace,
    target: BucketPlace | DirectoryPlace,
    **options: Any,
) -> SyncReport:
    """:func:`sync_places` with the buckets' clients opened (and closed) around it."""
    async with contextlib.AsyncExitStack() as stack:
        for place in _buckets((source, target)):
            await stack.enter_async_context(place.open())
        try:
            return await sync_places(source, target, **options)
        except (ClientError, BotoCoreError) as exc:
            raise MediaBackupError(f"media copy failed: {exc}") from exc


def _buckets(places: Iterable[BucketPlace | DirectoryPlace]) -> list[BucketPlace]:
    return [place for place in places if isinstance(place, BucketPlace)]


__all__ = [
    "BucketPlace",
    "DirectoryPlace",
    "MediaBackupError",
    "SyncReport",
    "sync_media_objects",
    "sync_places",
]

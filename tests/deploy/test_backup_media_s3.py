"""``shoplet backup media`` / ``restore media`` with the media in an S3 bucket: object by object
(paginated listings, CopyObject inside one service, GET + PUT across services, a directory as
either end), resumable by size and ETag; against moto's S3 server over HTTP and SigV4."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shoplet.core.storage_s3 import S3Location
from shoplet.deploy.media_backup import (
    BucketPlace,
    DirectoryPlace,
    MediaBackupError,
    sync_media_objects,
)
from tests.core.s3_server import ACCESS_KEY, REGION, SECRET_KEY, new_bucket, s3_server, sync_client

OBJECTS = 300
UNSAFE = "catalog/.DS_Store"  # not a media key: skipped, never copied


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


def place(endpoint: str, bucket: str, prefix: str, *, key: str = ACCESS_KEY) -> BucketPlace:
    location = S3Location(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=key,
        secret_access_key=SECRET_KEY,
        addressing_style="path",
    )
    return BucketPlace(location, page_size=100)  # three pages of a listing at least


def media_key(n: int) -> str:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    folder = "videos" if n % 50 == 0 else "catalog"
    return f"{folder}/{digest[:2]}/{digest[:32]}.{'mp4' if folder == 'videos' else 'webp'}"


def body(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest() * (1 + n % 7)


@pytest.fixture
def media(endpoint: str) -> tuple[str, dict[str, bytes]]:
    """A media bucket (prefix shop/) holding OBJECTS files and one unsafe key."""
    bucket = new_bucket(endpoint)
    s3 = sync_client(endpoint)
    files = {media_key(n): body(n) for n in range(OBJECTS)}
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=f"shop/{key}", Body=data)
    s3.put_object(Bucket=bucket, Key=f"shop/{UNSAFE}", Body=b"finder")
    return bucket, files


def objects(endpoint: str, bucket: str, prefix: str) -> dict[str, tuple[int, str]]:
    s3 = sync_client(endpoint)
    found: dict[str, tuple[int, str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"][len(prefix) :]] = (item["Size"], item["ETag"].strip('"'))
    return found


def contents(endpoint: str, bucket: str, prefix: str) -> dict[str, bytes]:
    s3 = sync_client(endpoint)
    return {
        key: s3.get_object(Bucket=bucket, Key=prefix + key)["Body"].read()
        for key in objects(endpoint, bucket, prefix)
    }


class Interrupted(Exception):
    """Ctrl-C, or the pod stopped, in the middle of a copy."""


async def test_a_backup_bucket_copy_resumes_where_an_interrupted_run_stopped(
    endpoint: str, media: tuple[str, dict[str, bytes]]
) -> None:
    bucket, files = media
    backup = new_bucket(endpoint)
    source, target = place(endpoint, bucket, "shop/"), place(endpoint, backup, "daily/")
    lines: list[str] = []

    def stop_at_first_count(line: str) -> None:
        lines.append(line)
        if "checked" in line:
            raise Interrupted

    with pytest.raises(Interrupted):
        await sync_media_objects(
            source, target, jobs=4, progress_every=50, progress=stop_at_first_count
        )
    done_before = len(objects(endpoint, backup, "daily/"))
    assert 50 <= done_before < OBJECTS
    assert lines[-1].startswith("media: 5")  # "media: 52 checked, …"

    lines.clear()
    resumed = await sync_media_objects(
        source, target, jobs=4, progress_every=100, progress=lines.append
    )

    assert resumed.copied == OBJECTS - done_before
    assert resumed.unchanged == done_before
    assert resumed.skipped == [UNSAFE]
    assert contents(endpoint, backup, "daily/") == files
    assert lines[0] == (
        f"media: s3://{bucket}/shop/ -> s3://{backup}/daily/ ({done_before} objects there already)"
    )
    assert any(
        re.fullmatch(
            r"media: 10\d checked, \d+ copied \(\d+\.\d MB\), \d+ unchanged, "
            r"1 skipped \(not a safe key\)",
            line,
        )
        for line in lines
    )
    assert lines[-1].startswith(f"media: {OBJECTS + 1} checked, {OBJECTS - done_before} copied (")
    assert lines[-1].endswith(f"{done_before} unchanged, 1 skipped (not a safe key)")

    again = await sync_media_objects(source, target)
    assert (again.copied, again.unchanged) == (0, OBJECTS)


async def test_a_directory_backup_and_a_restore_into_an_empty_bucket(
    endpoint: str, media: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    bucket, files = media
    copy = tmp_path / "media-copy"
    source = place(endpoint, bucket, "shop/")

    first = await sync_media_objects(source, DirectoryPlace(copy), jobs=8)

    assert first.copied == OBJECTS
    on_disk = {
        p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()
    }
    assert on_disk == files
    # A file damaged in the copy (same size, other bytes): its MD5 no longer matches the ETag.
    damaged = copy / media_key(7)
    damaged.write_bytes(bytes(len(files[media_key(7)])))
    second = await sync_media_objects(source, DirectoryPlace(copy))
    assert (second.copied, second.unchanged) == (1, OBJECTS - 1)
    assert damaged.read_bytes() == files[media_key(7)]

    # Restore into a new, empty bucket, reached with other keys (GET + PUT, not CopyObject).
    empty = new_bucket(endpoint)
    restored = place(endpoint, empty, "", key="another-account")
    assert not restored.same_service(source)
    back = await sync_media_objects(DirectoryPlace(copy), restored, jobs=8)
    assert back.copied == OBJECTS
    assert contents(endpoint, empty, "") == files
    # The local MD5s equal the bucket's ETags: nothing to do the second time.
    again = await sync_media_objects(DirectoryPlace(copy), restored)
    assert (again.copied, again.unchanged) == (0, OBJECTS)


async def test_delete_removes_what_the_media_no_longer_have(
    endpoint: str, media: tuple[str, dict[str, bytes]]
) -> None:
    bucket, files = media
    backup = new_bucket(endpoint)
    s3 = sync_client(endpoint)
    s3.put_object(Bucket=backup, Key="gone/catalog/aa/old.webp", Body=b"old")
    s3.put_object(Bucket=backup, Key="elsewhere.txt", Body=b"outside the prefix")
    source, target = place(endpoint, bucket, "shop/"), place(endpoint, backup, "gone/")

    kept = await sync_media_objects(source, target)
    assert "catalog/aa/old.webp" in objects(endpoint, backup, "gone/")
    deleted = await sync_media_objects(source, target, delete=True)

    assert (kept.copied, deleted.deleted) == (OBJECTS, 1)
    assert set(objects(endpoint, backup, "gone/")) == set(files)
    assert "elsewhere.txt" in objects(endpoint, backup, "")


async def test_a_missing_bucket_is_an_error_and_nothing_is_written(
    endpoint: str, media: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    bucket, _ = media
    with pytest.raises(MediaBackupError, match="NoSuchBucket"):
        await sync_media_objects(
            place(endpoint, "no-such-bucket-here", ""), DirectoryPlace(tmp_path / "copy")
        )
    assert not (tmp_path / "copy").exists()
    with pytest.raises(MediaBackupError, match="NoSuchBucket"):
        await sync_media_objects(
            place(endpoint, bucket, "shop/"), place(endpoint, "no-such-bucket-here", "")
        )


def test_the_commands_copy_the_media_bucket_out_and_back(
    endpoint: str,
    media: tuple[str, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shoplet.cli import app

    bucket, files = media
    backup = new_bucket(endpoint)
    env: dict[str, Any] = {
        "SHOPLET_DATA_DIR": str(tmp_path / "data"),
        "SHOPLET_MEDIA_STORAGE_URL": f"s3://{bucket}/shop",
        "SHOPLET_S3_ENDPOINT_URL": endpoint,
        "SHOPLET_S3_REGION": REGION,
        "SHOPLET_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "SHOPLET_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "SHOPLET_S3_ADDRESSING_STYLE": "path",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    out = runner.invoke(app, ["backup", "media", "--to", f"s3://{backup}/2026-12-04"])
    assert out.exit_code == 0, out.output
    assert contents(endpoint, backup, "2026-12-04/") == files
    assert f"media: {OBJECTS + 1} checked, {OBJECTS} copied" in out.stderr

    # Lose a few objects, then restore them from the backup bucket.
    s3 = sync_client(endpoint)
    for n in range(5):
        s3.delete_object(Bucket=bucket, Key=f"shop/{media_key(n)}")
    back = runner.invoke(app, ["restore", "media", "--from", f"s3://{backup}/2026-12-04"])
    assert back.exit_code == 0, back.output
    assert ", 5 copied (" in back.stderr
    assert {k: v for k, v in contents(endpoint, bucket, "shop/").items() if k != UNSAFE} == files

    # A directory that is not there: refused, the bucket unchanged.
    before = objects(endpoint, bucket, "shop/")
    missing = runner.invoke(app, ["restore", "media", "--from", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert "is not a directory" in missing.stderr
    assert objects(endpoint, bucket, "shop/") == before
    assert not os.path.exists(tmp_path / "nothing")

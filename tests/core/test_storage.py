"""The storage contract, the same tests for local files and for an S3 bucket (moto's server over
real HTTP and SigV4), plus how settings choose a storage and how the start-up check reports a
bucket it cannot use."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from shoplet.core.config_check import config_problems
from shoplet.core.settings import Settings
from shoplet.core.storage import (
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    Storage,
    build_storage,
    parse_storage_url,
)
from shoplet.core.storage_s3 import IMMUTABLE, S3Storage
from tests.core.s3_server import SECRET_KEY, s3_server, s3_settings, sync_client

CDN = "https://cdn.shoplet.test/media"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, endpoint: str
) -> AsyncIterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "media", url_prefix=CDN)
        return
    settings = Settings(data_dir=tmp_path, **s3_settings(endpoint))
    s3 = build_storage(settings, "media")
    assert isinstance(s3, S3Storage)
    yield s3
    await s3.aclose()


async def test_put_then_read_stream_and_size(storage: Storage) -> None:
    data = bytes(range(256)) * 1000  # 256 000 bytes: several chunks

    await storage.put("uploads/ab/one.jpg", data)

    assert await storage.read("uploads/ab/one.jpg") == data
    chunks = [c async for c in storage.stream("uploads/ab/one.jpg", chunk_size=64 * 1024)]
    assert b"".join(chunks) == data
    assert len(chunks) >= 4
    assert all(len(c) <= 64 * 1024 for c in chunks)
    assert await storage.size("uploads/ab/one.jpg") == 256_000


async def test_writing_a_key_again_replaces_the_object_whole(storage: Storage) -> None:
    await storage.put("exports/a/part-00001.csv", b"first version, longer")
    await storage.put("exports/a/part-00001.csv", b"second")

    assert await storage.read("exports/a/part-00001.csv") == b"second"
    assert await storage.size("exports/a/part-00001.csv") == 6


async def test_an_empty_object_is_an_object(storage: Storage) -> None:
    await storage.put("empty.txt", b"")

    assert await storage.read("empty.txt") == b""
    assert await storage.size("empty.txt") == 0


async def test_a_missing_object(storage: Storage) -> None:
    assert await storage.size("nothing/here.jpg") is None
    with pytest.raises(ObjectNotFound):
        await storage.read("nothing/here.jpg")
    with pytest.raises(ObjectNotFound):
        [c async for c in storage.stream("nothing/here.jpg")]


async def test_delete_is_idempotent(storage: Storage) -> None:
    await storage.put("uploads/gone.png", b"x")

    await storage.delete("uploads/gone.png")
    await storage.delete("uploads/gone.png")

    assert await storage.size("uploads/gone.png") is None
    with pytest.raises(ObjectNotFound):
        await storage.read("uploads/gone.png")


@pytest.mark.parametrize(
    "key", ["", "/abs.jpg", "../up.jpg", "a/../b.jpg", "a//b.jpg", ".hidden", "a/.b", "sp ace.jpg"]
)
async def test_invalid_keys_are_refused_before_any_call(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x")
    with pytest.raises(InvalidKey):
        await storage.read(key)
    with pytest.raises(InvalidKey):
        await storage.size(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)
    with pytest.raises(InvalidKey):
        storage.public_url(key)


async def test_public_urls_use_the_configured_base(storage: Storage) -> None:
    assert storage.public_url("catalog/ab/x.webp") == f"{CDN}/catalog/ab/x.webp"


async def test_objects_land_under_the_prefix_with_type_and_cache_headers(
    tmp_path: Path, endpoint: str
) -> None:
    overrides = s3_settings(endpoint)
    storage = build_storage(Settings(data_dir=tmp_path, **overrides), "media")
    await storage.put("catalog/ab/x.webp", b"RIFF....WEBP")
    await storage.aclose()  # type: ignore[attr-defined]

    bucket, prefix = parse_storage_url(overrides["media_storage_url"], "media")
    head = sync_client(endpoint).head_object(Bucket=bucket, Key=f"{prefix}catalog/ab/x.webp")
    assert prefix == "shop/"
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == IMMUTABLE
    assert head["ContentLength"] == 12


async def test_private_objects_have_no_public_url_and_no_cache_header(
    tmp_path: Path, endpoint: str
) -> None:
    overrides = s3_settings(endpoint)
    storage = build_storage(Settings(data_dir=tmp_path, **overrides), "private")
    await storage.put("exports/j-1/part-00001.csv", b"id,total\n")
    await storage.aclose()  # type: ignore[attr-defined]

    bucket, _ = parse_storage_url(overrides["private_storage_url"], "private")
    head = sync_client(endpoint).head_object(Bucket=bucket, Key="exports/j-1/part-00001.csv")
    assert storage.public_url("exports/j-1/part-00001.csv") is None
    assert "CacheControl" not in head
    assert head["ContentType"] == "text/csv"


def test_local_files_stay_the_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    media, private = build_storage(settings, "media"), build_storage(settings, "private")

    assert isinstance(media, LocalStorage)
    assert isinstance(private, LocalStorage)
    assert media.root == tmp_path / "media"
    assert private.root == tmp_path / "files"
    assert media.public_url("a/b.jpg") == "/media/a/b.jpg"


def test_the_private_area_may_use_its_own_endpoint_and_keys(tmp_path: Path, endpoint: str) -> None:
    settings = Settings(
        data_dir=tmp_path,
        **s3_settings(
            endpoint,
            s3_endpoint_url="http://public-cloud.test",
            private_storage_url="s3://zone-exports/shop-a/",
            private_s3_endpoint_url="http://minio.private-zone.test:9000",
            private_s3_access_key_id="zone-key",
        ),
    )

    media, private = build_storage(settings, "media"), build_storage(settings, "private")

    assert isinstance(media, S3Storage)
    assert isinstance(private, S3Storage)
    assert media.location.endpoint_url == "http://public-cloud.test"
    assert (private.location.bucket, private.location.prefix) == ("zone-exports", "shop-a/")
    assert private.location.endpoint_url == "http://minio.private-zone.test:9000"
    assert private.location.access_key_id == "zone-key"
    assert private.location.secret_access_key == SECRET_KEY  # not overridden: the shared one


@pytest.mark.parametrize(
    "url",
    ["s3://", "s3://Upper-Case", "s3://ab", "https://bucket/x", "bucket/x", "s3://ok-bucket/../x"],
)
def test_malformed_storage_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SHOPLET_MEDIA_STORAGE_URL"):
        parse_storage_url(url, "SHOPLET_MEDIA_STORAGE_URL")


def _problems(tmp_path: Path, **overrides: Any) -> list[str]:
    return [p for p in config_problems(Settings(data_dir=tmp_path, **overrides)) if "STORAGE" in p]


def test_the_check_passes_for_a_reachable_bucket_with_good_keys(
    tmp_path: Path, endpoint: str
) -> None:
    assert _problems(tmp_path, **s3_settings(endpoint)) == []


def test_the_check_reports_a_missing_bucket(tmp_path: Path, endpoint: str) -> None:
    overrides = s3_settings(endpoint, private_storage_url="s3://no-such-bucket-here/x")

    assert _problems(tmp_path, **overrides) == [
        "SHOPLET_PRIVATE_STORAGE_URL: bucket 'no-such-bucket-here' does not exist at " + endpoint
    ]


def test_the_check_reports_an_unreachable_endpoint_and_malformed_settings(
    tmp_path: Path, endpoint: str
) -> None:
    overrides = s3_settings(
        endpoint,
        s3_endpoint_url="http://127.0.0.1:9",  # discard: nothing listens
        media_storage_url="s3://Bad_Bucket",
        media_public_base_url=None,
    )

    problems = config_problems(Settings(data_dir=tmp_path, **overrides))

    assert "SHOPLET_MEDIA_STORAGE_URL: not s3://bucket[/prefix] with a valid bucket name: " in (
        "\n".join(problems)
    )
    assert any(
        p.startswith("SHOPLET_PRIVATE_STORAGE_URL: cannot reach http://127.0.0.1:9")
        for p in problems
    )


def test_the_check_refuses_a_public_base_url_that_is_not_one(tmp_path: Path) -> None:
    problems = config_problems(Settings(data_dir=tmp_path, media_public_base_url="cdn.test/m"))

    assert problems == ["SHOPLET_MEDIA_PUBLIC_BASE_URL: not https://… (or a /path)"]

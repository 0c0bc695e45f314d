from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import httpx
from PIL import Image

from shoplet.core.context import AppContext
from shoplet.modules.catalog.media import MAX_UPLOAD_BYTES
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows, bearer, fetch_staff, token_for

API = "/api/v1/console"


def png_bytes(
    size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (80, 40)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "ShopletCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def webp_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 200, 0, 128)).save(out, format="WEBP")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


async def upload(
    client: httpx.AsyncClient,
    token: str,
    data: bytes,
    *,
    filename: str = "photo.png",
    content_type: str = "image/png",
    field: str = "file",
) -> httpx.Response:
    return await client.post(
        f"{API}/media",
        files={field: (filename, data, content_type)},
        headers=bearer(token),
    )


def stored_files(ctx: AppContext) -> list[Path]:
    root = ctx.settings.media_dir / "catalog"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_operator_uploads_a_png_stored_by_content_and_served(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    data = png_bytes()

    response = await upload(client, token, data, filename="红色.png")

    assert response.status_code == 201, response.text
    body = response.json()
    image_set = body["image_set"]
    # The canonical URL is the fallback: a JPEG (the PNG has no transparency).
    assert body["url"] == image_set["fallback"] == f"/media/{body['key']}"
    assert body["url"].startswith("/media/catalog/")
    assert body["url"].endswith(".jpg")
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 64, 48)
    assert (image_set["width"], image_set["height"], image_set["color"]) == (64, 48, "#c81e1e")
    for name in ("list", "detail", "zoom"):
        assert image_set[name].startswith("/media/catalog/")
        assert image_set[name].endswith(".webp")
    files = stored_files(ctx)
    # A 64 px image: list, detail and zoom are the same bytes (never upscaled), stored once.
    assert {f"/media/{p.relative_to(ctx.settings.media_dir)}" for p in files} == {
        image_set["list"],
        image_set["fallback"],
    }
    assert (ctx.settings.media_dir / body["key"]).stat().st_size == body["size"]

    for name, content_type in (("list", "image/webp"), ("fallback", "image/jpeg")):
        served = await client.get(image_set[name])
        assert served.status_code == 200
        assert served.headers["content-type"] == content_type
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.size == (64, 48)
            red, green, blue = image.convert("RGB").getpixel((3, 3))  # type: ignore[misc]
            assert abs(red - 200) + abs(green - 30) + abs(blue - 30) < 12

    # The same image again: same URLs, stored once, recorded once.
    again = await upload(client, token, data, filename="copy.png")
    assert again.status_code == 201
    assert again.json() == body
    assert len(stored_files(ctx)) == 2

    operator = await fetch_staff(ctx, "olivia")
    entries = await audit_rows(ctx, "media.upload")
    assert [(e.staff_id, e.target) for e in entries] == [
        (operator.id, f"media:{body['key']}"),
        (operator.id, f"media:{body['key']}"),
    ]
    assert entries[0].detail == {
        "url": body["url"],
        "filename": "红色.png",
        "bytes_received": len(data),
        "size": body["size"],
        "width": 64,
        "height": 48,
    }


async def test_jpeg_is_turned_upright_and_loses_its_metadata(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")

    response = await upload(
        client, token, jpeg_with_exif(), filename="camera.jpg", content_type="image/jpeg"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["url"].endswith(".jpg")
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 40, 80)
    for url in {body["url"], body["image_set"]["zoom"]}:
        stored = (ctx.settings.media_dir / url.removeprefix("/media/")).read_bytes()
        with Image.open(io.BytesIO(stored)) as image:
            assert image.size == (40, 80)
            assert dict(image.getexif()) == {}


async def test_webp_is_accepted(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")

    # The declared type and name do not matter, the bytes do.
    response = await upload(
        client, token, webp_bytes(), filename="x.bin", content_type="application/octet-stream"
    )

    assert response.status_code == 201, response.text
    body = response.json()
    # Half-transparent: the fallback is a PNG.
    assert (body["content_type"], body["width"], body["height"]) == ("image/png", 32, 32)
    assert body["url"].endswith(".png")


async def assert_refused(
    client: httpx.AsyncClient,
    ctx: AppContext,
    token: str,
    data: bytes,
    *,
    status: int,
    code: str,
    **kwargs: str,
) -> None:
    before = await snapshot(ctx)
    response = await upload(client, token, data, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before
    assert stored_files(ctx) == []


async def test_files_that_are_not_images_are_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    invalid = "console.media_invalid"

    # A text file renamed .png, declared as a PNG.
    await assert_refused(client, ctx, token, b"just some notes\n" * 10, status=400, code=invalid)
    # A GIF is an image, but not one we take.
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    await assert_refused(client, ctx, token, gif.getvalue(), status=400, code=invalid)
    # PNG magic with the rest cut off.
    await assert_refused(client, ctx, token, png_bytes()[:60], status=400, code=invalid)
    # A decompression bomb: a tiny file claiming 20000 x 20000 pixels.
    await assert_refused(
        client, ctx, token, png_header_only(20_000, 20_000), status=400, code=invalid
    )
    # Within Pillow's limits but above ours (48 Mpx).
    await assert_refused(
        client, ctx, token, png_header_only(8_000, 6_000), status=400, code=invalid
    )
    # An empty file, and a file in another field.
    await assert_refused(client, ctx, token, b"", status=400, code=invalid)
    await assert_refused(client, ctx, token, png_bytes(), status=400, code=invalid, field="image")

    # Not multipart at all.
    before = await snapshot(ctx)
    response = await client.post(
        f"{API}/media",
        content=png_bytes(),
        headers={**bearer(token), "Content-Type": "image/png"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == invalid
    assert await snapshot(ctx) == before


async def test_images_over_5_mb_are_refused_with_413(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    too_big = "console.media_too_large"
    header = png_bytes()

    # Refused from the Content-Length, before the body is read.
    await assert_refused(
        client, ctx, token, header + os.urandom(MAX_UPLOAD_BYTES), status=413, code=too_big
    )
    # One byte over: the request is small enough to be read, the file is not.
    await assert_refused(
        client,
        ctx,
        token,
        header + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(header)),
        status=413,
        code=too_big,
    )


async def test_only_staff_who_write_products_may_upload(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    support = await token_for(client, ctx, "sam", role="support")
    before = await snapshot(ctx)

    denied = await upload(client, support, png_bytes())
    assert denied.status_code == 403
    assert denied.json()["code"] == "console.permission_denied"

    anonymous = await client.post(
        f"{API}/media", files={"file": ("a.png", png_bytes(), "image/png")}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.unauthorized"

    assert await snapshot(ctx) == before
    assert stored_files(ctx) == []

    owner = await token_for(client, ctx, "oscar", role="owner")
    assert (await upload(client, owner, png_bytes())).status_code == 201

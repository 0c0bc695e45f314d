"""Console image uploads: ``POST /console/media`` (multipart, ``products:write``).

An upload is accepted only if it is a PNG, JPEG or WebP by its magic bytes (the file name and
the declared content type are ignored), at most 5 MB, and Pillow can decode it completely within
a pixel budget. It is then re-encoded (EXIF orientation applied, metadata such as GPS position
dropped, anything after the image data discarded) and stored content-addressed under
``settings.media_dir`` through :mod:`shoplet.core.storage`, so the same image uploaded twice is
stored once and its URL can be cached forever.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import BadRequest, ShopletError, problem_responses
from shoplet.core.schemas import ResponseModel
from shoplet.core.storage import MEDIA_URL_PREFIX, content_key, get_storage

from .auth import StaffIdentity, record_audit, require_permission

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Multipart framing around the file: boundaries, part headers, a long file name.
MULTIPART_OVERHEAD = 16 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
UPLOAD_FOLDER = "uploads"
READ_CHUNK = 256 * 1024

ImageFormat = Literal["PNG", "JPEG", "WEBP"]
EXTENSIONS: dict[ImageFormat, str] = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
CONTENT_TYPES: dict[ImageFormat, str] = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
}


class MediaInvalid(BadRequest):
    code = "console.media_invalid"
    title = "Upload a PNG, JPEG or WebP image"


class MediaTooLarge(ShopletError):
    status = 413
    code = "console.media_too_large"
    title = "Images may be at most 5 MB"


class MediaOut(ResponseModel):
    url: str
    key: str
    content_type: str
    width: int
    height: int
    size: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    format: ImageFormat
    width: int
    height: int


def sniff_format(head: bytes) -> ImageFormat | None:
    """The image format from the first bytes, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def process_image(data: bytes) -> ProcessedImage:
    """Validate ``data`` as a still PNG/JPEG/WebP and re-encode it (CPU-bound: run in a thread).

    Raises :class:`MediaInvalid` for anything else: other formats, truncated or corrupt data,
    animations, decompression bombs.
    """
    sniffed = sniff_format(data[:16])
    if sniffed is None:
        raise MediaInvalid("The file is not a PNG, JPEG or WebP image")
    try:
        # The size comes from the header: refused before any pixel is decoded. (MAX_PIXELS is
        # below Pillow's own bomb limit, whose error only guards the absurd.)
        with Image.open(io.BytesIO(data), formats=[sniffed]) as probe:
            _check_dimensions(*probe.size)
            if getattr(probe, "is_animated", False):
                raise MediaInvalid("Animated images are not accepted")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[sniffed]) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            encoded = _encode(upright, sniffed)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise MediaInvalid("The image is corrupt or cannot be decoded") from exc
    return ProcessedImage(data=encoded, format=sniffed, width=upright.width, height=upright.height)


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE:
        raise MediaInvalid(f"Images must be 1 to {MAX_SIDE} pixels wide and high")
    if width * height > MAX_PIXELS:
        raise MediaInvalid(f"Images may have at most {MAX_PIXELS // 1_000_000} million pixels")


def _encode(image: Image.Image, fmt: ImageFormat) -> bytes:
    out = io.BytesIO()
    # No `exif=`/`icc_profile=` passed on: metadata (camera, GPS position) is dropped.
    if fmt == "JPEG":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True, progressive=True)
    elif fmt == "PNG":
        if image.mode not in {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}:
            image = image.convert("RGBA")
        image.save(out, format="PNG")
    else:
        if image.mode not in {"RGB", "RGBA"}:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, format="WEBP", quality=90, method=4)
    return out.getvalue()


async def _read_limited(upload: UploadFile) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise MediaTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


router = APIRouter()

ProductWriter = Annotated[StaffIdentity, Depends(require_permission("products:write"))]

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PNG, JPEG or WebP, at most 5 MB",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 413),
    openapi_extra=_UPLOAD_BODY,
    max_body_size=MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
)
async def upload_media(
    staff: ProductWriter, request: Request, session: DbSession, ctx: Ctx
) -> MediaOut:
    """Upload a product image; returns its ``/media/…`` URL for product and SKU images."""
    # The body is parsed here, after the permission check, and refused early by its length.
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise MediaTooLarge()
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise MediaInvalid("Send the image as multipart/form-data in a field named 'file'")
    try:
        form = await request.form(max_files=1, max_fields=4)
    except MultiPartException as exc:  # malformed, or more than one file
        raise MediaInvalid(f"The multipart body could not be read: {exc.message}") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise MediaInvalid("Send the image in a multipart field named 'file'")
        data = await _read_limited(upload)
    finally:
        await form.close()
    image = await asyncio.to_thread(process_image, data)

    storage = get_storage(ctx, "media")
    key = content_key(UPLOAD_FOLDER, image.data, EXTENSIONS[image.format])
    if await storage.size(key) != len(image.data):
        await storage.put(key, image.data)
    url = storage.public_url(key) or f"{MEDIA_URL_PREFIX}/{key}"
    result = MediaOut(
        url=url,
        key=key,
        content_type=CONTENT_TYPES[image.format],
        width=image.width,
        height=image.height,
        size=len(image.data),
    )
    await record_audit(
        session,
        staff,
        "media.upload",
        f"media:{key}",
        {
            "url": url,
            "filename": (upload.filename or "")[:100],
            "bytes_received": len(data),
            "size": result.size,
            "width": result.width,
            "height": result.height,
        },
        request,
    )
    return result

"""Product images uploaded in the console (``POST /console/media`` in ``console_api.py``).

An upload is accepted only if it is a PNG, JPEG or WebP by its magic bytes (the file name and
the declared content type are ignored), at most 5 MB, and Pillow can decode it completely within
a pixel budget. It is then re-encoded (EXIF orientation applied, metadata such as GPS position
dropped, anything after the image data discarded) and stored content-addressed under
``settings.media_dir`` through :mod:`shoplet.core.storage`, so the same image uploaded twice is
stored once and its URL can be cached forever.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile

from .errors import MediaInvalid, MediaTooLarge

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


async def read_limited(upload: UploadFile) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise MediaTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)

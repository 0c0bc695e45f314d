"""The shopper's avatar: a picture they chose (``chooseAvatar`` in the mini program, a file in
H5), decoded with Pillow (imported on first use) by its real format (never by its name), turned
upright, cropped to a square and stored as a 256 px PNG under a content key in the media
storage; whatever metadata the upload carried (EXIF, GPS) does not survive the re-encoding.
Posters and group pages draw it from there, so the server never fetches a picture from anywhere
else."""

from __future__ import annotations

import io

from shoplet.core.storage import Storage, content_key

from .errors import AvatarInvalid

SIDE = 256
MAX_BYTES = 5 * 1024 * 1024
MAX_INPUT_SIDE = 6000
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))


def _format(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "WEBP" if head[:4] == b"RIFF" and head[8:12] == b"WEBP" else None


def normalise(data: bytes) -> bytes:
    """The avatar PNG, or 400 ``members.avatar_invalid`` (not an image, animated, absurdly
    large, corrupt)."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # on first upload, not at start-up

    fmt = _format(data[:12])
    if fmt is None:
        raise AvatarInvalid("The file is not a PNG, JPEG or WebP picture")
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            if max(image.size) > MAX_INPUT_SIDE or min(image.size) < 1:
                raise AvatarInvalid(f"Pictures may be at most {MAX_INPUT_SIDE} pixels a side")
            if getattr(image, "is_animated", False):
                raise AvatarInvalid("Animated pictures are not accepted")
            if fmt == "JPEG":
                image.draft("RGB", (SIDE * 2, SIDE * 2))
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
        square = ImageOps.fit(upright, (SIDE, SIDE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise AvatarInvalid("The picture is corrupt or cannot be decoded") from exc
    out = io.BytesIO()
    square.save(out, "PNG", optimize=True)
    return out.getvalue()


async def store(storage: Storage, data: bytes) -> str:
    """Normalise and store the picture: its public URL."""
    png = normalise(data)
    key = content_key("avatars", png, "png")
    await storage.put(key, png)
    url = storage.public_url(key)
    if url is None:  # pragma: no cover (the media storage is public by construction)
        raise RuntimeError("the media storage has no public URL")
    return url

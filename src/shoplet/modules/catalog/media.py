"""Product media uploaded in the console (``POST /console/media``, ``POST /console/media/videos``).

Images
    An upload is accepted only if it is a PNG, JPEG or WebP by its magic bytes (the file name and
    the declared content type are ignored), at most 5 MB, still (not animated), and Pillow can
    decode it completely within a pixel budget (tall 长图 such as 750 x 4000 fit). It is then
    turned upright (EXIF orientation), converted to sRGB (an embedded ICC profile is applied, not
    copied) and every piece of metadata (EXIF with GPS position, XMP, ICC, comments, anything
    after the image data) is dropped. From it :func:`process_image` makes, by width and never
    upscaled:

    - ``list`` (360 px), ``detail`` (750 px) and ``zoom`` (1500 px) as WebP;
    - ``fallback``: JPEG, or PNG when the image has transparency, at detail size, for clients
      without WebP; its URL is the image's **canonical URL**, the one products store (legacy
      readers of ``images``/``image`` get a reasonably sized, universally readable file);
    - ``color``: the dominant colour (``#rrggbb``), the placeholder shown while loading.

    Every file is stored content-addressed (``catalog/<2 hex>/<32 hex>.<ext>``, SHA-256 of the
    bytes) through :mod:`shoplet.core.storage`: the same image uploaded twice is stored once and
    every URL can be cached forever. The CPU work runs in a worker thread (``asyncio.to_thread``).

Videos
    MP4 only, recognised by its ISO BMFF ``ftyp`` box and an MP4 brand (not by name or declared
    type), at most ``settings.media_max_video_bytes`` (50 MB by default), stored content-addressed
    as ``catalog/…/….mp4``. ``/media`` answers byte ranges (206), which the mini program's
    ``video`` component needs.

What the uploads are recorded as (``catalog_media``, keyed by canonical URL) and how product
responses get their ImageSets without more SQL: see :mod:`shoplet.modules.catalog.service.media`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from shoplet.core.storage import content_key

from .errors import MediaInvalid, VideoInvalid

if TYPE_CHECKING:
    # Pillow is imported by the functions that decode or encode pictures, on the first upload:
    # the server starts and serves the catalog without it.
    from PIL import Image

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Routes declare a static body limit; the configurable video limit is checked as it is read,
# within this ceiling.
MAX_VIDEO_CEILING = 512 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
MEDIA_FOLDER = "catalog"

Variant = Literal["list", "detail", "zoom"]
VARIANT_WIDTHS: dict[Variant, int] = {"list": 360, "detail": 750, "zoom": 1500}
WEBP_QUALITY = 82
# libwebp effort 0-6: 3 is within a few per cent of 4 in size at about two thirds of the time.
WEBP_METHOD = 3
JPEG_QUALITY = 85
# Changes whenever the pipeline's output would: callers that cache its results key on it.
PIPELINE_VERSION = (
    f"v1-{sorted(VARIANT_WIDTHS.items())}-{WEBP_QUALITY}-{WEBP_METHOD}-{JPEG_QUALITY}"
)

ImageFormat = Literal["PNG", "JPEG", "WEBP"]
T = TypeVar("T")
EXTENSIONS: dict[ImageFormat, str] = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
CONTENT_TYPES: dict[ImageFormat, str] = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
}
# ISO BMFF brands of MP4 files (ISO/IEC 14496-12/14, Apple, 3GPP-free): the major brand or one
# of the compatible brands must be one of these.
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
    | {b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"mmp4", b"f4v ", b"qt  "}
)
VIDEO_CONTENT_TYPE = "video/mp4"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file to store: its content-addressed key, bytes and type."""

    key: str
    data: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """The variants of one upload. ``width``/``height``: the size of ``zoom``, the largest
    variant (all share the aspect ratio); ``source_*``: the upright upload."""

    list: StoredFile
    detail: StoredFile
    zoom: StoredFile
    fallback: StoredFile
    width: int
    height: int
    color: str
    source_format: ImageFormat
    source_width: int
    source_height: int
    transparent: bool

    @property
    def files(self) -> tuple[StoredFile, ...]:
        return (self.list, self.detail, self.zoom, self.fallback)


@dataclass(frozen=True, slots=True)
class ProcessedVideo:
    file: StoredFile


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
    """Validate ``data`` as a still PNG/JPEG/WebP and make its variants (CPU-bound: run in a
    thread).

    Raises :class:`MediaInvalid` for anything else: other formats, truncated or corrupt data,
    animations, decompression bombs.
    """
    # Decode a large JPEG at 1/2, 1/4 or 1/8 scale (DCT scaling) while both sides stay at least
    # the zoom width: the variants are never larger, and decoding a 12 Mpx photo is most of the
    # work.
    zoom = VARIANT_WIDTHS["zoom"]
    fmt, clean = decode_still_image(
        data,
        _to_srgb_without_metadata,
        invalid=MediaInvalid,
        draft_side=zoom,
    )
    return _variants(clean, fmt)


def decode_still_image(
    data: bytes,
    use: Callable[[Image.Image, object], T],
    *,
    invalid: Callable[[str], Exception],
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
    draft_side: int | None = None,
) -> tuple[ImageFormat, T]:
    """Decode ``data`` as a still PNG, JPEG or WebP, turn it upright by its EXIF orientation and
    return its format and ``use(upright, icc_profile)``. CPU-bound: run in a thread.

    The format comes from the magic bytes, never a name or declared type; the size is checked
    from the header before any pixel is decoded (decompression bombs) and again once upright;
    animations, truncated and corrupt files are refused with ``invalid(reason)``, and so is
    anything ``use`` fails to read (a broken colour profile, say). A JPEG is decoded at the
    smallest DCT scale whose sides stay at least ``draft_side``.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    fmt = sniff_format(data[:16])
    if fmt is None:
        raise invalid("The file is not a PNG, JPEG or WebP image")

    def check(width: int, height: int) -> None:
        if width < 1 or height < 1 or width > max_side or height > max_side:
            raise _Refused(f"Images must be 1 to {max_side} pixels wide and high")
        if width * height > max_pixels:
            raise _Refused(f"Images may have at most {max_pixels // 1_000_000} million pixels")

    try:
        # max_pixels is below Pillow's own bomb limit, whose error only guards the absurd.
        with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
            check(*probe.size)
            if getattr(probe, "is_animated", False):
                raise _Refused("Animated images are not accepted")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            if fmt == "JPEG" and draft_side is not None:
                image.draft("RGB", (draft_side, draft_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            check(*upright.size)
            return fmt, use(upright, image.info.get("icc_profile"))
    except _Refused as refused:
        raise invalid(str(refused)) from None
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise invalid("The image is corrupt or cannot be decoded") from exc


class _Refused(Exception):
    """A readable image that breaks a rule (size, animation); becomes the caller's ``invalid``."""


def _to_srgb_without_metadata(image: Image.Image, icc: object) -> Image.Image:
    """``image`` as RGB, or RGBA when it has any transparent pixel, in sRGB, with no ``info``."""
    from PIL import ImageCms

    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    rgb = image.convert("RGBA" if has_alpha else "RGB")
    if isinstance(icc, bytes) and icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                rgb, source, ImageCms.createProfile("sRGB"), outputMode=rgb.mode
            )
            if converted is not None:
                rgb = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    if rgb.mode == "RGBA":
        low, _ = rgb.getchannel("A").getextrema()
        if low == 255:  # an alpha channel that hides nothing
            rgb = rgb.convert("RGB")
    rgb.info = {}
    return rgb


def _resize_to_width(image: Image.Image, width: int) -> Image.Image:
    from PIL import Image

    if image.width <= width:
        return image  # never upscaled
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _stored(image: Image.Image, fmt: ImageFormat) -> StoredFile:
    out = io.BytesIO()
    image.info = {}  # nothing from the source is written back (EXIF, XMP, ICC, comments)
    if fmt == "WEBP":
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    elif fmt == "JPEG":
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(out, format="PNG", compress_level=6)  # optimize=True: 10x the time
    data = out.getvalue()
    return StoredFile(
        key=content_key(MEDIA_FOLDER, data, EXTENSIONS[fmt]),
        data=data,
        content_type=CONTENT_TYPES[fmt],
    )


def _variants(image: Image.Image, source_format: ImageFormat) -> ProcessedImage:
    transparent = image.mode == "RGBA"
    # Each variant from the next larger one: the same result at a fraction of the work.
    zoom = _resize_to_width(image, VARIANT_WIDTHS["zoom"])
    detail = _resize_to_width(zoom, VARIANT_WIDTHS["detail"])
    small = _resize_to_width(detail, VARIANT_WIDTHS["list"])
    return ProcessedImage(
        list=_stored(small, "WEBP"),
        detail=_stored(detail, "WEBP"),
        zoom=_stored(zoom, "WEBP"),
        fallback=_stored(detail, "PNG" if transparent else "JPEG"),
        width=zoom.width,
        height=zoom.height,
        color=dominant_color(small),
        source_format=source_format,
        source_width=image.width,
        source_height=image.height,
        transparent=transparent,
    )


def dominant_color(image: Image.Image) -> str:
    """The most common colour of ``image`` after quantising to a few colours, as ``#rrggbb``;
    transparent parts count as the white page they are shown on."""
    from PIL import Image

    thumb = image.copy()
    thumb.thumbnail((64, 64))
    if thumb.mode == "RGBA":
        page = Image.new("RGB", thumb.size, (255, 255, 255))
        page.paste(thumb, mask=thumb.getchannel("A"))
        thumb = page
    quantised = thumb.convert("RGB").quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    # In "P" mode each colour is a palette index.
    counts = [(n, c) for n, c in quantised.getcolors() or [] if isinstance(c, int)] or [(1, 0)]
    _, index = max(counts, key=lambda pair: (pair[0], -pair[1]))
    palette = quantised.getpalette() or []
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


# --- video --------------------------------------------------------------------------------------


def is_mp4(head: bytes) -> bool:
    """True when ``head`` starts with an ISO BMFF ``ftyp`` box naming an MP4 brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    size = int.from_bytes(head[:4], "big")
    if size < 16 or size > len(head) or size % 4:
        return False
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, size, 4)]
    return any(brand in MP4_BRANDS for brand in brands)


def process_video(data: bytes) -> ProcessedVideo:
    """Validate ``data`` as an MP4 by its magic bytes; the file is stored as it is."""
    if not is_mp4(data[:256]):
        raise VideoInvalid("The file is not an MP4 video")
    key = content_key(MEDIA_FOLDER, data, "mp4")
    return ProcessedVideo(StoredFile(key=key, data=data, content_type=VIDEO_CONTENT_TYPE))


# --- reading uploads ----------------------------------------------------------------------------

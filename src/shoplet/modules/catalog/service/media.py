"""Uploaded media and the media of a product.

How media are stored, and why:

- ``catalog_media`` holds one row per uploaded file, keyed by its **canonical URL** (the URL a
  product stores: the fallback file of an image, the MP4 of a video), with the image's ImageSet
  (variant URLs, size, dominant colour). Files are content-addressed, so a row never changes.
  Every URL a row keeps is ``/media/<key>``, also when media are served from a CDN base: the
  responses write the base in (``core/media_urls.py``, ``ServedMediaUrl``) and request bodies
  take it out, so a new CDN host needs no data change (migration ``0050_media_keys`` converted
  the rows written before).
- A product write checks every ``/media/catalog/…`` URL it names against that table in one
  statement (unknown, or a video where an image belongs → ``catalog.media_unknown``, before
  anything is written), then **denormalises** the ImageSets the responses need onto the product
  row: ``cover`` (the first image's set) and ``image_sets`` (every uploaded gallery image,
  detail image and poster, by URL). Reads then cost what they cost before: the storefront list
  stays one statement (it selects ``cover`` with the other columns, not the map) and the detail
  reads the row it already reads. The alternative, joining ``catalog_media`` on read, would add
  a statement (or a JSON-array join) to the hottest path to save a few hundred bytes per row.
- URLs of files written before the pipeline (``/media/products/``, ``/media/uploads/``,
  ``/media/categories/``, the demo seed and the old uploader) and external ``https://`` URLs are
  still accepted in ``images``, ``turntable_images`` and SKU images, so existing products stay
  editable; they have no ImageSet (``gallery`` leaves them out, ``image_set`` is null). The new
  fields (``detail_images``, ``video_url``, ``video_poster``) take uploaded media only. Any other
  ``/media/`` URL is unknown. An uploaded image served from a CDN base (an ``https://`` URL
  ending in a pipeline key) is looked up too, so it keeps its ImageSet; in the uploaded-only
  fields such a URL must have been recorded by an upload, so an attacker's host (even with a
  pipeline-shaped path) is refused like an unknown ``/media/`` URL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.storage import MEDIA_URL_PREFIX, Storage
from shoplet.modules.catalog import media
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import MediaUnknown
from shoplet.modules.catalog.models import Product
from shoplet.modules.catalog.schemas import ImageSet, MediaOut, ProductVideo, VideoOut

PIPELINE_PREFIX = f"{MEDIA_URL_PREFIX}/{media.MEDIA_FOLDER}/"
LEGACY_PREFIXES = tuple(
    f"{MEDIA_URL_PREFIX}/{folder}/" for folder in ("products", "uploads", "categories")
)
# An uploaded file served from a CDN base (SHOPLET_MEDIA_PUBLIC_BASE_URL): an absolute URL ending
# in a content-addressed pipeline key. Looked up like /media/catalog/ URLs (same statement), so a
# gallery image keeps its ImageSet; other https:// URLs stay external images.
_CDN_PIPELINE_URL = re.compile(
    rf"^https?://\S+/{media.MEDIA_FOLDER}/[0-9a-f]{{2}}/[0-9a-f]{{32}}[A-Za-z0-9._-]*$"
)


def _url(key: str) -> str:
    """What rows keep: the key under /media, whatever host serves it (core/media_urls.py)."""
    return f"{MEDIA_URL_PREFIX}/{key}"


async def _put(storage: Storage, file: media.StoredFile) -> None:
    if await storage.size(file.key) != len(file.data):
        await storage.put(file.key, file.data)


async def save_image(session: AsyncSession, storage: Storage, data: bytes) -> MediaOut:
    """Run ``data`` through the image pipeline (in a worker thread), store its variants and
    record it. Raises ``MediaInvalid`` (nothing stored) for anything but a still image."""
    image = await asyncio.to_thread(media.process_image, data)
    return await save_processed_image(session, storage, image)


async def save_processed_image(
    session: AsyncSession, storage: Storage, image: media.ProcessedImage
) -> MediaOut:
    """Store and record an image already through the pipeline (``media.process_image``, e.g.
    in another process); what ``save_image`` does after the CPU work."""
    for file in image.files:
        await _put(storage, file)
    stored = {
        "list": _url(image.list.key),
        "detail": _url(image.detail.key),
        "zoom": _url(image.zoom.key),
        "fallback": _url(image.fallback.key),
        "width": image.width,
        "height": image.height,
        "color": image.color,
    }
    # Validated once; stored as the plain dict (a dump would write the served URLs).
    image_set = ImageSet.model_validate(stored)
    canonical = image_set.fallback
    await repo.record_media(
        session,
        {
            "url": canonical,
            "kind": "image",
            "content_type": image.fallback.content_type,
            "size": len(image.fallback.data),
            "width": image.width,
            "height": image.height,
            "image_set": stored,
            "created_at": utcnow(),
        },
    )
    return MediaOut(
        url=canonical,
        key=image.fallback.key,
        content_type=image.fallback.content_type,
        width=image.width,
        height=image.height,
        size=len(image.fallback.data),
        image_set=image_set,
    )


async def save_video(session: AsyncSession, storage: Storage, data: bytes) -> VideoOut:
    """Store an MP4 (checked by its ``ftyp`` box) and record it. Raises ``VideoInvalid``."""
    video = await asyncio.to_thread(media.process_video, data)  # hashing 50 MB takes a while
    await _put(storage, video.file)
    url = _url(video.file.key)
    await repo.record_media(
        session,
        {
            "url": url,
            "kind": "video",
            "content_type": video.file.content_type,
            "size": len(video.file.data),
            "width": 0,
            "height": 0,
            "image_set": {},
            "created_at": utcnow(),
        },
    )
    return VideoOut(
        url=url, key=video.file.key, content_type=video.file.content_type, size=len(data)
    )


@dataclass(frozen=True, slots=True)
class ProductMedia:
    """What the product row stores about its media besides the URLs themselves."""

    cover: dict[str, Any] | None
    image_sets: dict[str, dict[str, Any]]


def _unknown(url: str, why: str) -> MediaUnknown:
    return MediaUnknown(f"{url} {why}", url=url)


async def resolve_product_media(
    session: AsyncSession,
    *,
    images: Sequence[str],
    turntable_images: Sequence[str],
    detail_images: Sequence[str],
    video_url: str | None,
    video_poster: str | None,
    sku_images: Iterable[str | None] = (),
) -> ProductMedia:
    """Check every media URL of a product write (one statement at most) and return the ImageSets
    to denormalise onto the product. Raises ``MediaUnknown`` before anything is written."""
    uploaded_only = [*detail_images, *([video_poster] if video_poster else [])]
    legacy_ok = [*images, *turntable_images, *(u for u in sku_images if u)]
    videos = [video_url] if video_url else []
    for url in [*uploaded_only, *videos]:
        if not (url.startswith(PIPELINE_PREFIX) or _CDN_PIPELINE_URL.match(url)):
            raise _unknown(url, "is not a file uploaded to this shop")
    for url in legacy_ok:
        if url.startswith(MEDIA_URL_PREFIX + "/") and not url.startswith(
            (PIPELINE_PREFIX, *LEGACY_PREFIXES)
        ):
            raise _unknown(url, "is not a file uploaded to this shop")
    wanted = [
        u
        for u in [*uploaded_only, *legacy_ok, *videos]
        if u.startswith(PIPELINE_PREFIX) or _CDN_PIPELINE_URL.match(u)
    ]
    found = await repo.find_media(session, wanted)
    must_exist = {*uploaded_only, *videos}
    for url in wanted:
        if url not in found and (url.startswith(PIPELINE_PREFIX) or url in must_exist):
            raise _unknown(url, "was not uploaded to this shop")
    for url in [*uploaded_only, *legacy_ok]:
        if url in found and found[url].kind != "image":
            raise _unknown(url, "is a video where an image belongs")
    for url in videos:
        if found[url].kind != "video":
            raise _unknown(url, "is an image where a video belongs")
    image_sets = {
        url: dict(found[url].image_set)
        for url in [*images, *detail_images, *([video_poster] if video_poster else [])]
        if url in found
    }
    cover = image_sets.get(images[0]) if images else None
    return ProductMedia(cover=cover, image_sets=image_sets)


def apply_product_media(product: Product, resolved: ProductMedia) -> None:
    product.cover = resolved.cover
    product.image_sets = resolved.image_sets


# --- responses ----------------------------------------------------------------------------------


def image_set_of(data: dict[str, Any] | None) -> ImageSet | None:
    """An ImageSet from the row's JSON (written by this module: not validated again)."""
    return ImageSet.model_construct(**data) if data else None


def image_sets_for(product: Product, urls: Sequence[str]) -> list[ImageSet]:
    sets = product.image_sets or {}
    return [ImageSet.model_construct(**sets[u]) for u in urls if u in sets]


def video_of(product: Product) -> ProductVideo | None:
    if not product.video_url:
        return None
    poster = (product.image_sets or {}).get(product.video_poster or "")
    return ProductVideo(url=product.video_url, poster=image_set_of(poster))


def all_image_sets(product: Product) -> dict[str, ImageSet]:
    return {u: ImageSet.model_construct(**s) for u, s in (product.image_sets or {}).items()}

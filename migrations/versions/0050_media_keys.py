"""catalog: media kept by key (/media/<key>), not by the CDN URL they were uploaded under

Rows written while SHOPLET_MEDIA_PUBLIC_BASE_URL was set named the CDN's host
(https://cdn…/catalog/ab/<hash>.webp). From now on every row keeps /media/<key> and responses
write the configured base in (core/media_urls.py). This converts the rows written before, no
schema change: an upload's URL (a catalog_media row) becomes /media/<its key> in
catalog_media (url and ImageSet), in products (gallery, 360° frames, detail images, video,
poster, cover, the ImageSets by URL), SKU images and category icons. Any other URL (an external
image, a legacy /media/ path) is left as it is.

Downgrade keeps the keys: the old base is not known here, and /media/<key> is still answered
by the app and the gateway.

Revision ID: 0050_media_keys
Revises: 0040_insights_forecast
Create Date: 2026-12-05 07:40:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0050_media_keys"
down_revision: str | None = "0040_insights_forecast"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An upload served from a base: any host and path, ending in a content-addressed pipeline key.
_UPLOADED = re.compile(r"^https?://\S+?/(catalog/[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]{2,5})$")
BATCH = 500

media = sa.table("catalog_media", sa.column("url", sa.String), sa.column("image_set", sa.JSON))
product = sa.table(
    "catalog_product",
    sa.column("id", sa.BigInteger),
    sa.column("images", sa.JSON),
    sa.column("turntable_images", sa.JSON),
    sa.column("detail_images", sa.JSON),
    sa.column("video_url", sa.String),
    sa.column("video_poster", sa.String),
    sa.column("cover", sa.JSON),
    sa.column("image_sets", sa.JSON),
)
sku = sa.table("catalog_sku", sa.column("id", sa.BigInteger), sa.column("image", sa.String))
category = sa.table(
    "catalog_category", sa.column("id", sa.BigInteger), sa.column("icon", sa.String)
)


def key_ref(url: str) -> str | None:
    match = _UPLOADED.match(url)
    return f"/media/{match.group(1)}" if match else None


def _image_set(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """An ImageSet (written by the upload: every URL in it is an upload's)."""
    if not value:
        return value
    return {k: (key_ref(v) or v) if isinstance(v, str) else v for k, v in value.items()}


def upgrade() -> None:
    bind = op.get_bind()
    known = {
        url for (url,) in bind.execute(sa.select(media.c.url).where(media.c.url.like("/media/%")))
    }
    moved: dict[str, str] = {}
    rows = bind.execute(sa.select(media.c.url, media.c.image_set)).all()
    for url, image_set in rows:
        new = key_ref(url)
        if new is None:
            continue
        moved[url] = new
        if new in known:  # the same bytes uploaded again without the base: one row is enough
            bind.execute(media.delete().where(media.c.url == url))
        else:
            bind.execute(
                media.update()
                .where(media.c.url == url)
                .values(url=new, image_set=_image_set(image_set))
            )
            known.add(new)
    if not moved:
        return

    def ref(url: str | None) -> str | None:
        return moved.get(url, url) if url else url

    last = 0
    while True:
        batch = bind.execute(
            sa.select(product).where(product.c.id > last).order_by(product.c.id).limit(BATCH)
        ).all()
        if not batch:
            break
        for row in batch:
            last = row.id
            values = {
                "images": [ref(u) for u in row.images or []],
                "turntable_images": [ref(u) for u in row.turntable_images or []],
                "detail_images": [ref(u) for u in row.detail_images or []],
                "video_url": ref(row.video_url),
                "video_poster": ref(row.video_poster),
                "cover": _image_set(row.cover),
                "image_sets": {
                    moved.get(u, u): _image_set(s) for u, s in (row.image_sets or {}).items()
                },
            }
            if any(values[name] != getattr(row, name) for name in values):
                bind.execute(product.update().where(product.c.id == row.id).values(**values))
    for table, column in ((sku, sku.c.image), (category, category.c.icon)):
        for old, new in moved.items():
            bind.execute(table.update().where(column == old).values({column.name: new}))


def downgrade() -> None:
    pass

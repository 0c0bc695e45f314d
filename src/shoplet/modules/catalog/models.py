"""Catalog tables: a two-level category tree, products (SPU) and SKUs, uploaded media."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shoplet.core.db import Base, BigId, utcnow

BulkJSON = JSON().with_variant(JSONB(), "postgresql")


class Category(Base):
    __tablename__ = "catalog_category"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Two levels only (enforced in the service): top-level categories have no parent.
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_category.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(50))
    icon: Mapped[str | None] = mapped_column(String(500))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Base):
    """An SPU. ``min_price``/``max_price``/``list_original_price`` are denormalised from the
    active SKUs by the service (every SKU write goes through it) so lists sort on an index."""

    __tablename__ = "catalog_product"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'on_sale', 'off_sale')", name="status_known"),
        CheckConstraint("sales_count >= 0", name="sales_count_non_negative"),
        Index("ix_catalog_product_status_sales", "status", "sales_count", "id"),
        Index("ix_catalog_product_status_price", "status", "min_price", "id"),
        Index("ix_catalog_product_status_created", "status", "created_at", "id"),
        Index("ix_catalog_product_status_published", "status", "published_at", "id"),
        # Imports find the product of a title (``product_import.py``, the import key).
        Index("ix_catalog_product_title", "title"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_category.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    subtitle: Mapped[str] = mapped_column(String(200), default="")
    brand: Mapped[str] = mapped_column(String(50), default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    description: Mapped[str] = mapped_column(Text, default="")
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A 360° spin: frames in order, evenly spaced around the product; may be empty.
    turntable_images: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 长图 shown under the description, in order (canonical URLs of uploaded images).
    detail_images: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    video_url: Mapped[str | None] = mapped_column(String(500))
    video_poster: Mapped[str | None] = mapped_column(String(500))
    # Denormalised from ``catalog_media`` by the service whenever the product's media change
    # (see service/media.py): the ImageSet of the first image for lists (``cover``), and the
    # ImageSet of every uploaded image the product shows, by canonical URL (``image_sets``).
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    image_sets: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    # The 3D model the storefront shows (denormalised from ``catalog_model`` by the service, see
    # service/models3d.py): {"url", "alt", "poster", "sprite": {...} | null}; null: none.
    model3d: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    sales_count: Mapped[int] = mapped_column(Integer, default=0)
    min_price: Mapped[int] = mapped_column(Integer, default=0)
    max_price: Mapped[int] = mapped_column(Integer, default=0)
    # The original (strike-through) price of the cheapest SKU, shown next to ``min_price``.
    list_original_price: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", lazy="raise", order_by="Sku.id"
    )


class Sku(Base):
    """A sellable variant. SKUs are never deleted (orders keep their ids): removed ones are
    deactivated. ``spec_key`` is the canonical spec combination, unique among a product's
    active SKUs (checked by the service under the product row lock)."""

    __tablename__ = "catalog_sku"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("original_price >= price", name="original_price_not_below_price"),
        CheckConstraint("weight_grams >= 0", name="weight_non_negative"),
        CheckConstraint("cost_price IS NULL OR cost_price >= 0", name="cost_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalog_product.id"), index=True)
    # Ordered [{"name": "颜色", "value": "黑"}, {"name": "尺码", "value": "M"}].
    specs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    spec_key: Mapped[str] = mapped_column(String(400), default="")
    price: Mapped[int] = mapped_column(Integer)
    original_price: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The merchant's own code (商家编码), unique: the key an import finds the SKU by.
    sku_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    # What the SKU costs the shop (fen): promotions never take a line below it.
    cost_price: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    image: Mapped[str | None] = mapped_column(String(500))

    product: Mapped[Product] = relationship(back_populates="skus", lazy="raise")


class Media(Base):
    """An uploaded image or video, by its canonical URL (the one products store). Rows are
    written once per distinct file (content-addressed) and never change."""

    __tablename__ = "catalog_media"
    __table_args__ = (CheckConstraint("kind IN ('image', 'video')", name="kind_known"),)

    url: Mapped[str] = mapped_column(String(500), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    # The ImageSet of an image (variant URLs, size, colour); empty for a video.
    image_set: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class BulkJob(Base):
    """A bulk change of products the console asked for (``catalog/bulk.py``): publish, unpublish,
    a price change, a stock import, or a product import (``importer.py``). The whole input is
    validated when the job is created; the worker applies it in batches (``progress`` of
    ``total`` items), or in one transaction for a stock import, and stores a summary in
    ``result``."""

    __tablename__ = "catalog_bulk_job"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('publish', 'unpublish', 'price', 'stock', 'import')", name="kind"
        ),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("progress >= 0 AND total >= 0", name="counts"),
        Index("ix_catalog_bulk_job_status_id", "status", "id"),
        Index("ix_catalog_bulk_job_staff_id_id", "staff_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # What to do: {"mode": "percent", "value": -1000} for a price change, {} otherwise.
    params: Mapped[dict[str, Any]] = mapped_column(BulkJSON, default=dict)
    # The validated work: product ids, [[sku_id, stock], ...] for a stock import, or the planned
    # products of a product import.
    items: Mapped[list[Any]] = mapped_column(BulkJSON, default=list)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # {"changed": n, "unchanged": n, "failed": [{"product_id": 1, "code": "...", ...}]}
    result: Mapped[dict[str, Any]] = mapped_column(BulkJSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class PriceHistory(Base):
    """A SKU's price or original price changed (append-only): before and after, in fen, who
    changed it and through what (``import``: ``shoplet catalog import --update`` and the
    console's import jobs; ``console``: the product editor; ``bulk``: a bulk price change)."""

    __tablename__ = "catalog_price_history"
    __table_args__ = (Index("ix_catalog_price_history_sku_id_changed_at", "sku_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sku_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    price_before: Mapped[int] = mapped_column(Integer)
    price_after: Mapped[int] = mapped_column(Integer)
    original_price_before: Mapped[int] = mapped_column(Integer)
    original_price_after: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class ProductModel(Base):
    """A product's 3D model (one at most): the uploaded GLB and its 360° sprite, rendered by the
    job ``catalog.render_models`` (``status`` queued → rendering → ready, or failed;
    ``frames_done`` of ``frames_total`` is the progress the console shows). A new upload
    replaces the row and starts again; the render writes its result only while ``url`` is still
    the file it rendered."""

    __tablename__ = "catalog_model"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'rendering', 'ready', 'failed')", name="status_known"
        ),
        CheckConstraint("frames_done >= 0 AND frames_done <= frames_total", name="frames"),
        Index("ix_catalog_model_status_updated", "status", "updated_at"),
    )

    product_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_product.id"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(100), default="")
    # Triangles, meshes and bounding box (metres) read when the file was checked.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    frames_done: Mapped[int] = mapped_column(Integer, default=0)
    frames_total: Mapped[int] = mapped_column(Integer)
    # {"url", "poster", "frames", "columns", "rows", "frame_size"} once rendered.
    sprite: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    rendered_at: Mapped[datetime | None]

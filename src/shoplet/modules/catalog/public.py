"""The catalog API for other modules: SKU snapshots for orders, sales counts, and management
functions for the console's routes (request bodies are the strict ``RequestModel`` schemas)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.storage import Storage
from shoplet.modules.catalog.errors import (
    BarcodeNotFound,
    BarcodeTaken,
    CategoryNotFound,
    CategoryTooDeep,
    InvalidOriginalPrice,
    InvalidPriceRange,
    InvalidSkuMatrix,
    InvalidStatus,
    MediaInvalid,
    MediaUnknown,
    NotPublishable,
    ProductNotFound,
    SkuNotFound,
    StockNotEditable,
)
from shoplet.modules.catalog.schemas import (
    Category,
    CategoryCreate,
    CategoryUpdate,
    ImageSet,
    MediaOut,
    ProductAdmin,
    ProductCreate,
    ProductStatus,
    ProductUpdate,
    SkuAdmin,
    SkuCreate,
    SkuSnapshot,
    SkuUpdate,
    SpecValue,
)
from shoplet.modules.catalog.service import (
    create_category,
    create_product,
    get_product_admin,
    get_sku_snapshots,
    has_products,
    list_categories,
    list_products_admin,
    record_sales,
    save_image,
    save_video,
    set_product_status,
    update_category,
    update_product,
)


async def store_image(session: AsyncSession, storage: Storage, data: bytes) -> MediaOut:
    """Run an image (PNG, JPEG or WebP bytes) through the product image pipeline, as a console
    upload does: variants stored in ``storage`` (``get_storage(ctx, "media")``, or
    ``LocalStorage(media_dir, url_prefix="/media")`` in scripts), recorded in ``session``
    (flushed with the caller's transaction). Use the result's ``url`` in ``images``,
    ``turntable_images``, ``detail_images``, ``video_poster`` or a SKU's ``image``; its
    ``image_set`` holds the variants. Raises ``MediaInvalid``."""
    return await save_image(session, storage, data)


__all__ = [
    "BarcodeNotFound",
    "BarcodeTaken",
    "Category",
    "CategoryCreate",
    "CategoryNotFound",
    "CategoryTooDeep",
    "CategoryUpdate",
    "ImageSet",
    "InvalidOriginalPrice",
    "InvalidPriceRange",
    "InvalidSkuMatrix",
    "InvalidStatus",
    "MediaInvalid",
    "MediaOut",
    "MediaUnknown",
    "NotPublishable",
    "ProductAdmin",
    "ProductCreate",
    "ProductNotFound",
    "ProductStatus",
    "ProductUpdate",
    "SkuAdmin",
    "SkuCreate",
    "SkuNotFound",
    "SkuSnapshot",
    "SkuUpdate",
    "SpecValue",
    "StockNotEditable",
    "create_category",
    "create_product",
    "get_product_admin",
    "get_sku_snapshots",
    "has_products",
    "list_categories",
    "list_products_admin",
    "record_sales",
    "save_video",
    "set_product_status",
    "store_image",
    "update_category",
    "update_product",
]

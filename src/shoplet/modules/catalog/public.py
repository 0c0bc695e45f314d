"""The catalog API for other modules: SKU snapshots for orders, sales counts, and management
functions for the console's routes (request bodies are the strict ``RequestModel`` schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.storage import Storage
from shoplet.modules.catalog import media as _media
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
from shoplet.modules.catalog.events import PRODUCT_CHANGED, PRODUCTS_IMPORTED
from shoplet.modules.catalog.importer import ImportOptions, ImportOutcome, import_file, parse_hosts
from shoplet.modules.catalog.media import PIPELINE_VERSION as IMAGE_PIPELINE_VERSION
from shoplet.modules.catalog.media import ProcessedImage, StoredFile, decode_still_image
from shoplet.modules.catalog.repository import (
    on_sale_stamps,
    product_categories,
    product_category_names,
    sku_costs,
    sku_price_changes,
    skus_by_barcode,
)
from shoplet.modules.catalog.schemas import (
    Category,
    CategoryCreate,
    CategoryUpdate,
    ImageSet,
    MediaOut,
    ProductAdmin,
    ProductCreate,
    ProductModelAdmin,
    ProductStatus,
    ProductSummary,
    ProductUpdate,
    SkuAdmin,
    SkuCreate,
    SkuSnapshot,
    SkuUpdate,
    SpecValue,
)
from shoplet.modules.catalog.service import (
    KeywordMatcher,
    ProductExtras,
    SearchSource,
    best_seller_ids,
    buyable_cards,
    cached_product_by_barcode,
    create_category,
    create_product,
    get_model,
    get_product_admin,
    get_sku_snapshots,
    has_products,
    list_categories,
    list_products_admin,
    product_ids_of_skus,
    record_sales,
    save_image,
    save_model_rendered,
    save_processed_image,
    save_video,
    search_sources,
    set_keyword_matcher,
    set_product_status,
    update_category,
    update_product,
)


async def store_model(
    session: AsyncSession, storage: Storage, product_id: int, data: bytes, *, alt: str = ""
) -> ProductModelAdmin:
    """Give the product a 3D model (GLB bytes) with its 360° sprite drawn at once, as the
    console's upload and the render job together do (the demo seed). Raises the
    ``catalog.model_*`` errors."""
    return await save_model_rendered(session, storage, product_id, data, alt=alt)


async def store_image(session: AsyncSession, storage: Storage, data: bytes) -> MediaOut:
    """Run an image (PNG, JPEG or WebP bytes) through the product image pipeline, as a console
    upload does: variants stored in ``storage`` (``get_storage(ctx, "media")``, or
    ``LocalStorage(media_dir, url_prefix="/media")`` in scripts), recorded in ``session``
    (flushed with the caller's transaction). Use the result's ``url`` in ``images``,
    ``turntable_images``, ``detail_images``, ``video_poster`` or a SKU's ``image``; its
    ``image_set`` holds the variants. Raises ``MediaInvalid``."""
    return await save_image(session, storage, data)


def process_image(data: bytes) -> ProcessedImage:
    """The CPU part of :func:`store_image` (no I/O, safe in another process): validate and
    encode the variants. Store the result with :func:`store_processed_image`."""
    return _media.process_image(data)


async def store_processed_image(
    session: AsyncSession, storage: Storage, image: ProcessedImage
) -> MediaOut:
    """Store and record what :func:`process_image` returned, as :func:`store_image` does."""
    return await save_processed_image(session, storage, image)


if TYPE_CHECKING:
    from shoplet.modules.catalog.model3d import Part

Rgba = tuple[float, float, float, float]


# Models drawn in code (the demo's): model3d loads NumPy, so it is imported on the first call,
# not with this module (which every process imports at start-up).
def box(name: str, center: Sequence[float], size: Sequence[float], color: Rgba) -> Part:
    """An axis-aligned box (``model3d.box``)."""
    from shoplet.modules.catalog import model3d

    return model3d.box(name, center, size, color)


def cylinder(
    name: str,
    base: Sequence[float],
    top: Sequence[float],
    radius: float,
    color: Rgba,
    *,
    segments: int = 24,
    top_radius: float | None = None,
) -> Part:
    """A capped cylinder or frustum from ``base`` to ``top`` (``model3d.cylinder``)."""
    from shoplet.modules.catalog import model3d

    return model3d.cylinder(
        name, base, top, radius, color, segments=segments, top_radius=top_radius
    )


def build_glb(parts: Sequence[Part]) -> bytes:
    """One GLB of the parts (``model3d.build_glb``)."""
    from shoplet.modules.catalog import model3d

    return model3d.build_glb(parts)


def __getattr__(name: str) -> object:
    """``Part`` on first use, with NumPy (see above)."""
    if name == "Part":
        from shoplet.modules.catalog.model3d import Part

        return Part
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "IMAGE_PIPELINE_VERSION",
    "PRODUCTS_IMPORTED",
    "PRODUCT_CHANGED",
    "BarcodeNotFound",
    "BarcodeTaken",
    "Category",
    "CategoryCreate",
    "CategoryNotFound",
    "CategoryTooDeep",
    "CategoryUpdate",
    "ImageSet",
    "ImportOptions",
    "ImportOutcome",
    "InvalidOriginalPrice",
    "InvalidPriceRange",
    "InvalidSkuMatrix",
    "InvalidStatus",
    "KeywordMatcher",
    "MediaInvalid",
    "MediaOut",
    "MediaUnknown",
    "NotPublishable",
    "Part",
    "ProcessedImage",
    "ProductAdmin",
    "ProductCreate",
    "ProductExtras",
    "ProductModelAdmin",
    "ProductNotFound",
    "ProductStatus",
    "ProductSummary",
    "ProductUpdate",
    "SearchSource",
    "SkuAdmin",
    "SkuCreate",
    "SkuNotFound",
    "SkuSnapshot",
    "SkuUpdate",
    "SpecValue",
    "StockNotEditable",
    "StoredFile",
    "best_seller_ids",
    "box",
    "build_glb",
    "buyable_cards",
    "cached_product_by_barcode",
    "create_category",
    "create_product",
    "cylinder",
    "decode_still_image",
    "get_model",
    "get_product_admin",
    "get_sku_snapshots",
    "has_products",
    "import_file",
    "list_categories",
    "list_products_admin",
    "on_sale_stamps",
    "parse_hosts",
    "process_image",
    "product_categories",
    "product_category_names",
    "product_ids_of_skus",
    "record_sales",
    "save_video",
    "search_sources",
    "set_keyword_matcher",
    "set_product_status",
    "sku_costs",
    "sku_price_changes",
    "skus_by_barcode",
    "store_image",
    "store_model",
    "store_processed_image",
    "update_category",
    "update_product",
]

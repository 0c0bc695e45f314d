"""Catalog request and response models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl, stored_ref
from shoplet.core.schemas import CleanText, Fen, Page, RequestModel, ResponseModel

from .richtext import MAX_DESCRIPTION_CHARS, sanitize_description

MAX_ID = 2**63 - 1
ProductStatus = Literal["draft", "on_sale", "off_sale"]
ProductSort = Literal["default", "sales", "price_asc", "price_desc", "newest"]
PRODUCT_STATUSES: tuple[str, ...] = ("draft", "on_sale", "off_sale")

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Images are served by Shoplet (/media/...) or a CDN (https://...). A URL under the media base
# is kept as /media/<key> (core/media_urls.py): rows never name the CDN's host.
ImageUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, pattern=r"^(/media/|https?://)\S+$"),
    AfterValidator(stored_ref),
]
# EAN-8, UPC-A, EAN-13 or GTIN-14.
Barcode = Annotated[str, StringConstraints(pattern=r"^\d{8,14}$")]
# Media uploaded to this shop (POST /console/media, /console/media/videos): canonical URLs,
# /media/<key>, or <SHOPLET_MEDIA_PUBLIC_BASE_URL>/<key> when uploaded while media are served
# from a CDN. The service accepts only URLs recorded by an upload (catalog_media), so another
# host's URL is refused (catalog.media_unknown) even when shaped like one.
MediaUrl = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=500,
        pattern=r"^(/media/|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/)[A-Za-z0-9._/-]+$",
    ),
    AfterValidator(stored_ref),
]
Title = Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
Subtitle = Annotated[str, StringConstraints(max_length=200)]
# Sanitised HTML (richtext.py): tags outside the allow-list, scripts, styles, event handlers
# and images from outside /media/ are removed; plain text becomes <p> paragraphs.
Description = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION_CHARS),
    AfterValidator(sanitize_description),
]
SpecName = Annotated[CleanText, StringConstraints(min_length=1, max_length=20)]
SpecText = Annotated[CleanText, StringConstraints(min_length=1, max_length=50)]
Weight = Annotated[int, Field(ge=0, le=1_000_000, description="grams")]
InitialStock = Annotated[int, Field(ge=0, le=10_000_000)]
CategoryName = Annotated[CleanText, StringConstraints(min_length=1, max_length=50)]
SortOrder = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class SpecValue(RequestModel):
    """One dimension of a SKU: ``{"name": "颜色", "value": "黑"}``."""

    name: SpecName
    value: SpecText


class SkuCreate(RequestModel):
    specs: list[SpecValue] = Field(default_factory=list, max_length=5)
    price: Fen
    original_price: Fen | None = Field(
        default=None, description="strike-through price; defaults to price"
    )
    barcode: Barcode | None = None
    weight_grams: Weight = 0
    cost_price: Fen | None = Field(
        default=None, description="cost to the shop; promotions never go below it"
    )
    image: ImageUrl | None = None
    stock: InitialStock = Field(default=0, description="initial units on hand")


class ProductCreate(RequestModel):
    category_id: Id
    title: Title
    subtitle: Subtitle = ""
    description: Description = ""
    images: list[ImageUrl] = Field(default_factory=list, max_length=20)
    turntable_images: list[ImageUrl] = Field(default_factory=list, max_length=72)
    detail_images: list[MediaUrl] = Field(
        default_factory=list, max_length=30, description="长图 under the description, in order"
    )
    video_url: MediaUrl | None = Field(default=None, description="an uploaded MP4")
    video_poster: MediaUrl | None = Field(
        default=None, description="an uploaded image shown before the video plays"
    )
    status: ProductStatus = "draft"
    skus: list[SkuCreate] = Field(min_length=1, max_length=200)


class SkuUpdate(RequestModel):
    """A SKU of the product after the update. With ``id``: that SKU is updated. Without: it
    takes over the product's SKU with the same barcode or, failing that, the same specs, or is
    created. SKUs of the product left out are deactivated (never deleted: orders keep them)."""

    id: Id | None = None
    specs: list[SpecValue] = Field(default_factory=list, max_length=5)
    price: Fen
    original_price: Fen | None = None
    barcode: Barcode | None = None
    weight_grams: Weight = 0
    cost_price: Fen | None = None
    image: ImageUrl | None = None
    is_active: bool = True
    stock: InitialStock | None = Field(
        default=None,
        description="initial units of a new SKU; existing SKUs change through stock adjustments",
    )


class ProductUpdate(RequestModel):
    """Fields left out stay as they are; ``skus``, when given, is the complete SKU list."""

    category_id: Id | None = None
    title: Title | None = None
    subtitle: Subtitle | None = None
    description: Description | None = None
    images: list[ImageUrl] | None = Field(default=None, max_length=20)
    turntable_images: list[ImageUrl] | None = Field(default=None, max_length=72)
    detail_images: list[MediaUrl] | None = Field(default=None, max_length=30)
    video_url: MediaUrl | None = Field(
        default=None, description="an uploaded MP4; null removes the video"
    )
    video_poster: MediaUrl | None = Field(default=None, description="null removes the poster")
    status: ProductStatus | None = None
    skus: list[SkuUpdate] | None = Field(default=None, min_length=1, max_length=200)


class CategoryCreate(RequestModel):
    parent_id: Id | None = None
    name: CategoryName
    icon: ImageUrl | None = None
    sort_order: SortOrder = 0
    is_active: bool = True


class CategoryUpdate(RequestModel):
    name: CategoryName | None = None
    icon: ImageUrl | None = None
    sort_order: SortOrder | None = None
    is_active: bool | None = None


class Category(ResponseModel):
    id: int
    parent_id: int | None
    name: str
    icon: ServedMediaUrl | None
    sort_order: int
    is_active: bool
    children: list[Category] = Field(default_factory=list)


class ImageSet(ResponseModel):
    """An uploaded image's variants (content-hashed ``/media/…`` URLs, cached for a year):
    ``list`` ≈ 360 px, ``detail`` ≈ 750 px and ``zoom`` ≈ 1500 px wide WebP (never upscaled),
    ``fallback`` JPEG (PNG if transparent) at detail size; ``width``/``height`` of ``zoom``
    (the others share its aspect ratio); ``color``: placeholder background while loading."""

    list: ServedMediaUrl
    detail: ServedMediaUrl
    zoom: ServedMediaUrl
    fallback: ServedMediaUrl
    width: int
    height: int
    color: str = Field(pattern=r"^#[0-9a-f]{6}$")


class ProductVideo(ResponseModel):
    url: ServedMediaUrl
    poster: ImageSet | None


class ModelSprite(ResponseModel):
    """The 360° fallback of a 3D model: ``frames`` square frames of ``frame_size`` px in a
    ``columns`` x ``rows`` sheet, frame 0 top left, row by row, one turn in equal steps."""

    url: ServedMediaUrl
    frames: int
    columns: int
    rows: int
    frame_size: int


class ProductModel3D(ResponseModel):
    """A product's 3D model for the storefront: the GLB for a WebGL viewer (H5), its poster
    (frame 0, shown while it loads) and the sprite (mini program); both null until rendered."""

    url: ServedMediaUrl = Field(description="the glTF binary (.glb)")
    alt: str = Field(description="what the model shows, for screen readers")
    poster: ServedMediaUrl | None
    sprite: ModelSprite | None


ModelStatus = Literal["queued", "rendering", "ready", "failed"]


class ProductModelAdmin(ResponseModel):
    """A product's 3D model in the console: the file, and the sprite job's status and progress
    (``frames_done`` of ``frames_total``)."""

    product_id: int
    url: ServedMediaUrl
    size: int
    alt: str
    triangles: int
    bounds_min: list[float] = Field(description="bounding box corner, metres (x, y, z)")
    bounds_max: list[float]
    status: ModelStatus
    frames_done: int
    frames_total: int
    error: str | None
    model3d: ProductModel3D
    created_at: datetime
    updated_at: datetime
    rendered_at: datetime | None


class ProductSummary(ResponseModel):
    id: int
    title: str
    subtitle: str
    image: ServedMediaUrl | None = Field(description="first product image")
    image_set: ImageSet | None = Field(
        default=None, description="ImageSet of the first image; null if none or not uploaded here"
    )
    price: int = Field(description="lowest SKU price, fen")
    original_price: int = Field(description="original price of the cheapest SKU, fen")
    sales_count: int
    category_id: int
    has_model: bool = Field(default=False, description="the product has a 3D model (3D 看看)")


ProductPage = Page[ProductSummary]


class SpecOption(ResponseModel):
    """A spec dimension and its values, in first-seen order, for the SKU picker."""

    name: str
    values: list[str]


class Spec(ResponseModel):
    name: str
    value: str


class SkuPublic(ResponseModel):
    id: int
    specs: list[Spec]
    price: int
    original_price: int
    barcode: str | None
    available: int
    image: ServedMediaUrl | None


class ProductDetail(ResponseModel):
    id: int
    category_id: int
    title: str
    subtitle: str
    description: str
    images: list[ServedMediaUrl]
    turntable_images: list[ServedMediaUrl]
    gallery: list[ImageSet] = Field(
        default_factory=list,
        description="ImageSets of `images`, same order; images uploaded before the image "
        "pipeline (or external URLs) have none and are left out",
    )
    detail_images: list[ImageSet] = Field(
        default_factory=list, description="长图 shown under the description"
    )
    video: ProductVideo | None = None
    model3d: ProductModel3D | None = Field(default=None, description="3D model (3D 看看)")
    price: int = Field(description="lowest SKU price, fen")
    max_price: int = Field(description="highest SKU price, fen")
    original_price: int
    sales_count: int
    specs: list[SpecOption]
    skus: list[SkuPublic]


class BarcodeMatch(ProductDetail):
    sku_id: int = Field(description="the SKU that carries the scanned barcode")


class SkuAdmin(ResponseModel):
    id: int
    specs: list[Spec]
    price: int
    original_price: int
    barcode: str | None
    sku_code: str | None = Field(default=None, description="the merchant's code (商家编码)")
    weight_grams: int
    cost_price: int | None = None
    is_active: bool
    image: ServedMediaUrl | None
    on_hand: int
    reserved: int
    available: int


class PriceHistoryEntry(ResponseModel):
    """One SKU's price change (``catalog_price_history``), in fen."""

    id: int
    sku_id: int
    price_before: int
    price_after: int
    original_price_before: int
    original_price_after: int
    source: str = Field(description="``console`` (editor), ``bulk`` (bulk change), ``import``")
    actor: str = Field(description="``staff:<id>`` or ``cli:<file>``")
    changed_at: datetime


class ProductAdmin(ResponseModel):
    id: int
    category_id: int
    title: str
    subtitle: str
    brand: str = ""
    tags: list[str] = Field(default_factory=list)
    description: str
    images: list[ServedMediaUrl]
    turntable_images: list[ServedMediaUrl]
    detail_images: list[ServedMediaUrl]
    video_url: ServedMediaUrl | None
    video_poster: ServedMediaUrl | None
    image_sets: dict[ServedMediaUrl, ImageSet] = Field(
        description="ImageSet of each uploaded image of the product (gallery, detail images, "
        "poster) by canonical URL: thumbnails and placeholder colours for the editor"
    )
    status: ProductStatus
    sales_count: int
    min_price: int
    max_price: int
    original_price: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    skus: list[SkuAdmin]


@dataclass(frozen=True, slots=True)
class SkuSnapshot:
    """What an order line copies from the catalog at the moment of purchase."""

    sku_id: int
    product_id: int
    product_title: str
    spec_text: str  # "颜色:黑 / 尺码:M"
    image: str | None
    price: int
    original_price: int
    weight_grams: int
    is_purchasable: bool  # product on_sale and SKU active
    # The product's category (coupons and promotions scoped to categories match on it).
    category_id: int | None = None
    # What the SKU costs the shop (fen), when known: the floor promotions respect.
    cost_price: int | None = None


# --- console --------------------------------------------------------------------------------


class ProductStatusChange(RequestModel):
    status: Literal["draft", "on_sale", "off_sale"]


class MediaOut(ResponseModel):
    """An uploaded image: ``url`` is its canonical URL (the fallback file), the one products
    store; ``image_set`` its variants."""

    url: ServedMediaUrl
    key: str
    content_type: str
    width: int
    height: int
    size: int
    image_set: ImageSet


class VideoOut(ResponseModel):
    """An uploaded MP4: ``url`` is what ``video_url`` takes."""

    url: ServedMediaUrl
    key: str
    content_type: str
    size: int


# --- console bulk jobs (bulk.py) ---------------------------------------------------------------

BulkAction = Literal["publish", "unpublish", "price"]
BulkKind = Literal["publish", "unpublish", "price", "stock", "import"]
BulkStatus = Literal["queued", "running", "done", "failed"]
PriceMode = Literal["set", "add", "percent"]
MAX_BULK_PRODUCTS = 500


class PriceChange(RequestModel):
    """``set``: every SKU costs ``value`` fen (at least 1). ``add``: ``value`` fen more (or
    less, negative). ``percent``: ``value`` hundredths of a percent more or less (``-1000`` =
    10 % off), rounded half up to the fen. A price never goes below 1 fen; a price raised above
    the SKU's original price raises the original price with it."""

    mode: PriceMode
    value: int = Field(ge=-10_000_000_000, le=10_000_000_000)


class BulkJobCreate(RequestModel):
    action: BulkAction
    product_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK_PRODUCTS)
    price: PriceChange | None = Field(default=None, description="required for action=price")


class BulkFailure(ResponseModel):
    row: int | None = Field(default=None, description="line of the file (header = 1)")
    product_id: int | None = None
    sku_id: int | None = None
    code: str
    detail: str


class ImportSummary(ResponseModel):
    """What a product import did (``product_import.py``)."""

    products_created: int = 0
    products_updated: int = 0
    drafts: int = Field(default=0, description="new products without an image, left as drafts")
    skus_created: int = 0
    skus_updated: int = 0
    skus_skipped: int = Field(default=0, description="already in the shop, left as they are")
    categories_created: int = 0
    seconds: float = 0.0


class BulkResult(ResponseModel):
    changed: int = 0
    unchanged: int = 0
    failed: list[BulkFailure] = Field(default_factory=list)
    summary: ImportSummary | None = Field(default=None, description="product imports only")


class BulkJobOut(ResponseModel):
    id: int
    kind: BulkKind
    status: BulkStatus
    params: dict[str, int | str]
    progress: int
    total: int
    result: BulkResult
    error: str | None
    created_by: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

"""Catalog errors: HTTP status and a stable ``catalog.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError


class ProductNotFound(NotFound):
    code = "catalog.product_not_found"
    title = "Product not found"


class CategoryNotFound(NotFound):
    code = "catalog.category_not_found"
    title = "Category not found"


class SkuNotFound(NotFound):
    code = "catalog.sku_not_found"
    title = "SKU not found"


class BarcodeNotFound(NotFound):
    code = "catalog.barcode_not_found"
    title = "No product on sale has this barcode"


class BarcodeTaken(Conflict):
    code = "catalog.barcode_taken"
    title = "Barcode already used by another SKU"


class InvalidSkuMatrix(BadRequest):
    code = "catalog.invalid_sku_matrix"
    title = "SKU specs do not form a valid matrix"


class InvalidOriginalPrice(BadRequest):
    code = "catalog.invalid_original_price"
    title = "Original price is below the price"


class InvalidPriceRange(BadRequest):
    code = "catalog.invalid_price_range"
    title = "min_price is above max_price"


class InvalidStatus(BadRequest):
    code = "catalog.invalid_status"
    title = "Unknown product status"


class NotPublishable(BadRequest):
    code = "catalog.not_publishable"
    title = "Product cannot go on sale yet"


class CategoryTooDeep(BadRequest):
    code = "catalog.category_too_deep"
    title = "Categories have two levels"


class StockNotEditable(BadRequest):
    code = "catalog.stock_not_editable"
    title = "Stock of an existing SKU changes through a stock adjustment"


class MediaInvalid(BadRequest):
    code = "console.media_invalid"
    title = "Upload a PNG, JPEG or WebP image"


class MediaTooLarge(ShopletError):
    status = 413
    code = "console.media_too_large"
    title = "Images may be at most 5 MB"


class VideoInvalid(BadRequest):
    code = "catalog.video_invalid"
    title = "Upload an MP4 video"


class VideoTooLarge(ShopletError):
    status = 413
    code = "catalog.video_too_large"
    title = "The video is larger than the limit (SHOPLET_MEDIA_MAX_VIDEO_BYTES, 50 MB by default)"


class MediaUnknown(BadRequest):
    code = "catalog.media_unknown"
    title = "A media URL was not uploaded to this shop, or is of the wrong kind"


class BulkInputInvalid(BadRequest):
    """Extension member ``errors``: ``[{"row": n, "code": "...", "detail": "..."}]``."""

    code = "catalog.bulk_input_invalid"
    title = "Some rows of the bulk change are invalid; nothing was changed"


class BulkFileInvalid(BadRequest):
    code = "catalog.bulk_file_invalid"
    title = "Upload a CSV or XLSX file with the columns sku_id or barcode, and stock"


class BulkTooManyRows(BadRequest):
    code = "catalog.bulk_too_many_rows"
    title = "Too many rows for one bulk change"


class BulkJobNotFound(NotFound):
    code = "catalog.bulk_job_not_found"
    title = "Bulk job not found"


class TooManyBulkJobs(Conflict):
    code = "catalog.bulk_jobs_busy"
    title = "Wait for your running bulk jobs to finish"


class ImportFileTooLarge(ShopletError):
    status = 413
    code = "catalog.import_too_large"
    title = "The import file is larger than the limit (SHOPLET_CATALOG_IMPORT_MAX_BYTES)"


class ImportRowFailed(BadRequest):
    """A row of a product import failed while its batch was written (another writer took a
    barcode or reserved stock after the check): the batch was rolled back, earlier ones stay.
    ``extra``: ``row`` (the file's line), ``column`` and ``reason`` (the underlying code)."""

    code = "catalog.import_row_failed"
    title = "A row of the import could not be written; its batch was rolled back"


class ModelInvalid(BadRequest):
    code = "catalog.model_invalid"
    title = "Upload a glTF binary (.glb), version 2"


class ModelTooLarge(ShopletError):
    status = 413
    code = "catalog.model_too_large"
    title = "3D models may be at most 20 MB"


class ModelExternalUri(BadRequest):
    code = "catalog.model_external_uri"
    title = "The model points to files outside the .glb; embed everything"


class ModelCompressed(BadRequest):
    code = "catalog.model_compressed"
    title = "The model uses compressed geometry or textures; upload it uncompressed"


class ModelNoMesh(BadRequest):
    code = "catalog.model_no_mesh"
    title = "The model has no triangle mesh"


class ModelBoundsInvalid(BadRequest):
    code = "catalog.model_bounds"
    title = "The model's size is not that of a product (glTF is in metres)"


class ModelTooComplex(BadRequest):
    code = "catalog.model_too_complex"
    title = "The model has too many triangles"


class ModelNotFound(NotFound):
    code = "catalog.model_not_found"
    title = "The product has no 3D model"

"""Catalog business rules: the SKU matrix, price denormalisation, publishing, storefront reads.

Writes validate everything before touching a row, so a rejected request leaves nothing behind
even if the caller commits. Product writes take the product row lock (``lock_product``) first.
"""

from __future__ import annotations

from ._common import (
    CACHE_BARCODE,
    CACHE_CATEGORIES,
    CACHE_PRODUCT,
    CACHE_PRODUCT_LIST,
    CATEGORIES_TTL,
    CATEGORY_TREE_KEY,
    DETAIL_TTL,
    LIST_TTL,
    SpecPairs,
)
from .categories import create_category, list_categories, update_category
from .media import resolve_product_media, save_image, save_processed_image, save_video
from .price_changes import (
    MAX_PERCENT,
    MAX_PRICE,
    MIN_PERCENT,
    change_product_prices,
    changed_price,
    invalidate_products,
)
from .products import (
    ProductExtras,
    create_product,
    create_product_rows,
    get_product_admin,
    has_products,
    list_products_admin,
    set_product_status,
    update_product,
)
from .rules import (
    check_barcodes_unique,
    check_publishable,
    resolve_original_price,
    spec_key,
    spec_options,
    spec_pairs,
    spec_text,
    validate_sku_matrix,
)
from .storefront import SORTS, get_product_by_barcode, get_product_detail, list_products
from .trade import get_sku_snapshots, record_sales

__all__ = [
    "CACHE_BARCODE",
    "CACHE_CATEGORIES",
    "CACHE_PRODUCT",
    "CACHE_PRODUCT_LIST",
    "CATEGORIES_TTL",
    "CATEGORY_TREE_KEY",
    "DETAIL_TTL",
    "LIST_TTL",
    "MAX_PERCENT",
    "MAX_PRICE",
    "MIN_PERCENT",
    "SORTS",
    "ProductExtras",
    "SpecPairs",
    "change_product_prices",
    "changed_price",
    "check_barcodes_unique",
    "check_publishable",
    "create_category",
    "create_product",
    "create_product_rows",
    "get_product_admin",
    "get_product_by_barcode",
    "get_product_detail",
    "get_sku_snapshots",
    "has_products",
    "invalidate_products",
    "list_categories",
    "list_products",
    "list_products_admin",
    "record_sales",
    "resolve_original_price",
    "resolve_product_media",
    "save_image",
    "save_processed_image",
    "save_video",
    "set_product_status",
    "spec_key",
    "spec_options",
    "spec_pairs",
    "spec_text",
    "update_category",
    "update_product",
    "validate_sku_matrix",
]

"""Catalog business rules: the SKU matrix, price denormalisation, publishing, storefront reads.

Writes validate everything before touching a row, so a rejected request leaves nothing behind
even if the caller commits. Product writes take the product row lock (``lock_product``) first.
"""

from __future__ import annotations

from ._common import (
    BODY_TTL,
    CACHE_BARCODE,
    CACHE_CATEGORIES,
    CACHE_PRODUCT,
    CACHE_PRODUCT_LIST,
    CACHE_PRODUCT_STOCK,
    CATEGORIES_TTL,
    CATEGORY_TREE_KEY,
    DETAIL_TTL,
    LIST_TTL,
    KeywordMatcher,
    SpecPairs,
    announce_products,
    set_keyword_matcher,
)
from .cards import best_seller_ids, buyable_cards, product_ids_of_skus
from .categories import create_category, list_categories, update_category
from .creation import ProductExtras, create_products_rows
from .detail_parts import DetailJoiner, load_body, load_stock
from .import_updates import (
    PRICE_SOURCE,
    ProductChange,
    SkuChange,
    UpdatedBatch,
    update_products_rows,
)
from .media import resolve_product_media, save_image, save_processed_image, save_video
from .price_changes import (
    MAX_PERCENT,
    MAX_PRICE,
    MIN_PERCENT,
    change_product_prices,
    changed_price,
    history_rows,
    invalidate_products,
    price_history,
)
from .products import (
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
from .storefront import (
    SORTS,
    SearchSource,
    cached_product_by_barcode,
    get_product_by_barcode,
    get_product_detail,
    list_products,
    search_sources,
)
from .trade import get_sku_snapshots, record_sales

__all__ = [
    "BODY_TTL",
    "CACHE_BARCODE",
    "CACHE_CATEGORIES",
    "CACHE_PRODUCT",
    "CACHE_PRODUCT_LIST",
    "CACHE_PRODUCT_STOCK",
    "CATEGORIES_TTL",
    "CATEGORY_TREE_KEY",
    "DETAIL_TTL",
    "LIST_TTL",
    "MAX_PERCENT",
    "MAX_PRICE",
    "MIN_PERCENT",
    "PRICE_SOURCE",
    "SORTS",
    "DetailJoiner",
    "KeywordMatcher",
    "ProductChange",
    "ProductExtras",
    "SearchSource",
    "SkuChange",
    "SpecPairs",
    "UpdatedBatch",
    "announce_products",
    "best_seller_ids",
    "buyable_cards",
    "cached_product_by_barcode",
    "change_product_prices",
    "changed_price",
    "check_barcodes_unique",
    "check_publishable",
    "create_category",
    "create_product",
    "create_product_rows",
    "create_products_rows",
    "get_product_admin",
    "get_product_by_barcode",
    "get_product_detail",
    "get_sku_snapshots",
    "has_products",
    "history_rows",
    "invalidate_products",
    "list_categories",
    "list_products",
    "list_products_admin",
    "load_body",
    "load_stock",
    "price_history",
    "product_ids_of_skus",
    "record_sales",
    "resolve_original_price",
    "resolve_product_media",
    "save_image",
    "save_processed_image",
    "save_video",
    "search_sources",
    "set_keyword_matcher",
    "set_product_status",
    "spec_key",
    "spec_options",
    "spec_pairs",
    "spec_text",
    "update_category",
    "update_product",
    "update_products_rows",
    "validate_sku_matrix",
]

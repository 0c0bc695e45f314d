"""Reading a product import file (CSV or XLSX) into products with their SKUs (no database).

The format (docs/catalog-import.md has the full table and examples):

- The first non-empty row names the columns, in English or Chinese (``title``/``标题``,
  ``category``/``分类`` …), in any order. Required: ``title``, ``category``, ``price``,
  ``stock``. Optional: ``subtitle``, ``description``, ``brand``, ``tags``, ``sku_code``,
  ``barcode``, ``image``, ``spec``, ``original_price``. Unknown columns are refused (a typo
  would otherwise drop data silently).
- **One product, several SKUs**: rows with the same ``title`` are one product (they need not be
  adjacent); each row is one SKU, told apart by ``spec`` (``颜色:红;尺码:XL``). The product's own
  columns (category, subtitle, description, brand, tags, image) are read from its first row;
  its other rows may leave them empty or repeat them, but not contradict them.
- ``price`` / ``original_price`` in yuan: ``5999``, ``5999.5``, ``5999.00``, ``¥5,999.00``
  (a ¥ or ￥ sign and thousands commas are allowed, at most two decimals); an XLSX number cell
  is read as yuan too. ``stock``: a whole number ≥ 0.
- ``category``: ``家电/厨房电器`` (top level / sub-category) or one name (an existing category of
  that name, else a new top-level one). Missing categories are created by the import.
- ``image``: one or more images separated by ``;`` — a path to a local file (relative to the
  file being imported, command line only), an image already uploaded to the shop
  (``/media/…``), or an ``http(s)`` URL on a host of ``SHOPLET_CATALOG_IMPORT_IMAGE_HOSTS``
  (empty by default: no URL is accepted). URLs are stored as given, never fetched.

Every problem is collected as a row error ``{"row", "column", "code", "detail", "message"}``
(``message`` in Chinese, as in ``frontends/shared/src/errors.ts``), so a merchant sees every bad
row at once; ``importer.py`` then checks the rows against the database before writing anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from shoplet.core.tabular import cell_text, table_rows

from .errors import BulkFileInvalid, BulkTooManyRows

MAX_PRICE_FEN = 1_000_000_000  # 10,000,000 yuan, as ``Fen`` allows
MAX_STOCK = 10_000_000
MAX_SKUS_PER_PRODUCT = 200
MAX_IMAGES = 20
MAX_TAGS = 10
MAX_SPECS = 5

REQUIRED = ("title", "category", "price", "stock")
OPTIONAL = (
    "subtitle",
    "description",
    "brand",
    "tags",
    "sku_code",
    "barcode",
    "image",
    "spec",
    "original_price",
)
PRODUCT_COLUMNS = ("category", "subtitle", "description", "brand", "tags", "image")
HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in (*REQUIRED, *OPTIONAL)},
    "标题": "title",
    "商品名称": "title",
    "商品标题": "title",
    "分类": "category",
    "类目": "category",
    "价格": "price",
    "售价": "price",
    "库存": "stock",
    "副标题": "subtitle",
    "描述": "description",
    "详情": "description",
    "商品描述": "description",
    "品牌": "brand",
    "标签": "tags",
    "商家编码": "sku_code",
    "sku编码": "sku_code",
    "skucode": "sku_code",
    "条码": "barcode",
    "条形码": "barcode",
    "图片": "image",
    "主图": "image",
    "images": "image",
    "规格": "spec",
    "specs": "spec",
    "原价": "original_price",
    "划线价": "original_price",
    "originalprice": "original_price",
}

# Chinese messages of the row codes (the console shows errors.ts's copy of the same table).
MESSAGES: dict[str, str] = {
    "import.missing_value": "必填项为空",
    "import.too_long": "内容过长",
    "import.bad_price": (
        "价格格式不正确：请填写以元为单位的金额，如 5999、5999.00 或 ¥5,999.00，最多两位小数"
    ),
    "import.price_range": "价格须大于 0 且不超过 10,000,000 元",
    "import.original_below_price": "原价不能低于售价",
    "import.bad_stock": "库存须为 0 到 10,000,000 之间的整数",
    "import.bad_spec": "规格格式不正确，应如 颜色:红;尺码:XL",
    "import.spec_mismatch": "同一商品的各行规格名称须一致（名称和顺序相同）",
    "import.duplicate_spec": "同一商品中规格组合重复",
    "import.bad_category": "分类格式不正确，应为 一级分类/二级分类 或分类名",
    "import.ambiguous_category": "有多个同名分类，请写完整路径，如 家电/厨房电器",
    "import.bad_barcode": "条码须为 8–14 位数字",
    "import.duplicate_barcode": "条码在文件中重复",
    "import.barcode_taken": "条码已被其他商品使用",
    "import.bad_sku_code": "商家编码只能包含字母、数字和 - _ . /，最长 64 位",
    "import.duplicate_sku_code": "商家编码在文件中重复",
    "import.sku_code_elsewhere": "商家编码属于另一个商品",
    "import.conflicting_value": "与该商品第一行的内容不一致",
    "import.too_many_skus": "一个商品最多 200 个规格",
    "import.too_many_images": "一个商品最多 20 张图片，每个地址不超过 500 字符",
    "import.bad_image": "图片不可用：本地文件不存在、不是图片或超过 5 MB",
    "import.image_path_not_allowed": "控制台导入不能使用本地图片路径，请填写已上传图片的地址",
    "import.image_url_not_allowed": (
        "图片网址的域名不在允许列表（SHOPLET_CATALOG_IMPORT_IMAGE_HOSTS）中"
    ),
    "import.bad_tags": "标签最多 10 个，每个不超过 20 字",
    "import.ambiguous_title": "店内有多个同名商品，请填写商家编码以区分",
    "import.below_reserved": "库存低于已被订单占用的数量",
    "import.spec_names_differ": "规格名称与店内已有商品不一致",
    "import.unknown_column": "无法识别的列名",
    "import.invalid_value": "内容不符合商品规则",
}

_PRICE = re.compile(r"^[¥￥]?\s*(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d{1,2}))?$")
_SKU_CODE = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")
_BARCODE = re.compile(r"^\d{8,14}$")
_SPEC_SEPARATORS = re.compile(r"[;；]")
_TAG_SEPARATORS = re.compile(r"[,，、;；]")


def row_error(row: int | None, column: str | None, code: str, detail: str) -> dict[str, Any]:
    return {
        "row": row,
        "column": column,
        "code": code,
        "detail": detail,
        "message": MESSAGES.get(code, code),
    }


@dataclass(slots=True)
class SkuRow:
    line: int
    specs: list[tuple[str, str]]
    price: int
    original_price: int | None
    stock: int
    sku_code: str | None
    barcode: str | None


@dataclass(slots=True)
class ProductRows:
    """One product of the file: its fields (from its first row) and its SKUs, by line."""

    line: int  # the first row of the product
    title: str
    category: tuple[str, ...]  # ("家电", "厨房电器") or ("厨房电器",)
    subtitle: str = ""
    description: str = ""
    brand: str = ""
    tags: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # as written: paths or URLs
    skus: list[SkuRow] = field(default_factory=list)


@dataclass(slots=True)
class ParsedProducts:
    products: list[ProductRows] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0


def parse_price(value: Any) -> int | None:
    """Yuan as written in a cell -> fen, or None if it is not a price in an accepted form."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * 100 if value >= 0 else None
    if isinstance(value, float):
        try:
            amount = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a float is a decimal
            return None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            return None
        return int(amount * 100)
    match = _PRICE.match(cell_text(value))
    if match is None:
        return None
    whole = int(match["int"].replace(",", ""))
    cents = (match["dec"] or "").ljust(2, "0")
    return whole * 100 + int(cents or 0)


def parse_stock(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value <= MAX_STOCK else None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_STOCK else None
    text = cell_text(value)
    if not re.fullmatch(r"\d{1,9}", text):
        return None
    stock = int(text)
    return stock if stock <= MAX_STOCK else None


def parse_spec(text: str) -> list[tuple[str, str]] | None:
    """``颜色:红;尺码:XL`` (either colon, either semicolon) -> pairs, or None if malformed."""
    if not text:
        return []
    pairs: list[tuple[str, str]] = []
    for raw_part in _SPEC_SEPARATORS.split(text):
        part = raw_part.strip()
        if not part:
            continue
        name, sep, value = part.replace("：", ":").partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value or len(name) > 20 or len(value) > 50:
            return None
        pairs.append((name, value))
    names = [n for n, _ in pairs]
    if len(pairs) > MAX_SPECS or len(set(names)) != len(names):
        return None
    return pairs


def parse_category(text: str) -> tuple[str, ...] | None:
    parts = tuple(p.strip() for p in re.split(r"[/>／]", text))
    if not 1 <= len(parts) <= 2 or any(not p or len(p) > 50 for p in parts):
        return None
    return parts


def parse_tags(text: str) -> list[str] | None:
    tags = list(dict.fromkeys(t.strip() for t in _TAG_SEPARATORS.split(text) if t.strip()))
    if len(tags) > MAX_TAGS or any(len(t) > 20 for t in tags):
        return None
    return tags


def image_kind(text: str) -> str:
    """``url`` (http/https), ``media`` (already uploaded to the shop) or ``path`` (local)."""
    if text.startswith(("http://", "https://")):
        return "url"
    if text.startswith("/media/"):
        return "media"
    return "path"


def url_allowed(url: str, hosts: Iterable[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and host in {h.strip().lower() for h in hosts if h.strip()}


def _header(values: Sequence[Any], line: int, errors: list[dict[str, Any]]) -> dict[str, int]:
    header: dict[str, int] = {}
    for index, value in enumerate(values):
        raw = cell_text(value).replace("\ufeff", "")
        if not raw:
            continue
        key = HEADER_ALIASES.get(raw.lower().replace(" ", ""))
        if key is None:
            errors.append(
                row_error(line, raw[:30], "import.unknown_column", f"unknown column {raw[:30]!r}")
            )
            continue
        header.setdefault(key, index)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BulkFileInvalid(
            "the first row must name the columns title, category, price and stock "
            f"(missing: {', '.join(missing)})"
        )
    return header


def parse_products(filename: str, data: bytes, *, max_rows: int) -> ParsedProducts:
    """Every product of the file with its SKUs, and every row error found without the database.
    Raises ``BulkFileInvalid`` (not CSV/XLSX, no header, no rows) or ``BulkTooManyRows``."""
    reader: _FileReader | None = None
    for line, values in table_rows(filename, data, BulkFileInvalid):
        raw = list(values)
        if not any(cell_text(v) for v in raw):
            continue
        if reader is None:
            errors: list[dict[str, Any]] = []
            reader = _FileReader(_header(raw, line, errors), errors)
            continue
        reader.parsed.rows += 1
        if reader.parsed.rows > max_rows:
            raise BulkTooManyRows(f"import at most {max_rows} rows at once")
        reader.read(line, raw)
    if reader is None:
        raise BulkFileInvalid("the file is empty")
    if reader.parsed.rows == 0:
        raise BulkFileInvalid("the file has no rows under its header")
    reader.parsed.products = list(reader.by_title.values())
    return reader.parsed


_PRODUCT_FIELDS = (
    ("category", "category"),
    ("subtitle", "subtitle"),
    ("description", "description"),
    ("brand", "brand"),
    ("tags", "tags"),
    ("images", "image"),
)


class _FileReader:
    """Reads data rows one by one into products, remembering what later rows are checked
    against (titles, codes and barcodes seen)."""

    def __init__(self, header: dict[str, int], errors: list[dict[str, Any]]) -> None:
        self.header = header
        self.parsed = ParsedProducts(errors=errors)
        self.by_title: dict[str, ProductRows] = {}
        self.sku_codes: dict[str, int] = {}
        self.barcodes: dict[str, int] = {}
        self.line = 0
        self.raw: list[Any] = []

    def value(self, column: str) -> Any:
        index = self.header.get(column)
        return self.raw[index] if index is not None and index < len(self.raw) else None

    def text(self, column: str) -> str:
        return cell_text(self.value(column))

    def fail(self, column: str, code: str, detail: str) -> None:
        self.parsed.errors.append(row_error(self.line, column, code, detail))

    def read(self, line: int, raw: list[Any]) -> None:
        self.line, self.raw = line, raw
        before = len(self.parsed.errors)
        title = self._title()
        price, original = self._prices()
        stock = self._stock()
        specs = parse_spec(self.text("spec"))
        if specs is None:
            self.fail("spec", "import.bad_spec", f"{self.text('spec')[:60]!r} is malformed")
        sku_code = self._unique("sku_code", _SKU_CODE, self.sku_codes, "import.bad_sku_code")
        barcode = self._unique("barcode", _BARCODE, self.barcodes, "import.bad_barcode")
        fields = _product_fields(self.text, self.fail)
        product = self._product(title, fields) if title else None
        if product is None:
            return
        if specs is not None:
            self._check_specs(product, specs)
        if len(product.skus) >= MAX_SKUS_PER_PRODUCT:
            self.fail("title", "import.too_many_skus", f"more than {MAX_SKUS_PER_PRODUCT} SKUs")
        if len(self.parsed.errors) > before or price is None or stock is None or specs is None:
            return
        product.skus.append(
            SkuRow(
                line=line,
                specs=specs,
                price=price,
                original_price=original,
                stock=stock,
                sku_code=sku_code,
                barcode=barcode,
            )
        )

    def _title(self) -> str:
        title = " ".join(self.text("title").split())
        if not title:
            self.fail("title", "import.missing_value", "the title is empty")
        elif len(title) > 100:
            self.fail("title", "import.too_long", "the title is longer than 100 characters")
            return ""
        return title

    def _prices(self) -> tuple[int | None, int | None]:
        price = parse_price(self.value("price"))
        if not self.text("price"):
            self.fail("price", "import.missing_value", "the price is empty")
        elif price is None:
            self.fail("price", "import.bad_price", f"{self.text('price')[:30]!r} is not yuan")
        elif not 1 <= price <= MAX_PRICE_FEN:
            self.fail("price", "import.price_range", "above 0 and at most 10,000,000 yuan")
            price = None
        if not self.text("original_price"):
            return price, None
        original = parse_price(self.value("original_price"))
        if original is None:
            self.fail("original_price", "import.bad_price", "not a price in yuan")
        elif original > MAX_PRICE_FEN:
            self.fail("original_price", "import.price_range", "at most 10,000,000 yuan")
        elif price is not None and original < price:
            self.fail("original_price", "import.original_below_price", "below the price")
        return price, original

    def _stock(self) -> int | None:
        stock = parse_stock(self.value("stock"))
        if not self.text("stock"):
            self.fail("stock", "import.missing_value", "the stock is empty")
        elif stock is None:
            self.fail("stock", "import.bad_stock", f"{self.text('stock')[:30]!r} is not ≥ 0")
        return stock

    def _unique(
        self, column: str, pattern: re.Pattern[str], seen: dict[str, int], bad_code: str
    ) -> str | None:
        value = self.text(column) or None
        if value is None:
            return None
        if not pattern.match(value):
            self.fail(column, bad_code, f"{value[:30]!r} is not a valid {column}")
        elif value in seen:
            self.fail(column, f"import.duplicate_{column}", f"also on row {seen[value]}")
        else:
            seen[value] = self.line
        return value

    def _product(self, title: str, fields: dict[str, Any]) -> ProductRows | None:
        product = self.by_title.get(title)
        if product is None:
            if fields.get("category") is None:
                if not self.text("category"):
                    self.fail("category", "import.missing_value", "a product's first row needs it")
                return None
            product = ProductRows(line=self.line, title=title, category=fields["category"])
            for name, _ in _PRODUCT_FIELDS[1:]:
                if name in fields:
                    setattr(product, name, fields[name])
            self.by_title[title] = product
            return product
        for name, column in _PRODUCT_FIELDS:
            given = fields.get(name)
            if given is not None and given != getattr(product, name):
                self.fail(column, "import.conflicting_value", f"differs from row {product.line}")
        return product

    def _check_specs(self, product: ProductRows, specs: list[tuple[str, str]]) -> None:
        if not product.skus:
            return
        first = product.skus[0]
        if [n for n, _ in specs] != [n for n, _ in first.specs]:
            self.fail("spec", "import.spec_mismatch", f"row {first.line} has other spec names")
            return
        twin = next((s for s in product.skus if s.specs == specs), None)
        if twin is not None:
            self.fail("spec", "import.duplicate_spec", f"the same combination as row {twin.line}")


def _product_fields(
    cell: Callable[[str], str], fail: Callable[[str, str, str], None]
) -> dict[str, Any]:
    """The product columns given on this row (absent when empty), checked."""
    out: dict[str, Any] = {}
    if category_text := cell("category"):
        category = parse_category(category_text)
        if category is None:
            fail("category", "import.bad_category", f"{category_text[:60]!r} is not a category")
        else:
            out["category"] = category
    for column, limit in (("subtitle", 200), ("description", 20_000), ("brand", 50)):
        given = cell(column)
        if len(given) > limit:
            fail(column, "import.too_long", f"longer than {limit} characters")
        elif given:
            out[column] = given
    if tags_text := cell("tags"):
        tags = parse_tags(tags_text)
        if tags is None:
            fail("tags", "import.bad_tags", "at most 10 tags of 20 characters")
        else:
            out["tags"] = tags
    if image_text := cell("image"):
        images = [p.strip() for p in image_text.split(";") if p.strip()]
        if len(images) > MAX_IMAGES or any(len(i) > 500 for i in images):
            fail("image", "import.too_many_images", f"at most {MAX_IMAGES} of 500 characters")
        else:
            out["images"] = images
    return out

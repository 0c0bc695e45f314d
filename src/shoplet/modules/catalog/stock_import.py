"""Reading a stock import file (CSV or XLSX) into rows, for the bulk stock job (``bulk.py``).

Columns, by header (case and spaces ignored): ``sku_id`` (or ``SKU ID``) or ``barcode`` (条码),
and ``stock`` (库存). CSV may be UTF-8 (with or without a BOM, as Excel writes it) or GBK (an
older Excel in Chinese). Only the first sheet of an XLSX is read, values not formulas. Nothing
here touches the database: ``bulk.py`` checks every row against it before any change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shoplet.core.tabular import cell_text, header_index, table_rows

from .errors import BulkFileInvalid, BulkTooManyRows

MAX_IMPORT_ROWS = 5_000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_STOCK = 10_000_000
MAX_ID = 2**63 - 1
HEADER_ALIASES: dict[str, str] = {
    "sku_id": "sku_id",
    "skuid": "sku_id",
    "sku": "sku_id",
    "barcode": "barcode",
    "条码": "barcode",
    "条形码": "barcode",
    "stock": "stock",
    "库存": "stock",
}
_BARCODE = re.compile(r"^\d{8,14}$")


@dataclass(slots=True)
class ImportRow:
    row: int  # line in the file, the header is 1
    sku_id: int | None = None
    barcode: str | None = None
    stock: int | None = None


@dataclass(slots=True)
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _parse_int(text: str) -> int | None:
    if not re.fullmatch(r"[+-]?\d{1,19}", text):
        return None
    return int(text)


def parse_stock_file(filename: str, data: bytes) -> ParsedImport:
    """Every data row of the file, or the rows' errors; raises ``BulkFileInvalid`` for a file
    that is not CSV/XLSX or lacks the columns, ``BulkTooManyRows`` past ``MAX_IMPORT_ROWS``."""
    parsed = ParsedImport()
    header: dict[str, int] | None = None
    for line, values in table_rows(filename, data, BulkFileInvalid):
        cells = [cell_text(v) for v in values]
        if not any(cells):
            continue
        if header is None:
            header = header_index(values, HEADER_ALIASES)
            if "stock" not in header or not ({"sku_id", "barcode"} & header.keys()):
                raise BulkFileInvalid(
                    "the first row must name the columns sku_id or barcode, and stock"
                )
            continue
        if len(parsed.rows) >= MAX_IMPORT_ROWS:
            raise BulkTooManyRows(f"import at most {MAX_IMPORT_ROWS} rows at once")
        parsed.rows.append(_read_row(line, cells, header, parsed.errors))
    if header is None:
        raise BulkFileInvalid("the file is empty")
    if not parsed.rows:
        raise BulkFileInvalid("the file has no rows under its header")
    return parsed


def _read_row(
    line: int, cells: list[str], header: dict[str, int], errors: list[dict[str, Any]]
) -> ImportRow:
    def cell(column: str) -> str:
        index = header.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    row = ImportRow(row=line)
    sku_text, barcode, stock_text = cell("sku_id"), cell("barcode"), cell("stock")
    if sku_text:
        sku_id = _parse_int(sku_text)
        if sku_id is None or not 1 <= sku_id <= MAX_ID:
            errors.append(_error(line, "bulk.bad_number", f"sku_id {sku_text[:30]!r} is not an id"))
        else:
            row.sku_id = sku_id
    elif barcode:
        if not _BARCODE.match(barcode):
            errors.append(_error(line, "bulk.bad_barcode", f"{barcode[:30]!r} is not a barcode"))
        else:
            row.barcode = barcode
    else:
        errors.append(_error(line, "bulk.missing_sku", "give a sku_id or a barcode"))
    stock = _parse_int(stock_text)
    if stock is None:
        errors.append(_error(line, "bulk.bad_number", f"stock {stock_text[:30]!r} is not a number"))
    elif stock < 0:
        errors.append(_error(line, "bulk.negative_stock", "stock must not be negative"))
    elif stock > MAX_STOCK:
        errors.append(_error(line, "bulk.bad_number", f"stock must be at most {MAX_STOCK}"))
    else:
        row.stock = stock
    return row


def _error(row: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"row": row, "code": code, "detail": detail, **extra}

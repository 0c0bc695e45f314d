"""Reading a 门店价 file (CSV or XLSX) into rows; nothing here touches the database.

Columns, by header (case and spaces ignored): ``sku_id`` (or ``barcode`` / 条码), ``price``
(门店价, in yuan as merchants type it: ``12.9``), and optionally ``starts_at`` / ``ends_at``
(开始时间 / 结束时间: ``2026-12-01 09:00`` in shop time, a date for its midnight, or ISO 8601
with an offset). Each bad cell is one error ``{"row", "code", "detail"}``; the service checks
the rest against the catalogue and writes only a file without any error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from shoplet.core.params import SHOP_TZ
from shoplet.core.tabular import cell_text, header_index, table_rows
from shoplet.modules.stores.errors import PriceFileInvalid
from shoplet.modules.stores.schemas import MAX_PRICE

MAX_IMPORT_ROWS = 5_000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ID = 2**63 - 1
HEADER_ALIASES: dict[str, str] = {
    "sku_id": "sku_id",
    "skuid": "sku_id",
    "sku": "sku_id",
    "barcode": "barcode",
    "条码": "barcode",
    "条形码": "barcode",
    "price": "price",
    "门店价": "price",
    "价格": "price",
    "starts_at": "starts_at",
    "开始时间": "starts_at",
    "ends_at": "ends_at",
    "结束时间": "ends_at",
}
_BARCODE = re.compile(r"^\d{8,14}$")
_YUAN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


@dataclass(slots=True)
class PriceRow:
    row: int  # line in the file, the header is 1
    sku_id: int | None = None
    barcode: str | None = None
    price: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(slots=True)
class ParsedPrices:
    rows: list[PriceRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def error(row: int, code: str, detail: str) -> dict[str, Any]:
    return {"row": row, "code": code, "detail": detail}


def yuan_to_fen(text: str) -> int | None:
    """``12.9`` -> 1290; None for anything but a plain amount with at most 2 decimals."""
    cleaned = text.replace("¥", "").replace("￥", "").replace(",", "").strip()
    if not _YUAN.match(cleaned):
        return None
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None


def shop_time(value: Any) -> datetime | None:
    """A cell as a UTC instant: XLSX dates and naive text are shop time (Asia/Shanghai)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = cell_text(value)
        try:
            moment = (
                datetime.combine(date.fromisoformat(text), time.min)
                if len(text) == 10
                else datetime.fromisoformat(text)
            )
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHOP_TZ)
    return moment.astimezone(UTC)


def parse_price_file(filename: str, data: bytes) -> ParsedPrices:
    """Every data row of the file with the rows' errors; ``PriceFileInvalid`` for a file that is
    not CSV/XLSX, lacks the columns, has no rows or more than ``MAX_IMPORT_ROWS``."""
    parsed = ParsedPrices()
    header: dict[str, int] | None = None
    for line, values in table_rows(filename, data, PriceFileInvalid):
        if not any(cell_text(v) for v in values):
            continue
        if header is None:
            header = header_index(values, HEADER_ALIASES)
            if "price" not in header or not ({"sku_id", "barcode"} & header.keys()):
                raise PriceFileInvalid(
                    "the first row must name the columns sku_id or barcode, and price"
                )
            continue
        if len(parsed.rows) >= MAX_IMPORT_ROWS:
            raise PriceFileInvalid(f"import at most {MAX_IMPORT_ROWS} rows at once")
        parsed.rows.append(_read_row(line, list(values), header, parsed.errors))
    if header is None:
        raise PriceFileInvalid("the file is empty")
    if not parsed.rows:
        raise PriceFileInvalid("the file has no rows under its header")
    return parsed


def _read_row(
    line: int, values: list[Any], header: dict[str, int], errors: list[dict[str, Any]]
) -> PriceRow:
    def cell(column: str) -> Any:
        index = header.get(column)
        return values[index] if index is not None and index < len(values) else None

    row = PriceRow(row=line)
    _read_sku(row, cell_text(cell("sku_id")), cell_text(cell("barcode")), errors)
    price_text = cell_text(cell("price"))
    price = yuan_to_fen(price_text)
    if price is None or not 1 <= price <= MAX_PRICE:
        errors.append(
            error(line, "stores.invalid_price", f"{price_text[:30]!r} is not a price in yuan")
        )
    else:
        row.price = price
    for column in ("starts_at", "ends_at"):
        raw = cell(column)
        if cell_text(raw):
            moment = shop_time(raw)
            if moment is None:
                errors.append(
                    error(
                        line, "stores.bad_time", f"{column} {cell_text(raw)[:30]!r} is not a time"
                    )
                )
            setattr(row, column, moment)
    if row.starts_at and row.ends_at and row.starts_at >= row.ends_at:
        errors.append(error(line, "stores.invalid_price_window", "ends_at must be after starts_at"))
    return row


def _read_sku(row: PriceRow, sku_text: str, barcode: str, errors: list[dict[str, Any]]) -> None:
    line = row.row
    if sku_text:
        if re.fullmatch(r"\d{1,19}", sku_text) and 1 <= int(sku_text) <= MAX_ID:
            row.sku_id = int(sku_text)
        else:
            errors.append(error(line, "stores.bad_sku_id", f"{sku_text[:30]!r} is not a SKU id"))
    elif barcode:
        if _BARCODE.match(barcode):
            row.barcode = barcode
        else:
            errors.append(error(line, "stores.bad_barcode", f"{barcode[:30]!r} is not a barcode"))
    else:
        errors.append(error(line, "stores.missing_sku", "give a sku_id or a barcode"))

"""The rows of an uploaded table: CSV (UTF-8 with or without a BOM, as Excel writes it, or GBK
from an older Excel in Chinese) or the first sheet of an XLSX workbook (values, not formulas).
Cells come back as they were typed; the caller reads its own columns and reports its own rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

XLSX_MAGIC = b"PK\x03\x04"


def _csv_rows(data: bytes, invalid: Callable[[str], Exception]) -> Iterator[Sequence[Any]]:
    if b"\x00" in data:
        raise invalid("the file is neither CSV text nor an XLSX workbook")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string without NUL
        raise invalid("the CSV file is neither UTF-8 nor GBK text")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise invalid(f"the CSV file could not be read: {exc}") from exc


def _xlsx_rows(data: bytes, invalid: Callable[[str], Exception]) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook  # a few hundred ms to import: only when needed

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise invalid("the XLSX workbook could not be read") from exc
    try:
        if not book.worksheets:
            raise invalid("the XLSX workbook has no sheet")
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A cell as text: empty for nothing, ``12`` for the 12.0 a spreadsheet stores, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(value: Any, aliases: Mapping[str, str]) -> str:
    """A header cell as a column name: case, spaces and a BOM ignored, aliases applied."""
    text = cell_text(value).lower().replace(" ", "").replace("\ufeff", "")
    return aliases.get(text, text)


def header_index(values: Sequence[Any], aliases: Mapping[str, str]) -> dict[str, int]:
    """A header row as column name → index (the first of two columns with one name wins)."""
    return {header_key(v, aliases): i for i, v in reversed(list(enumerate(values)))}


def table_rows(
    filename: str, data: bytes, invalid: Callable[[str], Exception]
) -> Iterator[tuple[int, Sequence[Any]]]:
    """(line, cells) of every row, the first line 1; ``invalid(detail)`` is raised for a file
    that is neither CSV nor XLSX (by its content, and its name when it has one)."""
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        if not name.endswith(".xlsx"):
            raise invalid("only .csv and .xlsx files can be imported")
        rows = _xlsx_rows(data, invalid)
    elif name.endswith(".csv") or not name:
        rows = _csv_rows(data, invalid)
    else:
        raise invalid("only .csv and .xlsx files can be imported")
    yield from enumerate(rows, start=1)

"""Keyset (cursor) pagination: the cursor encodes the last row's sort key and id."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from shoplet.core.errors import BadRequest


class InvalidCursor(BadRequest):
    code = "pagination.invalid_cursor"
    title = "Invalid cursor"


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor("cursor is not one this API issued") from exc
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor("cursor is not one this API issued")
    if not all(isinstance(v, int | str | None) and not isinstance(v, bool) for v in values):
        raise InvalidCursor("cursor is not one this API issued")
    return values


def encode_id_cursor(row_id: int) -> str:
    """The cursor of a list ordered by id: the last row's id."""
    return encode_cursor([row_id])


def decode_id_cursor(cursor: str | None) -> int | None:
    """The row id carried by a cursor from ``encode_id_cursor`` (``None``: the first page);
    anything else is ``InvalidCursor`` (400)."""
    if cursor is None:
        return None
    (value,) = decode_cursor(cursor, length=1)
    if not isinstance(value, int) or value < 1:
        raise InvalidCursor("cursor is not one this API issued")
    return value

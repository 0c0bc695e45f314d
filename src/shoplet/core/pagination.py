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

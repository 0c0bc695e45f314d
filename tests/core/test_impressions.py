"""Impression tokens and the impression buffer (pure, no database): a token reads back exactly
what was issued, any change to it is refused, and a failed write keeps the rows."""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.core.impressions import (
    MAX_BUFFERED,
    ImpressionBuffer,
    ImpressionSigner,
    day_bounds,
    report_days,
    shop_day,
)
from shoplet.core.params import InvalidDateRange

SIGNER = ImpressionSigner("test-secret")
ids = st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=100)


@given(ids, st.integers(min_value=0, max_value=255))
def test_a_token_reads_back_what_was_issued(products: list[int], kind: int) -> None:
    impression = SIGNER.issue(kind, products)
    read = SIGNER.read(SIGNER.token(impression), kind=kind, max_age=60)
    assert read == impression
    assert read is not None
    assert read.product_ids == tuple(products)


@given(ids.filter(bool), st.data())
def test_any_changed_character_is_refused(products: list[int], data: st.DataObject) -> None:
    token = SIGNER.token(SIGNER.issue(1, products))
    at = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    other = data.draw(st.sampled_from("ABCDEFabcdef0123456789-_"))
    changed = token[:at] + other + token[at + 1 :]
    # The last character may carry unused bits: only a change of the decoded bytes counts.
    if _raw(changed) != _raw(token):
        assert SIGNER.read(changed, kind=1, max_age=60) is None


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_foreign_kind_expired_and_garbage_tokens_are_refused() -> None:
    now = time.time()
    token = SIGNER.token(SIGNER.issue(1, [5, 6], now=now - 100))
    assert SIGNER.read(token, kind=1, max_age=200, now=now) is not None
    assert SIGNER.read(token, kind=1, max_age=50, now=now) is None
    assert SIGNER.read(token, kind=2, max_age=200, now=now) is None
    assert ImpressionSigner("another").read(token, kind=1, max_age=200, now=now) is None
    for garbage in ("", "x", "!!!!", "A" * 400, token + "A"):
        assert SIGNER.read(garbage, kind=1, max_age=200, now=now) is None


async def test_a_failed_write_keeps_the_rows_for_the_next_flush() -> None:
    written: list[list[dict[str, Any]]] = []
    failing = True

    async def writer(rows: list[dict[str, Any]]) -> None:
        if failing:
            raise RuntimeError("database down")
        written.append(rows)

    buffer = ImpressionBuffer(writer, "test")
    buffer.add({"id": 1})
    with pytest.raises(RuntimeError):
        await buffer.flush()
    buffer.add({"id": 2})
    failing = False
    assert await buffer.flush() == 2
    assert written == [[{"id": 1}, {"id": 2}]]
    assert await buffer.flush() == 0
    for n in range(MAX_BUFFERED + 5):
        buffer.add({"id": n})
    assert len(buffer.rows) == MAX_BUFFERED


def test_shop_days_and_report_ranges() -> None:
    assert shop_day(datetime(2026, 12, 3, 16, 30, tzinfo=UTC)) == date(2026, 12, 4)
    start, end = day_bounds(date(2026, 12, 4))
    assert (start, end) == (
        datetime(2026, 12, 3, 16, tzinfo=UTC),
        datetime(2026, 12, 4, 16, tzinfo=UTC),
    )
    today = date(2026, 12, 4)
    assert report_days(None, None, today=today) == (date(2026, 11, 5), today)
    assert report_days("2024-01-01", "2024-12-31", today=today) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    for first, last in (
        ("2026-12-05", "2026-12-01"),
        ("2026-02-30", None),
        ("2024-01-01", "2025-01-01"),
    ):
        with pytest.raises(InvalidDateRange):
            report_days(first, last, today=today)

"""Impression tokens and buffered impression writes, for click-through measurement.

A response that shows a list of products (a search page, a recommendation shelf) carries an
*impression token*: opaque to the client, signed with the server's secret key (HMAC-SHA256,
truncated to 10 bytes) over the kind, a random 63-bit impression id, the issue time and the
ids of the products shown, in order. A click names the token, a product and its position; the
server checks them against the token alone, so any replica accepts a click at once, before the
impression's row is written, and a client cannot invent impressions or products.

Impression rows are not written on the request path: ``ImpressionBuffer`` keeps them in this
process and writes them every ``FLUSH_SECONDS`` with one multi-row ``INSERT`` (the owning
module's repository function), so a search costs no SQL. A crash loses at most that second of
impressions; their clicks are still stored and simply find no impression in the rollup.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import secrets
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

import structlog

from shoplet.core.context import AppContext
from shoplet.core.params import SHOP_TZ, InvalidDateRange

log = structlog.get_logger("shoplet.impressions")

VERSION = 1
MAC_BYTES = 10
MAX_PRODUCTS = 100
FLUSH_SECONDS = 1.0
# A buffer never holds more than this many rows: past it, new impressions are not recorded
# (their clicks are still accepted) until the next write succeeds.
MAX_BUFFERED = 50_000
_HEAD = struct.Struct(">BBqI")  # version, kind, impression id, issued at (unix seconds)


@dataclass(frozen=True, slots=True)
class Impression:
    kind: int
    id: int
    issued_at: int
    product_ids: tuple[int, ...]


def _varints(values: Sequence[int]) -> bytes:
    out = bytearray()
    for value in values:
        v = value
        while True:
            byte = v & 0x7F
            v >>= 7
            if v:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                break
    return bytes(out)


def _read_varints(data: bytes) -> tuple[int, ...] | None:
    values: list[int] = []
    v = shift = 0
    for byte in data:
        v |= (byte & 0x7F) << shift
        shift += 7
        if shift > 63:
            return None
        if not byte & 0x80:
            values.append(v)
            v = shift = 0
    if shift:
        return None
    return tuple(values)


class ImpressionSigner:
    """Issues and reads impression tokens with a key derived from the server's secret key."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"shoplet-impression-v1", hashlib.sha256).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:MAC_BYTES]

    def issue(
        self, kind: int, product_ids: Sequence[int], *, now: float | None = None
    ) -> Impression:
        """A new impression of ``product_ids`` (at most ``MAX_PRODUCTS``) with a random id."""
        return Impression(
            kind=kind,
            id=secrets.randbits(63) or 1,
            issued_at=int(time.time() if now is None else now),
            product_ids=tuple(product_ids[:MAX_PRODUCTS]),
        )

    def token(self, impression: Impression) -> str:
        payload = _HEAD.pack(VERSION, impression.kind, impression.id, impression.issued_at)
        payload += _varints(impression.product_ids)
        raw = payload + self._mac(payload)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def read(
        self, token: str, *, kind: int, max_age: float, now: float | None = None
    ) -> Impression | None:
        """The impression of a token this server issued for ``kind`` within ``max_age``
        seconds; None for anything else (malformed, forged, another kind, expired)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) < _HEAD.size + MAC_BYTES:
            return None
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        version, found_kind, impression_id, issued_at = _HEAD.unpack_from(payload)
        products = _read_varints(payload[_HEAD.size :])
        current = time.time() if now is None else now
        if (
            version != VERSION
            or found_kind != kind
            or products is None
            or impression_id <= 0
            or not -60 <= current - issued_at <= max_age
        ):
            return None
        return Impression(found_kind, impression_id, issued_at, products)


Writer = Callable[[list[dict[str, Any]]], Awaitable[None]]


@dataclass
class ImpressionBuffer:
    """Rows buffered in this process and written by ``writer`` (one statement per flush):
    every ``FLUSH_SECONDS`` once ``start`` ran, or when the owner calls ``flush`` (search
    flushes with its query statistics; tests and shutdown flush at once)."""

    writer: Writer
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add(self, row: dict[str, Any]) -> None:
        if len(self.rows) < MAX_BUFFERED:
            self.rows.append(row)

    def start(self, every: float = FLUSH_SECONDS) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(every), name=self.name)

    async def _run(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("impressions_flush_failed", buffer=self.name)

    async def flush(self) -> int:
        """Write what is buffered; the number of rows written. On failure the rows stay."""
        async with self._lock:
            rows, self.rows = self.rows, []
            if not rows:
                return 0
            try:
                await self.writer(rows)
            except BaseException:
                self.rows[:0] = rows[: MAX_BUFFERED - len(self.rows)]
                raise
            return len(rows)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()


_SIGNER_KEY = "core.impression_signer"


def signer_of(ctx: AppContext) -> ImpressionSigner:
    """This process's signer (the key is derived once from ``SHOPLET_SECRET_KEY``)."""
    signer: ImpressionSigner | None = ctx.extras.get(_SIGNER_KEY)
    if signer is None:
        signer = ctx.extras[_SIGNER_KEY] = ImpressionSigner(ctx.settings.resolved_secret_key)
    return signer


# -- shop days for rollups and console reports ------------------------------------------------

MAX_REPORT_DAYS = 366
DEFAULT_REPORT_DAYS = 30


def shop_day(moment: datetime) -> date:
    """The shop's calendar day (Asia/Shanghai) of an aware instant."""
    return moment.astimezone(SHOP_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Aware UTC ``[start, end)`` of a shop day."""
    start = datetime.combine(day, dt_time.min, SHOP_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def report_days(first: str | None, last: str | None, *, today: date) -> tuple[date, date]:
    """A report's days, both included: by default the last ``DEFAULT_REPORT_DAYS`` up to
    ``today``; 400 ``request.invalid_date_range`` for an impossible day, ``from`` after ``to``
    or more than ``MAX_REPORT_DAYS`` days."""

    def parse(value: str | None, name: str) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidDateRange(f"{name} is not a calendar day (YYYY-MM-DD)") from None

    end = parse(last, "to") or today
    start = parse(first, "from") or end - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    if start > end:
        raise InvalidDateRange("from must not be after to")
    if (end - start).days >= MAX_REPORT_DAYS:
        raise InvalidDateRange(f"a report covers at most {MAX_REPORT_DAYS} days")
    return start, end

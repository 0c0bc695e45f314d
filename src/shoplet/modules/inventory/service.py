"""Inventory business rules: what may change stock, and the ledger row every change writes.

Invariants (the CHECKs in models.py back them up): ``0 <= reserved <= on_hand``; every change is
one conditional UPDATE plus one ledger row in the caller's transaction; release and commit are
idempotent because the ``active -> released|committed`` transition decides who does the work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.inventory import repository as repo
from shoplet.modules.inventory.errors import (
    BelowReserved,
    DuplicateRestock,
    InsufficientStock,
    InvalidQuantity,
    InvalidRef,
    NegativeStock,
    ReasonRequired,
    ReservationExists,
    ReservationNotFound,
    ReservationReleased,
    StockExists,
    StockNotFound,
)
from shoplet.modules.inventory.events import RESTOCKED
from shoplet.modules.inventory.schemas import LedgerEntry, StockLevel

MAX_QUANTITY = 10_000_000
REF_MAX_LENGTH = 64
REASON_MAX_LENGTH = 200


def _ledger(
    *,
    sku_id: int,
    kind: str,
    delta_on_hand: int,
    delta_reserved: int,
    after: tuple[int, int],
    reason: str = "",
    ref: str | None = None,
    actor: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "sku_id": sku_id,
        "kind": kind,
        "delta_on_hand": delta_on_hand,
        "delta_reserved": delta_reserved,
        "on_hand_after": after[0],
        "reserved_after": after[1],
        "reason": reason,
        "ref": ref,
        "actor": actor,
        "created_at": now,
    }


async def _record(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """Write the ledger rows of a change, and announce ``inventory.restocked`` (one event
    whatever the number of SKUs, so a batch stays a fixed number of statements) for the SKUs
    whose sellable stock (on hand less reserved) went from none to some, in the same
    transaction (到货提醒 is sent from it). A new SKU's first stock is no restock."""
    await repo.insert_ledger(session, entries)
    back = []
    for entry in entries:
        on_hand, reserved = entry["on_hand_after"], entry["reserved_after"]
        before = (on_hand - entry["delta_on_hand"]) - (reserved - entry["delta_reserved"])
        if entry["kind"] != "initial" and before <= 0 < on_hand - reserved:
            back.append(int(entry["sku_id"]))
    if back:
        sku_ids = sorted(set(back))
        await publish(
            session,
            RESTOCKED,
            {"sku_ids": sku_ids},
            key=str(sku_ids[0]) if len(sku_ids) == 1 else None,
        )


def _check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("quantity must be an integer")
    low = 0 if allow_zero else 1
    if not low <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(f"quantity must be between {low} and {MAX_QUANTITY}")


def _check_ref(ref: str) -> str:
    ref = ref.strip()
    if not ref or len(ref) > REF_MAX_LENGTH:
        raise InvalidRef(f"ref must be 1..{REF_MAX_LENGTH} characters")
    return ref


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired("say why the stock changes")
    return reason[:REASON_MAX_LENGTH]


async def get_levels(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, StockLevel]:
    """Stock of the given SKUs; a SKU without a stock row is absent (it has nothing to sell)."""
    return await repo.get_levels(session, sku_ids)


async def list_low_stock(
    session: AsyncSession, *, threshold: int, limit: int = 50, above: int | None = None
) -> list[StockLevel]:
    """SKUs whose available stock is at most ``threshold`` (and more than ``above`` when
    given), scarcest first (console dashboard, insights' frontline board).

    Inventory knows nothing of products: callers drop SKUs that are no longer sold."""
    return await repo.low_stock(session, threshold=threshold, limit=limit, above=above)


async def set_initial_stock(
    session: AsyncSession, *, sku_id: int, on_hand: int, actor: str
) -> StockLevel:
    """Create the stock row of a new SKU. Existing stock changes through :func:`adjust_stock`."""
    _check_quantity(on_hand, allow_zero=True)
    now = utcnow()
    if not await repo.insert_stock_if_absent(session, sku_id=sku_id, on_hand=on_hand, now=now):
        raise StockExists(f"SKU {sku_id} already has stock")
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="initial",
                delta_on_hand=on_hand,
                delta_reserved=0,
                after=(on_hand, 0),
                reason="initial stock",
                actor=actor,
                now=now,
            )
        ],
    )
    return StockLevel.of(sku_id, on_hand, 0)


async def set_initial_stocks(
    session: AsyncSession, on_hand: Mapping[int, int], *, actor: str
) -> list[StockLevel]:
    """:func:`set_initial_stock` for many new SKUs (``sku_id -> on_hand``) in two statements,
    one multi-row INSERT for the stock rows and one for their ledger entries, whatever their
    number (a product import's batch). All or nothing: raises ``StockExists`` if any SKU
    already has stock (the caller's transaction is then rolled back)."""
    for quantity in on_hand.values():
        _check_quantity(quantity, allow_zero=True)
    if not on_hand:
        return []
    now = utcnow()
    rows = sorted(on_hand.items())
    inserted = await repo.insert_stocks_if_absent(session, rows, now=now)
    if len(inserted) != len(rows):
        taken = next(sku_id for sku_id, _ in rows if sku_id not in inserted)
        raise StockExists(f"SKU {taken} already has stock")
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="initial",
                delta_on_hand=n,
                delta_reserved=0,
                after=(n, 0),
                reason="initial stock",
                actor=actor,
                now=now,
            )
            for sku_id, n in rows
        ],
    )
    return [StockLevel.of(sku_id, n, 0) for sku_id, n in rows]


async def adjust_stock(
    session: AsyncSession, *, sku_id: int, delta: int, reason: str, actor: str
) -> StockLevel:
    """``on_hand += delta`` (a stock take, damage, a delivery); never below reserved or zero."""
    reason = _check_reason(reason)
    if delta == 0:
        raise InvalidQuantity("delta must not be zero")
    _check_quantity(abs(delta))
    now = utcnow()
    after = await repo.add_on_hand(session, sku_id=sku_id, delta=delta, now=now)
    if after is None:
        await _refused(session, sku_id, delta)
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="adjust",
                delta_on_hand=delta,
                delta_reserved=0,
                after=after,
                reason=reason,
                actor=actor,
                now=now,
            )
        ],
    )
    return StockLevel.of(sku_id, *after)


async def adjust_stocks(
    session: AsyncSession, deltas: Mapping[int, int], *, reason: str, actor: str
) -> list[StockLevel]:
    """:func:`adjust_stock` for many SKUs (``sku_id -> delta``, none zero) in two statements:
    one conditional UPDATE and one multi-row ledger INSERT, whatever their number (an import's
    batch). All or nothing: if any SKU would go below zero or below reserved (or has no stock),
    raises that SKU's error (the lowest id) and the caller's transaction is rolled back."""
    reason = _check_reason(reason)
    for delta in deltas.values():
        if delta == 0:
            raise InvalidQuantity("delta must not be zero")
        _check_quantity(abs(delta))
    if not deltas:
        return []
    now = utcnow()
    after = await repo.add_on_hands(session, deltas, now=now)
    for sku_id in sorted(deltas):
        if sku_id not in after:
            await _refused(session, sku_id, deltas[sku_id])
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="adjust",
                delta_on_hand=deltas[sku_id],
                delta_reserved=0,
                after=after[sku_id],
                reason=reason,
                actor=actor,
                now=now,
            )
            for sku_id in sorted(deltas)
        ],
    )
    return [StockLevel.of(sku_id, *after[sku_id]) for sku_id in sorted(deltas)]


async def _refused(session: AsyncSession, sku_id: int, delta: int) -> NoReturn:
    """Raise why the conditional update left ``sku_id`` alone (read only to say why)."""
    level = await repo.get_level(session, sku_id)
    if level is None:
        raise StockNotFound(f"SKU {sku_id} has no stock record")
    if level.on_hand + delta < 0:
        raise NegativeStock(
            f"SKU {sku_id}: on hand {level.on_hand}, cannot remove {-delta}",
            sku_id=sku_id,
            on_hand=level.on_hand,
        )
    raise BelowReserved(
        f"SKU {sku_id}: {level.reserved} of {level.on_hand} are reserved for orders",
        sku_id=sku_id,
        on_hand=level.on_hand,
        reserved=level.reserved,
    )


def _merge_lines(lines: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """One line per SKU, in ascending sku_id order (the lock order)."""
    if not lines:
        raise InvalidQuantity("nothing to reserve")
    merged: dict[int, int] = defaultdict(int)
    for sku_id, quantity in lines:
        _check_quantity(quantity)
        merged[sku_id] += quantity
    for quantity in merged.values():
        _check_quantity(quantity)
    return sorted(merged.items())


async def reserve(
    session: AsyncSession, *, ref: str, lines: Sequence[tuple[int, int]], expires_at: datetime
) -> None:
    """Hold ``(sku_id, quantity)`` lines for ``ref`` until ``expires_at``: all lines or none.

    Raises :class:`InsufficientStock` naming the first SKU that is short; the lines already
    reserved by this call are undone first, so even a caller that catches the error and commits
    leaves stock untouched. A reference is reserved once (:class:`ReservationExists`)."""
    ref = _check_ref(ref)
    merged = _merge_lines(lines)
    if await repo.ref_exists(session, ref):
        raise ReservationExists(f"stock is already reserved for {ref}", ref=ref)
    now = utcnow()
    # The reservation rows first: they lock no stock row, so every statement after the first
    # conditional UPDATE below is that UPDATE for the next line; the commit follows. A hot SKU's
    # row lock is held for one round trip (plus the commit), not four.
    try:
        await repo.insert_reservations(
            session, ref=ref, lines=merged, expires_at=expires_at, now=now
        )
    except IntegrityError as exc:  # a concurrent call reserved the same ref first
        raise ReservationExists(f"stock is already reserved for {ref}", ref=ref) from exc
    done: list[tuple[int, int, tuple[int, int], int | None]] = []
    for index, (sku_id, quantity) in enumerate(merged):
        # Only the last line's row is touched with the reserve: it has nothing left to undo.
        last = index == len(merged) - 1
        reserved = await repo.reserve_units(
            session, sku_id=sku_id, quantity=quantity, ref=ref, now=now, touch=last
        )
        if reserved is None:
            await _undo_reserve(session, ref, done)
            level = await repo.get_level(session, sku_id)
            raise InsufficientStock(
                sku_id=sku_id, requested=quantity, available=level.available if level else 0
            )
        done.append((sku_id, quantity, *reserved))
    if len(merged) > 1:
        await repo.touch(session, [sku_id for sku_id, _ in merged[:-1]], now)
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="reserve",
                delta_on_hand=0,
                delta_reserved=quantity,
                after=after,
                reason=repo.RESERVE_REASON,
                ref=ref,
                now=now,
            )
            for sku_id, quantity, after, ledger_id in done
            if ledger_id is None  # written by the reserving statement itself on PostgreSQL
        ],
    )


async def _undo_reserve(
    session: AsyncSession, ref: str, done: list[tuple[int, int, tuple[int, int], int | None]]
) -> None:
    """A later line was short: give back what this call reserved, exactly as it was."""
    for sku_id, quantity, _, _ in reversed(done):
        await repo.unreserve_units(session, sku_id=sku_id, quantity=quantity)
    await repo.delete_ledger_rows(session, [i for _, _, _, i in done if i is not None])
    await repo.delete_reservations(session, ref=ref)


async def release(session: AsyncSession, *, ref: str, reason: str) -> int:
    """Give back what ``ref`` still holds (order cancelled or expired). Idempotent: returns the
    units this call released, 0 when nothing was active (already released or committed)."""
    ref = _check_ref(ref)
    reason = _check_reason(reason)
    now = utcnow()
    moved = await repo.transition_reservations(session, ref=ref, to_status="released", now=now)
    entries = []
    for sku_id, quantity in moved:
        after = await repo.settle_units(
            session, sku_id=sku_id, delta_on_hand=0, delta_reserved=-quantity, now=now
        )
        entries.append(
            _ledger(
                sku_id=sku_id,
                kind="release",
                delta_on_hand=0,
                delta_reserved=-quantity,
                after=after,
                reason=reason,
                ref=ref,
                now=now,
            )
        )
    await _record(session, entries)
    return sum(quantity for _, quantity in moved)


async def commit(session: AsyncSession, *, ref: str) -> int:
    """Turn the reservation of ``ref`` into a sale (``on_hand -= q``, ``reserved -= q``).

    Idempotent: returns the units this call committed, 0 when ``ref`` was already committed.
    Raises :class:`ReservationReleased` if the hold was released (e.g. expired) before the sale,
    and :class:`ReservationNotFound` for a reference that never reserved anything."""
    ref = _check_ref(ref)
    now = utcnow()
    moved = await repo.transition_reservations(session, ref=ref, to_status="committed", now=now)
    if not moved:
        statuses = await repo.ref_statuses(session, ref)
        if not statuses:
            raise ReservationNotFound(f"nothing was reserved for {ref}", ref=ref)
        if "committed" in statuses:
            return 0
        raise ReservationReleased(f"the stock held for {ref} was released", ref=ref)
    entries = []
    for sku_id, quantity in moved:
        after = await repo.settle_units(
            session, sku_id=sku_id, delta_on_hand=-quantity, delta_reserved=-quantity, now=now
        )
        entries.append(
            _ledger(
                sku_id=sku_id,
                kind="commit",
                delta_on_hand=-quantity,
                delta_reserved=-quantity,
                after=after,
                reason="sold",
                ref=ref,
                now=now,
            )
        )
    await _record(session, entries)
    return sum(quantity for _, quantity in moved)


async def transfer_reservation(
    session: AsyncSession,
    *,
    from_ref: str,
    to_ref: str,
    sku_id: int,
    quantity: int,
) -> None:
    """Move ``quantity`` held units of ``sku_id`` from reservation ``from_ref`` to ``to_ref``
    (flash sales: the campaign's hold ``flash:<campaign>:<sku>`` -> an order, and back when the
    order is cancelled). Free stock never changes: ``reserved`` stays as it is.

    The source is one conditional UPDATE (``quantity >= n``), so concurrent transfers out of one
    hold never take more than it holds: :class:`InsufficientStock` (with what it holds) and
    nothing written when it is short or not active. The target gets a new active row (with the
    source's ``expires_at``), grows if active, or comes back to life if it was drained; a
    committed (sold) target is refused with :class:`ReservationExists`. Two ledger rows record
    the move (``release`` from the source, ``reserve`` into the target, net zero).

    Locks: the source row, then the target row, then the stock row, the same order as
    :func:`release` and :func:`commit` (reservation rows before stock), so they never deadlock.
    """
    from_ref = _check_ref(from_ref)
    to_ref = _check_ref(to_ref)
    if from_ref == to_ref:
        raise InvalidRef("a reservation cannot be transferred to itself")
    _check_quantity(quantity)
    if await repo.reservation_status(session, ref=to_ref, sku_id=sku_id) == "committed":
        raise ReservationExists(f"the stock held for {to_ref} is already sold", ref=to_ref)
    now = utcnow()
    taken = await repo.take_from_reservation(
        session, ref=from_ref, sku_id=sku_id, quantity=quantity, now=now
    )
    if taken is None:
        held = await repo.held_quantity(session, ref=from_ref, sku_id=sku_id)
        raise InsufficientStock(sku_id=sku_id, requested=quantity, available=held)
    _left, expires_at = taken
    if not await repo.add_to_reservation(
        session, ref=to_ref, sku_id=sku_id, quantity=quantity, now=now
    ):
        try:
            await repo.insert_reservations(
                session, ref=to_ref, lines=[(sku_id, quantity)], expires_at=expires_at, now=now
            )
        except IntegrityError as exc:
            # Created or committed concurrently; the caller rolls back (module contract).
            raise ReservationExists(f"stock is already reserved for {to_ref}", ref=to_ref) from exc
    on_hand, reserved = await repo.touch_level(session, sku_id=sku_id, now=now)
    await _record(
        session,
        [
            _ledger(
                sku_id=sku_id,
                kind="release",
                delta_on_hand=0,
                delta_reserved=-quantity,
                after=(on_hand, reserved - quantity),
                reason=f"transfer to {to_ref}"[:REASON_MAX_LENGTH],
                ref=from_ref,
                now=now,
            ),
            _ledger(
                sku_id=sku_id,
                kind="reserve",
                delta_on_hand=0,
                delta_reserved=quantity,
                after=(on_hand, reserved),
                reason=f"transfer from {from_ref}"[:REASON_MAX_LENGTH],
                ref=to_ref,
                now=now,
            ),
        ],
    )


async def held_quantity(session: AsyncSession, *, ref: str, sku_id: int) -> int:
    """Units reservation ``(ref, sku_id)`` holds now; 0 when absent, released or committed."""
    return await repo.held_quantity(session, ref=_check_ref(ref), sku_id=sku_id)


async def held_by_refs(session: AsyncSession, refs: Sequence[str]) -> dict[str, dict[int, int]]:
    """What each reservation ref holds now, per SKU (stores read their stock with it: a store's
    stock is the hold ``store:<id>``). Refs holding nothing are absent."""
    return await repo.held_by_refs(session, [_check_ref(ref) for ref in refs])


async def restock(
    session: AsyncSession, *, sku_id: int, quantity: int, ref: str, reason: str
) -> StockLevel:
    """Put sold units back on the shelf (a return). ``ref`` identifies this restock (e.g. a refund
    no.): repeating it for the same SKU changes nothing and returns the current level."""
    _check_quantity(quantity)
    ref = _check_ref(ref)
    reason = _check_reason(reason)
    if await repo.restock_recorded(session, sku_id=sku_id, ref=ref):
        level = await repo.get_level(session, sku_id)
        if level is None:
            raise StockNotFound(f"SKU {sku_id} has no stock record")
        return level
    now = utcnow()
    after = await repo.add_on_hand(session, sku_id=sku_id, delta=quantity, now=now)
    if after is None:
        raise StockNotFound(f"SKU {sku_id} has no stock record")
    try:
        await _record(
            session,
            [
                _ledger(
                    sku_id=sku_id,
                    kind="restock",
                    delta_on_hand=quantity,
                    delta_reserved=0,
                    after=after,
                    reason=reason,
                    ref=ref,
                    now=now,
                )
            ],
        )
    except IntegrityError as exc:  # the same restock recorded concurrently: retry sees it
        raise DuplicateRestock(f"restock {ref} of SKU {sku_id} is already recorded") from exc
    return StockLevel.of(sku_id, *after)


async def list_ledger(
    session: AsyncSession, *, sku_id: int, cursor: str | None, limit: int
) -> tuple[list[LedgerEntry], str | None]:
    """The ledger of one SKU, newest first, by keyset cursor."""
    limit = max(1, min(limit, 200))
    before_id = decode_id_cursor(cursor)
    rows = await repo.list_ledger(session, sku_id=sku_id, before_id=before_id, limit=limit + 1)
    items = [LedgerEntry.model_validate(row) for row in rows[:limit]]
    next_cursor = encode_id_cursor(items[-1].id) if len(rows) > limit else None
    return items, next_cursor


async def expired_reservation_refs(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[str]:
    """References holding stock past their ``expires_at``, oldest first (for the expiry job)."""
    return await repo.expired_refs(session, now=now, limit=max(1, limit))

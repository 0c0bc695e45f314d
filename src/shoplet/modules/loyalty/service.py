"""Loyalty services: the ledger (credit a batch, debit FIFO, expire), earning and reversing on
order events, spending at checkout, daily sign-in, settings and the account views.

Every change of a member's points runs under their account row's lock (the debit's conditional
UPDATE, or ``lock_account``) and writes one ledger entry whose (kind, ref) is unique, so a
redelivered event or a retried request finds its entry and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.loyalty import events as ev
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.loyalty import rules as r
from shoplet.modules.loyalty.errors import (
    InsufficientPoints,
    InvalidPoints,
    MemberNotFound,
    PointsOverCap,
    ProgrammeDisabled,
)
from shoplet.modules.loyalty.models import PointsEntry as EntryRow
from shoplet.modules.loyalty.programme import CACHE_RULES, RULES_KEY, cached_rules, get_rules
from shoplet.modules.loyalty.schemas import (
    LoyaltySettings,
    LoyaltySettingsUpdate,
    MemberPoints,
    PointsEntry,
    PointsQuote,
    PointsSummary,
)
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership

Clock = Callable[[], datetime]
EXPIRING_WINDOW = timedelta(days=30)
EXPIRE_BATCH = 500
MAX_PAGE = 50

# -- settings --------------------------------------------------------------------------------


async def get_settings(session: AsyncSession) -> LoyaltySettings:
    row = await repo.get_settings(session)
    if row is None:
        return LoyaltySettings(**asdict(r.DEFAULT_RULES))
    return LoyaltySettings.model_validate(row)


async def update_settings(
    session: AsyncSession, body: LoyaltySettingsUpdate, *, actor: str
) -> LoyaltySettings:
    await repo.upsert_settings(
        session, {**body.model_dump(), "updated_by": actor, "updated_at": utcnow()}
    )
    invalidate_after_commit(session, CACHE_RULES, RULES_KEY)
    return await get_settings(session)


# -- the ledger ------------------------------------------------------------------------------


def _entry_values(
    *,
    member_id: int,
    kind: str,
    reason: str,
    points: int,
    ref: str,
    now: datetime,
    order_no: str | None = None,
    expires_at: datetime | None = None,
    remaining: int = 0,
    shortfall: int = 0,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "kind": kind,
        "reason": reason,
        "points": points,
        "ref": ref,
        "order_no": order_no,
        "expires_at": expires_at,
        "remaining": remaining,
        "shortfall": shortfall,
        "detail": dict(detail or {}),
        "created_at": now,
    }


async def _changed(session: AsyncSession, values: Mapping[str, Any], balance: int) -> None:
    await publish(
        session,
        ev.POINTS_CHANGED,
        {
            "member_id": values["member_id"],
            "kind": values["kind"],
            "reason": values["reason"],
            "points": values["points"],
            "ref": values["ref"],
            "order_no": values["order_no"],
            "balance": balance,
        },
        key=str(values["member_id"]),
    )


async def credit_batch(
    session: AsyncSession,
    *,
    member_id: int,
    kind: str,
    reason: str,
    points: int,
    ref: str,
    expires_at: datetime,
    now: datetime,
    order_no: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> bool:
    """A new batch of ``points`` (> 0) expiring at ``expires_at``: whether it was new."""
    await repo.ensure_account(session, member_id, now)
    await repo.lock_account(session, member_id)
    if await repo.get_entry(session, kind, ref) is not None:
        return False
    values = _entry_values(
        member_id=member_id,
        kind=kind,
        reason=reason,
        points=points,
        ref=ref,
        now=now,
        order_no=order_no,
        expires_at=expires_at,
        remaining=points,
        detail=detail,
    )
    if await repo.insert_entry(session, values) is None:
        return False
    balance = await repo.credit(
        session, member_id=member_id, points=points, earned=points, unspent=0, now=now
    )
    await _changed(session, values, balance)
    return True


async def _take_fifo(session: AsyncSession, member_id: int, entry_id: int, points: int) -> None:
    parts = r.fifo_take(await repo.open_batches(session, member_id), points)
    if sum(p for _, p in parts) != points:  # the balance said they were there
        raise RuntimeError(f"member {member_id}: batches do not cover the balance")
    for batch_id, part in parts:
        await repo.take_from_batch(session, batch_id, part)
    await repo.insert_consumptions(session, entry_id, parts)


async def _debit_entry(
    session: AsyncSession, values: dict[str, Any], *, points: int, spent: int, now: datetime
) -> int:
    """Take ``points`` from the member's balance FIFO and write ``values`` as its entry; the
    balance after. 409 ``loyalty.insufficient_points`` when the balance does not cover them."""
    member_id = int(values["member_id"])
    balance = await repo.debit(session, member_id=member_id, points=points, spent=spent, now=now)
    if balance is None:
        raise InsufficientPoints(f"{points} points wanted", member_id=member_id)
    entry_id = await repo.insert_entry(session, values)
    if entry_id is None:
        raise RuntimeError(f"ledger entry {values['kind']}:{values['ref']} exists")
    await _take_fifo(session, member_id, entry_id, points)
    await _changed(session, values, balance)
    return balance


async def _reverse(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    ref: str,
    order_no: str,
    now: datetime,
    detail: Mapping[str, Any],
) -> None:
    """Take back up to ``points`` earned on ``order_no``: never below 0; what the balance cannot
    cover is recorded as the entry's ``shortfall``."""
    await take_back(
        session,
        member_id=member_id,
        points=points,
        reason="refund",
        ref=ref,
        now=now,
        order_no=order_no,
        detail=detail,
    )


async def take_back(
    session: AsyncSession,
    *,
    member_id: int,
    points: int,
    reason: str,
    ref: str,
    now: datetime,
    order_no: str | None = None,
    detail: Mapping[str, Any],
) -> None:
    """A ``reverse`` entry taking back up to ``points`` earned earlier (a refunded order, a
    hidden review): never below 0, the rest recorded as ``shortfall``; once per ``ref``."""
    await repo.ensure_account(session, member_id, now)
    balance = await repo.lock_account(session, member_id)
    if points <= 0 or await repo.get_entry(session, "reverse", ref) is not None:
        return
    take = min(points, balance)
    values = _entry_values(
        member_id=member_id,
        kind="reverse",
        reason=reason,
        points=-take,
        ref=ref,
        now=now,
        order_no=order_no,
        shortfall=points - take,
        detail=detail,
    )
    await _debit_entry(session, values, points=take, spent=0, now=now)


# -- earning and reversing (order events) ----------------------------------------------------


def _order_ref(order_no: str) -> str:
    return f"order:{order_no}"


async def earn_for_order(
    session: AsyncSession, payload: Mapping[str, Any], *, now: datetime | None = None
) -> None:
    """``order.completed``: the goods paid (payable total minus shipping, minus what was
    refunded by then) earn points, one batch expiring per the rules; none while it is off."""
    now = now or utcnow()
    rules = await get_rules(session)
    if not rules.enabled:
        return
    order_no = str(payload["order_no"])
    payable = int(payload["payable_total"])
    shipping = int(payload.get("shipping_fee") or 0)
    refunded = int(payload.get("refunded_total") or 0)
    goods = max(0, payable - shipping - refunded)
    member_id = int(payload["member_id"])
    # The tier the order was placed with (its snapshot), else the member's tier now.
    benefit = await membership.order_benefit(session, order_no)
    multiplier = (
        benefit.points_multiplier_permille
        if benefit is not None
        else (await membership.benefits_for(session, member_id)).points_multiplier_permille
    )
    points = r.earned_points(rules, goods, multiplier)
    if points <= 0:
        return
    await credit_batch(
        session,
        member_id=member_id,
        kind="earn",
        reason="order",
        points=points,
        ref=_order_ref(order_no),
        expires_at=r.expires_at(rules, now),
        now=now,
        order_no=order_no,
        detail={
            "basis": goods,
            "payable_total": payable,
            "shipping_fee": shipping,
            "multiplier_permille": multiplier,
        },
    )


async def reverse_for_refund(
    session: AsyncSession,
    *,
    order_no: str,
    refund_ref: str,
    amount: int | None,
    now: datetime | None = None,
) -> None:
    """A refund of ``amount`` fen (None: the whole order) after the order earned points takes
    back ``earned × amount / basis`` (rounded down; the whole rest for a full refund), never
    more than is left to take back."""
    now = now or utcnow()
    earned = await repo.get_entry(session, "earn", _order_ref(order_no))
    if earned is None:
        return  # not completed yet: completion counts what was refunded by then
    left = earned.points - await repo.reversed_for_order(session, order_no)
    basis = int(earned.detail.get("basis") or 0)
    want = left if amount is None else earned.points * min(amount, basis) // max(basis, 1)
    await _reverse(
        session,
        member_id=earned.member_id,
        points=min(want, left),
        ref=refund_ref,
        order_no=order_no,
        now=now,
        detail={"refund": amount, "earned": earned.points},
    )


async def give_back_spent(
    session: AsyncSession, order_no: str, *, now: datetime | None = None
) -> None:
    """``order.cancelled`` / ``order.refunded``: points spent on the order go back to the
    batches they came from, with their original expiry; a batch that expired since gets nothing
    back (those points would have expired anyway). One ``reverse`` entry
    (``spend_return:<order>``) records it: a second delivery finds it and does nothing."""
    now = now or utcnow()
    spent = await repo.get_entry(session, "spend", _order_ref(order_no))
    if spent is None:
        return
    member_id = spent.member_id
    await repo.lock_account(session, member_id)
    ref = f"spend_return:{order_no}"
    if await repo.get_entry(session, "reverse", ref) is not None:
        return
    back = 0
    lost = 0
    for batch_id, points, expires_at, _, _ in await repo.consumptions_of(session, spent.id):
        if expires_at is not None and expires_at <= now:
            lost += points
            continue
        await repo.restore_batch(session, batch_id, points)
        back += points
    values = _entry_values(
        member_id=member_id,
        kind="reverse",
        reason="spend_return",
        points=back,
        ref=ref,
        now=now,
        order_no=order_no,
        detail={"spent": -spent.points, "expired": lost},
    )
    await repo.insert_entry(session, values)
    balance = await repo.credit(
        session, member_id=member_id, points=back, earned=0, unspent=-spent.points, now=now
    )
    await _changed(session, values, balance)


# -- spending at checkout --------------------------------------------------------------------


async def quote(
    session: AsyncSession, *, member_id: int, goods_after_coupons: int, points: int | None
) -> PointsQuote:
    """What the shopper may use on an order whose goods cost ``goods_after_coupons`` after
    coupons, and the value of ``points`` (None: none used). Refuses what cannot be used:
    409 ``loyalty.disabled`` / ``loyalty.insufficient_points`` / ``loyalty.points_over_cap``,
    400 ``loyalty.invalid_points`` (negative, or not a whole number of fen)."""
    rules = await cached_rules(session)
    account = await repo.get_account(session, member_id)
    balance = account.balance if account is not None else 0
    usable = r.usable_max(rules, balance=balance, goods_after_coupons=goods_after_coupons)
    used = points or 0
    if used:
        if not rules.enabled:
            raise ProgrammeDisabled()
        if used < 0 or used % r.points_step(rules):
            raise InvalidPoints(
                f"use a multiple of {r.points_step(rules)} points", step=r.points_step(rules)
            )
        if used > balance:
            raise InsufficientPoints(f"{balance} points held, {used} wanted", balance=balance)
        if used > usable:
            raise PointsOverCap(f"at most {usable} points on this order", usable_max=usable)
    return PointsQuote(
        balance=balance,
        usable_max=usable,
        usable_value=r.points_value(rules, usable),
        used=used,
        value=r.points_value(rules, used),
    )


async def spend(
    session: AsyncSession, *, member_id: int, order_no: str, points: int, value: int
) -> int:
    """Take ``points`` for ``order_no`` in the order's transaction: one conditional UPDATE of
    the balance (409 ``loyalty.insufficient_points`` when another order took them first: the
    whole order rolls back), FIFO consumption and the ``spend`` entry. The balance after."""
    await members.hold_member(session, member_id)
    now = utcnow()
    values = _entry_values(
        member_id=member_id,
        kind="spend",
        reason="order",
        points=-points,
        ref=_order_ref(order_no),
        now=now,
        order_no=order_no,
        detail={"value": value},
    )
    return await _debit_entry(session, values, points=points, spent=points, now=now)


async def spend_in_mall(
    session: AsyncSession, *, member_id: int, ref: str, points: int, detail: Mapping[str, Any]
) -> int:
    """Take ``points`` (> 0) for a points-mall exchange (``ref`` = ``mall:<exchange no>``) in
    the exchange's transaction, like :func:`spend`: 409 ``loyalty.insufficient_points`` when the
    balance does not cover them, ``loyalty.disabled`` while the programme is off; the balance."""
    await members.hold_member(session, member_id)
    if points <= 0:
        raise InvalidPoints("an exchange costs at least 1 point")
    if not (await get_rules(session)).enabled:
        raise ProgrammeDisabled()
    now = utcnow()
    values = _entry_values(
        member_id=member_id,
        kind="spend",
        reason="mall",
        points=-points,
        ref=ref,
        now=now,
        detail=detail,
    )
    return await _debit_entry(session, values, points=points, spent=points, now=now)


# -- expiry ----------------------------------------------------------------------------------


async def expire_due(session: AsyncSession, *, now: datetime | None = None) -> int:
    """What is left of batches past their expiry goes (one ``expire`` entry per batch, ref
    ``batch:<id>``): the number of batches expired. Idempotent: a batch is re-read under its
    member's lock, and an expired batch has nothing left."""
    now = now or utcnow()
    done = 0
    for batch_id, member_id in await repo.due_batches(session, now, EXPIRE_BATCH):
        await repo.lock_account(session, member_id)
        batch = await repo.get_batch(session, batch_id)
        if batch is None or batch.remaining <= 0 or batch.expires_at is None:
            continue
        left = batch.remaining
        values = _entry_values(
            member_id=member_id,
            kind="expire",
            reason="expiry",
            points=-left,
            ref=f"batch:{batch_id}",
            now=now,
            order_no=batch.order_no,
            detail={"batch_id": batch_id, "expired_at": batch.expires_at.isoformat()},
        )
        balance = await repo.debit(session, member_id=member_id, points=left, spent=0, now=now)
        if balance is None or await repo.insert_entry(session, values) is None:
            raise RuntimeError(f"batch {batch_id}: cannot expire {left} points")
        await repo.zero_batch(session, batch_id)
        await _changed(session, values, balance)
        done += 1
    return done


# -- staff adjustments -----------------------------------------------------------------------


async def adjust(
    session: AsyncSession, *, member_id: int, points: int, note: str, actor: str
) -> int:
    """Add (a new batch, expiring per the rules) or take away (FIFO; 409
    ``loyalty.insufficient_points`` below 0) points by hand: the balance after."""
    if points == 0:
        raise InvalidPoints("an adjustment is not 0 points")
    await members.hold_member(session, member_id)
    now = utcnow()
    ref = f"adjust:{uuid.uuid4().hex}"
    detail = {"note": note, "actor": actor}
    if points > 0:
        rules = await get_rules(session)
        await credit_batch(
            session,
            member_id=member_id,
            kind="adjust",
            reason="staff",
            points=points,
            ref=ref,
            expires_at=r.expires_at(rules, now),
            now=now,
            detail=detail,
        )
        account = await repo.get_account(session, member_id)
        return account.balance if account is not None else 0
    values = _entry_values(
        member_id=member_id,
        kind="adjust",
        reason="staff",
        points=points,
        ref=ref,
        now=now,
        detail=detail,
    )
    return await _debit_entry(session, values, points=-points, spent=0, now=now)


# -- views -----------------------------------------------------------------------------------


def entry_view(row: EntryRow) -> PointsEntry:
    note = row.detail.get("note") if row.kind == "adjust" else None
    return PointsEntry(
        id=row.id,
        kind=row.kind,  # type: ignore[arg-type]
        reason=row.reason,
        points=row.points,
        ref=row.ref,
        order_no=row.order_no,
        expires_at=row.expires_at,
        remaining=row.remaining,
        shortfall=row.shortfall,
        note=str(note) if note is not None else None,
        created_at=row.created_at,
    )


async def summary(session: AsyncSession, *, member_id: int, now: datetime) -> PointsSummary:
    rules = await get_rules(session)
    account = await repo.get_account(session, member_id)
    soon = await repo.expiring(session, member_id, now, now + EXPIRING_WINDOW)
    return PointsSummary(
        enabled=rules.enabled,
        balance=account.balance if account else 0,
        lifetime_earned=account.lifetime_earned if account else 0,
        lifetime_spent=account.lifetime_spent if account else 0,
        points_per_yuan=rules.points_per_yuan,
        expiring_points=soon[1] if soon else 0,
        expiring_at=soon[0] if soon else None,
    )


async def list_entries(
    session: AsyncSession,
    *,
    member_id: int,
    kinds: Sequence[str] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PointsEntry], str | None]:
    limit = max(1, min(limit, MAX_PAGE))
    rows = await repo.list_entries(
        session,
        member_id=member_id,
        kinds=kinds,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [entry_view(row) for row in page], next_cursor


async def require_member(session: AsyncSession, member_id: int) -> None:
    """404 ``loyalty.member_not_found`` for an id that is no member."""
    if await members.get_member_since(session, member_id) is None:
        raise MemberNotFound(member_id=member_id)


async def member_points(
    session: AsyncSession,
    *,
    member_id: int,
    kinds: Sequence[str] | None,
    cursor: str | None,
    limit: int,
) -> MemberPoints:
    """A member's account and a page of their ledger (console)."""
    await require_member(session, member_id)
    account = await repo.get_account(session, member_id)
    entries, next_cursor = await list_entries(
        session, member_id=member_id, kinds=kinds, cursor=cursor, limit=limit
    )
    return MemberPoints(
        member_id=member_id,
        balance=account.balance if account else 0,
        lifetime_earned=account.lifetime_earned if account else 0,
        lifetime_spent=account.lifetime_spent if account else 0,
        entries=entries,
        next_cursor=next_cursor,
    )

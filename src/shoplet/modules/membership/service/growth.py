"""Growth: adding it (idempotent per (reason, ref)), upgrades as thresholds are crossed, growth
from paid orders and its reversal on refunds, staff adjustments, a member's ledger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.members import public as members
from shoplet.modules.membership import repository as repo
from shoplet.modules.membership.errors import (
    GrowthWouldGoNegative,
    InvalidGrowth,
    MemberNotFound,
)
from shoplet.modules.membership.events import TIER_CHANGED
from shoplet.modules.membership.models import REASONS
from shoplet.modules.membership.rules import (
    MAX_GROWTH,
    growth_for_payment,
    level_for,
    reversal_for,
    tier_at,
)
from shoplet.modules.membership.schemas import GrowthAdjusted, GrowthEntryOut

from ._common import account_view, entry_view, load_rules, load_settings

log = structlog.get_logger("shoplet.membership")

MAX_REF = 80


@dataclass(frozen=True, slots=True)
class GrowthResult:
    """``applied``: False when (reason, ref) had counted already (nothing changed then, and
    ``total``/``level`` are 0). ``from_level`` → ``level``: an upgrade happened when they differ."""

    applied: bool
    entry_id: int | None
    total: int
    from_level: int
    level: int


async def add_growth(
    session: AsyncSession,
    member_id: int,
    amount: int,
    reason: str,
    ref: str,
    *,
    note: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> GrowthResult:
    """Add ``amount`` growth (negative takes away) for ``reason`` (order_paid, order_refund,
    review, signin, adjust, downgrade), counted once per (reason, ref). Crossing one or more
    thresholds upgrades at once, with one ``membership.tier_changed`` in the outbox. Growth
    taken away never downgrades by itself: that is the period job's call."""
    if reason not in REASONS:
        raise ValueError(f"unknown growth reason {reason!r}")
    if not ref or len(ref) > MAX_REF:
        raise ValueError(f"ref must be 1..{MAX_REF} characters")
    if amount == 0 or abs(amount) > MAX_GROWTH:
        raise InvalidGrowth(f"amount must be non-zero, within ±{MAX_GROWTH}")
    now = now or utcnow()
    entry_id = await repo.insert_entry_if_new(
        session,
        {
            "member_id": member_id,
            "amount": amount,
            "reason": reason,
            "ref": ref,
            "note": note,
            "actor": actor,
            "created_at": now,
        },
    )
    if entry_id is None:
        return GrowthResult(applied=False, entry_id=None, total=0, from_level=0, level=0)
    total, level = await repo.add_to_account(session, member_id, amount, now)
    tiers = await load_rules(session)
    reached = level_for(total, tiers)
    if reached > level and await repo.raise_level(
        session, member_id, expected=level, new=reached, now=now
    ):
        before, after = tier_at(level, tiers), tier_at(reached, tiers)
        await publish(
            session,
            TIER_CHANGED,
            {
                "member_id": member_id,
                "from_level": level,
                "to_level": reached,
                "from_code": before.code,
                "to_code": after.code,
                "direction": "up",
                "growth_total": total,
                "cause": reason,
            },
            key=str(member_id),
        )
        log.info("membership_upgraded", member_id=member_id, level=reached, total=total)
        return GrowthResult(True, entry_id, total, level, reached)
    return GrowthResult(True, entry_id, total, level, level)


# -- orders ----------------------------------------------------------------------------------


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.paid``: 1 growth per ``fen_per_growth`` fen paid (ref: the order number)."""
    settings = await load_settings(session)
    amount = growth_for_payment(int(payload["amount"]), settings.fen_per_growth)
    if amount > 0:
        await add_growth(
            session,
            int(payload["member_id"]),
            amount,
            "order_paid",
            str(payload["order_no"]),
            note="订单支付",
        )


async def _reverse(
    session: AsyncSession,
    *,
    member_id: int,
    order_no: str,
    refunded: int,
    paid: int,
    ref_suffix: str,
) -> None:
    earned = await repo.get_entry(session, "order_paid", order_no)
    if earned is None:
        return
    # One reversal of the member at a time: what was taken back is read, then added to.
    await repo.lock_account(session, member_id, utcnow())
    already = await repo.reversed_for_order(session, member_id, order_no)
    amount = reversal_for(earned.amount, refunded, paid, already)
    if amount > 0:
        await add_growth(
            session, member_id, -amount, "order_refund", f"{order_no}/{ref_suffix}", note="订单退款"
        )


async def handle_aftersale_refunded(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``aftersale.refunded``: take back the refund's share of the order's growth."""
    await _reverse(
        session,
        member_id=int(payload["member_id"]),
        order_no=str(payload["order_no"]),
        refunded=int(payload["amount"]),
        paid=int(payload["payable_total"]),
        ref_suffix=str(payload["aftersale_no"]),
    )


async def handle_order_refunded(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.refunded`` (refunds cover the order): take back whatever growth is left."""
    await _reverse(
        session,
        member_id=int(payload["member_id"]),
        order_no=str(payload["order_no"]),
        refunded=1,
        paid=0,
        ref_suffix="full",
    )


# -- staff and ledgers -----------------------------------------------------------------------


async def _require_member(session: AsyncSession, member_id: int) -> None:
    if await members.get_member_since(session, member_id) is None:
        raise MemberNotFound(member_id=member_id)


async def adjust(
    session: AsyncSession, member_id: int, *, amount: int, note: str, actor: str, ref: str
) -> GrowthAdjusted:
    """A staff adjustment (never below a total of 0: 409 ``membership.growth_negative``)."""
    await _require_member(session, member_id)
    if amount == 0 or abs(amount) > MAX_GROWTH:
        raise InvalidGrowth(f"amount must be non-zero, within ±{MAX_GROWTH}")
    now = utcnow()
    result = await add_growth(
        session, member_id, amount, "adjust", ref, note=note, actor=actor, now=now
    )
    if result.applied and result.total < 0:
        raise GrowthWouldGoNegative(total=result.total - amount, amount=amount)
    entry = (
        await repo.get_entry_by_id(session, result.entry_id)
        if result.entry_id is not None
        else await repo.get_entry(session, "adjust", ref)
    )
    if entry is None:  # pragma: no cover  (inserted above, or counted by an earlier retry)
        raise LookupError(ref)
    account = await repo.get_account(session, member_id)
    tiers, settings = await load_rules(session), await load_settings(session)
    return GrowthAdjusted(
        entry=entry_view(entry), account=account_view(member_id, account, tiers, settings, now)
    )


async def list_growth(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> tuple[list[GrowthEntryOut], str | None]:
    rows = await repo.list_entries(
        session, member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [entry_view(r) for r in rows[:limit]]
    return items, encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None


async def require_member(session: AsyncSession, member_id: int) -> None:
    await _require_member(session, member_id)

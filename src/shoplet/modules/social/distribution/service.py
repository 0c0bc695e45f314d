"""Distribution (分销): the shop's rules, promoters (application and approval, or automatic
after N paid orders), bindings (first touch with expiry, or permanent) and the promoter
centre's reads. Commissions live in ``commissions.py`` and withdrawals in ``withdrawals.py``.

A shopper arriving through a promoter's link is bound by one ``INSERT … ON CONFLICT DO
NOTHING`` (first touch wins; an expired first touch is replaced by one conditional UPDATE);
self-bindings and cycles (A → B → A) are refused before anything is written.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.social.campaigns import mask_name

from . import events as ev
from . import repository as repo
from .errors import (
    AlreadyApplied,
    BindingCycle,
    DistributionDisabled,
    InvalidSettings,
    NotEligible,
    NotPromoter,
    PromoterNotFound,
    PromoterNotPending,
    SelfBinding,
)
from .models import Binding, DistSettings, Promoter
from .rules import Rates
from .schemas import (
    Balance,
    BindingView,
    DistributionSettings,
    DistributionSettingsWrite,
    PromoterAdmin,
    PromoterCentre,
    RateView,
    TeamMember,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_CHAIN = 32
DEFAULT_WINDOW_DAYS = 15


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


# -- settings --------------------------------------------------------------------------------


def default_settings(window_days: int) -> DistSettings:
    """What a shop that never saved distribution settings runs with: off."""
    return DistSettings(
        id=repo.SETTINGS_ID,
        is_enabled=False,
        become_mode="apply",
        auto_after_orders=1,
        binding_mode="first_touch",
        binding_days=30,
        level1_bps=1000,
        level2_bps=500,
        min_withdrawal=100,
        freeze_days=window_days,
        updated_at=None,
    )


async def current_settings(session: AsyncSession, window_days: int) -> DistSettings:
    return await repo.get_settings(session) or default_settings(window_days)


def default_rates(settings: DistSettings) -> Rates:
    return Rates(settings.level1_bps, settings.level2_bps)


async def get_settings(session: AsyncSession, window_days: int) -> DistributionSettings:
    row = await current_settings(session, window_days)
    rates = await repo.list_rates(session)
    return DistributionSettings(
        is_enabled=row.is_enabled,
        become_mode=row.become_mode,  # type: ignore[arg-type]
        auto_after_orders=row.auto_after_orders,
        binding_mode=row.binding_mode,  # type: ignore[arg-type]
        binding_days=row.binding_days,
        level1_bps=row.level1_bps,
        level2_bps=row.level2_bps,
        min_withdrawal=row.min_withdrawal,
        freeze_days=row.freeze_days,
        category_rates=[
            RateView(target_id=r.target_id, level1_bps=r.level1_bps, level2_bps=r.level2_bps)
            for r in rates
            if r.scope == "category"
        ],
        product_rates=[
            RateView(target_id=r.target_id, level1_bps=r.level1_bps, level2_bps=r.level2_bps)
            for r in rates
            if r.scope == "product"
        ],
        updated_at=row.updated_at,
    )


def _check_settings(body: DistributionSettingsWrite, window_days: int) -> None:
    """400 ``social.distribution_invalid_settings`` naming the field; nothing written."""
    if body.level1_bps + body.level2_bps > 5000:
        raise InvalidSettings("the two levels together may pay at most 50%", field="level2_bps")
    if body.freeze_days < window_days:
        raise InvalidSettings(
            f"commissions must stay frozen for the after-sales window ({window_days} days)",
            field="freeze_days",
        )
    for field, overrides in (
        ("category_rates", body.category_rates),
        ("product_rates", body.product_rates),
    ):
        seen: set[int] = set()
        for item in overrides:
            if item.target_id in seen:
                raise InvalidSettings(f"{item.target_id} is listed twice", field=field)
            seen.add(item.target_id)
            if item.level1_bps + item.level2_bps > 5000:
                raise InvalidSettings(
                    f"{item.target_id}: the two levels together may pay at most 50%", field=field
                )


async def save_settings(
    session: AsyncSession, body: DistributionSettingsWrite, window_days: int
) -> DistributionSettings:
    _check_settings(body, window_days)
    values = body.model_dump(exclude={"category_rates", "product_rates"})
    await repo.save_settings(session, {**values, "updated_at": utcnow()})
    for scope, overrides in (("category", body.category_rates), ("product", body.product_rates)):
        await repo.replace_rates(
            session,
            scope,
            [
                {"target_id": o.target_id, "level1_bps": o.level1_bps, "level2_bps": o.level2_bps}
                for o in overrides
            ],
        )
    return await get_settings(session, window_days)


async def _enabled(session: AsyncSession, window_days: int) -> DistSettings:
    settings = await current_settings(session, window_days)
    if not settings.is_enabled:
        raise DistributionDisabled()
    return settings


# -- promoters -------------------------------------------------------------------------------


async def _announce(
    session: AsyncSession, promoter_id: int, member_id: int, status: str, now: datetime
) -> None:
    """``distribution.promoter_changed``: analytics keeps the 推广员 role of profiles from it."""
    await publish(
        session,
        ev.PROMOTER_CHANGED,
        {
            "promoter_id": promoter_id,
            "member_id": member_id,
            "status": status,
            "at": now.isoformat(),
        },
        key=f"promoter:{promoter_id}",
    )


async def _move(
    session: AsyncSession,
    promoter_id: int,
    member_id: int,
    *,
    from_statuses: list[str],
    to_status: str,
    now: datetime,
) -> bool:
    moved = await repo.move_promoter(
        session, promoter_id, from_statuses=from_statuses, to_status=to_status, now=now
    )
    if moved:
        await _announce(session, promoter_id, member_id, to_status, now)
    return moved


async def _new_promoter(
    session: AsyncSession, member_id: int, status: str, now: datetime
) -> int | None:
    promoter_id = await repo.insert_promoter(
        session,
        {
            "member_id": member_id,
            "code": new_code(),
            "status": status,
            "available": 0,
            "withdrawn": 0,
            "applied_at": now,
            "reviewed_at": now if status == "active" else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    if promoter_id is not None:
        await _announce(session, promoter_id, member_id, status, now)
    return promoter_id


async def _paid_orders(session: AsyncSession, member_id: int) -> int:
    stats = (await orders.paid_order_stats(session, [member_id])).get(member_id)
    return stats.paid_orders if stats is not None else 0


async def apply(session: AsyncSession, member_id: int, window_days: int) -> PromoterCentre:
    """Become a promoter: an application for staff to review, or at once when the shop makes
    promoters automatically and the shopper has paid enough orders (409
    ``social.promoter_not_eligible`` otherwise). A rejected shopper may apply again."""
    settings = await _enabled(session, window_days)
    now = utcnow()
    existing = await repo.promoter_of_member(session, member_id)
    if existing is not None and existing.status != "rejected":
        raise AlreadyApplied(promoter_status=existing.status)
    status = "pending"
    if settings.become_mode == "auto":
        paid = await _paid_orders(session, member_id)
        if paid < settings.auto_after_orders:
            raise NotEligible(paid_orders=paid, required=settings.auto_after_orders)
        status = "active"
    if existing is not None:
        if not await _move(
            session, existing.id, member_id, from_statuses=["rejected"], to_status=status, now=now
        ):
            raise AlreadyApplied(promoter_status="pending")
    elif await _new_promoter(session, member_id, status, now) is None:
        raise AlreadyApplied(promoter_status="pending")
    return await centre(session, member_id, window_days)


async def auto_promote(session: AsyncSession, settings: DistSettings, member_id: int) -> None:
    """``order.paid`` in a shop with automatic promoters: the shopper becomes one at the N-th
    paid order (idempotent: one row per member)."""
    if settings.become_mode != "auto" or not settings.is_enabled:
        return
    if await repo.promoter_of_member(session, member_id) is not None:
        return
    if await _paid_orders(session, member_id) >= settings.auto_after_orders:
        await _new_promoter(session, member_id, "active", utcnow())


async def invite(
    session: AsyncSession, member_id: int, window_days: int
) -> Literal["invited", "already_promoter"]:
    """Staff invite a shopper (a KOL the graph found) to be a promoter: active at once, whatever
    the shop's way of becoming one; a pending or rejected application is approved. 409
    ``social.distribution_disabled`` when the shop has no distribution."""
    await _enabled(session, window_days)
    now = utcnow()
    existing = await repo.promoter_of_member(session, member_id)
    if existing is None:
        if await _new_promoter(session, member_id, "active", now) is not None:
            return "invited"
        existing = await repo.promoter_of_member(session, member_id)
        if existing is None:  # pragma: no cover (the row that won the race is there)
            raise RuntimeError(f"promoter of member {member_id} vanished")
    if existing.status == "active":
        return "already_promoter"
    moved = await _move(
        session,
        existing.id,
        member_id,
        from_statuses=["pending", "rejected"],
        to_status="active",
        now=now,
    )
    return "invited" if moved else "already_promoter"


async def review(session: AsyncSession, promoter_id: int, decision: str) -> PromoterAdmin:
    """Approve or reject an application (409 ``social.promoter_not_pending`` once reviewed)."""
    promoter = await repo.get_promoter(session, promoter_id)
    if promoter is None:
        raise PromoterNotFound(promoter_id=promoter_id)
    to_status = "active" if decision == "approve" else "rejected"
    if not await _move(
        session,
        promoter_id,
        promoter.member_id,
        from_statuses=["pending"],
        to_status=to_status,
        now=utcnow(),
    ):
        raise PromoterNotPending(promoter_status=promoter.status)
    return (await promoters_admin(session, [await _promoter(session, promoter_id)]))[0]


async def _promoter(session: AsyncSession, promoter_id: int) -> Promoter:
    promoter = await repo.get_promoter(session, promoter_id)
    if promoter is None:
        raise PromoterNotFound(promoter_id=promoter_id)
    return promoter


async def active_promoter(session: AsyncSession, member_id: int) -> Promoter:
    promoter = await repo.promoter_of_member(session, member_id)
    if promoter is None or promoter.status != "active":
        raise NotPromoter()
    return promoter


async def promoters_admin(session: AsyncSession, rows: list[Promoter]) -> list[PromoterAdmin]:
    ids = [r.id for r in rows]
    teams = await repo.team_sizes(session, ids)
    frozen = await repo.frozen_totals(session, ids)
    out = []
    for row in rows:
        nickname, _ = await members.get_public_profile(session, row.member_id)
        out.append(
            PromoterAdmin(
                id=row.id,
                member_id=row.member_id,
                name=nickname or "微信用户",
                code=row.code,
                status=row.status,  # type: ignore[arg-type]
                team_size=teams.get(row.id, 0),
                frozen=frozen.get(row.id, 0),
                available=row.available,
                withdrawn=row.withdrawn,
                applied_at=row.applied_at,
                reviewed_at=row.reviewed_at,
            )
        )
    return out


async def list_promoters(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[PromoterAdmin], str | None]:
    rows = await repo.list_promoters(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return await promoters_admin(session, page), next_cursor


# -- bindings --------------------------------------------------------------------------------


def binding_valid(binding: Binding | None, at: datetime) -> bool:
    return binding is not None and (binding.expires_at is None or binding.expires_at > at)


async def _upline_member(session: AsyncSession, member_id: int, at: datetime) -> int | None:
    """The member of the promoter ``member_id`` is bound to now, if any."""
    binding = await repo.get_binding(session, member_id)
    if not binding_valid(binding, at):
        return None
    assert binding is not None  # noqa: S101
    promoter = await repo.get_promoter(session, binding.promoter_id)
    return promoter.member_id if promoter is not None else None


async def bind(session: AsyncSession, member_id: int, code: str, window_days: int) -> BindingView:
    """Bind the shopper to the promoter whose link they came through. First touch wins: an
    existing, unexpired binding stays (``is_new`` false). Refusals (nothing written): 409
    ``social.distribution_disabled``, 404 ``social.promoter_not_found`` (unknown or inactive
    code), 409 ``social.distribution_self_binding`` / ``social.distribution_binding_cycle``."""
    settings = await _enabled(session, window_days)
    promoter = await repo.promoter_by_code(session, code)
    if promoter is None or promoter.status != "active":
        raise PromoterNotFound(promoter_code=code)
    if promoter.member_id == member_id:
        raise SelfBinding()
    now = utcnow()
    existing = await repo.get_binding(session, member_id)
    if binding_valid(existing, now):
        return await _binding_view(session, member_id, is_new=False)
    # No cycles: the shopper may not sit above this promoter already.
    upline = promoter.member_id
    for _ in range(MAX_CHAIN):
        upline_next = await _upline_member(session, upline, now)
        if upline_next is None:
            break
        if upline_next == member_id:
            raise BindingCycle(promoter_code=code)
        upline = upline_next
    expires_at = (
        now + timedelta(days=settings.binding_days)
        if settings.binding_mode == "first_touch"
        else None
    )
    if existing is None:
        won = await repo.insert_binding(
            session,
            {
                "member_id": member_id,
                "promoter_id": promoter.id,
                "bound_at": now,
                "expires_at": expires_at,
            },
        )
    else:
        won = await repo.rebind_expired(
            session, member_id, promoter_id=promoter.id, now=now, expires_at=expires_at
        )
    return await _binding_view(session, member_id, is_new=won)


async def _binding_view(session: AsyncSession, member_id: int, *, is_new: bool) -> BindingView:
    binding = await repo.get_binding(session, member_id)
    assert binding is not None  # noqa: S101 - a binding exists: this request or a twin wrote it
    promoter = await _promoter(session, binding.promoter_id)
    return BindingView(
        promoter_code=promoter.code,
        bound_at=binding.bound_at,
        expires_at=binding.expires_at,
        is_new=is_new,
    )


# -- the promoter centre ---------------------------------------------------------------------


async def balance_of(session: AsyncSession, promoter: Promoter) -> Balance:
    frozen = (await repo.frozen_totals(session, [promoter.id])).get(promoter.id, 0)
    return Balance(
        frozen=frozen,
        available=promoter.available,
        withdrawing=await repo.withdrawing_total(session, promoter.id),
        withdrawn=promoter.withdrawn,
    )


async def centre(session: AsyncSession, member_id: int, window_days: int) -> PromoterCentre:
    settings = await current_settings(session, window_days)
    promoter = await repo.promoter_of_member(session, member_id)
    level1 = level2 = 0
    balance = None
    if promoter is not None and promoter.status == "active":
        level1, level2 = await repo.team_counts(session, promoter.id)
        balance = await balance_of(session, promoter)
    return PromoterCentre(
        status=promoter.status if promoter is not None else "none",  # type: ignore[arg-type]
        code=promoter.code if promoter is not None and promoter.status == "active" else None,
        become_mode=settings.become_mode,  # type: ignore[arg-type]
        auto_after_orders=settings.auto_after_orders,
        min_withdrawal=settings.min_withdrawal,
        is_enabled=settings.is_enabled,
        balance=balance,
        team_level1=level1,
        team_level2=level2,
    )


async def team(
    session: AsyncSession, member_id: int, *, level: int, cursor: str | None, limit: int
) -> tuple[list[TeamMember], str | None]:
    promoter = await active_promoter(session, member_id)
    rows = await repo.list_team(
        session, promoter.id, level=level, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    out = []
    for row in page:
        nickname, avatar = await members.get_public_profile(session, row.member_id)
        out.append(
            TeamMember(
                level=level,  # type: ignore[arg-type]
                name=mask_name(nickname),
                avatar_url=avatar,
                bound_at=row.bound_at,
            )
        )
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return out, next_cursor

"""Every query of bargains. A cut is one conditional UPDATE of the bargain (open, before its
deadline, ``helpers`` as the cut was drawn for, not below the floor) and one insert of the cut
row, unique per (bargain, helper); campaign counters (bargains started, subsidy spent) move by
conditional UPDATEs too. Lock order in a cut: quota rows, then the bargain, then the cut row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social.bargain.models import (
    Bargain,
    BargainCampaign,
    BargainCut,
    BargainQuota,
)

# Bargains that count against a shopper's limit.


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- campaigns -------------------------------------------------------------------------------


async def insert_campaign(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, BargainCampaign).values(**values).returning(BargainCampaign.id)
    )
    return int(result.scalar_one())


async def get_campaign(session: AsyncSession, campaign_id: int) -> BargainCampaign | None:
    stmt = select(BargainCampaign).where(BargainCampaign.id == campaign_id)
    return (await session.scalars(_fresh(stmt))).first()


async def update_campaign(
    session: AsyncSession, campaign_id: int, values: Mapping[str, Any]
) -> bool:
    """Write ``values`` while the campaign is active and the new caps still cover what was
    used (bargains started, subsidy spent)."""
    stmt = update(BargainCampaign).where(
        BargainCampaign.id == campaign_id, BargainCampaign.status == "active"
    )
    if "max_bargains" in values:
        stmt = stmt.where(BargainCampaign.bargains_started <= values["max_bargains"])
    if "budget" in values:
        stmt = stmt.where(BargainCampaign.subsidy_spent <= values["budget"])
    result = await session.execute(stmt.values(**values).returning(BargainCampaign.id))
    return result.scalar_one_or_none() is not None


async def list_campaigns(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[BargainCampaign]:
    stmt = select(BargainCampaign).order_by(BargainCampaign.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(BargainCampaign.id < before_id)
    return (await session.scalars(stmt)).all()


async def live_campaigns_of_product(
    session: AsyncSession, product_id: int, now: datetime
) -> Sequence[BargainCampaign]:
    stmt = (
        select(BargainCampaign)
        .where(
            BargainCampaign.product_id == product_id,
            BargainCampaign.status == "active",
            BargainCampaign.ends_at > now,
        )
        .order_by(BargainCampaign.starts_at, BargainCampaign.id)
    )
    return (await session.scalars(stmt)).all()


async def take_bargain_quota(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """One more bargain started, within ``max_bargains``, while the campaign is active."""
    result = await session.execute(
        update(BargainCampaign)
        .where(
            BargainCampaign.id == campaign_id,
            BargainCampaign.status == "active",
            BargainCampaign.bargains_started < BargainCampaign.max_bargains,
        )
        .values(bargains_started=BargainCampaign.bargains_started + 1, updated_at=now)
        .returning(BargainCampaign.id)
    )
    return result.scalar_one_or_none() is not None


async def claim_subsidy(
    session: AsyncSession, campaign_id: int, amount: int, now: datetime
) -> bool:
    """Add ``amount`` fen to the subsidy spent if it fits the budget; the claim that reaches
    the budget also stops the campaign (same statement)."""
    reaches = BargainCampaign.subsidy_spent + amount >= BargainCampaign.budget
    result = await session.execute(
        update(BargainCampaign)
        .where(
            BargainCampaign.id == campaign_id,
            BargainCampaign.subsidy_spent + amount <= BargainCampaign.budget,
        )
        .values(
            subsidy_spent=BargainCampaign.subsidy_spent + amount,
            status=case((reaches, "stopped"), else_=BargainCampaign.status),
            updated_at=now,
        )
        .returning(BargainCampaign.id)
    )
    return result.scalar_one_or_none() is not None


async def release_subsidy(
    session: AsyncSession, campaign_id: int, amount: int, now: datetime
) -> None:
    """An unpaid bargain order gave its subsidy back (the campaign stays as it is)."""
    await session.execute(
        update(BargainCampaign)
        .where(BargainCampaign.id == campaign_id, BargainCampaign.subsidy_spent >= amount)
        .values(subsidy_spent=BargainCampaign.subsidy_spent - amount, updated_at=now)
    )


# -- bargains --------------------------------------------------------------------------------


async def insert_bargain(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(_insert(session, Bargain).values(**values).returning(Bargain.id))
    return int(result.scalar_one())


async def get_bargain(session: AsyncSession, bargain_id: int) -> Bargain | None:
    return (await session.scalars(_fresh(select(Bargain).where(Bargain.id == bargain_id)))).first()


async def get_bargain_by_share(session: AsyncSession, share_id: str) -> Bargain | None:
    stmt = select(Bargain).where(Bargain.share_id == share_id)
    return (await session.scalars(_fresh(stmt))).first()


async def get_bargain_by_order(session: AsyncSession, order_no: str) -> Bargain | None:
    stmt = select(Bargain).where(Bargain.order_no == order_no)
    return (await session.scalars(_fresh(stmt))).first()


async def bargains_of_member(
    session: AsyncSession, member_id: int, *, before_id: int | None, limit: int
) -> Sequence[Bargain]:
    stmt = (
        select(Bargain)
        .where(Bargain.member_id == member_id)
        .order_by(Bargain.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Bargain.id < before_id)
    return (await session.scalars(stmt)).all()


async def apply_cut(
    session: AsyncSession,
    bargain_id: int,
    *,
    seen_helpers: int,
    cut: int,
    now: datetime,
) -> int | None:
    """Take ``cut`` fen off: the new price, or None when the bargain moved on (another cut
    landed first, it was ordered or expired) or the cut would pass the floor."""
    result = await session.execute(
        update(Bargain)
        .where(
            Bargain.id == bargain_id,
            Bargain.status == "open",
            Bargain.expires_at > now,
            Bargain.helpers == seen_helpers,
            Bargain.current_price - cut >= Bargain.floor_price,
        )
        .values(
            current_price=Bargain.current_price - cut,
            helpers=Bargain.helpers + 1,
            updated_at=now,
        )
        .returning(Bargain.current_price)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def close_for_order(session: AsyncSession, bargain_id: int, now: datetime) -> int | None:
    """No more cuts: the price to pay, or None when it is not open or past its deadline."""
    result = await session.execute(
        update(Bargain)
        .where(Bargain.id == bargain_id, Bargain.status == "open", Bargain.expires_at > now)
        .values(status="ordered", ordered_at=now, updated_at=now)
        .returning(Bargain.current_price)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def set_order_no(session: AsyncSession, bargain_id: int, order_no: str) -> None:
    await session.execute(update(Bargain).where(Bargain.id == bargain_id).values(order_no=order_no))


async def move_bargain(
    session: AsyncSession, bargain_id: int, *, from_status: str, to_status: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Bargain)
        .where(Bargain.id == bargain_id, Bargain.status == from_status)
        .values(status=to_status, updated_at=now)
        .returning(Bargain.id)
    )
    return result.scalar_one_or_none() is not None


async def expire_bargains(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[int, int, int]]:
    """Open bargains past their deadline become ``expired`` (once): (id, campaign id, member id)
    of each, in id order."""
    ids = list(
        await session.scalars(
            select(Bargain.id)
            .where(Bargain.status == "open", Bargain.expires_at <= now)
            .order_by(Bargain.id)
            .limit(limit)
        )
    )
    if not ids:
        return []
    result = await session.execute(
        update(Bargain)
        .where(Bargain.id.in_(ids), Bargain.status == "open", Bargain.expires_at <= now)
        .values(status="expired", updated_at=now)
        .returning(Bargain.id, Bargain.campaign_id, Bargain.member_id)
    )
    return sorted((int(i), int(c), int(m)) for i, c, m in result.all())


# -- cuts and quotas -------------------------------------------------------------------------


async def has_cut(session: AsyncSession, bargain_id: int, member_id: int) -> bool:
    stmt = select(BargainCut.id).where(
        BargainCut.bargain_id == bargain_id, BargainCut.helper_member_id == member_id
    )
    return (await session.scalar(stmt)) is not None


async def insert_cut(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The helper's cut, or None when they have cut this bargain already."""
    stmt = (
        _insert(session, BargainCut)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["bargain_id", "helper_member_id"])
        .returning(BargainCut.id)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return int(found) if found is not None else None


async def cuts_of(session: AsyncSession, bargain_id: int) -> Sequence[BargainCut]:
    stmt = select(BargainCut).where(BargainCut.bargain_id == bargain_id).order_by(BargainCut.id)
    return (await session.scalars(stmt)).all()


async def take_quota(session: AsyncSession, scope: str, day: str, cap: int) -> bool:
    """Count one cut against ``scope`` today: False (nothing counted) at the cap."""
    stmt = _insert(session, BargainQuota).values(scope=scope, day=day, used=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "day"],
        set_={"used": BargainQuota.used + 1},
        where=BargainQuota.used < cap,
    ).returning(BargainQuota.used)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CampaignTotals:
    started: int
    ordered: int
    paid: int
    subsidy_paid: int
    helpers: int
    new_members: int


async def campaign_totals(session: AsyncSession, campaign_id: int) -> CampaignTotals:
    bargains = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Bargain.status.in_(("ordered", "paid"))),
                func.count().filter(Bargain.status == "paid"),
                func.coalesce(
                    func.sum(Bargain.start_price - Bargain.current_price).filter(
                        Bargain.status == "paid"
                    ),
                    0,
                ),
            ).where(Bargain.campaign_id == campaign_id)
        )
    ).one()
    cuts = (
        await session.execute(
            select(
                func.count(),
                func.count(BargainCut.helper_member_id.distinct()).filter(
                    BargainCut.is_new_member.is_(True)
                ),
            ).where(BargainCut.campaign_id == campaign_id)
        )
    ).one()
    return CampaignTotals(
        started=int(bargains[0]),
        ordered=int(bargains[1]),
        paid=int(bargains[2]),
        subsidy_paid=int(bargains[3]),
        helpers=int(cuts[0]),
        new_members=int(cuts[1]),
    )


async def campaign_rows(
    session: AsyncSession, campaign_id: int
) -> tuple[list[tuple[datetime, str]], list[datetime]]:
    """(created_at, status) of every bargain and created_at of every cut of a campaign: the
    report's days are counted from them in Asia/Shanghai (few rows per campaign)."""
    bargains = await session.execute(
        select(Bargain.created_at, Bargain.status).where(Bargain.campaign_id == campaign_id)
    )
    cuts = await session.scalars(
        select(BargainCut.created_at).where(BargainCut.campaign_id == campaign_id)
    )
    return [(r[0], str(r[1])) for r in bargains], list(cuts)

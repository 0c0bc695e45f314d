"""Every query of KOL discovery: the graph's edges and conversions, read from the social tables
(share visits and conversions, promoter bindings, group seats, bargain cuts), and the runs,
scores and invitations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social.bargain.models import Bargain, BargainCampaign, BargainCut
from shoplet.modules.social.crowdfunding.models import CrowdfundingCampaign
from shoplet.modules.social.distribution.models import Binding, Promoter
from shoplet.modules.social.kol.graph import Conversion
from shoplet.modules.social.kol.models import KolInvite, KolRun, KolScore
from shoplet.modules.social.models import Group, GroupCampaign, GroupMember
from shoplet.modules.social.sharing.models import ShareConversion, ShareLink, ShareVisit

SEATS_PAID = ("joined", "succeeded")
KEEP_RUNS = 5


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def edges_since(session: AsyncSession, since: datetime) -> list[tuple[int, int]]:
    """(who brought, who came) since ``since``: a signed-in visit through a share link, a
    promoter binding, a paid seat in a group someone else opened, a cut of someone's bargain."""
    shares = (
        select(ShareLink.sharer_member_id, ShareVisit.visitor_member_id)
        .join(ShareLink, ShareLink.id == ShareVisit.link_id)
        .where(ShareVisit.visitor_member_id.is_not(None), ShareVisit.created_at >= since)
    )
    bindings = (
        select(Promoter.member_id, Binding.member_id)
        .join(Promoter, Promoter.id == Binding.promoter_id)
        .where(Binding.bound_at >= since)
    )
    seats = (
        select(Group.leader_member_id, GroupMember.member_id)
        .join(Group, Group.id == GroupMember.group_id)
        .where(
            GroupMember.is_leader.is_(False),
            GroupMember.status.in_(SEATS_PAID),
            GroupMember.created_at >= since,
        )
    )
    cuts = (
        select(Bargain.member_id, BargainCut.helper_member_id)
        .join(Bargain, Bargain.id == BargainCut.bargain_id)
        .where(BargainCut.created_at >= since)
    )
    edges: list[tuple[int, int]] = []
    for stmt in (shares, bindings, seats, cuts):
        rows = (await session.execute(stmt)).tuples().all()
        edges.extend((int(a), int(b)) for a, b in rows if a is not None and b is not None)
    return edges


async def conversions_since(session: AsyncSession, since: datetime) -> dict[int, Conversion]:
    """Per sharer: distinct shoppers they brought who paid, and what those orders paid."""
    stmt = (
        select(
            ShareConversion.sharer_member_id,
            func.count(func.distinct(ShareConversion.visitor_member_id)),
            func.coalesce(func.sum(ShareConversion.amount), 0),
        )
        .where(ShareConversion.created_at >= since)
        .group_by(ShareConversion.sharer_member_id)
    )
    return {
        int(sharer): Conversion(converted=int(n), revenue=int(amount))
        for sharer, n, amount in (await session.execute(stmt)).all()
    }


# -- runs and scores -------------------------------------------------------------------------


async def insert_run(session: AsyncSession, values: Mapping[str, Any]) -> int:
    run = KolRun(**values)
    session.add(run)
    await session.flush()
    return run.id


async def finish_run(session: AsyncSession, run_id: int, values: Mapping[str, Any]) -> None:
    await session.execute(update(KolRun).where(KolRun.id == run_id).values(**values))


async def insert_scores(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(_insert(session, KolScore).values(list(rows)))


async def prune_runs(session: AsyncSession) -> None:
    """Keep the last few finished runs (and their scores)."""
    keep = select(KolRun.id).where(KolRun.status == "done").order_by(KolRun.id.desc())
    ids = [int(i) for i in await session.scalars(keep.offset(KEEP_RUNS))]
    if ids:
        await session.execute(delete(KolScore).where(KolScore.run_id.in_(ids)))
        await session.execute(delete(KolRun).where(KolRun.id.in_(ids)))


async def latest_run(session: AsyncSession) -> KolRun | None:
    stmt = select(KolRun).where(KolRun.status == "done").order_by(KolRun.id.desc()).limit(1)
    return (await session.scalars(stmt)).first()


async def scores_page(
    session: AsyncSession, run_id: int, *, after_rank: int, limit: int
) -> list[KolScore]:
    stmt = (
        select(KolScore)
        .where(KolScore.run_id == run_id, KolScore.rank > after_rank)
        .order_by(KolScore.rank)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def scores_of(
    session: AsyncSession, run_id: int, member_ids: Sequence[int]
) -> list[KolScore]:
    if not member_ids:
        return []
    stmt = select(KolScore).where(KolScore.run_id == run_id, KolScore.member_id.in_(member_ids))
    return list(await session.scalars(stmt))


async def promoter_member_ids(session: AsyncSession, member_ids: Sequence[int]) -> set[int]:
    if not member_ids:
        return set()
    stmt = select(Promoter.member_id).where(
        Promoter.member_id.in_(member_ids), Promoter.status == "active"
    )
    return {int(m) for m in await session.scalars(stmt)}


# -- invitations -----------------------------------------------------------------------------


async def insert_invite(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The invitation, or None when this member was invited the same way already."""
    stmt = (
        _insert(session, KolInvite)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["member_id", "kind", "play", "campaign_id"])
        .returning(KolInvite.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_coupon_issued(session: AsyncSession, invite_id: int) -> None:
    await session.execute(
        update(KolInvite).where(KolInvite.id == invite_id).values(coupon_issued=True)
    )


async def invites_page(
    session: AsyncSession, *, member_id: int | None, before_id: int | None, limit: int
) -> list[KolInvite]:
    stmt = select(KolInvite).order_by(KolInvite.id.desc()).limit(limit)
    if member_id is not None:
        stmt = stmt.where(KolInvite.member_id == member_id)
    if before_id is not None:
        stmt = stmt.where(KolInvite.id < before_id)
    return list(await session.scalars(stmt))


async def campaign_title(session: AsyncSession, play: str, campaign_id: int) -> str | None:
    """The title of a group-buy, bargain or crowdfunding campaign, or None when there is none."""
    table: Any = {
        "groupbuy": GroupCampaign,
        "bargain": BargainCampaign,
        "crowdfunding": CrowdfundingCampaign,
    }[play]
    title = await session.scalar(select(table.title).where(table.id == campaign_id))
    return None if title is None else str(title)

"""Every query of group buys. Seats are claimed by one conditional UPDATE of the group
(``filled < size``, still taking members, before its deadline) that also completes the group
when it takes the last seat; groups fail by one conditional UPDATE on their status. Handlers
lock the group row first (:func:`lock_group`), then its seats: one lock order everywhere.

Shared with crowdfunding: the per-shopper quota (``social_quota``, one conditional UPDATE
``used + n <= limit``) and the campaign budget (``subsidy_spent + s <= budget``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    case,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.core import merge
from shoplet.modules.social.bargain.models import Bargain, BargainCampaign
from shoplet.modules.social.distribution.models import Binding, Commission, Promoter
from shoplet.modules.social.errors import MergeSameGroup, MergeTwoPromoters
from shoplet.modules.social.kol.models import KolInvite
from shoplet.modules.social.models import (
    CrowdfundingCampaign,
    Group,
    GroupCampaign,
    GroupMember,
    Pledge,
    Quota,
)
from shoplet.modules.social.sharing.models import (
    ShareAttribution,
    ShareConversion,
    ShareLink,
    ShareVisit,
)

Campaigns = type[GroupCampaign] | type[CrowdfundingCampaign]


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- campaigns -------------------------------------------------------------------------------


async def insert_campaign(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, GroupCampaign).values(**values).returning(GroupCampaign.id)
    )
    return int(result.scalar_one())


async def get_campaign(session: AsyncSession, campaign_id: int) -> GroupCampaign | None:
    stmt = select(GroupCampaign).where(GroupCampaign.id == campaign_id)
    return (await session.scalars(_fresh(stmt))).first()


async def update_campaign(
    session: AsyncSession, campaign_id: int, values: Mapping[str, Any]
) -> bool:
    """Write ``values`` while the campaign is active and ``max_groups`` still covers the
    groups opened."""
    stmt = update(GroupCampaign).where(
        GroupCampaign.id == campaign_id, GroupCampaign.status == "active"
    )
    if "max_groups" in values:
        stmt = stmt.where(GroupCampaign.groups_opened <= values["max_groups"])
    result = await session.execute(stmt.values(**values).returning(GroupCampaign.id))
    return result.scalar_one_or_none() is not None


async def list_campaigns(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[GroupCampaign]:
    stmt = select(GroupCampaign).order_by(GroupCampaign.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(GroupCampaign.id < before_id)
    return (await session.scalars(stmt)).all()


async def live_campaigns_of_product(
    session: AsyncSession, product_id: int, now: datetime
) -> Sequence[GroupCampaign]:
    """Active campaigns of a product that have not ended, soonest first."""
    stmt = (
        select(GroupCampaign)
        .where(
            GroupCampaign.product_id == product_id,
            GroupCampaign.status == "active",
            GroupCampaign.ends_at > now,
        )
        .order_by(GroupCampaign.starts_at, GroupCampaign.id)
    )
    return (await session.scalars(stmt)).all()


async def take_group_quota(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """One more group opened, within ``max_groups``."""
    result = await session.execute(
        update(GroupCampaign)
        .where(
            GroupCampaign.id == campaign_id,
            GroupCampaign.groups_opened < GroupCampaign.max_groups,
        )
        .values(groups_opened=GroupCampaign.groups_opened + 1, updated_at=now)
        .returning(GroupCampaign.id)
    )
    return result.scalar_one_or_none() is not None


# -- groups ----------------------------------------------------------------------------------


async def insert_group(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(_insert(session, Group).values(**values).returning(Group.id))
    return int(result.scalar_one())


async def get_group(session: AsyncSession, group_id: int) -> Group | None:
    return (await session.scalars(_fresh(select(Group).where(Group.id == group_id)))).first()


async def get_group_by_share(session: AsyncSession, share_id: str) -> Group | None:
    stmt = select(Group).where(Group.share_id == share_id)
    return (await session.scalars(_fresh(stmt))).first()


async def lock_group(session: AsyncSession, group_id: int) -> Group | None:
    """The group, its row locked until commit (PostgreSQL; SQLite serialises writers)."""
    stmt = select(Group).where(Group.id == group_id).with_for_update()
    return (await session.scalars(_fresh(stmt))).first()


async def list_groups(
    session: AsyncSession,
    *,
    campaign_id: int | None,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Group]:
    stmt = select(Group).order_by(Group.id.desc()).limit(limit)
    if campaign_id is not None:
        stmt = stmt.where(Group.campaign_id == campaign_id)
    if status is not None:
        stmt = stmt.where(Group.status == status)
    if before_id is not None:
        stmt = stmt.where(Group.id < before_id)
    return (await session.scalars(stmt)).all()


async def claim_seat(
    session: AsyncSession, group_id: int, *, is_leader: bool, now: datetime
) -> tuple[int, str] | None:
    """Take one seat: ``(filled, status)`` after it, or None when the group is full, over or
    past its deadline. The leader's seat opens a pending group; the last seat completes it."""
    takes = Group.status == "open"
    if is_leader:
        takes = or_(takes, Group.status == "pending")
    completes = Group.filled + 1 >= Group.size
    result = await session.execute(
        update(Group)
        .where(Group.id == group_id, takes, Group.filled < Group.size, Group.expires_at > now)
        .values(
            filled=Group.filled + 1,
            status=case((completes, "succeeded"), else_="open"),
            completed_at=case((completes, now), else_=None),
            updated_at=now,
        )
        .returning(Group.filled, Group.status)
    )
    row = result.one_or_none()
    return (int(row[0]), str(row[1])) if row is not None else None


async def fail_group(session: AsyncSession, group_id: int, now: datetime) -> bool:
    """An unfinished group past its deadline fails (once)."""
    result = await session.execute(
        update(Group)
        .where(
            Group.id == group_id,
            Group.status.in_(("pending", "open")),
            Group.expires_at <= now,
        )
        .values(status="failed", failed_at=now, updated_at=now)
        .returning(Group.id)
    )
    return result.scalar_one_or_none() is not None


async def auto_complete_group(
    session: AsyncSession, group_id: int, min_paid: int, now: datetime
) -> bool:
    """An open group past its deadline with at least ``min_paid`` paid seats completes, the shop
    filling the empty seats (once: the status change is conditional)."""
    result = await session.execute(
        update(Group)
        .where(
            Group.id == group_id,
            Group.status == "open",
            Group.expires_at <= now,
            Group.filled >= min_paid,
            Group.filled < Group.size,
        )
        .values(
            status="succeeded",
            auto_filled=Group.size - Group.filled,
            completed_at=now,
            updated_at=now,
        )
        .returning(Group.id)
    )
    return result.scalar_one_or_none() is not None


async def expired_group_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    stmt = (
        select(Group.id)
        .where(Group.status.in_(("pending", "open")), Group.expires_at <= now)
        .order_by(Group.expires_at, Group.id)
        .limit(limit)
    )
    return [int(i) for i in await session.scalars(stmt)]


# -- seats -----------------------------------------------------------------------------------


async def insert_seat(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """A new seat, or None when the shopper has one in this group already."""
    stmt = (
        _insert(session, GroupMember)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["group_id", "member_id"])
        .returning(GroupMember.id)
    )
    result = await session.execute(stmt)
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def get_seat(session: AsyncSession, group_id: int, member_id: int) -> GroupMember | None:
    stmt = select(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.member_id == member_id
    )
    return (await session.scalars(_fresh(stmt))).first()


async def get_seat_by_order(session: AsyncSession, order_no: str) -> GroupMember | None:
    stmt = select(GroupMember).where(GroupMember.order_no == order_no)
    return (await session.scalars(_fresh(stmt))).first()


async def seats_of(
    session: AsyncSession, group_id: int, statuses: Sequence[str] | None = None
) -> Sequence[GroupMember]:
    stmt = select(GroupMember).where(GroupMember.group_id == group_id)
    if statuses is not None:
        stmt = stmt.where(GroupMember.status.in_(list(statuses)))
    return (await session.scalars(_fresh(stmt.order_by(GroupMember.id)))).all()


async def move_seat(
    session: AsyncSession,
    seat_id: int,
    *,
    from_statuses: Sequence[str],
    to_status: str,
    now: datetime,
    joined: bool = False,
) -> bool:
    values: dict[str, Any] = {"status": to_status, "updated_at": now}
    if joined:
        values["joined_at"] = now
    result = await session.execute(
        update(GroupMember)
        .where(GroupMember.id == seat_id, GroupMember.status.in_(list(from_statuses)))
        .values(**values)
        .returning(GroupMember.id)
    )
    return result.scalar_one_or_none() is not None


async def complete_seats(session: AsyncSession, group_id: int, now: datetime) -> list[str]:
    """Every joined seat of a completed group succeeds: their order nos."""
    result = await session.execute(
        update(GroupMember)
        .where(GroupMember.group_id == group_id, GroupMember.status == "joined")
        .values(status="succeeded", updated_at=now)
        .returning(GroupMember.order_no)
    )
    return sorted(str(o) for o in result.scalars())


async def set_seat_subsidy(
    session: AsyncSession, seat_id: int, *, state: str, is_new_customer: bool, now: datetime
) -> None:
    await session.execute(
        update(GroupMember)
        .where(GroupMember.id == seat_id)
        .values(subsidy_state=state, is_new_customer=is_new_customer, updated_at=now)
    )


async def release_seat_subsidy(
    session: AsyncSession, seat_id: int, from_state: str, now: datetime
) -> bool:
    """The seat's subsidy goes back (its order was refunded); conditional, so once."""
    result = await session.execute(
        update(GroupMember)
        .where(GroupMember.id == seat_id, GroupMember.subsidy_state == from_state)
        .values(subsidy_state="released", updated_at=now)
        .returning(GroupMember.id)
    )
    return result.scalar_one_or_none() is not None


async def seat_cost_rows(
    session: AsyncSession, campaign_id: int
) -> Sequence[tuple[datetime, int, bool]]:
    """(paid at, subsidy, new customer) of every paid seat whose subsidy counts."""
    stmt = (
        select(GroupMember.joined_at, GroupMember.subsidy, GroupMember.is_new_customer)
        .where(
            GroupMember.campaign_id == campaign_id,
            GroupMember.subsidy_state.in_(("claimed", "over")),
            GroupMember.joined_at.is_not(None),
        )
        .order_by(GroupMember.id)
    )
    rows = (await session.execute(stmt)).all()
    return [(r[0], int(r[1]), bool(r[2])) for r in rows if r[0] is not None]


# -- per-shopper quota (group buys and crowdfunding) -----------------------------------------


async def claim_quota(
    session: AsyncSession, *, play: str, campaign_id: int, member_id: int, units: int, limit: int
) -> bool:
    """Take ``units`` of the shopper's limit in one campaign: one conditional UPDATE
    (``used + units <= limit``) of a counter row created on first use, so concurrent requests of
    one shopper never hold more than ``limit`` between them."""
    await session.execute(
        _insert(session, Quota)
        .values(play=play, campaign_id=campaign_id, member_id=member_id, used=0)
        .on_conflict_do_nothing(index_elements=["play", "campaign_id", "member_id"])
    )
    result = await session.execute(
        update(Quota)
        .where(
            Quota.play == play,
            Quota.campaign_id == campaign_id,
            Quota.member_id == member_id,
            Quota.used + units <= limit,
        )
        .values(used=Quota.used + units)
        .returning(Quota.id)
    )
    return result.scalar_one_or_none() is not None


async def release_quota(
    session: AsyncSession, *, play: str, campaign_id: int, member_id: int, units: int
) -> None:
    await session.execute(
        update(Quota)
        .where(
            Quota.play == play,
            Quota.campaign_id == campaign_id,
            Quota.member_id == member_id,
            Quota.used >= units,
        )
        .values(used=Quota.used - units)
    )


async def quota_used(session: AsyncSession, *, play: str, campaign_id: int, member_id: int) -> int:
    stmt = select(Quota.used).where(
        Quota.play == play, Quota.campaign_id == campaign_id, Quota.member_id == member_id
    )
    return int(await session.scalar(stmt) or 0)


# -- campaign budgets (group buys and crowdfunding) ------------------------------------------


async def claim_budget(
    session: AsyncSession, table: Campaigns, campaign_id: int, amount: int, now: datetime
) -> tuple[bool, int | None]:
    """Spend ``amount`` fen of the campaign's budget if it fits (no budget: always):
    ``(claimed, budget left after)``, one conditional UPDATE."""
    result = await session.execute(
        update(table)
        .where(
            table.id == campaign_id,
            or_(table.budget.is_(None), table.subsidy_spent + amount <= table.budget),
        )
        .values(subsidy_spent=table.subsidy_spent + amount, updated_at=now)
        .returning(table.budget, table.subsidy_spent)
    )
    row = result.one_or_none()
    if row is None:
        return False, None
    budget, spent = row
    return True, None if budget is None else int(budget) - int(spent)


async def add_budget_overrun(
    session: AsyncSession, table: Campaigns, campaign_id: int, amount: int, now: datetime
) -> None:
    """Subsidy of an order paid after the budget ran out (it still completes)."""
    await session.execute(
        update(table)
        .where(table.id == campaign_id)
        .values(subsidy_over=table.subsidy_over + amount, updated_at=now)
    )


async def give_back_budget(
    session: AsyncSession,
    table: Campaigns,
    campaign_id: int,
    amount: int,
    *,
    over: bool,
    now: datetime,
) -> None:
    column = table.subsidy_over if over else table.subsidy_spent
    await session.execute(
        update(table)
        .where(table.id == campaign_id, column >= amount)
        .values({column.key: column - amount, "updated_at": now})
    )


async def stop_campaign_for_budget(
    session: AsyncSession, table: Campaigns, campaign_id: int, now: datetime
) -> bool:
    """An active campaign whose budget is spent stops itself (once)."""
    result = await session.execute(
        update(table)
        .where(table.id == campaign_id, table.status == "active")
        .values(status="stopped", stopped_reason="budget", updated_at=now)
        .returning(table.id)
    )
    return result.scalar_one_or_none() is not None


async def succeeded_groups_led(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    """How many groups each of ``member_ids`` led to success (absent: none)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Group.leader_member_id, func.count())
        .where(Group.leader_member_id.in_(list(member_ids)), Group.status == "succeeded")
        .group_by(Group.leader_member_id)
    )
    return {int(m): int(n) for m, n in rows.all()}


def play_order_facts() -> Any:
    """A subquery, one row per order a play placed: ``order_no``, ``kind`` (groupbuy, bargain,
    crowdfunding), ``campaign_id`` and ``campaign_name`` (the campaign's title). Each table
    keeps ``order_no`` unique and a play's order is placed by that play only, so an order
    appears once."""
    group_buys = select(
        GroupMember.order_no,
        literal_column("'groupbuy'", String).label("kind"),
        GroupMember.campaign_id,
        GroupCampaign.title.label("campaign_name"),
    ).join(GroupCampaign, GroupCampaign.id == GroupMember.campaign_id)
    bargains = (
        select(
            Bargain.order_no,
            literal_column("'bargain'", String).label("kind"),
            Bargain.campaign_id,
            BargainCampaign.title.label("campaign_name"),
        )
        .join(BargainCampaign, BargainCampaign.id == Bargain.campaign_id)
        .where(Bargain.order_no.is_not(None))
    )
    pledges = select(
        Pledge.order_no,
        literal_column("'crowdfunding'", String).label("kind"),
        Pledge.campaign_id,
        CrowdfundingCampaign.title.label("campaign_name"),
    ).join(CrowdfundingCampaign, CrowdfundingCampaign.id == Pledge.campaign_id)
    return union_all(group_buys, bargains, pledges).subquery("play_order_facts")


# -- account merge (members' merge hook) ----------------------------------------------------
#
# Members' account merge hook of social: group buys, bargains, crowdfunding pledges,
# distribution (分销) and sharing follow the shopper.
#
# Decisions (docs/omnichannel.md):
#
# - a group buy both accounts joined is refused (409 ``social.merge_same_group``): one shopper
#   twice in one group breaks the rule the group enforces and both participations are paid
#   orders, so neither can be dropped; the merge writes nothing;
# - two promoter accounts are refused (409 ``social.merge_two_promoters``): each has its own
#   code in circulation, balance and withdrawals, which staff settle first;
# - a promoter binding both accounts had keeps the survivor's; one that would bind the shopper
#   to their own promoter account is dropped (no self-referral commissions);
# - per-campaign quotas add up (both accounts' uses count against the limit);
# - a share link both accounts made for the same target stays on the absorbed id (its code is
#   in circulation and keeps resolving; its visits and orders were history); other links move;
# - bargain helps (``social_bargain_cut``) stay: a help is a record of a cut given to someone's
#   bargain, already applied to its price, unique per helper and bargain.

MERGED_COLUMNS = (
    Bargain.member_id,
    Pledge.member_id,
    Binding.member_id,
    Commission.buyer_member_id,
    Promoter.member_id,
    KolInvite.member_id,
    Group.leader_member_id,
    GroupMember.member_id,
    Quota.member_id,
    ShareAttribution.visitor_member_id,
    ShareAttribution.sharer_member_id,
    ShareConversion.sharer_member_id,
    ShareConversion.visitor_member_id,
    ShareLink.sharer_member_id,
    ShareVisit.visitor_member_id,
)
MERGED_TABLES = merge.table_columns(MERGED_COLUMNS)


async def _refuse_conflicts(session: AsyncSession, from_id: int, into_id: int) -> None:
    """Before any write: the conflicts no merge can settle."""
    other = aliased(GroupMember)
    same_group = await session.scalar(
        select(GroupMember.group_id)
        .where(
            GroupMember.member_id == from_id,
            exists().where(other.member_id == into_id, other.group_id == GroupMember.group_id),
        )
        .limit(1)
    )
    if same_group is not None:
        raise MergeSameGroup(group_id=int(same_group))
    promoters = await session.scalar(
        select(func.count()).where(Promoter.member_id.in_((from_id, into_id)))
    )
    if promoters == 2:
        raise MergeTwoPromoters()


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    await _refuse_conflicts(session, from_id, into_id)
    moved = await merge.reassign_all(
        session,
        (
            GroupMember.member_id,
            Group.leader_member_id,
            Bargain.member_id,
            Pledge.member_id,
            Commission.buyer_member_id,
            Promoter.member_id,
            ShareAttribution.visitor_member_id,
            ShareAttribution.sharer_member_id,
            ShareConversion.sharer_member_id,
            ShareConversion.visitor_member_id,
            ShareVisit.visitor_member_id,
        ),
        from_id,
        into_id,
    )
    moved += await merge.reassign(session, Binding.member_id, from_id, into_id, key=())
    own = select(Promoter.id).where(Promoter.member_id == into_id).scalar_subquery()
    await session.execute(
        delete(Binding).where(Binding.member_id == into_id, Binding.promoter_id == own)
    )
    moved += await merge.combine(
        session,
        Quota.member_id,
        from_id,
        into_id,
        key=(Quota.play, Quota.campaign_id),
        add=(Quota.used,),
    )
    moved += await merge.reassign(
        session,
        KolInvite.member_id,
        from_id,
        into_id,
        key=(KolInvite.kind, KolInvite.play, KolInvite.campaign_id),
    )
    link = aliased(ShareLink)
    moved += int(
        (
            await session.execute(
                update(ShareLink)
                .execution_options(synchronize_session=False)
                .where(
                    ShareLink.sharer_member_id == from_id,
                    ~exists().where(
                        link.sharer_member_id == into_id,
                        link.target_kind == ShareLink.target_kind,
                        link.target_ref == ShareLink.target_ref,
                    ),
                )
                .values(sharer_member_id=into_id)
            )
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    return moved

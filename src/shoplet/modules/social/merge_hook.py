"""Members' account merge hook of social: group buys, bargains, crowdfunding pledges,
distribution (分销) and sharing follow the shopper.

Decisions (docs/omnichannel.md):

- a group buy both accounts joined is refused (409 ``social.merge_same_group``): one shopper
  twice in one group breaks the rule the group enforces and both participations are paid
  orders, so neither can be dropped; the merge writes nothing;
- two promoter accounts are refused (409 ``social.merge_two_promoters``): each has its own
  code in circulation, balance and withdrawals, which staff settle first;
- a promoter binding both accounts had keeps the survivor's; one that would bind the shopper
  to their own promoter account is dropped (no self-referral commissions);
- per-campaign quotas add up (both accounts' uses count against the limit);
- a share link both accounts made for the same target stays on the absorbed id (its code is
  in circulation and keeps resolving; its visits and orders were history); other links move;
- bargain helps (``social_bargain_cut``) stay: a help is a record of a cut given to someone's
  bargain, already applied to its price, unique per helper and bargain.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.core import merge
from shoplet.modules.social.bargain.models import Bargain
from shoplet.modules.social.crowdfunding.models import Pledge
from shoplet.modules.social.distribution.models import Binding, Commission, Promoter
from shoplet.modules.social.errors import MergeSameGroup, MergeTwoPromoters
from shoplet.modules.social.kol.models import KolInvite
from shoplet.modules.social.models import Group, GroupMember, Quota
from shoplet.modules.social.sharing.models import (
    ShareAttribution,
    ShareConversion,
    ShareLink,
    ShareVisit,
)

COLUMNS = (
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
TABLES = merge.table_columns(COLUMNS)


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

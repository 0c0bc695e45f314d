"""WeCom customer contact: contact ways (渠道活码), the add/delete callback with attribution by
``state``, the customer list, acquisition counts and tagging from a segment.

No transaction is open during a call to WeCom (STYLE 6): what a call needs is read in one short
transaction, the call is made with none open, and its answer is written in another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction, utcnow
from shoplet.core.pagination import encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.integrations.wecom.client import (
    STATE_MAX,
    USERS_MAX,
    ContactChange,
    UnknownContact,
    UnknownStaff,
    UnknownTag,
    WeComClient,
    WeComError,
)
from shoplet.modules.analytics import public as analytics
from shoplet.modules.members import public as members
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.stores import public as stores
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    AttributionRequired,
    CampaignInvalid,
    SegmentUnknown,
    StaffRequired,
    StaffUnknown,
    TagsRequired,
    TagUnknown,
    TooManyContacts,
    UpstreamError,
)
from shoplet.modules.wecom.models import Contact, ContactWay
from shoplet.modules.wecom.schemas import (
    AcquisitionRow,
    AcquisitionStats,
    ContactOut,
    ContactWayCreate,
    ContactWayOut,
    SegmentTagging,
    TaggingResult,
)
from shoplet.modules.wecom.service._common import (
    CAMPAIGN_PATTERN,
    check_attribution,
    present_ids,
)
from shoplet.modules.wecom.service.welcome import queue_welcome

log = structlog.get_logger("shoplet.wecom")

# Shoplet's states: "sp" then ".s<store id>" and/or ".c<campaign code>" ("sp.s12.cspring24").
_STATE = re.compile(r"^sp(?:\.s([1-9][0-9]{0,18}))?(?:\.c([0-9A-Za-z_\-]{1,16}))?$")
# Customers tagged in one request; a bigger segment is refused rather than half done.
MAX_TAG_CONTACTS = 500
ADD_CHANGES = ("add_external_contact",)
DELETE_CHANGES = ("del_follow_user", "del_external_contact")


# -- state: where a customer came from --------------------------------------------------------


def parse_state(state: str) -> tuple[int | None, str | None]:
    """The store and campaign a Shoplet state carries; (None, None) for another state (a
    contact way made elsewhere) or none."""
    found = _STATE.fullmatch(state)
    if found is None:
        return None, None
    store, campaign = found.group(1), found.group(2)
    return (int(store) if store else None), campaign


# -- contact ways ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WayPlan:
    state: str
    store_id: int | None
    campaign: str | None
    users: tuple[str, ...]
    remark: str


async def plan_way(session: AsyncSession, body: ContactWayCreate) -> WayPlan:
    """What to ask WeCom for, or a ``wecom.*`` 400 before anything is called or written."""
    campaign = body.campaign or None
    if body.store_id is None and campaign is None:
        raise AttributionRequired()
    if campaign is not None and not CAMPAIGN_PATTERN.fullmatch(campaign):
        raise CampaignInvalid()
    users = tuple(dict.fromkeys(u.strip() for u in body.staff_userids))
    if not users or "" in users or len(users) != len(body.staff_userids) or len(users) > USERS_MAX:
        raise StaffRequired()
    state = await check_attribution(session, body.store_id, campaign)
    return WayPlan(state, body.store_id, campaign, users, body.remark)


async def create_contact_way(
    ctx: AppContext,
    client: WeComClient,
    body: ContactWayCreate,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> ContactWayOut:
    async with read_session(ctx.sessionmaker) as session:
        plan = await plan_way(session, body)
    try:
        way = await client.add_contact_way(users=plan.users, state=plan.state, remark=plan.remark)
    except UnknownStaff as exc:
        raise StaffUnknown(exc.errmsg) from exc
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        row = await repo.add_way(
            session,
            {
                "config_id": way.config_id,
                "state": plan.state,
                "store_id": plan.store_id,
                "campaign": plan.campaign,
                "staff_userids": list(plan.users),
                "qr_code": way.qr_code,
                "remark": plan.remark,
                "created_by": staff.id,
                "created_at": utcnow(),
            },
        )
        await record_audit(
            session,
            staff,
            "wecom.contact_way_create",
            f"wecom_contact_way:{row.id}",
            {"state": plan.state, "staff_userids": list(plan.users)},
            origin,
        )
        names = await stores.store_names(session, [plan.store_id] if plan.store_id else [])
        return _way_out(row, names)


def _way_out(way: ContactWay, names: dict[int, str]) -> ContactWayOut:
    return ContactWayOut(
        id=way.id,
        config_id=way.config_id,
        state=way.state,
        store_id=way.store_id,
        store_name=names.get(way.store_id) if way.store_id else None,
        campaign=way.campaign,
        staff_userids=list(way.staff_userids),
        qr_code=way.qr_code,
        remark=way.remark,
        created_at=way.created_at,
    )


async def list_contact_ways(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Page[ContactWayOut]:
    rows = await repo.list_ways(session, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    names = await stores.store_names(session, present_ids(w.store_id for w in page))
    return Page[ContactWayOut](
        items=[_way_out(w, names) for w in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def contact_way_count(session: AsyncSession) -> int:
    return await repo.way_count(session)


# -- the callback ------------------------------------------------------------------------------


def _event_time(change: ContactChange) -> datetime:
    return datetime.fromtimestamp(change.create_time, UTC) if change.create_time else utcnow()


async def apply_change(ctx: AppContext, client: WeComClient, change: ContactChange) -> bool:
    """Record one customer-contact change: True when a row changed (False: a repeat, an older
    event, or a change Shoplet does not keep)."""
    at = _event_time(change)
    if change.change_type in DELETE_CHANGES:
        async with short_transaction(ctx.sessionmaker) as session:
            return await repo.record_delete(
                session,
                external_userid=change.external_userid,
                staff_userid=change.userid,
                at=at,
            )
    if change.change_type not in ADD_CHANGES:
        return False
    name, unionid = "", None
    try:
        person = await client.get_external_contact(change.external_userid)
        name, unionid = person.name[:64], person.unionid
    except WeComError as exc:
        # Attribution does not depend on the profile: record the add, name it later.
        log.warning("wecom_contact_profile_failed", errcode=exc.errcode, errmsg=exc.errmsg)
    store_id, campaign = parse_state(change.state)
    async with short_transaction(ctx.sessionmaker) as session:
        member_id = None
        if unionid:
            member_id = (await members.member_ids_by_unionid(session, [unionid])).get(unionid)
        added = await repo.record_add(
            session,
            {
                "external_userid": change.external_userid,
                "staff_userid": change.userid,
                "name": name,
                "unionid": unionid,
                "member_id": member_id,
                "state": change.state[:STATE_MAX],
                "store_id": store_id,
                "campaign": campaign,
                "added_at": at,
                "deleted_at": None,
                "changed_at": at,
            },
        )
        # The welcome code rides in the same transaction; the job sends it (welcome.py).
        await queue_welcome(session, change, utcnow())
        return added


async def link_members(session: AsyncSession, *, batch: int = 500) -> int:
    """Link customers whose unionid now belongs to a member (they signed in to the mini program
    after adding the staff member): customers linked."""
    unionids = await repo.unlinked_unionids(session, limit=batch)
    found = await members.member_ids_by_unionid(session, unionids)
    linked = 0
    for unionid, member_id in sorted(found.items()):
        linked += await repo.link_unionid(session, unionid, member_id)
    return linked


# -- customers and counts ----------------------------------------------------------------------


async def list_contacts(
    session: AsyncSession,
    *,
    before_id: int | None,
    limit: int,
    store_id: int | None,
    campaign: str | None,
    staff_userid: str | None,
    active: bool | None,
) -> Page[ContactOut]:
    rows = await repo.list_contacts(
        session,
        before_id=before_id,
        limit=limit + 1,
        store_id=store_id,
        campaign=campaign,
        staff_userid=staff_userid,
        active=active,
    )
    page = rows[:limit]
    names = await stores.store_names(session, present_ids(c.store_id for c in page))
    nicknames = await members.get_nicknames(session, present_ids(c.member_id for c in page))
    return Page[ContactOut](
        items=[_contact_out(c, names, nicknames) for c in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


def _contact_out(contact: Contact, names: dict[int, str], nicknames: dict[int, str]) -> ContactOut:
    return ContactOut(
        id=contact.id,
        external_userid=contact.external_userid,
        name=contact.name,
        staff_userid=contact.staff_userid,
        state=contact.state,
        store_id=contact.store_id,
        store_name=names.get(contact.store_id) if contact.store_id else None,
        campaign=contact.campaign,
        member_id=contact.member_id,
        member_nickname=nicknames.get(contact.member_id) if contact.member_id else None,
        added_at=contact.added_at,
        deleted_at=contact.deleted_at,
    )


def _rows(counts: Sequence[tuple[Any, int, int]], labels: dict[Any, str]) -> list[AcquisitionRow]:
    return [
        AcquisitionRow(
            key="" if key is None else str(key),
            label=labels.get(key, "" if key is None else str(key)),
            added=added,
            active=active,
        )
        for key, added, active in counts
    ]


async def acquisition_stats(session: AsyncSession) -> AcquisitionStats:
    by_store = await repo.acquisition_counts(session, "store_id")
    names = await stores.store_names(session, present_ids(k for k, _, _ in by_store))
    return AcquisitionStats(
        by_store=_rows(by_store, dict(names.items())),
        by_campaign=_rows(await repo.acquisition_counts(session, "campaign"), {}),
        by_staff=_rows(await repo.acquisition_counts(session, "staff_userid"), {}),
    )


# -- tags from a segment -----------------------------------------------------------------------


async def tag_segment(
    ctx: AppContext,
    client: WeComClient,
    body: SegmentTagging,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> TaggingResult:
    """``mark_tag`` for every active WeCom customer linked to a member of the segment. 400
    before any call: no tags, an unknown segment, more than ``MAX_TAG_CONTACTS`` customers; 400
    ``wecom.tag_unknown`` when WeCom refuses a tag id on the first call."""
    add, remove = list(dict.fromkeys(body.add_tag_ids)), list(dict.fromkeys(body.remove_tag_ids))
    if not add and not remove:
        raise TagsRequired()
    async with read_session(ctx.sessionmaker) as session:
        member_ids = await analytics.audience_member_ids(session, segment_id=body.segment_id)
        if member_ids is None:
            raise SegmentUnknown(segment_id=body.segment_id)
        contacts = await repo.active_contacts_of_members(
            session, member_ids, limit=MAX_TAG_CONTACTS + 1
        )
    if len(contacts) > MAX_TAG_CONTACTS:
        raise TooManyContacts(limit=MAX_TAG_CONTACTS)
    tagged = failed = 0
    for contact in contacts:
        try:
            await client.mark_tag(
                userid=contact.staff_userid,
                external_userid=contact.external_userid,
                add_tag=add,
                remove_tag=remove,
            )
            tagged += 1
        except UnknownTag as exc:
            if tagged == 0 and failed == 0:
                raise TagUnknown(exc.errmsg) from exc
            failed += 1
        except (UnknownContact, UnknownStaff):
            failed += 1
        except WeComError as exc:
            if tagged == 0 and failed == 0:
                raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
            failed += 1
    result = TaggingResult(
        members=len(member_ids), contacts=len(contacts), tagged=tagged, failed=failed
    )
    async with short_transaction(ctx.sessionmaker) as session:
        await record_audit(
            session,
            staff,
            "wecom.segment_tag",
            f"analytics_segment:{body.segment_id}",
            {"add": add, "remove": remove, **result.model_dump()},
            origin,
        )
    return result

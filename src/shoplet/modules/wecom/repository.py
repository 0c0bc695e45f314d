"""Every query of wecom. A contact's add and delete are each one conditional statement (``INSERT
… ON CONFLICT DO UPDATE … WHERE changed_at < :at``, ``UPDATE … WHERE deleted_at IS NULL``), so a
callback WeCom delivers twice, or out of order, is applied once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.wecom.models import (
    Broadcast,
    BroadcastChat,
    BroadcastMsg,
    BroadcastQuota,
    BroadcastRecipient,
    Contact,
    ContactWay,
    Group,
    GroupBroadcastQuota,
    GroupMember,
    JoinWay,
    Picture,
    WelcomeSend,
)


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def add_way(session: AsyncSession, values: dict[str, Any]) -> ContactWay:
    way = ContactWay(**values)
    session.add(way)
    await session.flush()
    return way


async def list_ways(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[ContactWay]:
    stmt = (
        select(ContactWay)
        .where(ContactWay.deleted_at.is_(None))
        .order_by(ContactWay.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(ContactWay.id < before_id)
    return (await session.scalars(stmt)).all()


async def way_count(session: AsyncSession) -> int:
    stmt = select(func.count()).select_from(ContactWay).where(ContactWay.deleted_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def record_add(session: AsyncSession, values: dict[str, Any]) -> bool:
    """The contact added (or added again after a delete) unless an event as new or newer was
    applied already: True when a row was written."""
    statement = _insert(session, Contact).values(**values)
    upsert = statement.on_conflict_do_update(
        index_elements=["external_userid", "staff_userid"],
        set_={
            key: statement.excluded[key]
            for key in (
                "name",
                "unionid",
                "member_id",
                "state",
                "store_id",
                "campaign",
                "added_at",
                "deleted_at",
                "changed_at",
            )
        },
        where=Contact.changed_at < statement.excluded.changed_at,
    ).returning(Contact.id)
    return (await session.execute(upsert)).scalar_one_or_none() is not None


async def record_delete(
    session: AsyncSession, *, external_userid: str, staff_userid: str, at: datetime
) -> bool:
    result = await session.execute(
        update(Contact)
        .where(
            Contact.external_userid == external_userid,
            Contact.staff_userid == staff_userid,
            Contact.deleted_at.is_(None),
            Contact.changed_at <= at,
        )
        .values(deleted_at=at, changed_at=at)
        .returning(Contact.id)
    )
    return result.scalar_one_or_none() is not None


async def list_contacts(
    session: AsyncSession,
    *,
    before_id: int | None,
    limit: int,
    store_id: int | None = None,
    campaign: str | None = None,
    staff_userid: str | None = None,
    active: bool | None = None,
) -> Sequence[Contact]:
    stmt = select(Contact).order_by(Contact.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Contact.id < before_id)
    if store_id is not None:
        stmt = stmt.where(Contact.store_id == store_id)
    if campaign is not None:
        stmt = stmt.where(Contact.campaign == campaign)
    if staff_userid is not None:
        stmt = stmt.where(Contact.staff_userid == staff_userid)
    if active is True:
        stmt = stmt.where(Contact.deleted_at.is_(None))
    elif active is False:
        stmt = stmt.where(Contact.deleted_at.is_not(None))
    return (await session.scalars(stmt)).all()


async def acquisition_counts(session: AsyncSession, column: str) -> list[tuple[Any, int, int]]:
    """(key, added, still active) per ``store_id``, ``campaign`` or ``staff_userid``."""
    key = getattr(Contact, column)
    stmt = (
        select(key, func.count(), func.count().filter(Contact.deleted_at.is_(None)))
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    return [(k, int(a), int(b)) for k, a, b in (await session.execute(stmt)).all()]


async def active_contacts_of_members(
    session: AsyncSession, member_ids: Sequence[int], *, limit: int
) -> Sequence[Contact]:
    if not member_ids:
        return []
    stmt = (
        select(Contact)
        .where(Contact.member_id.in_(member_ids), Contact.deleted_at.is_(None))
        .order_by(Contact.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def unlinked_unionids(session: AsyncSession, *, limit: int) -> list[str]:
    """Unionids of customers not linked to a member yet (a shopper who signs in to the mini
    program after adding the staff member)."""
    stmt = (
        select(Contact.unionid)
        .where(Contact.member_id.is_(None), Contact.unionid.is_not(None))
        .group_by(Contact.unionid)
        .order_by(Contact.unionid)
        .limit(limit)
    )
    return [str(u) for u in (await session.scalars(stmt)).all()]


async def link_unionid(session: AsyncSession, unionid: str, member_id: int) -> int:
    result = await session.execute(
        update(Contact)
        .where(Contact.unionid == unionid, Contact.member_id.is_(None))
        .values(member_id=member_id)
        .returning(Contact.id)
    )
    return len(result.all())


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' account merge: customers linked to the absorbed account follow the survivor."""
    result = await session.execute(
        update(Contact)
        .where(Contact.member_id == from_id)
        .values(member_id=into_id)
        .returning(Contact.id)
    )
    return len(result.all())


# -- 欢迎语 -------------------------------------------------------------------------------------


async def get_way(session: AsyncSession, way_id: int) -> ContactWay | None:
    return await session.get(ContactWay, way_id)


async def way_by_state(session: AsyncSession, state: str) -> ContactWay | None:
    """The newest contact way with ``state`` (several ways may share a store and campaign)."""
    stmt = select(ContactWay).where(ContactWay.state == state).order_by(ContactWay.id.desc())
    return (await session.scalars(stmt.limit(1))).first()


async def queue_welcome(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Queue a welcome code once (WeCom retries a callback with the same code)."""
    statement = (
        _insert(session, WelcomeSend)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["welcome_code"])
        .returning(WelcomeSend.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def expire_welcomes(session: AsyncSession, *, received_before: datetime) -> int:
    result = await session.execute(
        update(WelcomeSend)
        .where(WelcomeSend.status == "pending", WelcomeSend.received_at < received_before)
        .values(status="expired")
        .returning(WelcomeSend.id)
    )
    return len(result.all())


async def claim_welcome(session: AsyncSession, *, received_after: datetime) -> WelcomeSend | None:
    """Take one pending code still inside its validity (``FOR UPDATE SKIP LOCKED``: workers
    running the job at once take different codes; SQLite has one writer anyway)."""
    stmt = (
        select(WelcomeSend)
        .where(WelcomeSend.status == "pending", WelcomeSend.received_at >= received_after)
        .order_by(WelcomeSend.received_at, WelcomeSend.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    found = (await session.scalars(stmt)).first()
    if found is None:
        return None
    claimed = await session.execute(
        update(WelcomeSend)
        .where(WelcomeSend.id == found.id, WelcomeSend.status == "pending")
        .values(status="sending")
        .returning(WelcomeSend.id)
    )
    return found if claimed.scalar_one_or_none() is not None else None


async def finish_welcome(
    session: AsyncSession, send_id: int, *, status: str, errcode: int | None, at: datetime
) -> None:
    await session.execute(
        update(WelcomeSend)
        .where(WelcomeSend.id == send_id, WelcomeSend.status == "sending")
        .values(status=status, errcode=errcode, sent_at=at if status == "sent" else None)
    )


async def list_welcome_sends(
    session: AsyncSession, *, way_id: int | None, limit: int
) -> Sequence[WelcomeSend]:
    stmt = select(WelcomeSend).order_by(WelcomeSend.id.desc()).limit(limit)
    if way_id is not None:
        stmt = stmt.where(WelcomeSend.way_id == way_id)
    return (await session.scalars(stmt)).all()


# -- 客户群 --------------------------------------------------------------------------------------


async def add_join_way(session: AsyncSession, values: dict[str, Any]) -> JoinWay:
    way = JoinWay(**values)
    session.add(way)
    await session.flush()
    return way


async def list_join_ways(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[JoinWay]:
    stmt = (
        select(JoinWay).where(JoinWay.deleted_at.is_(None)).order_by(JoinWay.id.desc()).limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(JoinWay.id < before_id)
    return (await session.scalars(stmt)).all()


async def join_way_of_chat(session: AsyncSession, chat_id: str) -> JoinWay | None:
    """The oldest join way that lists ``chat_id`` (a group's store and campaign)."""
    ways = (await session.scalars(select(JoinWay).order_by(JoinWay.id))).all()
    return next((w for w in ways if chat_id in w.chat_ids), None)


async def apply_group(
    session: AsyncSession, values: dict[str, Any], members: Sequence[dict[str, Any]]
) -> bool:
    """A snapshot of a group unless a newer one was applied (``changed_at``): the row upserted,
    members gone deleted and new ones inserted, so the same snapshot twice writes the same
    rows. A snapshot as old as the last one is applied too: it was fetched after it (two
    changes in one second of WeCom's ``CreateTime``). True when it was applied."""
    statement = _insert(session, Group).values(**values)
    upsert = statement.on_conflict_do_update(
        index_elements=["chat_id"],
        set_={
            key: statement.excluded[key]
            for key in (
                "name",
                "owner",
                "store_id",
                "campaign",
                "member_count",
                "customer_count",
                "group_created_at",
                "dismissed_at",
                "changed_at",
            )
        },
        where=Group.changed_at <= statement.excluded.changed_at,
    ).returning(Group.id)
    if (await session.execute(upsert)).scalar_one_or_none() is None:
        return False
    chat_id = values["chat_id"]
    await session.execute(
        delete(GroupMember).where(
            GroupMember.chat_id == chat_id,
            GroupMember.userid.not_in([m["userid"] for m in members]),
        )
    )
    if members:
        await session.execute(
            _insert(session, GroupMember)
            .values([{**m, "chat_id": chat_id} for m in members])
            .on_conflict_do_nothing(index_elements=["chat_id", "userid"])
        )
    return True


async def dismiss_group(session: AsyncSession, chat_id: str, at: datetime) -> bool:
    result = await session.execute(
        update(Group)
        .where(Group.chat_id == chat_id, Group.dismissed_at.is_(None), Group.changed_at <= at)
        .values(dismissed_at=at, changed_at=at)
        .returning(Group.id)
    )
    return result.scalar_one_or_none() is not None


async def list_groups(
    session: AsyncSession,
    *,
    before_id: int | None,
    limit: int,
    store_id: int | None = None,
    campaign: str | None = None,
) -> Sequence[Group]:
    stmt = select(Group).order_by(Group.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Group.id < before_id)
    if store_id is not None:
        stmt = stmt.where(Group.store_id == store_id)
    if campaign is not None:
        stmt = stmt.where(Group.campaign == campaign)
    return (await session.scalars(stmt)).all()


async def group_members(session: AsyncSession, chat_id: str) -> Sequence[GroupMember]:
    stmt = select(GroupMember).where(GroupMember.chat_id == chat_id).order_by(GroupMember.id)
    return (await session.scalars(stmt)).all()


async def get_group(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


# -- 群发 ----------------------------------------------------------------------------------------


async def audience_contacts(
    session: AsyncSession,
    *,
    member_ids: Sequence[int] | None,
    store_id: int | None,
    campaign: str | None,
    limit: int,
) -> list[tuple[str, str]]:
    """(external_userid, staff_userid) of active customers, one staff member each (the one who
    added them first), in external_userid order."""
    first = (
        select(Contact.external_userid, func.min(Contact.id).label("first_id"))
        .where(Contact.deleted_at.is_(None))
        .group_by(Contact.external_userid)
    )
    if member_ids is not None:
        first = first.where(Contact.member_id.in_(member_ids))
    if store_id is not None:
        first = first.where(Contact.store_id == store_id)
    if campaign is not None:
        first = first.where(Contact.campaign == campaign)
    chosen = first.subquery()
    stmt = (
        select(Contact.external_userid, Contact.staff_userid)
        .join(chosen, Contact.id == chosen.c.first_id)
        .order_by(Contact.external_userid)
        .limit(limit)
    )
    return [(str(e), str(s)) for e, s in (await session.execute(stmt)).all()]


async def add_broadcast(session: AsyncSession, values: dict[str, Any]) -> Broadcast:
    broadcast = Broadcast(**values)
    session.add(broadcast)
    await session.flush()
    return broadcast


async def claim_quota(
    session: AsyncSession, external_userids: Sequence[str], *, day: date, broadcast_id: int
) -> set[str]:
    """The customers of ``external_userids`` nobody claimed on ``day`` yet, now this
    broadcast's: one ``INSERT … ON CONFLICT DO NOTHING RETURNING``, rows in external_userid
    order so concurrent claims wait on each other in one order (no deadlock)."""
    claimed: set[str] = set()
    ordered = sorted(set(external_userids))
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        statement = (
            _insert(session, BroadcastQuota)
            .values(
                [{"external_userid": u, "day": day, "broadcast_id": broadcast_id} for u in chunk]
            )
            .on_conflict_do_nothing(index_elements=["external_userid", "day"])
            .returning(BroadcastQuota.external_userid)
        )
        claimed.update(str(u) for u in (await session.execute(statement)).scalars().all())
    return claimed


async def release_quota(
    session: AsyncSession, external_userids: Sequence[str], *, day: date, broadcast_id: int
) -> None:
    if external_userids:
        await session.execute(
            delete(BroadcastQuota).where(
                BroadcastQuota.broadcast_id == broadcast_id,
                BroadcastQuota.day == day,
                BroadcastQuota.external_userid.in_(list(external_userids)),
            )
        )


async def add_msg(session: AsyncSession, values: dict[str, Any]) -> BroadcastMsg:
    msg = BroadcastMsg(**values)
    session.add(msg)
    await session.flush()
    return msg


async def add_recipients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await session.execute(
            _insert(session, BroadcastRecipient).values(list(rows[start : start + 5000]))
        )


async def set_recipients(
    session: AsyncSession,
    *,
    broadcast_id: int,
    external_userids: Sequence[str],
    status: str,
    sent_at: datetime | None = None,
    only_pending: bool = False,
) -> int:
    if not external_userids:
        return 0
    stmt = update(BroadcastRecipient).where(
        BroadcastRecipient.broadcast_id == broadcast_id,
        BroadcastRecipient.external_userid.in_(list(external_userids)),
    )
    if only_pending:
        stmt = stmt.where(BroadcastRecipient.status == "pending")
    result = await session.execute(
        stmt.values(status=status, sent_at=sent_at).returning(BroadcastRecipient.id)
    )
    return len(result.all())


async def recipients_of_msg(session: AsyncSession, msg_id: int) -> list[str]:
    stmt = (
        select(BroadcastRecipient.external_userid)
        .where(BroadcastRecipient.msg_id == msg_id)
        .order_by(BroadcastRecipient.external_userid)
    )
    return [str(u) for u in (await session.scalars(stmt)).all()]


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def update_broadcast(session: AsyncSession, broadcast_id: int, **values: Any) -> None:
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(**values))


async def update_msg(session: AsyncSession, msg_id: int, **values: Any) -> None:
    await session.execute(update(BroadcastMsg).where(BroadcastMsg.id == msg_id).values(**values))


async def list_broadcasts(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[Broadcast]:
    stmt = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Broadcast.id < before_id)
    return (await session.scalars(stmt)).all()


async def msgs_of(session: AsyncSession, broadcast_id: int) -> Sequence[BroadcastMsg]:
    stmt = select(BroadcastMsg).where(BroadcastMsg.broadcast_id == broadcast_id)
    return (await session.scalars(stmt.order_by(BroadcastMsg.id))).all()


async def open_msgs(session: AsyncSession, *, limit: int) -> Sequence[BroadcastMsg]:
    """Templates whose results may still change (a msgid, not final)."""
    stmt = (
        select(BroadcastMsg)
        .where(BroadcastMsg.msgid.is_not(None), BroadcastMsg.is_final.is_(False))
        .order_by(BroadcastMsg.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def recipient_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    stmt = (
        select(BroadcastRecipient.status, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.status)
    )
    return {str(k): int(n) for k, n in (await session.execute(stmt)).all()}


async def list_recipients(
    session: AsyncSession, broadcast_id: int, *, before_id: int | None, limit: int
) -> Sequence[BroadcastRecipient]:
    stmt = (
        select(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .order_by(BroadcastRecipient.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(BroadcastRecipient.id < before_id)
    return (await session.scalars(stmt)).all()


# -- 群发 to customer groups ----------------------------------------------------------------------


async def audience_groups(
    session: AsyncSession,
    *,
    owners: Sequence[str] | None,
    store_id: int | None,
    campaign: str | None,
    limit: int,
) -> list[Group]:
    """Groups not dismissed, with an owner (of ``owners`` when given), of the store and/or
    campaign when given, in chat_id order."""
    stmt = (
        select(Group)
        .where(Group.dismissed_at.is_(None), Group.owner != "")
        .order_by(Group.chat_id)
        .limit(limit)
    )
    if owners is not None:
        stmt = stmt.where(Group.owner.in_(list(owners)))
    if store_id is not None:
        stmt = stmt.where(Group.store_id == store_id)
    if campaign is not None:
        stmt = stmt.where(Group.campaign == campaign)
    return list((await session.scalars(stmt)).all())


async def claim_group_quota(
    session: AsyncSession, chat_ids: Sequence[str], *, day: date, broadcast_id: int
) -> set[str]:
    """The groups of ``chat_ids`` no broadcast claimed on ``day`` yet, now this broadcast's: one
    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` in chat_id order (no deadlock)."""
    ordered = sorted(set(chat_ids))
    if not ordered:
        return set()
    statement = (
        _insert(session, GroupBroadcastQuota)
        .values([{"chat_id": c, "day": day, "broadcast_id": broadcast_id} for c in ordered])
        .on_conflict_do_nothing(index_elements=["chat_id", "day"])
        .returning(GroupBroadcastQuota.chat_id)
    )
    return {str(c) for c in (await session.execute(statement)).scalars().all()}


async def release_group_quota(
    session: AsyncSession, chat_ids: Sequence[str], *, day: date, broadcast_id: int
) -> None:
    if chat_ids:
        await session.execute(
            delete(GroupBroadcastQuota).where(
                GroupBroadcastQuota.broadcast_id == broadcast_id,
                GroupBroadcastQuota.day == day,
                GroupBroadcastQuota.chat_id.in_(list(chat_ids)),
            )
        )


async def add_chats(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_insert(session, BroadcastChat).values(list(rows)))


async def set_chats(
    session: AsyncSession,
    *,
    broadcast_id: int,
    chat_ids: Sequence[str],
    status: str,
    sent_at: datetime | None = None,
    only_pending: bool = False,
) -> int:
    if not chat_ids:
        return 0
    stmt = update(BroadcastChat).where(
        BroadcastChat.broadcast_id == broadcast_id, BroadcastChat.chat_id.in_(list(chat_ids))
    )
    if only_pending:
        stmt = stmt.where(BroadcastChat.status == "pending")
    result = await session.execute(
        stmt.values(status=status, sent_at=sent_at).returning(BroadcastChat.id)
    )
    return len(result.all())


async def chat_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    stmt = (
        select(BroadcastChat.status, func.count())
        .where(BroadcastChat.broadcast_id == broadcast_id)
        .group_by(BroadcastChat.status)
    )
    return {str(k): int(n) for k, n in (await session.execute(stmt)).all()}


async def list_chats(
    session: AsyncSession, broadcast_id: int, *, before_id: int | None, limit: int
) -> Sequence[BroadcastChat]:
    stmt = (
        select(BroadcastChat)
        .where(BroadcastChat.broadcast_id == broadcast_id)
        .order_by(BroadcastChat.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(BroadcastChat.id < before_id)
    return (await session.scalars(stmt)).all()


# -- editing and deleting ways (渠道活码 and 加入群聊) -------------------------------------------

Way = type[ContactWay] | type[JoinWay]


async def live_way(session: AsyncSession, model: Way, way_id: int) -> ContactWay | JoinWay | None:
    """A way not deleted."""
    stmt = select(model).where(model.id == way_id, model.deleted_at.is_(None))
    found = (await session.scalars(stmt.execution_options(populate_existing=True))).one_or_none()
    return found if isinstance(found, ContactWay | JoinWay) else None


async def update_live_way(
    session: AsyncSession, model: Way, way_id: int, values: dict[str, Any]
) -> bool:
    """Edit a way unless it was deleted meanwhile (one conditional UPDATE)."""
    stmt = (
        update(model)
        .where(model.id == way_id, model.deleted_at.is_(None))
        .values(**values)
        .returning(model.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_way(session: AsyncSession, model: Way, way_id: int, now: Any) -> bool:
    """Mark a way deleted: True for the one caller that did (a second delete finds it gone)."""
    return await update_live_way(session, model, way_id, {"deleted_at": now})


# -- card pictures -----------------------------------------------------------------------------


async def add_picture(session: AsyncSession, values: dict[str, Any]) -> Picture:
    """The picture with these bytes (``sha256``): inserted, or the one already kept (``ON
    CONFLICT DO NOTHING``: two staff uploading the same file at once get one row)."""
    await session.execute(
        _insert(session, Picture).values(**values).on_conflict_do_nothing(index_elements=["sha256"])
    )
    return (await session.scalars(select(Picture).where(Picture.sha256 == values["sha256"]))).one()


async def get_picture(session: AsyncSession, picture_id: int) -> Picture | None:
    return await session.get(Picture, picture_id, populate_existing=True)


async def pictures_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Picture]:
    if not ids:
        return {}
    rows = await session.scalars(select(Picture).where(Picture.id.in_(ids)))
    return {p.id: p for p in rows}


async def claim_picture_upload(
    session: AsyncSession,
    picture_id: int,
    *,
    stale_before: datetime,
    claim_before: datetime,
    at: datetime,
) -> bool:
    """Claim the upload of a picture whose media id is missing or older than ``stale_before``,
    unless another sender claimed it after ``claim_before``: one conditional UPDATE, so of
    senders arriving together exactly one wins."""
    claimed = await session.execute(
        update(Picture)
        .where(
            Picture.id == picture_id,
            (Picture.media_id.is_(None)) | (Picture.media_created_at <= stale_before),
            (Picture.upload_claimed_at.is_(None)) | (Picture.upload_claimed_at < claim_before),
        )
        .values(upload_claimed_at=at)
        .returning(Picture.id)
    )
    return claimed.scalar_one_or_none() is not None


async def finish_picture_upload(
    session: AsyncSession,
    picture_id: int,
    *,
    claimed_at: datetime,
    media_id: str | None,
    media_created_at: datetime | None,
) -> None:
    """Record the media id of the claim made at ``claimed_at`` (None: the upload failed, the
    claim is released and the old media id kept)."""
    values: dict[str, Any] = {"upload_claimed_at": None}
    if media_id is not None:
        values.update(media_id=media_id, media_created_at=media_created_at)
    await session.execute(
        update(Picture)
        .where(Picture.id == picture_id, Picture.upload_claimed_at == claimed_at)
        .values(**values)
    )

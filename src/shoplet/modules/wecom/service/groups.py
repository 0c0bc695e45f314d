"""客户群: 加入群聊 QR codes (``groupchat/add_join_way``) per store and campaign, and the
groups themselves, kept from ``groupchat/list`` + ``groupchat/get`` (the sync job) and from
``change_external_chat`` callbacks.

Every write of a group is a snapshot applied only when newer than the last one
(``changed_at``): a callback delivered twice, or late behind a sync, changes nothing. A
member's store and campaign come from the ``state`` WeCom puts on members who joined through
a join way; a group's from the join way that lists it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction, utcnow
from shoplet.core.pagination import encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.integrations.wecom.client import (
    JOIN_CHATS_MAX,
    ChatChange,
    GroupChat,
    UnknownChat,
    WeComClient,
    WeComError,
)
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.stores import public as stores
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    ChatsRequired,
    ChatUnknown,
    GroupUnknown,
    RoomNameRequired,
    UpstreamError,
)
from shoplet.modules.wecom.models import Group, JoinWay
from shoplet.modules.wecom.schemas import (
    GroupMemberOut,
    GroupOut,
    GroupSyncResult,
    JoinWayCreate,
    JoinWayOut,
)
from shoplet.modules.wecom.service._common import check_attribution, present_ids
from shoplet.modules.wecom.service.contacts import parse_state

log = structlog.get_logger("shoplet.wecom")

# Chats fetched per sync run; a corp with more is finished by the next runs' cursor-less pass.
SYNC_MAX_CHATS = 5000


def _join_way_out(way: JoinWay, names: dict[int, str]) -> JoinWayOut:
    return JoinWayOut(
        id=way.id,
        config_id=way.config_id,
        state=way.state,
        store_id=way.store_id,
        store_name=names.get(way.store_id) if way.store_id else None,
        campaign=way.campaign,
        chat_ids=list(way.chat_ids),
        auto_create_room=way.is_auto_create_room,
        qr_code=way.qr_code,
        remark=way.remark,
        created_at=way.created_at,
    )


async def create_join_way(
    ctx: AppContext,
    client: WeComClient,
    body: JoinWayCreate,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> JoinWayOut:
    """A 加入群聊 QR code. 400 before WeCom is called: ``wecom.attribution_required`` /
    ``store_unknown`` / ``campaign_invalid`` / ``state_too_long`` / ``chats_required`` /
    ``room_name_required``; ``wecom.chat_unknown`` when WeCom does not know a chat id."""
    chat_ids = list(dict.fromkeys(body.chat_ids))
    if not 1 <= len(chat_ids) <= JOIN_CHATS_MAX or len(chat_ids) != len(body.chat_ids):
        raise ChatsRequired()
    if body.auto_create_room and not body.room_base_name:
        raise RoomNameRequired()
    campaign = body.campaign or None
    async with read_session(ctx.sessionmaker) as session:
        state = await check_attribution(session, body.store_id, campaign)
    try:
        way = await client.add_join_way(
            chat_ids=chat_ids,
            state=state,
            remark=body.remark,
            auto_create_room=body.auto_create_room,
            room_base_name=body.room_base_name,
        )
    except UnknownChat as exc:
        raise ChatUnknown(exc.errmsg) from exc
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        row = await repo.add_join_way(
            session,
            {
                "config_id": way.config_id,
                "state": state,
                "store_id": body.store_id,
                "campaign": campaign,
                "chat_ids": chat_ids,
                "is_auto_create_room": body.auto_create_room,
                "room_base_name": body.room_base_name,
                "qr_code": way.qr_code,
                "remark": body.remark,
                "created_by": staff.id,
                "created_at": utcnow(),
            },
        )
        await record_audit(
            session,
            staff,
            "wecom.join_way_create",
            f"wecom_join_way:{row.id}",
            {"state": state, "chat_ids": chat_ids},
            origin,
        )
        names = await stores.store_names(session, present_ids([body.store_id]))
        return _join_way_out(row, names)


async def list_join_ways(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Page[JoinWayOut]:
    rows = await repo.list_join_ways(session, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    names = await stores.store_names(session, present_ids([w.store_id for w in page]))
    return Page[JoinWayOut](
        items=[_join_way_out(w, names) for w in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


def _at(seconds: int) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


async def apply_snapshot(session: AsyncSession, chat: GroupChat, at: datetime) -> bool:
    """Write what ``groupchat/get`` answered, as of ``at``: True when it was newer."""
    way = await repo.join_way_of_chat(session, chat.chat_id)
    members: list[dict[str, Any]] = []
    for m in chat.members:
        store_id, campaign = parse_state(m.state)
        members.append(
            {
                "userid": m.userid[:64],
                "type": m.type,
                "name": m.name[:64],
                "join_scene": m.join_scene,
                "state": m.state[:30],
                "store_id": store_id,
                "campaign": campaign,
                "joined_at": _at(m.join_time),
            }
        )
    return await repo.apply_group(
        session,
        {
            "chat_id": chat.chat_id,
            "name": chat.name[:64],
            "owner": chat.owner[:64],
            "store_id": way.store_id if way else None,
            "campaign": way.campaign if way else None,
            "member_count": len(chat.members),
            "customer_count": sum(1 for m in chat.members if m.type == 2),
            "group_created_at": _at(chat.create_time),
            "dismissed_at": None,
            "changed_at": at,
        },
        members,
    )


async def apply_chat_change(ctx: AppContext, client: WeComClient, change: ChatChange) -> bool:
    """One ``change_external_chat``: a dismiss marks the group; a create or update (members
    joined or left, name, owner) applies WeCom's current snapshot as of the event's time."""
    at = datetime.fromtimestamp(change.create_time, UTC) if change.create_time else utcnow()
    if change.change_type == "dismiss":
        async with short_transaction(ctx.sessionmaker) as session:
            return await repo.dismiss_group(session, change.chat_id, at)
    try:
        chat = await client.get_group_chat(change.chat_id)
    except WeComError as exc:
        # The next sync catches up; WeCom would only retry the same event.
        log.warning("wecom_group_fetch_failed", errcode=exc.errcode, chat_id=change.chat_id)
        return False
    async with short_transaction(ctx.sessionmaker) as session:
        return await apply_snapshot(session, chat, at)


async def sync_groups(ctx: AppContext, client: WeComClient, *, now: datetime) -> GroupSyncResult:
    """Every group WeCom lists (cursor pages), each fetched and applied as of ``now``."""
    chat_ids: list[str] = []
    cursor = ""
    while len(chat_ids) < SYNC_MAX_CHATS:
        page, cursor = await client.list_group_chats(cursor=cursor)
        chat_ids.extend(c for c, _ in page)
        if not cursor:
            break
    updated = 0
    for chat_id in chat_ids[:SYNC_MAX_CHATS]:
        try:
            chat = await client.get_group_chat(chat_id)
        except WeComError as exc:
            log.warning("wecom_group_fetch_failed", errcode=exc.errcode, chat_id=chat_id)
            continue
        async with short_transaction(ctx.sessionmaker) as session:
            updated += await apply_snapshot(session, chat, now)
    return GroupSyncResult(groups=len(chat_ids), updated=updated)


def _group_out(group: Group, names: dict[int, str]) -> GroupOut:
    return GroupOut(
        id=group.id,
        chat_id=group.chat_id,
        name=group.name,
        owner=group.owner,
        store_id=group.store_id,
        store_name=names.get(group.store_id) if group.store_id else None,
        campaign=group.campaign,
        member_count=group.member_count,
        customer_count=group.customer_count,
        group_created_at=group.group_created_at,
        dismissed_at=group.dismissed_at,
    )


async def list_groups(
    session: AsyncSession,
    *,
    before_id: int | None,
    limit: int,
    store_id: int | None,
    campaign: str | None,
) -> Page[GroupOut]:
    rows = await repo.list_groups(
        session, before_id=before_id, limit=limit + 1, store_id=store_id, campaign=campaign
    )
    page = rows[:limit]
    names = await stores.store_names(session, present_ids([g.store_id for g in page]))
    return Page[GroupOut](
        items=[_group_out(g, names) for g in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def list_group_members(session: AsyncSession, group_id: int) -> list[GroupMemberOut]:
    group = await repo.get_group(session, group_id)
    if group is None:
        raise GroupUnknown(group_id=group_id)
    rows = await repo.group_members(session, group.chat_id)
    return [GroupMemberOut.model_validate(r) for r in rows]

"""Editing and deleting 渠道活码 (``update_contact_way`` / ``del_contact_way``) and 加入群聊 QR
codes (``groupchat/update_join_way`` / ``del_join_way``).

As everywhere in this module no transaction is open during WeCom's call: the way is read and
the edit checked first (a refusal calls nothing and writes nothing), WeCom is called, then the
row is written with one conditional UPDATE on it not being deleted, so an edit or a delete that
lost to a concurrent delete answers 404 and a delete is recorded (and audited) once. A way's
``state`` never changes: the store and campaign of the customers and groups it brought stay.
A deleted way is kept (``deleted_at``) for that attribution and leaves the lists.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction, utcnow
from shoplet.integrations.wecom.client import (
    JOIN_CHATS_MAX,
    USERS_MAX,
    InvalidParameter,
    UnknownChat,
    UnknownStaff,
    WeComClient,
    WeComError,
)
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.stores import public as stores
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    ChatsRequired,
    ChatUnknown,
    JoinWayUnknown,
    StaffRequired,
    StaffUnknown,
    UpstreamError,
    WayTypeFixed,
    WayUnknown,
)
from shoplet.modules.wecom.models import ContactWay, JoinWay
from shoplet.modules.wecom.schemas import (
    ContactWayOut,
    ContactWayUpdate,
    JoinWayOut,
    JoinWayUpdate,
)
from shoplet.modules.wecom.service._common import present_ids
from shoplet.modules.wecom.service.contacts import _way_out
from shoplet.modules.wecom.service.groups import _join_way_out


async def _contact_way(session: AsyncSession, way_id: int) -> ContactWay:
    way = await repo.live_way(session, ContactWay, way_id)
    if not isinstance(way, ContactWay):
        raise WayUnknown(way_id=way_id)
    return way


async def _join_way(session: AsyncSession, way_id: int) -> JoinWay:
    way = await repo.live_way(session, JoinWay, way_id)
    if not isinstance(way, JoinWay):
        raise JoinWayUnknown(way_id=way_id)
    return way


def _users(way: ContactWay, body: ContactWayUpdate) -> list[str]:
    users = list(dict.fromkeys(u.strip() for u in body.staff_userids))
    if not users or "" in users or len(users) != len(body.staff_userids) or len(users) > USERS_MAX:
        raise StaffRequired()
    # WeCom fixes a way's type at creation: 1 (one staff member) or 2 (several).
    if (len(way.staff_userids) == 1) != (len(users) == 1):
        raise WayTypeFixed()
    return users


async def update_contact_way(
    ctx: AppContext,
    client: WeComClient,
    way_id: int,
    body: ContactWayUpdate,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> ContactWayOut:
    """Edit a 渠道活码's staff and remark (state kept). 404 ``wecom.way_unknown``; 400
    ``wecom.staff_required`` / ``way_type_fixed`` before WeCom is called,
    ``wecom.staff_unknown`` when WeCom does not know a userid; nothing changes on a refusal."""
    async with read_session(ctx.sessionmaker) as session:
        way = await _contact_way(session, way_id)
        users = _users(way, body)
        config_id, state = way.config_id, way.state
    try:
        await client.update_contact_way(
            config_id=config_id, users=users, remark=body.remark, state=state
        )
    except UnknownStaff as exc:
        raise StaffUnknown(exc.errmsg) from exc
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        values = {"staff_userids": users, "remark": body.remark}
        if not await repo.update_live_way(session, ContactWay, way_id, values):
            raise WayUnknown(way_id=way_id)
        await record_audit(
            session,
            staff,
            "wecom.contact_way_update",
            f"wecom_contact_way:{way_id}",
            {"staff_userids": users, "remark": body.remark},
            origin,
        )
        row = await _contact_way(session, way_id)
        names = await stores.store_names(session, present_ids([row.store_id]))
        return _way_out(row, names)


async def delete_contact_way(
    ctx: AppContext, client: WeComClient, way_id: int, *, staff: StaffIdentity, origin: Origin
) -> None:
    """删除 a 渠道活码 (``del_contact_way``): its QR code stops working, the customers it
    brought keep their store and campaign. 404 ``wecom.way_unknown`` (also for the loser of
    two deletes at once)."""
    async with read_session(ctx.sessionmaker) as session:
        config_id = (await _contact_way(session, way_id)).config_id
    try:
        await client.del_contact_way(config_id)
    except InvalidParameter:
        pass  # already gone at WeCom (a concurrent delete): recorded below once
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        if not await repo.delete_way(session, ContactWay, way_id, utcnow()):
            raise WayUnknown(way_id=way_id)
        await record_audit(
            session,
            staff,
            "wecom.contact_way_delete",
            f"wecom_contact_way:{way_id}",
            {"config_id": config_id},
            origin,
        )


async def update_join_way(
    ctx: AppContext,
    client: WeComClient,
    way_id: int,
    body: JoinWayUpdate,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> JoinWayOut:
    """Edit a 加入群聊 QR code's groups (1–5) and remark. 404 ``wecom.join_way_unknown``; 400
    ``wecom.chats_required`` before WeCom is called, ``wecom.chat_unknown`` when WeCom does
    not know a chat; nothing changes on a refusal."""
    chat_ids = list(dict.fromkeys(body.chat_ids))
    async with read_session(ctx.sessionmaker) as session:
        way = await _join_way(session, way_id)
        if not 1 <= len(chat_ids) <= JOIN_CHATS_MAX or len(chat_ids) != len(body.chat_ids):
            raise ChatsRequired()
        config_id, state = way.config_id, way.state
        auto, room = way.is_auto_create_room, way.room_base_name
    try:
        await client.update_join_way(
            config_id=config_id,
            chat_ids=chat_ids,
            state=state,
            remark=body.remark,
            auto_create_room=auto,
            room_base_name=room,
        )
    except UnknownChat as exc:
        raise ChatUnknown(exc.errmsg) from exc
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        values = {"chat_ids": chat_ids, "remark": body.remark}
        if not await repo.update_live_way(session, JoinWay, way_id, values):
            raise JoinWayUnknown(way_id=way_id)
        await record_audit(
            session,
            staff,
            "wecom.join_way_update",
            f"wecom_join_way:{way_id}",
            {"chat_ids": chat_ids, "remark": body.remark},
            origin,
        )
        row = await _join_way(session, way_id)
        names = await stores.store_names(session, present_ids([row.store_id]))
        return _join_way_out(row, names)


async def delete_join_way(
    ctx: AppContext, client: WeComClient, way_id: int, *, staff: StaffIdentity, origin: Origin
) -> None:
    """删除 a 加入群聊 QR code (``groupchat/del_join_way``); its groups keep their store and
    campaign. 404 ``wecom.join_way_unknown`` (also for the loser of two deletes at once)."""
    async with read_session(ctx.sessionmaker) as session:
        config_id = (await _join_way(session, way_id)).config_id
    try:
        await client.del_join_way(config_id)
    except InvalidParameter:
        pass  # already gone at WeCom (a concurrent delete): recorded below once
    except WeComError as exc:
        raise UpstreamError(f"{exc.errcode}: {exc.errmsg}") from exc
    async with short_transaction(ctx.sessionmaker) as session:
        if not await repo.delete_way(session, JoinWay, way_id, utcnow()):
            raise JoinWayUnknown(way_id=way_id)
        await record_audit(
            session,
            staff,
            "wecom.join_way_delete",
            f"wecom_join_way:{way_id}",
            {"config_id": config_id},
            origin,
        )

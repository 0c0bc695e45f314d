"""群发: a broadcast to customers through ``externalcontact/add_msg_template`` (chat_type
single), one call per staff member and 10000 customers, and its results from
``get_groupmsg_task`` / ``get_groupmsg_send_result``.

The daily cap (每位客户每天可接收 1 条, WeCom's own rule, kept by Shoplet so a merchant sees it
before WeCom silently drops a second one): a customer is claimed for the shop day by ``INSERT
… ON CONFLICT DO NOTHING RETURNING`` in the transaction that creates the broadcast, so of
broadcasts created at once each customer lands in exactly one. A call WeCom refuses gives its
customers back (their rows deleted), so another broadcast may still reach them that day.

客户群群发 (``target`` groups) is group_broadcasts.py; its results are fetched here with the
customers' (a template's ``chat_type`` says which).

No transaction is open during a call: the broadcast and its claims commit first, each call is
made with none open, and its msgid is written in a transaction of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction
from shoplet.core.impressions import shop_day
from shoplet.core.pagination import encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.integrations.wecom.client import (
    TEMPLATE_USERS_MAX,
    MiniProgram,
    UnknownMsg,
    WeComClient,
    WeComError,
)
from shoplet.modules.analytics import public as analytics
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.stores import public as stores
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    AudienceInvalid,
    BroadcastUnknown,
    CampaignInvalid,
    NoRecipients,
    OwnersInvalid,
    SegmentUnknown,
    StoreUnknown,
    TooManyRecipients,
)
from shoplet.modules.wecom.models import Broadcast, BroadcastMsg
from shoplet.modules.wecom.schemas import (
    BroadcastCreate,
    BroadcastMsgOut,
    BroadcastOut,
    BroadcastRecipientOut,
)
from shoplet.modules.wecom.service._common import (
    CAMPAIGN_PATTERN,
    appid_of,
    card_media_id,
    card_out,
    card_stored,
    check_card,
    check_text,
    make_state,
    wire_card,
)

log = structlog.get_logger("shoplet.wecom")

MAX_RECIPIENTS = 100_000
# WeCom's send_result status → Shoplet's.
RESULT_STATUS = {0: "pending", 1: "sent", 2: "not_friend", 3: "limited"}
RESULTS_BATCH = 50


def batches(
    recipients: list[tuple[str, str]], size: int = TEMPLATE_USERS_MAX
) -> list[tuple[str, list[str]]]:
    """(staff member, customers) per call: customers grouped by their staff member, each group
    cut into runs of at most ``size`` (WeCom's 10000 a call), in a stable order."""
    by_staff: dict[str, list[str]] = defaultdict(list)
    for external_userid, staff_userid in recipients:
        by_staff[staff_userid].append(external_userid)
    return [
        (staff_userid, users[start : start + size])
        for staff_userid, users in sorted(by_staff.items())
        for start in range(0, len(users), size)
    ]


async def audience_of(
    session: AsyncSession, body: BroadcastCreate
) -> tuple[list[int] | None, int | None, str | None]:
    """The audience's member ids (segment), store or campaign, or a ``wecom.*`` 400."""
    given = {
        "segment": body.segment_id is not None,
        "store": body.store_id is not None,
        "campaign": bool(body.campaign),
    }
    wanted = {k for k, v in given.items() if v}
    if wanted != ({body.audience} if body.audience != "all" else set()):
        raise AudienceInvalid(f"audience {body.audience} takes {body.audience}_id only")
    if body.audience == "segment" and body.segment_id is not None:
        member_ids = await analytics.audience_member_ids(session, segment_id=body.segment_id)
        if member_ids is None:
            raise SegmentUnknown(segment_id=body.segment_id)
        return list(member_ids), None, None
    if body.audience == "store" and body.store_id is not None:
        if not await stores.store_names(session, [body.store_id]):
            raise StoreUnknown(store_id=body.store_id)
        return None, body.store_id, None
    if body.audience == "campaign":
        if not CAMPAIGN_PATTERN.fullmatch(body.campaign or ""):
            raise CampaignInvalid()
        return None, None, body.campaign
    return None, None, None


async def broadcast_card(
    ctx: AppContext,
    client: WeComClient,
    stored: dict[str, Any] | None,
    *,
    state: str,
    now: datetime,
) -> tuple[MiniProgram | None, WeComError | None]:
    """The broadcast's card with a media id WeCom honours, or why its picture's upload failed."""
    try:
        media_id = await card_media_id(ctx, client, stored, now=now)
    except WeComError as exc:
        log.warning("wecom_card_upload_failed", errcode=exc.errcode, errmsg=exc.errmsg)
        return None, exc
    return wire_card(stored, media_id=media_id, appid=appid_of(ctx), state=state), None


async def create_customer_broadcast(
    ctx: AppContext,
    client: WeComClient,
    body: BroadcastCreate,
    *,
    staff: StaffIdentity,
    origin: Origin,
    now: datetime,
) -> BroadcastOut:
    """Compose and submit a 群发 to customers. 400 with nothing written: ``wecom.text_required`` /
    ``text_too_long`` / ``page_unknown`` / ``media_required`` / ``audience_invalid`` /
    ``segment_unknown`` / ``store_unknown`` / ``campaign_invalid`` / ``too_many_recipients`` /
    ``no_recipients`` (nobody in the audience, or everybody already reached today) /
    ``owners_invalid`` / ``picture_unknown``. The card's picture is uploaded to WeCom again
    first when its media id is about to expire; a refused upload fails every call of the
    broadcast."""
    check_text(body.text, required=True)
    if body.owners is not None:
        raise OwnersInvalid("owners choose groups: give them with target groups")
    async with read_session(ctx.sessionmaker) as session:
        await check_card(session, body.miniprogram)
        member_ids, store_id, campaign = await audience_of(session, body)
        audience = await repo.audience_contacts(
            session,
            member_ids=member_ids,
            store_id=store_id,
            campaign=campaign,
            limit=MAX_RECIPIENTS + 1,
        )
    if len(audience) > MAX_RECIPIENTS:
        raise TooManyRecipients(limit=MAX_RECIPIENTS)
    if not audience:
        raise NoRecipients("nobody in the audience")
    day = shop_day(now)
    async with short_transaction(ctx.sessionmaker) as session:
        broadcast = await repo.add_broadcast(
            session,
            {
                "audience": body.audience,
                "segment_id": body.segment_id,
                "store_id": store_id,
                "campaign": campaign,
                "text": body.text,
                "miniprogram": card_stored(body.miniprogram),
                "status": "sending",
                "day": day,
                "recipients": 0,
                "capped": 0,
                "created_by": staff.id,
                "created_at": now,
                "results_at": None,
            },
        )
        claimed = await repo.claim_quota(
            session, [u for u, _ in audience], day=day, broadcast_id=broadcast.id
        )
        if not claimed:
            # Rolls the broadcast back: nothing is written.
            raise NoRecipients("every customer of the audience was reached today")
        recipients = [(u, s) for u, s in audience if u in claimed]
        plan: list[tuple[int, str, list[str]]] = []
        for staff_userid, users in batches(recipients):
            msg = await repo.add_msg(
                session,
                {
                    "broadcast_id": broadcast.id,
                    "staff_userid": staff_userid,
                    "msgid": None,
                    "recipients": len(users),
                    "errcode": None,
                },
            )
            plan.append((msg.id, staff_userid, users))
            await repo.add_recipients(
                session,
                [
                    {
                        "broadcast_id": broadcast.id,
                        "msg_id": msg.id,
                        "external_userid": u,
                        "staff_userid": staff_userid,
                        "status": "pending",
                        "sent_at": None,
                    }
                    for u in users
                ],
            )
        broadcast.recipients = len(recipients)
        broadcast.capped = len(audience) - len(recipients)
        broadcast_id = broadcast.id
        await record_audit(
            session,
            staff,
            "wecom.broadcast_create",
            f"wecom_broadcast:{broadcast_id}",
            {
                "audience": body.audience,
                "recipients": len(recipients),
                "capped": broadcast.capped,
                "calls": len(plan),
            },
            origin,
        )
    card, card_error = await broadcast_card(
        ctx, client, card_stored(body.miniprogram), state=make_state(store_id, campaign), now=now
    )

    async def send(
        sender: str, users: list[str], card: MiniProgram | None
    ) -> tuple[str, list[str]]:
        return await client.add_msg_template(
            sender=sender, external_userids=users, text=body.text, miniprogram=card
        )

    async def give_back(session: AsyncSession, users: list[str]) -> None:
        await repo.set_recipients(
            session, broadcast_id=broadcast_id, external_userids=users, status="failed"
        )
        await repo.release_quota(session, users, day=day, broadcast_id=broadcast_id)

    return await submit(
        ctx, broadcast_id, plan, card=card, card_error=card_error, send=send, give_back=give_back
    )


async def submit(
    ctx: AppContext,
    broadcast_id: int,
    plan: Sequence[tuple[int, str, list[str]]],
    *,
    card: MiniProgram | None,
    card_error: WeComError | None,
    send: Callable[[str, list[str], MiniProgram | None], Awaitable[tuple[str, list[str]]]],
    give_back: Callable[[AsyncSession, list[str]], Awaitable[None]],
) -> BroadcastOut:
    """One ``add_msg_template`` per (message row, sender, targets) of ``plan``, with no
    transaction open during it; each answer recorded in a short transaction of its own, the
    targets WeCom refused (or all of them, when the call failed) handed to ``give_back`` to be
    marked failed and their daily claim released. The broadcast is ``submitted`` when one call
    went through, else ``failed``."""
    submitted = 0
    for msg_id, sender, targets in plan:
        msgid, failed, errcode = None, list(targets), None
        try:
            if card_error is not None:
                raise card_error
            msgid, failed = await send(sender, targets, card)
            submitted += 1
        except WeComError as exc:
            log.warning("wecom_broadcast_refused", errcode=exc.errcode, errmsg=exc.errmsg)
            errcode = exc.errcode
        async with short_transaction(ctx.sessionmaker) as session:
            await repo.update_msg(session, msg_id, msgid=msgid, errcode=errcode)
            await give_back(session, sorted(set(failed) & set(targets)))
    async with short_transaction(ctx.sessionmaker) as session:
        await repo.update_broadcast(
            session, broadcast_id, status="submitted" if submitted else "failed"
        )
    async with read_session(ctx.sessionmaker) as session:
        return await get_broadcast(session, broadcast_id)


async def _out(session: AsyncSession, broadcast: Broadcast) -> BroadcastOut:
    msgs = await repo.msgs_of(session, broadcast.id)
    is_groups = broadcast.target == "groups"
    return BroadcastOut(
        id=broadcast.id,
        target=broadcast.target,
        owners=list(broadcast.owners) if broadcast.owners is not None else None,
        audience=broadcast.audience,
        segment_id=broadcast.segment_id,
        store_id=broadcast.store_id,
        campaign=broadcast.campaign,
        text=broadcast.text,
        miniprogram=await card_out(session, broadcast.miniprogram),
        status=broadcast.status,
        day=broadcast.day,
        recipients=broadcast.recipients,
        capped=broadcast.capped,
        counts=await (repo.chat_counts if is_groups else repo.recipient_counts)(
            session, broadcast.id
        ),
        msgs=[BroadcastMsgOut.model_validate(m) for m in msgs],
        created_at=broadcast.created_at,
        results_at=broadcast.results_at,
    )


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> BroadcastOut:
    broadcast = await repo.get_broadcast(session, broadcast_id)
    if broadcast is None:
        raise BroadcastUnknown(broadcast_id=broadcast_id)
    return await _out(session, broadcast)


async def list_broadcasts(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Page[BroadcastOut]:
    rows = await repo.list_broadcasts(session, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    return Page[BroadcastOut](
        items=[await _out(session, b) for b in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def list_recipients(
    session: AsyncSession, broadcast_id: int, *, before_id: int | None, limit: int
) -> Page[BroadcastRecipientOut]:
    if await repo.get_broadcast(session, broadcast_id) is None:
        raise BroadcastUnknown(broadcast_id=broadcast_id)
    rows = await repo.list_recipients(session, broadcast_id, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    return Page[BroadcastRecipientOut](
        items=[BroadcastRecipientOut.model_validate(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def _msg_results(client: WeComClient, msg: BroadcastMsg) -> dict[str, tuple[str, int]]:
    """external_userid (a group template: chat_id) → (status, send time) for a template its
    staff member has sent ({} while they have not)."""
    assert msg.msgid is not None  # noqa: S101  (open_msgs selects only msgids)
    sent, cursor = False, ""
    while True:
        tasks, cursor = await client.get_groupmsg_task(msg.msgid, cursor=cursor)
        sent = sent or any(t.userid == msg.staff_userid and t.status == 2 for t in tasks)
        if not cursor:
            break
    if not sent:
        return {}
    results: dict[str, tuple[str, int]] = {}
    cursor = ""
    while True:
        rows, cursor = await client.get_groupmsg_send_result(
            msg.msgid, msg.staff_userid, cursor=cursor
        )
        for row in rows:
            key = row.chat_id if msg.chat_type == "group" else row.external_userid
            if key:
                results[key] = (RESULT_STATUS.get(row.status, "pending"), row.send_time)
        if not cursor:
            return results


async def fetch_results(ctx: AppContext, client: WeComClient, *, now: datetime) -> int:
    """Record the results of every template still open: how many templates changed. A
    template is final once its staff member sent it and no customer is still pending."""
    async with read_session(ctx.sessionmaker) as session:
        msgs = await repo.open_msgs(session, limit=RESULTS_BATCH)
    changed = 0
    for msg in msgs:
        try:
            results = await _msg_results(client, msg)
        except UnknownMsg:
            results, final = {}, True
        except WeComError as exc:
            log.warning("wecom_broadcast_results_failed", errcode=exc.errcode, msgid=msg.msgid)
            continue
        else:
            final = bool(results) and all(s != "pending" for s, _ in results.values())
        by_status: dict[tuple[str, int], list[str]] = defaultdict(list)
        for user, (status, send_time) in results.items():
            if status != "pending":
                by_status[status, send_time].append(user)
        async with short_transaction(ctx.sessionmaker) as session:
            for (status, send_time), users in sorted(by_status.items()):
                sent_at = datetime.fromtimestamp(send_time, now.tzinfo) if send_time else None
                if msg.chat_type == "group":
                    await repo.set_chats(
                        session,
                        broadcast_id=msg.broadcast_id,
                        chat_ids=sorted(users),
                        status=status,
                        sent_at=sent_at,
                        only_pending=True,
                    )
                    continue
                await repo.set_recipients(
                    session,
                    broadcast_id=msg.broadcast_id,
                    external_userids=sorted(users),
                    status=status,
                    sent_at=sent_at,
                    only_pending=True,
                )
            await repo.update_msg(session, msg.id, is_sent=bool(results), is_final=final)
            await repo.update_broadcast(session, msg.broadcast_id, results_at=now)
        changed += 1
    return changed


async def refresh_broadcast(
    ctx: AppContext, client: WeComClient, broadcast_id: int, *, now: datetime
) -> BroadcastOut:
    """Fetch the results now (the job does it every five minutes)."""
    async with read_session(ctx.sessionmaker) as session:
        if await repo.get_broadcast(session, broadcast_id) is None:
            raise BroadcastUnknown(broadcast_id=broadcast_id)
    await fetch_results(ctx, client, now=now)
    async with read_session(ctx.sessionmaker) as session:
        return await get_broadcast(session, broadcast_id)

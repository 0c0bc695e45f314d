"""客户群群发: a broadcast to customer groups (``target`` groups) through
``externalcontact/add_msg_template`` with chat_type group.

The groups are those Shoplet recorded (groups.py), chosen by owner and/or by the store or
campaign of the join way that lists them; one call per owner and 2000 groups (``sender`` the
owner, ``chat_id_list`` the groups: WeCom would otherwise send to every group the owner has).
A group receives at most one group 群发 a day (WeCom's rule): claimed per chat id and shop day
by ``INSERT … ON CONFLICT DO NOTHING RETURNING`` in the transaction that creates the
broadcast, so of broadcasts created at once each group lands in exactly one; a call WeCom
refuses gives its groups back. No transaction is open during a call. The results come from the
same job as the customers' (broadcasts.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, short_transaction
from shoplet.core.impressions import shop_day
from shoplet.core.pagination import encode_id_cursor
from shoplet.core.schemas import Page
from shoplet.integrations.wecom.client import TEMPLATE_CHATS_MAX, MiniProgram, WeComClient
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    AudienceInvalid,
    BroadcastUnknown,
    NoRecipients,
    OwnersInvalid,
    TooManyRecipients,
)
from shoplet.modules.wecom.schemas import BroadcastCreate, BroadcastGroupOut, BroadcastOut
from shoplet.modules.wecom.service._common import (
    card_stored,
    check_card,
    check_text,
    make_state,
)
from shoplet.modules.wecom.service.broadcasts import (
    audience_of,
    batches,
    broadcast_card,
    create_customer_broadcast,
    submit,
)

MAX_GROUPS = 10_000


async def create_broadcast(
    ctx: AppContext,
    client: WeComClient,
    body: BroadcastCreate,
    *,
    staff: StaffIdentity,
    origin: Origin,
    now: datetime,
) -> BroadcastOut:
    """Compose and submit a 群发 to customers or to customer groups (``target``). 400 with
    nothing written: ``wecom.text_required`` / ``text_too_long`` / ``page_unknown`` /
    ``media_required`` / ``audience_invalid`` / ``segment_unknown`` / ``store_unknown`` /
    ``campaign_invalid`` / ``owners_invalid`` / ``too_many_recipients`` / ``no_recipients``
    (nobody in the audience, or everybody already reached today)."""
    if body.target == "groups":
        return await create_group_broadcast(ctx, client, body, staff=staff, origin=origin, now=now)
    return await create_customer_broadcast(ctx, client, body, staff=staff, origin=origin, now=now)


async def _group_audience(
    session: AsyncSession, body: BroadcastCreate
) -> tuple[list[str] | None, int | None, str | None]:
    """The owners, store and campaign of a group 群发, or a ``wecom.*`` 400."""
    owners = None
    if body.owners is not None:
        owners = list(dict.fromkeys(body.owners))
        if not owners or len(owners) != len(body.owners):
            raise OwnersInvalid()
    if body.audience == "segment" or body.segment_id is not None:
        raise AudienceInvalid("a broadcast to groups takes all, a store or a campaign")
    _, store_id, campaign = await audience_of(session, body)
    return owners, store_id, campaign


async def create_group_broadcast(
    ctx: AppContext,
    client: WeComClient,
    body: BroadcastCreate,
    *,
    staff: StaffIdentity,
    origin: Origin,
    now: datetime,
) -> BroadcastOut:
    """客户群群发: one ``add_msg_template`` (chat_type group) per owner and 2000 groups, each
    group claimed for the shop day first (at most one group 群发 a day)."""
    check_text(body.text, required=True)
    async with read_session(ctx.sessionmaker) as session:
        await check_card(session, body.miniprogram)
        owners, store_id, campaign = await _group_audience(session, body)
        groups = await repo.audience_groups(
            session, owners=owners, store_id=store_id, campaign=campaign, limit=MAX_GROUPS + 1
        )
    if len(groups) > MAX_GROUPS:
        raise TooManyRecipients(limit=MAX_GROUPS)
    if not groups:
        raise NoRecipients("no customer group in the audience")
    day = shop_day(now)
    async with short_transaction(ctx.sessionmaker) as session:
        broadcast = await repo.add_broadcast(
            session,
            {
                "target": "groups",
                "owners": owners,
                "audience": body.audience,
                "segment_id": None,
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
        claimed = await repo.claim_group_quota(
            session, [g.chat_id for g in groups], day=day, broadcast_id=broadcast.id
        )
        if not claimed:
            # Rolls the broadcast back: nothing is written.
            raise NoRecipients("every group of the audience received a 群发 today")
        chosen = [g for g in groups if g.chat_id in claimed]
        names = {g.chat_id: g.name for g in chosen}
        plan: list[tuple[int, str, list[str]]] = []
        for owner, chat_ids in batches(
            [(g.chat_id, g.owner) for g in chosen], size=TEMPLATE_CHATS_MAX
        ):
            msg = await repo.add_msg(
                session,
                {
                    "broadcast_id": broadcast.id,
                    "staff_userid": owner,
                    "chat_type": "group",
                    "msgid": None,
                    "recipients": len(chat_ids),
                    "errcode": None,
                },
            )
            plan.append((msg.id, owner, chat_ids))
            await repo.add_chats(
                session,
                [
                    {
                        "broadcast_id": broadcast.id,
                        "msg_id": msg.id,
                        "chat_id": c,
                        "name": names[c],
                        "owner": owner,
                        "status": "pending",
                        "sent_at": None,
                    }
                    for c in chat_ids
                ],
            )
        broadcast.recipients = len(chosen)
        broadcast.capped = len(groups) - len(chosen)
        broadcast_id = broadcast.id
        await record_audit(
            session,
            staff,
            "wecom.broadcast_create",
            f"wecom_broadcast:{broadcast_id}",
            {
                "target": "groups",
                "audience": body.audience,
                "owners": owners,
                "groups": len(chosen),
                "capped": broadcast.capped,
                "calls": len(plan),
            },
            origin,
        )
    card, card_error = await broadcast_card(
        ctx, client, card_stored(body.miniprogram), state=make_state(store_id, campaign), now=now
    )

    async def send(
        sender: str, chats: list[str], card: MiniProgram | None
    ) -> tuple[str, list[str]]:
        return await client.add_group_msg_template(
            sender=sender, chat_ids=chats, text=body.text, miniprogram=card
        )

    async def give_back(session: AsyncSession, chats: list[str]) -> None:
        await repo.set_chats(session, broadcast_id=broadcast_id, chat_ids=chats, status="failed")
        await repo.release_group_quota(session, chats, day=day, broadcast_id=broadcast_id)

    return await submit(
        ctx, broadcast_id, plan, card=card, card_error=card_error, send=send, give_back=give_back
    )


async def list_broadcast_groups(
    session: AsyncSession, broadcast_id: int, *, before_id: int | None, limit: int
) -> Page[BroadcastGroupOut]:
    """The groups of a group 群发 and each one's result (none for a broadcast to customers)."""
    if await repo.get_broadcast(session, broadcast_id) is None:
        raise BroadcastUnknown(broadcast_id=broadcast_id)
    rows = await repo.list_chats(session, broadcast_id, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    return Page[BroadcastGroupOut](
        items=[BroadcastGroupOut.model_validate(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )

"""Subscribe messages: the merchant's templates, shoppers' accepts as credits, and sending.

A send is two short transactions around WeChat's call (never a transaction held across it):

1. claim the pending row (``pending → sending``, conditional), build the data from the event's
   values through the template's field mapping, check every value against WeChat's rule for
   its type (a value WeChat would refuse is recorded ``field_invalid`` with a stable reason and
   logged — never cut, no credit spent), find the openid, spend one credit (conditional
   ``UPDATE … WHERE credits > 0``: none left → ``no_credit``);
2. after the call, record WeChat's answer: 0 ``sent``; 43101 ``refused`` (the credit stays
   spent: WeChat has no subscription for it); 47003 ``params_invalid`` (no retry); 40037
   ``template_invalid`` and the template is disabled with a console notice; anything else
   ``failed``. Where WeChat did not spend the accept (47003, 40037, failures) the credit comes
   back. 40001/42001 are the client's (a fresh token, one retry).

A worker holds a ``sending`` row for ``LEASE`` from its claim; the send job first reclaims rows
whose lease ran out (a crashed worker), giving their credit back, and a late finish of the
crashed worker's call no longer matches (its ``claimed_at`` token is gone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.subscribe import (
    INVALID_PARAMS,
    INVALID_TEMPLATE,
    USER_REFUSED,
    FieldInvalid,
    SubscribeMessage,
    SubscribeSendError,
    check_data,
    field_type,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.notification import official_account as oa
from shoplet.modules.notification import repository as repo
from shoplet.modules.notification.errors import (
    FieldTypeUnknown,
    SourceUnknown,
    SubjectUnknown,
    TemplateUnknown,
)
from shoplet.modules.notification.models import (
    NotificationSend,
    NotificationTemplate,
)
from shoplet.modules.notification.schemas import PriceDropReminder, PriceDropReminders

log = structlog.get_logger("shoplet.notification")

INTEGRATIONS_KEY = "notification.integrations"
# How long a worker holds a ``sending`` row before another may reclaim it, and how many claims
# a send gets before it is given up (a message that crashes its worker every time).
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 3
# A subscribe message that could not be sent for want of an accept or a mini-program openid.
NO_SUBSCRIPTION = ("no_credit", "no_openid")
_SHANGHAI = ZoneInfo("Asia/Shanghai")

# The values each event carries, for the console's field mapping.
SOURCES: dict[str, tuple[str, ...]] = {
    "payment_success": ("order_no", "amount", "paid_at", "status"),
    "shipped": ("order_no", "carrier", "tracking_no", "item_desc", "shipped_at", "status"),
    "groupbuy_result": ("order_no", "product_name", "result", "status"),
    "price_drop": ("product_name", "price", "old_price"),
    "back_in_stock": ("product_name", "status"),
    "points_expiring": ("points", "expires_at", "balance"),
    "live_start": ("live_title", "anchor_name", "start_time"),
    "challenge_prize": ("challenge_name", "prize", "settled_at"),
}


def install(ctx: AppContext, integrations: Integrations) -> None:
    ctx.extras[INTEGRATIONS_KEY] = integrations


# WeChat's ``thing`` holds 20 characters: the longest a product name may be in a message.
THING_MAX = 20


def shorten(text: str, limit: int = THING_MAX) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (a product name into a thing):
    the sender shortens what WeChat allows shortened, the checker never cuts."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def shown_time(at: datetime) -> str:
    local = at.astimezone(_SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


# -- console ---------------------------------------------------------------------------------


async def list_templates(session: AsyncSession) -> list[NotificationTemplate]:
    return list(await repo.list_templates(session))


async def save_template(
    session: AsyncSession,
    *,
    event: str,
    template_id: str,
    page: str,
    fields: dict[str, str],
    is_enabled: bool,
) -> NotificationTemplate:
    for key, source in fields.items():
        if field_type(key) is None:
            raise FieldTypeUnknown(f"{key} names no WeChat type", key=key)
        if source not in SOURCES[event]:
            raise SourceUnknown(f"{event} carries {', '.join(SOURCES[event])}", key=key)
    await repo.upsert_template(
        session,
        {
            "event": event,
            "template_id": template_id,
            "page": page,
            "fields": fields,
            "is_enabled": is_enabled,
            "disabled_reason": None,
            "updated_at": utcnow(),
        },
    )
    await session.flush()
    found = await repo.template_for(session, event)
    if found is None:  # pragma: no cover - the upsert above wrote it
        raise SourceUnknown(event=event)
    await session.refresh(found)
    return found


async def list_sends(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[NotificationSend]:
    return list(await repo.list_sends(session, status=status, before_id=before_id, limit=limit))


# -- shoppers --------------------------------------------------------------------------------


async def record_answers(
    session: AsyncSession,
    *,
    member_id: int,
    answers: dict[str, str],
    subjects: dict[str, tuple[str, int | None]] | None = None,
) -> dict[str, int]:
    """The storefront's ``requestSubscribeMessage`` results: each 'accept' is one credit for
    that template; 'reject' and 'ban' are counted. Only the shop's enabled templates count.
    ``subjects``: per event, the subject (and price) an accept of its template is for
    (``subject_for``); other templates' accepts are for any occasion."""
    await members.hold_member(session, member_id)
    templates = {t.template_id: t.event for t in await repo.list_templates(session) if t.is_enabled}
    for template_id in answers:
        if template_id not in templates:
            raise TemplateUnknown(template_id=template_id)
    now = utcnow()
    for template_id, answer in sorted(answers.items()):
        if answer in ("accept", "reject", "ban"):
            subject, price = (subjects or {}).get(templates[template_id], ("", None))
            await repo.add_answer(
                session,
                member_id=member_id,
                template_id=template_id,
                accepted=answer == "accept",
                now=now,
                subject=subject,
                price=price,
            )
    return await repo.credits_of(session, member_id)


async def enqueue(
    session: AsyncSession,
    *,
    event: str,
    member_id: int,
    ref: str,
    values: dict[str, str],
    subject: str = "",
) -> bool:
    """Record one pending send for an event occurrence (idempotent on ``(event, member,
    ref)``); nothing when the event has no enabled template. ``subject``: the credit it spends
    (a SKU's 到货提醒, a product's 降价提醒; "" for any occasion). With no subscribe template,
    a follower of the 公众号 gets its template message when the event has one."""
    template = await repo.template_for(session, event)
    if template is None or not template.is_enabled:
        return await oa.enqueue(session, event=event, member_id=member_id, ref=ref, values=values)
    return await repo.enqueue_send(
        session,
        {
            "event": event,
            "member_id": member_id,
            "ref": ref[:64],
            "values": values,
            "subject": subject,
            "status": "pending",
            "template_id": template.template_id,
            "created_at": utcnow(),
        },
    )


# -- waiting shoppers: 到货提醒 and 降价提醒 -----------------------------------------------------


async def _on_sale_product(session: AsyncSession, product_id: int) -> tuple[str, int] | None:
    """(title, lowest price of its active SKUs) of a product on sale; None otherwise."""
    try:
        product = await catalog.get_product_admin(session, product_id)
    except catalog.ProductNotFound:
        return None
    prices = [sku.price for sku in product.skus if sku.is_active]
    if product.status != "on_sale" or not prices:
        return None
    return product.title, min(prices)


async def subjects_for(
    session: AsyncSession, *, sku_id: int | None, product_id: int | None
) -> dict[str, tuple[str, int | None]]:
    """What an accept on a product page is for: ``sku_id`` makes a 到货提醒 accept that SKU's
    (``sku:<id>``), ``product_id`` a 降价提醒 accept that product's at its lowest price now
    (``product:<id>``). 400 ``notification.subject_unknown`` for a SKU or product not on sale."""
    subjects: dict[str, tuple[str, int | None]] = {}
    if sku_id is not None:
        if sku_id not in await catalog.get_sku_snapshots(session, [sku_id]):
            raise SubjectUnknown(f"SKU {sku_id} does not exist", sku_id=sku_id)
        subjects["back_in_stock"] = (f"sku:{sku_id}", None)
    if product_id is not None:
        found = await _on_sale_product(session, product_id)
        if found is None:
            raise SubjectUnknown(f"product {product_id} is not on sale", product_id=product_id)
        subjects["price_drop"] = (f"product:{product_id}", found[1])
    return subjects


PRODUCT_SUBJECT = "product:"


async def price_drop_reminders(session: AsyncSession, *, member_id: int) -> PriceDropReminders:
    """The products the shopper holds a 降价提醒 credit for (收藏's toggles), and whether the
    shop sends 降价提醒 at all (an enabled template)."""
    template = await repo.template_for(session, "price_drop")
    if template is None or not template.is_enabled:
        return PriceDropReminders(offered=False, items=[])
    rows = await repo.subject_credits(
        session, member_id=member_id, template_id=template.template_id, prefix=PRODUCT_SUBJECT
    )
    items = []
    for subject, price in rows:
        product_id = subject.removeprefix(PRODUCT_SUBJECT)
        if product_id.isdigit():
            items.append(PriceDropReminder(product_id=int(product_id), price=price))
    return PriceDropReminders(offered=True, items=items)


async def cancel_price_drop(
    session: AsyncSession, *, member_id: int, product_id: int
) -> PriceDropReminders:
    """Turn a product's 降价提醒 off: its unspent accepts are not used (idempotent)."""
    template = await repo.template_for(session, "price_drop")
    if template is not None:
        await repo.drop_credits(
            session,
            member_id=member_id,
            template_id=template.template_id,
            subject=f"{PRODUCT_SUBJECT}{product_id}",
            now=utcnow(),
        )
    return await price_drop_reminders(session, member_id=member_id)


async def notify_restocked(session: AsyncSession, *, sku_id: int) -> int:
    """A sold-out SKU has sellable stock again: one 到货提醒 per shopper waiting for it. The
    ref is the SKU and the shopper's accept count, so a restock handled twice (or by two
    workers) records one send, and a shopper is messaged once per accept. Sends recorded."""
    template = await repo.template_for(session, "back_in_stock")
    if template is None or not template.is_enabled:
        return 0
    subject = f"sku:{sku_id}"
    waiting = await repo.waiting(session, template_id=template.template_id, subject=subject)
    snapshot = (await catalog.get_sku_snapshots(session, [sku_id])).get(sku_id) if waiting else None
    if snapshot is None:
        return 0
    recorded = 0
    for member_id, accepts, _ in waiting:
        recorded += await enqueue(
            session,
            event="back_in_stock",
            member_id=member_id,
            ref=f"{subject}:{accepts}",
            values={"product_name": shorten(snapshot.product_title), "status": "已到货"},
            subject=subject,
        )
    return recorded


async def notify_price_changed(session: AsyncSession, *, product_id: int) -> int:
    """A product was repriced: one 降价提醒 per shopper who accepted it at a price above its
    lowest price now (once per accept, as :func:`notify_restocked`). Sends recorded."""
    template = await repo.template_for(session, "price_drop")
    if template is None or not template.is_enabled:
        return 0
    found = await _on_sale_product(session, product_id)
    if found is None:
        return 0
    title, lowest = found
    subject = f"product:{product_id}"
    recorded = 0
    for member_id, accepts, price in await repo.waiting(
        session, template_id=template.template_id, subject=subject, above_price=lowest
    ):
        recorded += await enqueue(
            session,
            event="price_drop",
            member_id=member_id,
            ref=f"{subject}:{accepts}",
            values={
                "product_name": shorten(title),
                "price": yuan(lowest),
                "old_price": yuan(price or 0),
            },
            subject=subject,
        )
    return recorded


# -- campaigns -------------------------------------------------------------------------------


async def enabled_template(session: AsyncSession, event: str) -> tuple[str, dict[str, str]] | None:
    """The WeChat template id of an event and its field mapping (key → the value's name), or
    None when the event has no template or it is disabled."""
    template = await repo.template_for(session, event)
    if template is None or not template.is_enabled:
        return None
    return template.template_id, {str(k): str(v) for k, v in template.fields.items()}


async def credit_holders(
    session: AsyncSession, template_id: str, member_ids: Sequence[int]
) -> set[int]:
    """Which of ``member_ids`` hold at least one unspent accept of ``template_id``."""
    return await repo.credit_holders(session, template_id, member_ids)


def check_fields(data: Mapping[str, str]) -> None:
    """WeChat's limits on a message's values (:class:`FieldInvalid` with the key and the
    reason: ``unknown_type``, ``empty``, ``too_long``, ``bad_format``)."""
    check_data(data)


# -- sending ---------------------------------------------------------------------------------


def _client(ctx: AppContext) -> Any:
    found = ctx.extras.get(INTEGRATIONS_KEY)
    return found.subscribe_messages if isinstance(found, Integrations) else None


async def _prepare(
    session: AsyncSession, send: NotificationSend
) -> tuple[SubscribeMessage | None, dict[str, Any]]:
    """The message to send (a credit spent), or None and the row's final values."""
    template = await repo.template_for(session, send.event)
    if template is None or not template.is_enabled:
        return None, {"status": "template_invalid", "error": "notification.template_disabled"}
    try:
        data = {}
        for key, source in template.fields.items():
            value = send.values.get(source)
            if not isinstance(value, str):
                raise FieldInvalid(key, "missing")
            data[key] = value
        check_data(data)
    except FieldInvalid as exc:
        log.warning("notification_field_invalid", send_id=send.id, key=exc.key, reason=exc.reason)
        return None, {
            "status": "field_invalid",
            "template_id": template.template_id,
            "error": f"notification.field_{exc.reason}:{exc.key}",
        }
    openid = await members.get_wechat_openid(session, send.member_id)
    if openid is None:
        return None, {"status": "no_openid", "template_id": template.template_id}
    claimed = await repo.claim_credit(
        session, member_id=send.member_id, template_id=template.template_id, subject=send.subject
    )
    if not claimed:
        return None, {"status": "no_credit", "template_id": template.template_id}
    message = SubscribeMessage(
        touser=openid, template_id=template.template_id, data=data, page=template.page
    )
    return message, {"template_id": template.template_id}


async def deliver_one(ctx: AppContext, send_id: int) -> str | None:
    """Send one pending message; its final status (None: another worker has it)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        send = await repo.claim_send(session, send_id, utcnow())
        if send is None or send.claimed_at is None:
            return None
        member_id, lease, subject = send.member_id, send.claimed_at, send.subject
        message, outcome = await _prepare(session, send)
        if message is None:
            await repo.finish_send(session, send_id, lease, outcome)
            if outcome["status"] in NO_SUBSCRIPTION:
                # A follower of the 公众号 gets its template message instead (once).
                await oa.enqueue(
                    session, event=send.event, member_id=member_id, ref=send.ref, values=send.values
                )
            return str(outcome["status"])
        await repo.finish_send(session, send_id, lease, {"template_id": message.template_id})
    result = await _call(ctx, message, send_id)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        if result["status"] == "sent":
            result["sent_at"] = now
        if not await repo.finish_send(session, send_id, lease, result):
            # The lease ran out and the row was reclaimed (its credit given back there).
            log.warning("notification_send_lease_lost", send_id=send_id, status=result["status"])
            return None
        if result["status"] != "sent" and result["status"] != "refused":
            await repo.refund_credit(
                session, member_id=member_id, template_id=message.template_id, subject=subject
            )
        if result["status"] == "template_invalid":
            await repo.disable_template(
                session, message.template_id, "微信返回 40037：模板 ID 无效，已停用", now
            )
    return str(result["status"])


async def _call(ctx: AppContext, message: SubscribeMessage, send_id: int) -> dict[str, Any]:
    client = _client(ctx)
    if client is None:
        return {"status": "failed", "error": "notification.not_configured"}
    try:
        msgid = await client.send(message)
    except FieldInvalid as exc:  # pragma: no cover - checked in _prepare
        return {"status": "field_invalid", "error": f"notification.field_{exc.reason}:{exc.key}"}
    except SubscribeSendError as exc:
        log.warning("notification_send_refused", send_id=send_id, errcode=exc.errcode)
        status = {
            USER_REFUSED: "refused",
            INVALID_PARAMS: "params_invalid",
            INVALID_TEMPLATE: "template_invalid",
        }.get(exc.errcode, "failed")
        return {"status": status, "errcode": exc.errcode, "error": exc.errmsg[:200]}
    return {"status": "sent", "errcode": 0, "msgid": str(msgid) if msgid is not None else None}


async def due_sends(session: AsyncSession, limit: int) -> list[int]:
    return await repo.pending_ids(session, limit)


async def reclaim_stuck(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Sends a crashed worker left ``sending`` for longer than ``LEASE``: back to ``pending``
    (``failed`` with ``notification.lease_expired`` after ``MAX_ATTEMPTS`` claims), and the
    credit their claim spent comes back (WeChat's answer is unknown: the retry may reach a
    shopper twice, or be refused 43101 when WeChat had spent the accept). Each row is
    reclaimed by one worker only (one conditional UPDATE)."""
    rows = await repo.reclaim_stuck(
        session,
        claimed_before=(now or utcnow()) - LEASE,
        max_attempts=MAX_ATTEMPTS,
        error="notification.lease_expired",
    )
    for send_id, member_id, template_id, status, subject in rows:
        log.warning("notification_send_reclaimed", send_id=send_id, status=status)
        if template_id is not None:
            await repo.refund_credit(
                session, member_id=member_id, template_id=template_id, subject=subject
            )
    return [row[0] for row in rows]

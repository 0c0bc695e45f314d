"""The points mall: items the merchant puts on offer, and exchanges.

An exchange is one transaction (the request's ``DbSession``), in this order: the exchange row
(unique per shopper and request id: a retry finds the first one), a unit of the mall's stock
(conditional UPDATE), the shopper's limit (conditional counter), the points (loyalty's ledger,
never below 0), then the coupon (``promotions.issue``) or the order (``orders.create_order``
with the SKU's stock held, ``source = "pointsmall"``). Any refusal rolls all of it back.

Goods: the order's lines carry the cash price; the points are spent on the order
(``loyalty.spend``, ref ``order:<no>``) so they come back on cancel, timeout and full refund
exactly like points used at checkout. An order with nothing to pay is paid at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import (
    InvalidCursor,
    decode_cursor,
    decode_id_cursor,
    encode_cursor,
    encode_id_cursor,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.pointsmall import events as ev
from shoplet.modules.pointsmall import repository as repo
from shoplet.modules.pointsmall.errors import (
    AddressRequired,
    CouponNotIssued,
    InvalidItem,
    ItemNotFound,
    LimitReached,
    NotOnSale,
    RequestConflict,
    SoldOut,
)
from shoplet.modules.pointsmall.models import MallExchange, MallItem
from shoplet.modules.pointsmall.schemas import (
    Exchange,
    ExchangeCreate,
    MallCard,
    MallItemWrite,
)
from shoplet.modules.pointsmall.schemas import MallItem as MallItemView
from shoplet.modules.promotions import public as promotions

CHINA = ZoneInfo("Asia/Shanghai")
SOURCE = "pointsmall"

# -- items (console) -------------------------------------------------------------------------


def item_state(item: MallItem, now: datetime) -> str:
    if item.status != "on_sale":
        return "off_sale"
    if item.starts_at is not None and now < item.starts_at:
        return "upcoming"
    if item.ends_at is not None and now >= item.ends_at:
        return "ended"
    if item.sold >= item.stock:
        return "sold_out"
    return "on_sale"


def item_view(item: MallItem, now: datetime) -> MallItemView:
    return MallItemView.model_validate(
        {
            **{c: getattr(item, c) for c in MallItem.__table__.columns.keys()},  # noqa: SIM118
            "left": item.stock - item.sold,
            "state": item_state(item, now),
        }
    )


async def _check_item(session: AsyncSession, body: MallItemWrite) -> None:
    """400 ``pointsmall.invalid_item`` (or the target's 404) for what cannot be offered."""
    if body.starts_at is not None and body.ends_at is not None and body.ends_at <= body.starts_at:
        raise InvalidItem("ends_at must be after starts_at", field="ends_at")
    if body.kind == "coupon":
        if body.template_id is None or body.sku_id is not None:
            raise InvalidItem(
                "a coupon item names a template_id and no sku_id", field="template_id"
            )
        if body.cash_price != 0:
            raise InvalidItem("coupon items are exchanged for points only", field="cash_price")
        await promotions.get_template(session, body.template_id)
        return
    if body.sku_id is None or body.template_id is not None:
        raise InvalidItem("a product item names a sku_id and no template_id", field="sku_id")
    snapshot = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snapshot is None:
        raise InvalidItem(f"SKU {body.sku_id} does not exist", field="sku_id")


def _write_values(body: MallItemWrite) -> dict[str, Any]:
    return body.model_dump()


async def create_item(session: AsyncSession, body: MallItemWrite) -> MallItemView:
    """A new item, as a draft (put it on sale with :func:`set_status`)."""
    await _check_item(session, body)
    now = utcnow()
    item_id = await repo.insert_item(
        session,
        {**_write_values(body), "sold": 0, "status": "draft", "created_at": now, "updated_at": now},
    )
    return await get_item(session, item_id)


async def update_item(session: AsyncSession, item_id: int, body: MallItemWrite) -> MallItemView:
    """Replace an item's terms. Its kind and target stay once units were exchanged, and the
    stock may not go below what was exchanged (400 ``pointsmall.invalid_item``)."""
    item = await _item(session, item_id)
    await _check_item(session, body)
    if item.sold and (body.kind, body.template_id, body.sku_id) != (
        item.kind,
        item.template_id,
        item.sku_id,
    ):
        raise InvalidItem("the target cannot change once exchanged", field="kind")
    values = {**_write_values(body), "updated_at": utcnow()}
    if not await repo.update_item(session, item_id, values, min_stock=True):
        raise InvalidItem(f"{item.sold} already exchanged: stock below that", field="stock")
    return await get_item(session, item_id)


async def set_status(session: AsyncSession, item_id: int, status: str) -> MallItemView:
    await _item(session, item_id)
    await repo.update_item(session, item_id, {"status": status, "updated_at": utcnow()})
    return await get_item(session, item_id)


async def _item(session: AsyncSession, item_id: int) -> MallItem:
    item = await repo.get_item(session, item_id)
    if item is None:
        raise ItemNotFound(item_id=item_id)
    return item


async def get_item(session: AsyncSession, item_id: int) -> MallItemView:
    return item_view(await _item(session, item_id), utcnow())


def _decode_after(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    sort, item_id = decode_cursor(cursor, length=2)
    if not isinstance(sort, int) or not isinstance(item_id, int):
        raise InvalidCursor("cursor is not one this API issued")
    return sort, item_id


async def list_items(
    session: AsyncSession, *, statuses: Sequence[str] | None, cursor: str | None, limit: int
) -> tuple[list[MallItemView], str | None]:
    rows = await repo.list_items(
        session, statuses=statuses, after=_decode_after(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    next_cursor = encode_cursor([page[-1].sort, page[-1].id]) if len(rows) > limit else None
    now = utcnow()
    return [item_view(i, now) for i in page], next_cursor


# -- the shop --------------------------------------------------------------------------------


async def _cards(session: AsyncSession, items: Sequence[MallItem]) -> list[MallCard]:
    """Goods without their own image show their SKU's."""
    sku_ids = [i.sku_id for i in items if i.sku_id is not None and not i.image]
    snapshots = await catalog.get_sku_snapshots(session, sku_ids) if sku_ids else {}
    now = utcnow()
    cards = []
    for item in items:
        image = item.image
        if not image and item.sku_id is not None and item.sku_id in snapshots:
            image = snapshots[item.sku_id].image
        cards.append(
            MallCard(
                id=item.id,
                title=item.title,
                image=image,
                kind=item.kind,  # type: ignore[arg-type]
                points_price=item.points_price,
                cash_price=item.cash_price,
                left=item.stock - item.sold,
                per_member_limit=item.per_member_limit,
                limit_period=item.limit_period,  # type: ignore[arg-type]
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                free_shipping=item.free_shipping,
                state=item_state(item, now),  # type: ignore[arg-type]
            )
        )
    return cards


async def shop_items(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[MallCard], str | None]:
    """Items on sale (upcoming and sold out included, ended ones left out), by sort."""
    rows = await repo.list_items(
        session,
        statuses=["on_sale"],
        after=_decode_after(cursor),
        limit=limit + 1,
        open_at=utcnow(),
    )
    page = list(rows[:limit])
    next_cursor = encode_cursor([page[-1].sort, page[-1].id]) if len(rows) > limit else None
    return await _cards(session, page), next_cursor


async def shop_item(session: AsyncSession, item_id: int) -> MallCard:
    item = await _item(session, item_id)
    if item.status == "draft":
        raise ItemNotFound(item_id=item_id)
    return (await _cards(session, [item]))[0]


# -- exchanging ------------------------------------------------------------------------------


def period_key(period: str, now: datetime) -> str:
    """The usage counter an exchange at ``now`` counts in (Asia/Shanghai calendar)."""
    local = now.astimezone(CHINA)
    if period == "day":
        return f"{local:%Y-%m-%d}"
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local:%Y-%m}"
    return "total"


def exchange_view(row: MallExchange) -> Exchange:
    return Exchange.model_validate(row)


def _number(now: datetime) -> str:
    return f"PM{now.astimezone(CHINA):%Y%m%d}{secrets.randbelow(10**10):010d}"


def _request_hash(item_id: int, body: ExchangeCreate) -> str:
    text = f"{item_id}:{body.quantity}:{body.address_id}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def _replay(
    session: AsyncSession, member_id: int, item_id: int, body: ExchangeCreate
) -> Exchange:
    first = await repo.get_exchange_by_request(session, member_id, body.request_id)
    if first is None:  # the twin that held the key rolled back: the caller retries
        raise RequestConflict("a request with this id is still running", retry=True)
    if (first.item_id, first.quantity) != (item_id, body.quantity):
        raise RequestConflict(exchange_no=first.exchange_no)
    return exchange_view(first)


def _check_on_sale(item: MallItem, now: datetime) -> None:
    state = item_state(item, now)
    if state == "sold_out":
        raise SoldOut(item_id=item.id)
    if state != "on_sale":
        raise NotOnSale(item_id=item.id, state=state)


async def exchange(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    item_id: int,
    body: ExchangeCreate,
) -> tuple[Exchange, bool]:
    """Exchange ``body.quantity`` units of an item: ``(exchange, created)``. A retry with the
    same request id returns the first exchange; with another item or quantity 409
    ``pointsmall.request_conflict``. Refusals (nothing written): 404 ``item_not_found``, 409
    ``not_on_sale`` / ``sold_out`` / ``limit_reached``, ``loyalty.insufficient_points``,
    ``loyalty.disabled``, the coupon's own refusals; goods: 400 ``address_required``, 404
    ``members.address_not_found``, 409 ``checkout.sku_unavailable``, ``inventory.insufficient``."""
    await members.hold_member(session, member_id)
    now = utcnow()
    existing = await repo.get_exchange_by_request(session, member_id, body.request_id)
    if existing is not None:
        return await _replay(session, member_id, item_id, body), False
    item = await _item(session, item_id)
    if item.status == "draft":
        raise ItemNotFound(item_id=item_id)
    _check_on_sale(item, now)
    if item.kind == "product" and body.address_id is None:
        raise AddressRequired()
    period = period_key(item.limit_period, now)
    points = item.points_price * body.quantity
    cash = item.cash_price * body.quantity
    exchange_id = await repo.insert_exchange_if_new(
        session,
        {
            "exchange_no": _number(now),
            "member_id": member_id,
            "request_id": body.request_id,
            "item_id": item.id,
            "kind": item.kind,
            "title": item.title,
            "quantity": body.quantity,
            "points": points,
            "cash": cash,
            "period": period,
            "status": "issued" if item.kind == "coupon" else "pending_payment",
            "order_no": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    if exchange_id is None:  # a twin with this request id committed while we looked
        return await _replay(session, member_id, item_id, body), False
    if not await repo.take_stock(session, item.id, body.quantity):
        fresh = await _item(session, item_id)
        _check_on_sale(fresh, now)
        raise SoldOut(item_id=item.id, left=fresh.stock - fresh.sold)
    if not await repo.take_usage(
        session,
        item_id=item.id,
        member_id=member_id,
        period=period,
        quantity=body.quantity,
        limit=item.per_member_limit,
    ):
        raise LimitReached(item_id=item.id, limit=item.per_member_limit, period=item.limit_period)
    row = await repo.get_exchange(session, exchange_id)
    if item.kind == "coupon":
        await _issue_coupons(session, item, row, member_id=member_id)
    elif body.address_id is not None:  # checked above: goods always have one
        await _place_order(session, ctx, item, row, member_id=member_id, address_id=body.address_id)
    row = await repo.get_exchange(session, exchange_id)
    await publish(
        session,
        ev.EXCHANGED,
        {
            "exchange_no": row.exchange_no,
            "member_id": member_id,
            "item_id": item.id,
            "kind": item.kind,
            "quantity": row.quantity,
            "points": row.points,
            "cash": row.cash,
            "order_no": row.order_no,
        },
        key=str(member_id),
    )
    return exchange_view(row), True


async def _issue_coupons(
    session: AsyncSession, item: MallItem, row: MallExchange, *, member_id: int
) -> None:
    if item.template_id is None:
        raise RuntimeError(f"coupon item {item.id} has no template")
    await loyalty.spend_in_mall(
        session,
        member_id=member_id,
        ref=f"mall:{row.exchange_no}",
        points=row.points,
        detail={"item_id": item.id, "title": item.title, "quantity": row.quantity},
    )
    for _ in range(row.quantity):
        report = await promotions.issue(
            session, template_id=item.template_id, member_ids=[member_id], actor=SOURCE
        )
        if not report.issued:
            code = str(report.skipped[0]["code"]) if report.skipped else "unknown"
            raise CouponNotIssued(reason=code, template_id=item.template_id)


async def _place_order(
    session: AsyncSession,
    ctx: AppContext,
    item: MallItem,
    row: MallExchange,
    *,
    member_id: int,
    address_id: int,
) -> None:
    if item.sku_id is None:
        raise RuntimeError(f"product item {item.id} has no SKU")
    now = utcnow()
    order = await checkout.place_special_price_order(
        session,
        ctx,
        member_id=member_id,
        address_id=address_id,
        spec=checkout.SpecialPriceOrder(
            sku_id=item.sku_id,
            unit_price=item.cash_price,
            quantity=row.quantity,
            free_shipping=item.free_shipping,
            remark=f"积分兑换 {row.points} 积分",
            idempotency_key=f"pointsmall:{row.exchange_no}",
            request_hash=row.exchange_no,
            expires_at=now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds),
            source=SOURCE,
            shipping_on_shelf_price=True,
        ),
    )
    await loyalty.spend(
        session, member_id=member_id, order_no=order.order_no, points=row.points, value=0
    )
    paid_at_once = order.payable_total == 0
    await repo.set_exchange(
        session,
        row.id,
        {
            "order_no": order.order_no,
            "cash": order.payable_total,
            "status": "paid" if paid_at_once else "pending_payment",
            "updated_at": now,
        },
    )
    if paid_at_once:
        await orders.settle_without_payment(session, order.order_no, reason="积分兑换，无需支付")


async def my_exchanges(
    session: AsyncSession, *, member_id: int, cursor: str | None, limit: int
) -> tuple[list[Exchange], str | None]:
    rows = await repo.list_exchanges(
        session, member_id=member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [exchange_view(r) for r in page], next_cursor


# -- orders' news ----------------------------------------------------------------------------


async def handle_order_event(session: AsyncSession, kind: str, payload: Mapping[str, Any]) -> None:
    """``order.paid`` / ``order.cancelled`` / ``order.refunded`` of a mall order. A cancelled
    order gives its units back to the mall's stock and to the shopper's limit, once (the
    status change is conditional); a refund keeps them sold (the goods went out)."""
    if payload.get("source") != SOURCE:
        return
    order_no = str(payload["order_no"])
    now = utcnow()
    if kind == "paid":
        await repo.move_order_exchange(
            session, order_no, from_statuses=["pending_payment"], to_status="paid", now=now
        )
    elif kind == "refunded":
        await repo.move_order_exchange(
            session, order_no, from_statuses=["paid"], to_status="refunded", now=now
        )
    else:
        moved = await repo.move_order_exchange(
            session,
            order_no,
            from_statuses=["pending_payment", "paid"],
            to_status="cancelled",
            now=now,
        )
        if moved is not None:
            await repo.give_back_stock(session, moved.item_id, moved.quantity)
            await repo.give_back_usage(
                session,
                item_id=moved.item_id,
                member_id=moved.member_id,
                period=moved.period,
                quantity=moved.quantity,
            )

"""Placing an order: checking the input, holding the stock, numbering, idempotency."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.security import PiiCipher
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.members.public import AddressSnapshot
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import IdempotencyConflict, InvalidOrder
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.models import OrderEvent as OrderEventRow
from shoplet.modules.orders.models import OrderLine as OrderLineRow
from shoplet.modules.orders.schemas import OrderDetail, OrderLineInput

from ._common import CHINA, RESERVATION_GRACE, _detail, _detail_fields, _event_row, member_actor

NUMBER_ATTEMPTS = 5
# What a virtual order stores as its address (nothing is sent anywhere).
NO_ADDRESS = AddressSnapshot(
    recipient="",
    phone="",
    province="",
    city="",
    district="",
    region_code="",
    detail="",
    postal_code=None,
)


def _number(prefix: str, now: datetime) -> str:
    """``20261126`` (China date) + 10 random digits; the unique index catches the rare clash."""
    return f"{prefix}{now.astimezone(CHINA):%Y%m%d}{secrets.randbelow(10**10):010d}"


# -- placing an order ------------------------------------------------------------------------


def _check_order_input(
    lines: Sequence[OrderLineInput],
    *,
    items_total: int,
    shipping_fee: int,
    discount_total: int,
    payable_total: int,
) -> None:
    if not lines:
        raise InvalidOrder("an order needs at least one line")
    if len({line.sku_id for line in lines}) != len(lines):
        raise InvalidOrder("one line per SKU")
    for line in lines:
        if line.quantity < 1 or line.unit_price < 0:
            raise InvalidOrder(f"SKU {line.sku_id}: quantity >= 1 and a price >= 0")
        if not 0 <= line.discount <= line.unit_price * line.quantity:
            raise InvalidOrder(f"SKU {line.sku_id}: discount outside 0..line total")
    if items_total != sum(line.unit_price * line.quantity for line in lines):
        raise InvalidOrder("items_total is not the sum of the lines")
    if discount_total != sum(line.discount for line in lines):
        raise InvalidOrder("discount_total is not the sum of the line discounts")
    if shipping_fee < 0 or payable_total != items_total - discount_total + shipping_fee:
        raise InvalidOrder("payable_total must be items_total - discount_total + shipping_fee")


async def find_by_idempotency_key(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    idempotency_key: str,
    request_hash: str,
) -> OrderDetail | None:
    """The order an earlier request with this key placed (a retry), or None. Raises
    :class:`IdempotencyConflict` when that request was a different one."""
    order = await repo.get_order_by_key(session, member_id, idempotency_key)
    if order is None:
        return None
    if order.request_hash != request_hash:
        raise IdempotencyConflict(order_no=order.order_no)
    return await _detail(session, pii, order)


async def create_order(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    lines: Sequence[OrderLineInput],
    items_total: int,
    shipping_fee: int,
    discount_total: int,
    payable_total: int,
    address: AddressSnapshot | None,
    remark: str | None,
    idempotency_key: str,
    request_hash: str,
    expires_at: datetime,
    source: str = "cart",
    stock_source_ref: str | None = None,
    virtual: bool = False,
    ship_hold: str | None = None,
) -> tuple[OrderDetail, bool]:
    """Place an order and hold its stock, all or nothing: ``(order, created)``.

    Idempotent per (member, ``idempotency_key``): a retry with the same ``request_hash`` gets the
    first order (``created`` False), even when both requests run at once; another hash is a 409
    ``orders.idempotency_conflict``. Stock is reserved under ref = order no. (409
    ``inventory.insufficient`` when short: the caller rolls back, nothing is written) or, with
    ``stock_source_ref`` (a flash sale), moved out of that reservation.

    ``ship_hold`` (a group buy: ``group:<id>``): once paid, the order does not ship until its
    owner calls :func:`release_ship_hold` (409 ``orders.on_hold`` from :func:`ship_order`).

    ``virtual`` (a paid membership plan): no address (``address`` None), no shipping fee and no
    stock held; the lines' ``sku_id`` / ``product_id`` are 0.
    """
    # A merge absorbing the buyer waits for this order (and moves it) or refuses it (409).
    await members.hold_member(session, member_id)
    if virtual:
        if address is not None or shipping_fee != 0 or stock_source_ref is not None:
            raise InvalidOrder("a virtual order has no address, shipping fee or stock source")
        address = NO_ADDRESS
    elif address is None:
        raise InvalidOrder("an order of goods needs an address")
    _check_order_input(
        lines,
        items_total=items_total,
        shipping_fee=shipping_fee,
        discount_total=discount_total,
        payable_total=payable_total,
    )
    now = utcnow()
    values: dict[str, Any] = {
        "member_id": member_id,
        "status": "pending_payment",
        "source": source,
        "items_total": items_total,
        "shipping_fee": shipping_fee,
        "discount_total": discount_total,
        "payable_total": payable_total,
        "refunded_total": 0,
        "address_encrypted": pii.encrypt(orjson.dumps(dataclasses.asdict(address)).decode()),
        "phone_index": pii.blind_index(address.phone),
        "region_code": address.region_code,
        "remark": remark or None,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "stock_source_ref": stock_source_ref,
        "is_virtual": virtual,
        "ship_hold": ship_hold,
        "created_at": now,
        "expires_at": expires_at,
        "updated_at": now,
    }
    order_id: int | None = None
    for _ in range(NUMBER_ATTEMPTS):
        values["order_no"] = _number("", now)
        order_id = await repo.insert_order_if_new(session, values)
        if order_id is not None:
            break
        # Either this key was used (a retry, maybe a concurrent one: the insert waited for it)
        # or, very rarely, the random order no. was taken: then draw another.
        existing = await find_by_idempotency_key(
            session,
            pii,
            member_id=member_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        if existing is not None:
            return existing, False
    if order_id is None:
        raise RuntimeError("could not draw a free order number")
    order_no: str = values["order_no"]
    line_rows = [
        {
            "order_id": order_id,
            "sku_id": line.sku_id,
            "product_id": line.product_id,
            "title": line.title[:200],
            "spec_text": line.spec_text[:200],
            "image": line.image,
            "unit_price": line.unit_price,
            "quantity": line.quantity,
            "line_total": line.unit_price * line.quantity,
            "discount": line.discount,
            "payable": line.unit_price * line.quantity - line.discount,
            "price_source": line.price_source,
        }
        for line in lines
    ]
    await repo.insert_lines(session, line_rows)
    actor = member_actor(member_id)
    event = _event_row(order_id, None, "pending_payment", actor=actor, reason="下单", now=now)
    await repo.insert_events(session, [event])
    await publish(
        session,
        ev.ORDER_CREATED,
        {
            "order_no": order_no,
            "member_id": member_id,
            "source": source,
            "stock_source_ref": stock_source_ref,
            "items_total": items_total,
            "shipping_fee": shipping_fee,
            "discount_total": discount_total,
            "payable_total": payable_total,
            "expires_at": expires_at,
            "lines": [{"sku_id": ln.sku_id, "quantity": ln.quantity} for ln in lines],
        },
        key=order_no,
    )
    order = Order(id=order_id, **values)
    line_objs = [OrderLineRow(**row) for row in line_rows]
    event_obj = OrderEventRow(**event)
    # The shopper who placed it sees their own address in clear. Built before the stock is
    # held: nothing after the reservation but the commit, while a hot SKU's row is locked.
    detail = OrderDetail(**_detail_fields(pii, order, line_objs, [event_obj], [], reveal=True))
    if virtual:
        return detail, True
    # Stock last: the stock rows stay locked (PostgreSQL) from here to the commit only.
    stock_lines = sorted((line.sku_id, line.quantity) for line in lines)
    if stock_source_ref is None:
        await inventory.reserve(
            session, ref=order_no, lines=stock_lines, expires_at=expires_at + RESERVATION_GRACE
        )
    else:
        for sku_id, quantity in stock_lines:
            await inventory.transfer_reservation(
                session,
                from_ref=stock_source_ref,
                to_ref=order_no,
                sku_id=sku_id,
                quantity=quantity,
            )
    return detail, True

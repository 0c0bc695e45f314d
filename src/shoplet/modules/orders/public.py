"""What other modules may use from orders.

- checkout: :func:`create_order` (reserves stock, idempotent per member + key),
  :func:`find_by_idempotency_key`, :func:`get_payable_order`;
- flash sales: :func:`create_order` with ``source="flashsale"``, ``idempotency_key=<ticket>``
  and ``stock_source_ref="flash:<campaign>:<sku>"`` (units move out of that reservation, and
  back into it when the order is cancelled or times out);
- the points mall: :func:`create_order` with ``source="pointsmall"``, and
  :func:`settle_without_payment` for an order with nothing left to pay;
- the console: listing, shipping, after-sales, export and the sales summary;
- promotions' order pages: :func:`require_order` (404 ``orders.not_found`` for an unknown
  order or another shopper's);
- group buys: :func:`create_order` with ``source="groupbuy"`` and ``ship_hold="group:<id>"``,
  then :func:`release_ship_hold` when the group fills up or :func:`void_held_order` (cancel,
  stock back, full refund) when it fails;
- stores: :func:`confirm_handed_over` (a verified pickup: paid -> received);
- reviews: :func:`member_order_lines` (a shopper's own order's status and its lines with ids);
- analytics' member profiles: :func:`member_paid_orders` (members' paid orders with their lines);
- insights' frontline board: :func:`orders_to_ship`, :func:`open_aftersales` (counts and the
  oldest few, for staff to act on);
- experiments: ``startup`` gives CUPED each member's orders before an experiment started.

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog
from shoplet.modules.experiments import public as experiments
from shoplet.modules.members import public as members
from shoplet.modules.orders import repository as _repo
from shoplet.modules.orders.errors import (
    AfterSaleAmountExceeded,
    AfterSaleNotAllowed,
    AfterSaleNotFound,
    IdempotencyConflict,
    IllegalTransition,
    InvalidAfterSaleItems,
    InvalidOrder,
    NotPayable,
    OrderNotFound,
    OrderOnHold,
)
from shoplet.modules.orders.events import (
    AFTERSALE_APPROVED,
    AFTERSALE_REFUNDED,
    AFTERSALE_REJECTED,
    AFTERSALE_REQUESTED,
    ORDER_CANCELLED,
    ORDER_COMPLETED,
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_RECEIVED,
    ORDER_REFUNDED,
    ORDER_SHIPPED,
)
from shoplet.modules.orders.schemas import (
    AfterSale,
    AfterSaleReject,
    ListStatus,
    OrderAddress,
    OrderAdmin,
    OrderDetail,
    OrderExportRow,
    OrderLine,
    OrderLineInput,
    OrderSummary,
    PayableOrder,
    SalesDay,
    SalesSummary,
    Shipment,
    TimelineEntry,
    TopProduct,
)
from shoplet.modules.orders.service import (
    approve_aftersale,
    confirm_handed_over,
    confirm_return_received,
    count_export_rows,
    create_order,
    export_rows,
    find_by_idempotency_key,
    get_order_admin,
    get_payable_order,
    has_paid_order,
    list_aftersales,
    list_orders_admin,
    lock_held_orders,
    reject_aftersale,
    release_ship_hold,
    require_order,
    sales_summary,
    settle_without_payment,
    ship_order,
    void_held_order,
)
from shoplet.modules.orders.states import (
    AFTERSALE_STATUSES,
    OPEN_AFTERSALE_STATUSES,
    ORDER_STATUSES,
    AfterSaleStatus,
    OrderStatus,
)

Order = OrderDetail

__all__ = [
    "AFTERSALE_APPROVED",
    "AFTERSALE_REFUNDED",
    "AFTERSALE_REJECTED",
    "AFTERSALE_REQUESTED",
    "AFTERSALE_STATUSES",
    "ORDER_CANCELLED",
    "ORDER_COMPLETED",
    "ORDER_CREATED",
    "ORDER_PAID",
    "ORDER_RECEIVED",
    "ORDER_REFUNDED",
    "ORDER_SHIPPED",
    "ORDER_STATUSES",
    "AfterSale",
    "AfterSaleAmountExceeded",
    "AfterSaleNotAllowed",
    "AfterSaleNotFound",
    "AfterSaleReject",
    "AfterSaleStatus",
    "IdempotencyConflict",
    "IllegalTransition",
    "InvalidAfterSaleItems",
    "InvalidOrder",
    "InvoiceLine",
    "InvoiceOrder",
    "ListStatus",
    "MemberOrderLine",
    "MemberOrderLines",
    "NotPayable",
    "OpenAfterSale",
    "Order",
    "OrderAddress",
    "OrderAdmin",
    "OrderDetail",
    "OrderExportRow",
    "OrderLine",
    "OrderLineInput",
    "OrderNotFound",
    "OrderOnHold",
    "OrderStatus",
    "OrderSummary",
    "OrderToShip",
    "PaidLine",
    "PaidOrder",
    "PaidStats",
    "PayableOrder",
    "Purchase",
    "SalesDay",
    "SalesSummary",
    "Shipment",
    "TimelineEntry",
    "TopProduct",
    "approve_aftersale",
    "confirm_handed_over",
    "confirm_return_received",
    "count_export_rows",
    "create_order",
    "export_rows",
    "find_by_idempotency_key",
    "get_order_admin",
    "get_payable_order",
    "has_paid_order",
    "invoice_order",
    "line_facts",
    "list_aftersales",
    "list_orders_admin",
    "lock_held_orders",
    "member_order_lines",
    "member_paid_orders",
    "open_aftersales",
    "order_facts",
    "orders_to_ship",
    "paid_goods_by_sku",
    "paid_lines",
    "paid_order_amounts",
    "paid_order_facts",
    "paid_order_stats",
    "paid_units",
    "purchases",
    "reject_aftersale",
    "release_ship_hold",
    "require_order",
    "sales_summary",
    "settle_without_payment",
    "ship_order",
    "startup",
    "void_held_order",
]


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Experiments' CUPED reads each exposed member's orders before the experiment started
    through this hook (experiments sits below orders and may not import it)."""
    experiments.set_pre_period_source(ctx, _repo.member_paid_between)
    # One shopper's accounts merged (members, below): their orders and after-sales move.
    members.register_merge_hook(
        ctx,
        "orders",
        _repo.move_member,
        tables=("orders_order.member_id", "orders_aftersale.member_id"),
    )


@dataclass(frozen=True, slots=True)
class PaidStats:
    """A member's paid orders: how many, fen spent (net of refunds; since the asked date when
    one was given), when the last was paid."""

    paid_orders: int
    spent: int
    last_paid_at: datetime


async def paid_order_stats(
    session: AsyncSession,
    member_ids: Sequence[int],
    *,
    spent_since: datetime | None = None,
    goods_only: bool = False,
) -> dict[int, PaidStats]:
    """Paid-order figures of the given members (those without a paid order are absent), for
    promotions' member segments; ``goods_only`` leaves virtual orders (membership plans)
    out, for membership's "benefit used" and savings figures."""
    rows = await _repo.paid_order_stats(session, member_ids, spent_since, goods_only)
    return {m: PaidStats(n, s, last) for m, (n, s, last) in rows.items()}


async def paid_goods_by_sku(
    session: AsyncSession, member_id: int, *, paid_since: datetime
) -> dict[int, int]:
    """Fen payable per SKU over the member's goods orders paid since ``paid_since`` (before
    refunds): which share of their spend went to which goods, for membership's savings hint."""
    return await _repo.paid_goods_by_sku(session, member_id, paid_since)


@dataclass(frozen=True, slots=True)
class Purchase:
    """A line of a paid order (not refunded in full): who bought which product, when, where
    (the GB/T 2260 code of the delivery address's district)."""

    member_id: int
    product_id: int
    paid_at: datetime
    region_code: str


async def purchases(
    session: AsyncSession,
    *,
    paid_from: datetime | None = None,
    paid_to: datetime | None = None,
    member_id: int | None = None,
    order_no: str | None = None,
    limit: int | None = None,
) -> list[Purchase]:
    """Lines of paid orders, newest first, filtered by paid time, member or order: what
    recommendations learn from."""
    rows = await _repo.purchases(
        session,
        paid_from=paid_from,
        paid_to=paid_to,
        member_id=member_id,
        order_no=order_no,
        limit=limit,
    )
    return [Purchase(*row) for row in rows]


async def paid_order_amounts(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[tuple[datetime, int]]:
    """(paid_at, payable total in fen) of each order paid in [since, until), for insights'
    alerts to count orders and GMV per hour or day."""
    rows = await _repo.paid_orders_between(session, since=since, until=until)
    return [(paid_at, total) for paid_at, total, _refunded, _member in rows]


def paid_order_facts(since: datetime, until: datetime) -> Any:
    """One row per order paid in ``[since, until)`` with its goods cost, as a subquery for
    reports (insights' benefit cost model) to join and group in SQL: ``order_no``,
    ``member_id``, ``paid_at``, ``items_total``, ``shipping_fee``, ``payable_total``,
    ``refunded_total``, ``goods_payable``, ``goods_cost``, ``lines_without_cost``."""
    return _repo.paid_order_facts(since, until, catalog.sku_costs().subquery("sku_costs"))


async def paid_units(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    sku_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, datetime, int]]:
    """``(sku_id, product_id, paid_at, quantity)`` of the lines (of ``sku_ids`` only, when
    given) of orders paid in ``[since, until)``, oldest first: the demand history insights
    forecasts from."""
    return await _repo.paid_units(session, since, until, sku_ids)


@dataclass(frozen=True, slots=True)
class PaidLine:
    """A paid order line of one SKU and what the shopper paid for it (``payable``, after every
    promotion): clearance reads promotions' depth from it."""

    sku_id: int
    paid_at: datetime
    quantity: int
    payable: int


async def paid_lines(
    session: AsyncSession, *, since: datetime, until: datetime, sku_ids: Sequence[int]
) -> list[PaidLine]:
    """The lines of ``sku_ids`` in orders paid in ``[since, until)``, oldest first."""
    rows = await _repo.paid_lines(session, since, until, sku_ids)
    return [PaidLine(*row) for row in rows]


def order_facts(since: datetime, until: datetime, *, anchor: Literal["paid", "created"]) -> Any:
    """Orders as a subquery for reports to group in SQL (insights' 智能问数): those paid in
    ``[since, until)`` (``anchor="paid"``) or created then (``"created"``), with ``order_id``,
    ``order_no`` (what other modules record an order by), ``member_id``, ``at``, ``is_paid``,
    ``payable_total``, ``refunded_total``, ``region_code`` (the delivery district, GB/T 2260),
    ``source`` (cart, buy_now, flashsale, groupbuy…),
    ``source_ref`` (a flash sale order's ``flash:<campaign>:<sku>``, else null)."""
    return _repo.order_facts(since, until, anchor=anchor)


def line_facts(since: datetime, until: datetime) -> Any:
    """The lines of goods orders paid in ``[since, until)`` as a subquery: ``order_id``,
    ``member_id``, ``at``, ``region_code``, ``source``, ``product_id``, ``title``,
    ``quantity``, ``payable``."""
    return _repo.line_facts(since, until)


@dataclass(frozen=True, slots=True)
class MemberOrderLine:
    """A line of a shopper's order as reviews need it: its id and what was bought."""

    line_id: int
    product_id: int
    sku_id: int
    title: str
    spec_text: str
    image: str | None
    quantity: int = 0
    price_source: str | None = None  # "live:<id>": the line was priced by that session


@dataclass(frozen=True, slots=True)
class MemberOrderLines:
    order_no: str
    status: str
    lines: list[MemberOrderLine]


async def member_order_lines(
    session: AsyncSession, *, member_id: int, order_no: str
) -> MemberOrderLines:
    """A shopper's own order: its status and lines (404 ``orders.not_found`` for an unknown
    order and another shopper's alike)."""
    order = await _repo.get_order(session, order_no, member_id=member_id)
    if order is None:
        raise OrderNotFound(order_no=order_no)
    rows = (await _repo.lines_for(session, [order.id]))[order.id]
    lines = [
        MemberOrderLine(
            r.id, r.product_id, r.sku_id, r.title, r.spec_text, r.image, r.quantity, r.price_source
        )
        for r in rows
    ]
    return MemberOrderLines(order.order_no, order.status, lines)


@dataclass(frozen=True, slots=True)
class PaidOrder:
    """A member's paid order as analytics' profiles read it: amounts in fen (``refunded``
    what refunds took back, ``discount`` what promotions and coupons took off), the delivery
    district and the lines' ``(product id, payable)``."""

    member_id: int
    order_no: str
    paid_at: datetime
    payable: int
    refunded: int
    discount: int
    region_code: str
    lines: list[tuple[int, int]]


async def member_paid_orders(session: AsyncSession, member_ids: Sequence[int]) -> list[PaidOrder]:
    """Every paid order of ``member_ids`` (refunded ones too: ``refunded`` says how much),
    oldest first."""
    return [PaidOrder(*row) for row in await _repo.member_paid_orders(session, member_ids)]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """A line of an order as an invoice needs it: what was bought and what was paid (fen)."""

    product_id: int
    title: str
    spec_text: str
    quantity: int
    payable: int


@dataclass(frozen=True, slots=True)
class InvoiceOrder:
    """An order as invoicing reads it: its status, amounts (fen) and lines."""

    order_no: str
    member_id: int
    status: str
    payable_total: int
    shipping_fee: int
    refunded_total: int
    lines: tuple[InvoiceLine, ...]


async def invoice_order(
    session: AsyncSession, order_no: str, *, member_id: int | None = None
) -> InvoiceOrder:
    """An order for its invoice (with ``member_id``: that shopper's own); 404
    ``orders.not_found`` for an unknown order and another shopper's alike."""
    order = await _repo.get_order(session, order_no, member_id=member_id)
    if order is None:
        raise OrderNotFound(order_no=order_no)
    rows = (await _repo.lines_for(session, [order.id]))[order.id]
    return InvoiceOrder(
        order_no=order.order_no,
        member_id=order.member_id,
        status=order.status,
        payable_total=order.payable_total,
        shipping_fee=order.shipping_fee,
        refunded_total=order.refunded_total,
        lines=tuple(
            InvoiceLine(r.product_id, r.title, r.spec_text, r.quantity, r.payable) for r in rows
        ),
    )


@dataclass(frozen=True, slots=True)
class OrderToShip:
    order_no: str
    paid_at: datetime
    payable_total: int


async def orders_to_ship(session: AsyncSession, *, limit: int) -> tuple[int, list[OrderToShip]]:
    """Goods orders paid and not shipped yet (the console's 待发货 list): how many, and the
    ``limit`` paid longest ago (the ones to ship first)."""
    count = await _repo.count_to_ship(session)
    oldest = await _repo.oldest_to_ship(session, limit) if count else []
    return count, [OrderToShip(*row) for row in oldest]


@dataclass(frozen=True, slots=True)
class OpenAfterSale:
    aftersale_no: str
    order_no: str
    kind: str
    status: str
    amount: int
    created_at: datetime


async def open_aftersales(session: AsyncSession, *, limit: int) -> tuple[int, list[OpenAfterSale]]:
    """After-sale requests still open (requested, approved, awaiting or back from a return,
    refunding): how many, and the ``limit`` oldest."""
    statuses = sorted(OPEN_AFTERSALE_STATUSES)
    count = await _repo.count_aftersales(session, statuses)
    oldest = await _repo.oldest_aftersales(session, statuses, limit) if count else []
    return count, [OpenAfterSale(*row) for row in oldest]

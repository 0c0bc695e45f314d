"""Reading orders: a member's own orders and the console's lists, export and sales summary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.models import AfterSale as AfterSaleRow
from shoplet.modules.orders.schemas import (
    OrderAddress,
    OrderAdmin,
    OrderDetail,
    OrderExportRow,
    OrderSummary,
    PayableOrder,
    SalesDay,
    SalesSummary,
    TopProduct,
)

from ._common import (
    CHINA,
    DESCRIPTION_MAX,
    _address,
    _admin,
    _any_order,
    _clamp,
    _detail,
    _detail_fields,
    _member_order,
    _summary_fields,
)


async def has_paid_order(session: AsyncSession, member_id: int) -> bool:
    """Whether the member ever paid an order (new-customer offers are for those who did not)."""
    return await repo.has_paid_order(session, member_id)


async def get_order_detail(
    session: AsyncSession, pii: PiiCipher, *, member_id: int, order_no: str
) -> OrderDetail:
    """A member's own order; another member's is 404 ``orders.not_found`` (never 403)."""
    return await _detail(session, pii, await _member_order(session, member_id, order_no))


async def list_member_orders(
    session: AsyncSession, *, member_id: int, status: str | None, cursor: str | None, limit: int
) -> tuple[list[OrderSummary], str | None]:
    limit = _clamp(limit)
    rows = await repo.list_member_orders(
        session, member_id, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    lines = await repo.lines_for(session, [o.id for o in page])
    items = [OrderSummary(**_summary_fields(o, lines[o.id])) for o in page]
    return items, encode_id_cursor(page[-1].id) if len(rows) > limit else None


async def require_order(session: AsyncSession, order_no: str, *, member_id: int | None) -> None:
    """404 ``orders.not_found`` unless ``order_no`` exists and, with ``member_id``, is that
    member's: for the modules above orders that serve parts of an order's page (an unknown
    order and another shopper's get the same answer)."""
    if member_id is None:
        await _any_order(session, order_no)
    else:
        await _member_order(session, member_id, order_no)


async def get_payable_order(
    session: AsyncSession, *, member_id: int, order_no: str
) -> PayableOrder:
    order = await _member_order(session, member_id, order_no)
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    title = lines[0].title if lines else order.order_no
    units = sum(line.quantity for line in lines)
    suffix = f" 等{units}件" if len(lines) > 1 else ""
    description = title[: DESCRIPTION_MAX - len(suffix)] + suffix
    return PayableOrder(
        order_no=order.order_no,
        member_id=order.member_id,
        payable_total=order.payable_total,
        status=order.status,
        expires_at=order.expires_at,
        description=description,
    )


# -- console ---------------------------------------------------------------------------------


async def list_orders_admin(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    status: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    member_id: int | None = None,
) -> tuple[list[OrderAdmin], str | None]:
    """Newest first; ``q`` is an order no. or a full phone number (matched by blind index);
    placed in ``[since, until)`` and of ``member_id`` when given."""
    limit = _clamp(limit)
    order_no = phone_index = None
    if q is not None and q.strip():
        q = q.strip()
        order_no = q
        if q.isdigit() and len(q) == 11:
            phone_index = pii.blind_index(q)
    elif q is not None:
        q = None
    rows = await repo.list_orders(
        session,
        status=status,
        order_no=order_no,
        phone_index=phone_index,
        since=since,
        until=until,
        member_id=member_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    ids = [o.id for o in page]
    lines = await repo.lines_for(session, ids)
    aftersales: dict[int, list[AfterSaleRow]] = defaultdict(list)
    for a in await repo.aftersales_for(session, ids):
        aftersales[a.order_id].append(a)
    items = [
        OrderAdmin(
            **_detail_fields(pii, o, lines[o.id], [], aftersales[o.id], reveal=False),
            member_id=o.member_id,
            payment_no=o.payment_no,
            stock_source_ref=o.stock_source_ref,
        )
        for o in page
    ]
    return items, encode_id_cursor(page[-1].id) if len(rows) > limit else None


async def get_order_admin(
    session: AsyncSession, pii: PiiCipher, order_no: str, *, reveal: bool = False
) -> OrderAdmin:
    return await _admin(session, pii, await _any_order(session, order_no), reveal=reveal)


async def export_rows(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int | None,
    batch: int,
) -> list[OrderExportRow]:
    """One row per order line (address in clear, for shipping), keyset on the line id: pass the
    last row's ``id`` as ``after_id`` for the next batch."""
    out = []
    addresses: dict[int, OrderAddress] = {}
    for order, line in await repo.export_rows(
        session,
        status=status,
        since=since,
        until=until,
        after_id=after_id,
        batch=max(1, min(batch, 1000)),
    ):
        address = addresses.get(order.id)
        if address is None:
            address = addresses[order.id] = _address(pii, order, reveal=True)
        out.append(
            OrderExportRow(
                id=line.id,
                order_no=order.order_no,
                status=order.status,
                source=order.source,
                member_id=order.member_id,
                created_at=order.created_at,
                paid_at=order.paid_at,
                shipped_at=order.shipped_at,
                items_total=order.items_total,
                shipping_fee=order.shipping_fee,
                discount_total=order.discount_total,
                payable_total=order.payable_total,
                refunded_total=order.refunded_total,
                recipient=address.recipient,
                phone=address.phone,
                address=f"{address.province}{address.city}{address.district}{address.detail}",
                region_code=order.region_code,
                remark=order.remark,
                carrier=order.carrier,
                tracking_no=order.tracking_no,
                sku_id=line.sku_id,
                title=line.title,
                spec_text=line.spec_text,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_payable=line.payable,
                is_virtual=order.is_virtual,
            )
        )
    return out


async def count_export_rows(
    session: AsyncSession,
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
) -> int:
    """How many rows :func:`export_rows` yields in all for these filters (progress bars)."""
    return await repo.count_export_rows(session, status=status, since=since, until=until)


async def sales_summary(
    session: AsyncSession, *, since: datetime, until: datetime, top: int = 10
) -> SalesSummary:
    """Paid orders in [since, until) per China calendar day: GMV (payable totals), orders,
    paying shoppers and refunds; and the best-selling products by units."""
    rows = await repo.paid_orders_between(session, since=since, until=until)
    days: dict[date, list[tuple[int, int, int]]] = defaultdict(list)
    for paid_at, total, refunded, member_id in rows:
        days[paid_at.astimezone(CHINA).date()].append((total, refunded, member_id))
    first, last = (
        since.astimezone(CHINA).date(),
        (until - timedelta(microseconds=1)).astimezone(CHINA).date(),
    )
    out_days = []
    day = first
    while day <= last:
        entries = days.get(day, [])
        out_days.append(
            SalesDay(
                date=day,
                gmv=sum(e[0] for e in entries),
                orders=len(entries),
                paying_members=len({e[2] for e in entries}),
                refunded=sum(e[1] for e in entries),
            )
        )
        day += timedelta(days=1)
    gmv = sum(r[1] for r in rows)
    products = await repo.top_products(session, since=since, until=until, limit=max(1, top))
    return SalesSummary(
        since=since,
        until=until,
        gmv=gmv,
        orders=len(rows),
        paying_members=len({r[3] for r in rows}),
        average_order_value=gmv // len(rows) if rows else 0,
        days=out_days,
        top_products=[
            TopProduct(product_id=pid, title=title, units=units, amount=amount)
            for pid, title, units, amount in products
        ],
    )

"""The SQL of the dashboards: paid order lines (``orders.public.line_facts``) joined to their
product's category (``catalog.public.product_categories``), summed per level; refunds from
``orders.public.order_facts``. The boards' store level and campaign drill join whole orders to
what stores, social, live and promotions record against an order number (their ``public``
subqueries), one grouped query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.live import public as live
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions
from shoplet.modules.social import public as social
from shoplet.modules.stores import public as stores

Group = Literal["category", "product"]


@dataclass(frozen=True, slots=True)
class Totals:
    key: int | None
    name: str
    gmv: int
    orders: int
    units: int
    buyers: int


def _facts(since: datetime, until: datetime) -> Any:
    lines = orders.line_facts(since, until)
    categories = catalog.product_categories().subquery("product_categories")
    return (
        select(lines, categories.c.category_id)
        .select_from(lines)
        .outerjoin(categories, categories.c.product_id == lines.c.product_id)
        .subquery("facts")
    )


async def totals(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    group: Group | None,
    category_id: int | None = None,
    product_id: int | None = None,
) -> list[Totals]:
    """GMV (line payables), distinct orders, units and distinct buyers in ``[since, until)``,
    filtered by category and/or product, one row per ``group`` (or one row in all)."""
    f = _facts(since, until)
    measures = (
        func.coalesce(func.sum(f.c.payable), 0),
        func.count(func.distinct(f.c.order_id)),
        func.coalesce(func.sum(f.c.quantity), 0),
        func.count(func.distinct(f.c.member_id)),
    )
    key: Any = None
    name: Any = None
    if group == "category":
        key, name = f.c.category_id, func.min(f.c.category_id)
    elif group == "product":
        key, name = f.c.product_id, func.max(f.c.title)
    stmt = select(*(c for c in (key, name) if c is not None), *measures).select_from(f)
    if category_id is not None:
        stmt = stmt.where(f.c.category_id == category_id)
    if product_id is not None:
        stmt = stmt.where(f.c.product_id == product_id)
    if key is not None:
        stmt = stmt.group_by(key)
    rows = (await session.execute(stmt)).all()
    if key is None:
        return [Totals(None, "", int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
    return [Totals(r[0], str(r[1] or ""), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]


async def refunded(session: AsyncSession, since: datetime, until: datetime) -> int:
    """Fen refunded on the orders paid in ``[since, until)``."""
    f = orders.order_facts(since, until, anchor="paid")
    return int(await session.scalar(select(func.coalesce(func.sum(f.c.refunded_total), 0))) or 0)


# -- 经营看板 / 运营看板: whole orders (``orders.public.order_facts``) --------------------------

BoardGroup = Literal["province", "city", "source"]


@dataclass(frozen=True, slots=True)
class OrderTotals:
    key: str | None
    gmv: int
    orders: int
    buyers: int
    repeat_buyers: int


def _paid_orders(
    since: datetime,
    until: datetime,
    *,
    region: str | None,
    channel: str | None,
    store_id: int | None = None,
) -> Any:
    """Paid orders of ``[since, until)`` as a subquery with ``province`` (2 digits) and
    ``city`` (4 digits) prefixes of the delivery district; ``region`` is such a prefix;
    ``store_id`` keeps the orders that store handled."""
    f = orders.order_facts(since, until, anchor="paid")
    stmt = select(
        f.c.order_id,
        f.c.order_no,
        f.c.member_id,
        f.c.payable_total,
        f.c.source,
        f.c.source_ref,
        func.substr(f.c.region_code, 1, 2).label("province"),
        func.substr(f.c.region_code, 1, 4).label("city"),
    ).where(f.c.is_paid == 1)
    if region:
        stmt = stmt.where(f.c.region_code.startswith(region, autoescape=True))
    if channel:
        stmt = stmt.where(f.c.source == channel)
    if store_id is not None:
        s = stores.store_order_facts()
        stmt = stmt.where(f.c.order_no.in_(select(s.c.order_no).where(s.c.store_id == store_id)))
    return stmt.subquery("paid_orders")


async def order_totals(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    region: str | None = None,
    channel: str | None = None,
    store_id: int | None = None,
    group: BoardGroup | None = None,
) -> list[OrderTotals]:
    """GMV (order payables), paid orders, distinct buyers and the buyers with two paid orders or
    more in ``[since, until)``, filtered by region prefix, source and store, one row per
    ``group``."""
    p = _paid_orders(since, until, region=region, channel=channel, store_id=store_id)
    keys = [p.c.member_id] + ([p.c[group]] if group else [])
    per_buyer = (
        select(
            *keys,
            func.sum(p.c.payable_total).label("gmv"),
            func.count().label("orders"),
        )
        .group_by(*keys)
        .subquery("per_buyer")
    )
    key: Any = per_buyer.c[group] if group else None
    stmt = select(
        *([key] if key is not None else []),
        func.coalesce(func.sum(per_buyer.c.gmv), 0),
        func.coalesce(func.sum(per_buyer.c.orders), 0),
        func.count(),
        func.coalesce(func.sum(case((per_buyer.c.orders >= 2, 1), else_=0)), 0),
    ).select_from(per_buyer)
    if key is not None:
        stmt = stmt.group_by(key)
    rows = (await session.execute(stmt)).all()
    if key is None:
        return [OrderTotals(None, int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]
    return [OrderTotals(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


async def new_members(session: AsyncSession, since: datetime, until: datetime) -> int:
    """Members who registered in ``[since, until)``."""
    f = members.signup_facts(since, until)
    return int(await session.scalar(select(func.count()).select_from(f)) or 0)


@dataclass(frozen=True, slots=True)
class KeyedTotals:
    """One group of the store level or the campaign drill: its key columns (``None`` where the
    order has none), a name from the owning module, and the sums."""

    keys: tuple[Any, ...]
    name: str | None
    gmv: int
    orders: int
    buyers: int


async def _keyed_totals(session: AsyncSession, facts: Any, keys: list[str]) -> list[KeyedTotals]:
    """``facts`` (one row per paid order: ``member_id``, ``payable_total``, ``name`` and the
    ``keys`` columns) summed per key: GMV, orders, distinct buyers."""
    per_buyer = (
        select(
            facts.c.member_id,
            *(facts.c[k] for k in keys),
            func.max(facts.c.name).label("name"),
            func.sum(facts.c.payable_total).label("gmv"),
            func.count().label("orders"),
        )
        .group_by(facts.c.member_id, *(facts.c[k] for k in keys))
        .subquery("per_buyer")
    )
    group = [per_buyer.c[k] for k in keys]
    stmt = select(
        *group,
        func.max(per_buyer.c.name),
        func.coalesce(func.sum(per_buyer.c.gmv), 0),
        func.coalesce(func.sum(per_buyer.c.orders), 0),
        func.count(),
    ).group_by(*group)
    n = len(keys)
    return [
        KeyedTotals(tuple(r[:n]), r[n], int(r[n + 1]), int(r[n + 2]), int(r[n + 3]))
        for r in (await session.execute(stmt)).all()
    ]


async def store_totals(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    region: str | None,
    channel: str | None,
) -> list[KeyedTotals]:
    """The paid orders of ``[since, until)`` per store (``keys == (store_id,)``; ``(None,)``
    for the orders no store handled, i.e. online), filtered as ``order_totals``."""
    p = _paid_orders(since, until, region=region, channel=channel)
    s = stores.store_order_facts()
    facts = (
        select(p.c.member_id, p.c.payable_total, s.c.store_id, s.c.store_name.label("name"))
        .select_from(p)
        .outerjoin(s, s.c.order_no == p.c.order_no)
        .subquery("store_facts")
    )
    return await _keyed_totals(session, facts, ["store_id"])


async def method_totals(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    region: str | None,
    channel: str | None,
    store_id: int,
) -> list[KeyedTotals]:
    """A store's paid orders of ``[since, until)`` per way they reached the shopper
    (``keys == (method,)``: pickup, same_city, scan), filtered as ``order_totals``."""
    p = _paid_orders(since, until, region=region, channel=channel)
    s = stores.store_order_facts()
    facts = (
        select(p.c.member_id, p.c.payable_total, s.c.method, s.c.store_name.label("name"))
        .select_from(p)
        .join(s, s.c.order_no == p.c.order_no)
        .where(s.c.store_id == store_id)
        .subquery("method_facts")
    )
    return await _keyed_totals(session, facts, ["method"])


async def campaign_totals(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    region: str | None,
    channel: str | None,
) -> list[KeyedTotals]:
    """The paid orders of ``[since, until)`` per campaign, ``keys == (kind, campaign_id,
    flash_ref)``. Each order counts once, for the first of: its flash sale (``flash_ref`` is
    the ``flash:<campaign>:<sku>`` ref, ``campaign_id`` null), the play that placed it
    (groupbuy, bargain, crowdfunding), the live session it came from (live), the coupon
    template applied to it (coupon); else kind ``none``. So the groups sum to the filter's
    totals."""
    p = _paid_orders(since, until, region=region, channel=channel)
    plays = social.play_order_facts()
    sessions = live.session_order_facts()
    coupons = promotions.coupon_order_facts()
    is_flash = p.c.source_ref.like("flash:%")
    is_play = plays.c.kind.is_not(None)
    is_live = sessions.c.session_id.is_not(None)
    is_coupon = coupons.c.template_id.is_not(None)
    facts = (
        select(
            p.c.member_id,
            p.c.payable_total,
            case(
                (is_flash, "flashsale"),
                (is_play, plays.c.kind),
                (is_live, "live"),
                (is_coupon, "coupon"),
                else_="none",
            ).label("kind"),
            case(
                (is_flash, null()),
                (is_play, plays.c.campaign_id),
                (is_live, sessions.c.session_id),
                (is_coupon, coupons.c.template_id),
                else_=null(),
            ).label("campaign_id"),
            case((is_flash, p.c.source_ref), else_=null()).label("flash_ref"),
            case(
                (is_flash, null()),
                (is_play, plays.c.campaign_name),
                (is_live, sessions.c.session_title),
                (is_coupon, coupons.c.template_name),
                else_=null(),
            ).label("name"),
        )
        .select_from(p)
        .outerjoin(plays, plays.c.order_no == p.c.order_no)
        .outerjoin(sessions, sessions.c.order_no == p.c.order_no)
        .outerjoin(coupons, coupons.c.order_no == p.c.order_no)
        .subquery("campaign_facts")
    )
    return await _keyed_totals(session, facts, ["kind", "campaign_id", "flash_ref"])

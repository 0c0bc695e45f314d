"""The SQL of the dashboards: paid order lines (``orders.public.line_facts``) joined to their
product's category (``catalog.public.product_categories``), summed per level; refunds from
``orders.public.order_facts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.orders import public as orders

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

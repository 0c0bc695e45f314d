"""Every query of 智能问数. It owns no table: it composes the fact subqueries lower modules
publish (``orders.public.order_facts`` / ``line_facts``, ``catalog.public.product_categories``,
``members.public.signup_facts``, ``membership.public.growth_before``) into one grouped
statement per date range, so the aggregation runs in the database on SQLite and PostgreSQL
alike. Day, week and month buckets are a ``CASE`` over the buckets' Asia/Shanghai midnights
(exact, no time-zone function of either database); regions group on GB/T 2260 code prefixes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import case, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership
from shoplet.modules.orders import public as orders

from .dates import SHANGHAI
from .schemas import Filter
from .semantic import REGION_GROUPS, MetricKey, Source

MUNICIPALITIES = ("11", "12", "31", "50")
OTHER_GROUP = "其他"


def _facts(source: Source, since: datetime, until: datetime) -> Any:
    if source == "signups":
        return members.signup_facts(since, until)
    if source == "lines":
        lines = orders.line_facts(since, until)
        categories = catalog.product_categories().subquery("product_categories")
        return (
            select(lines, categories.c.category_id)
            .select_from(lines)
            .outerjoin(categories, categories.c.product_id == lines.c.product_id)
            .subquery("facts")
        )
    return orders.order_facts(since, until, anchor="paid" if source == "paid" else "created")


def _province(f: Any) -> Any:
    return func.substr(f.c.region_code, 1, 2)


def _city(f: Any) -> Any:
    """The city code of a district code (``members.regions._city_code`` in SQL)."""
    prefix = _province(f)
    return case(
        (prefix.in_(MUNICIPALITIES), prefix + "0100"),
        (func.substr(f.c.region_code, 3, 2) == "90", f.c.region_code),
        else_=func.substr(f.c.region_code, 1, 4) + "00",
    )


def _group(f: Any) -> Any:
    return case(
        *((_province(f).in_(codes), literal(name)) for name, codes in REGION_GROUPS.items()),
        else_=literal(OTHER_GROUP),
    )


def _tier(f: Any, tiers: Sequence[membership.TierRule]) -> Any:
    """The level the member's growth had reached just before the order was paid."""
    growth = membership.growth_before(f.c.member_id, f.c.at)
    ordered = sorted(tiers, key=lambda t: -t.level)
    if len(ordered) < 2:
        return literal(ordered[0].level if ordered else 0)
    whens = [(growth >= t.threshold, t.level) for t in ordered[:-1]]
    return case(*whens, else_=literal(ordered[-1].level))


def _bucket(f: Any, starts: Sequence[date]) -> Any:
    """The index of the bucket ``at`` falls in (rows are already within the range)."""
    if len(starts) == 1:
        return literal(0)
    edges = [datetime.combine(d, time.min, SHANGHAI) for d in starts[1:]]
    return case(*((f.c.at < edge, i) for i, edge in enumerate(edges)), else_=len(edges))


def _key(
    dimension: str, f: Any, starts: Sequence[date], tiers: Sequence[membership.TierRule]
) -> Any:
    match dimension:
        case "date":
            return _bucket(f, starts)
        case "region_group":
            return _group(f)
        case "province":
            return _province(f)
        case "city":
            return _city(f)
        case "category":
            return f.c.category_id
        case "product":
            return f.c.product_id
        case "channel":
            return f.c.source
        case _:
            return _tier(f, tiers)


def _where(flt: Filter, f: Any, tiers: Sequence[membership.TierRule]) -> Any:
    values = list(flt.values)
    match flt.dimension:
        case "region_group":
            return _province(f).in_([p for g in values for p in REGION_GROUPS.get(g, ())])
        case "province":
            return _province(f).in_(values)
        case "city":
            return _city(f).in_(values)
        case "category":
            return f.c.category_id.in_([int(v) for v in values])
        case "product":
            return f.c.product_id.in_([int(v) for v in values])
        case "channel":
            return f.c.source.in_(values)
        case "tier":
            return _tier(f, tiers).in_([int(v) for v in values])
        case _:
            raise ValueError(f"no filter on {flt.dimension}")


def _measures(metric: MetricKey, source: Source, f: Any) -> list[Any]:
    """The sums a metric is computed from (``service.finish`` turns them into its value)."""
    gmv = (
        func.sum(f.c.payable if source == "lines" else f.c.payable_total)
        if source
        in {
            "lines",
            "paid",
        }
        else None
    )
    match metric:
        case "gmv":
            return [gmv]
        case "orders":
            return [func.count(distinct(f.c.order_id))]
        case "aov":
            return [gmv, func.count(distinct(f.c.order_id))]
        case "units":
            return [func.sum(f.c.quantity)]
        case "buyers":
            return [func.count(distinct(f.c.member_id))]
        case "refund_amount":
            return [func.sum(f.c.refunded_total)]
        case "refund_rate":
            return [func.sum(case((f.c.refunded_total > 0, 1), else_=0)), func.count()]
        case "pay_conversion":
            return [func.sum(f.c.is_paid), func.count()]
        case "new_members":
            return [func.count()]
        case _:
            raise ValueError(f"no measure for {metric}")


async def aggregate(  # noqa: PLR0917 - one statement's parts
    session: AsyncSession,
    metric: MetricKey,
    source: Source,
    dimensions: Sequence[str],
    filters: Sequence[Filter],
    since: datetime,
    until: datetime,
    starts: Sequence[date],
    tiers: Sequence[membership.TierRule],
) -> list[tuple[tuple[Any, ...], tuple[int, ...]]]:
    """Per group of ``dimensions`` (none: one row), the metric's sums over ``[since,
    until)``: ``[(keys, sums)]``, groups with no fact absent."""
    f = _facts(source, since, until)
    keys = [_key(d, f, starts, tiers).label(f"k{i}") for i, d in enumerate(dimensions)]
    conditions = [_where(flt, f, tiers) for flt in filters]
    if metric == "repurchase_rate":
        per_member = (
            select(*keys, f.c.member_id, func.count(distinct(f.c.order_id)).label("n"))
            .select_from(f)
            .where(*conditions)
            .group_by(*keys, f.c.member_id)
            .subquery("per_member")
        )
        outer = [per_member.c[f"k{i}"] for i in range(len(keys))]
        stmt = select(
            *outer, func.sum(case((per_member.c.n >= 2, 1), else_=0)), func.count()
        ).group_by(*outer)
    else:
        stmt = select(*keys, *_measures(metric, source, f)).select_from(f).where(*conditions)
        if keys:
            stmt = stmt.group_by(*keys)
    n = len(keys)
    return [
        (tuple(row[:n]), tuple(int(v or 0) for v in row[n:])) for row in await session.execute(stmt)
    ]


async def product_titles(
    session: AsyncSession, product_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, str]:
    """The title a product was sold under in the period (the latest line's)."""
    if not product_ids:
        return {}
    lines = orders.line_facts(since, until)
    stmt = (
        select(lines.c.product_id, func.max(lines.c.title))
        .where(lines.c.product_id.in_(list(product_ids)))
        .group_by(lines.c.product_id)
    )
    return {int(pid): str(title) for pid, title in await session.execute(stmt)}

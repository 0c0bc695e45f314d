"""智能问数: a question → a :class:`Query` (the parser, or the LLM fallback when one is set and
the parser could not map it) → rows, a chart and the query in words.

Read-only: nothing is written (the console keeps a staff member's recent questions locally).
A metric the staff member's role may not see is refused with 403
``insights.ask_metric_forbidden`` naming the metric and the permission it needs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import public as catalog
from shoplet.modules.insights.costs import div_round, permille
from shoplet.modules.membership import public as membership
from shoplet.modules.staff.public import StaffIdentity

from . import dates, lexicon, llm, parser, repository
from .errors import MetricForbidden, QuestionEmpty, QuestionTooLong
from .schemas import MAX_QUESTION, Answer, Chart, Column, Filter, Query
from .semantic import (
    CHANNEL_NAMES,
    DIMENSION_BY_KEY,
    LINE_DIMENSIONS,
    METRIC_BY_KEY,
    REGION_GROUPS,
    DimensionKey,
    Metric,
    Source,
)

log = structlog.get_logger(__name__)

MAX_ROWS: Final = 50
MAX_BUCKETS: Final = 400


async def _lexicon(
    session: AsyncSession,
) -> tuple[lexicon.Lexicon, tuple[membership.TierRule, ...]]:
    tree = await catalog.list_categories(session)
    found: list[tuple[str, str, str | None]] = []
    todo = list(tree)
    while todo:
        c = todo.pop()
        found.append((str(c.id), c.name, None if c.parent_id is None else str(c.parent_id)))
        todo.extend(c.children)
    tiers = await membership.tier_table(session)
    return lexicon.build(found, [(t.level, t.code, t.name) for t in tiers]), tiers


def source_of(metric: Metric, query: Query) -> Source | None:
    """The facts a query reads: the metric's own, or its lines when 品类/商品 split or filter
    it (None: the metric has no meaning per line)."""
    used = set(query.dimensions) | {f.dimension for f in query.filters}
    if used & LINE_DIMENSIONS:
        return metric.line_source
    return metric.source


def supported(query: Query) -> str | None:
    """Why the semantic layer cannot answer ``query`` (None: it can)."""
    metric = METRIC_BY_KEY[query.metric]
    used = set(query.dimensions) | {f.dimension for f in query.filters}
    blocked = sorted(used - metric.dimensions)
    if blocked or source_of(metric, query) is None:
        names = "、".join(DIMENSION_BY_KEY[d].name for d in blocked) or "品类/商品"
        return f"「{metric.name}」不能按{names}拆分或筛选。"
    if not all(_valid_filter(f) for f in query.filters):
        return "筛选条件无效。"
    if (query.range.end - query.range.start).days + 1 > dates.MAX_DAYS:
        return f"时间范围最长 {dates.MAX_DAYS} 天。"
    return None


_FILTER_VALUE: Final = {
    "region_group": re.compile(f"^(?:{'|'.join(REGION_GROUPS)})$"),
    "province": re.compile(r"^\d{2}$"),
    "city": re.compile(r"^\d{6}$"),
    "category": re.compile(r"^\d{1,18}$"),
    "product": re.compile(r"^\d{1,18}$"),
    "channel": re.compile(f"^(?:{'|'.join(CHANNEL_NAMES)})$"),
    "tier": re.compile(r"^\d{1,2}$"),
}


def _valid_filter(flt: Filter) -> bool:
    """A filter's values have the shape its dimension's keys have (an LLM's answer is input)."""
    pattern = _FILTER_VALUE.get(flt.dimension)
    return pattern is not None and all(pattern.fullmatch(v) for v in flt.values)


async def _from_llm(question: str, now: datetime) -> Query | None:
    provider = llm.provider()
    if provider is None:
        return None
    try:
        raw = await provider.to_query(llm.redact(question), llm.build_prompt(dates.shop_today(now)))
        query = Query.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        log.info("ask_llm_unusable", error=type(exc).__name__)
        return None
    except Exception:
        log.warning("ask_llm_failed", exc_info=True)
        return None
    return query if supported(query) is None else None


async def ask(session: AsyncSession, staff: StaffIdentity, question: str, now: datetime) -> Answer:
    """Answer ``question`` for ``staff`` against ``now`` (400 ``insights.ask_empty`` /
    ``insights.ask_too_long``, 403 ``insights.ask_metric_forbidden``)."""
    text = parser.normalise(question)
    if not text:
        raise QuestionEmpty("请输入问题")
    if len(text) > MAX_QUESTION:
        raise QuestionTooLong(f"问题最长 {MAX_QUESTION} 个字（收到 {len(text)} 个）")
    words, tiers = await _lexicon(session)
    parsed = await asyncio.to_thread(parser.parse, text, now, words)
    query, via = parsed.query, "parser"
    if query is None and (query := await _from_llm(text, now)) is not None:
        via = "llm"
    if query is None:
        return Answer(
            question=text,
            query=None,
            description="",
            columns=[],
            rows=[],
            chart=None,
            message=parsed.message,
            suggestions=list(parsed.suggestions),
            via="none",
        )
    metric = METRIC_BY_KEY[query.metric]
    if metric.permission not in staff.permissions:
        raise MetricForbidden(
            f"您的角色没有查看「{metric.name}」的权限（需要 {metric.permission}）",
            metric=metric.key,
            permission=metric.permission,
        )
    answer = await execute(session, query, words, tiers)
    return answer.model_copy(
        update={
            "question": text,
            "message": parsed.message if via == "parser" else "由大模型理解问题后查询",
            "suggestions": list(parsed.suggestions),
            "via": via,
        }
    )


def finish(metric: Metric, sums: Sequence[int] | None) -> int | None:
    """A metric's value from its sums (None: no denominator, e.g. 客单价 with no order)."""
    if sums is None:
        return 0 if metric.unit != "permille" and metric.key != "aov" else None
    match metric.key:
        case "aov":
            return div_round(sums[0], sums[1]) if sums[1] > 0 else None
        case "refund_rate" | "pay_conversion" | "repurchase_rate":
            return permille(sums[0], sums[1])
        case _:
            return sums[0]


def delta_permille(current: int | None, previous: int | None) -> int | None:
    """The change from ``previous`` to ``current`` in ‰ of ``previous``."""
    if current is None or previous is None or previous == 0:
        return None
    return div_round((current - previous) * 1000, abs(previous))


def _bucket_label(start: date, grain: str | None) -> str:
    if grain == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


async def _labels(
    session: AsyncSession, query: Query, keys: set[tuple[Any, ...]], words: lexicon.Lexicon
) -> dict[int, dict[Any, str]]:
    """Per dimension position: key → label."""
    regions = lexicon.regions()
    since, until = dates.bounds(dates.DateRange(query.range.start, query.range.end, ""))
    out: dict[int, dict[Any, str]] = {}
    for i, dim in enumerate(query.dimensions):
        values = {k[i] for k in keys}
        match dim:
            case "province":
                out[i] = {v: regions.province_names.get(str(v), str(v)) for v in values}
            case "city":
                out[i] = {v: regions.city_names.get(str(v), str(v)) for v in values}
            case "category":
                out[i] = {v: words.category_names.get(str(v), "未分类") for v in values}
            case "product":
                ids = [int(v) for v in values if v is not None]
                titles = await repository.product_titles(session, ids, since, until)
                out[i] = {v: titles.get(int(v), f"#{v}") for v in values if v is not None}
            case "channel":
                out[i] = {v: CHANNEL_NAMES.get(str(v), str(v)) for v in values}
            case "tier":
                out[i] = {v: words.tier_names.get(str(v), f"V{v}") for v in values}
            case _:
                out[i] = {v: str(v) for v in values}
    return out


def describe(query: Query) -> str:
    """The query in words: 销售额 · 按品类 · 2026-11-23至2026-11-29 · 华东 · 前10."""
    metric = METRIC_BY_KEY[query.metric]
    parts = [metric.name]
    if query.dimensions:
        dims = []
        for d in query.dimensions:
            name = DIMENSION_BY_KEY[d].name
            if d == "date":
                name = {"day": "按天", "week": "按周", "month": "按月"}[query.grain or "day"]
                dims.append(name)
            else:
                dims.append(f"按{name}")
        parts.append("、".join(dims))
    parts.append(_span_text(query.range.start, query.range.end))
    parts.extend("、".join(f.labels or f.values) for f in query.filters)
    if query.compare is not None:
        kind = "环比" if query.compare_kind == "previous" else "同比"
        parts.append(f"{kind} {_span_text(query.compare.start, query.compare.end)}")
    if query.order is not None and query.limit is not None:
        parts.append(f"{'前' if query.order == 'desc' else '后'}{query.limit}")
    return " · ".join(parts)


def _span_text(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}至{end.isoformat()}"


async def execute(
    session: AsyncSession,
    query: Query,
    words: lexicon.Lexicon,
    tiers: Sequence[membership.TierRule],
) -> Answer:
    """Run ``query`` (one grouped statement per range) and shape the rows and the chart."""
    metric = METRIC_BY_KEY[query.metric]
    source = source_of(metric, query)
    assert source is not None  # noqa: S101 - the parser and supported() keep it so
    rng = dates.DateRange(query.range.start, query.range.end, query.range.label)
    has_date = "date" in query.dimensions
    starts = dates.buckets(rng, query.grain or "day") if has_date else [rng.start]
    if len(starts) > MAX_BUCKETS:
        starts = dates.buckets(rng, "month")
        query = query.model_copy(update={"grain": "month"})
    since, until = dates.bounds(rng)
    current = dict(
        await repository.aggregate(
            session,
            metric.key,
            source,
            query.dimensions,
            query.filters,
            since,
            until,
            starts,
            tiers,
        )
    )
    previous: dict[tuple[Any, ...], tuple[int, ...]] | None = None
    if query.compare is not None:
        crng = dates.DateRange(query.compare.start, query.compare.end, query.compare.label)
        cstarts = dates.buckets(crng, query.grain or "day") if has_date else [crng.start]
        csince, cuntil = dates.bounds(crng)
        previous = dict(
            await repository.aggregate(
                session,
                metric.key,
                source,
                query.dimensions,
                query.filters,
                csince,
                cuntil,
                cstarts,
                tiers,
            )
        )
    keys = set(current) | set(previous or {})
    if has_date:
        # Every bucket is shown, with or without facts.
        pos = query.dimensions.index("date")
        others = {(*k[:pos], *k[pos + 1 :]) for k in keys} or (
            {()} if len(query.dimensions) == 1 else set()
        )
        keys = {(*o[:pos], i, *o[pos:]) for o in others for i in range(len(starts))}
    if not query.dimensions:
        keys = {()}
    labels = await _labels(session, query, keys, words)
    rows: list[tuple[tuple[Any, ...], list[Any], int | None]] = []
    for key in keys:
        value = finish(metric, current.get(key))
        shown: list[Any] = []
        for i, dim in enumerate(query.dimensions):
            if dim == "date":
                shown.append(_bucket_label(starts[key[i]], query.grain))
            else:
                shown.append(labels[i].get(key[i], str(key[i])))
        shown.append(value)
        if previous is not None:
            before = finish(metric, previous.get(key))
            shown += [before, delta_permille(value, before)]
        rows.append((key, shown, value))
    rows = _ordered(query, rows)
    columns = [
        Column(key=d, label=_column_label(d, query), kind="dimension") for d in query.dimensions
    ]
    columns.append(Column(key=metric.key, label=metric.name, kind=metric.unit))
    if query.compare is not None:
        columns += [
            Column(key="previous", label="对比期", kind=metric.unit),
            Column(key="delta_permille", label="变化", kind="permille"),
        ]
    table = [r[1] for r in rows]
    return Answer(
        question="",
        query=query,
        description=describe(query),
        columns=columns,
        rows=table,
        chart=_chart(query, metric, table),
        message=None,
        suggestions=[],
        via="parser",
    )


def _column_label(dimension: DimensionKey, query: Query) -> str:
    if dimension == "date":
        return {"day": "日期", "week": "周（起始日）", "month": "月份"}[query.grain or "day"]
    return DIMENSION_BY_KEY[dimension].name


def _ordered(
    query: Query, rows: list[tuple[tuple[Any, ...], list[Any], int | None]]
) -> list[tuple[tuple[Any, ...], list[Any], int | None]]:
    def by_key(row: tuple[tuple[Any, ...], list[Any], int | None]) -> tuple[str, ...]:
        return tuple(str(v) for v in row[1][: len(query.dimensions)])

    if query.order is None and "date" in query.dimensions:
        date_pos = query.dimensions.index("date")
        return sorted(rows, key=lambda r: (r[0][date_pos], by_key(r)))
    descending = query.order != "asc"
    present = [r for r in rows if r[2] is not None]
    missing = sorted((r for r in rows if r[2] is None), key=by_key)
    present.sort(key=by_key)
    present.sort(key=lambda r: r[2] or 0, reverse=descending)
    limit = query.limit or MAX_ROWS
    return (present + missing)[:limit]


def _chart(query: Query, metric: Metric, table: list[list[Any]]) -> Chart:
    dims = query.dimensions
    y = [metric.key] + (["previous"] if query.compare is not None else [])
    if not dims:
        row = table[0]
        compared = query.compare is not None
        return Chart(
            type="number",
            x=None,
            y=[],
            group=None,
            unit=metric.unit,
            value=row[0],
            previous=row[1] if compared else None,
            delta_permille=row[2] if compared else None,
        )
    none: dict[str, Any] = {"value": None, "previous": None, "delta_permille": None}
    if dims == ("date",) and query.order is None:
        return Chart(type="line", x="date", y=y, group=None, unit=metric.unit, **none)
    if len(dims) == 1:
        return Chart(type="bar", x=dims[0], y=y, group=None, unit=metric.unit, **none)
    if "date" in dims and query.order is None:
        other = next(d for d in dims if d != "date")
        return Chart(type="line", x="date", y=[metric.key], group=other, unit=metric.unit, **none)
    return Chart(type="table", x=None, y=y, group=None, unit=metric.unit, **none)

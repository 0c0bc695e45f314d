"""Behaviour events: ingestion, funnels (with breakdowns by platform, channel, region, segment
or experiment arm), traffic, retention, a member's deletion and the store's upkeep
(docs/analytics.md, "Events")."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from shoplet.core.schemas import Page
from shoplet.modules.analytics import clickhouse, explorer, funnels, funnels_clickhouse, ingest
from shoplet.modules.analytics.behaviour import realtime
from shoplet.modules.analytics.behaviour import service as behaviour
from shoplet.modules.analytics.errors import (
    BreakdownTargetMissing,
    BreakdownTargetUnknown,
    InvalidFunnel,
)
from shoplet.modules.analytics.profiles import service as profiles
from shoplet.modules.analytics.schemas import (
    EventBatch,
    EventDeletion,
    EventRow,
    EventsAccepted,
    EventTrend,
    EventTrendPoint,
    FunnelGroup,
    FunnelQuery,
    FunnelResult,
    FunnelStepResult,
    RetentionCohort,
    RetentionResult,
)
from shoplet.modules.analytics.service.customer_value import log
from shoplet.modules.experiments import public as experiments
from shoplet.modules.members import public as members


async def ingest_events(
    ctx: AppContext,
    batch: EventBatch,
    *,
    member_id: int | None,
    ip: str,
    user_agent: str | None,
) -> EventsAccepted:
    """Check a client batch and queue it for the writer. Obvious bots are answered as if
    recorded and dropped; the device and the address are rate limited (429); a batch with any
    bad event is refused whole (nothing queued)."""
    if ingest.is_bot(user_agent):
        return EventsAccepted(accepted=0, dropped=len(batch.events))
    spec = ctx.settings.analytics_events_rate_limit
    await ctx.limiter.hit(spec, "analytics-events", "device", batch.anonymous_id)
    await ctx.limiter.hit(spec, "analytics-events", "ip", ip)
    rows = ingest.batch_rows(
        batch,
        member_id=member_id,
        now=utcnow(),
        max_future=timedelta(seconds=ctx.settings.analytics_events_max_future_seconds),
        max_age=timedelta(days=ctx.settings.analytics_events_max_age_days),
    )
    await ingest.queue_of(ctx).put(rows)
    await behaviour.record_seen(ctx, rows)
    return EventsAccepted(accepted=len(rows), dropped=0)


def _check_range(first: date, last: date) -> None:
    if first > last:
        raise InvalidFunnel("date_from is after date_to")
    if (last - first).days > 366:
        raise InvalidFunnel("a range covers at most 366 days")


def _steps(query: FunnelQuery) -> list[funnels.Step]:
    return [
        funnels.Step(
            step.event, tuple((f.key, funnels.filter_value(f.value)) for f in step.filters)
        )
        for step in query.steps
    ]


def _step_results(counts: Sequence[funnels.StepCount]) -> list[FunnelStepResult]:
    return [
        FunnelStepResult(
            event=c.event,  # type: ignore[arg-type]
            count=c.count,
            conversion=c.conversion,
            step_conversion=c.step_conversion,
            drop_off=c.drop_off,
        )
        for c in counts
    ]


# Values and labels of the breakdowns by who the person is (``funnels.PERSON_BREAKDOWNS``).
UNKNOWN_REGION = "unknown"
SEGMENT_LABELS = {"in": "属于", "out": "不属于", "anonymous": "匿名访客"}
NOT_EXPOSED = "(none)"
NOT_EXPOSED_LABEL = "未参与"
REGION_LABELS = {
    code: name for code, name in realtime.PROVINCES.items() if code != realtime.NO_ADDRESS
} | {UNKNOWN_REGION: "未知"}

ValuesOf = Callable[[AsyncSession, list[int], list[str]], Awaitable[funnels.PersonValues]]


@dataclass(frozen=True, slots=True)
class PersonBreakdown:
    """How a breakdown by who the person is finds the funnel persons' values (one look-up for
    all of them), and the labels of those values."""

    values_of: ValuesOf
    labels: Mapping[str, str]


def _check_breakdown(query: FunnelQuery) -> None:
    """segment_id goes with breakdown=segment and experiment_id with breakdown=experiment, each
    required there and refused elsewhere (400 ``analytics.breakdown_target_missing``)."""
    for kind, given in (("segment", query.segment_id), ("experiment", query.experiment_id)):
        if query.breakdown == kind and given is None:
            raise BreakdownTargetMissing(f"breakdown={kind} needs {kind}_id")
        if query.breakdown != kind and given is not None:
            raise BreakdownTargetMissing(f"{kind}_id goes only with breakdown={kind}")


async def _region_values(
    session: AsyncSession, member_ids: list[int], _devices: list[str]
) -> funnels.PersonValues:
    codes = await members.default_region_codes(session, member_ids)
    provinces = {m: realtime.province_of(code) for m, code in codes.items()}
    return funnels.PersonValues(
        member_default=UNKNOWN_REGION,
        device_default=UNKNOWN_REGION,
        members={m: p for m, p in provinces.items() if p != realtime.NO_ADDRESS},
    )


async def person_breakdown(session: AsyncSession, query: FunnelQuery) -> PersonBreakdown:
    """Region: the province of the member's default address (events carry no place; devices
    and members without an address: ``unknown``). Segment: ``in`` / ``out`` of the saved
    segment as evaluated now, once (devices: ``anonymous``). Experiment: the key of the arm the
    member (``m:<id>``) or the device (``d:<anonymous id>``) was exposed to, else ``(none)``.
    400 ``analytics.breakdown_target_unknown`` for a segment or experiment that does not
    exist (checked before any event is read)."""
    if query.breakdown == "region":
        return PersonBreakdown(_region_values, REGION_LABELS)
    if query.breakdown == "segment" and query.segment_id is not None:
        ids = await profiles.audience_member_ids(session, segment_id=query.segment_id)
        if ids is None:
            raise BreakdownTargetUnknown(f"no segment {query.segment_id}")
        inside = frozenset(ids)

        async def segment_values(
            _session: AsyncSession, member_ids: list[int], _devices: list[str]
        ) -> funnels.PersonValues:
            return funnels.PersonValues(
                member_default="out",
                device_default="anonymous",
                members={m: "in" for m in member_ids if m in inside},
            )

        return PersonBreakdown(segment_values, SEGMENT_LABELS)
    if query.breakdown == "experiment" and query.experiment_id is not None:
        experiment_id = query.experiment_id
        names = await experiments.arm_names(session, experiment_id)
        if names is None:
            raise BreakdownTargetUnknown(f"no experiment {experiment_id}")

        async def arm_values(
            session: AsyncSession, member_ids: list[int], devices: list[str]
        ) -> funnels.PersonValues:
            units = [experiments.member_unit(m) for m in member_ids]
            units += [experiments.device_unit(d) for d in devices]
            arms = await experiments.exposed_arms(session, experiment_id, units)
            member_arms = {m: arms.get(experiments.member_unit(m)) for m in member_ids}
            device_arms = {d: arms.get(experiments.device_unit(d)) for d in devices}
            return funnels.PersonValues(
                member_default=NOT_EXPOSED,
                device_default=NOT_EXPOSED,
                members={m: a for m, a in member_arms.items() if a is not None},
                devices={d: a for d, a in device_arms.items() if a is not None},
            )

        return PersonBreakdown(arm_values, {**names, NOT_EXPOSED: NOT_EXPOSED_LABEL})
    raise AssertionError(f"not a breakdown by person: {query.breakdown}")


async def _person_funnel(
    ctx: AppContext, query: FunnelQuery, steps: Sequence[funnels.Step], how: PersonBreakdown
) -> tuple[list[funnels.StepCount], dict[str, list[funnels.StepCount]]]:
    """The levels in DuckDB, the persons' values from the database (a short read session, not
    held while DuckDB works), the counts per value back in DuckDB on the same connection."""
    import duckdb

    store = ingest.store_of(ctx)
    for attempt in range(3):
        try:
            with store.reader(start=query.date_from, end=query.date_to) as con:
                member_ids, devices = await asyncio.to_thread(
                    funnels.materialise_levels,
                    con,
                    steps,
                    window_seconds=query.window_seconds,
                    first=query.date_from,
                    last=query.date_to,
                )
                async with read_session(ctx.sessionmaker) as session:
                    values = await how.values_of(session, member_ids, devices)
                return await asyncio.to_thread(funnels.count_by_person, con, steps, values)
        except duckdb.IOException:  # a compaction removed a file: list the files again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _clickhouse_funnel(
    ctx: AppContext, query: FunnelQuery, steps: Sequence[funnels.Step]
) -> list[funnels.StepCount] | None:
    """``windowFunnel`` where it answers (``funnels_clickhouse.answers``): on the ClickHouse
    server when one is configured (``clickhouse.py``), else through chDB over the funnel index;
    None leaves the funnel to DuckDB, as does a server that fails (the Parquet store holds the
    same events)."""
    if ctx.settings.analytics_funnel_engine != "auto" or not funnels_clickhouse.answers(
        steps, query.breakdown
    ):
        return None
    server = clickhouse.server_of(ctx)
    if server is not None:
        try:
            return await server.funnel(
                steps,
                window_seconds=query.window_seconds,
                first=query.date_from,
                last=query.date_to,
            )
        except clickhouse.ClickHouseError as exc:
            log.warning("analytics_clickhouse_funnel_failed", code=exc.code, error=str(exc))
    if not funnels_clickhouse.installed():
        return None
    return await asyncio.to_thread(
        funnels_clickhouse.run_funnel,
        ingest.store_of(ctx),
        steps,
        window_seconds=query.window_seconds,
        first=query.date_from,
        last=query.date_to,
    )


async def funnel(ctx: AppContext, query: FunnelQuery) -> FunnelResult:
    """Per step: persons, conversion and drop-off, overall and per breakdown value."""
    _check_range(query.date_from, query.date_to)
    _check_breakdown(query)
    steps = _steps(query)
    labels: Mapping[str, str] = {}
    if query.breakdown in funnels.PERSON_BREAKDOWNS:
        async with read_session(ctx.sessionmaker) as session:
            how = await person_breakdown(session, query)
        labels = how.labels
        overall, groups = await _person_funnel(ctx, query, steps, how)
    elif (counted := await _clickhouse_funnel(ctx, query, steps)) is not None:
        overall, groups = counted, {}
    else:
        store = ingest.store_of(ctx)

        def run(con: Any) -> tuple[list[funnels.StepCount], dict[str, list[funnels.StepCount]]]:
            return funnels.run_funnel(
                con,
                steps,
                window_seconds=query.window_seconds,
                first=query.date_from,
                last=query.date_to,
                breakdown=query.breakdown,
            )

        overall, groups = await asyncio.to_thread(
            store.read, run, start=query.date_from, end=query.date_to
        )
    return FunnelResult(
        steps=_step_results(overall),
        breakdown=query.breakdown,
        groups=[
            FunnelGroup(value=v, label=labels.get(v), steps=_step_results(c))
            for v, c in groups.items()
        ],
    )


def funnel_csv(result: FunnelResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["group", "step", "event", "persons", "conversion", "step_conversion", "drop_off"]
    )
    groups = [("all", result.steps)] + [(g.label or g.value, g.steps) for g in result.groups]
    for name, steps in groups:
        for number, s in enumerate(steps, start=1):
            writer.writerow(
                [name, number, s.event, s.count, s.conversion, s.step_conversion, s.drop_off]
            )
    return out.getvalue()


async def traffic(
    ctx: AppContext,
    *,
    since: datetime,
    until: datetime,
    bucket_seconds: int,
    offset_seconds: int = 0,
) -> dict[datetime, tuple[int, int]]:
    """(UV, PV) per bucket from the event store (see ``funnels.run_traffic``)."""
    store = ingest.store_of(ctx)

    def run(con: Any) -> dict[datetime, tuple[int, int]]:
        return funnels.run_traffic(
            con,
            since=since,
            until=until,
            bucket_seconds=bucket_seconds,
            offset_seconds=offset_seconds,
        )

    return await asyncio.to_thread(
        store.read, run, start=since.astimezone(UTC).date(), end=until.astimezone(UTC).date()
    )


async def retention(ctx: AppContext, first: date, last: date, weeks: int) -> RetentionResult:
    _check_range(first, last)
    store = ingest.store_of(ctx)

    def run(con: Any) -> list[tuple[date, int, list[int]]]:
        return funnels.run_retention(con, first=first, last=last, weeks=weeks)

    rows = await asyncio.to_thread(store.read, run, start=first, end=last)
    return RetentionResult(
        weeks=weeks,
        cohorts=[RetentionCohort(week=w, size=size, retained=r) for w, size, r in rows],
    )


async def event_trend(ctx: AppContext, f: explorer.EventFilter) -> EventTrend:
    """事件分析: events and persons per shop day and event (400 on a bad range)."""
    _check_range(f.first, f.last)
    store = ingest.store_of(ctx)
    rows = await asyncio.to_thread(
        store.read, lambda con: explorer.run_trend(con, f), start=f.first, end=f.last
    )
    return EventTrend(
        date_from=f.first,
        date_to=f.last,
        points=[EventTrendPoint(day=d, event=e, count=n, persons=p) for d, e, n, p in rows],
    )


_LATEST_MICROS = 4_102_444_800_000_000  # 2100-01-01: a later cursor is not one we issued


async def event_list(
    ctx: AppContext, f: explorer.EventFilter, *, cursor: str | None, limit: int
) -> Page[EventRow]:
    """The events themselves, newest first, by keyset (time, event id); 400 on a bad range or
    a cursor this API did not issue."""
    _check_range(f.first, f.last)
    before: tuple[datetime, str] | None = None
    if cursor is not None:
        micros, event_id = decode_cursor(cursor, length=2)
        if not (isinstance(micros, int) and 0 <= micros <= _LATEST_MICROS) or not isinstance(
            event_id, str
        ):
            raise InvalidCursor("cursor is not one this API issued")
        before = (datetime.fromtimestamp(0, UTC) + timedelta(microseconds=micros), event_id)
    store = ingest.store_of(ctx)
    records = await asyncio.to_thread(
        store.read,
        lambda con: explorer.run_list(con, f, before=before, limit=limit + 1),
        start=f.first,
        end=f.last,
    )
    page, more = records[:limit], len(records) > limit
    last = page[-1] if page else None
    return Page[EventRow](
        items=[EventRow(**asdict(r)) for r in page],
        next_cursor=(
            encode_cursor([_micros(last.ts), last.event_id]) if more and last is not None else None
        ),
    )


def _micros(moment: datetime) -> int:
    delta = moment - datetime.fromtimestamp(0, UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


EVENTS_EXPORT_LIMIT = 10_000
EVENT_CSV_COLUMNS = [
    "ts",
    "event",
    "person",
    "member_id",
    "anonymous_id",
    "platform",
    "page",
    "scene",
    "source",
    "properties",
]


async def event_csv(ctx: AppContext, f: explorer.EventFilter) -> tuple[str, int]:
    """The newest ``EVENTS_EXPORT_LIMIT`` events matching ``f`` as CSV, and how many rows it
    holds."""
    listed = await event_list(ctx, f, cursor=None, limit=EVENTS_EXPORT_LIMIT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EVENT_CSV_COLUMNS)
    for row in listed.items:
        writer.writerow(
            [
                row.ts.isoformat(),
                row.event,
                row.person,
                row.member_id,
                row.anonymous_id,
                row.platform,
                row.page,
                row.scene,
                row.source,
                json.dumps(row.properties, ensure_ascii=False, separators=(",", ":")),
            ]
        )
    return out.getvalue(), len(listed.items)


async def delete_member_events(ctx: AppContext, member_id: int) -> EventDeletion:
    """A member's deletion request: queued events are written first, then every day holding
    the member's events (and the anonymous events merged into them) is rewritten without them.
    With a ClickHouse server configured, the same rows are deleted there first; a server that
    fails gives 503 ``analytics.event_store_unavailable`` before anything is deleted."""
    server = clickhouse.server_of(ctx)
    try:
        await ingest.flush(ctx)
        if server is not None:
            removed_there = await server.delete_member(member_id)
            log.info(
                "analytics_clickhouse_events_deleted", member_id=member_id, removed=removed_there
            )
    except clickhouse.ClickHouseError as exc:
        raise clickhouse.unavailable(exc) from exc
    removed = await asyncio.to_thread(ingest.store_of(ctx).delete_member, member_id)
    log.info("analytics_events_deleted", member_id=member_id, removed=removed)
    return EventDeletion(member_id=member_id, removed=removed)


async def compact_events(ctx: AppContext) -> int:
    """Merge each day's files into one (duplicates dropped) and index it for funnels; today's
    day is left to grow."""
    store = ingest.store_of(ctx)
    today = utcnow().date()
    merged = 0
    for day in store.days():
        if day < today:
            merged += await asyncio.to_thread(store.compact, day)
    return merged


async def expire_events(ctx: AppContext) -> list[date]:
    """Retention: drop the days older than ``SHOPLET_ANALYTICS_EVENTS_RETENTION_DAYS``."""
    oldest = utcnow().date() - timedelta(days=ctx.settings.analytics_events_retention_days)
    dropped = await asyncio.to_thread(ingest.store_of(ctx).drop_before, oldest)
    if dropped:
        log.info("analytics_events_expired", days=[d.isoformat() for d in dropped])
    return dropped

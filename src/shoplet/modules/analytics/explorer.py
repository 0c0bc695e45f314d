"""事件分析, the events explorer: tracked events per shop day (count and persons) and the events
themselves, newest first, filtered by event, platform, page, member or device. Both read the
``person_events`` view of ``EventStore.read`` (identities merged: a member's filter finds the
events of the devices they signed in on too). Synchronous DuckDB; callers run it in a thread. The
SQL holds only the fixed clauses of ``_where``; every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shoplet.modules.analytics.funnels import shop_day_bounds


@dataclass(frozen=True)
class EventFilter:
    """What the explorer reads: shop days ``first..last`` and, when given, only these events,
    this platform, pages starting with ``page``, this member (as a person) or this device."""

    first: date
    last: date
    events: Sequence[str] = ()
    platform: str | None = None
    page: str | None = None
    member_id: int | None = None
    anonymous_id: str | None = None


def _where(f: EventFilter) -> tuple[str, list[Any]]:
    start, end = shop_day_bounds(f.first, f.last)
    clauses = ["ts >= ?", "ts < ?"]
    params: list[Any] = [start, end]
    if f.events:
        clauses.append("list_contains(?::VARCHAR[], event)")
        params.append(list(f.events))
    if f.platform is not None:
        clauses.append("platform = ?")
        params.append(f.platform)
    if f.page is not None:
        clauses.append("starts_with(page, ?)")
        params.append(f.page)
    if f.member_id is not None:
        clauses.append("person = ?")
        params.append(f"m:{int(f.member_id)}")
    if f.anonymous_id is not None:
        clauses.append("anonymous_id = ?")
        params.append(f.anonymous_id)
    return " AND ".join(clauses), params


def run_trend(con: Any, f: EventFilter) -> list[tuple[date, str, int, int]]:
    """(shop day, event, events, persons) for every day and event with events, in order."""
    where, params = _where(f)
    rows = con.execute(
        "SELECT CAST(ts AT TIME ZONE 'Asia/Shanghai' AS DATE) AS day, event, count(*), "  # noqa: S608
        f"count(DISTINCT person) FROM person_events WHERE {where} "
        "GROUP BY day, event ORDER BY day, event",
        params,
    ).fetchall()
    return [(d, str(e), int(n), int(p)) for d, e, n, p in rows]


@dataclass(frozen=True)
class EventRecord:
    ts: datetime
    event_id: str
    event: str
    person: str
    member_id: int | None
    anonymous_id: str | None
    platform: str | None
    page: str | None
    scene: int | None
    source: str | None
    properties: dict[str, Any]


def _properties(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def run_list(
    con: Any, f: EventFilter, *, before: tuple[datetime, str] | None, limit: int
) -> list[EventRecord]:
    """The newest ``limit`` events matching ``f`` older than ``before`` (time, event id)."""
    where, params = _where(f)
    if before is not None:
        where += " AND (ts < ? OR (ts = ? AND event_id < ?))"
        params += [before[0], before[0], before[1]]
    rows = con.execute(
        "SELECT ts, event_id, event, person, member_id, anonymous_id, platform, page, scene, "  # noqa: S608
        f"source, properties FROM person_events WHERE {where} "
        "ORDER BY ts DESC, event_id DESC LIMIT ?",
        [*params, int(limit)],
    ).fetchall()
    return [
        EventRecord(
            ts=ts.astimezone(UTC),
            event_id=str(event_id),
            event=str(event),
            person=str(person),
            member_id=None if member is None else int(member),
            anonymous_id=anonymous,
            platform=platform,
            page=page,
            scene=None if scene is None else int(scene),
            source=source,
            properties=_properties(properties),
        )
        for (
            ts,
            event_id,
            event,
            person,
            member,
            anonymous,
            platform,
            page,
            scene,
            source,
            properties,
        ) in rows
    ]

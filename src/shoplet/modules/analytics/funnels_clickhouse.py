"""Funnels in ClickHouse's dialect: ``windowFunnel`` over the funnel index, run by chDB (the
embedded ClickHouse) when it is installed (``pip install 'shoplet[clickhouse]'``).

The funnel is the one of ``funnels`` (ClickHouse ``windowFunnel`` semantics, which ``funnels``
reproduces with ASOF joins in DuckDB): the longest chain of steps, each strictly later than the
one before, all within ``window`` of the first. ``windowFunnel`` groups the index's rows by
person and walks each person's events once in time order, keeping per level the latest start
that reached it; no join sorts the step-1 rows against the others, which is where DuckDB spends
most of a funnel (bench/analytics_events.py measures both over 10 M events).

``windowFunnel`` takes events of the same instant in condition order, so a step could follow
the one before at the same microsecond; its ``strict_increase`` mode, which forbids that, loses
a chain when a tie replaces an earlier step (add_to_cart at 10:00, then add_to_cart and
pay_click both at 10:30: no level 3). The time is therefore given in 1/32 µs with the later
step first within a microsecond (``funnel_sql``), which keeps steps strictly ordered and every
earlier chain. A funnel naming an event twice would make one row two steps: DuckDB's.

Only funnels the index answers come here (no property filters, no breakdown), and only when
every day of the range has a current index: a day not compacted yet, or a file removed by a
compaction while the query read it, gives ``None`` and the caller runs the DuckDB path, which
reads such days from the events. Identities are merged as there: each claimed device counts as
the member who first claimed it over the days read.

One query at a time per process (a lock): chDB's connection is shared, and each query uses
every core. ``chdb`` is imported with the first funnel, never at API start-up; it adds about
290 MB to the process's resident memory (docs/analytics.md).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from shoplet.modules.analytics import funnels
from shoplet.modules.analytics.eventstore import EventStore

_LOCK = threading.Lock()
_ATTEMPTS = 3
_PATTERN = re.compile(r"[*?{}\[\],\\']")  # what file() reads as a pattern (and quotes)
_TIES = 32  # at most this many steps (windowFunnel's own limit)


def installed() -> bool:
    """Whether chDB can be imported (the ``clickhouse`` extra)."""
    return importlib.util.find_spec("chdb") is not None


def literal(text: str) -> str:
    """A ClickHouse string literal (backslash and quote escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _files(paths: Sequence[Path], columns: str) -> str:
    """The files as one ``file()`` listing them in braces: read in parallel as one table,
    about a third faster than a ``UNION ALL`` of one ``file()`` each."""
    root = paths[0].parent.parent
    listed = ",".join(str(p.relative_to(root)) for p in paths)
    pattern = f"{root.resolve()}/{{{listed}}}"
    return f"(SELECT {columns} FROM file({literal(pattern)}, Parquet))"


def readable(store: EventStore) -> bool:
    """Whether ``file()`` can name the store's files: it reads ``* ? { } [ ] ,`` in a path as
    a pattern and has no escape for them (a store under such a folder stays with DuckDB)."""
    return not _PATTERN.search(str(store.root.resolve()))


def answers(steps: Sequence[funnels.Step], breakdown: str | None) -> bool:
    """Whether this funnel can run here: the index's funnels (no filters, no breakdown) whose
    steps are distinct events, so that each row is one step and ties order by step (see
    ``funnel_sql``); a funnel naming an event twice is DuckDB's."""
    events = [step.event for step in steps]
    return (
        funnels.uses_index(steps, breakdown)
        and 1 <= len(events) <= _TIES
        and len(set(events)) == len(events)
    )


def bounds_us(first: date, last: date) -> tuple[int, int]:
    """Shop days ``first..last`` as [start, end) in µs since the epoch, as ``funnel_sql`` takes
    them."""
    start, end = funnels.shop_day_bounds(first, last)
    return int(start.timestamp() * 1_000_000), int(end.timestamp() * 1_000_000)


def index_sources(indexes: Sequence[tuple[Path, Path]]) -> tuple[str, str]:
    """The ``rows`` and ``claims`` of ``funnel_sql`` over the given index files (at least one
    day)."""
    return (
        _files([r for r, _c in indexes], "p, ts, event"),
        _files([c for _r, c in indexes], "a, m, ts"),
    )


def funnel_sql(
    steps: Sequence[funnels.Step],
    window_seconds: int,
    *,
    start_us: int,
    end_us: int,
    rows: str,
    claims: str,
) -> str:
    """Rows ``(level, persons)`` for levels ≥ 1 over two sources: ``rows (p, ts, event)`` (the
    person before merging, the time in µs) and ``claims (a, m, ts)`` (a device, the member who
    signed in on it, when). The index's files (``index_sources``) or a ClickHouse server's
    table (``clickhouse.ClickHouseServer.funnel_sql``)."""
    names = [literal(step.event) for step in steps]
    conditions = ", ".join(f"r.event = {name}" for name in names)
    events = ", ".join(names)
    ranks = ", ".join(str(_TIES - 1 - i) for i in range(len(names)))
    # Time in 1/_TIES µs, a later step first among events of the same µs, so that no step
    # follows another at the same instant (windowFunnel takes ties in condition order).
    at = f"toUInt64(r.ts) * {_TIES} + transform(r.event, [{events}], [{ranks}], 0)"
    return (
        f"WITH ids AS (SELECT a, argMin(m, ts) AS m FROM {claims} GROUP BY a) "
        "SELECT level, count() FROM ("
        "SELECT coalesce(ids.m, r.p) AS person, "
        f"windowFunnel({int(window_seconds) * 1_000_000 * _TIES})({at}, {conditions}) AS level "
        f"FROM {rows} AS r LEFT JOIN ids ON r.p = ids.a "
        f"WHERE r.event IN ({events}) AND r.ts >= {int(start_us)} AND r.ts < {int(end_us)} "
        "GROUP BY person) WHERE level > 0 GROUP BY level ORDER BY level "
        "SETTINGS join_use_nulls = 1"
    )


def _levels(sql: str) -> dict[int, int]:
    import chdb

    query: Any = chdb.query  # untyped
    with _LOCK:
        result = query(sql, "CSV")
    out: dict[int, int] = {}
    for line in str(result).splitlines():
        if line.strip():
            level, persons = line.split(",")
            out[int(level)] = int(persons)
    return out


def run_funnel(
    store: EventStore,
    steps: Sequence[funnels.Step],
    *,
    window_seconds: int,
    first: date,
    last: date,
) -> list[funnels.StepCount] | None:
    """The funnel's step counts, or None when the DuckDB path must answer (a funnel ``answers``
    refuses, a day without a current index, or index files replaced while read, three times
    over, a store whose path ``file()`` cannot name)."""
    if not answers(steps, None) or not readable(store):
        return None
    start_us, end_us = bounds_us(first, last)
    for _attempt in range(_ATTEMPTS):
        indexes = store.current_indexes(first, last)
        if indexes is None:
            return None
        if not indexes:
            return funnels.step_counts(steps, {})
        rows, claims = index_sources(indexes)
        sql = funnel_sql(
            steps, window_seconds, start_us=start_us, end_us=end_us, rows=rows, claims=claims
        )
        try:
            levels = _levels(sql)
        except RuntimeError:
            # A compaction replaced a day's index between the listing and the read.
            if all(r.is_file() and c.is_file() for r, c in indexes):
                raise
            continue
        return funnels.step_counts(steps, levels)
    return None

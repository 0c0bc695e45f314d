"""Funnels and weekly retention as DuckDB SQL over the event store's ``person_events`` view.

**Funnel** (ClickHouse ``windowFunnel`` semantics): a person reaches level *k* when, after an
event matching step 1 at ``t0``, events matching steps 2..k follow in order, each strictly later
than the one before, all within ``window`` of ``t0``. For each step-1 event the earliest match of
the next step is taken (ASOF join on ``person`` and ``ts``): taking the earliest never loses a
later step, so the level of that start is exact; a person's level is the best over their starts.
Only events within the date range (shop days, Asia/Shanghai) count, for every step. With a
breakdown by what an event carries, the value is the step-1 event's (``platform``, or the
channel: ``scene:<value>`` for a mini-program scene, else the referrer's host, else ``direct``),
so a person who started on two platforms counts under each.

A breakdown by who the person is (``PERSON_BREAKDOWNS``: region, segment, experiment arm) gives
each person one value, looked up outside the event store: the levels are computed once without a
breakdown into a temporary table (``materialise_levels``, which also answers which members and
devices are in the funnel), the caller looks their values up (``PersonValues``, handed to DuckDB
as two registered arrays, never evaluated per row) and ``count_by_person`` groups the levels by
them. Every person is in exactly one group, so the groups add up to the overall figures.

**Retention**: a person's cohort is the shop week (Monday, Asia/Shanghai) of their first event in
the range; ``retained[n]`` counts the cohort's persons with an event in week *cohort + n*.

Identities are merged (``eventstore.PERSONS_SQL``): anonymous events of a device that later
signed in count as the member's.

**The funnel index.** A funnel without property filters and without a breakdown by event
(``uses_index``) reads the reader's ``funnel_rows``/``funnel_claims`` (``eventstore``: per day,
the person key, time and event name, sorted, plus the day's identity claims, written by
compaction; computed from the events for a day without a current index) instead of the events:
``INDEX_BASE_CTES`` replace the per-query ``GROUP BY anonymous_id`` over every event by an
``arg_min`` over the claims (a few percent of the rows) and a join on integers, and read three
narrow columns instead of the wide rows. The ASOF chain is the same, so both paths give the same
levels; ``use_index=False`` keeps the events path for the tests that hold the two together.
Measured over 10 M events (bench/analytics_events.py), the index halves the CPU time (3.6 s
against 7.2 in the same run);
what remains is mostly the ASOF joins' sorts (about 70 % of it). Tried and not kept: a numpy pass
over the sorted arrays (stable sort of the per-day runs, ``searchsorted`` per step), which
matched the SQL's CPU time but runs on one core where DuckDB uses all of them; not materialising
``base`` (three scans of the index cost the same as one copy); ``preserve_insertion_order`` off
(no change: the joins sort anyway). Filters and breakdowns by event need the wide columns;
breakdowns by person and the drop-off lists need the anonymous ids back: they read the events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")
CHANNEL_SQL = (
    "CASE WHEN scene IS NOT NULL THEN 'scene:' || CAST(scene AS VARCHAR) "
    "WHEN coalesce(regexp_extract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)', 1), '') <> '' "
    "THEN regexp_extract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)', 1) "
    "ELSE 'direct' END"
)
BREAKDOWNS = {"platform": "coalesce(platform, 'unknown')", "channel": CHANNEL_SQL}
PERSON_BREAKDOWNS = frozenset({"region", "segment", "experiment"})
LEVELS_TABLE = "funnel_levels"


@dataclass(frozen=True, slots=True)
class Step:
    event: str
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PersonValues:
    """The breakdown value of each person of a funnel: of members by id, of anonymous devices
    (that never signed in) by anonymous id; everyone else gets the default of their kind."""

    member_default: str
    device_default: str
    members: Mapping[int, str] = field(default_factory=dict)
    devices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepCount:
    event: str
    count: int
    conversion: float
    step_conversion: float
    drop_off: int


def shop_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC ``[start of first, end of last)`` for shop days (both included)."""
    start = datetime.combine(first, time(0), tzinfo=SHOP_TZ).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHOP_TZ).astimezone(UTC)
    return start, end


def filter_value(value: str | int | bool) -> str:
    """A property filter's value as ``json_extract_string`` reads it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _param(params: list[Any], value: Any) -> str:
    params.append(value)
    return f"$p{len(params) - 1}"


def _step_condition(step: Step, params: list[Any]) -> str:
    parts = [f"event = {_param(params, step.event)}"]
    for key, value in step.filters:
        parts.append(
            f"json_extract_string(properties, {_param(params, '$.' + key)}) = "
            f"{_param(params, value)}"
        )
    return " AND ".join(parts)


# Each anonymous id's person as a number: the member who first claimed it (as in
# ``eventstore.PERSONS_SQL``), else a negative number of its own. Funnels sort and join on this
# key: an integer compares and hashes in a fraction of the time of the ``person`` string, and
# ``person_key_text`` turns it back into that string where persons are listed.
PERSON_KEYS_CTE = (
    "keys AS MATERIALIZED (SELECT anonymous_id, coalesce(m, -row_number() OVER ()) AS k FROM "
    "(SELECT anonymous_id, arg_min(member_id, ts) FILTER (WHERE member_id IS NOT NULL) AS m "
    "FROM events WHERE anonymous_id IS NOT NULL GROUP BY anonymous_id))"
)


def person_key_text(alias: str) -> str:
    """SQL for the ``person`` string (``m:<id>`` / ``a:<anonymous id>``) of ``alias.person``,
    a funnel's numeric key; needs ``keys`` joined as ``pk`` on ``pk.k = alias.person``."""
    return (
        f"CASE WHEN {alias}.person > 0 THEN 'm:' || CAST({alias}.person AS VARCHAR) "
        "ELSE 'a:' || pk.anonymous_id END"
    )


# The same keys from the funnel index (``eventstore``): each claimed device's member, merged
# over the claims of the days read; rows keep their own key (a member, or an unclaimed device).
INDEX_BASE_CTES = (
    "ids AS (SELECT a, arg_min(m, ts) AS m FROM funnel_claims GROUP BY a)",
    "base AS MATERIALIZED (SELECT CASE WHEN r.p < 0 THEN coalesce(ids.m, r.p) ELSE r.p END "
    "AS person, r.ts, {flags} FROM funnel_rows r LEFT JOIN ids ON r.p = ids.a "
    "WHERE r.ts >= epoch_us($start) AND r.ts < epoch_us($end) AND ({any}))",
)


def uses_index(steps: Sequence[Step], breakdown: str | None) -> bool:
    """Whether the funnel index answers this funnel: it holds who, when and which event, not
    the properties a step filters on nor the columns a breakdown reads."""
    return breakdown is None and all(not step.filters for step in steps)


def levels_sql(
    steps: Sequence[Step], window_seconds: int, breakdown: str | None, *, indexed: bool = False
) -> tuple[str, list[Any]]:
    """``WITH … levels AS (person, bd, level)``: each person's best level (per breakdown
    value), for the funnel's counts and the drop-off lists. ``person`` is the numeric key of
    ``PERSON_KEYS_CTE`` (members positive, anonymous devices negative).

    One pass over the events keeps only the rows some step matches, with a flag per step and
    times as microseconds; the chain of ASOF joins then reads that narrow table. ``indexed``
    (only where ``uses_index``) reads the reader's ``funnel_rows`` instead of the events; its
    ``person`` keys count the same but do not join ``keys``."""
    if indexed and not uses_index(steps, breakdown):
        raise ValueError("the funnel index holds no properties nor breakdown columns")
    params: list[Any] = []
    conditions = [f"({_step_condition(step, params)})" for step in steps]
    flags = ", ".join(f"{c} AS c{i}" for i, c in enumerate(conditions))
    # Without a breakdown ``bd`` is a constant of ``levels``, not a column the joins carry.
    bd = f", CASE WHEN {conditions[0]} THEN {BREAKDOWNS[breakdown]} END AS bd" if breakdown else ""
    if indexed:
        ids, base = INDEX_BASE_CTES
        ctes = [ids, base.format(flags=flags, any=" OR ".join(conditions))]
    else:
        ctes = [
            PERSON_KEYS_CTE,
            "base AS MATERIALIZED (SELECT coalesce(e.member_id, keys.k) AS person, "
            f"epoch_us(e.ts) AS ts, {flags}{bd} "
            "FROM events e LEFT JOIN keys USING (anonymous_id) "
            "WHERE e.ts >= $start AND e.ts < $end AND coalesce(e.member_id, keys.k) IS NOT NULL "
            f"AND ({' OR '.join(conditions)}))",
        ]
    ctes.append(
        f"s0 AS (SELECT person, ts AS t0, ts AS t{', bd' if breakdown else ''} FROM base WHERE c0)"
    )
    for i in range(1, len(steps)):
        ctes.append(f"e{i} AS (SELECT person, ts FROM base WHERE c{i})")
        carried = "".join(f", s{i - 1}.t{j}" for j in range(1, i))
        if breakdown:
            carried += f", s{i - 1}.bd"
        ctes.append(
            f"s{i} AS (SELECT s{i - 1}.person, s{i - 1}.t0{carried}, e{i}.ts AS t{i}, "
            f"e{i}.ts AS t FROM s{i - 1} ASOF LEFT JOIN e{i} "
            f"ON s{i - 1}.person = e{i}.person AND s{i - 1}.t < e{i}.ts)"
        )
    last = len(steps) - 1
    reached = "".join(
        f" + CASE WHEN t{i} <= t0 + $window::BIGINT * 1000000 THEN 1 ELSE 0 END"
        for i in range(1, len(steps))
    )
    group = "bd" if breakdown else "''"
    sql = (
        "WITH "
        + ",\n".join(ctes)
        + f",\nlevels AS MATERIALIZED (SELECT person, {group} AS bd, max(1{reached}) AS level "
        f"FROM s{last} GROUP BY person{', bd' if breakdown else ''})\n"
    )
    return sql, params


def funnel_sql(
    steps: Sequence[Step], window_seconds: int, breakdown: str | None, *, indexed: bool = False
) -> tuple[str, list[Any]]:
    """The funnel's SQL and its parameters ``$p0…`` (besides ``$start``, ``$end`` and
    ``$window``): rows ``(overall, breakdown value, level, persons)``. With a breakdown, the
    overall rows (``overall`` true) count each person once, at their best level over every
    breakdown value, from the same levels."""
    levels, params = levels_sql(steps, window_seconds, breakdown, indexed=indexed)
    select = "SELECT false AS overall, bd, level, count(*) FROM levels GROUP BY bd, level"
    if breakdown:
        select += (
            " UNION ALL SELECT true, NULL, level, count(*) FROM "
            "(SELECT person, max(level) AS level FROM levels GROUP BY person) GROUP BY level"
        )
    return levels + select, params


def step_counts(steps: Sequence[Step], persons_at_level: dict[int, int]) -> list[StepCount]:
    """Per step: the persons who reached it (level ≥ its number), conversion from the first
    step and from the previous one, and the drop-off from the previous one."""
    out: list[StepCount] = []
    first = 0
    previous = 0
    for number, step in enumerate(steps, start=1):
        count = sum(n for level, n in persons_at_level.items() if level >= number)
        if number == 1:
            first = count
        out.append(
            StepCount(
                event=step.event,
                count=count,
                conversion=round(count / first, 4) if first else 0.0,
                step_conversion=(
                    1.0
                    if number == 1 and count
                    else round(count / previous, 4)
                    if previous
                    else 0.0
                ),
                drop_off=0 if number == 1 else previous - count,
            )
        )
        previous = count
    return out


def _bounds(first: date, last: date, window_seconds: int) -> dict[str, Any]:
    start, end = shop_day_bounds(first, last)
    return {"start": start, "end": end, "window": window_seconds}


def _counted(
    steps: Sequence[Step], rows: Sequence[tuple[Any, ...]], grouped: bool
) -> tuple[list[StepCount], dict[str, list[StepCount]]]:
    """Rows ``(overall, value, level, persons)`` as the overall step counts and per value."""
    overall: dict[int, int] = {}
    groups: dict[str, dict[int, int]] = {}
    for is_overall, value, level, persons in rows:
        if not grouped or is_overall:
            overall[int(level)] = overall.get(int(level), 0) + int(persons)
        else:
            groups.setdefault(str(value), {})[int(level)] = int(persons)
    return step_counts(steps, overall), {
        value: step_counts(steps, levels) for value, levels in sorted(groups.items())
    }


def run_funnel(
    con: Any,
    steps: Sequence[Step],
    *,
    window_seconds: int,
    first: date,
    last: date,
    breakdown: str | None,
    use_index: bool = True,
) -> tuple[list[StepCount], dict[str, list[StepCount]]]:
    """The funnel over ``con``'s events: overall step counts, and per breakdown value (one of
    ``BREAKDOWNS``, read from the step-1 event). Through the funnel index when it can answer
    (``uses_index``) and ``con`` is an event store reader; ``use_index=False`` reads the
    events themselves (the reference the index is tested against)."""
    indexed = use_index and uses_index(steps, breakdown) and _has_funnel_rows(con)
    sql, params = funnel_sql(steps, window_seconds, breakdown, indexed=indexed)
    named: dict[str, Any] = {f"p{i}": v for i, v in enumerate(params)}
    named.update(_bounds(first, last, window_seconds))
    return _counted(steps, con.execute(sql, named).fetchall(), breakdown is not None)


def _has_funnel_rows(con: Any) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'funnel_rows'"
    ).fetchall()
    return bool(found and found[0][0])


def materialise_levels(
    con: Any, steps: Sequence[Step], *, window_seconds: int, first: date, last: date
) -> tuple[list[int], list[str]]:
    """Each person's best level into the temporary table ``funnel_levels (person,
    anonymous_id, level)`` (``anonymous_id`` only for devices that never signed in); returns
    the funnel's members and those devices, for the caller to look their values up."""
    levels, params = levels_sql(steps, window_seconds, None)
    named: dict[str, Any] = {f"p{i}": v for i, v in enumerate(params)}
    named.update(_bounds(first, last, window_seconds))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LEVELS_TABLE} AS {levels}"
        "SELECT l.person, pk.anonymous_id, l.level FROM levels l "
        "LEFT JOIN keys pk ON l.person < 0 AND pk.k = l.person",
        named,
    )
    members = con.execute(f"SELECT person FROM {LEVELS_TABLE} WHERE person > 0").fetchall()
    devices = con.execute(f"SELECT anonymous_id FROM {LEVELS_TABLE} WHERE person < 0").fetchall()
    return [int(m) for (m,) in members], [str(d) for (d,) in devices]


def count_by_person(
    con: Any, steps: Sequence[Step], values: PersonValues
) -> tuple[list[StepCount], dict[str, list[StepCount]]]:
    """The funnel of ``materialise_levels`` (same connection) overall and per person value."""
    import numpy as np

    con.register(
        "funnel_member_values",
        {
            "member_id": np.fromiter(values.members.keys(), dtype=np.int64),
            "bd": np.array(list(values.members.values()), dtype=object),
        },
    )
    con.register(
        "funnel_device_values",
        {
            "anonymous_id": np.array(list(values.devices.keys()), dtype=object),
            "bd": np.array(list(values.devices.values()), dtype=object),
        },
    )
    try:
        rows = con.execute(
            "SELECT false, CASE WHEN l.person > 0 THEN coalesce(m.bd, $member_default) "
            "ELSE coalesce(d.bd, $device_default) END AS bd, l.level, count(*) "
            f"FROM {LEVELS_TABLE} l "
            "LEFT JOIN (SELECT CAST(member_id AS BIGINT) AS member_id, CAST(bd AS VARCHAR) AS bd "
            "FROM funnel_member_values) m ON m.member_id = l.person "
            "LEFT JOIN (SELECT CAST(anonymous_id AS VARCHAR) AS anonymous_id, "
            "CAST(bd AS VARCHAR) AS bd FROM funnel_device_values) d "
            "ON l.person < 0 AND d.anonymous_id = l.anonymous_id "
            "GROUP BY ALL "
            f"UNION ALL SELECT true, NULL, level, count(*) FROM {LEVELS_TABLE} GROUP BY level",
            {"member_default": values.member_default, "device_default": values.device_default},
        ).fetchall()
    finally:
        con.unregister("funnel_member_values")
        con.unregister("funnel_device_values")
    return _counted(steps, rows, True)


def run_person_funnel(
    con: Any,
    steps: Sequence[Step],
    *,
    window_seconds: int,
    first: date,
    last: date,
    values_of: Callable[[list[int], list[str]], PersonValues],
) -> tuple[list[StepCount], dict[str, list[StepCount]]]:
    """``materialise_levels``, ``values_of(members, devices)``, ``count_by_person`` in one go
    (a caller whose look-up is asynchronous runs the three steps itself)."""
    members, devices = materialise_levels(
        con, steps, window_seconds=window_seconds, first=first, last=last
    )
    return count_by_person(con, steps, values_of(members, devices))


RETENTION_SQL = """
WITH acts AS (
    SELECT DISTINCT person,
           CAST(date_trunc('week', ts AT TIME ZONE 'Asia/Shanghai') AS DATE) AS week
    FROM person_events WHERE ts >= $start AND ts < $end
),
firsts AS (SELECT person, min(week) AS cohort FROM acts GROUP BY person)
SELECT f.cohort, CAST(date_diff('week', f.cohort, a.week) AS INTEGER) AS n, count(*) AS persons
FROM acts a JOIN firsts f USING (person)
GROUP BY f.cohort, n ORDER BY f.cohort, n
"""


def run_retention(
    con: Any, *, first: date, last: date, weeks: int
) -> list[tuple[date, int, list[int]]]:
    """Weekly cohorts in ``first..last``: (cohort Monday, size, persons active in week 0..)."""
    start, end = shop_day_bounds(first, last)
    rows = con.execute(RETENTION_SQL, {"start": start, "end": end}).fetchall()
    cohorts: dict[date, list[int]] = {}
    for cohort, n, persons in rows:
        counts = cohorts.setdefault(cohort, [0] * (weeks + 1))
        if 0 <= int(n) <= weeks:
            counts[int(n)] = int(persons)
    return [(cohort, counts[0], counts) for cohort, counts in sorted(cohorts.items())]


def run_traffic(
    con: Any, *, since: datetime, until: datetime, bucket_seconds: int, offset_seconds: int
) -> dict[datetime, tuple[int, int]]:
    """UV (distinct persons with any event, identities merged) and PV (``page_view`` events)
    per bucket of ``bucket_seconds`` in [since, until); buckets start at multiples of the size
    minus ``offset_seconds`` (8 h for Asia/Shanghai days). Buckets without events are absent."""
    rows = con.execute(
        "SELECT CAST(floor((epoch(ts) + ?) / ?) AS BIGINT) AS bucket, "
        "count(DISTINCT person), count(*) FILTER (WHERE event = 'page_view') "
        "FROM person_events WHERE ts >= ? AND ts < ? GROUP BY bucket",
        [offset_seconds, bucket_seconds, since, until],
    ).fetchall()
    return {
        datetime.fromtimestamp(int(b) * bucket_seconds - offset_seconds, UTC): (int(uv), int(pv))
        for b, uv, pv in rows
    }

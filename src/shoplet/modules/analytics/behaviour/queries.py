"""DuckDB SQL of the behaviour reports over the event store's ``person_events`` view.

**Sessions** (the SDK's rule, ``tracker.ts``): a person's page views with the same
``session_id`` (the SDK starts a new one after 30 minutes idle), split again wherever 30 minutes
pass without a page view (for events sent without a session id). Page views are taken once per
``event_id`` (a retried batch before compaction) and in ``(ts, event_id)`` order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shoplet.modules.analytics.behaviour.attribution import Order, Touch
from shoplet.modules.analytics.funnels import CHANNEL_SQL, Step, levels_sql, person_key_text

SESSION_IDLE = timedelta(minutes=30)
EXIT = "$exit"
ENTRY = "$entry"

_SESSIONS = """
pv AS (
    SELECT person, coalesce(session_id, '') AS sid, ts, event_id, page, referrer, scene,
           share_code, properties
    FROM person_events
    WHERE event = 'page_view' AND page IS NOT NULL AND ts >= $start AND ts < $end
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY received_at) = 1
),
marked AS (
    SELECT *, CASE WHEN lag(ts) OVER w IS NULL OR ts - lag(ts) OVER w > INTERVAL 30 MINUTE
                   THEN 1 ELSE 0 END AS opens
    FROM pv WINDOW w AS (PARTITION BY person, sid ORDER BY ts, event_id)
),
sessions AS (
    SELECT *, sum(opens) OVER (PARTITION BY person, sid ORDER BY ts, event_id
                               ROWS UNBOUNDED PRECEDING) AS part
    FROM marked
)"""

_UTM_SOURCE = "json_extract_string(properties, '$.utm_source')"
_UTM_CAMPAIGN = "json_extract_string(properties, '$.utm_campaign')"
_CAMPAIGN = "json_extract_string(properties, '$.campaign')"

TOUCHES_SQL = f"""
WITH {_SESSIONS},
buyers AS (
    SELECT DISTINCT person FROM person_events
    WHERE event = 'order_paid' AND ts >= $orders_start AND ts < $end
)
SELECT s.person, s.ts,
       CASE WHEN share_code IS NOT NULL THEN 'share'
            WHEN {_UTM_SOURCE} IS NOT NULL THEN 'utm:' || {_UTM_SOURCE}
            WHEN {_CAMPAIGN} IS NOT NULL THEN 'campaign'
            ELSE {CHANNEL_SQL} END AS channel,
       coalesce(share_code, {_UTM_CAMPAIGN}, {_CAMPAIGN}, '') AS campaign
FROM sessions s JOIN buyers b USING (person)
WHERE opens = 1 OR share_code IS NOT NULL OR {_UTM_SOURCE} IS NOT NULL
      OR {_CAMPAIGN} IS NOT NULL
ORDER BY s.person, s.ts, s.event_id
"""

ORDERS_SQL = """
SELECT person, ts, order_no, amount FROM (
    SELECT person, ts, json_extract_string(properties, '$.order_no') AS order_no,
           coalesce(TRY_CAST(json_extract(properties, '$.amount') AS BIGINT), 0) AS amount
    FROM person_events
    WHERE event = 'order_paid' AND ts >= $orders_start AND ts < $end
)
WHERE order_no IS NOT NULL AND order_no <> ''
QUALIFY row_number() OVER (PARTITION BY order_no ORDER BY ts) = 1
ORDER BY ts, order_no
"""


def read_journeys(
    con: Any, *, start: datetime, end: datetime, lookback: timedelta
) -> tuple[list[Order], dict[str, list[Touch]]]:
    """Orders paid in ``[start, end)`` and their buyers' touches from ``start − lookback``."""
    params = {"start": start - lookback, "orders_start": start, "end": end}
    orders = [
        Order(str(no), str(person), ts, max(int(amount), 0))
        for person, ts, no, amount in con.execute(
            ORDERS_SQL, {"orders_start": start, "end": end}
        ).fetchall()
    ]
    touches: dict[str, list[Touch]] = {}
    for person, ts, channel, campaign in con.execute(TOUCHES_SQL, params).fetchall():
        touches.setdefault(str(person), []).append(Touch(ts, str(channel), str(campaign)))
    return orders, touches


# -- paths -----------------------------------------------------------------------------------

_SEQUENCE = f"""
WITH {_SESSIONS},
seq AS (
    SELECT page,
           coalesce(lead(page) OVER s, '{EXIT}') AS next_page,
           coalesce(lag(page) OVER s, '{ENTRY}') AS previous_page
    FROM sessions WINDOW s AS (PARTITION BY person, sid, part ORDER BY ts, event_id)
)"""

NEIGHBOURS_SQL = {
    "next": _SEQUENCE + "\nSELECT next_page, count(*) FROM seq WHERE page = $page "
    "GROUP BY next_page ORDER BY count(*) DESC, next_page",
    "previous": _SEQUENCE + "\nSELECT previous_page, count(*) FROM seq WHERE page = $page "
    "GROUP BY previous_page ORDER BY count(*) DESC, previous_page",
}

TOP_PAGES_SQL = f"""
WITH {_SESSIONS}
SELECT page, count(*) AS views, count(DISTINCT (person, sid, part)) AS sessions
FROM sessions GROUP BY page ORDER BY views DESC, page LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class PageCount:
    page: str
    count: int


def neighbours(
    con: Any, *, page: str, direction: str, start: datetime, end: datetime
) -> list[PageCount]:
    """How often each page follows (``next``) or precedes (``previous``) ``page`` within a
    session; ``$exit`` / ``$entry`` when the session ends or starts there."""
    rows = con.execute(
        NEIGHBOURS_SQL[direction], {"start": start, "end": end, "page": page}
    ).fetchall()
    return [PageCount(str(p), int(n)) for p, n in rows]


def top_pages(
    con: Any, *, start: datetime, end: datetime, limit: int
) -> list[tuple[str, int, int]]:
    """(page, views, sessions) of the most viewed pages."""
    rows = con.execute(TOP_PAGES_SQL, {"start": start, "end": end, "limit": limit}).fetchall()
    return [(str(p), int(v), int(s)) for p, v, s in rows]


def session_sequences(events: Sequence[dict[str, Any]]) -> list[list[str]]:
    """The same sessionisation in plain Python (the property test's reference): page views
    grouped by person and session id, split after 30 minutes idle."""
    out: dict[tuple[str, str, int], list[str]] = {}
    last: dict[tuple[str, str], tuple[datetime, int]] = {}
    for e in sorted(events, key=lambda e: (e["ts"], e["event_id"])):
        key = (e["person"], e.get("session_id") or "")
        seen = last.get(key)
        part = 0 if seen is None else seen[1] + (1 if e["ts"] - seen[0] > SESSION_IDLE else 0)
        last[key] = (e["ts"], part)
        out.setdefault((*key, part), []).append(e["page"])
    return list(out.values())


def drop_off_sql(steps: Sequence[Step], window_seconds: int) -> tuple[str, list[Any]]:
    """The persons whose best level is ``$level`` (reached that step, not the next), with how
    many there are in all; ``$limit`` of them by person key."""
    levels, params = levels_sql(steps, window_seconds, None)
    return (
        levels + f"SELECT {person_key_text('l')} AS person, count(*) OVER () FROM levels l "
        "LEFT JOIN keys pk ON pk.k = l.person AND l.person < 0 WHERE l.level = $level "
        "ORDER BY 1 LIMIT $limit",
        params,
    )

"""Factories for the alerts tests (no tests here): hourly traffic with daily and weekly
seasonality and noise, written straight into the event store's Parquet layout (one file per UTC
day, built by DuckDB from ``range()``, so five weeks of ~600 visitors an hour take a second)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from shoplet.core.context import AppContext

HOUR = timedelta(hours=1)
CONSOLE = "/api/v1/console/insights/alerts"


def seasonal(moment: datetime) -> float:
    """Visitors an hour: low at night, a lunch and an evening peak (Shanghai), busier weekends."""
    local = moment + timedelta(hours=8)
    hour = local.hour
    daily = 0.2 + math.exp(-((hour - 20) ** 2) / 18) + 0.6 * math.exp(-((hour - 12) ** 2) / 8)
    return 600 * daily * (1.3 if local.weekday() >= 5 else 1.0)


def traffic(
    start: datetime,
    hours: int,
    *,
    seed: int = 11,
    noise: float = 0.04,
    factor: Callable[[datetime], float] = lambda _: 1.0,
) -> dict[datetime, int]:
    rng = random.Random(seed)
    out = {}
    for i in range(hours):
        moment = start + HOUR * i
        out[moment] = round(seasonal(moment) * factor(moment) * math.exp(rng.gauss(0, noise)))
    return out


def write_traffic(ctx: AppContext, counts: dict[datetime, int]) -> None:
    """``counts[hour]`` distinct anonymous visitors, one ``page_view`` each, in that hour."""
    import duckdb

    from shoplet.modules.analytics.eventstore import COLUMNS

    root: Path = ctx.settings.resolved_analytics_events_dir
    by_day: dict[date, list[tuple[datetime, int]]] = defaultdict(list)
    for moment, n in counts.items():
        by_day[moment.astimezone(UTC).date()].append((moment, n))
    values: dict[str, str] = {
        "event_id": "'e' || CAST(epoch(h.ts) AS BIGINT) || '-' || i",
        "event": "'page_view'",
        "ts": "h.ts + to_seconds(CAST(i * 3599 // h.n AS BIGINT))",
        "client_ts": "h.ts",
        "received_at": "h.ts",
        "source": "'sim'",
        "anonymous_id": "'a' || CAST(epoch(h.ts) AS BIGINT) || '-' || i",
        "platform": "'h5'",
    }
    select = ", ".join(
        f"CAST({values.get(name, 'NULL')} AS {kind}) AS {name}" for name, kind in COLUMNS.items()
    )
    for day, items in by_day.items():
        folder = root / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("CREATE TABLE h (ts TIMESTAMPTZ, n BIGINT)")
            con.executemany("INSERT INTO h VALUES (?, ?)", [[m, n] for m, n in items if n > 0])
            target = str(folder / "sim.parquet").replace("'", "''")
            con.execute(
                f"COPY (SELECT {select} FROM h, range(h.n) r(i)) TO '{target}' (FORMAT parquet)"
            )
        finally:
            con.close()


def anomaly_monitor(channel_ids: list[int], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "UV 异常",
        "metric": "uv",
        "grain": "hour",
        "rule": {"kind": "anomaly", "z": 4, "weeks": 4, "direction": "down"},
        "resolve_after": 3,
        "channel_ids": channel_ids,
    }
    body.update(extra)
    return body

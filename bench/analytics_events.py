"""Tracking events: ingestion into the Parquet store, and funnel latency over many events.

``python -m bench.analytics_events`` measures, in one process:

- **Ingestion, sustained**: ``--ingest-events`` events (200,000 by default) in batches of 50,
  through the collector's own path without HTTP: each batch checked and corrected
  (``ingest.batch_rows``), queued (the embedded queue), and written by the writer task
  (``ingest.write_pending``, a Parquet file per pass). Events per second into the store. The
  baseline, in the same run: the same rows appended as JSON lines to one file (no checks, no
  columns: the least a writer can do); the ratio compares events per second.
- **Funnel latency**: ``--events`` generated events (10,000,000 by default: 200,000 persons over
  30 days, four event names, two platforms, a tenth of the devices signed in) written as one
  Parquet file per day, then a three-step funnel (page_view → add_to_cart → pay_click, one-day
  window, all 30 days), the same funnel by platform and by a person's value (as by region,
  segment or experiment arm: each member given one of 31 values, devices a default, looked
  up once for the funnel's persons), each the median of ``--repeat`` runs,
  through ``EventStore.read`` (an in-memory DuckDB over the files, identities merged). Before
  the funnels, each day is compacted as the hourly job does (``EventStore.compact``: one file a
  day already, so this writes the day's funnel index), timed on its own; the plain funnel reads
  that index, and is measured once more without it (``use_index=False``: the events
  themselves, as for a day not compacted yet). With the ``clickhouse`` extra installed, the
  plain funnel runs first through chDB's ``windowFunnel`` over the same index
  (``funnels_clickhouse``, what the console runs then), its counts checked equal to DuckDB's,
  and then on a ClickHouse server (the cluster path: the events loaded into its MergeTree,
  the funnel asked over HTTP; the tests' server, chDB behind ClickHouse's HTTP interface).
  The baseline: one scan of the same view
  counting the distinct persons of page_view (the least a funnel must read); the ratio is
  funnel time over scan time.

The figures go to docs/benchmarks.md (section ``analytics-events``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from bench.runner import DATA_DIR, REPORT
from bench.sections import replace_section
from shoplet.core.context import AppContext
from shoplet.modules.analytics import clickhouse, funnels, funnels_clickhouse, ingest
from shoplet.modules.analytics.eventstore import EventStore
from shoplet.modules.analytics.schemas import EventBatch

BEGIN, END = "<!-- analytics-events:begin -->", "<!-- analytics-events:end -->"
WORK_DIR = DATA_DIR / "analytics_events"
FIRST_DAY = date(2026, 1, 1)
DAYS = 30


def _batch(i: int, sent_ms: int) -> EventBatch:
    return EventBatch.model_validate(
        {
            "anonymous_id": f"device-{i % 5000:06d}",
            "platform": "h5" if i % 2 else "mp-weixin",
            "sent_at": sent_ms,
            "events": [
                {
                    "event": ("page_view", "click", "add_to_cart", "pay_click")[j % 4],
                    "ts": sent_ms - 1000 * j,
                    "event_id": f"e{i:08d}x{j:02d}",
                    "page": "pages/product/detail",
                    "properties": {"product_id": j, "sku_id": i % 100},
                }
                for j in range(50)
            ],
        }
    )


def bench_ingest(total: int) -> dict[str, Any]:
    root = WORK_DIR / "ingest"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    settings = SimpleNamespace(
        resolved_analytics_events_dir=root / "store", analytics_clickhouse_url=None
    )
    ctx = cast(AppContext, SimpleNamespace(settings=settings, redis=None, extras={}))
    now = datetime.now(UTC)
    sent_ms = int(now.timestamp() * 1000)
    batches = [_batch(i, sent_ms) for i in range(total // 50)]
    import duckdb  # noqa: F401 (loaded before the clock starts, as in a running worker)

    async def run() -> float:
        queue = ingest.queue_of(ctx)
        began = time.perf_counter()
        for n, batch in enumerate(batches, start=1):
            rows = ingest.batch_rows(
                batch,
                member_id=None,
                now=now,
                max_future=timedelta(minutes=10),
                max_age=timedelta(days=7),
            )
            await queue.put(rows)
            if n % 200 == 0:  # the writer's pass: 200 batches at most (10,000 events)
                await ingest.write_pending(ctx)
        await ingest.flush(ctx)
        return time.perf_counter() - began

    seconds = asyncio.run(run())
    stored = ingest.store_of(ctx).read(
        lambda con: int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    )
    assert stored == total, (stored, total)

    baseline_file = root / "baseline.ndjson"
    began = time.perf_counter()
    with baseline_file.open("w", encoding="utf-8") as out:
        for batch in batches:
            for event in batch.events:
                out.write(json.dumps(event.model_dump(), ensure_ascii=False) + "\n")
    baseline = time.perf_counter() - began
    files = len(ingest.store_of(ctx).files())
    shutil.rmtree(root, ignore_errors=True)
    return {
        "events": total,
        "seconds": round(seconds, 2),
        "per_second": round(total / seconds),
        "files": files,
        "baseline_per_second": round(total / baseline),
        "ratio": round((total / seconds) / (total / baseline), 3),
    }


GENERATE_SQL = """
COPY (
  SELECT
    'g' || CAST(i AS VARCHAR) AS event_id,
    CASE WHEN k < 55 THEN 'page_view' WHEN k < 75 THEN 'click'
         WHEN k < 92 THEN 'add_to_cart' ELSE 'pay_click' END AS event,
    TIMESTAMPTZ '{day} 00:00:00+00' + to_seconds(((i * 7919) % 86400)) AS ts,
    NULL::TIMESTAMPTZ AS client_ts,
    TIMESTAMPTZ '{day} 00:00:00+00' AS received_at,
    'client' AS source,
    'device-' || CAST(p AS VARCHAR) AS anonymous_id,
    CASE WHEN p % 10 = 0 AND k % 3 = 0 THEN p ELSE NULL END::BIGINT AS member_id,
    NULL::VARCHAR AS session_id,
    'pages/product/detail' AS page,
    NULL::VARCHAR AS referrer,
    NULL::INTEGER AS scene,
    NULL::VARCHAR AS share_ticket,
    NULL::VARCHAR AS share_code,
    CASE WHEN p % 2 = 0 THEN 'h5' ELSE 'mp-weixin' END AS platform,
    NULL::VARCHAR AS app_version,
    '{{"product_id":' || CAST(p % 500 AS VARCHAR) || '}}' AS properties
  FROM (
    SELECT i, hash(i) % {persons} AS p, hash(i * 31 + 7) % 100 AS k
    FROM range({start}, {stop}) t(i)
  )
  ORDER BY ts
) TO '{target}' (FORMAT parquet)
"""


def generate(store: EventStore, events: int, persons: int) -> float:
    import duckdb

    began = time.perf_counter()
    per_day = events // DAYS
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        for n in range(DAYS):
            day = FIRST_DAY + timedelta(days=n)
            folder = store.root / f"date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(
                GENERATE_SQL.format(
                    day=day.isoformat(),
                    persons=persons,
                    start=n * per_day,
                    stop=(n + 1) * per_day,
                    target=folder / "generated.parquet",
                )
            )
    finally:
        con.close()
    return time.perf_counter() - began


def _median(repeat: int, job: Callable[[], object]) -> tuple[float, float]:
    """Medians of the wall time and of the process's CPU time (all of DuckDB's threads): the
    CPU time moves less than the wall time when other work shares the machine."""
    walls, cpus = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        job()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - began_cpu)
    return statistics.median(walls), statistics.median(cpus)


def bench_funnel(events: int, repeat: int) -> dict[str, Any]:
    root = WORK_DIR / "funnel"
    shutil.rmtree(root, ignore_errors=True)
    store = EventStore(root)
    persons = max(1000, events // 50)
    generated = generate(store, events, persons)
    began = time.perf_counter()
    for day in store.days():
        store.compact(day)
    indexed = time.perf_counter() - began
    assert all(store.has_index(day) for day in store.days())
    steps = [funnels.Step("page_view"), funnels.Step("add_to_cart"), funnels.Step("pay_click")]
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    answers: dict[str, Any] = {}

    def funnel(breakdown: str | None, *, use_index: bool = True) -> Callable[[], object]:
        def run() -> object:
            answers[(breakdown or "all") + ("" if use_index else "-events")] = store.read(
                lambda con: funnels.run_funnel(
                    con,
                    steps,
                    window_seconds=86400,
                    first=FIRST_DAY,
                    last=last,
                    breakdown=breakdown,
                    use_index=use_index,
                )
            )
            return None

        return run

    def values_of(members: list[int], _devices: list[str]) -> funnels.PersonValues:
        return funnels.PersonValues(
            member_default="unknown",
            device_default="unknown",
            members={m: f"{11 + m % 31:02d}" for m in members},
        )

    def by_person() -> object:
        answers["person"] = store.read(
            lambda con: funnels.run_person_funnel(
                con,
                steps,
                window_seconds=86400,
                first=FIRST_DAY,
                last=last,
                values_of=values_of,
            )
        )
        return None

    def scan() -> object:
        return store.read(
            lambda con: con.execute(
                "SELECT count(DISTINCT person) FROM person_events WHERE event = 'page_view'"
            ).fetchall()
        )

    def clickhouse() -> object:
        answers["chdb"] = funnels_clickhouse.run_funnel(
            store, steps, window_seconds=86400, first=FIRST_DAY, last=last
        )
        return None

    baseline, baseline_cpu = _median(repeat, scan)
    chdb_seconds = chdb_cpu = None
    if funnels_clickhouse.installed():
        clickhouse()  # loads chDB (about 0.3 s, once per process), as DuckDB is loaded already
        chdb_seconds, chdb_cpu = _median(repeat, clickhouse)
    overall, overall_cpu = _median(repeat, funnel(None))
    unindexed, unindexed_cpu = _median(repeat, funnel(None, use_index=False))
    by_platform, by_platform_cpu = _median(repeat, funnel("platform"))
    by_value, by_value_cpu = _median(repeat, by_person)
    assert [s.count for s in answers["person"][0]] == [s.count for s in answers["all"][0]]
    assert [s.count for s in answers["all-events"][0]] == [s.count for s in answers["all"][0]]
    counts = [s.count for s in answers["all"][0]]
    if chdb_seconds is not None:
        assert [s.count for s in answers["chdb"]] == counts
    server = bench_clickhouse_server(store, steps, last, counts, repeat)
    shutil.rmtree(root, ignore_errors=True)
    return {
        "events": events,
        "persons": persons,
        "days": DAYS,
        "generate_seconds": round(generated, 1),
        "index_seconds": round(indexed, 1),
        "funnel_events_seconds": round(unindexed, 3),
        "funnel_events_cpu": round(unindexed_cpu, 2),
        "ratio_events": round(unindexed / baseline, 2),
        "funnel_seconds": round(overall, 3),
        "funnel_platform_seconds": round(by_platform, 3),
        "scan_seconds": round(baseline, 3),
        "funnel_cpu": round(overall_cpu, 2),
        "funnel_platform_cpu": round(by_platform_cpu, 2),
        "funnel_person_seconds": round(by_value, 3),
        "funnel_person_cpu": round(by_value_cpu, 2),
        "ratio_person": round(by_value / baseline, 2),
        "scan_cpu": round(baseline_cpu, 2),
        "ratio": round(overall / baseline, 2),
        "ratio_platform": round(by_platform / baseline, 2),
        "step_counts": counts,
        "chdb_seconds": None if chdb_seconds is None else round(chdb_seconds, 3),
        "chdb_cpu": None if chdb_cpu is None else round(chdb_cpu, 2),
        "ratio_chdb": None if chdb_seconds is None else round(chdb_seconds / baseline, 2),
        "server": server,
        "ratio_server": None if server is None else round(server["seconds"] / baseline, 2),
    }


def bench_clickhouse_server(
    store: EventStore,
    steps: list[funnels.Step],
    last: date,
    counts: list[int],
    repeat: int,
) -> dict[str, Any] | None:
    """The same funnel on a ClickHouse server (the cluster path, ``analytics/clickhouse.py``):
    the events loaded into its ``analytics_events`` MergeTree (ordered by person, then time),
    merged, and the funnel asked over the HTTP interface. The server is the tests' one
    (ClickHouse's HTTP interface in front of chDB) in a process of its own on this machine."""
    if not funnels_clickhouse.installed():
        return None
    from tests.modules.analytics import clickhouse_http

    folder = WORK_DIR / "clickhouse"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    process, port = clickhouse_http.start(folder, "bench", "bench")
    try:
        target = clickhouse.ClickHouseServer(
            clickhouse.parse_url(f"http://bench:bench@127.0.0.1:{port}/bench"),
            retention_days=100_000,
        )
        table = target.target.table
        names = ", ".join(clickhouse.TYPES)
        person = (
            "if(member_id IS NULL, concat('a:', anonymous_id), "
            "concat('m:', toString(member_id))) AS person"
        )
        chosen = ", ".join(person if n == "person" else n for n in clickhouse.TYPES)
        files = funnels_clickhouse.literal(f"{store.root.resolve()}/date=*/generated.parquet")

        async def load() -> tuple[float, float]:
            await target.ensure_schema()
            began = time.perf_counter()
            await target.execute(
                f"INSERT INTO {table} ({names}) SELECT {chosen} FROM file({files}, Parquet)"  # noqa: S608
            )
            loaded = time.perf_counter() - began
            began = time.perf_counter()
            await target.execute(f"OPTIMIZE TABLE {table} FINAL")
            return loaded, time.perf_counter() - began

        loaded, merged = asyncio.run(load())
        answered: list[funnels.StepCount] = []

        def funnel() -> object:
            answered[:] = asyncio.run(
                target.funnel(steps, window_seconds=86400, first=FIRST_DAY, last=last)
            )
            return None

        funnel()  # the first query reads the parts from disk
        walls = []
        for _ in range(repeat):
            began = time.perf_counter()
            funnel()
            walls.append(time.perf_counter() - began)
        assert [s.count for s in answered] == counts
    finally:
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "seconds": round(statistics.median(walls), 3),
        "load_seconds": round(loaded, 1),
        "merge_seconds": round(merged, 1),
    }


def render(ingested: dict[str, Any], funnel: dict[str, Any], add: Callable[[str], None]) -> None:
    add(BEGIN)
    add("## Tracking events: ingestion and funnels (`python -m bench.analytics_events`)")
    add("")
    add(
        "Ingestion through the collector's own path without HTTP (checks, clock correction, the "
        "embedded queue, the writer task's Parquet files), against appending the same events as "
        "JSON lines to one file; funnels over generated events in daily Parquet files, against "
        "one scan counting page_view's distinct persons (both through `EventStore.read`, "
        "identities merged). Medians of the repeats."
    )
    add("")
    add("| measure | figure | baseline | ratio | CPU s (baseline) | target |")
    add("| --- | --- | --- | --- | --- | --- |")
    add(
        f"| ingestion, {ingested['events']:,} events in batches of 50 ({ingested['files']} files) "
        f"| {ingested['per_second']:,} events/s | {ingested['baseline_per_second']:,} events/s "
        f"(JSON lines) | {ingested['ratio']} | — | ≥ 20,000 events/s: "
        f"{'met' if ingested['per_second'] >= 20_000 else '**missed**'} |"
    )
    what = (
        f"funnel, 3 steps, 1-day window, {funnel['events']:,} events, {funnel['persons']:,} "
        f"devices, {funnel['days']} days"
    )
    scan = f"{funnel['scan_seconds']} s (scan)"
    if funnel["chdb_seconds"] is not None:
        add(
            f"| {what}, chDB's windowFunnel over the funnel index (what the console runs with "
            f"the clickhouse extra) | {funnel['chdb_seconds']} s | {scan} | "
            f"{funnel['ratio_chdb']} | {funnel['chdb_cpu']} ({funnel['scan_cpu']}) | ≤ 1 s: "
            f"{'met' if funnel['chdb_seconds'] <= 1 else '**missed**'} |"
        )
        what = "the same funnel in DuckDB over the funnel index (without the extra)"
    add(
        f"| {what} | {funnel['funnel_seconds']} s | {scan} | {funnel['ratio']} | "
        f"{funnel['funnel_cpu']} ({funnel['scan_cpu']}) | "
        + (
            "— |"
            if funnel["chdb_seconds"] is not None
            else f"≤ 1 s: {'met' if funnel['funnel_seconds'] <= 1 else '**missed**'} |"
        )
    )
    if funnel["server"] is not None:
        server = funnel["server"]
        add(
            f"| the same funnel on a ClickHouse server (the cluster path: `analytics_events` "
            f"MergeTree ordered by person, asked over HTTP; wall time, the server's CPU not in "
            f"this process) | {server['seconds']} s | {scan} | {funnel['ratio_server']} | — | — |"
        )
    add(
        f"| the same funnel in DuckDB without the index (the events themselves) | "
        f"{funnel['funnel_events_seconds']} s | {funnel['scan_seconds']} s (scan) | "
        f"{funnel['ratio_events']} | {funnel['funnel_events_cpu']} ({funnel['scan_cpu']}) | — |"
    )
    add(
        f"| the same funnel by platform | {funnel['funnel_platform_seconds']} s | "
        f"{funnel['scan_seconds']} s (scan) | {funnel['ratio_platform']} | "
        f"{funnel['funnel_platform_cpu']} ({funnel['scan_cpu']}) | — |"
    )
    add(
        f"| the same funnel by a person's value (region, segment, arm) | "
        f"{funnel['funnel_person_seconds']} s | {funnel['scan_seconds']} s (scan) | "
        f"{funnel['ratio_person']} | {funnel['funnel_person_cpu']} ({funnel['scan_cpu']}) | — |"
    )
    add("")
    add(
        f"Generating the {funnel['events']:,} events took {funnel['generate_seconds']} s, "
        f"indexing them for funnels (compaction's part, all {funnel['days']} days) "
        f"{funnel['index_seconds']} s; the "
        f"funnel's persons per step: {', '.join(f'{c:,}' for c in funnel['step_counts'])}"
        + (
            ""
            if funnel["server"] is None
            else f"; loading them into the ClickHouse server took "
            f"{funnel['server']['load_seconds']} s and merging its parts "
            f"{funnel['server']['merge_seconds']} s"
        )
        + ". "
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine slows both sides of a ratio)."
    )
    add(END)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_events")
    parser.add_argument("--ingest-events", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    ingested = bench_ingest(args.ingest_events)
    print(json.dumps(ingested))
    funnel = bench_funnel(args.events, args.repeat)
    print(json.dumps(funnel))
    replace_section(args.output, BEGIN, END, lambda add: render(ingested, funnel, add))


if __name__ == "__main__":
    main()

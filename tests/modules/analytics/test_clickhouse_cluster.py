"""The cluster path (``analytics/clickhouse.py``): events written into a ClickHouse server over
its HTTP interface, once each even when a batch is retried; funnels run there equal to a
brute-force count and to the embedded engines; a deletion request removes the member's rows
there; retention is the table's TTL; a server that refuses or is gone changes nothing and leaves
funnels to DuckDB. The server is ``clickhouse_http.py``: ClickHouse's HTTP interface in front of
chDB, so every statement runs in ClickHouse's own engine."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from shoplet.core.context import AppContext
from shoplet.core.settings import Settings
from shoplet.modules.analytics import clickhouse, funnels, ingest
from shoplet.modules.analytics.errors import EventStoreUnavailable
from shoplet.modules.analytics.eventstore import COLUMNS
from shoplet.modules.analytics.schemas import FunnelQuery, FunnelStep
from shoplet.modules.analytics.service import event_queries
from tests.modules.analytics import clickhouse_http
from tests.modules.analytics.test_funnel_index import (
    MORNING,
    brute_force_counts,
    duckdb_counts,
    index_event,
    stored,
)
from tests.modules.analytics.test_funnels import (
    DAY,
    FUNNEL_EXAMPLES,
    event_strategy,
    make_events,
    steps_strategy,
)
from tests.servers import free_port

pytest.importorskip("chdb", reason="the clickhouse extra (chDB) is not installed")

STEPS = [funnels.Step("page_view"), funnels.Step("add_to_cart"), funnels.Step("pay_click")]
USER, PASSWORD = "shoplet", "ch-Passw0rd"


@pytest.fixture(scope="module")
def clickhouse_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ClickHouse server of this module's own (its own process, folder and port)."""
    process, port = clickhouse_http.start(tmp_path_factory.mktemp("clickhouse"), USER, PASSWORD)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def url(clickhouse_base: str) -> str:
    """A database of this test's own on the server."""
    return f"http://{USER}:{PASSWORD}@{clickhouse_base}/t_{uuid.uuid4().hex[:12]}"


def on_clickhouse(ctx: AppContext, url: str, **settings: Any) -> AppContext:
    """The context with the cluster path configured (its own extras: queue, store, server)."""
    update = {"analytics_clickhouse_url": SecretStr(url), **settings}
    return replace(ctx, settings=ctx.settings.model_copy(update=update), extras={})


def server(url: str, *, retention_days: int = 400) -> clickhouse.ClickHouseServer:
    return clickhouse.ClickHouseServer(clickhouse.parse_url(url), retention_days=retention_days)


def queued(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the collector queues it (times as ISO text)."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def server_counts(
    target: clickhouse.ClickHouseServer, steps: list[funnels.Step], *, days: int = 1, window: int
) -> list[int]:
    counted = asyncio.run(
        target.funnel(steps, window_seconds=window, first=DAY, last=DAY + timedelta(days=days))
    )
    return [s.count for s in counted]


def test_the_table_holds_the_stores_columns_and_the_person() -> None:
    assert list(clickhouse.TYPES) == [*list(COLUMNS)[:8], "person", *list(COLUMNS)[8:]]


@pytest.mark.parametrize(
    "bad",
    [
        "clickhouse://u:p@host:9000/shop",
        "http://u:p@host:8123/",
        "http://u:p@host:8123/shop-events",
        "http:///shop",
    ],
)
def test_a_clickhouse_url_names_an_http_server_and_a_database(bad: str) -> None:
    with pytest.raises(ValidationError, match="ClickHouse URL"):
        Settings(analytics_clickhouse_url=bad)  # type: ignore[arg-type]
    good = Settings(analytics_clickhouse_url="https://ana%40lyst:p%3Aw@ch.example:8443/shop_events")  # type: ignore[arg-type]
    assert good.analytics_clickhouse_url is not None
    target = clickhouse.parse_url(good.analytics_clickhouse_url.get_secret_value())
    assert target == clickhouse.Target(
        base="https://ch.example:8443/", database="shop_events", user="ana@lyst", password="p:w"
    )
    assert Settings(analytics_clickhouse_url="").analytics_clickhouse_url is None  # type: ignore[arg-type]


async def test_the_writer_inserts_each_batch_once_and_funnels_run_on_the_server(
    ctx: AppContext, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = on_clickhouse(ctx, url)
    target = clickhouse.server_of(cluster)
    assert target is not None
    now = datetime.now(UTC)
    rows = [
        index_event(1, "page_view", now, device="d1"),
        index_event(2, "add_to_cart", now + timedelta(seconds=1), device="d1"),
        index_event(3, "page_view", now, device="d2"),
        index_event(4, "pay_click", now + timedelta(seconds=2), device="d1", member=9),
    ]
    queue = ingest.queue_of(cluster)
    await queue.put([queued(r) for r in rows[:2]])
    await queue.put([queued(r) for r in rows[2:]])

    # The Parquet write fails after the server took the batches: nothing is acknowledged, and
    # the retry's insert (the same token) adds nothing on the server.
    store = ingest.store_of(cluster)
    written = store.append

    def fails(*args: Any, **kwargs: Any) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(store, "append", fails)
    with pytest.raises(OSError, match="disk full"):
        await ingest.flush(cluster)
    assert await target.count() == 4
    monkeypatch.setattr(store, "append", written)
    assert await ingest.flush(cluster) == 4
    assert await ingest.flush(cluster) == 0
    assert await target.count() == 4
    assert await target.count("person = 'm:9'") == 1
    assert await target.count("person = 'a:d1'") == 2

    day = now.astimezone(funnels.SHOP_TZ).date()
    query = FunnelQuery(
        steps=[FunnelStep(event=s.event) for s in STEPS], date_from=day, date_to=day
    )

    async def counts(context: AppContext) -> list[int]:
        return [s.count for s in (await event_queries.funnel(context, query)).steps]

    # d1 signed in as member 9 at its pay: its earlier steps are the member's.
    duckdb_only = replace(
        ctx, settings=ctx.settings.model_copy(update={"analytics_funnel_engine": "duckdb"})
    )
    assert await counts(duckdb_only) == [2, 1, 1]  # the same events, in ctx's Parquet store
    assert await counts(cluster) == [2, 1, 1]
    # The server answers alone: with the Parquet files gone, the figures stay.
    for path in store.files():
        path.unlink()
    assert await counts(cluster) == [2, 1, 1]


@FUNNEL_EXAMPLES
@given(
    drawn=st.lists(event_strategy, min_size=0, max_size=40),
    names=steps_strategy,
    window_minutes=st.sampled_from([5, 60, 24 * 60]),
)
def test_the_servers_funnel_equals_a_brute_force_count_and_duckdb(
    tmp_path_factory: pytest.TempPathFactory,
    clickhouse_base: str,
    *,
    drawn: list[dict[str, Any]],
    names: list[str],
    window_minutes: int,
) -> None:
    target = server(f"http://{USER}:{PASSWORD}@{clickhouse_base}/brute_force")
    steps = [funnels.Step(n) for n in names]
    if len(set(names)) != len(names):  # a step named twice: DuckDB's (see answers())
        return
    events = make_events(drawn)

    async def load() -> None:
        await target.ensure_schema()
        await target.execute(f"TRUNCATE TABLE {target.target.table}")
        await target.insert(events, token=uuid.uuid4().hex)

    asyncio.run(load())
    expected = brute_force_counts(events, steps, window_minutes)
    window = window_minutes * 60
    assert server_counts(target, steps, days=1, window=window) == expected
    store = stored(tmp_path_factory, events, split=False)
    assert duckdb_counts(store, steps, window=window) == expected


def test_identities_and_ties_are_taken_as_the_embedded_engines_take_them(url: str) -> None:
    target = server(url)
    events = [
        index_event(1, "page_view", MORNING, device="d1"),
        index_event(2, "add_to_cart", MORNING + timedelta(hours=1), device="d1"),
        index_event(3, "page_view", MORNING + timedelta(hours=2), device="d2", member=7),
        # The first claim wins: d1 later seen with member 8 stays member 7's.
        index_event(4, "identify", MORNING + timedelta(days=1), device="d1", member=7),
        index_event(5, "pay_click", MORNING + timedelta(hours=3), device="d1", member=7),
        index_event(6, "identify", MORNING + timedelta(days=1, hours=4), device="d1", member=8),
        # A tie: add_to_cart and pay_click at one instant do not chain (level 2 only).
        index_event(7, "page_view", MORNING, device="d3"),
        index_event(8, "add_to_cart", MORNING + timedelta(minutes=5), device="d3"),
        index_event(9, "pay_click", MORNING + timedelta(minutes=5), device="d3"),
        # Member 0 is a member like any other.
        index_event(10, "page_view", MORNING, device="z1"),
        index_event(11, "add_to_cart", MORNING + timedelta(hours=1), device="z1", member=0),
    ]
    asyncio.run(target.insert(events, token="t1"))
    assert server_counts(target, STEPS, days=2, window=86400) == [3, 3, 1]


async def test_a_deletion_request_removes_the_members_rows_on_the_server(
    ctx: AppContext, url: str
) -> None:
    cluster = on_clickhouse(ctx, url)
    target = clickhouse.server_of(cluster)
    assert target is not None
    now = datetime.now(UTC)
    await ingest.queue_of(cluster).put(
        [
            queued(index_event(1, "page_view", now, device="d1")),
            queued(index_event(2, "identify", now, device="d1", member=7)),
            queued(index_event(3, "order_paid", now, device=None, member=7)),
            queued(index_event(4, "page_view", now, device="d2")),
            queued(index_event(5, "page_view", now, device="d3", member=8)),
        ]
    )
    removed = await event_queries.delete_member_events(cluster, 7)
    assert removed.removed == 3
    assert await target.count() == 2
    assert await target.count("member_id = 7 OR anonymous_id = 'd1'") == 0
    assert (await event_queries.delete_member_events(cluster, 7)).removed == 0


def test_retention_is_the_tables_ttl(url: str) -> None:
    target = server(url, retention_days=30)
    now = datetime.now(UTC)
    old = index_event(1, "page_view", now - timedelta(days=31), device="d1")
    kept = index_event(2, "page_view", now - timedelta(days=29), device="d1")

    async def run() -> tuple[str, int]:
        await target.insert([old, kept], token="t1")
        await target.execute(f"OPTIMIZE TABLE {target.target.table} FINAL")
        shown = await target.execute(f"SHOW CREATE TABLE {target.target.table}")
        return shown, await target.count()

    shown, left = asyncio.run(run())
    assert "TTL toDateTime(ts) + toIntervalDay(30)" in shown
    assert "ORDER BY (person, ts, event_id)" in shown
    assert "PARTITION BY toDate(ts)" in shown
    assert left == 1


def test_a_dropped_table_is_made_again(url: str) -> None:
    target = server(url)

    async def run() -> int:
        await target.insert([index_event(1, "page_view", MORNING, device="d1")], token="t1")
        await target.execute(f"DROP TABLE {target.target.table}")
        await target.insert([index_event(2, "page_view", MORNING, device="d1")], token="t2")
        return await target.count()

    assert asyncio.run(run()) == 1


@pytest.mark.parametrize("how", ["wrong password", "no server"])
async def test_a_server_that_refuses_changes_nothing(
    ctx: AppContext, clickhouse_base: str, how: str
) -> None:
    """The writer keeps the batch (no Parquet file, nothing acknowledged), a funnel is answered
    by DuckDB, a deletion request is refused with 503 and deletes nothing."""
    base = clickhouse_base if how == "wrong password" else f"127.0.0.1:{free_port()}"
    cluster = on_clickhouse(ctx, f"http://{USER}:nope@{base}/refused")
    target = clickhouse.server_of(cluster)
    assert target is not None
    now = datetime.now(UTC)
    rows = [
        index_event(1, "page_view", now, device="d1", member=7),
        index_event(2, "add_to_cart", now + timedelta(seconds=1), device="d1", member=7),
    ]
    await ingest.queue_of(cluster).put([queued(r) for r in rows])
    with pytest.raises(clickhouse.ClickHouseError) as refused:
        await ingest.flush(cluster)
    assert refused.value.code == (516 if how == "wrong password" else 0)
    store = ingest.store_of(cluster)
    assert store.files() == []

    store.append(rows)  # as an earlier writer left them
    day = now.astimezone(funnels.SHOP_TZ).date()
    query = FunnelQuery(
        steps=[FunnelStep(event="page_view"), FunnelStep(event="add_to_cart")],
        date_from=day,
        date_to=day,
    )
    assert [s.count for s in (await event_queries.funnel(cluster, query)).steps] == [1, 1]

    with pytest.raises(EventStoreUnavailable) as unavailable:
        await event_queries.delete_member_events(cluster, 7)
    assert unavailable.value.status == 503
    assert unavailable.value.code == "analytics.event_store_unavailable"
    assert store.read(lambda con: con.execute("SELECT count(*) FROM events").fetchone()[0]) == 2

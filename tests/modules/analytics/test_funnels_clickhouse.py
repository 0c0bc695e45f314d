"""Funnels through chDB's ``windowFunnel`` over the funnel index (``funnels_clickhouse``): equal
to a brute-force count and to DuckDB's funnel for random events and steps, across days and
identity merges; funnels naming an event twice and ranges with a day not indexed yet are left to
DuckDB; names are quoted as ClickHouse literals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.core.context import AppContext
from shoplet.modules.analytics import funnels, funnels_clickhouse, ingest
from shoplet.modules.analytics.eventstore import EventStore
from shoplet.modules.analytics.schemas import FunnelQuery, FunnelStep
from shoplet.modules.analytics.service import event_queries
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

pytest.importorskip("chdb", reason="the clickhouse extra (chDB) is not installed")

STEPS = [funnels.Step("page_view"), funnels.Step("add_to_cart"), funnels.Step("pay_click")]


def _clickhouse(
    store: EventStore, steps: list[funnels.Step], *, days: int = 1, window: int = 86400
) -> list[int] | None:
    counted = funnels_clickhouse.run_funnel(
        store, steps, window_seconds=window, first=DAY, last=DAY + timedelta(days=days)
    )
    return None if counted is None else [s.count for s in counted]


def _index_all(store: EventStore) -> None:
    for day in store.days():
        assert store.build_index(day)


@FUNNEL_EXAMPLES
@given(
    drawn=st.lists(event_strategy, min_size=0, max_size=40),
    names=steps_strategy,
    window_minutes=st.sampled_from([5, 60, 24 * 60]),
    split=st.booleans(),
)
def test_window_funnel_equals_a_brute_force_count_and_duckdb(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    drawn: list[dict[str, Any]],
    names: list[str],
    window_minutes: int,
    split: bool,
) -> None:
    events = make_events(drawn)
    store = stored(tmp_path_factory, events, split=split)
    _index_all(store)
    steps = [funnels.Step(n) for n in names]
    if not funnels_clickhouse.answers(steps, None):  # a step named twice: DuckDB's
        assert (
            funnels_clickhouse.run_funnel(store, steps, window_seconds=60, first=DAY, last=DAY)
            is None
        )
        return
    expected = brute_force_counts(events, steps, window_minutes)
    window = window_minutes * 60
    assert _clickhouse(store, steps, window=window) == expected
    assert duckdb_counts(store, steps, window=window) == expected


def test_a_day_without_a_current_index_is_left_to_duckdb(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append([index_event(1, "page_view", MORNING, device="d1")])
    assert _clickhouse(store, STEPS) is None  # written, not compacted yet
    _index_all(store)
    assert _clickhouse(store, STEPS) == [1, 0, 0]
    store.append([index_event(2, "add_to_cart", MORNING + timedelta(minutes=1), device="d1")])
    assert _clickhouse(store, STEPS) is None  # the index describes older files
    assert duckdb_counts(store, STEPS) == [1, 1, 0]
    _index_all(store)
    assert _clickhouse(store, STEPS) == [1, 1, 0]


def test_an_empty_range_counts_nobody(tmp_path: Path) -> None:
    assert _clickhouse(EventStore(tmp_path), STEPS) == [0, 0, 0]


def test_a_sign_in_on_a_later_day_merges_the_anonymous_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append(
        [
            index_event(1, "page_view", MORNING, device="d1"),
            index_event(2, "add_to_cart", MORNING + timedelta(hours=1), device="d1"),
            index_event(3, "page_view", MORNING + timedelta(hours=2), device="d2", member=7),
            # The first claim wins: d1 later seen with member 8 stays member 7's.
            index_event(4, "identify", MORNING + timedelta(days=1), device="d1", member=7),
            index_event(5, "pay_click", MORNING + timedelta(hours=3), device="d1", member=7),
            index_event(6, "identify", MORNING + timedelta(days=1, hours=4), device="d1", member=8),
        ]
    )
    _index_all(store)
    assert _clickhouse(store, STEPS, days=2) == [1, 1, 1] == duckdb_counts(store, STEPS, days=2)
    # Member 0 is a member like any other (not ClickHouse's default for "no claim").
    store2 = EventStore(tmp_path / "zero")
    store2.append(
        [
            index_event(1, "page_view", MORNING, device="z1"),
            index_event(2, "add_to_cart", MORNING + timedelta(hours=1), device="z1", member=0),
        ]
    )
    _index_all(store2)
    assert _clickhouse(store2, STEPS) == [1, 1, 0] == duckdb_counts(store2, STEPS)


def test_only_the_index_funnels_with_distinct_steps_run_here() -> None:
    assert funnels_clickhouse.answers(STEPS, None)
    assert not funnels_clickhouse.answers([*STEPS, funnels.Step("page_view")], None)
    assert not funnels_clickhouse.answers(STEPS, "platform")
    assert not funnels_clickhouse.answers([funnels.Step("pay_click", (("sku", "1"),))], None)
    for steps in ([funnels.Step("pay_click", (("sku", "1"),))], [*STEPS, STEPS[0]]):
        assert (
            funnels_clickhouse.run_funnel(
                EventStore(Path("/nonexistent")), steps, window_seconds=60, first=DAY, last=DAY
            )
            is None
        )


def test_literals_are_quoted() -> None:
    assert funnels_clickhouse.literal("it's") == "'it\\'s'"
    assert funnels_clickhouse.literal("a\\'b") == "'a\\\\\\'b'"


async def test_the_console_funnel_takes_chdb_unless_told_duckdb(ctx: AppContext) -> None:
    """The service answers from chDB once the days are indexed, from DuckDB before, and from
    DuckDB always with ``analytics_funnel_engine = "duckdb"``: the same figures each time."""
    store = ingest.store_of(ctx)
    now = datetime.now(UTC)
    store.append(
        [
            index_event(1, "page_view", now, device="d1"),
            index_event(2, "add_to_cart", now + timedelta(seconds=1), device="d1"),
            index_event(3, "page_view", now, device="d2"),
        ]
    )
    day = now.astimezone(funnels.SHOP_TZ).date()
    query = FunnelQuery(
        steps=[FunnelStep(event="page_view"), FunnelStep(event="add_to_cart")],
        date_from=day,
        date_to=day,
    )

    async def counts(context: AppContext) -> list[int]:
        return [s.count for s in (await event_queries.funnel(context, query)).steps]

    first, last = day, day
    assert (
        funnels_clickhouse.run_funnel(
            store, STEPS[:2], window_seconds=86400, first=first, last=last
        )
        is None
    )  # not indexed: DuckDB answers
    assert await counts(ctx) == [2, 1]
    _index_all(store)
    answered = funnels_clickhouse.run_funnel(
        store, STEPS[:2], window_seconds=86400, first=first, last=last
    )
    assert [s.count for s in answered or []] == [2, 1]
    assert await counts(ctx) == [2, 1]
    duckdb_only = replace(
        ctx, settings=ctx.settings.model_copy(update={"analytics_funnel_engine": "duckdb"})
    )
    assert await counts(duckdb_only) == [2, 1]


def test_a_tie_neither_chains_nor_hides_an_earlier_chain(tmp_path: Path) -> None:
    """add_to_cart and pay_click at the same instant: the pay follows the earlier add_to_cart
    (level 3), not the one beside it; alone, a tie of two steps reaches level 2 only."""
    store = EventStore(tmp_path)
    store.append(
        [
            index_event(1, "page_view", MORNING, device="d1"),
            index_event(2, "add_to_cart", MORNING + timedelta(minutes=1), device="d1"),
            index_event(3, "pay_click", MORNING + timedelta(minutes=30), device="d1"),
            index_event(4, "add_to_cart", MORNING + timedelta(minutes=30), device="d1"),
            index_event(5, "page_view", MORNING, device="d2"),
            index_event(6, "add_to_cart", MORNING + timedelta(minutes=5), device="d2"),
            index_event(7, "pay_click", MORNING + timedelta(minutes=5), device="d2"),
        ]
    )
    _index_all(store)
    assert _clickhouse(store, STEPS) == [2, 2, 1] == duckdb_counts(store, STEPS)
    # The window holds to the microsecond: a step exactly at the window's end counts.
    edge = EventStore(tmp_path / "edge")
    edge.append(
        [
            index_event(1, "page_view", MORNING, device="e1"),
            index_event(2, "add_to_cart", MORNING + timedelta(seconds=60), device="e1"),
            index_event(3, "page_view", MORNING, device="e2"),
            index_event(
                4, "add_to_cart", MORNING + timedelta(seconds=60, microseconds=1), device="e2"
            ),
        ]
    )
    _index_all(edge)
    assert (
        _clickhouse(edge, STEPS[:2], window=60)
        == [2, 1]
        == duckdb_counts(edge, STEPS[:2], window=60)
    )


def test_the_index_files_are_named_by_one_pattern(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "plain")
    store.append(
        [
            index_event(1, "page_view", MORNING, device="d1"),
            index_event(2, "add_to_cart", MORNING + timedelta(days=1, hours=1), device="d1"),
        ]
    )
    _index_all(store)
    indexes = store.current_indexes(DAY, DAY + timedelta(days=1))
    assert indexes is not None
    assert len(indexes) == 2
    rows, claims = funnels_clickhouse.index_sources(indexes)
    sql = funnels_clickhouse.funnel_sql(
        STEPS, 86400, start_us=0, end_us=1, rows=rows, claims=claims
    )
    assert sql.count("file(") == 2  # rows and claims, each one pattern over both days
    assert _clickhouse(store, STEPS) == [1, 0, 0] == duckdb_counts(store, STEPS)
    assert _clickhouse(store, STEPS, window=2 * 86400) == [1, 1, 0]


def test_a_store_whose_path_reads_as_a_pattern_stays_with_duckdb(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a,b{c}*?[d]'e")
    store.append([index_event(1, "page_view", MORNING, device="d1")])
    _index_all(store)
    assert not funnels_clickhouse.readable(store)
    assert _clickhouse(store, STEPS) is None
    assert duckdb_counts(store, STEPS) == [1, 0, 0]

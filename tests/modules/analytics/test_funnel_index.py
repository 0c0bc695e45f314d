"""The funnel index (``eventstore``: narrow rows and identity claims per day, written by
compaction): funnels through it, through the events themselves and a brute-force count agree,
whichever days are indexed; the index follows writes, sign-ins, retention and deletions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shoplet.modules.analytics import funnels
from shoplet.modules.analytics.eventstore import INDEX_DIR, EventStore
from tests.modules.analytics.test_funnels import (
    DAY,
    FUNNEL_EXAMPLES,
    brute_force_levels,
    counts_by_step,
    event_strategy,
    make_events,
    steps_strategy,
)

STEPS = [funnels.Step("page_view"), funnels.Step("add_to_cart"), funnels.Step("pay_click")]


def duckdb_counts(
    store: EventStore,
    steps: list[funnels.Step],
    *,
    use_index: bool = True,
    days: int = 1,
    window: int = 86400,
    first: date = DAY,
) -> list[int]:
    overall, groups = store.read(
        lambda con: funnels.run_funnel(
            con,
            steps,
            window_seconds=window,
            first=first,
            last=first + timedelta(days=days),
            breakdown=None,
            use_index=use_index,
        )
    )
    assert groups == {}
    return [s.count for s in overall]


def stored(
    factory: pytest.TempPathFactory, events: list[dict[str, Any]], *, split: bool
) -> EventStore:
    """The events in a new store: one file, or two (as the writer leaves a day before
    compaction)."""
    store = EventStore(factory.mktemp("events"))
    if split:
        store.append(events[::2])
        store.append(events[1::2])
    else:
        store.append(events)
    return store


def brute_force_counts(
    events: list[dict[str, Any]], steps: list[funnels.Step], window_minutes: int
) -> list[int]:
    """Persons per step over DAY and the day after, counted by brute force."""
    start, end = funnels.shop_day_bounds(DAY, DAY + timedelta(days=1))
    levels = brute_force_levels(
        events,
        steps=steps,
        window=timedelta(minutes=window_minutes),
        start=start,
        end=end,
        breakdown=None,
    )
    return counts_by_step(levels, len(steps)).get("", [0] * len(steps))


@FUNNEL_EXAMPLES
@given(
    drawn=st.lists(event_strategy, min_size=0, max_size=40),
    names=steps_strategy,
    window_minutes=st.sampled_from([5, 60, 24 * 60]),
    indexed=st.lists(st.booleans(), min_size=5, max_size=5),
    split=st.booleans(),
)
def test_both_paths_equal_a_brute_force_count(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    drawn: list[dict[str, Any]],
    names: list[str],
    window_minutes: int,
    indexed: list[bool],
    split: bool,
) -> None:
    events = make_events(drawn)
    store = stored(tmp_path_factory, events, split=split)
    for day, build in zip(store.days(), indexed, strict=False):
        if build:
            assert store.build_index(day)
            assert store.has_index(day)
    steps = [funnels.Step(n) for n in names]
    expected = brute_force_counts(events, steps, window_minutes)
    for use_index in (True, False):
        got = duckdb_counts(store, steps, use_index=use_index, window=window_minutes * 60)
        assert got == expected, use_index


def index_event(
    n: int, name: str, at: datetime, *, device: str | None, member: int | None = None
) -> dict[str, Any]:
    return {
        "event_id": f"x{n}",
        "event": name,
        "ts": at,
        "received_at": at,
        "anonymous_id": device,
        "member_id": member,
        "platform": "h5",
    }


MORNING = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, shop day DAY


def test_compaction_writes_the_index_and_rebuilds_it_when_missing(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append([index_event(1, "page_view", MORNING, device="d1")])
    store.append([index_event(2, "add_to_cart", MORNING + timedelta(minutes=1), device="d1")])
    [day] = store.days()
    assert not store.has_index(day)
    assert duckdb_counts(store, STEPS, use_index=True) == [1, 1, 0]  # from the events (no index)

    assert store.compact(day) == 0
    assert len(store.files(day)) == 1
    assert store.has_index(day)
    index_files = sorted(p.name for p in (tmp_path / INDEX_DIR).rglob("*.parquet"))
    assert len(index_files) == 2
    assert duckdb_counts(store, STEPS, use_index=True) == [1, 1, 0]

    for path in (tmp_path / INDEX_DIR).rglob("*.parquet"):
        path.unlink()
    assert not store.has_index(day)
    assert duckdb_counts(store, STEPS, use_index=True) == [1, 1, 0]
    assert store.compact(day) == 0  # one file: not merged again, but indexed
    assert store.has_index(day)
    assert sorted(p.name for p in (tmp_path / INDEX_DIR).rglob("*.parquet")) == index_files


def test_a_day_written_after_its_index_falls_back_to_its_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append([index_event(1, "page_view", MORNING, device="d1")])
    [day] = store.days()
    store.compact(day)
    assert store.has_index(day)
    store.append([index_event(2, "add_to_cart", MORNING + timedelta(minutes=1), device="d1")])
    assert not store.has_index(day)  # the index describes the files it was built from
    assert duckdb_counts(store, STEPS, use_index=True) == [1, 1, 0]
    store.compact(day)
    assert store.has_index(day)
    assert len(list((tmp_path / INDEX_DIR).rglob("*.parquet"))) == 2  # the stale one is gone
    assert duckdb_counts(store, STEPS, use_index=True) == [1, 1, 0]


def test_a_sign_in_on_a_later_day_merges_the_indexed_anonymous_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append(
        [
            index_event(1, "page_view", MORNING, device="d1"),
            index_event(2, "add_to_cart", MORNING + timedelta(hours=1), device="d1"),
            # The member's own page view from another device.
            index_event(3, "page_view", MORNING + timedelta(hours=2), device="d2", member=7),
        ]
    )
    [first_day] = store.days()
    store.compact(first_day)
    assert store.has_index(first_day)
    assert duckdb_counts(store, STEPS, use_index=True, days=2) == [2, 1, 0]

    # Next day d1 signs in as member 7 and pays: d1's indexed events are the member's now.
    store.append(
        [
            index_event(4, "identify", MORNING + timedelta(days=1), device="d1", member=7),
            index_event(5, "pay_click", MORNING + timedelta(hours=3), device="d1", member=7),
        ]
    )
    for use_index in (True, False):
        assert duckdb_counts(store, STEPS, use_index=use_index, days=2) == [1, 1, 1], use_index
    for day in store.days():
        store.compact(day)
        assert store.has_index(day)
    assert duckdb_counts(store, STEPS, use_index=True, days=2) == [1, 1, 1]


def test_retention_and_deletion_keep_the_index_in_step(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.append(
        [
            index_event(1, "page_view", MORNING - timedelta(days=3), device="old"),
            index_event(2, "page_view", MORNING, device="d1"),
            index_event(3, "add_to_cart", MORNING + timedelta(minutes=1), device="d1", member=9),
            index_event(4, "page_view", MORNING, device="d2"),
        ]
    )
    for day in store.days():
        store.compact(day)
    old_day, day = store.days()
    assert store.drop_before(day) == [old_day]
    assert not (tmp_path / INDEX_DIR / f"date={old_day.isoformat()}").exists()

    assert duckdb_counts(store, STEPS, use_index=True) == [2, 1, 0]
    assert store.delete_member(9) == 2  # its own event and its device's
    assert store.has_index(day)
    for use_index in (True, False):
        assert duckdb_counts(store, STEPS, use_index=use_index) == [1, 0, 0], use_index


def test_filters_and_breakdowns_read_the_events() -> None:
    assert funnels.uses_index(STEPS, None)
    assert not funnels.uses_index(STEPS, "platform")
    assert not funnels.uses_index([funnels.Step("page_view", (("sku_id", "1"),))], None)
    with pytest.raises(ValueError, match="funnel index"):
        funnels.levels_sql(STEPS, 60, "platform", indexed=True)

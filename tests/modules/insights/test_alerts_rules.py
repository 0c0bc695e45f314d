"""The pure rules of metric alerts: threshold, week-over-week change, the seasonal robust
z-score, and the hysteresis of incidents (property tests with hypothesis)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplet.modules.insights.alerts import rules
from shoplet.modules.insights.alerts.rules import (
    Anomaly,
    Change,
    ForecastInterval,
    State,
    Threshold,
    check_anomaly,
    check_forecast,
    evaluate,
    incidents_opened,
    step,
)

HOUR = timedelta(hours=1)
START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday


def seasonal(hour_index: int) -> float:
    """A shop's traffic: low at night, a lunch and an evening peak (UTC+8), busier weekends."""
    local = (hour_index + 8) % 24
    weekday = ((hour_index + 8) // 24) % 7
    daily = 0.2 + math.exp(-((local - 20) ** 2) / 18) + 0.6 * math.exp(-((local - 12) ** 2) / 8)
    return 600 * daily * (1.3 if weekday >= 5 else 1.0)


def hourly_series(weeks: int, *, seed: int, noise: float = 0.04) -> dict[datetime, float]:
    rng = random.Random(seed)
    return {
        START + HOUR * i: round(seasonal(i) * math.exp(rng.gauss(0, noise)))
        for i in range(weeks * 168)
    }


def test_threshold() -> None:
    rule = Threshold(above=100, below=10)
    assert evaluate(rule, START, {START: 101}, "hour").is_firing
    assert evaluate(rule, START, {START: 9}, "hour").is_firing
    assert not evaluate(rule, START, {START: 100}, "hour").is_firing
    # No data is never an alert (a missing bucket is not a zero).
    assert not evaluate(rule, START, {}, "hour").is_firing


def test_change_against_last_week() -> None:
    week_ago = START - rules.WEEK
    down = Change(percent=20, direction="down")
    assert evaluate(down, START, {START: 79, week_ago: 100}, "day").is_firing
    assert not evaluate(down, START, {START: 80, week_ago: 100}, "day").is_firing
    assert not evaluate(down, START, {START: 150, week_ago: 100}, "day").is_firing
    both = Change(percent=20)
    verdict = evaluate(both, START, {START: 150, week_ago: 100}, "day")
    assert verdict.is_firing
    assert verdict.score == pytest.approx(50.0)
    assert evaluate(both, START, {START: 5, week_ago: 0}, "day").is_firing
    assert not evaluate(down, START, {START: 5, week_ago: 0}, "day").is_firing


def test_a_normal_month_of_hourly_traffic_never_fires() -> None:
    """Five weeks with daily and weekly seasonality and 4 % noise: every hour of the fifth week
    is checked against the four before, and none fires."""
    for seed in (1, 2, 3):
        series = hourly_series(5, seed=seed)
        last_week = [START + HOUR * i for i in range(4 * 168, 5 * 168)]
        verdicts = [check_anomaly(Anomaly(), at, series, "hour") for at in last_week]
        assert not [v for v in verdicts if v.is_firing], seed
        assert max(abs(v.score or 0) for v in verdicts) < 4


def test_a_25_percent_drop_fires_at_night_and_at_the_peak() -> None:
    series = hourly_series(5, seed=7)
    for offset in (4 * 168 + 19, 4 * 168 + 12 + 24 * 5):  # 3 a.m. local, a Saturday noon
        at = START + HOUR * offset
        dropped = dict(series)
        dropped[at] = round(series[at] * 0.75)
        verdict = check_anomaly(Anomaly(direction="down"), at, dropped, "hour")
        assert verdict.is_firing, verdict
        assert verdict.expected is not None
        assert verdict.value is not None
        assert verdict.value < verdict.expected
        # Watching rises only: the same drop is no alert.
        assert not check_anomaly(Anomaly(direction="up"), at, dropped, "hour").is_firing


def test_anomaly_needs_history() -> None:
    series = hourly_series(1, seed=1)
    at = START + HOUR * 100
    verdict = check_anomaly(Anomaly(), at, series, "hour")
    assert not verdict.is_firing
    assert verdict.reason == "not enough history"


def test_an_outage_in_the_history_does_not_blind_the_rule() -> None:
    """Median and MAD: one week's outage (zeros) in the history changes neither the expected
    value nor the scale much, so a real drop still fires."""
    series = hourly_series(5, seed=5)
    for i in range(2 * 168, 2 * 168 + 12):
        series[START + HOUR * i] = 0
    at = START + HOUR * (4 * 168 + 2 * 24 + 12)
    series[at] = round(series[at] * 0.75)
    assert check_anomaly(Anomaly(), at, series, "hour").is_firing


# -- forecast interval -------------------------------------------------------------------------

# Every fifth hour of the fifth week (a model fit per check: ~0.15 s each).
FIFTH_WEEK = [START + HOUR * i for i in range(4 * 168, 5 * 168, 5)]


def test_forecast_interval_a_normal_week_never_fires() -> None:
    series = hourly_series(5, seed=3)
    verdicts = [check_forecast(ForecastInterval(), at, series, "hour") for at in FIFTH_WEEK]
    assert all(v.expected is not None for v in verdicts)
    assert not [v for v in verdicts if v.is_firing]


def test_forecast_interval_fires_on_a_25_percent_drop_in_the_watched_direction() -> None:
    series = hourly_series(5, seed=7)
    for offset in (4 * 168 + 19, 4 * 168 + 12 + 24 * 5):  # 3 a.m. local, a Saturday noon
        at = START + HOUR * offset
        dropped = {m: v for m, v in series.items() if m <= at}
        dropped[at] = round(series[at] * 0.75)
        verdict = evaluate(ForecastInterval(direction="down"), at, dropped, "hour")
        assert verdict.is_firing, verdict
        assert verdict.expected is not None
        assert verdict.expected == pytest.approx(series[at], rel=0.1)
        assert (verdict.score or 0) < -3
        assert "interval" in verdict.reason
        assert not evaluate(ForecastInterval(direction="up"), at, dropped, "hour").is_firing


def test_forecast_interval_sees_a_drop_that_a_trend_hides_from_the_median_profile() -> None:
    """Daily sales growing 3 % a day for five weeks: the median profile's scale is inflated by
    the trend, so a 40 % drop back to last month's level looks normal to it; the fitted
    forecast expects the growth, and fires."""
    rng = random.Random(11)
    day = timedelta(days=1)
    series = {
        START + day * i: 1000
        * 1.03**i
        * (1.3 if i % 7 >= 5 else 1.0)
        * math.exp(rng.gauss(0, 0.02))
        for i in range(35)
    }
    at = START + day * 34
    verdict = check_forecast(ForecastInterval(), at, series, "day")
    assert not verdict.is_firing, verdict
    assert verdict.expected == pytest.approx(series[at], rel=0.1)
    drop = dict(series) | {at: series[at] * 0.6}
    assert not check_anomaly(Anomaly(), at, drop, "day").is_firing
    assert check_forecast(ForecastInterval(), at, drop, "day").is_firing


def test_forecast_interval_needs_history() -> None:
    series = hourly_series(5, seed=1)
    at = START + HOUR * (4 * 168 + 10)
    # More than a tenth of the four weeks missing: no verdict.
    sparse = {m: v for i, (m, v) in enumerate(series.items()) if i % 5}
    verdict = check_forecast(ForecastInterval(), at, sparse, "hour")
    assert (verdict.is_firing, verdict.reason) == (False, "not enough history")
    # A few gaps are filled from the same slot of the other weeks.
    holes = {m: v for i, (m, v) in enumerate(series.items()) if i % 50}
    assert check_forecast(ForecastInterval(), at, holes, "hour").expected is not None
    assert check_forecast(ForecastInterval(), at, {}, "hour").reason == "no data"


@given(
    factor=st.floats(min_value=0.1, max_value=10),
    weeks=st.integers(min_value=2, max_value=6),
)
@settings(max_examples=30, deadline=None)
def test_a_series_repeating_each_week_never_fires(factor: float, weeks: int) -> None:
    """Whatever its level, a pattern that repeats exactly is what the rule expects."""
    series = {START + HOUR * i: seasonal(i) * factor for i in range((weeks + 1) * 168)}
    at = START + HOUR * (weeks * 168 + 30)
    verdict = check_anomaly(Anomaly(weeks=weeks), at, series, "hour")
    assert not verdict.is_firing
    assert verdict.expected == pytest.approx(series[at])


@given(
    points=st.lists(st.booleans(), max_size=200),
    resolve_after=st.integers(min_value=1, max_value=6),
)
def test_hysteresis_opens_once_per_episode(points: list[bool], resolve_after: int) -> None:
    """An incident opens on a firing point only when none is open; it resolves only after
    ``resolve_after`` normal points in a row; so the incidents opened are the firing episodes
    separated by at least that many normal points."""
    state = State()
    opened = 0
    normals = 0
    episodes = 0
    seen_fire = False
    for firing in points:
        before = state
        state, action = step(state, firing, resolve_after=resolve_after)
        if action == "open":
            assert not before.is_open
            opened += 1
        if action == "resolve":
            assert before.normal_streak + 1 == resolve_after
        if firing:
            if not seen_fire or normals >= resolve_after:
                episodes += 1
            seen_fire = True
            normals = 0
        else:
            normals += 1
        assert state.is_open == (action in {"open", "keep", "recover"})
    assert opened == episodes
    assert incidents_opened(points, resolve_after=resolve_after) == opened


@given(points=st.lists(st.booleans(), max_size=100))
def test_a_muted_monitor_opens_nothing(points: list[bool]) -> None:
    state = State()
    for firing in points:
        state, action = step(state, firing, resolve_after=2, is_muted=True)
        assert action == "none"


def test_buckets() -> None:
    eight = timedelta(hours=8)
    moment = datetime(2026, 10, 5, 17, 30, tzinfo=UTC)  # 01:30 on the 6th in Shanghai
    assert rules.bucket_start(moment, "hour", eight) == datetime(2026, 10, 5, 17, tzinfo=UTC)
    assert rules.bucket_start(moment, "day", eight) == datetime(2026, 10, 5, 16, tzinfo=UTC)
    assert rules.last_closed_bucket(moment, "day", eight) == datetime(2026, 10, 4, 16, tzinfo=UTC)
    with pytest.raises(ValueError, match="resolve_after"):
        step(State(), True, resolve_after=0)

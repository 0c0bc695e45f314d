"""The rules of metric alerts, and the hysteresis of incidents: pure functions, no I/O.

A series is a mapping of bucket start (aware UTC) → value. Every rule looks at one point, the
bucket just closed, against what came before:

- ``threshold``: the value is above (or below) a fixed number;
- ``change``: the value moved by more than ``percent`` against the same bucket a week earlier
  (``direction`` ``up``, ``down`` or ``both``);
- ``anomaly``: seasonality-aware robust z-score. The expected value of a bucket is the median
  of the same slot (same weekday and hour for hourly monitors, same weekday for daily ones) in
  the ``weeks`` weeks before it; the residual is taken on a log scale (``log1p``) so a 25 %
  drop at 3 a.m. and at 8 p.m. weigh the same; the scale is the MAD of the leave-one-out
  residuals of those weeks (each history point against the median of its slot's other
  weeks), times 1.4826 so it estimates σ for normal noise. Median and MAD ignore the odd
  holiday or outage in the history, where a mean and standard deviation would be dragged by it.

Hysteresis (:func:`step`): an incident opens on the first firing point, stays open while the
rule keeps firing (no new alert), and resolves after ``resolve_after`` consecutive normal points.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Grain = Literal["hour", "day"]
Direction = Literal["up", "down", "both"]

GRAIN_STEP: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
WEEK = timedelta(days=7)
# 1 / Φ⁻¹(3/4): MAD × this estimates σ for normally distributed residuals.
MAD_TO_SIGMA = 1.4826
# A floor on the scale (log units, ~0.5 %): a perfectly flat history would otherwise make any
# change infinitely surprising.
MIN_SCALE = 0.005


@dataclass(frozen=True, slots=True)
class Threshold:
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True, slots=True)
class Change:
    percent: float
    direction: Direction = "both"


@dataclass(frozen=True, slots=True)
class Anomaly:
    z: float = 4.0
    weeks: int = 4
    direction: Direction = "both"
    # A deviation smaller than this (relative to the expected value) never fires.
    min_change_percent: float = 0.0


Rule = Threshold | Change | Anomaly


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a rule says of one point: whether it fires, the value, what was expected (None
    when the rule has no expectation) and a score (the z-score, the change in %, or the value)."""

    is_firing: bool
    value: float | None
    expected: float | None = None
    score: float | None = None
    reason: str = ""


def history_window(rule: Rule, grain: Grain) -> timedelta:
    """How far back before the evaluated bucket a rule reads."""
    if isinstance(rule, Anomaly):
        return WEEK * rule.weeks
    if isinstance(rule, Change):
        return WEEK
    return timedelta(0)


def _moves(delta: float, direction: Direction) -> bool:
    if direction == "up":
        return delta > 0
    if direction == "down":
        return delta < 0
    return delta != 0


def check_threshold(rule: Threshold, value: float | None) -> Verdict:
    if value is None:
        return Verdict(False, None, reason="no data")
    if rule.above is not None and value > rule.above:
        return Verdict(True, value, rule.above, value, f"above {rule.above:g}")
    if rule.below is not None and value < rule.below:
        return Verdict(True, value, rule.below, value, f"below {rule.below:g}")
    return Verdict(False, value, score=value)


def check_change(rule: Change, value: float | None, week_before: float | None) -> Verdict:
    if value is None or week_before is None:
        return Verdict(False, value, week_before, reason="no data")
    if week_before == 0:
        # From nothing to something is not a percentage; only a fall to zero from zero is "no
        # change". Fire on any rise when watching rises.
        fires = value > 0 and rule.direction != "down"
        return Verdict(fires, value, 0.0, None, "from zero" if fires else "")
    change = (value - week_before) / abs(week_before) * 100
    fires = abs(change) > rule.percent and _moves(change, rule.direction)
    return Verdict(fires, value, week_before, change, f"{change:+.1f}% vs last week")


def _log(value: float) -> float:
    return math.log1p(max(value, 0.0))


def check_anomaly(
    rule: Anomaly,
    at: datetime,
    series: Mapping[datetime, float],
    grain: Grain,
) -> Verdict:
    """The robust z-score of ``series[at]`` against the same slot of the ``rule.weeks`` weeks
    before. Buckets missing from the series count as no data (never as zero)."""
    value = series.get(at)
    if value is None:
        return Verdict(False, None, reason="no data")
    slot_count = 168 if grain == "hour" else 7
    step = GRAIN_STEP[grain]
    # slot offset → the history values of that slot, newest week first
    slots: list[list[float]] = []
    for offset in range(slot_count):
        moment = at - step * offset
        values = [series[m] for k in range(1, rule.weeks + 1) if (m := moment - WEEK * k) in series]
        slots.append(values)
    own = slots[0]
    if len(own) < 2:
        return Verdict(False, value, reason="not enough history")
    residuals: list[float] = []
    for values in slots:
        if len(values) < 2:
            continue
        logs = [_log(v) for v in values]
        for i, one in enumerate(logs):
            residuals.append(one - statistics.median(logs[:i] + logs[i + 1 :]))
    if len(residuals) < 5:
        return Verdict(False, value, reason="not enough history")
    center = statistics.median(residuals)
    mad = statistics.median(abs(r - center) for r in residuals)
    scale = max(mad * MAD_TO_SIGMA, MIN_SCALE)
    expected = statistics.median(own)
    z = (_log(value) - _log(expected)) / scale
    change = (value - expected) / expected * 100 if expected else math.inf
    fires = abs(z) > rule.z and _moves(z, rule.direction) and abs(change) >= rule.min_change_percent
    return Verdict(fires, value, expected, z, f"z={z:+.1f}, {change:+.1f}% vs expected")


def evaluate(rule: Rule, at: datetime, series: Mapping[datetime, float], grain: Grain) -> Verdict:
    """The verdict of ``rule`` on the bucket starting at ``at``."""
    if isinstance(rule, Threshold):
        return check_threshold(rule, series.get(at))
    if isinstance(rule, Change):
        return check_change(rule, series.get(at), series.get(at - WEEK))
    return check_anomaly(rule, at, series, grain)


# -- hysteresis ------------------------------------------------------------------------------

Action = Literal["open", "keep", "recover", "resolve", "none"]


@dataclass(frozen=True, slots=True)
class State:
    """A monitor's incident state: whether one is open, and the normal points seen since it
    last fired."""

    is_open: bool = False
    normal_streak: int = 0


def step(
    state: State, is_firing: bool, *, resolve_after: int, is_muted: bool = False
) -> tuple[State, Action]:
    """The next state after one point, and what to do: ``open`` a new incident (only when none
    is open and the monitor is not muted), ``keep`` it open (fired again), ``recover`` (a normal
    point, not yet enough), ``resolve`` it, or ``none``."""
    if resolve_after < 1:
        raise ValueError("resolve_after must be at least 1")
    if state.is_open:
        if is_firing:
            return State(True, 0), "keep"
        streak = state.normal_streak + 1
        if streak >= resolve_after:
            return State(False, 0), "resolve"
        return State(True, streak), "recover"
    if is_firing and not is_muted:
        return State(True, 0), "open"
    return State(False, 0), "none"


def incidents_opened(points: Sequence[bool], *, resolve_after: int) -> int:
    """How many incidents a run of points opens (for tests and the console's preview)."""
    state = State()
    opened = 0
    for firing in points:
        state, action = step(state, firing, resolve_after=resolve_after)
        opened += action == "open"
    return opened


def bucket_start(moment: datetime, grain: Grain, day_offset: timedelta) -> datetime:
    """The start of the bucket holding ``moment`` (UTC). Days are the shop's days: they start
    at UTC midnight minus ``day_offset`` (8 h for Asia/Shanghai)."""
    if grain == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    local = moment + day_offset
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - day_offset


def last_closed_bucket(now: datetime, grain: Grain, day_offset: timedelta) -> datetime:
    """The latest bucket that has ended by ``now``."""
    return bucket_start(now, grain, day_offset) - GRAIN_STEP[grain]

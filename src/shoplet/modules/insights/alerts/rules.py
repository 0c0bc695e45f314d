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
  holiday or outage in the history, where a mean and standard deviation would be dragged by it;
- ``forecast``: the value falls outside the ``level`` % prediction interval of a one-step
  forecast fitted on the ``weeks`` weeks before it (log scale): statsforecast's MSTL (daily and
  weekly seasons, AutoETS on the trend) for hourly monitors, AutoETS (weekly season) for daily
  ones. It follows trends the median profile cannot, at the price of a model fit per check.

Hysteresis (:func:`step`): an incident opens on the first firing point, stays open while the
rule keeps firing (no new alert), and resolves after ``resolve_after`` consecutive normal points.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

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


@dataclass(frozen=True, slots=True)
class ForecastInterval:
    # 99.9 %: even widened (see one_step_interval), the interval's σ is ~1.2× too narrow on
    # generated hourly traffic, so a 99 % interval fires in ~3 % of normal hours.
    level: float = 99.9
    weeks: int = 4
    direction: Direction = "both"
    min_change_percent: float = 0.0


Rule = Threshold | Change | Anomaly | ForecastInterval

# A forecast needs most of its history: buckets missing beyond this share mean "not enough".
MAX_MISSING_SHARE = 0.1


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
    if isinstance(rule, Anomaly | ForecastInterval):
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


def _history(
    at: datetime, series: Mapping[datetime, float], grain: Grain, weeks: int
) -> list[float] | None:
    """The contiguous history of the ``weeks`` weeks before ``at``, oldest first, on a log
    scale. A missing bucket takes the median of its slot's other weeks; ``None`` when more than
    ``MAX_MISSING_SHARE`` is missing (or a slot has no week at all)."""
    slot_count = 168 if grain == "hour" else 7
    step_ = GRAIN_STEP[grain]
    moments = [at - step_ * k for k in range(weeks * slot_count, 0, -1)]
    missing = sum(m not in series for m in moments)
    if missing > MAX_MISSING_SHARE * len(moments):
        return None
    values: list[float] = []
    for moment in moments:
        if moment in series:
            values.append(_log(series[moment]))
            continue
        same_slot = [
            series[m]
            for k in range(-weeks, weeks + 1)
            if k and (m := moment + WEEK * k) in series and at - WEEK * weeks <= m < at
        ]
        if not same_slot:
            return None
        values.append(_log(statistics.median(same_slot)))
    return values


def one_step_interval(
    history: Sequence[float], grain: Grain, level: float
) -> tuple[float, float, float]:
    """Mean, lower and upper bound of the one-step forecast after ``history`` (log scale) at
    ``level`` %. statsforecast is imported here, so loading the rules never loads it."""
    import warnings

    import numpy as np
    from statsforecast.models import MSTL, AutoETS

    model: Any
    if grain == "hour":
        model = MSTL(season_length=[24, 168], trend_forecaster=AutoETS(model="ZZN"))
    else:
        model = AutoETS(season_length=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, Any] = model.forecast(y=np.asarray(history, dtype=float), h=1, level=[level])
    mean = float(out["mean"][0])
    lo = next(v for k, v in out.items() if k.startswith("lo-"))
    hi = next(v for k, v in out.items() if k.startswith("hi-"))
    lower, upper = float(lo[0]), float(hi[0])
    if grain == "hour":
        # MSTL's interval comes from its in-sample residuals, but each of the 168 weekly
        # slots is estimated from only ``weeks`` points: in-sample residuals have variance
        # σ²(1 − 1/w), a new point's error σ²(1 + 1/w). Widen by the square root of the ratio
        # (1.29 for four weeks), else a normal week fires about ten times too often.
        weeks = len(history) / 168
        widen = math.sqrt((weeks + 1) / (weeks - 1))
        lower, upper = mean - (mean - lower) * widen, mean + (upper - mean) * widen
    if not all(math.isfinite(v) for v in (mean, lower, upper)):
        raise ArithmeticError("the forecast is not finite")
    return mean, lower, upper


def check_forecast(
    rule: ForecastInterval,
    at: datetime,
    series: Mapping[datetime, float],
    grain: Grain,
) -> Verdict:
    """Whether ``series[at]`` lies outside the ``rule.level`` % prediction interval of a
    forecast fitted on the weeks before it. The score is the distance from the forecast in
    units of the interval's σ (its half-width over the normal quantile of ``level``), so it
    reads like the anomaly rule's z."""
    value = series.get(at)
    if value is None:
        return Verdict(False, None, reason="no data")
    history = _history(at, series, grain, rule.weeks)
    if history is None:
        return Verdict(False, value, reason="not enough history")
    try:
        mean, lower, upper = one_step_interval(history, grain, rule.level)
    except Exception:  # a model that cannot be fitted on this history is no alert
        return Verdict(False, value, reason="the forecast could not be fitted")
    observed = _log(value)
    quantile = statistics.NormalDist().inv_cdf(0.5 + rule.level / 200)
    sigma = max((upper - lower) / (2 * quantile), MIN_SCALE)
    z = (observed - mean) / sigma
    expected = max(math.expm1(mean), 0.0)
    change = (value - expected) / expected * 100 if expected else math.inf
    outside = observed < lower or observed > upper
    fires = outside and _moves(z, rule.direction) and abs(change) >= rule.min_change_percent
    low, high = max(math.expm1(lower), 0.0), max(math.expm1(upper), 0.0)
    return Verdict(
        fires,
        value,
        expected,
        z,
        f"{rule.level:g}% interval [{low:.4g}, {high:.4g}], {change:+.1f}% vs forecast",
    )


def evaluate(rule: Rule, at: datetime, series: Mapping[datetime, float], grain: Grain) -> Verdict:
    """The verdict of ``rule`` on the bucket starting at ``at``."""
    if isinstance(rule, Threshold):
        return check_threshold(rule, series.get(at))
    if isinstance(rule, Change):
        return check_change(rule, series.get(at), series.get(at - WEEK))
    if isinstance(rule, ForecastInterval):
        return check_forecast(rule, at, series, grain)
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

"""The forecasting core (pure: no database, no I/O): statsforecast's AutoETS, AutoARIMA and
Theta chosen per series by rolling-origin cross-validation on MASE, with a seasonal-naive
baseline always computed beside it; Croston (optimized), TSB and ADIDA for intermittent series
(a share of zero periods above ``INTERMITTENT_ZERO_SHARE``).

statsforecast (2.x: compiled C++ models, no numba JIT any more) pulls pandas and statsmodels
(about a second to import warm): it is imported inside the functions, so API start-up never
loads it (docs/forecasting.md has the figures).
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Method = Literal["smooth", "intermittent"]

SMOOTH_MODELS: tuple[str, ...] = ("AutoETS", "AutoARIMA", "Theta")
INTERMITTENT_MODELS: tuple[str, ...] = ("CrostonOptimized", "TSB", "ADIDA")
BASELINE = "SeasonalNaive"
INTERMITTENT_ZERO_SHARE = 0.5
DEFAULT_FOLDS = 3
DEFAULT_LEVEL = 95


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Backtest errors over the rolling-origin folds: MAPE and sMAPE in percent (MAPE leaves
    zero actuals out, ``None`` when all were zero), MASE scaled by the in-sample seasonal-naive
    error of each fold's training part."""

    mape: float | None
    smape: float | None
    mase: float | None
    folds: int


@dataclass(frozen=True, slots=True)
class ForecastResult:
    model: str
    method: Method
    level: int
    forecast: list[float]
    lower: list[float]
    upper: list[float]
    accuracy: Accuracy
    baseline_forecast: list[float]
    baseline_accuracy: Accuracy
    # MASE of every candidate that could be fitted, for the console's comparison.
    candidates: dict[str, float | None] = field(default_factory=dict)
    zero_share: float = 0.0
    # Standard deviation of one-step backtest errors (σ for safety stock), in series units.
    sigma: float = 0.0
    uses_calendar: bool = False


def _model(name: str, season_length: int, with_x: bool = False) -> Any:
    from statsforecast import models as m

    if name == "AutoETS":
        return m.AutoETS(season_length=season_length)
    if name == "AutoARIMA":
        return m.AutoARIMA(season_length=season_length)
    if name == "Theta":
        return m.Theta(season_length=season_length)
    if name == BASELINE:
        return m.SeasonalNaive(season_length=season_length)
    if name == "CrostonOptimized":
        return m.CrostonOptimized()
    if name == "TSB":
        return m.TSB(alpha_d=0.2, alpha_p=0.2)
    if name == "ADIDA":
        return m.ADIDA()
    raise ValueError(f"unknown model {name!r}")


def _fit(
    name: str,
    y: Sequence[float],
    h: int,
    season_length: int,
    level: int | None,
    *,
    x: Sequence[Sequence[float]] | None = None,
    x_future: Sequence[Sequence[float]] | None = None,
) -> dict[str, Any]:
    import numpy as np

    model = _model(name, season_length)
    kwargs: dict[str, Any] = {"y": np.asarray(y, dtype=float), "h": h}
    if level is not None and name not in INTERMITTENT_MODELS:
        kwargs["level"] = [level]
    if x is not None and x_future is not None and name == "AutoARIMA":
        kwargs["X"] = np.asarray(x, dtype=float)
        kwargs["X_future"] = np.asarray(x_future, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: dict[str, Any] = model.forecast(**kwargs)
    mean = out["mean"]
    if not np.all(np.isfinite(mean)):
        raise ArithmeticError(f"{name} produced a non-finite forecast")
    return out


def seasonal_scale(y: Sequence[float], season_length: int) -> float:
    """Mean absolute seasonal difference (lag ``season_length``, lag 1 when the series is too
    short): the MASE denominator. Zero for a series that repeats itself exactly."""
    lag = season_length if len(y) > season_length else 1
    diffs = [abs(y[i] - y[i - lag]) for i in range(lag, len(y))]
    return statistics.fmean(diffs) if diffs else 0.0


@dataclass(slots=True)
class _Errors:
    ape: list[float] = field(default_factory=list)
    sape: list[float] = field(default_factory=list)
    scaled: list[float] = field(default_factory=list)
    first_step: list[float] = field(default_factory=list)
    folds: int = 0

    def add(self, actual: Sequence[float], predicted: Sequence[float], scale: float) -> None:
        self.folds += 1
        for i, (a, p) in enumerate(zip(actual, predicted, strict=True)):
            if a != 0:
                self.ape.append(abs(a - p) / abs(a))
            if abs(a) + abs(p) > 0:
                self.sape.append(2 * abs(a - p) / (abs(a) + abs(p)))
            else:
                self.sape.append(0.0)
            if scale > 0:
                self.scaled.append(abs(a - p) / scale)
            if i == 0:
                self.first_step.append(a - p)

    def accuracy(self) -> Accuracy:
        def pct(xs: list[float]) -> float | None:
            return round(100 * statistics.fmean(xs), 4) if xs else None

        mase = round(statistics.fmean(self.scaled), 6) if self.scaled else None
        return Accuracy(pct(self.ape), pct(self.sape), mase, self.folds)


def cv_windows(n: int, horizon: int, season_length: int, folds: int) -> tuple[int, int]:
    """``(windows, window length)`` of the rolling-origin backtest: windows of up to ``horizon``
    (and at most one season) periods at the end of the series, each leaving at least a season
    and two points to train on. ``(0, 0)`` when the series is too short for one."""
    min_train = max(season_length + 2, 4)
    if n - min_train < 1:
        return 0, 0
    length = min(horizon, max(season_length, 1), n - min_train)
    windows = max(1, min(folds, (n - min_train) // length))
    return windows, length


def backtest(
    name: str,
    y: Sequence[float],
    season_length: int,
    windows: int,
    length: int,
    *,
    x: Sequence[Sequence[float]] | None = None,
) -> _Errors:
    errors = _Errors()
    n = len(y)
    for w in range(windows, 0, -1):
        cut = n - w * length
        train, test = y[:cut], y[cut : cut + length]
        xs = xf = None
        if x is not None:
            xs, xf = x[:cut], x[cut : cut + length]
        out = _fit(name, train, length, season_length, None, x=xs, x_future=xf)
        errors.add(test, [float(v) for v in out["mean"]], seasonal_scale(train, season_length))
    return errors


def zero_share(y: Sequence[float]) -> float:
    return sum(1 for v in y if v == 0) / len(y) if y else 0.0


def _usable_regressors(
    x: Sequence[Sequence[float]] | None, n: int
) -> tuple[list[list[float]], list[list[float]]] | None:
    """Keep the regressor columns that vary over the history (a constant column makes the
    ARIMA design matrix singular); ``None`` when none does."""
    if x is None:
        return None
    columns = [j for j in range(len(x[0])) if len({row[j] for row in x[:n]}) > 1]
    if not columns:
        return None
    rows = [[float(row[j]) for j in columns] for row in x]
    return rows[:n], rows[n:]


def forecast_series(
    y: Sequence[float],
    *,
    season_length: int,
    horizon: int,
    level: int = DEFAULT_LEVEL,
    folds: int = DEFAULT_FOLDS,
    regressors: Sequence[Sequence[float]] | None = None,
    models: Sequence[str] | None = None,
    non_negative: bool = False,
    intermittent_zero_share: float = INTERMITTENT_ZERO_SHARE,
) -> ForecastResult:
    """Forecast ``horizon`` periods after ``y``: every candidate is backtested on the same
    rolling-origin windows, the lowest MASE wins (the seasonal naive when nothing beats it or
    nothing could be fitted), and the winner is refitted on the whole series.

    ``regressors`` has one row per period of ``y`` and of the horizon (``len(y) + horizon``);
    only AutoARIMA uses them. ``non_negative`` clips forecasts and bounds at zero (units sold).
    """
    values = [float(v) for v in y]
    n = len(values)
    share = zero_share(values)
    method: Method = "intermittent" if share > intermittent_zero_share else "smooth"
    names = list(models or (INTERMITTENT_MODELS if method == "intermittent" else SMOOTH_MODELS))
    usable = _usable_regressors(regressors, n)
    x_hist, x_future = usable if usable is not None else (None, None)

    windows, length = cv_windows(n, horizon, season_length, folds)
    baseline_errors = (
        backtest(BASELINE, values, season_length, windows, length) if windows else _Errors()
    )
    candidates: dict[str, float | None] = {}
    results: dict[str, _Errors] = {}
    for name in names:
        try:
            errors = (
                backtest(name, values, season_length, windows, length, x=x_hist)
                if windows
                else _Errors()
            )
        except Exception:
            candidates[name] = None
            continue
        results[name] = errors
        candidates[name] = errors.accuracy().mase

    baseline_mase = baseline_errors.accuracy().mase
    chosen = BASELINE
    best = math.inf if baseline_mase is None else baseline_mase
    for name, errors in results.items():
        mase = errors.accuracy().mase
        if mase is not None and mase < best:
            chosen, best = name, mase
    chosen_errors = results.get(chosen, baseline_errors)

    baseline_out = _fit(BASELINE, values, horizon, season_length, level)
    try:
        out = _fit(chosen, values, horizon, season_length, level, x=x_hist, x_future=x_future)
    except Exception:
        chosen, out, chosen_errors = BASELINE, baseline_out, baseline_errors
    mean = [float(v) for v in out["mean"]]
    sigma = _sigma(chosen_errors, values)
    lower, upper = _bounds(out, mean, level, sigma)
    clip: Callable[[list[float]], list[float]] = (
        (lambda xs: [max(0.0, v) for v in xs]) if non_negative else (lambda xs: xs)
    )
    return ForecastResult(
        model=chosen + ("+X" if chosen == "AutoARIMA" and x_hist is not None else ""),
        method=method,
        level=level,
        forecast=clip(mean),
        lower=clip(lower),
        upper=clip(upper),
        accuracy=chosen_errors.accuracy(),
        baseline_forecast=clip([float(v) for v in baseline_out["mean"]]),
        baseline_accuracy=baseline_errors.accuracy(),
        candidates=candidates,
        zero_share=round(share, 6),
        sigma=sigma,
        uses_calendar=chosen == "AutoARIMA" and x_hist is not None,
    )


def _sigma(errors: _Errors, y: Sequence[float]) -> float:
    """σ of one-step errors from the backtest; the series' own σ of first differences when the
    backtest had fewer than two folds."""
    if len(errors.first_step) >= 2:
        return statistics.pstdev(errors.first_step) or statistics.fmean(
            abs(e) for e in errors.first_step
        )
    diffs = [y[i] - y[i - 1] for i in range(1, len(y))]
    return statistics.pstdev(diffs) if len(diffs) >= 2 else 0.0


def _bounds(
    out: dict[str, Any], mean: list[float], level: int, sigma: float
) -> tuple[list[float], list[float]]:
    lo, hi = out.get(f"lo-{level}"), out.get(f"hi-{level}")
    if lo is not None and hi is not None:
        return [float(v) for v in lo], [float(v) for v in hi]
    # Intermittent models give no interval: widen with the backtest's one-step σ, growing
    # with the square root of the step (errors assumed independent).
    z = statistics.NormalDist().inv_cdf(0.5 + level / 200)
    lower = [m - z * sigma * math.sqrt(i + 1) for i, m in enumerate(mean)]
    upper = [m + z * sigma * math.sqrt(i + 1) for i, m in enumerate(mean)]
    return lower, upper

"""The forecasting core on public monthly series shipped in installed wheels (nothing is
downloaded): the model chosen by the rolling-origin backtest beats the seasonal naive on a
held-out year; intermittent series get the intermittent methods."""

from __future__ import annotations

import statistics

import pytest

from shoplet.modules.insights.forecast import core

pytest.importorskip("statsforecast")


def _air_passengers() -> list[float]:
    from statsforecast.utils import AirPassengers

    return [float(v) for v in AirPassengers]


def _co2_monthly() -> list[float]:
    """Mauna Loa CO2 (statsmodels' dataset, weekly), monthly means of its last 12 years."""
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return [float(v) for v in monthly.to_numpy()[-144:]]


def _mae(actual: list[float], predicted: list[float]) -> float:
    return statistics.fmean(abs(a - p) for a, p in zip(actual, predicted, strict=True))


@pytest.mark.parametrize("load", [_air_passengers, _co2_monthly], ids=["airpassengers", "co2"])
def test_the_chosen_model_beats_seasonal_naive_on_a_held_out_year(load) -> None:  # type: ignore[no-untyped-def]
    y = load()
    train, test = y[:-12], y[-12:]
    result = core.forecast_series(train, season_length=12, horizon=12)
    assert result.model != core.BASELINE
    assert result.method == "smooth"
    assert len(result.forecast) == len(result.lower) == len(result.upper) == 12
    assert all(
        lo <= f <= hi for lo, f, hi in zip(result.lower, result.forecast, result.upper, strict=True)
    )
    assert _mae(test, result.forecast) < _mae(test, result.baseline_forecast)
    # The backtest says the same: the chosen model's MASE is below the baseline's.
    assert result.accuracy.mase is not None
    assert result.baseline_accuracy.mase is not None
    assert result.accuracy.mase < result.baseline_accuracy.mase
    assert result.accuracy.folds == result.baseline_accuracy.folds == 3
    assert set(result.candidates) == set(core.SMOOTH_MODELS)


def test_intermittent_series_use_the_intermittent_methods() -> None:
    y = [0.0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 4, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0]
    result = core.forecast_series(y, season_length=7, horizon=7, non_negative=True)
    assert result.method == "intermittent"
    assert set(result.candidates) == set(core.INTERMITTENT_MODELS)
    assert result.model in {*core.INTERMITTENT_MODELS, core.BASELINE}
    assert all(v >= 0 for v in result.lower + result.forecast + result.upper)
    assert result.zero_share == pytest.approx(21 / 28, abs=1e-6)


def test_errors_are_exact_on_a_hand_made_fold() -> None:
    errors = core._Errors()
    errors.add([10.0, 0.0, 20.0], [8.0, 1.0, 25.0], scale=2.0)
    acc = errors.accuracy()
    # APE skips the zero actual: (0.2 + 0.25) / 2.
    assert acc.mape == pytest.approx(22.5)
    # sAPE: 2·2/18, 2·1/1, 2·5/45.
    assert acc.smape == pytest.approx(100 * (4 / 18 + 2 + 10 / 45) / 3, abs=1e-4)
    assert acc.mase == pytest.approx((1 + 0.5 + 2.5) / 3)
    assert core.seasonal_scale([1.0, 2, 3, 5, 7, 9], 3) == pytest.approx(5.0)


def test_backtest_windows_fit_short_series() -> None:
    assert core.cv_windows(24, 12, 12, 3) == (1, 10)
    assert core.cv_windows(144, 12, 12, 3) == (3, 12)
    assert core.cv_windows(4, 2, 7, 3) == (0, 0)
    # A series of exactly two seasons still forecasts (the baseline when nothing backtests).
    result = core.forecast_series(
        [float(i % 12) + 10 for i in range(24)], season_length=12, horizon=12
    )
    assert len(result.forecast) == 12

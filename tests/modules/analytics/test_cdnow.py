"""RFM and CLV against lifetimes on its own example data set, CDNOW (2357 customers' CD
purchases, 1997-01 .. 1998-06, shipped inside the lifetimes package): ``shoplet analytics rfm``
gives exactly lifetimes' ``summary_data_from_transaction_data`` (``freq="D"``) for every
customer, and our BG/NBD and Gamma-Gamma fits find lifetimes' parameters."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoplet.cli import app
from shoplet.modules.analytics import clv, rfm

lifetimes = pytest.importorskip("lifetimes", reason="lifetimes is a test dependency (pyproject)")
pd = pytest.importorskip("pandas")

END = "1998-06-30"


def _cdnow() -> list[tuple[str, date, str]]:
    """(customer id in the sample, day, dollars as written) per line of CDNOW_sample.txt."""
    path = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
    rows = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        _, sample_id, day, _, amount = line.split()
        rows.append((sample_id, date(int(day[:4]), int(day[4:6]), int(day[6:])), amount))
    return rows


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "date", "amount"])
        for customer, day, amount in _cdnow():
            writer.writerow([customer, day.isoformat(), amount])
    return path


@pytest.fixture(scope="module")
def reference() -> object:
    frame = pd.DataFrame(_cdnow(), columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = frame["amount"].astype(float)
    return lifetimes.utils.summary_data_from_transaction_data(
        frame,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=END,
        freq="D",
    )


def test_cli_rfm_equals_lifetimes_for_every_customer(
    cdnow_csv: Path, reference: object, tmp_path: Path
) -> None:
    out = tmp_path / "rfm.csv"
    result = CliRunner().invoke(
        app,
        [
            "analytics",
            "rfm",
            "--transactions",
            str(cdnow_csv),
            "--observation-end",
            END,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    with out.open(newline="") as handle:
        ours = {row["customer_id"]: row for row in csv.DictReader(handle)}
    theirs = reference  # a DataFrame indexed by customer id
    assert len(ours) == len(theirs) == 2357
    for customer_id, row in theirs.iterrows():  # type: ignore[attr-defined]
        mine = ours[str(customer_id)]
        assert int(mine["frequency"]) == row["frequency"], customer_id
        assert int(mine["recency"]) == row["recency"], customer_id
        assert int(mine["T"]) == row["T"], customer_id
        assert math.isclose(
            float(mine["monetary_value"]), row["monetary_value"], rel_tol=1e-9, abs_tol=1e-9
        ), customer_id
    assert {r["class"] for r in ours.values()} <= set(rfm.CLASS_NAMES)
    assert all(0.0 <= float(r["p_alive"]) <= 1.0 for r in ours.values())


def test_bgnbd_and_gamma_gamma_fit_like_lifetimes(reference: object) -> None:
    summary = reference
    f = summary["frequency"].to_numpy()  # type: ignore[index]
    r_ = summary["recency"].to_numpy()  # type: ignore[index]
    t = summary["T"].to_numpy()  # type: ignore[index]
    m = summary["monetary_value"].to_numpy()  # type: ignore[index]
    theirs = lifetimes.BetaGeoFitter().fit(f, r_, t)
    ours = clv.fit_bgnbd(list(f), list(r_), list(t))
    for name in ("r", "alpha", "a", "b"):
        assert math.isclose(getattr(ours, name), theirs.params_[name], rel_tol=2e-3), name
    returning = (f > 0) & (m > 0)
    gg = lifetimes.GammaGammaFitter().fit(f[returning], m[returning])
    ours_gg = clv.fit_gamma_gamma(list(f), list(m))
    for name in ("p", "q", "v"):
        assert math.isclose(getattr(ours_gg, name), gg.params_[name], rel_tol=2e-3), name

    # Same parameters, same predictions (the formulas, customer by customer).
    same = clv.BgNbdParams(*(float(theirs.params_[k]) for k in ("r", "alpha", "a", "b")))
    alive = theirs.conditional_probability_alive(f, r_, t)
    expected = theirs.conditional_expected_number_of_purchases_up_to_time(365, f, r_, t)
    for i in range(0, len(f), 97):
        assert math.isclose(clv.p_alive(same, f[i], r_[i], t[i]), alive[i], rel_tol=1e-9)
        assert math.isclose(
            clv.expected_purchases(same, 365, f[i], r_[i], t[i]), expected[i], rel_tol=1e-7
        )
    gg_same = clv.GammaGammaParams(*(float(gg.params_[k]) for k in ("p", "q", "v")))
    profit = gg.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])  # type: ignore[index]
    for i in range(0, len(f), 97):
        assert math.isclose(clv.expected_spend(gg_same, f[i], m[i]), profit.iloc[i], rel_tol=1e-9)

"""``shoplet analytics forecast --series FILE.csv``: the last line is the forecast's JSON; a bad
series stops with its line number on stderr, exit code 2 and nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoplet.cli import app


def _months(n: int) -> list[str]:
    return [f"{2015 + i // 12}-{i % 12 + 1:02d}-01" for i in range(n)]


def _csv(dates: list[str], values: list[str] | None = None) -> str:
    values = values or [str(100 + 10 * (i % 12) + i) for i in range(len(dates))]
    return "date,value\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, values, strict=True))


def _run(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    source = tmp_path / "series.csv"
    source.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["analytics", "forecast", "--series", str(source), "--no-calendar", *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_forecast_prints_json_last(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, _csv(_months(48)), "--season-length", "12", "--horizon", "6")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert len(result["forecast"]) == len(result["lower"]) == len(result["upper"]) == 6
    assert result["model"] in {"AutoETS", "AutoARIMA", "Theta", "SeasonalNaive"}
    assert result["dates"][0] == "2019-01-01"
    assert result["frequency"] == "monthly"
    assert result["mase"] is not None
    assert result["baseline_mase"] is not None
    assert all(
        lo <= f <= hi
        for lo, f, hi in zip(result["lower"], result["forecast"], result["upper"], strict=True)
    )


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (_csv(_months(20)), ("12", "6"), "too few"),
        (_csv(_months(48)), ("12", "25"), "too long"),
        (_csv(_months(3) + _months(49)[4:]), ("12", "6"), "line 5"),
        (_csv(_months(48), ["1"] * 9 + ["12abc"] + ["1"] * 38), ("12", "6"), "line 11"),
        (_csv(_months(6) + _months(6)[5:6] + _months(48)[6:]), ("12", "6"), "line 8"),
        ("date,amount\n2020-01-01,1\n", ("12", "6"), "line 1"),
        ("date,value\n2020-01-01,1,2\n", ("12", "6"), "line 2"),
    ],
    ids=["short", "horizon", "gap", "non-numeric", "duplicate", "header", "columns"],
)
def test_a_bad_series_stops_with_its_line(
    tmp_path: Path, text: str, args: tuple[str, str], message: str
) -> None:
    code, out, err = _run(tmp_path, text, "--season-length", args[0], "--horizon", args[1])
    assert code == 2
    assert out == ""
    assert message in err

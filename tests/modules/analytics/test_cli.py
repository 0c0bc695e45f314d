"""``shoplet analytics rfm`` and ``import-history`` on files: the output's columns, and a bad
row that stops the run with its line number, exit code 2 and no output file."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from shoplet.cli import app


def _rfm(tmp_path: Path, text: str, end: str = "2026-12-31") -> tuple[int, str, Path]:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app,
        [
            "analytics",
            "rfm",
            "--transactions",
            str(source),
            "--observation-end",
            end,
            "--out",
            str(out),
        ],
    )
    return result.exit_code, result.stdout + result.stderr, out


def test_rfm_writes_both_conventions(tmp_path: Path) -> None:
    code, output, out = _rfm(
        tmp_path,
        "customer_id,date,amount\n"
        "007,2026-12-01,10.00\n007,2026-12-11,20\n007,2026-12-21,30.10\n"
        "b,2026-11-01,100\nc,2026-06-01,1\nc,2026-07-01,3\n",
    )
    assert code == 0, output
    with out.open(newline="") as handle:
        rows = {r["customer_id"]: r for r in csv.DictReader(handle)}
    assert list(rows) == ["007", "b", "c"]
    first = rows["007"]
    assert {k: first[k] for k in ("frequency", "recency", "T", "monetary_value")} == {
        "frequency": "2",
        "recency": "20",
        "T": "30",
        "monetary_value": "25.05",
    }
    assert (first["orders"], first["spend"], first["days_since_last"]) == ("3", "60.10", "10")
    assert first["class_name"] in {"重要价值客户", "一般价值客户"}
    assert rows["b"]["monetary_value"] == "0.00"
    assert "3 customers written" in output
    assert list(tmp_path.glob(".rfm-*")) == []


def test_a_bad_row_stops_with_its_line_and_writes_nothing(tmp_path: Path) -> None:
    code, output, out = _rfm(
        tmp_path,
        "customer_id,date,amount\na,2026-12-01,1\nb,2026-12-02,1\nc,2026-12-xx,5\nd,2026-12-03,1\n",
    )
    assert code == 2
    assert "line 4" in output
    assert "YYYY-MM-DD" in output
    assert not out.exists()
    assert list(tmp_path.glob(".rfm-*")) == []


def test_a_bad_observation_end_or_amount(tmp_path: Path) -> None:
    code, output, out = _rfm(tmp_path, "customer_id,date,amount\na,2026-12-01,1\n", end="31/12")
    assert (code, out.exists()) == (2, False)
    assert "--observation-end" in output
    code, output, out = _rfm(tmp_path, "customer_id,date,amount\na,2026-12-01,1.001\n")
    assert (code, out.exists()) == (2, False)
    assert "line 2" in output

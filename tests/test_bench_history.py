"""The bench history is committed (bench/history.jsonl): a fresh clone keeps every earlier
run, `make bench` appends one line, and the report renders them all in one table."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.report import _history
from bench.runner import HISTORY, ROOT, load_history, record_history, summarise


def _measurement(scenario: str, stack: str, rps: float, p99: float) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "stack": stack,
        "rps": rps,
        "p50_ms": p99 / 3,
        "p90_ms": p99 / 2,
        "p99_ms": p99,
        "requests": 1,
        "errors": 0,
        "non_2xx": 0,
    }


def _raw() -> dict[str, Any]:
    return {
        "started_at": "2026-12-04 09:00 UTC",
        "machine": {
            "code": "abc123",
            "load average at start": "0.5 0 0",
            "load average at end": "1.5 0 0",
        },
        "backend": {"name": "postgresql+redis"},
        "measurements": [
            _measurement("bare", "uvicornx2", 8000, 30.0),
            _measurement("product_list", "uvicornx2", 7000, 20.0),
            _measurement("product_detail", "uvicornx2", 6000, 25.0),
            _measurement("place_order", "uvicornx2", 400, 120.0),
        ],
        "stacks": {"uvicornx2": {"cold_start_s": 1.5, "cold_start_cpu_s": 1.2, "rss_mb": [130]}},
        "chosen": "uvicornx2",
        "flashsale": {
            "bare_rps": 6000.0,
            "bare_p99_ms": 100.0,
            "runs": [{"name": "sale", "rps": 4500.0, "p99_ms": 60.0}],
        },
        "embedded": {
            "backend": {"name": "sqlite"},
            "chosen": "uvicornx2",
            "measurements": [
                _measurement("bare", "uvicornx2", 9000, 10.0),
                _measurement("product_list", "uvicornx2", 6300, 12.0),
                _measurement("product_detail", "uvicornx2", 5400, 14.0),
            ],
        },
        "startup": None,
    }


def test_the_history_file_is_committed_and_keeps_the_earlier_runs() -> None:
    assert HISTORY.parent == ROOT / "bench"
    runs = load_history()
    started = [run["started_at"] for run in runs]
    assert started == sorted(started)
    # Backfilled from the earlier versions of docs/benchmarks.md, first run first.
    assert started[0] == "2026-11-26 10:40 UTC"
    assert "2026-12-03 14:53 UTC" in started
    assert all(run.get("source") or run["rows"] for run in runs)


def test_a_run_is_appended_with_its_rows_the_flash_sale_and_the_embedded_default(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps({**summarise(_raw()), "started_at": "earlier"}) + "\n")
    runs = record_history(_raw(), path)
    assert [run["started_at"] for run in runs] == ["earlier", "2026-12-04 09:00 UTC"]
    latest = runs[-1]
    assert latest["rows"]["product_detail"]["ratio"] == 0.75
    assert latest["rows"]["place_order"]["p99_ms"] == 120.0
    assert latest["flash"] == {"ratio": 0.75, "p99_ms": 60.0, "bare_p99_ms": 100.0}
    assert latest["embedded"]["rows"]["product_list"]["ratio"] == 0.7

    lines: list[str] = []
    _history(SimpleNamespace(history=runs), lines.append)  # type: ignore[arg-type]
    row = next(line for line in lines if line.startswith("| 2026-12-04 09:00 UTC"))
    assert "| 0.88 (20.0) | 0.75 (25.0) |" in row
    assert "| 40 / 120 | 0.75 (60; 100) |" in row
    embedded = lines[lines.index(row) + 1]
    assert "sqlite (embedded default)" in embedded
    assert "| 0.70 (12.0) | 0.60 (14.0) |" in embedded

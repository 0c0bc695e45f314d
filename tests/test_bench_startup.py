"""The second-start bench reads `make run`'s own step lines and ``-X importtime`` output, and
reports the target from them."""

from __future__ import annotations

from dataclasses import asdict
from types import SimpleNamespace

from bench.startup import (
    ImportTimes,
    StartRun,
    StartupResult,
    StepTime,
    parse_importtime,
    parse_output,
    render_section,
)


def test_the_steps_and_the_moment_the_server_starts_come_from_the_output() -> None:
    lines = [
        (0.01, "Shoplet: preparing (steps in parallel, logs in var/log/)"),
        (0.05, "make[1]: Nothing to be done for 'frontends'."),
        (0.08, "  skip migrate                  (unchanged since its last run)"),
        (0.09, "  ... seed-catalog"),
        (1.50, "  ok   seed-catalog                1.4s"),
        (1.51, "  FAIL console-build               0.2s  (log: var/log/console-build.log)"),
        (1.52, "  ready to serve after 1.5s"),
        (1.60, "Shoplet embedded on http://127.0.0.1:8000"),
    ]
    steps, serve_at = parse_output(lines)
    assert steps == [
        StepTime("migrate", "skip", None),
        StepTime("seed-catalog", "ok", 1.4),
        StepTime("console-build", "FAIL", 0.2),
    ]
    assert serve_at == 1.52


def test_import_times_are_summed_by_package_from_self_times() -> None:
    text = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       100 |        100 |     sqlalchemy.util",
            "import time:      2000 |       2100 |   sqlalchemy",
            "import time:       500 |        500 |       shoplet.core.settings",
            "import time:      1500 |       2000 | shoplet",
        ]
    )
    times = parse_importtime(text)
    assert times.modules == 4
    assert times.total_ms == 4.1
    assert times.by_package == [("sqlalchemy", 2.1), ("shoplet", 2.0)]


def test_the_report_marks_the_slowest_run_against_the_target() -> None:
    def run(total: float) -> StartRun:
        return StartRun(total, 1.2, 0.1, total - 0.1, 1.1, [StepTime("migrate", "skip", None)])

    result = StartupResult(
        runs=[run(1.4), run(2.3)],
        prepared="migrate skip",
        imports=ImportTimes(10.0, 3, [("sqlalchemy", 6.0)], {"PIL": False}),
        load="1.00 1.00 1.00",
    )
    lines: list[str] = []
    render_section(asdict(result), lines.append)
    text = "\n".join(lines)
    assert "(slowest of 2; median 1.85 s) | 2.30 s | <= 2 s | **missed** |" in text
    assert "| 1 | 1.40 s | 0.10 s | 1.30 s | 1.10 s | 1.20 s | migrate skip |" in text
    assert "Heavy optional libraries loaded: none" in text
    assert "| sqlalchemy | 6 ms | 60% |" in text

    lines.clear()
    render_section(None, lines.append)
    assert "Not measured in this run." in lines


def test_the_history_keeps_the_second_start_of_each_run() -> None:
    from bench.report import _history
    from bench.runner import summarise

    raw = {
        "started_at": "2026-12-03 12:00 UTC",
        "machine": {"code": "abc", "load average at start": "1 1 1"},
        "backend": {"name": "sqlite"},
        "measurements": [],
        "stacks": {},
        "chosen": None,
        "startup": asdict(StartupResult(runs=[StartRun(1.5, 1.2, 0.1, 1.4, 1.1)])),
    }
    summary = summarise(raw)
    assert (summary["second_start_s"], summary["second_start_cpu_s"]) == (1.5, 1.2)
    assert summarise({**raw, "startup": None})["second_start_s"] is None

    lines: list[str] = []
    _history(SimpleNamespace(history=[summary]), lines.append)  # type: ignore[arg-type]
    row = next(line for line in lines if line.startswith("| 2026-12-03 12:00 UTC"))
    assert "| 1.50 (1.20) |" in row

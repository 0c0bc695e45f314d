"""Renders docs/benchmarks.md from one run's results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.scenarios import SCENARIOS

if TYPE_CHECKING:
    from bench.runner import Measurement, Results

MET, MISSED, NOT_MEASURED = "met", "**missed**", "not measured"


def _find(results: Results, scenario: str, stack: str | None) -> Measurement | None:
    for m in results.measurements:
        if m.scenario == scenario and m.stack == stack:
            return m
    return None


def _status(ok: bool) -> str:
    return MET if ok else MISSED


def _errors(m: Measurement) -> str:
    parts = []
    if m.errors:
        parts.append(f"{m.errors} socket errors")
    if m.non_2xx:
        parts.append(f"{m.non_2xx} non-2xx")
    return f" ({', '.join(parts)})" if parts else ""


def render(results: Results) -> str:
    lines: list[str] = []
    for section in (
        _header,
        _results_table,
        _embedded,
        _flashsale,
        _frontend,
        _startup,
        _process_targets,
        _stacks,
        _history,
        _analysis,
        _method,
    ):
        section(results, lines.append)
    return "\n".join(lines)


def _header(results: Results, add: Callable[[str], None]) -> None:
    add("# Shoplet benchmarks")
    add("")
    add(
        "Written by `make bench` (`python -m bench`, see `bench/`). Figures are only comparable "
        "within one run: every ratio is against the bare FastAPI baseline measured in the same "
        "run, on the same server stack."
    )
    add("")
    add(f"Run: {results.started_at}, {results.elapsed_s:.0f} s in all.")
    add("")
    add("## Machine")
    add("")
    for key, value in results.machine.items():
        add(f"- {key}: {value}")
    add(f"- backend: **{results.backend.name}** ({results.backend.why})")
    for name, version in results.backend.versions.items():
        add(f"- {name}: {version}")
    add(f"- schema: {results.schema}")
    add(f"- seed: {'; '.join(results.seed.splitlines())}")
    add("")
    add("## Command")
    add("")
    add("```sh")
    if results.backend.name == "sqlite":
        add("make bench    # = .venv/bin/python -m bench (no PostgreSQL/Redis URLs: SQLite)")
    else:
        add(
            "SHOPLET_BENCH_DATABASE_URL=postgresql+asyncpg://USER@HOST/DB "
            "SHOPLET_BENCH_REDIS_URL=redis://HOST:6379/N make bench"
        )
    a = results.args
    add(
        f"# each row: wrk -t{a['threads']} -c{a['connections']} -d{a['duration']}s after a "
        f"{a['warmup']}s warm-up, -s bench/wrk_report.lua; loopback only"
    )
    add("```")
    add("")


def _results_table(results: Results, add: Callable[[str], None]) -> None:
    add("## Results on the chosen stack")
    add("")
    add(f"Stack: **{_stack_label(results, results.chosen)}**.")
    add("")
    _rows_table(results, list(SCENARIOS), add)


def _embedded(results: Results, add: Callable[[str], None]) -> None:
    embedded = getattr(results, "embedded", None)
    if embedded is None:
        return
    add("## The embedded default in the same run (SQLite, in-process cache, no Redis)")
    add("")
    add(
        f"Stack: **{_stack_label(embedded, embedded.chosen)}**, served again with "
        f"`SHOPLET_DATABASE_URL={embedded.backend.database_url.split(':///')[0]}:///...` and "
        "no `SHOPLET_REDIS_URL` (what `make run` uses out of the box); the bare baseline is "
        "measured again on the same stack right before these rows. "
        f"Load {embedded.machine.get('load average at start', '?').split()[0]} -> "
        f"{embedded.machine.get('load average at end', '?').split()[0]}."
    )
    add("")
    from bench.runner import EMBEDDED_ROWS

    _rows_table(embedded, ["bare", *EMBEDDED_ROWS], add)
    outcome = embedded.stacks.get(embedded.chosen) if embedded.chosen else None
    if outcome is not None and outcome.cold_start_s is not None:
        rss = ", ".join(f"{r:.0f} MiB" for r in outcome.rss_mb) or "—"
        add(f"Cold start {outcome.cold_start_s:.2f} s; peak RSS per worker {rss}.")
        add("")
    if outcome is not None and outcome.error:
        add(f"Error: {outcome.error}")
        add("")


def _rows_table(results: Results, names: list[str], add: Callable[[str], None]) -> None:
    chosen = results.chosen
    bare = _find(results, "bare", chosen)
    add(
        "| scenario | req/s | p50 ms | p99 ms | ratio to bare | SQL per request "
        "(cold / warm) | target | status | load |"
    )
    add("| --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |")
    for name in names:
        scenario = SCENARIOS[name]
        m = _find(results, name, chosen)
        sql = results.sql.get(name)
        sql_text = f"{sql[0]} / {sql[1]:.2f}" if sql else "—"
        targets = []
        if scenario.throughput_target is not None:
            targets.append(f">= {scenario.throughput_target:.0%} of bare req/s")
        if scenario.p99_target_ms is not None and scenario.target != "bare":
            targets.append(f"p99 <= {scenario.p99_target_ms:.0f} ms")
        target_text = "; ".join(targets) or "baseline"
        if m is None:
            reason = results.skipped.get(name, "not run")
            add(f"| {scenario.title} | — | — | — | — | {sql_text} | {target_text} | "
                f"skipped: {reason} | — |")  # fmt: skip
            continue
        ratio = f"{m.rps / bare.rps:.2f}" if bare and bare.rps else "—"
        checks = []
        if scenario.throughput_target is not None and bare and bare.rps:
            checks.append(m.rps / bare.rps >= scenario.throughput_target)
        if scenario.p99_target_ms is not None and scenario.target != "bare":
            checks.append(m.p99_ms <= scenario.p99_target_ms)
        if m.non_2xx or m.errors:
            checks.append(False)
        status = (_status(all(checks)) if checks else "—") + _errors(m)
        add(
            f"| {scenario.title} | {m.rps:,.0f} | {m.p50_ms:.2f} | {m.p99_ms:.2f} | {ratio} | "
            f"{sql_text} | {target_text} | {status} | {m.load1:.1f} |"
        )
    add("")


def _flashsale(results: Results, add: Callable[[str], None]) -> None:
    from bench.flashsale import render_section

    render_section(results.flashsale, add)


def _frontend(results: Results, add: Callable[[str], None]) -> None:
    from bench.frontend import render_section

    render_section(results.frontend, add)


def _startup(results: Results, add: Callable[[str], None]) -> None:
    from bench.startup import render_section

    render_section(getattr(results, "startup", None), add)


def _process_targets(results: Results, add: Callable[[str], None]) -> None:
    from bench import runner

    chosen = results.chosen
    add("## Process targets")
    add("")
    add("| stack | cold start (spawn -> first 200) | target | status | peak RSS per worker "
        "(VmHWM) | target | status |")  # fmt: skip
    add("| --- | --- | --- | --- | --- | --- | --- |")
    for key, outcome in results.stacks.items():
        mark = " (chosen)" if key == chosen else ""
        if outcome.cold_start_s is not None:
            cpu = getattr(outcome, "cold_start_cpu_s", None)
            cpu_text = f" ({cpu:.2f} s CPU)" if cpu else ""
            cold = f"{outcome.cold_start_s:.2f} s{cpu_text} on `{outcome.cold_start_path}`"
            cold_status = _status(outcome.cold_start_s <= runner.TARGET_COLD_START_S)
        else:
            cold, cold_status = "—", NOT_MEASURED
        if outcome.rss_mb:
            rss = ", ".join(f"{r:.0f} MiB" for r in outcome.rss_mb)
            rss_status = _status(max(outcome.rss_mb) <= runner.TARGET_RSS_MB)
        else:
            rss, rss_status = "—", NOT_MEASURED
        add(
            f"| {outcome.label}{mark} | {cold} | <= {runner.TARGET_COLD_START_S:.0f} s | "
            f"{cold_status} | {rss} | <= {runner.TARGET_RSS_MB:.0f} MB | {rss_status} |"
        )
    add("")


def _stacks(results: Results, add: Callable[[str], None]) -> None:
    add("## Server stacks compared")
    add("")
    add("| stack | bare req/s | bare p99 ms | product list req/s | product list p99 ms | "
        "list / bare | bare cold start | load |")  # fmt: skip
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for key, outcome in results.stacks.items():
        b = _find(results, "bare", key)
        p = _find(results, "product_list", key)
        ratio = f"{p.rps / b.rps:.2f}" if b and p and b.rps else "—"
        bare_cold = f"{outcome.bare_cold_start_s:.2f} s" if outcome.bare_cold_start_s else "—"
        add(
            f"| {outcome.label} | {f'{b.rps:,.0f}' if b else '—'} | "
            f"{f'{b.p99_ms:.2f}' if b else '—'} | {f'{p.rps:,.0f}' if p else '—'} | "
            f"{f'{p.p99_ms:.2f}' if p else '—'} | {ratio} | {bare_cold} | "
            f"{' / '.join(f'{m.load1:.1f}' for m in (b, p) if m) or '—'} |"
        )
        if outcome.error:
            add(f"| ↳ error | {outcome.error} | | | | | | |")
    add("")
    add(f"Choice: {results.choice_reason}")
    if "product_list" not in results.requests:
        add("")
        add(
            "The product list could not be loaded in this run (see the skipped rows), so the "
            "choice rests on the bare endpoint only; re-run `make bench` once the catalog and "
            "the seed land."
        )
    add("")


def _history(results: Results, add: Callable[[str], None]) -> None:
    history = getattr(results, "history", None)
    if not history:
        return
    add("## History: every recorded run")
    add("")
    add(
        "From `bench/history.jsonl` (committed; one line per full `make bench`, this run "
        "last; the runs before 2026-12-03 15:00 were backfilled from the earlier versions of "
        "this file). Ratios are against the bare baseline of the same run and stack; *p99* in "
        "ms; the row for the embedded default is the same run's second table. The machine is "
        "shared, so compare runs before concluding: a target missed in one run and met in the "
        "next, with the bare baseline slower too, is the machine, not the code."
    )
    add("")
    add("| run | code | backend | load (start -> end) | stack | bare p99 | list / bare (p99) | "
        "detail / bare (p99) | category tree / bare (p99) | place order p50 / p99 | "
        "flash buy / bare (p99; bare p99) | cold start s | second start s (CPU s) | "
        "peak RSS MiB |")  # fmt: skip
    add("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |")  # fmt: skip
    for run in history:
        rows = run.get("rows") or {}
        stack: dict[str, Any] = next(
            (s for s in run.get("stacks") or [] if s["stack"] == run["chosen"]), {}
        )
        flash = run.get("flash")
        order = rows.get("place_order")
        second = run.get("second_start_s")
        cpu = run.get("second_start_cpu_s")
        order_text = f"{order['p50_ms']:,.0f} / {order['p99_ms']:,.0f}" if order else "—"
        flash_text = (
            f"{flash['ratio']:.2f} ({flash['p99_ms']:.0f}; {flash['bare_p99_ms']:.0f})"
            if flash
            else "—"
        )
        add(
            f"| {run['started_at']} | {run['code'].split()[0]} | {run['backend']} | "
            f"{run['load']} | {run['chosen'] or '—'} | "
            f"{_num((rows.get('bare') or {}).get('p99_ms', stack.get('bare_p99_ms')), 1)} | "
            f"{_row(rows.get('product_list'), stack)} | {_row(rows.get('product_detail'))} | "
            f"{_row(rows.get('category_tree'))} | "
            f"{order_text} | {flash_text} | "
            f"{_num(stack.get('cold_start_s'), 2)} | "
            f"{_num(second, 2)}{f' ({cpu:.2f})' if cpu else ''} | {_num(stack.get('rss_mb'), 0)} |"
        )
        embedded = run.get("embedded")
        if embedded:
            erows = embedded.get("rows") or {}
            add(
                f"| ↳ same run | | {embedded['backend']} (embedded default) | | "
                f"{embedded.get('stack') or '—'} | "
                f"{_num((erows.get('bare') or {}).get('p99_ms'), 1)} | "
                f"{_row(erows.get('product_list'))} | {_row(erows.get('product_detail'))} | "
                "— | — | — | — | — | — |"
            )
        if run.get("note"):
            add(f"| ↳ note | | {run['note']} | | | | | | | | | | | |")
    add("")


def _row(row: dict[str, Any] | None, stack: dict[str, Any] | None = None) -> str:
    if row is None and stack and stack.get("list_ratio") is not None:
        row = {"ratio": stack["list_ratio"], "p99_ms": stack["list_p99_ms"]}
    if row is None:
        return "—"
    return f"{_num(row.get('ratio'), 2)} ({_num(row.get('p99_ms'), 1)})"


def _num(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _analysis(results: Results, add: Callable[[str], None]) -> None:
    """The hand-written part (bench/analysis.md): decisions and profiles, kept across runs."""

    notes = Path(__file__).with_name("analysis.md")
    if notes.exists():
        add(notes.read_text(encoding="utf-8").rstrip())
        add("")


def _method(results: Results, add: Callable[[str], None]) -> None:
    from bench import runner

    add("## How it is measured")
    add("")
    add(
        "- **Throughput and latency**: wrk against 127.0.0.1, one row at a time, after a "
        "warm-up run whose figures are discarded; `bench/wrk_report.lua` prints the "
        "request count and the p50/p90/p99 latency as one JSON line. Non-2xx answers or "
        "socket errors mark the row as missed."
    )
    add(
        "- **Baseline**: `bench/bare_app.py`, a bare FastAPI endpoint returning a static "
        "document shaped like a 20-item product page, served by the same server command "
        "and flags as Shoplet."
    )
    add(
        "- **Cold start**: from `Popen` of the server command to the first 200 on the "
        "product list (or `/healthz` when the catalog is not there), polled every 10 ms. "
        "In brackets: the CPU seconds (user + system, `/proc/<pid>/stat`) the busiest server "
        "process had used by then, which other work on the machine does not inflate."
    )
    add(
        "- **Peak RSS per worker**: `VmHWM` from `/proc/<pid>/status` of each worker process "
        "after its rows ran (the single process for one worker; the largest descendants "
        "of the server process otherwise)."
    )
    add(
        f"- **SQL statements per request**: counted in process: the harness builds the same "
        f"app (`create_app` with the same settings) and sends each row's request through "
        f"`httpx.ASGITransport`, counting with a SQLAlchemy `before_cursor_execute` listener "
        f"on the app's engine. *Cold* is the first request after the cache was emptied; *warm* "
        f"is the mean over the next {runner.SQL_SAMPLES}."
    )
    add(
        "- **Server settings**: `SHOPLET_ENV=test`, access log off, log level WARNING, no "
        "in-process worker (the API role alone, as deployed). uvicorn runs with "
        "`--loop uvloop --http httptools --ws none`, granian with "
        "`--interface asgi --loop uvloop --http 1 --no-ws`."
    )
    add(
        "- **load** is the 1-minute load average right after the row. On a 2-core machine "
        "anything above ~2 means other work competed with the server and wrk: compare "
        "ratios within a run, and re-run on a quiet machine before drawing conclusions."
    )
    add("")


def _stack_label(results: Results, key: str | None) -> str:
    if key is None:
        return "none"
    outcome = results.stacks.get(key)
    return outcome.label if outcome else key

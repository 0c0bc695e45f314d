"""``python -m bench``: the whole run (see bench/runner.py for the steps).

The rows register themselves on import: ``bench.scenarios`` (catalog reads) and
``bench.place_order`` (the order flow); the flash sale and the report come last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench import place_order  # noqa: F401 (its rows register on import)
from bench.flashsale import run_flashsale
from bench.frontend import run_frontend
from bench.report import render
from bench.runner import (
    DATA_DIR,
    REPORT,
    Results,
    choose_stack,
    detect_backend,
    in_process,
    load_history,
    machine_info,
    prepare_database,
    record_history,
    run_embedded,
    run_stack,
    seed,
    server_env,
    summarise,
)
from bench.scenarios import SCENARIOS
from bench.sections import keep_sections
from bench.servers import STACKS
from bench.startup import run_startup

# -- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="load Shoplet and a bare FastAPI baseline with wrk"
    )
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "10")))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", "2")))
    parser.add_argument(
        "--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "64"))
    )
    # One wrk thread: on a 2-core box the load generator must not starve the server.
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1")))
    parser.add_argument(
        "--stacks",
        default=os.environ.get("BENCH_STACKS", ",".join(s.key for s in STACKS)),
        help="comma-separated: " + ", ".join(s.key for s in STACKS),
    )
    parser.add_argument(
        "--scenarios",
        default="",
        help="comma-separated rows to run (default all): " + ", ".join(SCENARIOS),
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to leave out: " + ", ".join(PARTS),
    )
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    args.only = tuple(n for n in args.scenarios.split(",") if n) or None
    unknown = [n for n in args.only or () if n not in SCENARIOS]
    skipped = {p for p in args.skip.split(",") if p}
    if unknown or skipped - set(PARTS):
        parser.error(f"unknown scenario or part: {', '.join([*unknown, *(skipped - set(PARTS))])}")
    args.parts = tuple(p for p in PARTS if p not in skipped)
    return args


# The parts of a run after the main rows; a partial run (--scenarios / --skip) is not recorded
# in bench/history.jsonl.
PARTS = ("embedded", "flashsale", "frontend", "startup")


def _write_report(output: Path, results: Results) -> None:
    old = output.read_text() if output.exists() else ""
    output.write_text(keep_sections(old, render(results)))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    began = time.monotonic()
    stacks = [s for s in STACKS if s.key in args.stacks.split(",")]
    if not stacks:
        sys.exit(f"no known stack in {args.stacks!r}")
    backend = asyncio.run(detect_backend())
    print(f"Shoplet bench on {backend.name} ({backend.why})")
    results = Results(
        started_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        backend=backend,
        schema="",
        seed="",
        args={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        machine=machine_info(),
    )
    results.schema = asyncio.run(prepare_database(backend))
    print(f"  schema: {results.schema}")
    results.seed = asyncio.run(seed(backend))
    print(f"  seed: {results.seed}")
    print("In process: prepare requests, count SQL statements")
    asyncio.run(in_process(backend, results, only=args.only))

    env = server_env(backend)
    comparison = [n for n, s in SCENARIOS.items() if s.stack_comparison]
    print(f"Server stacks ({args.duration}s at {args.connections} connections per row)")
    for stack in stacks:
        run_stack(stack, comparison, env, results, args)
    choose_stack(results)
    print(f"Chosen: {results.choice_reason}")
    chosen = next(s for s in STACKS if s.key == results.chosen)
    rest = [n for n, s in SCENARIOS.items() if not s.stack_comparison]
    if any(n in results.requests for n in rest):
        print("Remaining rows on the chosen stack")
        run_stack(chosen, rest, env, results, args)
    if "embedded" in args.parts and backend.name != "sqlite":
        print("The embedded default (SQLite, in-process cache, no Redis) on the chosen stack")
        results.embedded = run_embedded(chosen, args, results.started_at)
    if "flashsale" in args.parts:
        print("Flash sale on the chosen stack (edge role)")
        results.flashsale = run_flashsale(backend, chosen, threads=args.threads)
    if "frontend" in args.parts:
        print("Front ends: H5 first load and LCP on a throttled phone, mini program packages")
        results.frontend = run_frontend()
    if "startup" in args.parts:
        print("Second start: make run on this installed checkout, to the first product list")
        results.startup = run_startup()
    results.elapsed_s = round(time.monotonic() - began, 1)
    results.machine["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    if args.only is None and len(args.parts) == len(PARTS):
        results.history = record_history(asdict(results))
    else:
        results.history = [*load_history(), summarise(asdict(results))]
        print("A partial run: not recorded in bench/history.jsonl")

    _write_report(args.output, results)
    raw = DATA_DIR / "results.json"
    raw.write_text(json.dumps(asdict(results), indent=2, ensure_ascii=False, default=str))
    print(f"Wrote {args.output} and {raw} in {results.elapsed_s:.0f} s")


if __name__ == "__main__":
    main()

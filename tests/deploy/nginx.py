"""A real nginx (Debian's package) for tests: its own prefix under tmp, free ports, no daemon.

``Gateway`` renders Shoplet's configuration with ``shoplet.deploy.gateway`` and starts
``nginx -g 'daemon off;'`` on it; readiness and reloads are polled on ``/nginx-health``, which
answers with the traffic split in force.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from shoplet.deploy import gateway, traffic
from tests.conftest import REQUIRE
from tests.servers import ROOT, free_port

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)


def require(tool: str | None, name: str) -> str:
    """The tool's path; skipped when it is missing, a failure where CI requires everything."""
    if tool is None:
        message = f"{name} is not installed (apt-get install -y {name}; .ci/run installs it)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)
    return tool


class Upstreams:
    """The stand-in replicas (tests/deploy/upstreams.py) in one subprocess."""

    def __init__(self, *names: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.deploy.upstreams", *names],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.ports: dict[str, int] = json.loads(self.process.stdout.readline())

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    def stats(self, name: str) -> dict[str, int]:
        response = httpx.get(f"http://{self.address(name)}/_stats", timeout=5)
        counts: dict[str, int] = response.json()
        return counts

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Gateway:
    """nginx on Shoplet's rendered configuration, in ``root``."""

    def __init__(self, root: Path, config: gateway.Gateway, green: int = 0) -> None:
        nginx = require(NGINX, "nginx")
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.port = free_port()
        self.config = replace(
            config,
            listen=f"127.0.0.1:{self.port}",
            traffic_file=root / "traffic.conf",
            state_dir=root / "state",
            access_log=str(root / "access.log"),
            worker_processes="1",
        )
        if config.status_listen is not None:
            self.status_port = free_port()
            self.config = replace(self.config, status_listen=f"127.0.0.1:{self.status_port}")
        if config.tls_cert is not None:
            self.tls_port = free_port()
            self.config = replace(self.config, tls_listen=f"127.0.0.1:{self.tls_port}")
        self.config.state_dir.mkdir(exist_ok=True)
        self.conf = root / "nginx.conf"
        self.conf.write_text(gateway.render(self.config), encoding="utf-8")
        self.traffic_file = self.config.traffic_file
        self.traffic_file.write_text(traffic.render_traffic(traffic.Traffic(green)), "utf-8")
        # As root, workers would switch to an unprivileged user that cannot read pytest's tmp.
        globals_ = "user root;" if os.geteuid() == 0 else ""
        self.command = [nginx, "-e", str(root / "error.log"), "-p", str(root), "-c", str(self.conf)]
        if globals_:
            self.command += ["-g", globals_]
        start = (
            [*self.command[:-2], "-g", f"daemon off; {globals_}"]
            if globals_
            else [*self.command, "-g", "daemon off;"]
        )
        self.log = (root / "nginx.out").open("wb")
        self.process = subprocess.Popen(start, stdout=self.log, stderr=subprocess.STDOUT)
        self.base_url = f"http://127.0.0.1:{self.port}"

    @property
    def command_line(self) -> str:
        """``--nginx`` for ``shoplet deploy shift``."""
        import shlex

        return shlex.join(self.command)

    async def wait_for(self, label: str | None = None, within: float = 15.0) -> str:
        """Poll /nginx-health on fresh connections until it answers (with ``label`` in force)."""
        deadline = time.monotonic() + within
        body = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(self.error_log())
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"{self.base_url}/nginx-health")
                body = response.text
                if (
                    response.status_code == 200
                    and (label is None or label in body)
                    and (label is None or self._workers() == ["nginx: worker process"])
                ):
                    return body
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.02)
        raise AssertionError(f"nginx not ready ({label!r}, last {body!r}): {self.error_log()}")

    def _workers(self) -> list[str]:
        """The command lines of the master's worker processes. After a reload the retired
        worker ("… is shutting down") still serves the connections it holds, with the old
        split, until it exits; a step is in force once only the one new worker is left."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.process.pid and "worker process" in cmdline:
                found.append(cmdline)
        return found

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def shoplet(*args: str) -> Result:
    """``shoplet …`` as an operator runs it (in this process: no second Python start-up)."""
    from shoplet.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)

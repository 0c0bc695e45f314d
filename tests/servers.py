"""Real Shoplet replicas for tests: uvicorn subprocesses on free loopback ports."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REDIS_PREFIX, TEST_PII_KEY, TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def replica_env(
    *, database_url: str, redis_url: str, data_dir: Path, redis_prefix: str = REDIS_PREFIX
) -> dict[str, str]:
    """Settings for a replica sharing the test database and Redis namespace (no worker, no front
    ends)."""
    return {
        **os.environ,
        "SHOPLET_ENV": "test",
        "SHOPLET_DATABASE_URL": database_url,
        "SHOPLET_REDIS_URL": redis_url,
        "SHOPLET_REDIS_PREFIX": redis_prefix,
        "SHOPLET_DATA_DIR": str(data_dir),
        "SHOPLET_SECRET_KEY": TEST_SECRET,
        "SHOPLET_PII_KEY": TEST_PII_KEY,
        "SHOPLET_LOG_LEVEL": "WARNING",
        "SHOPLET_ACCESS_LOG": "false",
        "SHOPLET_RUN_WORKER_IN_PROCESS": "false",
        "SHOPLET_SERVE_FRONTENDS": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }


class UvicornServer:
    """``uvicorn --factory <factory>`` in a subprocess; its output goes to ``log``."""

    def __init__(self, factory: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                factory,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, client: httpx.AsyncClient, within: float = 120.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.log.name}")
            try:
                if (await client.get(f"{self.base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"server not ready within {within}s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

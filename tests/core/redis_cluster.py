"""A local Redis Cluster for tests: three masters from the installed ``redis-server``, each in its
own directory under the test's temporary directory, on free ports, made one cluster by
``redis-cli --cluster create``. Readiness is polled (``CLUSTER INFO``), never slept on."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MASTERS = 3
READY_SECONDS = 20.0


def available() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(n: int) -> list[int]:
    """``n`` free ports whose cluster bus ports (port + 10000) are free too."""
    found: list[int] = []
    while len(found) < n:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 < 65536 and port not in found and _free(port + 10000):
            found.append(port)
    return found


def _cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), *args],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return done.stdout


def _poll(check: object, what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"Redis Cluster: {what} within {READY_SECONDS} s")
        time.sleep(0.05)


@contextlib.contextmanager
def redis_cluster(root: Path) -> Iterator[str]:
    """A running three-master cluster; yields its ``redis+cluster://`` URL (every node)."""
    ports = _ports(MASTERS)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            node = root / f"node-{port}"
            node.mkdir(parents=True)
            procs.append(
                subprocess.Popen(
                    [  # noqa: S607
                        "redis-server",
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        str(node),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "5000",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--protected-mode",
                        "no",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for port in ports:
            _poll(lambda port=port: _cli(port, "ping").strip() == "PONG", f"node {port} up")
        created = subprocess.run(
            [  # noqa: S607
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}")
        for port in ports:
            _poll(
                lambda port=port: "cluster_state:ok" in _cli(port, "cluster", "info"),
                f"node {port} sees the cluster ok",
            )
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cluster_for_module(tmp_path_factory: Any) -> Iterator[str]:
    """Body of a module-scoped fixture: a running cluster's URL; skipped without redis-server
    (a failure under SHOPLET_TEST_REQUIRE_BACKENDS=1)."""
    if not available():
        if os.environ.get("SHOPLET_TEST_REQUIRE_BACKENDS") == "1":
            pytest.fail("SHOPLET_TEST_REQUIRE_BACKENDS=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    with redis_cluster(tmp_path_factory.mktemp("redis-cluster")) as url:
        yield url

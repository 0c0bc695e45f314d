"""``shoplet serve --demo-history`` (what ``make run`` runs): the server answers at once while the
demo order history fills in behind it; the in-process worker starts only once the history is in."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, free_port


async def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


def _start(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log)


@pytest.mark.slow
async def test_serve_answers_while_the_demo_history_fills_in(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SHOPLET_ENV": "embedded",
        "SHOPLET_DATA_DIR": str(tmp_path),
        "SHOPLET_PORT": str(port),
        "SHOPLET_SERVE_FRONTENDS": "false",
        "SHOPLET_ACCESS_LOG": "false",
        "SHOPLET_LOG_JSON": "true",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("SHOPLET_DATABASE_URL", "SHOPLET_REDIS_URL", "SHOPLET_LOG_LEVEL"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "shoplet.cli"]
    for step in (["migrate"], ["seed", "--no-history"]):
        done = await _run([*cli, *step], env)
        assert done.returncode == 0, done.stderr
    log_path = tmp_path / "serve.log"
    server = _start([*cli, "serve", "--demo-history"], env, log_path)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as client:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                await asyncio.sleep(0.2)
            # Serving the catalog before the history is in.
            products = await client.get("/api/v1/products")
            assert products.status_code == 200
            assert products.json()["items"]
            deadline = time.monotonic() + 300
            while "worker_loops_started" not in log_path.read_text():
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                await asyncio.sleep(0.5)
        text = log_path.read_text()
        history = text.index("20 demo shoppers placed 150 orders")
        assert history < text.index("worker_loops_started")
        db = sqlite3.connect(tmp_path / "shoplet.db")
        try:
            assert db.execute("SELECT count(*) FROM orders_order").fetchone() == (150,)
        finally:
            db.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    # A second start finds the orders and leaves them alone.
    again = await _run([*cli, "seed", "--history-only"], env)
    assert again.returncode == 0, again.stderr
    assert "order history skipped: the shop already has orders" in again.stdout
    # `serve --demo-history` knows it from its stamp: no child process, the worker starts at once.
    assert (tmp_path / "stamps" / "demo-history").is_file()
    second_log = tmp_path / "serve-again.log"
    server = _start([*cli, "serve", "--demo-history"], env, second_log)
    try:
        deadline = time.monotonic() + 60
        while "worker_loops_started" not in second_log.read_text():
            assert server.poll() is None, second_log.read_text()
            assert time.monotonic() < deadline, second_log.read_text()
            await asyncio.sleep(0.2)
        assert "order history" not in second_log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)

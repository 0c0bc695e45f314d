"""Partner API latency and throughput: ``python -m bench.partner_api [N] [CONCURRENCY]``.

In process (ASGI, no server, no wrk), on the bench backend (PostgreSQL + Redis when
``SHOPLET_BENCH_*`` / ``SHOPLET_TEST_*`` URLs are set, else the embedded default), on the seeded
demo catalog. Three cases, ``N`` calls each (default 600) from ``CONCURRENCY`` concurrent
clients (default 8), run round after round (a round is 50 calls of each case, in turn) so a
busy machine slows them alike:

- **bare**: ``GET /bare`` of ``bench.bare_app`` (a static 20-item JSON page: framework only),
  the baseline measured in the same run;
- **signed read**: ``GET /open/v1/products?limit=20`` signed with HMAC-SHA256 (fresh nonce);
- **signed write**: ``POST /open/v1/skus/{id}/stock-adjustments`` ``{"delta": 1}`` signed, with
  a fresh ``Idempotency-Key`` (the key's row, the conditional stock update and its ledger row).

Per case: p50 and p99 of each call's latency and the calls per second of the case's rounds.
The figures go to their own section of docs/benchmarks.md (``bench/sections.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.sections import replace_section

BEGIN = "<!-- partner-api:begin -->"
END = "<!-- partner-api:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
ROUND = 50
WARMUP = 20
TARGET_P99_MS = 100.0
CASES = ("bare", "read", "write")
TITLES = {
    "bare": "baseline: `GET /bare` (bare FastAPI, static page)",
    "read": "`GET /open/v1/products?limit=20`, HMAC-signed",
    "write": "`POST /open/v1/skus/{id}/stock-adjustments`, HMAC-signed, Idempotency-Key",
}


def signed(
    key: str, secret: str, method: str, path: str, *, query: str = "", body: bytes = b""
) -> dict[str, str]:
    """The documented signature (docs/open-platform.md), written out again here."""
    ts, nonce = str(int(time.time())), uuid.uuid4().hex
    text = f"{method}\n{path}\n{query}\n{ts}\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    return {
        "X-Shoplet-App-Key": key,
        "X-Shoplet-Timestamp": ts,
        "X-Shoplet-Nonce": nonce,
        "X-Shoplet-Signature": hmac.new(secret.encode(), text.encode(), "sha256").hexdigest(),
    }


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "rps": len(ordered) / seconds if seconds > 0 else 0.0,
    }


async def burst(call: Callable[[], Awaitable[None]], calls: int, concurrency: int) -> list[float]:
    """``calls`` calls from ``concurrency`` workers; each call's latency (ms)."""
    latencies: list[float] = []
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            start = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - start) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def measure(count: int, concurrency: int) -> dict[str, Any]:
    from bench import bare_app
    from bench.place_order import _fresh_schema
    from bench.runner import _settings, detect_backend, seed
    from shoplet.app import create_app
    from shoplet.core.db import unit_of_work
    from shoplet.modules.openapi import service
    from shoplet.modules.openapi.schemas import AppCreate

    backend = await detect_backend()
    await _fresh_schema(backend)
    await seed(backend)
    app = create_app(_settings(backend))
    latencies: dict[str, list[float]] = {case: [] for case in CASES}
    seconds: dict[str, float] = dict.fromkeys(CASES, 0.0)
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        async with unit_of_work(ctx.sessionmaker) as session:
            created = await service.create_app(
                session,
                ctx.pii,
                AppCreate(
                    name="bench partner",
                    scopes=["products:read", "stock:write"],
                    rate_limit_per_minute=100_000,
                ),
                actor="bench",
            )
        key, secret = created.app_key, created.app_secret
        shop = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        bare = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare_app.app), base_url="http://bare"
        )
        async with shop, bare:
            listing = await shop.get(
                "/open/v1/products",
                params={"limit": "20"},
                headers=signed(key, secret, "GET", "/open/v1/products", query="limit=20"),
            )
            listing.raise_for_status()
            sku_id = listing.json()["items"][0]["skus"][0]["id"]
            write_path = f"/open/v1/skus/{sku_id}/stock-adjustments"
            write_body = orjson.dumps({"delta": 1, "reason": "bench 入库"})

            async def call_bare() -> None:
                (await bare.get("/bare")).raise_for_status()

            async def call_read() -> None:
                response = await shop.get(
                    "/open/v1/products",
                    params={"limit": "20"},
                    headers=signed(key, secret, "GET", "/open/v1/products", query="limit=20"),
                )
                if response.status_code != 200:
                    raise RuntimeError(f"read: {response.status_code} {response.text}")

            async def call_write() -> None:
                headers = {
                    **signed(key, secret, "POST", write_path, body=write_body),
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                }
                response = await shop.post(write_path, content=write_body, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"write: {response.status_code} {response.text}")

            calls = {"bare": call_bare, "read": call_read, "write": call_write}
            for case in CASES:  # warm-up (caches, SM4 key schedule, connections): not counted
                await burst(calls[case], WARMUP, concurrency)
            done = 0
            while done < count:
                n = min(ROUND, count - done)
                for case in CASES:
                    start = time.perf_counter()
                    latencies[case] += await burst(calls[case], n, concurrency)
                    seconds[case] += time.perf_counter() - start
                done += n
    return {
        "backend": backend.name,
        "calls": count,
        "concurrency": concurrency,
        **{case: summary(latencies[case], seconds[case]) for case in CASES},
    }


def render(result: dict[str, Any], add: Any) -> None:
    bare = result["bare"]
    add(BEGIN)
    add("## Partner API latency and throughput (`python -m bench.partner_api`)")
    add("")
    add(
        f"In process on {result['backend']}, the seeded demo catalog, {result['calls']} calls "
        f"of each case from {result['concurrency']} concurrent clients, in rounds of {ROUND} "
        "taken in turn; ratios are to the bare FastAPI endpoint measured in the same run. "
        "Throughput is calls per second of a case's own rounds (one process, one event loop)."
    )
    add("")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    add(
        f"Load average at the end: {load} on {os.cpu_count()} CPUs (a shared machine: "
        "the figures are noisy, compare ratios rather than milliseconds)."
    )
    add("")
    add("| case | p50 ms | p99 ms | calls/s | p99 ratio to bare | target | status |")
    add("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    for case in CASES:
        row = result[case]
        ratio = row["p99"] / bare["p99"] if bare["p99"] else 0.0
        if case == "bare":
            goal = verdict = "—"
        else:
            goal = f"p99 <= {TARGET_P99_MS:g} ms"
            verdict = "met" if row["p99"] <= TARGET_P99_MS else "**missed**"
        add(
            f"| {TITLES[case]} | {row['p50']:.2f} | {row['p99']:.2f} | {row['rps']:,.0f} "
            f"| {ratio:.1f} | {goal} | {verdict} |"
        )
    add("")
    add(END)


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 600
    concurrency = int(argv[1]) if len(argv) > 1 else 8
    result = asyncio.run(measure(count, concurrency))
    replace_section(REPORT, BEGIN, END, lambda add: render(result, add))
    sys.stdout.write(
        f"partner_api on {result['backend']} (x{concurrency}): "
        + ", ".join(
            f"{case} p50 {result[case]['p50']:.2f} ms p99 {result[case]['p99']:.2f} ms "
            f"{result[case]['rps']:.0f}/s"
            for case in CASES
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Partner API calls against the storefront: ``python -m bench.openapi_calls [N]``.

In process (no server, no wrk), on the bench backend (PostgreSQL + Redis when
``SHOPLET_BENCH_*`` / ``SHOPLET_TEST_*`` URLs are set, else the embedded default), on the seeded
demo catalog. ``N`` calls (default 400) of each case, interleaved call by call so a busy
machine slows both alike:

- **baseline**: ``GET /api/v1/products?limit=20``, the storefront's product list (cached);
- **signed**: ``GET /open/v1/products?limit=20`` signed with HMAC-SHA256 (a fresh nonce per
  call): app look-up, secret decryption (SM4), signature, nonce ``SET NX``, scope, rate limit
  (moving window), the console-shaped product page with stock, and the access-log row
  (buffered, inserted in batches);
- **bearer**: the same list with an OAuth2 bearer token (no signature, no nonce).

Target: signed p99 <= 3x the storefront list's p99 and <= 100 ms. The figures go to their own
section of docs/benchmarks.md (``bench/sections.py``).
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
from pathlib import Path
from typing import Any

import httpx

from bench.sections import replace_section

BEGIN = "<!-- openapi-calls:begin -->"
END = "<!-- openapi-calls:end -->"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGET_RATIO = 3.0
TARGET_P99_MS = 100.0
PATH = "/open/v1/products"
QUERY = {"limit": "20"}


def _signed(key: str, secret: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex
    body = hashlib.sha256(b"").hexdigest()
    message = f"GET\n{PATH}\nlimit=20\n{ts}\n{nonce}\n{body}"
    return {
        "X-Shoplet-App-Key": key,
        "X-Shoplet-Timestamp": ts,
        "X-Shoplet-Nonce": nonce,
        "X-Shoplet-Signature": hmac.new(secret.encode(), message.encode(), "sha256").hexdigest(),
    }


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


async def measure(count: int) -> dict[str, Any]:
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
    samples: dict[str, list[float]] = {"baseline": [], "signed": [], "bearer": []}
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        async with unit_of_work(ctx.sessionmaker) as session:
            created = await service.create_app(
                session,
                ctx.pii,
                AppCreate(name="bench", scopes=["products:read"], rate_limit_per_minute=100_000),
                actor="bench",
            )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            token = (
                await client.post(
                    "/open/v1/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(created.app_key, created.app_secret),
                )
            ).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}

            async def timed(name: str, path: str, headers: dict[str, str]) -> None:
                start = time.perf_counter()
                response = await client.get(path, params=QUERY, headers=headers)
                samples[name].append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: {response.status_code} {response.text}")

            for i in range(count + 20):
                if i == 20:  # warm-up calls (caches, first SM4 key schedule) not counted
                    for values in samples.values():
                        values.clear()
                await timed("baseline", "/api/v1/products", {})
                await timed("signed", PATH, _signed(created.app_key, created.app_secret))
                await timed("bearer", PATH, bearer)
    return {
        "backend": backend.name,
        "calls": count,
        **{name: _summary(values) for name, values in samples.items()},
    }


def render(result: dict[str, Any], add: Any) -> None:
    base = result["baseline"]
    add(BEGIN)
    add("## Partner API calls (`python -m bench.openapi_calls`)")
    add("")
    add(
        f"In process on {result['backend']}, the seeded demo catalog, {result['calls']} calls "
        "of each case interleaved; the ratio is to the storefront's product list measured in "
        "the same run. The partner list reads the console's product page (every status, stock "
        "per SKU) where the storefront answers from its cache, so part of the gap is the page, "
        "not the authentication: the bearer row shows the signature's own share."
    )
    add("")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    add(f"Load average at the end: {load} on {os.cpu_count()} CPUs.")
    add("")
    add("| case | p50 ms | p99 ms | p99 ratio to storefront | target | status |")
    add("| --- | ---: | ---: | ---: | --- | --- |")
    rows = [
        ("baseline: `GET /api/v1/products?limit=20` (storefront)", "baseline", False),
        ("`GET /open/v1/products?limit=20`, HMAC-signed", "signed", True),
        ("`GET /open/v1/products?limit=20`, OAuth2 bearer", "bearer", False),
    ]
    for title, key, targeted in rows:
        p50, p99 = result[key]["p50"], result[key]["p99"]
        ratio = p99 / base["p99"]
        if targeted:
            met = ratio <= TARGET_RATIO and p99 <= TARGET_P99_MS
            goal = f"<= {TARGET_RATIO:g}x and <= {TARGET_P99_MS:g} ms"
            verdict = "met" if met else "**missed**"
        else:
            goal = verdict = "—"
        add(f"| {title} | {p50:.2f} | {p99:.2f} | {ratio:.2f} | {goal} | {verdict} |")
    add("")
    add(END)


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 400
    result = asyncio.run(measure(count))
    replace_section(REPORT, BEGIN, END, lambda add: render(result, add))
    sys.stdout.write(
        f"openapi_calls on {result['backend']}: "
        + ", ".join(
            f"{k} p50 {result[k]['p50']:.2f} ms p99 {result[k]['p99']:.2f} ms"
            for k in ("baseline", "signed", "bearer")
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

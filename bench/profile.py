"""``python -m bench.profile``: where one request's time goes, in process, without a server.

Drives the ASGI app directly (no socket, no httpx: a hand-built ``scope`` and a ``send`` that
drops the body), so what is measured is Shoplet's own per-request CPU: routing, dependencies,
middleware, cache, database round trips, serialisation. The bare baseline
(``bench/bare_app.py``) runs through the same driver in the same process, so the ratio is
comparable run to run even on a loaded machine::

    .venv/bin/python -m bench.profile                      # timings for every path
    .venv/bin/python -m bench.profile --profile /api/v1/products?limit=20
    .venv/bin/python -m bench.profile --no-cache           # the uncached path (L1 bypassed)

It uses the bench database (``var/bench``, SQLite; or the ``SHOPLET_BENCH_*`` URLs), seeding it
when empty.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.runner import detect_backend, prepare_database, seed, server_env

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]

DEFAULT_PATHS = (
    "/bare",
    "/api/v1/products?limit=20",
    "/api/v1/products/{product}",
    "/api/v1/categories",
)


def scope_for(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"bench"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: App, path: str) -> int:
    """One GET through the ASGI app; the status code."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_for(path), receive, send)
    return status


async def timed(app: App, path: str, *, seconds: float) -> tuple[float, float]:
    """Wall and CPU microseconds per request of one sequential client (after 200 warm-ups).

    CPU time (this process, all threads) is the figure to compare on a shared machine: other
    work stretches the wall clock, not the CPU a request needs."""
    for _ in range(200):
        status = await call(app, path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
    count = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            await call(app, path)
        count += 50
    wall = (time.perf_counter() - start) / count
    cpu = (time.process_time() - cpu_start) / count
    return wall * 1e6, cpu * 1e6


async def main_async(args: argparse.Namespace) -> None:
    import os

    backend = await detect_backend()
    if args.prepare:
        print(await prepare_database(backend))
        print(await seed(backend))
    for key, value in server_env(backend).items():
        os.environ.setdefault(key, value)
    from bench.bare_app import app as bare_app
    from shoplet.app import create_app
    from shoplet.core.settings import Settings

    app = create_app(Settings())
    async with app.router.lifespan_context(app):
        ctx = app.state.ctx
        if args.no_cache:
            # Every read misses: the loaders run as they would on a cold cache.
            ctx.cache.get_or_load = _uncached(ctx.cache.get_or_load)
        first = await _first_product(app)
        paths = args.paths or list(DEFAULT_PATHS)
        paths = [p.replace("{product}", str(first)) for p in paths]
        print(f"backend {backend.name}; cache {'off' if args.no_cache else 'on'}")
        if args.profile:
            target: Any = bare_app if paths[0] == "/bare" else app
            profiler = cProfile.Profile()
            profiler.enable()
            await timed(target, paths[0], seconds=args.seconds)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(args.sort)
            stats.print_stats(args.top)
            return
        base: float | None = None
        print(f"{'path':<40} {'wall us':>8} {'CPU us':>8} {'CPU/bare':>8} {'bare/CPU':>8}")
        for path in paths:
            target = bare_app if path == "/bare" else app
            wall, cpu = await timed(target, path, seconds=args.seconds)
            base = base or cpu
            print(f"{path:<40} {wall:>8.1f} {cpu:>8.1f} {cpu / base:>8.2f} {base / cpu:>8.2f}")


def _uncached(original: Any) -> Any:
    async def get_or_load(namespace: str, key: Any, loader: Any, **_kw: Any) -> bytes | None:
        from shoplet.core.cache import _encode

        return _encode(await loader())

    return get_or_load


async def _first_product(app: Any) -> int:
    import orjson

    body = b""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal body
        if message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope_for("/api/v1/products?limit=1"), receive, send)
    items = orjson.loads(body)["items"]
    if not items:
        raise SystemExit("no products: run with --prepare to seed the bench database")
    return int(items[0]["id"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the first path")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-cache", action="store_true", help="bypass the cache (loaders run)")
    parser.add_argument("--prepare", action="store_true", help="fresh schema and demo seed")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

"""``python -m bench``: load Shoplet and a bare FastAPI baseline with wrk, write docs/benchmarks.md.

1. Backend: PostgreSQL + Redis when ``SHOPLET_BENCH_DATABASE_URL`` / ``SHOPLET_BENCH_REDIS_URL``
   (else the ``SHOPLET_TEST_*`` URLs, on a ``<name>_bench`` database) are set and answer;
   SQLite otherwise. The output says which.
2. Fresh schema (Alembic when migrations exist, else ``metadata.create_all``), then the demo
   seed (``shoplet.demo.run_seed``); catalog rows are skipped with the reason if it is missing.
3. In process (httpx ASGI transport, no server): every scenario prepares its request, and the
   SQL statements per request are counted with a SQLAlchemy ``before_cursor_execute`` listener.
4. Over loopback: each server stack (uvicorn+uvloop+httptools / granian, 1 and 2 workers) serves
   the bare app and Shoplet in turn; cold start, the stack-comparison rows and peak RSS are
   measured; the best stack then runs the remaining rows.
5. On PostgreSQL + Redis, the list and detail rows run again on the embedded default (SQLite,
   in-process cache, no Redis) on the chosen stack, with the bare baseline served again first.
6. docs/benchmarks.md gets the machine, the command, the figures, the ratios and the targets;
   the raw numbers go to var/bench/results.json, a summary line to bench/history.jsonl
   (committed: the report's history table).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url

from bench.scenarios import SCENARIOS, LoadRequest, PrepareContext, Scenario, ScenarioSkipped
from bench.servers import STACKS, Server, Stack

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_name("wrk_report.lua")
DATA_DIR = ROOT / "var" / "bench"
REPORT = ROOT / "docs" / "benchmarks.md"
BENCH_SECRET = "bench-secret-key-for-local-load-tests-only-0123456789"  # noqa: S105 - bench only
BENCH_PII_KEY = "00112233445566778899aabbccddeeff"
SQL_SAMPLES = 50

TARGET_LIST_RATIO = 0.5
TARGET_P99_MS = 30.0
TARGET_COLD_START_S = 2.0
TARGET_RSS_MB = 150.0


@dataclass
class Backend:
    name: str  # "postgresql+redis" | "sqlite"
    database_url: str
    redis_url: str | None
    why: str
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Measurement:
    scenario: str
    stack: str
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    non_2xx: int
    # 1-minute load average right after the row: other work on a shared machine shows here.
    load1: float = 0.0


@dataclass
class StackResult:
    stack: str
    label: str
    bare_cold_start_s: float | None = None
    cold_start_s: float | None = None
    # CPU seconds of the busiest server process at the first 200 (load-independent part).
    cold_start_cpu_s: float | None = None
    cold_start_path: str | None = None
    rss_mb: list[float] = field(default_factory=list)
    error: str | None = None


@dataclass
class Results:
    started_at: str
    backend: Backend
    schema: str
    seed: str
    args: dict[str, Any]
    machine: dict[str, str]
    requests: dict[str, LoadRequest] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    sql: dict[str, tuple[int, float]] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    stacks: dict[str, StackResult] = field(default_factory=dict)
    chosen: str | None = None
    choice_reason: str = ""
    elapsed_s: float = 0.0
    # bench/flashsale.py: its own data, servers and wrk script (a FlashResult).
    flashsale: Any = None
    # bench/frontend.py: H5 first load and LCP in Chromium, mini program package sizes.
    frontend: Any = None
    # bench/startup.py: `make run` on the installed checkout to the first list (a StartupResult).
    startup: Any = None
    # The list and detail rows again on the embedded default (SQLite, in-process cache, no
    # Redis) when this run's main backend is PostgreSQL + Redis: another Results.
    embedded: Any = None
    # Every recorded run, this one last (bench/history.jsonl, committed).
    history: list[dict[str, Any]] = field(default_factory=list)


# -- backend ---------------------------------------------------------------------------------


# The bench's own Redis namespace: it never touches a shop's or a test run's keys on that Redis.
BENCH_REDIS_PREFIX = os.environ.get("SHOPLET_BENCH_REDIS_PREFIX") or "shoplet-bench:"


def _bench_database_url() -> tuple[str | None, str | None]:
    db = os.environ.get("SHOPLET_BENCH_DATABASE_URL")
    redis = os.environ.get("SHOPLET_BENCH_REDIS_URL")
    if db or redis:
        return db, redis
    test_db = os.environ.get("SHOPLET_TEST_DATABASE_URL")
    if test_db:
        # Never the test database itself: the tests truncate it, the bench drops its schema.
        url = make_url(test_db)
        test_db = url.set(database=f"{url.database}_bench").render_as_string(hide_password=False)
    return test_db, os.environ.get("SHOPLET_TEST_REDIS_URL")


async def detect_backend() -> Backend:
    sqlite_url = f"sqlite+aiosqlite:///{DATA_DIR / 'shoplet.db'}"
    db_url, redis_url = _bench_database_url()
    if not db_url or not redis_url:
        return Backend("sqlite", sqlite_url, None, "no PostgreSQL + Redis URLs set")
    try:
        pg_version = await _ensure_postgres(db_url)
        redis_version = await _redis_version(redis_url)
    except Exception as exc:
        why = f"PostgreSQL/Redis not reachable ({type(exc).__name__}: {exc})"
        return Backend("sqlite", sqlite_url, None, why)
    return Backend(
        "postgresql+redis",
        db_url,
        redis_url,
        "SHOPLET_BENCH_* / SHOPLET_TEST_* URLs set and reachable",
        {"PostgreSQL": pg_version, "Redis": redis_version},
    )


async def _ensure_postgres(url: str) -> str:
    import asyncpg

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
        timeout=3,
    )
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await admin.execute(f'CREATE DATABASE "{parsed.database}"')
        version: str = await admin.fetchval("SHOW server_version")
    finally:
        await admin.close()
    return version


async def _redis_version(url: str) -> str:
    from redis.asyncio import Redis

    redis = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        info = await redis.info("server")
    finally:
        await redis.aclose()
    return str(info.get("redis_version", "?"))


async def _forget_cached(redis_url: str | None) -> None:
    """Drop Shoplet's cache, lease and rate-limit keys so each run starts cold."""
    if not redis_url:
        return
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        match = BENCH_REDIS_PREFIX + "*"
        batch = [key async for key in redis.scan_iter(match=match, count=1000)]
        for start in range(0, len(batch), 1000):
            await redis.unlink(*batch[start : start + 1000])
    finally:
        await redis.aclose()


def server_env(backend: Backend) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env.update(
        {
            "SHOPLET_ENV": "test",
            "SHOPLET_DATABASE_URL": backend.database_url,
            "SHOPLET_DATA_DIR": str(DATA_DIR),
            "SHOPLET_SECRET_KEY": BENCH_SECRET,
            "SHOPLET_PII_KEY": BENCH_PII_KEY,
            "SHOPLET_LOG_LEVEL": "WARNING",
            "SHOPLET_ACCESS_LOG": "false",
            # The API role alone, as deployed: jobs run in separate worker processes, and the
            # search index in the search role's (docs/deploy.md, "Roles").
            "SHOPLET_RUN_WORKER_IN_PROCESS": "false",
            "SHOPLET_ROLE": "api",
            # Thousands of orders a minute from a handful of bench accounts on one address: the
            # engine still scores every request (its cost is measured) but refuses none.
            "SHOPLET_RISK_MODE": "monitor",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    if backend.redis_url:
        env["SHOPLET_REDIS_URL"] = backend.redis_url
        env["SHOPLET_REDIS_PREFIX"] = BENCH_REDIS_PREFIX
    return env


def _settings(backend: Backend) -> Any:
    from shoplet.core.settings import Settings

    values = {
        key.removeprefix("SHOPLET_").lower(): value
        for key, value in server_env(backend).items()
        if key.startswith("SHOPLET_")
    }
    return Settings(**values)  # type: ignore[arg-type]


# -- schema and seed -------------------------------------------------------------------------


async def prepare_database(backend: Backend) -> str:
    from shoplet.all_models import load_all_models
    from shoplet.core.db import create_engine

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if backend.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA_DIR / f"shoplet.db{suffix}").unlink(missing_ok=True)
    engine = create_engine(backend.database_url)
    try:
        if backend.name != "sqlite":
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        metadata = load_all_models().metadata
        versions = ROOT / "migrations" / "versions"
        if any(versions.glob("*.py")):
            from shoplet.core.migrate import upgrade

            await asyncio.to_thread(upgrade, backend.database_url, "head")
            # Models newer than the last migration (revisions are generated at release time):
            # create their tables so the seed and every scenario can run.
            async with engine.begin() as conn:
                missing = await conn.run_sync(_missing_tables, metadata)
                await conn.run_sync(metadata.create_all)
            extra = f" + create_all for {len(missing)} tables not migrated yet" if missing else ""
            return f"Alembic migrations (upgrade head) on an empty database{extra}"
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        return f"metadata.create_all ({len(metadata.tables)} tables; no migrations yet)"
    finally:
        await engine.dispose()


def _missing_tables(sync: Any, metadata: Any) -> list[str]:
    present = inspect(sync)
    return [t.name for t in metadata.sorted_tables if not present.has_table(t.name)]


async def seed(backend: Backend) -> str:
    from shoplet.demo import run_seed

    # The catalog only: the rows read the catalog, and the demo order history (placed through
    # the API) would make every run slower without changing what they measure.
    return str(await run_seed(_settings(backend), only_if_empty=True, history=False))


# -- in process: prepare requests, count SQL -------------------------------------------------


# -- the embedded default, in the same run ---------------------------------------------------

EMBEDDED_ROWS = ("product_list", "product_detail")


def embedded_backend() -> Backend:
    url = f"sqlite+aiosqlite:///{DATA_DIR / 'shoplet.db'}"
    return Backend("sqlite", url, None, "the embedded default: SQLite, in-process cache, no Redis")


def run_embedded(stack: Stack, args: argparse.Namespace, started_at: str) -> Results:
    """The list and detail rows on the embedded default, with the bare baseline served again by
    the same stack just before them (the same method as the main table)."""
    backend = embedded_backend()
    results = Results(
        started_at=started_at,
        backend=backend,
        schema="",
        seed="",
        args={},
        machine={"load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg())},
    )
    results.schema = asyncio.run(prepare_database(backend))
    results.seed = asyncio.run(seed(backend))
    names = ("bare", *EMBEDDED_ROWS)
    asyncio.run(in_process(backend, results, only=names))
    run_stack(stack, list(names), server_env(backend), results, args)
    results.chosen = stack.key
    results.machine["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return results


def _build_app(target: str, settings: Any) -> Any:
    if target == "bare":
        from bench.bare_app import app as bare_app

        return bare_app
    from shoplet.app import create_app

    return create_app(settings)


async def in_process(
    backend: Backend, results: Results, only: tuple[str, ...] | None = None
) -> None:
    settings = _settings(backend)
    targets: dict[str, list[str]] = {}
    for name, scenario in SCENARIOS.items():
        if only is None or name in only:
            targets.setdefault(scenario.target, []).append(name)
    for target, names in targets.items():
        app = _build_app(target, settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                ctx = getattr(app.state, "ctx", None)
                if ctx is not None:
                    _risk_as_servers(ctx, backend)
                for name in names:
                    try:
                        request = await SCENARIOS[name].prepare(PrepareContext(client))
                    except ScenarioSkipped as exc:
                        results.skipped[name] = str(exc)
                        print(f"  skip {name}: {exc}")
                        continue
                    results.requests[name] = request
                    if ctx is not None:
                        results.sql[name] = await _count_sql(ctx, client, request, backend)
                        first, warm = results.sql[name]
                        print(f"  {name}: {first} SQL cold, {warm:.2f} warm")


def _risk_as_servers(ctx: Any, backend: Backend) -> None:
    """The risk engine's mode of the bench servers (``SHOPLET_RISK_MODE`` in ``server_env``,
    read from the environment by the risk module) for the app run in process too: it scores
    each order but refuses none, so counting one order's statements can replay it."""
    from shoplet.modules.risk.public import use_settings

    use_settings(ctx, mode=server_env(backend)["SHOPLET_RISK_MODE"])


async def _count_sql(
    ctx: Any, client: httpx.AsyncClient, request: LoadRequest, backend: Backend
) -> tuple[int, float]:
    """Statements for the first request after emptying the cache, and the warm mean."""
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    await _forget_cached(backend.redis_url)
    await ctx.cache.l1.clear()
    event.listen(ctx.engine.sync_engine, "before_cursor_execute", count)
    try:
        await _send(client, request)
        first = statements
        statements = 0
        for _ in range(SQL_SAMPLES):
            await _send(client, request)
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", count)
    return first, statements / SQL_SAMPLES


async def _send(client: httpx.AsyncClient, request: LoadRequest) -> None:
    response = await client.request(
        request.method, request.path, content=request.body, headers=dict(request.headers)
    )
    if response.status_code >= 400:
        raise RuntimeError(
            f"{request.method} {request.path}: {response.status_code} {response.text[:300]}"
        )


# -- load ------------------------------------------------------------------------------------


def run_wrk(
    base_url: str, request: LoadRequest, *, duration: int, connections: int, threads: int
) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_BODY": (request.body or b"").decode(),
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in request.headers),
    }
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        base_url + request.path,
    ]
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
            return parsed
    raise RuntimeError(f"wrk gave no result: {completed.stdout[-500:]} {completed.stderr[-500:]}")


def measure(
    server: Server, scenario: Scenario, request: LoadRequest, args: argparse.Namespace
) -> Measurement:
    if args.warmup:
        run_wrk(
            server.base_url,
            request,
            duration=args.warmup,
            connections=args.connections,
            threads=args.threads,
        )
    raw = run_wrk(
        server.base_url,
        request,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
    )
    errors = raw["errors"]
    result = Measurement(
        scenario=scenario.name,
        stack=server.stack.key,
        rps=round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        p50_ms=raw["latency_us"]["p50"] / 1000,
        p90_ms=raw["latency_us"]["p90"] / 1000,
        p99_ms=raw["latency_us"]["p99"] / 1000,
        requests=raw["requests"],
        errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        non_2xx=errors["status"],
        load1=round(os.getloadavg()[0], 2),
    )
    print(
        f"    {scenario.name:<16} {result.rps:>9.0f} req/s  p50 {result.p50_ms:6.2f} ms"
        f"  p99 {result.p99_ms:6.2f} ms  errors {result.errors} non-2xx {result.non_2xx}"
        f"  load {result.load1:.2f}"
    )
    return result


def _cold_start_path(results: Results) -> str:
    for name, scenario in SCENARIOS.items():
        if scenario.cold_start_probe and name in results.requests:
            return results.requests[name].path
    return "/healthz"


def run_stack(
    stack: Stack,
    names: list[str],
    env: dict[str, str],
    results: Results,
    args: argparse.Namespace,
) -> None:
    """Serve the bare app, then Shoplet, on ``stack``; run ``names`` on the matching app."""
    outcome = results.stacks.setdefault(stack.key, StackResult(stack.key, stack.label))
    print(f"  {stack.label}")
    for target in ("bare", "shoplet"):
        rows = [n for n in names if SCENARIOS[n].target == target and n in results.requests]
        if not rows and target != "shoplet":
            continue
        asyncio.run(_forget_cached(env.get("SHOPLET_REDIS_URL")))
        server = Server(stack, target, env, ROOT, DATA_DIR / "logs" / f"{stack.key}-{target}.log")
        try:
            if target == "bare":
                outcome.bare_cold_start_s = round(server.wait_first_ok("/bare"), 3)
            else:
                path = _cold_start_path(results)
                cold = round(server.wait_first_ok(path), 3)
                cpu = server.first_ok_cpu_s or 0.0
                # A stack started twice keeps its slower start: the target is a ceiling.
                if cold >= (outcome.cold_start_s or 0.0):
                    outcome.cold_start_s, outcome.cold_start_cpu_s = cold, cpu
                outcome.cold_start_path = path
                print(f"    cold start {cold:.2f} s, {cpu:.2f} s CPU (first 200 on {path})")
            for name in rows:
                results.measurements.append(
                    measure(server, SCENARIOS[name], results.requests[name], args)
                )
            if target == "shoplet":
                rss = server.worker_peak_rss_mb()
                outcome.rss_mb = sorted({*outcome.rss_mb, *rss}, reverse=True)[: stack.workers]
                print(f"    peak RSS per worker: {', '.join(f'{r:.0f} MiB' for r in rss)}")
        except Exception as exc:
            outcome.error = f"{target}: {exc}"
            print(f"    FAILED {target}: {exc}")
        finally:
            server.stop()


def choose_stack(results: Results) -> None:
    """Highest product-list throughput among stacks meeting the p99 target (else highest)."""
    row = "product_list" if "product_list" in results.requests else "bare"
    candidates = [m for m in results.measurements if m.scenario == row and not m.non_2xx]
    if not candidates:
        results.chosen = STACKS[0].key
        results.choice_reason = "no stack produced a clean run; defaulting to uvicorn x1"
        return
    meeting = [m for m in candidates if m.p99_ms <= TARGET_P99_MS] or candidates
    best = max(meeting, key=lambda m: m.rps)
    results.chosen = best.stack
    others = ", ".join(
        f"{m.stack} {m.rps:.0f} req/s p99 {m.p99_ms:.1f} ms"
        for m in sorted(candidates, key=lambda m: -m.rps)
        if m is not best
    )
    rule = (
        f"among stacks with p99 <= {TARGET_P99_MS:.0f} ms"
        if best.p99_ms <= TARGET_P99_MS
        else f"(no stack met p99 <= {TARGET_P99_MS:.0f} ms)"
    )
    results.choice_reason = (
        f"{best.stack}: highest {row} throughput {rule} — {best.rps:.0f} req/s, "
        f"p99 {best.p99_ms:.1f} ms (others: {others or 'none'})"
    )


# -- machine ---------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    load = os.getloadavg()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "code": f"{head or '?'}{' + uncommitted changes in the work tree' if dirty else ''}",
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "Python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
        "packages": ", ".join(
            f"{name} {metadata.version(name)}"
            for name in ("fastapi", "uvicorn", "uvloop", "httptools", "granian", "sqlalchemy")
        ),
        "load average at start": " ".join(f"{x:.2f}" for x in load),
    }


# -- history ---------------------------------------------------------------------------------

# Committed, so a fresh clone keeps every earlier run (var/ is not in git). One JSON line per
# `make bench`; the oldest lines were backfilled from `git log -p docs/benchmarks.md`.
HISTORY = ROOT / "bench" / "history.jsonl"
# Rows of the chosen stack kept per run: ratio to that run's bare baseline, p50 and p99.
HISTORY_ROWS = ("product_list", "product_detail", "category_tree", "place_order")


def _rows(raw: dict[str, Any], stack: str | None, names: tuple[str, ...]) -> dict[str, Any]:
    by_key = {(m["scenario"], m["stack"]): m for m in raw.get("measurements") or []}
    bare = by_key.get(("bare", stack))
    rows: dict[str, Any] = {}
    for name in names:
        m = by_key.get((name, stack))
        if m is None:
            continue
        rows[name] = {
            "ratio": round(m["rps"] / bare["rps"], 2) if bare and bare["rps"] else None,
            "rps": m["rps"],
            "p50_ms": round(m["p50_ms"], 1),
            "p99_ms": round(m["p99_ms"], 1),
            "errors": m["errors"] + m["non_2xx"],
        }
    if bare:
        rows["bare"] = {"rps": bare["rps"], "p99_ms": round(bare["p99_ms"], 1)}
    return rows


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """One run in a line (from ``asdict(results)`` or a saved results.json): on a shared
    machine one run proves little, so the report shows every run side by side."""
    by_key = {(m["scenario"], m["stack"]): m for m in raw["measurements"]}
    stacks = []
    for key, outcome in raw["stacks"].items():
        bare, rows = by_key.get(("bare", key)), by_key.get(("product_list", key))
        stacks.append(
            {
                "stack": key,
                "list_ratio": round(rows["rps"] / bare["rps"], 2) if bare and rows else None,
                "list_p99_ms": rows["p99_ms"] if rows else None,
                "bare_p99_ms": bare["p99_ms"] if bare else None,
                "cold_start_s": outcome.get("cold_start_s"),
                "cold_start_cpu_s": outcome.get("cold_start_cpu_s"),
                "rss_mb": max(outcome.get("rss_mb") or [0.0]),
            }
        )
    startup_runs = (raw.get("startup") or {}).get("runs") or []
    summary: dict[str, Any] = {
        "started_at": raw["started_at"],
        # bench/startup.py: the slowest timed second start and its tree CPU, if measured.
        "second_start_s": max((r["total_s"] for r in startup_runs), default=None),
        "second_start_cpu_s": max((r["cpu_s"] for r in startup_runs), default=None),
        "code": raw["machine"].get("code", "?"),
        "backend": raw["backend"]["name"],
        "load": f"{raw['machine'].get('load average at start', '?').split()[0]} -> "
        f"{raw['machine'].get('load average at end', '?').split()[0]}",
        "chosen": raw.get("chosen"),
        "rows": _rows(raw, raw.get("chosen"), HISTORY_ROWS),
        "stacks": stacks,
    }
    flash = raw.get("flashsale") or {}
    sale = next((r for r in flash.get("runs") or [] if r.get("name") == "sale"), None)
    if sale and flash.get("bare_rps"):
        summary["flash"] = {
            "ratio": round(sale["rps"] / flash["bare_rps"], 2),
            "p99_ms": round(sale["p99_ms"], 1),
            "bare_p99_ms": round(flash["bare_p99_ms"], 1),
        }
    embedded = raw.get("embedded") or {}
    if embedded.get("measurements"):
        summary["embedded"] = {
            "backend": embedded["backend"]["name"],
            "stack": embedded.get("chosen"),
            "rows": _rows(embedded, embedded.get("chosen"), EMBEDDED_ROWS),
        }
    return summary


def load_history(path: Path = HISTORY) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def record_history(raw: dict[str, Any], path: Path = HISTORY) -> list[dict[str, Any]]:
    """Append this run's summary to bench/history.jsonl; every run, oldest first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(summarise(raw), ensure_ascii=False) + "\n")
    return load_history(path)

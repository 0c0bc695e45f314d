"""Test infrastructure: every integration test runs once per backend.

- ``sqlite``: SQLite file + in-process cache/limiter (the embedded default). Always runs.
- ``postgres``: PostgreSQL + Redis, when ``SHOPLET_TEST_DATABASE_URL`` / ``SHOPLET_TEST_REDIS_URL``
  are set (``.ci/run`` sets both). Skipped backends are reported loudly in the header and summary;
  with ``SHOPLET_TEST_REQUIRE_BACKENDS=1`` a missing backend fails the run instead.

Runs are isolated from each other on shared servers: every run picks a run id
(``SHOPLET_TEST_RUN_ID``, ``<epoch seconds>_<6 hex>``, inherited by xdist workers and
subprocesses). Each run (and each xdist worker) gets its own PostgreSQL database
``<name>_<runid>[_<worker>]``, copied from a template ``<name>_<runid>_tpl`` built once per run and
dropped at the end (databases of runs older than a day are dropped too), and its own Redis
namespace ``shoplet-test-<runid>[-<worker>]:`` (``SHOPLET_REDIS_PREFIX``): cleaning between tests
deletes that namespace only, never the whole Redis database. ``<name>`` is the database of
``SHOPLET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings
from redis.asyncio import Redis
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shoplet.all_models import load_all_models
from shoplet.app import create_app
from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker
from shoplet.core.observability import Metrics
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.redis_pool import redis_client
from shoplet.core.security import PiiCipher, TokenSigner
from shoplet.core.settings import Settings

# Property tests check what holds, not how fast: no per-example deadline (a loaded CI machine
# made them flaky), the examples themselves unchanged.
hypothesis_settings.register_profile("shoplet", deadline=None)
hypothesis_settings.load_profile("shoplet")

PG_URL = os.environ.get("SHOPLET_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SHOPLET_TEST_REDIS_URL")
REQUIRE = os.environ.get("SHOPLET_TEST_REQUIRE_BACKENDS") == "1"
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
TEST_PII_KEY = "0123456789abcdef0123456789abcdef"
TEST_SECRET = "test-secret-key-for-shoplet-tests-only-0123456789"

Base = load_all_models()


class _LiveAppOverrides:
    """``dependency_overrides`` of every app alive in this process (one test's apps at a time),
    for the included routers the apps share (``_share_included_routers``)."""

    def __init__(self) -> None:
        import weakref

        self.apps: weakref.WeakSet[Any] = weakref.WeakSet()

    @property
    def dependency_overrides(self) -> dict[Any, Any]:
        merged: dict[Any, Any] = {}
        for live in list(self.apps):
            merged.update(live.dependency_overrides)
        return merged


def _share_included_routers() -> None:
    """Every test builds an app, and FastAPI (0.16x) builds an included router's routes (their
    dependants, parameter and response fields) lazily per app, on the first request that
    passes them: 1-3 s of CPU per console test, most of the suite's time. The apps of this
    process share one included router per (module router, include arguments) instead, so each
    route is built once per test process, as in a server. Dependency overrides still work: the
    shared routers read them from the apps alive now (one test's). Falls back to FastAPI's own
    behaviour when its internals differ."""
    try:
        from fastapi.routing import APIRouter, _IncludedRouter
    except ImportError:  # pragma: no cover - another FastAPI
        return
    original = APIRouter.include_router
    shared: dict[tuple[Any, ...], Any] = {}
    live = _LiveAppOverrides()

    def include_router(self: Any, router: Any, **kwargs: Any) -> None:
        original(self, router, **kwargs)
        provider = self.dependency_overrides_provider
        included = self.routes[-1]
        if not isinstance(provider, FastAPI) or not isinstance(included, _IncludedRouter):
            return
        live.apps.add(provider)
        key = (id(router), repr(sorted(kwargs.items(), key=lambda item: item[0])))
        cached = shared.get(key)
        if cached is None or cached.original_router is not router:
            included.include_context.dependency_overrides_provider = live
            shared[key] = included
        else:
            self.routes[-1] = cached

    APIRouter.include_router = include_router  # type: ignore[method-assign]


_share_included_routers()


def _run_id() -> str:
    """This run's id, shared with xdist workers and subprocesses through the environment."""
    run = os.environ.get("SHOPLET_TEST_RUN_ID")
    if not run:
        run = os.environ["SHOPLET_TEST_RUN_ID"] = f"{int(time.time())}_{secrets.token_hex(3)}"
    return run


RUN_ID = _run_id()
# Demo pictures are cached under a hash of their drawing code: every run, worker and subprocess
# (``shoplet seed`` in the CLI tests) shares one cache, so only the first seed ever draws them.
os.environ.setdefault(
    "SHOPLET_DEMO_ART_CACHE", str(Path(tempfile.gettempdir()) / "shoplet-test-demo-art")
)
# Other modules' tests send many shoppers from one loopback address, which the risk engine's
# default rules rightly find suspicious: they run it in monitor mode (decisions logged, nothing
# refused); the risk tests switch to ``enforce`` with ``risk.config.use_settings``.
os.environ.setdefault("SHOPLET_RISK_MODE", "monitor")
# No sampling of ordinary traffic for the anomaly model (the policy refresh would write it every
# 5 s beside the tests' own writes); the model's tests install a sampler of their own.
os.environ.setdefault("SHOPLET_RISK_SAMPLE_RATE", "0")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Every Redis key, stream and channel of this run (and xdist worker) lives under this prefix.
REDIS_PREFIX = f"shoplet-test-{RUN_ID.replace('_', '-')}{f'-{WORKER}' if WORKER else ''}:"
# Runs killed before their clean-up leave databases and keys; the next run drops them after a day.
STALE_AFTER_SECONDS = 24 * 3600
_STALE_REDIS = re.compile(rb"^shoplet-test-(\d{10})-[0-9a-f]{6}[-:]")


def _worker_suffix() -> str:
    return f"_{WORKER}" if WORKER else ""


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"shoplet backends: {', '.join(BACKENDS)}"]
    if not PG_URL:
        lines.append("!!! PostgreSQL suite SKIPPED: SHOPLET_TEST_DATABASE_URL is not set !!!")
    if not REDIS_URL:
        lines.append("!!! Redis suite SKIPPED: SHOPLET_TEST_REDIS_URL is not set !!!")
    return lines


def _is_browser_test(item: pytest.Item) -> bool:
    return "tests/e2e/" in item.nodeid.replace("\\", "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last in a serial run (pytest-xdist hands out whole files, largest first)."""
    items.sort(key=_is_browser_test)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadfile``, each worker takes its browser-test files after all its
    other files (pytest-xdist hands out the largest files first). The session's async
    fixtures are then set up before the browser and torn down after it, when Playwright no
    longer marks its loop as running."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTestsLast(LoadFileScheduling):  # type: ignore[misc]
        def _assign_work_unit(self, node: Any) -> None:
            for scope in [s for s in self.workqueue if "tests/e2e/" in s.replace("\\", "/")]:
                self.workqueue.move_to_end(scope)
            super()._assign_work_unit(node)

    return BrowserTestsLast(config, log)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Playwright's sync API marks its event loop as running in this thread after every call,
    for as long as its session-scoped browser lives. A test that is not a browser test runs
    with no loop marked (pytest-asyncio and asyncio.run refuse to start inside one), and the
    mark is put back for the browser tests that follow on the same worker."""
    if _is_browser_test(item):
        return (yield)
    playwright_loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return (yield)
    finally:
        asyncio.events._set_running_loop(playwright_loop)


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE and not (PG_URL and REDIS_URL):
        raise pytest.UsageError(
            "SHOPLET_TEST_REQUIRE_BACKENDS=1 but PostgreSQL or Redis URL is missing"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's template (and any database a crashed worker left) goes with the run: by the
    controller under xdist (after every worker finished), else by this process."""
    if PG_URL and not WORKER:
        try:
            _run_in_thread(_drop_run_databases(PG_URL))
        except OSError as exc:  # the server went away: the next run drops them after a day
            print(f"shoplet: could not drop this run's databases: {exc}")


def _run_in_thread(coro: Coroutine[Any, Any, None]) -> None:
    # A thread of its own: an event loop (pytest-asyncio's, Playwright's) may still run here.
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the calling thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not PG_URL or not REDIS_URL:
        terminalreporter.section("shoplet backends", sep="!")
        if not PG_URL:
            terminalreporter.write_line("PostgreSQL integration suite was SKIPPED (no URL set)")
        if not REDIS_URL:
            terminalreporter.write_line("Redis integration suite was SKIPPED (no URL set)")


@dataclass
class BackendDb:
    name: str
    url: str
    redis_url: str | None
    engine: AsyncEngine
    redis_prefix: str = REDIS_PREFIX

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"


async def _admin_connection(url: str) -> Any:
    import asyncpg

    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )


def scratch_database_name(purpose: str) -> str:
    """A database of this run (and worker) for one purpose; dropped with the run."""
    assert PG_URL
    base = make_url(PG_URL).database or "shoplet_test"
    return f"{base}_{RUN_ID}{_worker_suffix()}_{purpose}"


async def fresh_scratch_database(purpose: str) -> str:
    """An empty database of this run for ``purpose`` (recreated if a test ran before); its URL."""
    assert PG_URL
    name = scratch_database_name(purpose)
    admin = await _admin_connection(PG_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _database_names(base: str) -> tuple[str, str]:
    """(this run's template, this run's and worker's database)."""
    return f"{base}_{RUN_ID}_tpl", f"{base}_{RUN_ID}{_worker_suffix()}"


async def _create_pg_database(server_url: str) -> str:
    """This run's (and worker's) database, a copy of the run's template; returns its URL.

    The template gets the schema once per run: the first worker to take the advisory lock builds
    it, the others copy it. Databases of runs older than a day are dropped on the way.
    """
    parsed = make_url(server_url)
    base = parsed.database or "shoplet_test"
    template, database = _database_names(base)
    admin = await _admin_connection(server_url)
    try:
        await admin.execute("SELECT pg_advisory_lock(hashtext($1))", f"shoplet-test:{base}")
        try:
            await _drop_stale_databases(admin, base)
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template):
                await admin.execute(f'CREATE DATABASE "{template}"')
                engine = create_engine(
                    parsed.set(database=template).render_as_string(hide_password=False)
                )
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
                await engine.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
            # A test's commit need not wait for its WAL to reach the disk (nothing here outlives
            # the run); TRUNCATE and every commit stop paying an fsync each.
            await admin.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
        finally:
            await admin.execute("SELECT pg_advisory_unlock(hashtext($1))", f"shoplet-test:{base}")
    finally:
        await admin.close()
    return parsed.set(database=database).render_as_string(hide_password=False)


async def _drop_stale_databases(admin: Any, base: str) -> None:
    pattern = re.compile(rf"^{re.escape(base)}_(\d{{10}})_[0-9a-f]{{6}}(_\w+)?$")
    cutoff = time.time() - STALE_AFTER_SECONDS
    for row in await admin.fetch("SELECT datname FROM pg_database WHERE NOT datistemplate"):
        found = pattern.match(row["datname"])
        if found and int(found.group(1)) < cutoff:
            await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')


async def _drop_run_databases(server_url: str) -> None:
    base = make_url(server_url).database or "shoplet_test"
    admin = await _admin_connection(server_url)
    try:
        for row in await admin.fetch(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", f"{base}_{RUN_ID}"
        ):
            await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await admin.close()


async def _drop_pg_database(url: str) -> None:
    admin = await _admin_connection(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


async def _unlink_matching(redis: Redis, pattern: str, keep: Any = None) -> None:
    """UNLINK every key matching ``pattern`` (SCAN, never KEYS or FLUSHDB: Redis is shared)."""
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=pattern, count=1000):
        if keep is not None and keep(key):
            continue
        batch.append(key)
        if len(batch) >= 1000:
            await redis.unlink(*batch)
            batch = []
    if batch:
        await redis.unlink(*batch)


async def clear_redis_namespace(redis: Redis, prefix: str = REDIS_PREFIX) -> None:
    """Delete this run's keys (and streams) only: other runs share the Redis database."""
    await _unlink_matching(redis, _glob_escape(prefix) + "*")


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


async def _drop_stale_redis_namespaces(redis: Redis) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS

    def fresh(key: bytes) -> bool:
        found = _STALE_REDIS.match(key)
        return found is None or int(found.group(1)) >= cutoff

    await _unlink_matching(redis, "shoplet-test-*", keep=fresh)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
async def backend_db(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BackendDb]:
    if backend == "postgres":
        assert PG_URL
        url = await _create_pg_database(PG_URL)
        redis_url = REDIS_URL
        if redis_url:
            redis = Redis.from_url(redis_url)
            await _drop_stale_redis_namespaces(redis)
            await redis.aclose()
        engine = create_engine(url, pool_size=20, max_overflow=250)
    else:
        path = tmp_path_factory.mktemp("sqlite") / "shoplet-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        redis_url = None
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    yield BackendDb(name=backend, url=url, redis_url=redis_url, engine=engine)
    await engine.dispose()
    if backend == "postgres":
        await _drop_pg_database(url)
        if redis_url:
            redis = Redis.from_url(redis_url)
            await clear_redis_namespace(redis)
            await redis.aclose()


async def _clean(db: BackendDb) -> None:
    """Empty what the last test wrote: the tables holding rows (and, on PostgreSQL, those whose
    id sequence moved), found in one query. Emptying all ~250 tables each time cost 0.3-0.8 s a
    test; a test writes a handful."""
    async with db.engine.begin() as conn:
        dirty = [row[0] for row in (await conn.execute(text(_dirty_tables_sql(db)))).all()]
        if db.is_postgres:
            if dirty:
                await conn.execute(text(f"TRUNCATE {', '.join(dirty)} RESTART IDENTITY CASCADE"))
        else:
            for table in dirty:
                await conn.execute(text(f"DELETE FROM {table}"))
            if await _has_sqlite_sequence(conn):
                await conn.execute(text("DELETE FROM sqlite_sequence"))
    if db.redis_url:
        redis = Redis.from_url(db.redis_url)
        await clear_redis_namespace(redis, db.redis_prefix)
        await redis.aclose()


_DIRTY_SQL: dict[str, str] = {}


def _dirty_tables_sql(db: BackendDb) -> str:
    """One query naming every table with a row, children first (the order of the deletes);
    on PostgreSQL also the tables whose owned sequence was used since its last restart."""
    cached = _DIRTY_SQL.get(db.name)
    if cached is not None:
        return cached
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    rows = " UNION ALL ".join(
        f"SELECT '{name}' AS name, {i} AS position WHERE EXISTS (SELECT 1 FROM {name})"
        for i, name in enumerate(tables)
    )
    if db.is_postgres:
        # pg_sequences.last_value is NULL until nextval() and again after RESTART IDENTITY.
        rows += (
            " UNION ALL SELECT t.relname::text, 0 FROM pg_sequences s"
            " JOIN pg_class c ON c.relname = s.sequencename AND c.relkind = 'S'"
            " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname"
            " JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass"
            " AND d.refclassid = 'pg_class'::regclass"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL"
        )
        sql = f"SELECT DISTINCT name FROM ({rows}) AS dirty"
    else:
        sql = f"SELECT name FROM ({rows}) AS dirty ORDER BY position"
    _DIRTY_SQL[db.name] = sql
    return sql


async def _has_sqlite_sequence(conn: Any) -> bool:
    result = await conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
    )
    return result.first() is not None


def make_settings(db: BackendDb, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": db.url,
        "redis_url": db.redis_url,
        "redis_prefix": db.redis_prefix,
        "data_dir": data_dir,
        "secret_key": TEST_SECRET,
        "pii_key": TEST_PII_KEY,
        "log_json": False,
        "log_level": "WARNING",
        "access_log": False,
        "run_worker_in_process": False,
        "serve_frontends": False,
    }
    values.update(overrides)
    return Settings(**values)


def make_context(db: BackendDb, settings: Settings) -> AppContext:
    return AppContext(
        settings=settings,
        engine=db.engine,
        sessionmaker=create_sessionmaker(db.engine),
        # The same blocking pool as ``AppContext.build``: redis-py's plain pool holds 100
        # connections and raises past them, which 200 concurrent buyers reach.
        redis=redis_client(
            db.redis_url,
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_pool_timeout_seconds,
        )
        if db.redis_url
        else None,
        limiter=RateLimiter(db.redis_url, redis_prefix=settings.redis_prefix),
        pii=PiiCipher(bytes.fromhex(TEST_PII_KEY)),
        tokens=TokenSigner(TEST_SECRET),
        metrics=Metrics(),
    )


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
async def app(
    backend_db: BackendDb, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[FastAPI]:
    await _clean(backend_db)
    settings = make_settings(backend_db, tmp_path, **settings_overrides)
    ctx = make_context(backend_db, settings)
    application = create_app(settings, context=ctx)
    # Tasks the lifespan starts (the search index, relays) run in a copy of this context, so
    # statement counters can leave their queries out; the test itself runs unmarked.
    APP_BACKGROUND.set(True)
    async with application.router.lifespan_context(application):
        APP_BACKGROUND.set(False)
        yield application
    if ctx.redis is not None:
        await ctx.redis.aclose()


@pytest.fixture
def ctx(app: FastAPI) -> AppContext:
    context: AppContext = app.state.ctx
    return context


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
        yield c


@pytest.fixture
async def session(ctx: AppContext) -> AsyncIterator[AsyncSession]:
    """A session for arranging data and asserting on it; commit explicitly when arranging."""
    async with ctx.sessionmaker() as s:
        yield s


async def snapshot(ctx: AppContext, *tables: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables (default: all), to assert that a rejected request changed
    nothing: ``before = await snapshot(ctx)`` ... ``assert await snapshot(ctx) == before``."""
    names = tables or tuple(t.name for t in Base.metadata.sorted_tables)
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with ctx.sessionmaker() as s:
        for name in names:
            table = Base.metadata.tables[name]
            rows = (await s.execute(select(table))).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


APP_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "shoplet_test_app_background", default=False
)


def in_app_background() -> bool:
    """True inside a task the app's lifespan started (not work the test asked for)."""
    return APP_BACKGROUND.get()


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def sql_counter(ctx: AppContext) -> Iterator[StatementCounter]:
    counter = StatementCounter()

    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not in_app_background():
            counter.statements.append(statement)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", _count)
    yield counter
    event.remove(ctx.engine.sync_engine, "before_cursor_execute", _count)

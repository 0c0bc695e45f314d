"""Test infrastructure: every integration test runs once per backend.

- ``sqlite``: SQLite file + in-process cache/limiter (the embedded default). Always runs.
- ``postgres``: PostgreSQL + Redis, when ``SHOPLET_TEST_DATABASE_URL`` / ``SHOPLET_TEST_REDIS_URL``
  are set (``.ci/run`` sets both). Skipped backends are reported loudly in the header and summary;
  with ``SHOPLET_TEST_REQUIRE_BACKENDS=1`` a missing backend fails the run instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
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
from shoplet.core.security import PiiCipher, TokenSigner
from shoplet.core.settings import Settings

PG_URL = os.environ.get("SHOPLET_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("SHOPLET_TEST_REDIS_URL")
REQUIRE = os.environ.get("SHOPLET_TEST_REQUIRE_BACKENDS") == "1"
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
TEST_PII_KEY = "0123456789abcdef0123456789abcdef"
TEST_SECRET = "test-secret-key-for-shoplet-tests-only-0123456789"

Base = load_all_models()


def _worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"shoplet backends: {', '.join(BACKENDS)}"]
    if not PG_URL:
        lines.append("!!! PostgreSQL suite SKIPPED: SHOPLET_TEST_DATABASE_URL is not set !!!")
    if not REDIS_URL:
        lines.append("!!! Redis suite SKIPPED: SHOPLET_TEST_REDIS_URL is not set !!!")
    return lines


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in this thread
    while its session-scoped browser lives, which async tests after it cannot share."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid.replace("\\", "/"))


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE and not (PG_URL and REDIS_URL):
        raise pytest.UsageError(
            "SHOPLET_TEST_REQUIRE_BACKENDS=1 but PostgreSQL or Redis URL is missing"
        )


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

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"


async def _ensure_pg_database(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


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
        parsed = make_url(PG_URL)
        url = parsed.set(database=f"{parsed.database}{_worker_suffix()}").render_as_string(
            hide_password=False
        )
        await _ensure_pg_database(url)
        redis_url = REDIS_URL
        engine = create_engine(url, pool_size=20, max_overflow=250)
    else:
        path = tmp_path_factory.mktemp("sqlite") / "shoplet-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        redis_url = None
        engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield BackendDb(name=backend, url=url, redis_url=redis_url, engine=engine)
    await engine.dispose()


async def _clean(db: BackendDb) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if db.is_postgres:
            if tables:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
            if await _has_sqlite_sequence(conn):
                await conn.execute(text("DELETE FROM sqlite_sequence"))
    if db.redis_url:
        redis = Redis.from_url(db.redis_url)
        await redis.flushdb()
        await redis.aclose()


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
        redis=Redis.from_url(db.redis_url) if db.redis_url else None,
        limiter=RateLimiter(db.redis_url),
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
    async with application.router.lifespan_context(application):
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
        counter.statements.append(statement)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", _count)
    yield counter
    event.remove(ctx.engine.sync_engine, "before_cursor_execute", _count)

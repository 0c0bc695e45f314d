"""Two real Shoplet processes (uvicorn) sharing PostgreSQL and Redis: a write committed in one
is seen by the other within a bounded time, and a rolled-back write invalidates nothing.

Each process serves the real app (``create_app``) plus a probe route that reads one row through
``ctx.cache`` and writes it with ``invalidate_after_commit``; ``create_probe_app`` below is the
factory uvicorn runs in the subprocesses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import orjson
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update

from shoplet.app import create_app
from shoplet.core.cache import invalidate_after_commit
from shoplet.core.context import AppContext, Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import Conflict, NotFound
from shoplet.core.http_cache import cached_json
from shoplet.core.settings import Settings
from tests.servers import UvicornServer, replica_env

probe_metadata = MetaData()
probe = Table(
    "cache_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("value", String(50), nullable=False),
)


class ProbeRefused(Conflict):
    code = "probe.refused"
    title = "Refused after writing"


def create_probe_app() -> FastAPI:
    """uvicorn factory for the subprocesses: the Shoplet app plus the probe routes."""
    settings = Settings()
    ctx = AppContext.build(settings)
    app = create_app(settings, context=ctx)
    loads = 0
    router = APIRouter()

    @router.get("/_probe/{probe_id}")
    async def read_probe(probe_id: int, request: Request, ctx: Ctx) -> Response:
        async def load() -> bytes | None:
            nonlocal loads
            loads += 1
            async with ctx.sessionmaker() as session:
                found = await session.scalar(select(probe.c.value).where(probe.c.id == probe_id))
            return None if found is None else orjson.dumps({"id": probe_id, "value": found})

        body = await ctx.cache.get_or_load("probe", probe_id, load)
        if body is None:
            raise NotFound("no such probe")
        response = cached_json(request, body)
        response.headers["x-probe-loads"] = str(loads)
        return response

    @router.put("/_probe/{probe_id}")
    async def write_probe(
        probe_id: int, value: str, session: DbSession, fail: bool = False
    ) -> dict[str, bool]:
        await session.execute(update(probe).where(probe.c.id == probe_id).values(value=value))
        invalidate_after_commit(session, "probe", probe_id)
        if fail:
            raise ProbeRefused()
        return {"ok": True}

    app.include_router(router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with inner(application):
            await ctx.cache.start()  # idempotent: harmless once the app lifespan starts it
            try:
                yield
            finally:
                await ctx.close()

    app.router.lifespan_context = lifespan
    return app


@pytest.fixture
def two_servers(backend_db: object, backend: str, tmp_path: Path) -> Iterator[list[UvicornServer]]:
    if backend != "postgres":
        pytest.skip("embedded mode is one process: there is no other replica to tell")
    from tests.conftest import BackendDb

    assert isinstance(backend_db, BackendDb)
    assert backend_db.redis_url
    env = replica_env(
        database_url=backend_db.url,
        redis_url=backend_db.redis_url,
        data_dir=tmp_path,
        redis_prefix=backend_db.redis_prefix,
    )
    servers = [
        UvicornServer(
            "tests.core.test_cache_two_processes:create_probe_app",
            env,
            tmp_path / f"server-{name}.log",
        )
        for name in "ab"
    ]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
async def probe_row(backend_db: object, backend: str) -> AsyncIterator[None]:
    if backend != "postgres":
        pytest.skip("embedded mode is one process")
    from redis.asyncio import Redis

    from tests.conftest import BackendDb, clear_redis_namespace

    assert isinstance(backend_db, BackendDb)
    assert backend_db.redis_url
    redis = Redis.from_url(backend_db.redis_url)
    await clear_redis_namespace(redis, backend_db.redis_prefix)
    await redis.aclose()
    async with backend_db.engine.begin() as conn:
        await conn.run_sync(probe_metadata.drop_all)
        await conn.run_sync(probe_metadata.create_all)
        await conn.execute(insert(probe).values(id=1, value="v1"))
    yield
    async with backend_db.engine.begin() as conn:
        await conn.run_sync(probe_metadata.drop_all)


async def read(client: httpx.AsyncClient, server: UvicornServer) -> tuple[str, int]:
    response = await client.get(f"{server.base_url}/_probe/1")
    assert response.status_code == 200
    return response.json()["value"], int(response.headers["x-probe-loads"])


@pytest.mark.slow
async def test_a_commit_in_one_process_reaches_the_other_within_a_second(
    probe_row: None, two_servers: list[UvicornServer], backend_db: object
) -> None:
    from tests.conftest import BackendDb

    assert isinstance(backend_db, BackendDb)
    a, b = two_servers
    async with httpx.AsyncClient(timeout=10.0) as client:
        await asyncio.gather(a.wait_ready(client), b.wait_ready(client))

        assert await read(client, a) == ("v1", 1)  # loaded from the database
        assert await read(client, b) == ("v1", 0)  # from the shared L2: B never loaded
        assert await read(client, b) == ("v1", 0)  # from B's L1

        written = await client.put(f"{a.base_url}/_probe/1", params={"value": "v2"})
        assert written.status_code == 200
        start = time.monotonic()
        while (await read(client, b))[0] != "v2":
            assert time.monotonic() - start < 1.0, "B still serves v1 after 1 s"
            await asyncio.sleep(0.01)
        value_a, loads_a = await read(client, a)
        value_b, loads_b = await read(client, b)
        assert (value_a, value_b) == ("v2", "v2")
        assert loads_a + loads_b == 2  # one reload in all: the other process read L2

        refused = await client.put(f"{a.base_url}/_probe/1", params={"value": "v3", "fail": True})
        assert refused.status_code == 409
        assert refused.json()["code"] == "probe.refused"
        async with backend_db.engine.connect() as conn:
            assert (await conn.execute(select(probe.c.value))).scalars().all() == ["v2"]
        await asyncio.sleep(0.3)  # longer than a broadcast takes: nothing was sent
        assert await read(client, a) == ("v2", loads_a)
        assert await read(client, b) == ("v2", loads_b)  # still cached: no reload

"""Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from shoplet.all_models import load_all_models
from shoplet.core.db import create_engine
from shoplet.core.migrate import upgrade
from tests.conftest import PG_URL, scratch_database_name


async def _fresh_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    import asyncpg

    assert PG_URL
    parsed = make_url(PG_URL)
    name = scratch_database_name("migrations")
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


async def test_migrations_match_models(backend: str, tmp_path: Path) -> None:
    url = await _fresh_database_url(backend, tmp_path)
    await asyncio.to_thread(upgrade, url)
    metadata = load_all_models().metadata
    engine = create_engine(url)

    def _diff(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diffs == [], f"models and migrations differ; generate a migration: {diffs}"


@pytest.mark.parametrize("revision", ["head"])
async def test_upgrade_is_repeatable(backend: str, tmp_path: Path, revision: str) -> None:
    url = await _fresh_database_url(backend, tmp_path)
    await asyncio.to_thread(upgrade, url, revision)
    await asyncio.to_thread(upgrade, url, revision)

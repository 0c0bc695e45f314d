"""Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shoplet.all_models import load_all_models
from shoplet.core.db import create_engine
from shoplet.core.migrate import upgrade
from tests.conftest import fresh_scratch_database


async def _fresh_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    return await fresh_scratch_database("migrations")


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


async def test_staff_tables_renamed_with_their_rows(backend: str, tmp_path: Path) -> None:
    """0003 renames console_staff / console_audit_log / console_export_job in place: rows, ids,
    foreign keys and the next id survive, and the username stays unique."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    url = await _fresh_database_url(backend, tmp_path)
    # From 0001: 0002 writes in the same run before 0003 rebuilds a table on SQLite.
    await asyncio.to_thread(upgrade, url, "0001")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO console_staff (id, username, display_name, password_hash, role,"
                    " mfa_enabled, totp_last_step, is_active, failed_logins, created_at)"
                    " VALUES (7, 'boss', 'Boss', 'x', 'owner', false, 0, true, 0,"
                    " CURRENT_TIMESTAMP)"
                ),
            )
            await conn.execute(
                text(
                    "INSERT INTO console_audit_log (id, staff_id, username, action, detail,"
                    " created_at) VALUES (11, 7, 'boss', 'auth.login', '{}', CURRENT_TIMESTAMP)"
                ),
            )
            await conn.execute(
                text(
                    "INSERT INTO console_export_job (id, staff_id, kind, status, filters,"
                    " mask_phones, progress, total, parts, size_bytes, created_at, updated_at)"
                    " VALUES (3, 7, 'orders', 'done', '{}', true, 1, 1, 1, 10, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
            )
            if backend != "sqlite":
                await conn.execute(text("SELECT setval('console_staff_id_seq', 7)"))
        await asyncio.to_thread(upgrade, url, "head")
        async with engine.begin() as conn:
            staff = (await conn.execute(text("SELECT id, username FROM staff_account"))).all()
            audit = (await conn.execute(text("SELECT id, staff_id FROM staff_audit_log"))).all()
            jobs = (await conn.execute(text("SELECT id, staff_id FROM orders_export_job"))).all()
            assert [tuple(r) for r in staff] == [(7, "boss")]
            assert [tuple(r) for r in audit] == [(11, 7)]
            assert [tuple(r) for r in jobs] == [(3, 7)]
            new_id = await conn.scalar(
                text(
                    "INSERT INTO staff_account (username, display_name, password_hash, role,"
                    " mfa_enabled, totp_last_step, is_active, failed_logins, created_at)"
                    " VALUES ('ops', 'Ops', 'x', 'operator', false, 0, true, 0, CURRENT_TIMESTAMP)"
                    " RETURNING id"
                ),
            )
            assert new_id == 8
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO staff_account (username, display_name, password_hash, role,"
                        " mfa_enabled, totp_last_step, is_active, failed_logins, created_at)"
                        " VALUES ('boss', 'B', 'x', 'owner', false, 0, true, 0, CURRENT_TIMESTAMP)"
                    ),
                )
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO staff_audit_log (staff_id, username, action, detail,"
                        " created_at) VALUES (999, 'x', 'y', '{}', CURRENT_TIMESTAMP)"
                    ),
                )
    finally:
        await engine.dispose()


async def test_staff_tables_rename_downgrades(backend: str, tmp_path: Path) -> None:
    """Downgrading 0003 gives the console_* tables back, with their rows and constraints."""
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from shoplet.core.migrate import alembic_config

    url = await _fresh_database_url(backend, tmp_path)
    await asyncio.to_thread(upgrade, url, "head")
    engine = create_engine(url)
    insert_staff = (
        "INSERT INTO {table} (username, display_name, password_hash, role, mfa_enabled,"
        " totp_last_step, is_active, failed_logins, created_at)"
        " VALUES ('boss', 'Boss', 'x', 'owner', false, 0, true, 0, CURRENT_TIMESTAMP)"
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text(insert_staff.format(table="staff_account")))
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0002_aftersale_claims")
        async with engine.begin() as conn:
            rows = (await conn.execute(text("SELECT username FROM console_staff"))).all()
            assert [tuple(r) for r in rows] == [("boss",)]
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text(insert_staff.format(table="console_staff")))
        await asyncio.to_thread(upgrade, url, "head")
        async with engine.begin() as conn:
            rows = (await conn.execute(text("SELECT username FROM staff_account"))).all()
            assert [tuple(r) for r in rows] == [("boss",)]
    finally:
        await engine.dispose()

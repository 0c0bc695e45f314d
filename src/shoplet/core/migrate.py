"""Alembic, driven from code: ``shoplet migrate`` and the tests use the same entry point."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config


def migrations_dir() -> Path:
    override = os.environ.get("SHOPLET_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def _scratch_database(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


def autogenerate(message: str, scratch_url: str) -> None:
    """Upgrade a scratch database to head, then write a revision with the models' difference."""
    import asyncio

    asyncio.run(_scratch_database(scratch_url))
    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    command.revision(config, message=message or "schema change", autogenerate=True)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "autogenerate":
        raise SystemExit("usage: python -m shoplet.core.migrate autogenerate MESSAGE SCRATCH_URL")
    autogenerate(sys.argv[2], sys.argv[3])

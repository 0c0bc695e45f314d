"""Read-replica plumbing without a server: WAL positions, the setting, the configuration check.
Routing on real clusters is in tests/deploy/test_data_tier.py."""

from __future__ import annotations

import pytest

from shoplet.core.config_check import config_problems
from shoplet.core.replicas import lsn_value
from shoplet.core.settings import Settings

PRIMARY = "postgresql+asyncpg://shoplet@db-a/shoplet"


def test_wal_positions_compare_as_bytes() -> None:
    assert lsn_value("0/0") == 0
    assert lsn_value("0/16B3748") == 0x16B3748
    assert lsn_value("1/0") == 1 << 32
    assert lsn_value("16/B374D848") > lsn_value("15/FFFFFFFF")


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql+asyncpg://r@db-b/shoplet, postgresql+asyncpg://r@db-c/shoplet",
        '["postgresql+asyncpg://r@db-b/shoplet", "postgresql+asyncpg://r@db-c/shoplet"]',
    ],
)
def test_replica_urls_come_comma_separated_or_as_json(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPLET_DATABASE_REPLICA_URLS", raw)

    settings = Settings(_env_file=None)

    assert settings.database_replica_urls == [
        "postgresql+asyncpg://r@db-b/shoplet",
        "postgresql+asyncpg://r@db-c/shoplet",
    ]


def test_replicas_must_be_postgresql_standbys_of_a_postgresql_primary() -> None:
    sqlite_replica = Settings(
        database_url=PRIMARY, database_replica_urls=["sqlite+aiosqlite:///x.db"]
    )
    no_primary = Settings(database_replica_urls=["postgresql+asyncpg://r:secret@db-b/shoplet"])
    good = Settings(
        database_url=PRIMARY, database_replica_urls=["postgresql+asyncpg://r@db-b/shoplet"]
    )

    name = "SHOPLET_DATABASE_REPLICA_URLS"
    assert config_problems(sqlite_replica) == [
        f"{name}: sqlite+aiosqlite: is not postgresql+asyncpg://… (a hot standby)"
    ]
    assert config_problems(no_primary) == [
        f"{name}: replicas need a PostgreSQL SHOPLET_DATABASE_URL (the primary)"
    ]
    assert not any("secret" in p for p in config_problems(no_primary))
    assert config_problems(good) == []

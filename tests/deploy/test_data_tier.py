"""The data tier on real PostgreSQL clusters this module starts (never the machine's own server):
read replicas with read-your-writes, backups and point-in-time recovery, and a short
disaster-recovery drill.

One primary (WAL archiving on) and one streaming replica are started once for the module, on free
ports in a temporary directory, with the server binaries (as the ``postgres`` user under root);
skipped only when the binaries are not installed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from bench.dr_drill import Shop, create_schema, make_buyer, make_sku, open_shop, place, run_drill
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from shoplet import cli
from shoplet.core.replicas import lsn_value
from shoplet.deploy.backup import physical_backup
from shoplet.deploy.pgcluster import Cluster, find_bin_dir, make_root, remove_root
from shoplet.redis_rebuild import rebuild_redis
from tests.conftest import REDIS_PREFIX, REDIS_URL, clear_redis_namespace

BIN_DIR = find_bin_dir()
pytestmark = pytest.mark.skipif(BIN_DIR is None, reason="PostgreSQL server binaries not installed")


@dataclass
class Clusters:
    root: Path
    primary: Cluster
    replica: Cluster


def await_replay(primary: Cluster, replica: Cluster, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    target = lsn_value(primary.psql("SELECT pg_current_wal_lsn()"))
    deadline = time.monotonic() + timeout
    while lsn_value(replica.psql("SELECT pg_last_wal_replay_lsn()")) < target:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def clusters() -> Iterator[Clusters]:
    assert BIN_DIR is not None
    root = make_root()
    primary = Cluster(BIN_DIR, root, "primary").init()
    replica: Cluster | None = None
    try:
        primary.start()
        primary.psql("CREATE DATABASE shoplet")
        replica = primary.standby("replica1").start()
        primary.wait_for_standby("replica1", sync=False)
        yield Clusters(root, primary, replica)
    finally:
        if replica is not None:
            replica.stop("immediate")
        primary.stop("immediate")
        remove_root(root)


@pytest.fixture(scope="module")
async def shop(clusters: Clusters, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shop]:
    url = clusters.primary.url("shoplet")
    await create_schema(url)
    prefix = f"{REDIS_PREFIX}datatier:"
    async with open_shop(
        url,
        tmp_path_factory.mktemp("shop"),
        redis_url=REDIS_URL,
        redis_prefix=prefix,
        database_replica_urls=[clusters.replica.url("shoplet")],
        database_replica_check_seconds=0.1,
    ) as opened:
        yield opened
    if REDIS_URL:
        redis = Redis.from_url(REDIS_URL)
        await clear_redis_namespace(redis, prefix)
        await redis.aclose()


def reads(shop: Shop, target: str, reason: str) -> float:
    value = shop.ctx.metrics.registry.get_sample_value(
        "shoplet_db_reads_total", {"target": target, "reason": reason}
    )
    return value or 0.0


async def test_catalog_reads_are_served_by_the_replica(clusters: Clusters, shop: Shop) -> None:
    await make_sku(shop.ctx, stock=50)
    await asyncio.to_thread(await_replay, clusters.primary, clusters.replica)
    before = reads(shop, "replica", "replica")

    response = await shop.client.get("/api/v1/products")

    assert response.status_code == 200, response.text
    assert {p["title"] for p in response.json()["items"]} == {"演练商品"}
    assert reads(shop, "replica", "replica") == before + 1
    name = f"127.0.0.1:{clusters.replica.port}/shoplet"
    lag = shop.ctx.metrics.registry.get_sample_value(
        "shoplet_db_replica_lag_seconds", {"replica": name}
    )
    assert lag is not None
    assert 0 <= lag < 30
    # The replica's own view: Shoplet's pool holds a connection to it.
    sessions = clusters.replica.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'shoplet'"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )
    assert int(sessions) >= 1


async def test_a_shopper_reads_their_own_order_from_the_primary_until_replayed(
    clusters: Clusters, shop: Shop
) -> None:
    primary, replica = clusters.primary, clusters.replica
    sku_id = await make_sku(shop.ctx, stock=50)
    alice = await make_buyer(shop.client, "rw-alice")
    bob = await make_buyer(shop.client, "rw-bob")
    await asyncio.to_thread(await_replay, primary, replica)
    # The replica falls behind: it receives WAL but replays none of it.
    replica.psql("SELECT pg_wal_replay_pause()")
    try:
        pins = shop.ctx.metrics.registry.get_sample_value("shoplet_db_read_your_writes_pins_total")
        placed = await place(shop.client, alice, sku_id)
        assert placed.status_code == 201, placed.text
        assert (
            shop.ctx.metrics.registry.get_sample_value("shoplet_db_read_your_writes_pins_total")
            == (pins or 0) + 1
        )
        order_no = placed.json()["order_no"]
        own_before = reads(shop, "primary", "read_your_writes")
        others_before = reads(shop, "replica", "replica_caught_up")

        own = await shop.client.get(f"/api/v1/orders/{order_no}", headers=alice.headers)
        others = await shop.client.get("/api/v1/orders", headers=bob.headers)

        assert own.status_code == 200, own.text
        assert own.json()["order_no"] == order_no
        assert reads(shop, "primary", "read_your_writes") == own_before + 1
        # Bob wrote nothing since the replica replayed his address: he reads from the replica.
        assert others.status_code == 200
        assert reads(shop, "replica", "replica_caught_up") == others_before + 1
    finally:
        replica.psql("SELECT pg_wal_replay_resume()")
    await asyncio.to_thread(await_replay, primary, replica)
    caught_up = reads(shop, "replica", "replica_caught_up")

    listed = await shop.client.get("/api/v1/orders", headers=alice.headers)

    assert [o["order_no"] for o in listed.json()["items"]] == [order_no]
    assert reads(shop, "replica", "replica_caught_up") == caught_up + 1


async def test_reads_fall_back_to_the_primary_while_the_replica_is_down(
    clusters: Clusters, shop: Shop
) -> None:
    await make_sku(shop.ctx, stock=5)
    await asyncio.to_thread(await_replay, clusters.primary, clusters.replica)
    clusters.replica.stop()
    try:
        fallbacks = reads(shop, "primary", "replica_down")

        # Another query, so the catalog's cache does not answer it.
        response = await shop.client.get("/api/v1/products?limit=7")

        assert response.status_code == 200, response.text
        assert response.json()["items"]
        assert reads(shop, "primary", "replica_down") == fallbacks + 1
        up = shop.ctx.metrics.registry.get_sample_value(
            "shoplet_db_replica_up", {"replica": f"127.0.0.1:{clusters.replica.port}/shoplet"}
        )
        assert up == 0
    finally:
        clusters.replica.start()
        clusters.primary.wait_for_standby("replica1", sync=False)
    # Back in rotation after its next check.
    deadline = time.monotonic() + 30
    limit = 8
    while True:
        before = reads(shop, "replica", "replica")
        response = await shop.client.get(f"/api/v1/products?limit={limit}")
        assert response.status_code == 200
        if reads(shop, "replica", "replica") == before + 1:
            break
        assert time.monotonic() < deadline, "the replica never came back"
        limit += 1
        await asyncio.sleep(0.05)


def shoplet(*args: str, code: int = 0) -> Result:
    """``shoplet …`` in process; its stdout and stderr apart."""
    result = CliRunner().invoke(cli.app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def corrupt_copy(dump: Path, target: Path) -> Path:
    """A copy of ``dump`` with its last byte changed, beside the original's manifest."""
    data = dump.read_bytes()
    target.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    target.with_suffix(".json").write_text(dump.with_suffix(".json").read_text())
    return target


def digest(cluster: Cluster, database: str) -> dict[str, str]:
    """Every table's row count and a hash of its rows, in one statement."""
    tables = cluster.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database
    ).split()
    query = " UNION ALL ".join(
        f"SELECT '{t}', count(*) || ':' || coalesce(md5(string_agg(r::text, '|'"
        f" ORDER BY r::text)), '') FROM {t} r"
        for t in tables
    )
    return dict(line.split("\t") for line in cluster.psql(query, database).splitlines())


async def test_a_logical_backup_restores_the_data_as_it_was(
    clusters: Clusters, shop: Shop, tmp_path: Path
) -> None:
    primary = clusters.primary
    buyer = await make_buyer(shop.client, "backup-carol")
    sku_id = await make_sku(shop.ctx, stock=5)
    assert (await place(shop.client, buyer, sku_id)).status_code == 201
    before = digest(primary, "shoplet")
    lines: list[str] = []

    url = primary.url("shoplet")

    backed_up = await asyncio.to_thread(
        shoplet, "backup", "logical", "--out", str(tmp_path), "--database-url", url
    )
    dump = Path(backed_up.stdout.strip())
    assert (await place(shop.client, buyer, sku_id)).status_code == 201
    primary.psql("UPDATE catalog_product SET title = 'changed after the backup'", "shoplet")
    changed = digest(primary, "shoplet")
    assert changed != before
    await asyncio.to_thread(
        shoplet, "restore", "logical", str(dump), "--database-url", url, "--yes"
    )

    assert digest(primary, "shoplet") == before
    # Progress, table by table.
    assert "dumping contents of table" in backed_up.stderr
    assert dump.with_suffix(".json").exists()

    # A dump that does not match its manifest is refused, and nothing changes.
    corrupt = await asyncio.to_thread(corrupt_copy, dump, tmp_path / "corrupt.dump")
    refused = await asyncio.to_thread(
        shoplet, "restore", "logical", str(corrupt), "--database-url", url, "--yes", code=1
    )
    assert "does not match its manifest" in refused.stderr
    assert digest(primary, "shoplet") == before

    # Redis after a database restore: flushed, then rebuilt from the restored data.
    assert await rebuild_redis(shop.ctx, flush=True, progress=lines.append) == ["flashsale.warm_up"]
    if shop.ctx.redis is not None:
        prefix = shop.ctx.settings.redis_prefix
        left = [k async for k in shop.ctx.redis.scan_iter(match=prefix + "cache*")]
        assert left == []


async def test_point_in_time_recovery_stops_between_two_writes(
    clusters: Clusters, tmp_path: Path
) -> None:
    primary = clusters.primary
    primary.psql("CREATE TABLE pitr_probe (note text)")
    lines: list[str] = []
    base = await asyncio.to_thread(
        physical_backup, primary.url(), tmp_path / "backups", progress=lines.append
    )
    primary.psql("INSERT INTO pitr_probe VALUES ('first')")
    target = datetime.fromisoformat(primary.psql("SELECT clock_timestamp()"))
    primary.psql("INSERT INTO pitr_probe VALUES ('second')")
    segment = primary.psql("SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + 30
    while primary.psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < segment:
        assert time.monotonic() < deadline, "the WAL segment was not archived"
        await asyncio.sleep(0.05)

    answer = await asyncio.to_thread(
        shoplet,
        "restore",
        "pitr",
        "--base",
        str(base),
        "--wal-archive",
        str(primary.archive_dir),
        "--data-dir",
        str(clusters.root / "pitr"),
        "--target-time",
        target.isoformat(),
        "--start",
    )
    port = make_url(answer.stdout.strip()).port
    assert port is not None
    restored = Cluster(primary.bin_dir, clusters.root, "pitr", port)
    try:
        assert restored.psql("SELECT string_agg(note, ',') FROM pitr_probe") == "first"
        # Promoted at the target: it takes writes of its own.
        restored.psql("INSERT INTO pitr_probe VALUES ('after the restore')")
        assert primary.psql("SELECT string_agg(note, ',') FROM pitr_probe") == "first,second"
    finally:
        restored.stop("immediate")
    assert any("kB" in line for line in lines)  # pg_basebackup's progress


async def test_dr_drill_loses_no_acknowledged_order() -> None:
    result = await run_drill(
        clients=3,
        before_kill=0.5,
        after_recovery=0.2,
        durable=False,
        min_orders_before_kill=10,
        progress=lambda _line: None,
    )

    assert result.lost == []
    assert result.acknowledged > result.acknowledged_before_kill >= 10
    assert result.rto_seconds < 120

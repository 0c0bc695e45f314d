"""Shoplet on Redis Cluster (``SHOPLET_REDIS_URL=redis+cluster://…``, docs/deploy.md).

Redis Cluster runs a script or a multi-key command only when all its keys hash to one slot, so
every script's keys share a hash tag. The unit tests compute the slots of the keys each script
is given (and of the keys the buy script derives from its one key) with redis-py's
``key_slot``; the cluster tests start a local three-master cluster and run the flash-sale buy
script with many concurrent buyers on it, then the consumers' scripts, the cache's lease
scripts, the rate limiter and the job lock."""

from __future__ import annotations

import asyncio
import fnmatch
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from shoplet.core.cache import _FILL_IF_LEASED, _full_key, _RedisTier
from shoplet.core.errors import RateLimited
from shoplet.core.jobs import RedisJobLock
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.redis_pool import cluster_nodes, is_cluster, is_cluster_url, redis_client
from shoplet.modules.flashsale import store as flash_store
from shoplet.modules.flashsale.schemas import GiveBack, TicketRecord
from shoplet.modules.flashsale.store import GROUP, RedisFlashStore
from tests.core.redis_cluster import cluster_for_module

PREFIXES = ["shoplet:", "shop-a:", "shoplet-test-1_ab-gw0:", "{shop-b}:"]


def slots(keys: list[str]) -> set[int]:
    return {key_slot(k.encode()) for k in keys}


# -- units: every script's keys on one slot ---------------------------------------------------


def test_cluster_urls() -> None:
    assert is_cluster_url("redis+cluster://a:7000,b:7001")
    assert is_cluster_url("rediss+cluster://u:p@a:7000")
    assert not is_cluster_url("redis://localhost:6379/0")
    assert cluster_nodes("redis+cluster://u:p%40w@a:7000,b:7001,[::1]:7002/?socket_timeout=2") == (
        "redis://u:p%40w@a:7000/?socket_timeout=2",
        [("a", 7000), ("b", 7001), ("::1", 7002)],
    )
    assert cluster_nodes("rediss+cluster://redis-0") == (
        "rediss://redis-0:6379",
        [("redis-0", 6379)],
    )
    with pytest.raises(ValueError, match="no cluster node"):
        cluster_nodes("redis+cluster://u:p@")


def _flash_script_keys(store: RedisFlashStore, c: int) -> dict[str, list[str]]:
    k = store._key
    meta = k(c, "meta")
    # The buy script is given one key and builds the rest from its prefix (``p .. 'name'``).
    prefix = meta[: -len("meta")]
    derived = re.findall(r"p \.\. '([a-z:]+)'", flash_store._BUY)
    assert {"stock", "bought", "limit", "last", "tickets", "orders", "rl:m:", "rl:ip:"} <= set(
        derived
    )
    return {
        "buy": [meta, *(prefix + name + ("42" if name.endswith(":") else "") for name in derived)],
        "warm": [k(c, n) for n in ("meta", "stock", "limit", "info", "bought")],
        "mark_created": [k(c, "tickets"), k(c, "orders")],
        "give_back": [k(c, n) for n in ("stock", "bought", "tickets", "returned", "orders")],
        "snapshot": [k(c, "stock"), k(c, "returned"), k(c, "orders")],
        "close": [
            k(c, n)
            for n in ("meta", "stock", "limit", "info", "bought", "last", "tickets", "returned")
        ],
        "risk": [k(c, "risk:tok:1:2"), k(c, "risk:ip:203.0.113.9"), k(c, "risk:dev:d-1")],
    }


@pytest.mark.parametrize("prefix", PREFIXES)
def test_flash_sale_scripts_keep_a_campaigns_keys_on_one_slot(prefix: str) -> None:
    store = RedisFlashStore(Redis(), namespace=prefix)
    seen: set[int] = set()
    for campaign in (1, 7, 12345):
        for script, keys in _flash_script_keys(store, campaign).items():
            assert len(slots(keys)) == 1, (script, keys)
        seen |= slots(_flash_script_keys(store, campaign)["buy"])
    # Campaigns are spread over the cluster, each on a slot of its own, unless the prefix itself
    # carries a hash tag (then the whole shop is on one slot, which works but does not spread).
    assert len(seen) == (1 if prefix.startswith("{") else 3)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("key", [5, "tree:all", "q=手机壳&page=2", "x{}y"])
def test_cache_value_and_lease_share_a_slot(prefix: str, key: str | int) -> None:
    assert "KEYS[2]" in _FILL_IF_LEASED  # the fill script takes the value and the lease
    full = _full_key("product", key)  # braces are not among a full key's characters
    tier = _RedisTier(Redis(), prefix=prefix + "cache", channel="c", lease_ttl=5)
    value, lease = tier.value_key(full), tier.lease_key(full)
    assert value == f"{prefix}cache:v:{full}"  # the value's name is unchanged
    assert len(slots([value, lease])) == 1
    # A namespace invalidation's SCAN patterns find the lease.
    namespace = full.split(":", 1)[0]
    assert any(fnmatch.fnmatchcase(lease, p) for p in tier.lease_patterns(namespace))


# -- on a real cluster --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from cluster_for_module(tmp_path_factory)


@pytest.fixture
async def cluster(cluster_url: str) -> AsyncIterator[Redis]:
    client = redis_client(cluster_url, max_connections=64, timeout=5)
    assert is_cluster(client)
    yield client
    await client.aclose()


def _namespace() -> str:
    return f"shoplet-test-{uuid.uuid4().hex[:8]}:"


async def _warm(store: RedisFlashStore, campaign: int, stock: int, *, limit: int = 1) -> None:
    now = int(time.time() * 1000)
    await store.warm(
        campaign,
        starts_ms=now - 1000,
        ends_ms=now + 60_000,
        is_open=True,
        info=b"{}",
        items=[(5, stock, limit), (6, stock, limit)],
        bought={},
    )


async def test_many_buyers_on_a_cluster_never_oversell(cluster: Redis, cluster_url: str) -> None:
    namespace = _namespace()
    # Two edge processes: two clients, each batching its buyers into pipelines.
    other = redis_client(cluster_url, max_connections=64, timeout=5)
    stores = [
        RedisFlashStore(cluster, namespace=namespace),
        RedisFlashStore(other, namespace=namespace),
    ]
    stock, buyers = 40, 400
    await _warm(stores[0], 11, stock)
    await _warm(stores[0], 12, stock)

    async def buy(i: int) -> str:
        result = await stores[i % 2].buy(
            campaign_id=11 + i % 2,
            sku_id=5,
            member_id=i,
            quantity=1,
            ticket=f"t-{i}",
            ip=f"10.0.{i // 250}.{i % 250}",
            per_member=5,
            per_ip=1000,
            window_ms=60_000,
        )
        return result.outcome

    outcomes = await asyncio.gather(*(buy(i) for i in range(buyers)))
    await other.aclose()
    assert outcomes.count("queued") == 2 * stock
    assert outcomes.count("sold_out") == buyers - 2 * stock
    store = stores[0]
    for campaign in (11, 12):
        assert await store.remaining(campaign) == {5: 0, 6: stock}
        assert await store.backlog(campaign) == stock

    # The consumer reads both campaigns' streams (two slots: one read per campaign).
    entries = await store.read_entries([11, 12], "c-1", count=1000, block_ms=100)
    assert sorted(e.campaign_id for e in entries) == [11] * stock + [12] * stock
    assert len({e.ticket for e in entries}) == 2 * stock
    first, second = entries[0], entries[1]
    record = TicketRecord("created", first.member_id, first.sku_id, 1, order_no="F1")
    await store.mark_created(first.campaign_id, first.ticket, record, first.entry_id)
    assert await store.ticket(first.campaign_id, first.ticket) == record
    give = GiveBack(
        campaign_id=second.campaign_id,
        ticket=second.ticket,
        sku_id=second.sku_id,
        member_id=second.member_id,
        quantity=1,
        record=TicketRecord("failed", second.member_id, second.sku_id, 1, reason="x"),
        restore_limit=True,
    )
    assert await store.give_back(give) == 1
    assert await store.give_back(give) is None  # once only
    snapshot = await store.reconcile_snapshot(second.campaign_id)
    assert snapshot.remaining == {5: 1, 6: stock}
    assert snapshot.returned == {second.ticket}
    assert await store.backlog(first.campaign_id) == stock - 1
    assert GROUP == "flashsale.orders"
    await store.close(11, expire_seconds=5)
    await store.close(12, expire_seconds=5)


async def test_cache_rate_limits_and_job_locks_on_a_cluster(
    cluster: Redis, cluster_url: str
) -> None:
    namespace = _namespace()
    tier = _RedisTier(cluster, prefix=namespace + "cache", channel=namespace + "inv", lease_ttl=5)
    for full in ("product:5", "product:6", "category:tree:all"):
        assert await tier.value_or_lease(full, "tok", 0) is True
        assert await tier.value_or_lease(full, "other", 0) is False
        await tier.fill(full, "tok", b"body", 60)
        found = await tier.get(full)
        assert found is not None
        assert found[0] == b"body"
        answer = await tier.value_or_lease(full, "other", 0)
        assert isinstance(answer, tuple)
        assert answer[0] == b"body"
        assert 59 < answer[1] <= 60
        assert await tier.value_or_lease(full, "other", 61) is True  # too old for a renewal
    await tier.delete_and_publish("product:5", b"product:5")
    assert await tier.get("product:5") is None
    assert await tier.value_or_lease("product:7", "tok", 0) is True
    await tier.delete_namespace_and_publish("product", b"product:*")
    assert await tier.get("product:6") is None
    assert await tier.value_or_lease("product:7", "again", 0) is True  # the lease went too
    assert await tier.get("category:tree:all") is not None

    limiter = RateLimiter(cluster_url, redis_prefix=namespace)
    for _ in range(3):
        await limiter.hit("3/minute", "login", "m-1")
    with pytest.raises(RateLimited):
        await limiter.hit("3/minute", "login", "m-1")
    await limiter.hit("3/minute", "login", "m-2")

    lock = RedisJobLock(cluster, prefix=namespace + "job:")
    assert await lock.acquire("reports", "a", 5000)
    assert not await lock.acquire("reports", "b", 5000)
    assert await lock.extend("reports", "a", 9000)
    assert not await lock.extend("reports", "b", 9000)
    assert 5000 < await lock.remaining_ms("reports") <= 9000


async def test_pub_sub_reaches_a_subscriber_on_a_cluster(cluster: Redis) -> None:
    channel = _namespace() + "flash:signals"
    client: Any = cluster
    got: list[bytes] = []
    # As the cache's invalidation listener and the flash-sale signal listener use it.
    async with client.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            await cluster.publish(channel, b"soldout:1:5")
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None:
                got.append(message["data"])
    assert got == [b"soldout:1:5"]

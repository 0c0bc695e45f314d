"""The buy path's shortcuts keep its answers: the buy-token cache (expiry, forged twins, its
bound), the buy calls sent together as one Redis pipeline (exact outcomes under concurrency, a
script Redis lost), and the campaign snapshot read once by one task (single flight,
refresh-ahead, a signal during a read)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import pytest

from shoplet.core.context import AppContext
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.flashsale.runtime import EdgeState
from shoplet.modules.flashsale.store import _BUY, MemoryFlashStore, RedisFlashStore
from shoplet.modules.flashsale.tokens import BuyTokens
from tests.modules.flashsale.test_store import SKU, C, store_of, warm

NOW = 1_800_000_000.0


# -- buy-token cache --------------------------------------------------------------------------


def test_cached_token_still_expires_and_is_still_bound_to_its_campaign_and_shopper() -> None:
    tokens = BuyTokens("secret-one")
    token = tokens.issue(campaign_id=7, member_id=42, expires_at=NOW + 60)
    assert tokens.verify(token, campaign_id=7, member_id=42, now=NOW)
    assert token in tokens._verified  # verified once, kept
    # From the cache: another campaign or shopper is still refused, the right one accepted.
    assert not tokens.verify(token, campaign_id=8, member_id=42, now=NOW)
    assert not tokens.verify(token, campaign_id=7, member_id=43, now=NOW)
    assert tokens.verify(token, campaign_id=7, member_id=42, now=NOW + 59)
    # Expiry is checked on every use, cached or not; an expired token leaves the cache.
    assert not tokens.verify(token, campaign_id=7, member_id=42, now=NOW + 60)
    assert token not in tokens._verified
    assert not tokens.verify(token, campaign_id=7, member_id=42, now=NOW + 61)


def test_forged_token_with_a_cached_twin_is_refused() -> None:
    tokens = BuyTokens("secret-one")
    token = tokens.issue(campaign_id=7, member_id=42, expires_at=NOW + 60)
    assert tokens.verify(token, campaign_id=7, member_id=42, now=NOW)
    body, _, signature = token.rpartition(".")
    campaign, member, expires, nonce = body.split(".")
    twins = [
        # Same signature, another shopper / a later expiry / another nonce.
        f"{campaign}.43.{expires}.{nonce}.{signature}",
        f"{campaign}.{member}.{int(expires) + 3600}.{nonce}.{signature}",
        f"{campaign}.{member}.{expires}.00000000.{signature}",
        # Same body, another or a truncated signature; the token with a suffix.
        f"{body}.{'A' * len(signature)}",
        f"{body}.{signature[:-1]}",
        token + "x",
        token + ".x",
    ]
    for twin in twins:
        for member_id in (42, 43):
            assert not tokens.verify(twin, campaign_id=7, member_id=member_id, now=NOW), twin
    assert list(tokens._verified) == [token]  # refusals are never cached
    # Another process with another secret shares nothing.
    assert not BuyTokens("secret-two").verify(token, campaign_id=7, member_id=42, now=NOW)


def test_token_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    tokens = BuyTokens("secret-one", cache_size=2)
    a, b, c = (tokens.issue(campaign_id=7, member_id=m, expires_at=NOW + 60) for m in (1, 2, 3))
    assert tokens.verify(a, campaign_id=7, member_id=1, now=NOW)
    assert tokens.verify(b, campaign_id=7, member_id=2, now=NOW)
    assert tokens.verify(a, campaign_id=7, member_id=1, now=NOW)  # a used last
    assert tokens.verify(c, campaign_id=7, member_id=3, now=NOW)
    assert list(tokens._verified) == [a, c]  # b went
    assert tokens.verify(b, campaign_id=7, member_id=2, now=NOW)  # verified again
    assert len(tokens._verified) == 2


# -- the buy calls of one loop turn in one pipeline --------------------------------------------


def _count_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from redis.asyncio.connection import AbstractConnection

    sent = [0]
    original = AbstractConnection.send_packed_command

    async def counted(self: Any, command: Any, check_health: bool = True) -> None:
        sent[0] += 1
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sent


async def _buy(store: Any, member: int, ticket: str) -> tuple[int, str, int, str | None]:
    result = await store.buy(
        campaign_id=C,
        sku_id=SKU,
        member_id=member,
        quantity=1,
        ticket=ticket,
        ip="203.0.113.9",
        per_member=100,
        per_ip=100_000,
        window_ms=10_000,
    )
    return member, result.outcome, result.remaining, result.ticket


async def test_concurrent_buys_share_round_trips_and_sell_exactly_the_stock(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(ctx)
    await warm(store, stock=40, limit=1)
    sent = _count_round_trips(monkeypatch)
    # 120 shoppers, each trying twice at the same moment: 240 calls in flight at once.
    calls = [_buy(store, member, f"{C}-t{member}-{n}") for member in range(120) for n in (1, 2)]
    results = await asyncio.gather(*calls)
    if isinstance(store, RedisFlashStore):
        # One pipeline per loop turn, not one round trip per call.
        assert sent[0] <= len(calls) // 10, sent[0]
    outcomes = Counter(outcome for _m, outcome, _r, _t in results)
    # Each winner's other attempt meets the limit (checked before the stock), the rest none left.
    assert outcomes == {"queued": 40, "limit_reached": 40, "sold_out": 160}
    winners = [member for member, outcome, _r, _t in results if outcome == "queued"]
    assert len(set(winners)) == 40  # nobody bought twice (limit 1)
    # Each queued answer saw the stock the script left: 39 down to 0, each once.
    assert sorted(r for _m, o, r, _t in results if o == "queued") == list(range(40))
    assert await store.remaining(C) == {SKU: 0}
    assert await store.backlog(C) == 40
    for member, outcome, _r, ticket in results:
        if outcome == "queued":
            record = await store.ticket(C, ticket or "")
            assert record is not None
            assert record.member_id == member
    # A second wave after the sell-out: the limit answers with each winner's ticket.
    again = await asyncio.gather(*(_buy(store, m, f"{C}-again-{m}") for m in winners))
    assert {outcome for _m, outcome, _r, _t in again} == {"limit_reached"}
    assert {ticket for _m, _o, _r, ticket in again} == {
        ticket for _m, o, _r, ticket in results if o == "queued"
    }


async def test_batched_buys_load_a_script_redis_does_not_have(ctx: AppContext) -> None:
    store = store_of(ctx)
    if not isinstance(store, RedisFlashStore):
        pytest.skip("the script cache is Redis's")
    # A variant of the script no Redis has seen (as after SCRIPT FLUSH or a failover): every
    # EVALSHA of the first pipeline answers NOSCRIPT.
    store._buy = store.redis.register_script(_BUY + f"\n-- {uuid.uuid4().hex}\n")
    await warm(store, stock=5, limit=1)
    results = await asyncio.gather(*(_buy(store, m, f"{C}-n{m}") for m in range(8)))
    assert Counter(outcome for _m, outcome, _r, _t in results) == {"queued": 5, "sold_out": 3}
    assert await store.remaining(C) == {SKU: 0}


async def test_a_broken_connection_fails_the_whole_batch_and_the_next_one_works(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_of(ctx)
    if not isinstance(store, RedisFlashStore):
        pytest.skip("Redis only")
    await warm(store, stock=5, limit=1)
    from redis.asyncio.client import Pipeline
    from redis.exceptions import ConnectionError as RedisConnectionError

    original = Pipeline.execute

    async def broken(self: Any, raise_on_error: bool = True) -> Any:
        raise RedisConnectionError("gone")

    monkeypatch.setattr(Pipeline, "execute", broken)
    failed = await asyncio.gather(
        *(_buy(store, m, f"{C}-x{m}") for m in range(4)), return_exceptions=True
    )
    assert all(isinstance(f, RedisConnectionError) for f in failed)
    monkeypatch.setattr(Pipeline, "execute", original)
    assert (await _buy(store, 1, f"{C}-y1"))[1] == "queued"


# -- campaign snapshot: one reader ------------------------------------------------------------


class _SlowInfo(MemoryFlashStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.gate = asyncio.Event()

    async def info(self, campaign_id: int) -> bytes | None:
        self.reads += 1
        await self.gate.wait()
        return (
            b'{"id": 11, "title": "t", "starts_at": "2026-11-11T12:00:00Z",'
            b' "ends_at": "2026-11-11T13:00:00Z", "cancelled": false,'
            b' "payment_timeout_seconds": 900, "free_shipping": true, "items": []}'
        )


async def test_campaign_snapshot_is_read_once_and_refreshed_ahead() -> None:
    store = _SlowInfo()
    settings = FlashSaleSettings(local_info_ttl_seconds=0.2)
    edge = EdgeState(store, lambda: settings)
    # A crowd on a cold snapshot: one read, everybody gets its answer.
    waiting = [asyncio.create_task(edge.campaign(11)) for _ in range(50)]
    await asyncio.sleep(0)
    store.gate.set()
    found = await asyncio.gather(*waiting)
    assert store.reads == 1
    assert all(info is not None and info.id == 11 for info in found)
    # Past the TTL (moved back by hand): answered from the snapshot without waiting for the
    # store (its gate is shut: a waiting caller would never return), one refresh behind it.
    store.gate.clear()
    info, _fresh_until = edge._info[11]
    edge._info[11] = (info, time.monotonic() - 0.01)
    stale = await asyncio.wait_for(asyncio.gather(*(edge.campaign(11) for _ in range(50))), 5)
    assert all(found is info for found in stale)
    assert store.reads == 2
    refresh = edge._loading[11]
    store.gate.set()
    await refresh
    assert edge._info[11][1] > time.monotonic()  # fresh again
    assert await edge.campaign(11) is not None
    assert store.reads == 2
    # A campaign signal while a read is in flight: that read is not kept, the next one is.
    store.gate.clear()
    edge.apply("campaign:11")
    reader = asyncio.create_task(edge.campaign(11))
    await asyncio.sleep(0)
    edge.apply("campaign:11")
    store.gate.set()
    await reader
    assert 11 not in edge._info
    assert await edge.campaign(11) is not None
    assert store.reads == 4

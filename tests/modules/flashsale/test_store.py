"""The live store's contract, on Redis (Lua scripts) and in process (embedded): the same
answers for the same calls."""

from __future__ import annotations

import asyncio
import time

from shoplet.core.context import AppContext
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.schemas import GiveBack, TicketRecord
from shoplet.modules.flashsale.store import FlashStore

C = 11
SKU = 5
GENEROUS = {"per_member": 100, "per_ip": 1000, "window_ms": 1000}


def store_of(ctx: AppContext) -> FlashStore:
    return runtime_of(ctx).store


async def warm(
    store: FlashStore,
    *,
    starts_in_ms: int = -1000,
    ends_in_ms: int = 60_000,
    stock: int = 3,
    limit: int = 2,
    is_open: bool = True,
) -> None:
    now = int(time.time() * 1000)
    await store.warm(
        C,
        starts_ms=now + starts_in_ms,
        ends_ms=now + ends_in_ms,
        is_open=is_open,
        info=b'{"id": 11}',
        items=[(SKU, stock, limit)],
        bought={},
    )


async def attempt(
    store: FlashStore, member: int, ticket: str, *, quantity: int = 1, sku: int = SKU, **limits: int
) -> tuple[str, int, str | None]:
    result = await store.buy(
        campaign_id=C,
        sku_id=sku,
        member_id=member,
        quantity=quantity,
        ticket=ticket,
        ip="203.0.113.9",
        **{**GENEROUS, **limits},
    )
    return result.outcome, result.remaining, result.ticket


async def test_buy_script_decides_window_limit_and_stock(ctx: AppContext) -> None:
    store = store_of(ctx)
    assert await attempt(store, 1, "11-a") == ("not_ready", 0, None)
    await warm(store, starts_in_ms=60_000, ends_in_ms=120_000)
    assert await attempt(store, 1, "11-a") == ("not_started", 0, None)
    await warm(store)  # the window moves; the counter set by the first warm-up stays
    assert await store.remaining(C) == {SKU: 3}
    assert await attempt(store, 1, "11-a", sku=99) == ("unknown_sku", 0, None)
    assert await attempt(store, 1, "11-a", quantity=2) == ("queued", 1, "11-a")
    # The limit is per shopper and SKU: 2 bought, 1 more is over it; the answer names the
    # shopper's last ticket.
    assert await attempt(store, 1, "11-b") == ("limit_reached", 0, "11-a")
    assert await attempt(store, 2, "11-c", quantity=2) == ("sold_out", 1, None)
    assert await attempt(store, 2, "11-c") == ("queued", 0, "11-c")
    assert await attempt(store, 3, "11-d") == ("sold_out", 0, None)
    assert await store.remaining(C) == {SKU: 0}
    assert await store.ticket(C, "11-a") == TicketRecord("queued", 1, SKU, 2)
    assert await store.ticket(C, "11-b") is None
    await store.close(C)
    assert await attempt(store, 4, "11-e") == ("ended", 0, None)
    await warm(store, starts_in_ms=-60_000, ends_in_ms=-1)
    assert await attempt(store, 4, "11-e") == ("ended", 0, None)
    assert await store.backlog(C) == 2


async def test_rate_limits_count_every_attempt(ctx: AppContext) -> None:
    store = store_of(ctx)
    await warm(store, stock=100, limit=1)
    limits = {"per_member": 2, "per_ip": 3, "window_ms": 5000}
    assert (await attempt(store, 1, "11-1", **limits))[0] == "queued"
    assert (await attempt(store, 1, "11-2", **limits))[0] == "limit_reached"
    outcome = await store.buy(
        campaign_id=C,
        sku_id=SKU,
        member_id=1,
        quantity=1,
        ticket="11-3",
        ip="203.0.113.9",
        **limits,
    )
    assert outcome.outcome == "rate_limited"
    assert 0 < outcome.retry_after_ms <= 5000
    # Another shopper on the same IP: the IP allows 3 attempts in the window.
    assert (await attempt(store, 2, "11-4", **limits))[0] == "rate_limited"
    assert await store.remaining(C) == {SKU: 99}


async def test_give_back_happens_once(ctx: AppContext) -> None:
    store = store_of(ctx)
    await warm(store, stock=1, limit=1)
    assert (await attempt(store, 1, "11-a"))[0] == "queued"
    [entry] = await store.read_entries([C], "consumer-1", count=10, block_ms=0)
    failed = TicketRecord("failed", 1, SKU, 1, reason="members.address_not_found")
    give = GiveBack(C, "11-a", SKU, 1, 1, failed, restore_limit=True, entry_id=entry.entry_id)
    assert await store.give_back(give) == 1
    assert await store.give_back(give) is None
    assert await store.remaining(C) == {SKU: 1}
    assert await store.ticket(C, "11-a") == failed
    assert await store.backlog(C) == 0
    # The allowance came back with the failed request: the shopper may try again.
    assert (await attempt(store, 1, "11-b"))[0] == "queued"
    # A lapsed order's units come back, the allowance does not.
    lapsed = GiveBack(
        C, "11-b", SKU, 1, 1, TicketRecord("created", 1, SKU, 1, "SO1"), restore_limit=False
    )
    assert await store.give_back(lapsed) == 1
    assert (await attempt(store, 1, "11-c"))[0] == "limit_reached"
    assert (await attempt(store, 2, "11-d"))[0] == "queued"


async def test_consumer_group_delivery_pending_and_claims(ctx: AppContext) -> None:
    store = store_of(ctx)
    await warm(store, stock=10, limit=5)
    for n in range(3):
        assert (await attempt(store, n + 1, f"11-{n}"))[0] == "queued"
    first = await store.read_entries([C], "alive", count=2, block_ms=0)
    assert [(e.ticket, e.member_id, e.sku_id, e.quantity) for e in first] == [
        ("11-0", 1, SKU, 1),
        ("11-1", 2, SKU, 1),
    ]
    dead = await store.read_entries([C], "dead", count=10, block_ms=0)
    assert [e.ticket for e in dead] == ["11-2"]
    assert await store.read_entries([C], "alive", count=10, block_ms=0) == []
    assert await store.backlog(C) == 3
    # A consumer that restarts with its name sees what it left unacknowledged.
    assert [e.ticket for e in await store.own_pending([C], "alive", count=10)] == ["11-0", "11-1"]
    await store.mark_created(
        C, "11-0", TicketRecord("created", 1, SKU, 1, "SO1"), first[0].entry_id
    )
    assert await store.ticket(C, "11-0") == TicketRecord("created", 1, SKU, 1, "SO1")
    assert [e.ticket for e in await store.own_pending([C], "alive", count=10)] == ["11-1"]
    # The dead consumer's entry is claimed only once it has been idle long enough.
    assert await store.claim_stale([C], "alive", idle_ms=60_000, count=10) == []
    await asyncio.sleep(0.05)
    claimed = await store.claim_stale([C], "alive", idle_ms=10, count=10)
    assert sorted(e.ticket for e in claimed) == ["11-1", "11-2"]
    assert "11-2" in {e.ticket for e in await store.own_pending([C], "alive", count=10)}
    snapshot = await store.reconcile_snapshot(C)
    assert snapshot.remaining == {SKU: 7}
    assert [e.ticket for e in snapshot.entries] == ["11-0", "11-1", "11-2"]
    assert snapshot.pending == {first[1].entry_id, dead[0].entry_id}
    assert snapshot.last_delivered_id == dead[0].entry_id
    assert snapshot.returned == frozenset()
    requeued = await store.requeue(first[1])
    again = await store.read_entries([C], "alive", count=10, block_ms=0)
    assert [(e.entry_id, e.ticket) for e in again] == [(requeued, "11-1")]


async def test_challenges_are_single_use(ctx: AppContext) -> None:
    store = store_of(ctx)
    await store.put_challenge("c" * 32, "5:digest", 60)
    assert await store.take_challenge("c" * 32) == "5:digest"
    assert await store.take_challenge("c" * 32) is None

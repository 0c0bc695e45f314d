"""A send left ``sending`` by a crashed worker: reclaimed once its lease has run out (its credit
back, sent on the next run), given up after ``MAX_ATTEMPTS`` claims, and on PostgreSQL two
workers reclaiming at once each take disjoint rows (no credit refunded twice)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.notification import service
from tests.conftest import BackendDb
from tests.modules.notification.test_sends import (
    PAID_TID,
    accept,
    credits,
    order_paid,
    ready,
    sends,
    sim,
)


class Crash(BaseException):
    """The worker dies during WeChat's call (after the claim committed)."""


async def crashed(ctx: AppContext, monkeypatch: pytest.MonkeyPatch, send_id: int) -> None:
    async def die(*_: object) -> None:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(service, "_call", die)
        with pytest.raises(Crash):
            await service.deliver_one(ctx, send_id)


async def reclaim(ctx: AppContext, after: timedelta) -> list[int]:
    async with unit_of_work(ctx.sessionmaker) as session:
        return await service.reclaim_stuck(session, utcnow() + after)


async def test_a_crashed_send_is_reclaimed_after_its_lease_and_sent(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await order_paid(ctx, alice.member_id, "S0001")
    [row] = await sends(ctx)
    await crashed(ctx, monkeypatch, row.id)
    [stuck] = await sends(ctx)
    assert (stuck.status, stuck.attempts) == ("sending", 1)
    assert await credits(ctx, alice.member_id) == 0
    # Inside the lease: a slow worker is not a crashed one.
    assert await reclaim(ctx, timedelta(minutes=1)) == []
    assert await reclaim(ctx, service.LEASE + timedelta(seconds=1)) == [row.id]
    [back] = await sends(ctx)
    assert (back.status, back.claimed_at) == ("pending", None)
    assert await credits(ctx, alice.member_id) == 1
    assert await service.deliver_one(ctx, row.id) == "sent"
    [done] = await sends(ctx)
    assert (done.status, done.attempts) == ("sent", 2)
    assert await credits(ctx, alice.member_id) == 0
    assert len(sim(app).sent) == 1


async def test_a_late_finish_after_the_reclaim_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID)
    await order_paid(ctx, alice.member_id, "S0001")
    [row] = await sends(ctx)
    real_call = service._call

    async def slow(*args: object) -> dict[str, object]:
        # The lease runs out during the call: another worker reclaims the row.
        assert await reclaim(ctx, service.LEASE + timedelta(seconds=1)) == [row.id]
        return await real_call(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "_call", slow)
    assert await service.deliver_one(ctx, row.id) is None
    [after] = await sends(ctx)
    assert after.status == "pending"
    assert await credits(ctx, alice.member_id) == 1  # refunded once, by the reclaim


async def test_a_send_that_keeps_crashing_is_given_up(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice)
    await order_paid(ctx, alice.member_id, "S0001")
    [row] = await sends(ctx)
    for _ in range(service.MAX_ATTEMPTS):
        await crashed(ctx, monkeypatch, row.id)
        assert await reclaim(ctx, service.LEASE * 2) == [row.id]
    [failed] = await sends(ctx)
    assert (failed.status, failed.error) == ("failed", "notification.lease_expired")
    assert failed.attempts == service.MAX_ATTEMPTS
    assert await credits(ctx, alice.member_id) == 1
    assert await service.deliver_one(ctx, row.id) is None
    assert sim(app).sent == []


async def test_two_workers_reclaim_each_stuck_send_once(
    backend_db: BackendDb,
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    alice, _ = await ready(app, client, ctx)
    await accept(client, alice, 20)
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), PAID_TID, times=20)
    for i in range(20):
        await order_paid(ctx, alice.member_id, f"S{i:04d}")
    ids = [r.id for r in await sends(ctx)]
    for send_id in ids:
        await crashed(ctx, monkeypatch, send_id)
    assert await credits(ctx, alice.member_id) == 0
    start = asyncio.Event()

    async def worker() -> list[int]:
        await start.wait()
        return await reclaim(ctx, service.LEASE + timedelta(seconds=1))

    runs = [asyncio.create_task(worker()) for _ in range(2)]
    await asyncio.sleep(0.05)
    start.set()
    first, second = await asyncio.gather(*runs)
    assert sorted(first + second) == ids
    assert not set(first) & set(second)
    assert await credits(ctx, alice.member_id) == 20  # each refunded once
    assert {r.status for r in await sends(ctx)} == {"pending"}
    results = await asyncio.gather(*(service.deliver_one(ctx, i) for i in ids + ids))
    assert results.count("sent") == 20
    assert results.count(None) == 20
    assert len(sim(app).sent) == 20
    assert await credits(ctx, alice.member_id) == 0

"""A real worker process consuming the order stream is killed (SIGKILL) halfway; after a restart
no accepted request is lost and none becomes two orders (PostgreSQL + Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.flashsale.models import Ticket
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.service import reconcile_campaign
from tests.conftest import TEST_PII_KEY, TEST_SECRET, BackendDb
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    flash_orders,
    go_live,
    held,
    make_campaign,
    make_sku,
    remaining,
    shopper,
)

SHOPPERS = 40
EACH = 3
TOTAL = SHOPPERS * EACH
ROOT = Path(__file__).resolve().parents[3]


def start_worker(backend_db: BackendDb, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env.update(
        {
            "SHOPLET_ENV": "test",
            "SHOPLET_DATABASE_URL": backend_db.url,
            "SHOPLET_REDIS_URL": backend_db.redis_url or "",
            "SHOPLET_REDIS_PREFIX": backend_db.redis_prefix,
            "SHOPLET_DATA_DIR": str(data_dir),
            "SHOPLET_SECRET_KEY": TEST_SECRET,
            "SHOPLET_PII_KEY": TEST_PII_KEY,
            "SHOPLET_LOG_LEVEL": "WARNING",
            # One entry at a time, in small batches: the kill lands halfway through the stream.
            "SHOPLET_FLASHSALE_CONSUME_CONCURRENCY": "1",
            "SHOPLET_FLASHSALE_CONSUME_BATCH": "5",
            "SHOPLET_FLASHSALE_CONSUME_BLOCK_MS": "100",
            "SHOPLET_FLASHSALE_CLAIM_IDLE_MS": "500",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return subprocess.Popen(
        [sys.executable, "-c", "from shoplet.cli import app; app(['worker'])"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def handled(ctx: AppContext) -> int:
    async with ctx.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(Ticket))).scalar_one())


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def wait_for(ctx: AppContext, at_least: int, proc: subprocess.Popen[bytes], log: Path) -> int:
    """Until ``at_least`` are handled; fails once 60 s pass with no progress (a stuck worker),
    not after a fixed total, so a loaded machine's slower worker still finishes."""
    last, stalled_since = -1, time.monotonic()
    while time.monotonic() - stalled_since < 60:
        count = await handled(ctx)
        if count >= at_least:
            return count
        if count != last:
            last, stalled_since = count, time.monotonic()
        assert proc.poll() is None, tail(log)
        await asyncio.sleep(0.01)
    raise AssertionError(f"stuck at {await handled(ctx)} handled; worker log:\n{tail(log)}")


async def test_killed_consumer_loses_nothing_and_duplicates_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    backend_db: BackendDb,
    tmp_path: Path,
    flash: FlashSaleSettings,
) -> None:
    if not backend_db.is_postgres:
        pytest.skip("embedded mode has no stream outside the process; this needs Redis")
    sku = await make_sku(ctx, price=19900, stock=500)
    campaign_id = await make_campaign(ctx, [sku], stock=TOTAL + 10, limit=EACH)
    await go_live(ctx, campaign_id)
    shoppers = [await shopper(client, f"k{n}") for n in range(SHOPPERS)]
    for who in shoppers:
        token = buy_token(ctx, campaign_id, who.id)
        for _ in range(EACH):
            response = await buy(client, who, campaign_id, sku, token)
            assert response.status_code == 202, response.text
    store = runtime_of(ctx).store
    assert await store.backlog(campaign_id) == TOTAL

    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = start_worker(backend_db, tmp_path, first_log)
    try:
        await wait_for(ctx, 15, first, first_log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    done_at_kill = await handled(ctx)
    assert 15 <= done_at_kill < TOTAL, "the kill must land halfway through the stream"
    assert await store.backlog(campaign_id) > 0

    second = start_worker(backend_db, tmp_path, second_log)
    try:
        await wait_for(ctx, TOTAL, second, second_log)
        for _ in range(600):
            if not await store.backlog(campaign_id):
                break
            await asyncio.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    assert await store.backlog(campaign_id) == 0

    orders = await flash_orders(ctx)
    assert len(orders) == TOTAL
    assert len({o.idempotency_key for o in orders}) == TOTAL
    assert Counter(o.member_id for o in orders) == {who.id: EACH for who in shoppers}
    async with ctx.sessionmaker() as s:
        rows = list((await s.execute(select(Ticket))).scalars())
    assert len(rows) == TOTAL
    assert {r.status for r in rows} == {"created"}
    assert {r.order_no for r in rows} == {o.order_no for o in orders}
    assert await held(ctx, campaign_id, sku) == 10
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 10}
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["repaired"], report["unexplained"]) == (True, 0, {})

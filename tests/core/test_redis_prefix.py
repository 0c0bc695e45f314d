"""``SHOPLET_REDIS_PREFIX``: every key, stream and pub/sub channel Shoplet uses lives under it.

A whole scenario (cached catalog reads and an invalidation, a rate-limited SMS code, events
relayed to the stream and consumed by groups, job leases, a flash sale bought, consumed and
reconciled, a WeChat Pay notify nonce) runs with a shop-specific prefix; a SCAN afterwards finds
no key it wrote outside that prefix, and its subscriptions are on prefixed channels only.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import RedisJobLock, job_lock, run_job
from shoplet.integrations.setup import Integrations
from shoplet.modules.flashsale.config import use_settings
from shoplet.modules.flashsale.runtime import runtime_of
from tests.conftest import REDIS_PREFIX
from tests.modules.flashsale.conftest import (
    buy,
    buy_token,
    consume,
    go_live,
    make_campaign,
    make_sku,
    shopper,
)

SHOP_PREFIX = f"{REDIS_PREFIX}shop-a:"
# Keys of other test runs sharing this Redis database carry their own run prefix.
OTHER_RUNS = b"shoplet-test-"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"redis_prefix": SHOP_PREFIX}


async def _keys_outside_test_runs(redis: Redis) -> set[bytes]:
    return {key async for key in redis.scan_iter(count=1000) if not key.startswith(OTHER_RUNS)}


async def test_a_full_scenario_writes_nothing_outside_the_prefix(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    backend: str,
) -> None:
    if backend != "postgres":
        pytest.skip("embedded mode keeps everything in the process")
    use_settings(ctx, consume_block_ms=0, claim_idle_ms=300, settle_grace_seconds=0)
    redis = ctx.redis
    assert redis is not None
    assert ctx.settings.redis_prefix == SHOP_PREFIX
    outside_before = await _keys_outside_test_runs(redis)

    # Catalog: products created (invalidations published), listed twice (L2 fill, lease).
    sku = await make_sku(ctx, price=19900, stock=50)
    await drain_outbox(ctx)
    for _ in range(2):
        assert (await client.get("/api/v1/products")).status_code == 200
    # Rate limits: an SMS login code.
    sent = await client.post("/api/v1/auth/sms-code", json={"phone": "13912340000"})
    assert sent.status_code == 202, sent.text
    # Flash sale: warmed up, bought, consumed from its stream, reconciled (job leases).
    campaign_id = await make_campaign(ctx, [sku], stock=4, limit=1)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "alice")
    bought = await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    assert bought.status_code == 202, bought.text
    await consume(ctx)
    await run_job(ctx, "flashsale.reconcile")
    await drain_outbox(ctx)
    # WeChat Pay: a notify's nonce remembered for replay protection.
    integrations: Integrations = app.state.integrations
    simulator = integrations.wechat_pay_simulator
    assert simulator is not None
    notify = simulator.build_notify(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource={"mchid": simulator.mchid, "appid": simulator.appid},
    )
    await integrations.wechat_pay.parse_notify(notify.headers, notify.body)

    assert await _keys_outside_test_runs(redis) - outside_before == set()
    ours = {key.decode() async for key in redis.scan_iter(match=f"{SHOP_PREFIX}*", count=1000)}
    areas = {key.removeprefix(SHOP_PREFIX).split(":", 1)[0] for key in ours}
    assert {"cache", "ratelimit", "events", "flash", "wechatpay"} <= areas, ours
    # Job leases are gone once a run ends; they are taken under the prefix too.
    lock = job_lock(ctx)
    assert isinstance(lock, RedisJobLock)
    assert lock.prefix == f"{SHOP_PREFIX}job:"
    assert await redis.type(ctx.settings.events_stream_key) == b"stream"
    groups = await redis.xinfo_groups(ctx.settings.events_stream_key)
    assert groups, "the relay's consumer groups live on the prefixed stream"

    # Pub/sub (server-wide, not per database): the cache, the flash-sale runtime, the
    # feature flags, customer-service chat and live rooms listen on prefixed channels.
    listening = {c.decode() for c in await redis.pubsub_channels(f"{SHOP_PREFIX}*")}
    assert listening == {
        f"{SHOP_PREFIX}cache:invalidate",
        f"{SHOP_PREFIX}flash:signals",
        f"{SHOP_PREFIX}experiments:flags",
        f"{SHOP_PREFIX}support:events",
        f"{SHOP_PREFIX}live:events",
    }
    assert runtime_of(ctx).store.kind == "redis"

"""The flash sale and bargains on the risk engine (enforce mode): a bargain's ring of helpers on
one phone is blocked by the shop's rules within that bargain, nothing written; a flash sale's
token asks the engine at token time only (the buy path keeps its one Redis round trip), and the
engine's challenge is the flash sale's own arithmetic challenge, which a shopper can pass."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.risk import config, service
from shoplet.modules.risk.models import RiskDecision
from tests.conftest import snapshot
from tests.modules.checkout.test_races import make_buyers
from tests.modules.flashsale.conftest import flash, go_live, make_campaign, make_sku, shopper
from tests.modules.flashsale.test_buy import token
from tests.modules.orders.factories import one_sku
from tests.modules.social.bargain_factories import (
    WATCHED,
    created,
    cut,
    refused,
    start,
)
from tests.modules.social.bargain_factories import make_campaign as make_bargain
from tests.modules.social.conftest import staff

__all__ = ["flash", "staff"]  # fixtures


async def test_a_second_helper_on_one_phone_is_blocked_by_the_engine(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    config.use_settings(ctx, mode="enforce")
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_bargain(client, staff, sku_id, helpers_needed=10)
    initiator, first, second, elsewhere = await make_buyers(ctx, 4)
    share = created(await start(client, initiator, campaign["id"]))["share_id"]
    created(await cut(client, first, share, device_id="ring-phone-01"))
    before = await snapshot(ctx, *WATCHED)

    response = await cut(client, second, share, device_id="ring-phone-01")

    assert refused(response) == (403, "risk.blocked")
    assert await snapshot(ctx, *WATCHED) == before
    async with ctx.sessionmaker() as session:
        decision = await service.get_decision(session, response.json()["decision_id"])
    assert decision.action == "bargain_cut"
    assert decision.reasons[0] == "rule:砍价/拼团 团伙：同设备"
    assert decision.signals["accounts_on_device"] == 2
    # Counted within the bargain: the same phone helping another bargain is a first helper.
    other = created(await start(client, elsewhere, campaign["id"]))["share_id"]
    created(await cut(client, second, other, device_id="ring-phone-01"))


async def test_the_engine_challenge_on_a_flash_token_is_the_arithmetic_one(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    config.use_settings(ctx, mode="enforce")
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.create_rule(
            session,
            ctx,
            service.RuleDraft(
                name="秒杀无设备",
                actions=["flash_token"],
                conditions=[{"signal": "device_missing", "op": "eq", "value": True}],
                outcome="challenge",
            ),
        )
    sku = await make_sku(ctx)
    campaign_id = await make_campaign(ctx, [sku], stock=2)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "risk-flash-a")
    # With a device id the shop's rule does not apply: a token at once.
    assert (await token(client, alice, campaign_id, device_id="device-a-0001")).status_code == 200

    asked = await token(client, alice, campaign_id)

    assert (asked.status_code, asked.json()["code"]) == (403, "flashsale.challenge_required")
    question = asked.json()["challenge"]
    a, _, rest = question["question"].partition(" + ")
    solved = await token(
        client,
        alice,
        campaign_id,
        challenge_id=question["id"],
        answer=str(int(a) + int(rest.removesuffix(" = ?"))),
    )
    assert solved.status_code == 200, solved.text
    async with ctx.sessionmaker() as session:
        logged = await session.scalar(
            select(func.count()).where(
                RiskDecision.action == "flash_token", RiskDecision.outcome == "challenge"
            )
        )
    assert logged == 2  # asked, then answered: each request asked the engine

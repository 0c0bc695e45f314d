"""The shop's rules a preview reads (shipping fees, the tier table, the points programme) are
cached per process; a change saved in the console is seen by the very next preview. (Another
process hears of it on the invalidation channel: ``tests/modules/promotions/test_rules_cache.py``
checks that path with the promotions' rules.)"""

from __future__ import annotations

from typing import Any

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.checkout.pricing import ShippingRules
from shoplet.modules.checkout.shipping import update_shipping_rules
from shoplet.modules.loyalty import service as loyalty
from shoplet.modules.loyalty.schemas import LoyaltySettingsUpdate
from shoplet.modules.membership import service as membership
from shoplet.modules.membership.rules import DEFAULT_TIERS
from shoplet.modules.membership.schemas import TiersBody
from tests.modules.loyalty.factories import grant
from tests.modules.loyalty.test_points_api import DEFAULT_SETTINGS
from tests.modules.orders.factories import PREVIEW, one_sku, shopper


def tiers_with_v0_discount(permille: int) -> TiersBody:
    rows: list[dict[str, Any]] = [
        {
            "level": t.level,
            "code": t.code,
            "name": t.name,
            "threshold": t.threshold,
            "keep_threshold": t.keep_threshold,
        }
        for t in DEFAULT_TIERS
    ]
    rows[0]["benefits"] = {"discount_permille": permille}
    return TiersBody.model_validate({"tiers": rows})


async def test_saved_shop_rules_are_seen_by_the_next_preview(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, price=3900)
    alice = await shopper(client)
    await grant(ctx, alice.member_id, 1000)
    body = {"address_id": alice.address_id, "items": [{"sku_id": sku_id, "quantity": 1}]}

    first = (await client.post(PREVIEW, json=body, headers=alice.headers)).json()
    assert (first["shipping_fee"], first["member"], first["points"]["usable_max"]) == (
        800,
        None,
        1000,
    )

    async with unit_of_work(ctx.sessionmaker) as s:
        await update_shipping_rules(
            s, ShippingRules(flat_fee=600, free_threshold=None), actor="staff:1"
        )
        await membership.save_tiers(s, tiers_with_v0_discount(900))
        await loyalty.update_settings(
            s, LoyaltySettingsUpdate(**{**DEFAULT_SETTINGS, "enabled": False}), actor="staff:1"
        )

    second = (await client.post(PREVIEW, json=body, headers=alice.headers)).json()
    assert second["shipping_fee"] == 600
    assert (second["member"]["discount_permille"], second["member"]["goods_discount"]) == (
        900,
        390,
    )
    assert second["points"]["usable_max"] == 0

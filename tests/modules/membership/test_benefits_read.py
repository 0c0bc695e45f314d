"""``tier_and_benefits`` (every checkout preview asks it) reads the account and the paid plan
period running now in one statement, with the tier table cached: a shopper with no account,
one with growth, and one with SVIP besides."""

from __future__ import annotations

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import read_session
from shoplet.modules.membership import public as membership
from tests.conftest import StatementCounter
from tests.modules.membership.factories import grow
from tests.modules.membership.plan_factories import bought, create_plan
from tests.modules.membership.test_plans import staff
from tests.modules.orders.factories import shopper

__all__ = ["staff"]


async def read(ctx: AppContext, member_id: int, counter: StatementCounter) -> tuple[str, int, int]:
    async with read_session(ctx.sessionmaker) as s:
        await membership.tier_of(s, member_id)  # warms the cached tier table
        counter.reset()
        tier, benefits = await membership.tier_and_benefits(s, member_id)
    assert counter.count == 1, counter.statements
    return tier.code, benefits.discount_permille, benefits.points_multiplier_permille


async def test_one_statement_for_the_account_and_the_plan(
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    sql_counter: StatementCounter,
) -> None:
    newcomer = await shopper(client, "newcomer")
    regular = await shopper(client, "regular")
    await grow(ctx, regular.member_id, 6000, "regular-growth")  # V3: 9.6折, points ×1.5
    svip = await shopper(client, "svip")
    await bought(client, ctx, svip, await create_plan(client, staff))  # 9.5折, points ×2

    assert await read(ctx, newcomer.member_id, sql_counter) == ("V0", 1000, 1000)
    assert await read(ctx, regular.member_id, sql_counter) == ("V3", 960, 1500)
    assert await read(ctx, svip.member_id, sql_counter) == ("V0", 950, 2000)

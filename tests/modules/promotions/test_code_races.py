"""Code races on PostgreSQL: 50 shoppers type one one-time code at once, 200 shoppers share a
code worth 50 coupons, one shopper submits a shared code many times at once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.promotions.models import CodeBatch, CouponCode
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool, make_buyers
from tests.modules.orders.factories import Shopper
from tests.modules.promotions.factories import TEMPLATES, make_template, template_row
from tests.modules.promotions.test_races import coupons, outcomes
from tests.modules.staff.conftest import bearer, token_for

REDEEM = "/api/v1/coupons/redeem"


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def redeem_at_once(
    backend_db: BackendDb, ctx: AppContext, shoppers: list[Shopper], code: str
) -> list[httpx.Response]:
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 40) as app:
        transport = httpx.ASGITransport(app=app)

        async def send(headers: dict[str, str]) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(REDEEM, json={"code": code}, headers=headers)

        tasks = [asyncio.create_task(send(who.headers)) for who in shoppers]
        start.set()
        return list(await asyncio.gather(*tasks))


async def test_fifty_shoppers_type_one_one_time_code_and_one_gets_it(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=100)
    made = await client.post(
        f"{TEMPLATES}/{template['id']}/codes", json={"kind": "one_time", "count": 1},
        headers=staff,
    )  # fmt: skip
    async with ctx.sessionmaker() as s:
        code = await s.scalar(
            select(CouponCode.code).where(CouponCode.batch_id == made.json()["id"])
        )
    assert code is not None
    shoppers = await make_buyers(ctx, 50)

    responses = await redeem_at_once(backend_db, ctx, shoppers, code)

    assert outcomes(responses, 201) == {(201, None): 1, (409, "promotions.code_used"): 49}
    held = await coupons(ctx, template["id"])
    assert len(held) == 1
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(CouponCode).where(CouponCode.code == code))
        batch = await s.scalar(select(CodeBatch).where(CodeBatch.id == made.json()["id"]))
    assert row is not None
    assert batch is not None
    assert (row.redeemed_by, row.coupon_id, batch.redeemed) == (held[0].member_id, held[0].id, 1)
    assert (await template_row(ctx, template["id"])).claimed == 1


async def test_two_hundred_shoppers_share_a_code_worth_fifty(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=50)
    made = await client.post(
        f"{TEMPLATES}/{template['id']}/codes", json={"kind": "shared", "code": "SPRING2027"},
        headers=staff,
    )  # fmt: skip
    shoppers = await make_buyers(ctx, 200)

    responses = await redeem_at_once(backend_db, ctx, shoppers, "SPRING2027")

    assert outcomes(responses, 201) == {
        (201, None): 50,
        (409, "promotions.quota_exhausted"): 150,
    }
    held = await coupons(ctx, template["id"])
    assert len({c.member_id for c in held}) == len(held) == 50
    assert (await template_row(ctx, template["id"])).claimed == 50
    async with ctx.sessionmaker() as s:
        batch = await s.scalar(select(CodeBatch).where(CodeBatch.id == made.json()["id"]))
    assert batch is not None
    assert batch.redeemed == 50


async def test_one_shopper_submitting_a_code_at_once_stays_within_the_limit(
    backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=50, per_shopper_limit=2)
    await client.post(
        f"{TEMPLATES}/{template['id']}/codes", json={"kind": "shared", "code": "TWICE"},
        headers=staff,
    )  # fmt: skip
    [alice] = await make_buyers(ctx, 1)

    responses = await redeem_at_once(backend_db, ctx, [alice] * 8, "TWICE")

    assert outcomes(responses, 201) == {
        (201, None): 2,
        (409, "promotions.claim_limit_reached"): 6,
    }
    assert len(await coupons(ctx, template["id"])) == 2
    assert (await template_row(ctx, template["id"])).claimed == 2

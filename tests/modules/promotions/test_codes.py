"""Coupon codes: the code format, generating batches (10,000 one-time codes timed), redeeming
one-time and shared codes with the claim's rules, refusals that change nothing, the rate
limit, listing, CSV export and disabling a batch."""

from __future__ import annotations

import csv
import io
import random
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.modules.promotions.models import CouponCode
from shoplet.modules.promotions.service import codes
from tests.conftest import snapshot
from tests.modules.orders.factories import Shopper, shopper
from tests.modules.promotions.factories import TEMPLATES, make_template, template_row
from tests.modules.staff.conftest import audit_rows, bearer, token_for

REDEEM = "/api/v1/coupons/redeem"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def batch(
    client: httpx.AsyncClient, staff: dict[str, str], template_id: int, **body: Any
) -> dict[str, Any]:
    response = await client.post(f"{TEMPLATES}/{template_id}/codes", json=body, headers=staff)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


async def codes_of(ctx: AppContext, batch_id: int) -> list[str]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(CouponCode.code).where(CouponCode.batch_id == batch_id).order_by(CouponCode.id)
        )
        return list(rows)


async def redeem(client: httpx.AsyncClient, who: Shopper, code: str) -> httpx.Response:
    return await client.post(REDEEM, json={"code": code}, headers=who.headers)


def test_the_check_character_catches_every_single_substitution() -> None:
    rng = random.Random(7)
    sample = codes.new_codes(200)
    assert all(codes.is_well_formed(c) for c in sample)
    assert all(len(c) == 12 and not set(c) & set("0O1I") for c in sample)
    caught = 0
    for code in sample:
        for position in range(len(code)):
            for other in codes.ALPHABET:
                if other == code[position]:
                    continue
                typo = code[:position] + other + code[position + 1 :]
                assert not codes.is_well_formed(typo), (code, typo)
                caught += 1
    assert caught == 200 * 12 * 31
    # Neighbours swapped: Luhn mod N catches most of them too.
    swaps = [c for c in sample for i in range(11) if c[i] != c[i + 1]]
    missed = 0
    for code in swaps:
        i = rng.randrange(11)
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        missed += swapped != code and codes.is_well_formed(swapped)
    assert missed <= len(swaps) // 20
    assert codes.normalise(" abcd-efgh 2345 ") == "ABCDEFGH2345"


async def test_ten_thousand_one_time_codes_in_one_batch(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], backend: str
) -> None:
    template = await make_template(client, staff, total_quota=10_000)
    started = time.perf_counter()
    made = await batch(client, staff, template["id"], kind="one_time", count=10_000)
    elapsed = time.perf_counter() - started
    print(f"\n10,000 one-time codes on {backend}: {elapsed * 1000:.0f} ms")
    assert (made["kind"], made["count"], made["redeemed"], made["status"], made["code"]) == (
        "one_time",
        10_000,
        0,
        "active",
        None,
    )
    stored = await codes_of(ctx, made["id"])
    assert len(stored) == len(set(stored)) == 10_000
    assert all(codes.is_well_formed(c) for c in stored)
    assert elapsed < 20
    listed = (await client.get(f"{TEMPLATES}/{template['id']}/codes", headers=staff)).json()
    assert [(b["id"], b["count"]) for b in listed["items"]] == [(made["id"], 10_000)]
    assert [r.action for r in await audit_rows(ctx)][-1] == "promotions.codes_create"


async def test_a_one_time_code_gives_one_coupon_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, is_claimable=False)
    made = await batch(client, staff, template["id"], kind="one_time", count=3)
    first, *_ = await codes_of(ctx, made["id"])
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")

    typed = f"{first[:4].lower()}-{first[4:8]} {first[8:]}"
    response = await redeem(client, alice, typed)

    assert response.status_code == 201, response.text
    coupon = response.json()
    assert (coupon["template_id"], coupon["state"], coupon["source"]) == (
        template["id"],
        "unused",
        "claim",
    )
    assert (await template_row(ctx, template["id"])).claimed == 1
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(CouponCode).where(CouponCode.code == first))
    assert row is not None
    assert (row.redeemed_by, row.coupon_id) == (alice.member_id, coupon["id"])

    before = await snapshot(ctx)
    again = await redeem(client, bob, first)
    assert (again.status_code, again.json()["code"]) == (409, "promotions.code_used")
    assert await snapshot(ctx) == before
    listed = (await client.get(f"{TEMPLATES}/{template['id']}/codes", headers=staff)).json()
    assert listed["items"][0]["redeemed"] == 1


async def test_a_shared_code_follows_the_quota_and_the_shoppers_limit(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=2, per_shopper_limit=1)
    made = await batch(client, staff, template["id"], kind="shared", code="spring2027")
    assert (made["code"], made["count"]) == ("SPRING2027", 1)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]

    assert (await redeem(client, alice, "Spring2027")).status_code == 201
    before = await snapshot(ctx)
    twice = await redeem(client, alice, "SPRING2027")
    assert (twice.status_code, twice.json()["code"]) == (409, "promotions.claim_limit_reached")
    assert await snapshot(ctx) == before
    assert (await redeem(client, bob, "SPRING2027")).status_code == 201
    before = await snapshot(ctx)
    late = await redeem(client, carol, "SPRING2027")
    assert (late.status_code, late.json()["code"]) == (409, "promotions.quota_exhausted")
    assert await snapshot(ctx) == before
    listed = (await client.get(f"{TEMPLATES}/{template['id']}/codes", headers=staff)).json()
    assert listed["items"][0]["redeemed"] == 2


async def test_rejected_codes_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff)
    made = await batch(client, staff, template["id"], kind="one_time", count=2)
    good, other = await codes_of(ctx, made["id"])
    typo = good[:-1] + next(c for c in codes.ALPHABET if c != good[-1])
    stopped = await make_template(client, staff)
    stopped_batch = await batch(client, staff, stopped["id"], kind="one_time", count=1)
    [stopped_code] = await codes_of(ctx, stopped_batch["id"])
    await client.post(f"{TEMPLATES}/{stopped['id']}/stop", headers=staff)
    off = await batch(client, staff, template["id"], kind="shared", code="OFFNOW")
    response = await client.post(
        f"{TEMPLATES}/{template['id']}/codes/{off['id']}/disable", headers=staff
    )
    assert response.json()["status"] == "disabled"
    alice = await shopper(client)

    before = await snapshot(ctx)
    for code, status, problem in (
        (typo, 400, "promotions.code_invalid"),
        ("ZZZZZZZZZZZZ", 400, "promotions.code_invalid"),
        ("NOSUCHCODE", 400, "promotions.code_invalid"),
        ("OFFNOW", 400, "promotions.code_invalid"),
        (stopped_code, 409, "promotions.template_not_active"),
    ):
        response = await redeem(client, alice, code)
        assert (response.status_code, response.json()["code"]) == (status, problem), code
    for body in ({"code": ""}, {"code": "A" * 41}, {}, {"code": "AB\x00C"}):
        response = await client.post(REDEEM, json=body, headers=alice.headers)
        assert response.status_code == 422, body
    assert (await client.post(REDEEM, json={"code": other})).status_code == 401
    assert await snapshot(ctx) == before


async def test_redeem_attempts_are_rate_limited_per_shopper(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    before = await snapshot(ctx)
    for _ in range(10):
        response = await redeem(client, alice, "GUESSWORK")
        assert response.json()["code"] == "promotions.code_invalid"
    limited = await redeem(client, alice, "GUESSWORK")
    assert (limited.status_code, limited.json()["code"]) == (429, "promotions.code_rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await redeem(client, bob, "GUESSWORK")).status_code == 400
    assert await snapshot(ctx) == before


async def test_bad_batches_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=100)
    await batch(client, staff, template["id"], kind="shared", code="TAKEN1")
    url = f"{TEMPLATES}/{template['id']}/codes"
    viewer = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    before = await snapshot(ctx)
    for body, status, problem in (
        ({"kind": "one_time", "count": 0}, 400, "promotions.invalid_code_batch"),
        ({"kind": "one_time", "count": 101}, 400, "promotions.invalid_code_batch"),
        ({"kind": "one_time"}, 400, "promotions.invalid_code_batch"),
        ({"kind": "one_time", "count": 5, "code": "X"}, 400, "promotions.invalid_code_batch"),
        ({"kind": "shared", "code": "AB"}, 400, "promotions.invalid_code_batch"),
        ({"kind": "shared", "code": "含中文的码"}, 400, "promotions.invalid_code_batch"),
        ({"kind": "shared", "code": "ABCDEFGHJKLM"}, 400, "promotions.invalid_code_batch"),
        ({"kind": "shared", "code": "SPRING", "count": 2}, 400, "promotions.invalid_code_batch"),
        ({"kind": "shared", "code": "taken1"}, 409, "promotions.code_taken"),
        ({"kind": "bulk", "count": 5}, 422, "request.invalid"),
    ):
        response = await client.post(url, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, problem), body
    response = await client.post(
        f"{TEMPLATES}/999999/codes", json={"kind": "one_time", "count": 1}, headers=staff
    )
    assert response.json()["code"] == "promotions.template_not_found"
    response = await client.post(f"{url}/999999/disable", headers=staff)
    assert response.json()["code"] == "promotions.code_batch_not_found"
    response = await client.get(f"{url}/999999/export", headers=staff)
    assert response.json()["code"] == "promotions.code_batch_not_found"
    response = await client.post(url, json={"kind": "one_time", "count": 1}, headers=viewer)
    assert response.status_code == 403
    assert await snapshot(ctx) == before


async def test_a_batch_exports_as_csv(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    template = await make_template(client, staff, total_quota=5000)
    made = await batch(client, staff, template["id"], kind="one_time", count=5001 // 2)
    stored = await codes_of(ctx, made["id"])
    alice = await shopper(client)
    assert (await redeem(client, alice, stored[3])).status_code == 201

    response = await client.get(
        f"{TEMPLATES}/{template['id']}/codes/{made['id']}/export", headers=staff
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["兑换码", "状态", "使用时间"]
    assert [r[0] for r in rows[1:]] == stored
    assert rows[4][1] == "已使用"
    assert rows[4][2]
    assert {r[1] for r in rows[1:4] + rows[5:]} == {"未使用"}
    assert [r.action for r in await audit_rows(ctx)][-1] == "promotions.codes_export"
    async with ctx.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(CouponCode)) == 2500

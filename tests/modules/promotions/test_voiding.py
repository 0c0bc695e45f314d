"""Staff voiding: one unused coupon (reason and staff kept, audit-logged, shown as void and
refused at checkout), locked and used coupons refused unchanged, and the job voiding every
unused copy of a template. Also the coupon snapshot an order page shows."""

from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.promotions import service
from tests.conftest import snapshot
from tests.modules.orders.factories import pay, product, shopper
from tests.modules.promotions.factories import (
    MY_COUPONS,
    TEMPLATES,
    claimed,
    coupon_row,
    make_template,
    template_row,
)
from tests.modules.promotions.test_checkout_coupons import place
from tests.modules.staff.conftest import audit_rows, bearer, token_for

COUPONS = "/api/v1/console/coupons"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def test_an_unused_coupon_is_voided_and_cannot_be_used(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (12000, 10))
    template = await make_template(client, staff)
    coupon = (await claimed(client, alice, template["id"]))["id"]

    response = await client.post(f"{COUPONS}/{coupon}/void", json={"reason": "误发"}, headers=staff)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["void_reason"], body["voided_by"]) == (
        "void",
        "误发",
        "staff:1",
    )
    row = await coupon_row(ctx, coupon)
    assert (row.state, row.void_reason, row.voided_at is not None) == ("void", "误发", True)
    audit = (await audit_rows(ctx, "promotions.coupon_void"))[-1]
    assert (audit.target, audit.detail) == (f"coupon:{coupon}", {"reason": "误发"})
    expired = (await client.get(f"{MY_COUPONS}?tab=expired", headers=alice.headers)).json()
    assert [(c["id"], c["state"]) for c in expired["items"]] == [(coupon, "void")]
    usable = (await client.get(f"{MY_COUPONS}?tab=usable", headers=alice.headers)).json()
    assert usable["items"] == []

    before = await snapshot(ctx)
    response = await place(client, alice, [(shirt, 1)], coupon)
    assert (response.status_code, response.json()["code"]) == (409, "promotions.coupon_unavailable")
    again = await client.post(f"{COUPONS}/{coupon}/void", json={"reason": "x"}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "promotions.coupon_not_voidable")
    assert await snapshot(ctx) == before


async def test_locked_and_used_coupons_are_not_voidable(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    _, [shirt] = await product(ctx, (12000, 10))
    first = await make_template(client, staff)
    second = await make_template(client, staff, name="满100减10", amount=1000)
    locked = (await claimed(client, alice, first["id"]))["id"]
    used = (await claimed(client, alice, second["id"]))["id"]
    assert (await place(client, alice, [(shirt, 1)], locked)).status_code == 201
    paid = (await place(client, alice, [(shirt, 1)], used)).json()["order_no"]
    await pay(client, ctx, alice, paid)
    assert (await coupon_row(ctx, used)).state == "used"
    viewer = bearer(await token_for(client, ctx, "helpdesk", role="support"))

    before = await snapshot(ctx)
    for coupon, body, status, code in (
        (locked, {"reason": "测试"}, 409, "promotions.coupon_not_voidable"),
        (used, {"reason": "测试"}, 409, "promotions.coupon_not_voidable"),
        (999999, {"reason": "测试"}, 404, "promotions.coupon_not_found"),
        (locked, {"reason": ""}, 422, "request.invalid"),
        (locked, {}, 422, "request.invalid"),
        (locked, {"reason": "x" * 201}, 422, "request.invalid"),
    ):
        response = await client.post(f"{COUPONS}/{coupon}/void", json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    response = await client.post(
        f"{COUPONS}/{locked}/void", json={"reason": "测试"}, headers=viewer
    )
    assert response.status_code == 403
    assert await snapshot(ctx) == before


async def test_stop_and_void_every_unused_copy_as_a_job(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, [shirt] = await product(ctx, (12000, 10))
    template = await make_template(client, staff)
    shoppers = [await shopper(client, f"s{i}") for i in range(4)]
    coupons = [(await claimed(client, s, template["id"]))["id"] for s in shoppers]
    assert (await place(client, shoppers[0], [(shirt, 1)], coupons[0])).status_code == 201

    response = await client.post(
        f"{TEMPLATES}/{template['id']}/void-unused", json={"reason": "活动取消"}, headers=staff
    )

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["status"], job["progress"], job["total"]) == (
        "void_unused",
        "queued",
        0,
        3,
    )
    assert (await template_row(ctx, template["id"])).status == "stopped"
    await service.run_open_jobs(ctx)
    done = (
        await client.get(f"{TEMPLATES}/{template['id']}/jobs/{job['id']}", headers=staff)
    ).json()
    assert (done["status"], done["progress"], done["total"], done["result"]) == (
        "done",
        3,
        3,
        {"voided": 3},
    )
    states = [(await coupon_row(ctx, c)).state for c in coupons]
    assert states == ["locked", "void", "void", "void"]
    assert {(await coupon_row(ctx, c)).void_reason for c in coupons[1:]} == {"活动取消"}
    listed = (await client.get(f"{TEMPLATES}/{template['id']}/jobs", headers=staff)).json()
    assert [j["id"] for j in listed] == [job["id"]]

    before = await snapshot(ctx)
    await service.run_open_jobs(ctx)  # nothing left to do
    draft = await make_template(client, staff, activate=False)
    after_draft = await snapshot(ctx)
    response = await client.post(
        f"{TEMPLATES}/{draft['id']}/void-unused", json={"reason": "x"}, headers=staff
    )
    assert (response.status_code, response.json()["code"]) == (
        409,
        "promotions.template_not_editable",
    )
    response = await client.get(f"{TEMPLATES}/{template['id']}/jobs/999999", headers=staff)
    assert response.json()["code"] == "promotions.job_not_found"
    assert await snapshot(ctx) == after_draft
    assert before != after_draft  # only the draft was added


async def test_order_pages_get_the_coupon_snapshot(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    _, [shirt] = await product(ctx, (12000, 10))
    template = await make_template(client, staff)
    coupon = (await claimed(client, alice, template["id"]))["id"]
    with_coupon = (await place(client, alice, [(shirt, 1)], coupon)).json()["order_no"]
    without = (await place(client, alice, [(shirt, 1)], None)).json()["order_no"]

    mine = await client.get(f"/api/v1/orders/{with_coupon}/coupon", headers=alice.headers)

    assert mine.status_code == 200, mine.text
    assert mine.json() == {
        "coupon_id": coupon,
        "name": "满100减20",
        "kind": "threshold",
        "rule": {
            "template_id": template["id"],
            "name": "满100减20",
            "kind": "threshold",
            "threshold": 10000,
            "amount": 2000,
            "rate_permille": None,
            "scope": "all",
            "scope_ids": [],
            "stackable_with_promotions": True,
        },
        "discount": 2000,
        "shipping_discount": 0,
        "returned": False,
    }
    none = await client.get(f"/api/v1/orders/{without}/coupon", headers=alice.headers)
    assert (none.status_code, none.json()) == (200, None)
    other = await client.get(f"/api/v1/orders/{with_coupon}/coupon", headers=bob.headers)
    assert (other.status_code, other.json()) == (200, None)
    assert (await client.get(f"/api/v1/orders/{with_coupon}/coupon")).status_code == 401
    console = await client.get(f"/api/v1/console/orders/{with_coupon}/coupon", headers=staff)
    assert console.json() == mine.json()

"""Console coupon routes: drafts, edits, activation and stop, validation, issuing to members,
claims, permissions and the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.orders.factories import shopper
from tests.modules.promotions.factories import (
    TEMPLATES,
    claimed,
    later,
    make_template,
    template_body,
)
from tests.modules.staff.conftest import audit_rows, bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def test_a_template_goes_from_draft_to_active_to_stopped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    created = await make_template(client, staff, activate=False)
    assert (created["status"], created["claimed"], created["used"]) == ("draft", 0, 0)
    assert created["created_by"].startswith("staff:")

    response = await client.put(
        f"{TEMPLATES}/{created['id']}", json=template_body(name="满200减30", threshold=20000,
                                                            amount=3000), headers=staff
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["threshold"]) == ("满200减30", 20000)
    response = await client.post(f"{TEMPLATES}/{created['id']}/activate", headers=staff)
    assert response.json()["status"] == "active"

    before = await snapshot(ctx)
    for method, path, body in (
        ("PUT", "", template_body()),
        ("POST", "/activate", None),
    ):
        response = await client.request(
            method, f"{TEMPLATES}/{created['id']}{path}", json=body, headers=staff
        )
        assert (response.status_code, response.json()["code"]) == (
            409,
            "promotions.template_not_editable",
        )
    assert await snapshot(ctx) == before

    response = await client.post(f"{TEMPLATES}/{created['id']}/stop", headers=staff)
    assert response.json()["status"] == "stopped"
    response = await client.post(f"{TEMPLATES}/{created['id']}/stop", headers=staff)
    assert response.status_code == 409
    listed = (await client.get(TEMPLATES, params={"status": "stopped"}, headers=staff)).json()
    assert [t["id"] for t in listed["items"]] == [created["id"]]
    actions = [row.action for row in await audit_rows(ctx)]
    assert [a for a in actions if a.startswith("promotions.")] == [
        "promotions.template_create",
        "promotions.template_update",
        "promotions.template_activate",
        "promotions.template_stop",
    ]


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"amount": 0}, "amount must be"),
        ({"amount": -100}, "amount must be"),
        ({"threshold": -1}, "threshold must be"),
        ({"amount": 20000}, "more than its threshold"),
        ({"threshold": 0}, "threshold above 0"),
        ({"amount": None}, "needs an amount"),
        ({"kind": "discount", "amount": None}, "rate_permille 1..999"),
        ({"kind": "discount", "rate_permille": 1000}, "rate_permille 1..999"),
        ({"kind": "no_threshold", "threshold": 100}, "threshold 0"),
        ({"rate_permille": 800}, "discount coupons only"),
        ({"scope": "products"}, "scope_ids"),
        ({"scope_ids": [1]}, "scope_ids"),
        ({"valid_days": None}, "valid_days"),
        ({"valid_from": later(days=1)}, "valid_days"),
        ({"valid_days": 0}, "valid_days must be"),
        ({"valid_days": None, "valid_from": later(days=2), "valid_to": later(days=1)}, "after"),
        ({"valid_days": None, "valid_from": later(days=-3), "valid_to": later(days=-1)}, "past"),
        ({"valid_days": None, "valid_to": later(days=1)}, "both"),
        ({"total_quota": 0}, "total_quota"),
        ({"total_quota": 10**12}, "total_quota"),
        ({"per_shopper_limit": 0}, "per_shopper_limit"),
        ({"total_quota": 2, "per_shopper_limit": 3}, "per_shopper_limit"),
    ],
)
async def test_invalid_templates_are_400_and_write_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], overrides: Any, why: str
) -> None:
    before = await snapshot(ctx)
    response = await client.post(TEMPLATES, json=template_body(**overrides), headers=staff)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "promotions.invalid_template"
    assert why in response.json()["detail"]
    assert await snapshot(ctx) == before


async def test_malformed_templates_are_422(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    for overrides in (
        {"kind": "bogo"},
        {"amount": 12.5},
        {"amount": "2000"},
        {"name": ""},
        {"scope": "everything"},
        {"valid_from": "tomorrow"},
        {"extra": 1},
    ):
        response = await client.post(TEMPLATES, json=template_body(**overrides), headers=staff)
        assert response.status_code == 422, overrides
    assert await snapshot(ctx) == before


async def test_issue_to_members_reports_issued_and_skipped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    bob = await shopper(client, "bob")
    carol = await shopper(client, "carol")
    template = await make_template(client, staff, total_quota=2, is_claimable=False)

    response = await client.post(
        f"{TEMPLATES}/{template['id']}/issue",
        json={"member_ids": [carol.member_id, alice.member_id, alice.member_id]},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"issued": [alice.member_id, carol.member_id], "skipped": []}
    response = await client.post(
        f"{TEMPLATES}/{template['id']}/issue",
        json={"member_ids": [alice.member_id, bob.member_id]},
        headers=staff,
    )
    assert response.json() == {
        "issued": [],
        "skipped": [
            {"member_id": alice.member_id, "code": "promotions.quota_exhausted"},
            {"member_id": bob.member_id, "code": "promotions.quota_exhausted"},
        ],
    }
    fetched = (await client.get(f"{TEMPLATES}/{template['id']}", headers=staff)).json()
    assert fetched["claimed"] == 2
    claims = (await client.get(f"{TEMPLATES}/{template['id']}/claims", headers=staff)).json()
    assert sorted((c["member_id"], c["source"]) for c in claims["items"]) == sorted(
        [(alice.member_id, "issue"), (carol.member_id, "issue")]
    )
    mine = (await client.get("/api/v1/me/coupons", headers=alice.headers)).json()["items"]
    assert [c["template_id"] for c in mine] == [template["id"]]


async def test_issue_skips_members_at_their_limit(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    bob = await shopper(client, "bob")
    template = await make_template(client, staff, total_quota=10)
    await claimed(client, alice, template["id"])

    response = await client.post(
        f"{TEMPLATES}/{template['id']}/issue",
        json={"member_ids": [alice.member_id, bob.member_id]},
        headers=staff,
    )

    assert response.json() == {
        "issued": [bob.member_id],
        "skipped": [{"member_id": alice.member_id, "code": "promotions.claim_limit_reached"}],
    }
    fetched = (await client.get(f"{TEMPLATES}/{template['id']}", headers=staff)).json()
    assert fetched["claimed"] == 2


async def test_rejected_console_requests_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    draft = await make_template(client, staff, activate=False)
    before = await snapshot(ctx)
    cases: list[tuple[str, str, Any, int, str]] = [
        ("POST", f"{TEMPLATES}/{draft['id']}/issue", {"member_ids": [1]}, 409,
         "promotions.template_not_active"),
        ("POST", f"{TEMPLATES}/{draft['id']}/stop", None, 409, "promotions.template_not_editable"),
        ("GET", f"{TEMPLATES}/999999", None, 404, "promotions.template_not_found"),
        ("PUT", f"{TEMPLATES}/999999", template_body(), 404, "promotions.template_not_found"),
        ("POST", f"{TEMPLATES}/999999/activate", None, 404, "promotions.template_not_found"),
        ("GET", f"{TEMPLATES}/999999/claims", None, 404, "promotions.template_not_found"),
        ("GET", TEMPLATES + "?cursor=tampered", None, 400, "pagination.invalid_cursor"),
        ("POST", f"{TEMPLATES}/{draft['id']}/issue", {"member_ids": []}, 422, "request.invalid"),
    ]  # fmt: skip
    for method, url, body, status, code in cases:
        response = await client.request(method, url, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, code), url
    assert await snapshot(ctx) == before


async def test_support_staff_and_shoppers_may_not_manage_coupons(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    support = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    alice = await shopper(client)
    before = await snapshot(ctx)
    response = await client.post(TEMPLATES, json=template_body(), headers=support)
    assert (response.status_code, response.json()["code"]) == (403, "console.permission_denied")
    response = await client.get(TEMPLATES, headers=alice.headers)
    assert response.status_code == 401
    assert await snapshot(ctx) == before

"""Membership over HTTP: the public tier table, the shopper's card and ledger, and the console's
tier table, settings, member account, adjustments and stats. Every rejected request answers
its problem code and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.staff.models import AuditLog
from tests.conftest import snapshot
from tests.modules.members.conftest import bearer as member_bearer
from tests.modules.members.conftest import wechat_login
from tests.modules.membership.factories import (
    CONSOLE,
    MY_CARD,
    MY_GROWTH,
    TIERS,
    grow,
    member_url,
    tier_body,
)
from tests.modules.staff.conftest import bearer, token_for

BAD_TIERS = "membership.invalid_tiers"
BAD_SETTINGS = "membership.invalid_settings"


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "member-operator"))


async def _member(client: httpx.AsyncClient, name: str = "alice") -> tuple[int, dict[str, str]]:
    tokens = await wechat_login(client, name)
    return int(tokens["member"]["id"]), member_bearer(tokens)


async def _audit_actions(ctx: AppContext) -> list[str]:
    async with ctx.sessionmaker() as s:
        actions = await s.scalars(select(AuditLog.action).order_by(AuditLog.id))
        return [a for a in actions if a.startswith("membership.")]


def _problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


# -- storefront ------------------------------------------------------------------------------


async def test_the_tier_table_is_public(client: httpx.AsyncClient) -> None:
    response = await client.get(TIERS)

    assert response.status_code == 200
    tiers = response.json()
    assert [(t["code"], t["name"], t["threshold"]) for t in tiers] == [
        ("V0", "普通会员", 0),
        ("V1", "白银会员", 500),
        ("V2", "黄金会员", 2000),
        ("V3", "铂金会员", 6000),
        ("V4", "钻石会员", 15000),
    ]
    assert tiers[2]["benefits"] == {
        "discount_permille": 980,
        "free_shipping": True,
        "free_shipping_threshold": 4900,
        "points_multiplier_permille": 1200,
        "birthday_coupon_template_id": None,
        "exclusive_coupon_template_ids": [],
        "priority_service": False,
    }


async def test_the_tier_card(client: httpx.AsyncClient, ctx: AppContext) -> None:
    member_id, headers = await _member(client)
    fresh = (await client.get(MY_CARD, headers=headers)).json()
    assert (fresh["tier"]["code"], fresh["growth"], fresh["next_tier"]["code"]) == ("V0", 0, "V1")
    assert (fresh["growth_to_next"], fresh["progress_permille"]) == (500, 0)
    assert (fresh["tier_since"], fresh["period_end"], fresh["notices"]) == (None, None, [])

    await grow(ctx, member_id, 1250, "card")
    response = await client.get(MY_CARD, headers=headers)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    card = response.json()
    assert (card["tier"]["code"], card["growth"], card["next_tier"]["code"]) == ("V1", 1250, "V2")
    assert (card["growth_to_next"], card["progress_permille"]) == (750, 500)
    assert card["tier_since"] is not None
    assert card["period_end"] is not None

    await grow(ctx, member_id, 20000, "top")
    top = (await client.get(MY_CARD, headers=headers)).json()
    assert (top["tier"]["code"], top["next_tier"], top["growth_to_next"]) == ("V4", None, None)
    assert top["progress_permille"] == 1000


async def test_the_growth_ledger_pages_by_cursor(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    member_id, headers = await _member(client)
    other_id, _ = await _member(client, "bob")
    for i in range(3):
        await grow(ctx, member_id, 10 + i, f"l{i}")
    await grow(ctx, other_id, 99, "other")

    first = (await client.get(MY_GROWTH, params={"limit": 2}, headers=headers)).json()
    second = (
        await client.get(
            MY_GROWTH, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()

    assert [e["amount"] for e in first["items"]] == [12, 11]
    assert [e["amount"] for e in second["items"]] == [10]
    assert second["next_cursor"] is None
    assert first["items"][0]["reason"] == "review"


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        (MY_CARD, {}, 401, "auth.unauthorized"),
        (MY_GROWTH, {}, 401, "auth.unauthorized"),
        (MY_GROWTH, {"cursor": "!!"}, 400, "pagination.invalid_cursor"),
        (MY_GROWTH, {"limit": 0}, 422, "request.invalid"),
        (MY_GROWTH, {"limit": 51}, 422, "request.invalid"),
    ],
)
async def test_storefront_bad_requests(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    url: str,
    params: dict[str, Any],
    status: int,
    code: str,
) -> None:
    _, headers = await _member(client)
    before = await snapshot(ctx)
    response = await client.get(url, params=params, headers=headers if status != 401 else {})
    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


# -- console ---------------------------------------------------------------------------------


async def test_staff_edit_the_tier_table(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    assert len((await client.get(f"{CONSOLE}/tiers", headers=staff)).json()) == 5
    body = tier_body(
        V1={
            "threshold": 800,
            "benefits": {
                "discount_permille": 990,
                "free_shipping": True,
                "free_shipping_threshold": 0,
                "birthday_coupon_template_id": 7,
                "exclusive_coupon_template_ids": [8, 9],
            },
        }
    )

    response = await client.put(f"{CONSOLE}/tiers", json=body, headers=staff)

    assert response.status_code == 200, response.text
    public = (await client.get(TIERS)).json()
    assert public == response.json()
    assert public[1]["threshold"] == 800
    assert public[1]["benefits"]["exclusive_coupon_template_ids"] == [8, 9]
    assert public[3]["benefits"]["discount_permille"] == 960
    assert await _audit_actions(ctx) == ["membership.tiers_update"]
    # Crossing uses the new table.
    assert (await grow(ctx, 77, 799, "t")).level == 0
    assert (await grow(ctx, 77, 1, "u")).level == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (tier_body(V2={"threshold": 500}), 400, BAD_TIERS),
        (tier_body(V0={"threshold": 1}), 400, BAD_TIERS),
        (tier_body(V1={"level": 3}), 400, BAD_TIERS),
        (tier_body(V1={"code": "V0"}), 400, BAD_TIERS),
        (tier_body(V1={"keep_threshold": 9999}), 400, BAD_TIERS),
        (tier_body(V1={"benefits": {"discount_permille": 0}}), 400, BAD_TIERS),
        (
            tier_body(V1={"benefits": {"free_shipping_threshold": 5}}),
            400,
            "membership.invalid_tiers",
        ),
        (tier_body(V1={"threshold": "500"}), 422, "request.invalid"),
        (tier_body(V1={"colour": "silver"}), 422, "request.invalid"),
        (tier_body(V1={"code": "白银"}), 422, "request.invalid"),
        ({"tiers": []}, 422, "request.invalid"),
        ({"tiers": tier_body()["tiers"] * 3}, 422, "request.invalid"),
    ],
)
async def test_bad_tier_tables_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.put(f"{CONSOLE}/tiers", json=body, headers=staff)
    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


async def test_a_tier_members_hold_cannot_be_dropped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await grow(ctx, 5, 6000, "v3")
    before = await snapshot(ctx)

    response = await client.put(
        f"{CONSOLE}/tiers", json={"tiers": tier_body()["tiers"][:3]}, headers=staff
    )

    assert _problem(response) == (409, "membership.tier_in_use")
    assert await snapshot(ctx) == before


async def test_settings(client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]) -> None:
    got = (await client.get(f"{CONSOLE}/settings", headers=staff)).json()
    assert got == {"fen_per_growth": 100, "period_months": 12, "warn_days": 7}
    new = {"fen_per_growth": 200, "period_months": 6, "warn_days": 14}

    response = await client.put(f"{CONSOLE}/settings", json=new, headers=staff)

    assert (response.status_code, response.json()) == (200, new)
    assert (await client.get(f"{CONSOLE}/settings", headers=staff)).json() == new
    assert await _audit_actions(ctx) == ["membership.settings_update"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"fen_per_growth": 0, "period_months": 12, "warn_days": 7},
            400,
            "membership.invalid_settings",
        ),
        (
            {"fen_per_growth": 100, "period_months": 37, "warn_days": 7},
            400,
            "membership.invalid_settings",
        ),
        (
            {"fen_per_growth": 100, "period_months": 12, "warn_days": -1},
            400,
            "membership.invalid_settings",
        ),
        ({"fen_per_growth": 100, "period_months": 12}, 422, "request.invalid"),
        ({"fen_per_growth": 1.5, "period_months": 12, "warn_days": 7}, 422, "request.invalid"),
    ],
)
async def test_bad_settings_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.put(f"{CONSOLE}/settings", json=body, headers=staff)
    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


async def test_a_members_account_and_adjustments(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    member_id, _ = await _member(client)
    empty = (await client.get(member_url(member_id), headers=staff)).json()
    assert (empty["account"]["growth"], empty["account"]["tier"]["code"], empty["growth"]) == (
        0,
        "V0",
        [],
    )
    adjust = f"{member_url(member_id)}/growth/adjust"
    key = {**staff, "Idempotency-Key": "adj-1"}

    response = await client.post(adjust, json={"amount": 600, "note": "补偿"}, headers=key)
    retry = await client.post(adjust, json={"amount": 600, "note": "补偿"}, headers=key)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["account"]["growth"], body["account"]["tier"]["code"]) == (600, "V1")
    assert (body["entry"]["amount"], body["entry"]["reason"], body["entry"]["note"]) == (
        600,
        "adjust",
        "补偿",
    )
    assert retry.json()["entry"] == body["entry"]
    assert retry.json()["account"]["growth"] == 600
    detail = (await client.get(member_url(member_id), headers=staff)).json()
    assert [e["amount"] for e in detail["growth"]] == [600]
    assert detail["account"]["period_end"] is not None
    down = await client.post(adjust, json={"amount": -100, "note": "误发"}, headers=staff)
    assert down.json()["account"]["growth"] == 500
    assert "membership.growth_adjust" in await _audit_actions(ctx)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": -601, "note": "扣减"}, 409, "membership.growth_negative"),
        ({"amount": 0, "note": "零"}, 400, "membership.invalid_growth"),
        ({"amount": 10**9 + 1, "note": "多"}, 400, "membership.invalid_growth"),
        ({"amount": 5}, 422, "request.invalid"),
        ({"amount": 5, "note": ""}, 422, "request.invalid"),
        ({"amount": "5", "note": "x"}, 422, "request.invalid"),
    ],
)
async def test_bad_adjustments_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    member_id, _ = await _member(client)
    await grow(ctx, member_id, 600, "base")
    before = await snapshot(ctx)
    response = await client.post(f"{member_url(member_id)}/growth/adjust", json=body, headers=staff)
    assert _problem(response) == (status, code)
    assert await snapshot(ctx) == before


async def test_unknown_members_are_404(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    before = await snapshot(ctx)
    got = await client.get(member_url(424242), headers=staff)
    adjusted = await client.post(
        f"{member_url(424242)}/growth/adjust", json={"amount": 5, "note": "x"}, headers=staff
    )
    assert _problem(got) == _problem(adjusted) == (404, "membership.member_not_found")
    assert await snapshot(ctx) == before


async def test_members_per_tier(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    await grow(ctx, 1, 10, "a")
    await grow(ctx, 2, 600, "b")
    await grow(ctx, 3, 700, "c")
    await grow(ctx, 4, 16000, "d")

    response = await client.get(f"{CONSOLE}/stats", headers=staff)

    assert response.status_code == 200
    assert response.json() == {
        "tiers": [
            {"level": 0, "code": "V0", "name": "普通会员", "members": 1},
            {"level": 1, "code": "V1", "name": "白银会员", "members": 2},
            {"level": 2, "code": "V2", "name": "黄金会员", "members": 0},
            {"level": 3, "code": "V3", "name": "铂金会员", "members": 0},
            {"level": 4, "code": "V4", "name": "钻石会员", "members": 1},
        ],
        "total": 4,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{CONSOLE}/tiers"),
        ("PUT", f"{CONSOLE}/tiers"),
        ("GET", f"{CONSOLE}/settings"),
        ("PUT", f"{CONSOLE}/settings"),
        ("GET", f"{CONSOLE}/stats"),
        ("GET", member_url(1)),
        ("POST", f"{member_url(1)}/growth/adjust"),
    ],
)
async def test_console_routes_need_the_permission(
    client: httpx.AsyncClient, ctx: AppContext, method: str, path: str
) -> None:
    support = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    before = await snapshot(ctx)
    anonymous = await client.request(method, path)
    forbidden = await client.request(method, path, headers=support)
    assert anonymous.status_code == 401
    assert _problem(forbidden) == (403, "console.permission_denied")
    assert await snapshot(ctx, "membership_tier", "membership_settings") == {
        k: before[k] for k in ("membership_tier", "membership_settings")
    }

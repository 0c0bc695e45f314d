"""Plain async helpers for the distribution tests (no tests here): settings and reviews through
the console API, applications, bindings and withdrawals through the storefront API, direct
reads of the tables."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.social.distribution.models import Commission, Promoter, Withdrawal
from tests.modules.orders.factories import Shopper

SETTINGS = "/api/v1/console/distribution/settings"
ADMIN = "/api/v1/console/distribution"
SHOP = "/api/v1/distribution"
DIST_TABLES = (
    "social_dist_settings",
    "social_dist_rate",
    "social_dist_promoter",
    "social_dist_binding",
    "social_dist_commission",
    "social_dist_adjustment",
    "social_dist_withdrawal",
    "social_dist_withdrawal_event",
    "staff_audit_log",
)


def settings_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "is_enabled": True,
        "become_mode": "apply",
        "auto_after_orders": 1,
        "binding_mode": "first_touch",
        "binding_days": 30,
        "level1_bps": 1000,
        "level2_bps": 500,
        "min_withdrawal": 100,
        "freeze_days": 15,
        "category_rates": [],
        "product_rates": [],
    }
    body.update(overrides)
    return body


async def enable(client: httpx.AsyncClient, staff: dict[str, str], **overrides: Any) -> None:
    response = await client.put(SETTINGS, json=settings_body(**overrides), headers=staff)
    assert response.status_code == 200, response.text


async def make_promoter(client: httpx.AsyncClient, staff: dict[str, str], who: Shopper) -> str:
    """The shopper applies and staff approve: their promoter code."""
    applied = await client.post(f"{SHOP}/apply", headers=who.headers)
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "pending"
    listed = await client.get(f"{ADMIN}/promoters?status=pending", headers=staff)
    [row] = [p for p in listed.json()["items"] if p["member_id"] == who.member_id]
    reviewed = await client.post(
        f"{ADMIN}/promoters/{row['id']}/review", json={"decision": "approve"}, headers=staff
    )
    assert reviewed.status_code == 200, reviewed.text
    me = (await client.get(f"{SHOP}/me", headers=who.headers)).json()
    assert me["status"] == "active"
    code: str = me["code"]
    return code


async def bind(client: httpx.AsyncClient, who: Shopper, code: str) -> httpx.Response:
    return await client.post(f"{SHOP}/bind", json={"promoter_code": code}, headers=who.headers)


async def centre(client: httpx.AsyncClient, who: Shopper) -> dict[str, Any]:
    response = await client.get(f"{SHOP}/me", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def commissions_of(ctx: AppContext, order_no: str) -> list[Commission]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(Commission)
            .where(Commission.order_no == order_no)
            .order_by(Commission.level, Commission.sku_id)
        )
        return list(rows)


async def promoter_row(ctx: AppContext, member_id: int) -> Promoter:
    async with ctx.sessionmaker() as s:
        row = await s.scalar(select(Promoter).where(Promoter.member_id == member_id))
    assert row is not None
    return row


async def withdrawal_rows(ctx: AppContext) -> list[Withdrawal]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(Withdrawal).order_by(Withdrawal.id)))

"""Plain async factories for the invoicing tests (no tests here): a paid order, a shopper's
title, the Nuonuo simulator with its automatic issue turned off, refunds."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.integrations.invoicing.nuonuo_simulator import NuonuoSimulator
from shoplet.integrations.setup import Integrations
from shoplet.modules.invoicing.models import Invoice
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from tests.modules.orders.console_factories import (
    make_sku,
    paid_order,
    shopper_headers,
    simulator,
)

API = "/api/v1"
CONSOLE = "/api/v1/console"
CALLBACK = "/api/v1/invoicing/nuonuo/callback"
ISSUE_JOB = "invoicing.issue_invoices"
# A valid 统一社会信用代码 (GB 32100 check character Q).
COMPANY_TAX_ID = "91110108551385082Q"


def nuonuo(app: FastAPI) -> NuonuoSimulator:
    """The simulator, issuing only when a test says so."""
    integrations: Integrations = app.state.integrations
    assert integrations.nuonuo_simulator is not None
    integrations.nuonuo_simulator.auto_issue = False
    return integrations.nuonuo_simulator


async def order_for(
    app: FastAPI, ctx: AppContext, *, member_id: int = 1001, price: int = 11300, quantity: int = 2
) -> str:
    sku = await make_sku(ctx, title="纯棉圆领T恤", price=price)
    return await paid_order(app, ctx, sku, member_id=member_id, quantity=quantity)


async def company_title(
    client: httpx.AsyncClient, ctx: AppContext, *, member_id: int = 1001, **overrides: Any
) -> dict[str, Any]:
    body = {"kind": "company", "name": "北京示例科技有限公司", "tax_id": COMPANY_TAX_ID}
    body.update(overrides)
    response = await client.post(
        f"{API}/invoice-titles", json=body, headers=shopper_headers(ctx, member_id)
    )
    assert response.status_code == 201, response.text
    title: dict[str, Any] = response.json()
    return title


async def request(
    client: httpx.AsyncClient, ctx: AppContext, order_no: str, title_id: int, member_id: int = 1001
) -> httpx.Response:
    return await client.post(
        f"{API}/orders/{order_no}/invoices",
        json={"title_id": title_id},
        headers=shopper_headers(ctx, member_id),
    )


async def invoices_of(ctx: AppContext, order_no: str) -> list[Invoice]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(Invoice).where(Invoice.order_no == order_no).order_by(Invoice.id)
        )
        return list(rows)


async def refund(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, order_no: str, amount: int
) -> None:
    """The shopper asks for a refund of ``amount``, the shop approves, WeChat pays it back."""
    response = await client.post(
        f"{API}/orders/{order_no}/aftersales",
        json={"kind": "refund_only", "reason": "不想要了", "amount": amount},
        headers=shopper_headers(ctx),
    )
    assert response.status_code == 201, response.text
    async with unit_of_work(ctx.sessionmaker) as s:
        approved = await orders.approve_aftersale(
            s, aftersale_no=response.json()["aftersale_no"], actor="olivia"
        )
    assert approved.refund_no is not None
    await payments.settle(ctx)
    await simulator(app).complete_refund(approved.refund_no)
    await payments.settle(ctx)

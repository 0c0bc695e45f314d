"""The senders of 到货提醒, 降价提醒 and 积分即将过期 against the simulator: an accept on a
product page waits for that SKU or product, a restock (sellable stock from none to some) or a
repricing below the accepted price records one send per waiting shopper, a product name is
shortened to WeChat's 20-character thing by the sender, every event handled twice records one
send, points expiring within 7 days are announced once per member and batch, and on PostgreSQL
two workers handling the same restock message each waiting shopper once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import Event, drain_outbox
from shoplet.core.jobs import run_job
from shoplet.integrations.wechat.login_simulator import openid_for
from shoplet.modules.catalog import public as catalog
from shoplet.modules.catalog.models import Sku
from shoplet.modules.inventory import public as inventory
from shoplet.modules.loyalty.tasks import NOTIFY_EXPIRING_JOB
from shoplet.modules.notification import service, tasks
from shoplet.modules.notification.models import NotificationSend
from tests.conftest import BackendDb, snapshot
from tests.modules.loyalty.factories import grant
from tests.modules.notification.test_sends import sim, staff
from tests.modules.orders.factories import Shopper, product, shopper

TEMPLATES = "/api/v1/console/subscribe-messages/templates"
ANSWERS = "/api/v1/me/subscriptions"
LONG_TITLE = "云南高山古树普洱熟茶七子饼礼盒装三百五十七克（2019年春茶）"
SETUPS: dict[str, tuple[str, dict[str, str]]] = {
    "back_in_stock": ("stock-TMPL", {"thing1": "product_name", "phrase2": "status"}),
    "price_drop": (
        "drop-TMPL",
        {"thing1": "product_name", "amount2": "price", "amount3": "old_price"},
    ),
    "points_expiring": (
        "points-TMPL",
        {"number1": "points", "date2": "expires_at", "number3": "balance"},
    ),
}


async def set_up(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, *events: str
) -> list[str]:
    """The shop's templates for ``events`` in Shoplet and in WeChat: their template ids."""
    headers = await staff(client, ctx)
    return [await _template(app, client, headers, event) for event in events]


async def _template(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], event: str
) -> str:
    template_id, fields = SETUPS[event]
    response = await client.put(
        f"{TEMPLATES}/{event}",
        json={"template_id": template_id, "page": "pages/product/detail", "fields": fields},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    sim(app).add_template(template_id, tuple(fields))
    return template_id


async def accept(
    app: FastAPI,
    client: httpx.AsyncClient,
    ctx: AppContext,
    who: Shopper,
    name: str,
    *,
    template_id: str,
    **subject: int,
) -> dict[str, Any]:
    """The shopper taps 到货提醒 / 降价提醒 and accepts (in Shoplet and in WeChat)."""
    response = await client.post(
        ANSWERS, json={"results": {template_id: "accept"}, **subject}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    sim(app).accept(openid_for(name, ctx.settings.wechat_appid), template_id)
    body: dict[str, Any] = response.json()
    return body


async def sends(ctx: AppContext, event: str) -> list[NotificationSend]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(
            select(NotificationSend)
            .where(NotificationSend.event == event)
            .order_by(NotificationSend.id)
        )
        return list(rows)


async def adjust(ctx: AppContext, sku_id: int, delta: int) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await inventory.adjust_stock(s, sku_id=sku_id, delta=delta, reason="盘点", actor="test")


def restocked(sku_id: int) -> Event:
    return Event(
        id=f"restock-{sku_id}",
        type=inventory.RESTOCKED,
        key=str(sku_id),
        payload={"sku_ids": [sku_id]},
        occurred_at=utcnow(),
    )


def repriced(product_id: int) -> Event:
    return Event(
        id=f"price-{product_id}",
        type=catalog.PRODUCT_CHANGED,
        key=str(product_id),
        payload={"product_id": product_id, "status": "on_sale", "reason": "price"},
        occurred_at=utcnow(),
    )


def values_sent(app: FastAPI) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in body["data"].items()} for body in sim(app).sent]


async def test_a_restock_messages_each_shopper_waiting_for_that_sku_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    [template_id] = await set_up(app, client, ctx, "back_in_stock")
    _, [sold_out, other] = await product(ctx, (5900, 0), (5900, 0), title=LONG_TITLE)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    await accept(app, client, ctx, alice, "alice", template_id=template_id, sku_id=sold_out)
    await accept(app, client, ctx, bob, "bob", template_id=template_id, sku_id=other)
    await accept(
        app, client, ctx, carol, "carol", template_id=template_id
    )  # for no SKU in particular

    await adjust(ctx, sold_out, 5)
    await drain_outbox(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:  # the event delivered again
        await tasks.on_restocked(restocked(sold_out), s)
    [row] = await sends(ctx, "back_in_stock")
    assert (row.member_id, row.ref, row.subject) == (
        alice.member_id,
        f"sku:{sold_out}:1",
        f"sku:{sold_out}",
    )
    await tasks.send_pending(ctx)
    assert [r.status for r in await sends(ctx, "back_in_stock")] == ["sent"]
    [data] = values_sent(app)
    name = data["thing1"]  # shortened by the sender to WeChat's 20 characters
    assert (len(name), name[:19], name[-1], data["phrase2"]) == (20, LONG_TITLE[:19], "…", "已到货")

    # More stock (not from none) and a second sell-out and restock: alice's accept is spent.
    await adjust(ctx, sold_out, 3)
    await adjust(ctx, sold_out, -8)
    await adjust(ctx, sold_out, 2)
    await drain_outbox(ctx)
    await tasks.send_pending(ctx)
    assert len(sim(app).sent) == 1
    # bob's SKU comes back: bob, and only bob.
    await adjust(ctx, other, 1)
    await drain_outbox(ctx)
    await tasks.send_pending(ctx)
    assert [r.member_id for r in await sends(ctx, "back_in_stock")] == [
        alice.member_id,
        bob.member_id,
    ]
    assert [b["touser"] for b in sim(app).sent][-1] == openid_for("bob", ctx.settings.wechat_appid)


async def test_a_price_below_the_accepted_one_messages_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    [template_id] = await set_up(app, client, ctx, "price_drop")
    product_id, [cheap, dear] = await product(ctx, (5900, 5), (6900, 5), title="珐琅铸铁锅")
    alice, bob = [await shopper(client, n) for n in ("alice", "bob")]
    await accept(app, client, ctx, alice, "alice", template_id=template_id, product_id=product_id)

    async def reprice(sku_id: int, price: int) -> None:
        async with unit_of_work(ctx.sessionmaker) as s:
            await s.execute(
                update(Sku)
                .where(Sku.id == sku_id)
                .values(price=price, original_price=max(price, 9900))
            )
        async with unit_of_work(ctx.sessionmaker) as s:
            await tasks.on_product_changed(repriced(product_id), s)

    await reprice(dear, 7500)  # dearer: the lowest price is still 59.00
    assert await sends(ctx, "price_drop") == []
    await reprice(cheap, 4900)
    await reprice(cheap, 4900)  # the same change delivered again
    await accept(
        app, client, ctx, bob, "bob", template_id=template_id, product_id=product_id
    )  # at 49.00
    await reprice(cheap, 4500)  # 45.00: bob's first message, alice's send already recorded
    await tasks.send_pending(ctx)
    rows = await sends(ctx, "price_drop")
    assert [(r.member_id, r.status) for r in rows] == [
        (alice.member_id, "sent"),
        (bob.member_id, "sent"),
    ]
    assert values_sent(app) == [
        {"thing1": "珐琅铸铁锅", "amount2": "¥49.00", "amount3": "¥59.00"},
        {"thing1": "珐琅铸铁锅", "amount2": "¥45.00", "amount3": "¥49.00"},
    ]
    await reprice(cheap, 3900)  # both accepts are spent
    assert len(await sends(ctx, "price_drop")) == 2


async def test_points_expiring_within_a_week_are_announced_once_per_batch(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    [template_id] = await set_up(app, client, ctx, "points_expiring")
    alice, bob = [await shopper(client, n) for n in ("alice", "bob")]
    now = utcnow()
    await grant(ctx, alice.member_id, 120, ref="a1", expires_in=timedelta(days=3), now=now)
    await grant(ctx, alice.member_id, 80, ref="a2", expires_in=timedelta(days=3), now=now)
    await grant(ctx, alice.member_id, 50, ref="a3", expires_in=timedelta(days=6), now=now)
    await grant(ctx, alice.member_id, 999, ref="a4", expires_in=timedelta(days=30), now=now)
    await grant(ctx, bob.member_id, 30, ref="b1", expires_in=timedelta(days=8), now=now)
    for _ in range(2):
        response = await client.post(
            ANSWERS, json={"results": {template_id: "accept"}}, headers=alice.headers
        )
        assert response.status_code == 200
    sim(app).accept(openid_for("alice", ctx.settings.wechat_appid), template_id, times=2)

    await run_job(ctx, NOTIFY_EXPIRING_JOB)
    await run_job(ctx, NOTIFY_EXPIRING_JOB)  # the next run (or another worker): nothing new
    rows = await sends(ctx, "points_expiring")
    assert [(r.member_id, r.values["points"], r.values["balance"]) for r in rows] == [
        (alice.member_id, "200", "1249"),
        (alice.member_id, "50", "1249"),
    ]
    await tasks.send_pending(ctx)
    assert [r.status for r in await sends(ctx, "points_expiring")] == ["sent", "sent"]
    assert [d["number1"] for d in values_sent(app)] == ["200", "50"]


async def test_a_reminder_for_an_unknown_sku_or_product_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    stock_tid, drop_tid = await set_up(app, client, ctx, "back_in_stock", "price_drop")
    alice = await shopper(client, "alice")
    tables = ("notification_credit", "notification_send")
    before = await snapshot(ctx, *tables)
    for template_id, subject in (
        (stock_tid, {"sku_id": 987654}),
        (drop_tid, {"product_id": 987654}),
    ):
        response = await client.post(
            ANSWERS, json={"results": {template_id: "accept"}, **subject}, headers=alice.headers
        )
        assert (response.status_code, response.json()["code"]) == (
            400,
            "notification.subject_unknown",
        )
    bad = await client.post(
        ANSWERS, json={"results": {stock_tid: "accept"}, "sku_id": 0}, headers=alice.headers
    )
    assert bad.status_code == 422
    assert await snapshot(ctx, *tables) == before


async def test_two_workers_on_one_restock_message_each_waiting_shopper_once(
    backend_db: BackendDb, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    [template_id] = await set_up(app, client, ctx, "back_in_stock")
    _, [sku_id] = await product(ctx, (5900, 0))
    names = [f"shopper{i}" for i in range(12)]
    for name in names:
        who = await shopper(client, name)
        await accept(app, client, ctx, who, name, template_id=template_id, sku_id=sku_id)
    start = asyncio.Event()

    async def handle() -> None:
        await start.wait()
        async with unit_of_work(ctx.sessionmaker) as s:
            await tasks.on_restocked(restocked(sku_id), s)

    async def send() -> None:
        await start.wait()
        await tasks.send_pending(ctx)

    runs = [asyncio.create_task(handle()) for _ in range(4)]
    start.set()
    await asyncio.gather(*runs)
    assert len(await sends(ctx, "back_in_stock")) == len(names)
    start.clear()
    runs = [asyncio.create_task(send()) for _ in range(4)]
    start.set()
    await asyncio.gather(*runs)
    touched = sorted(b["touser"] for b in sim(app).sent)
    assert touched == sorted(openid_for(n, ctx.settings.wechat_appid) for n in names)
    assert {r.status for r in await sends(ctx, "back_in_stock")} == {"sent"}
    async with ctx.sessionmaker() as s:
        assert await service.notify_restocked(s, sku_id=sku_id) == 0  # no credit left

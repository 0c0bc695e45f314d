"""物流公司 in the console: the shop's carriers start as ``SHOPLET_LOGISTICS_CARRIERS``; the
first change writes them into fulfillment_carrier; shipping and e-waybills use the table (a
switched-off carrier is refused and nothing changes); bad input is refused and nothing changes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.fulfillment.models import Carrier
from tests.conftest import StatementCounter, snapshot
from tests.modules.fulfillment.factories import kuaidi100, shipped_order
from tests.modules.orders.console_factories import make_sku, paid_order
from tests.modules.staff.conftest import audit_rows, bearer, token_for

API = "/api/v1/console"
DEFAULT = ["shunfeng", "yuantong", "zhongtong", "yunda", "ems"]


async def _rows(ctx: AppContext) -> list[Carrier]:
    async with ctx.sessionmaker() as s:
        return list(await s.scalars(select(Carrier).order_by(Carrier.sort_order)))


async def _olivia(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "olivia", role="operator"))


async def test_a_fresh_shop_lists_the_setting_without_writing_anything(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)

    listed = await client.get(f"{API}/logistics/carriers", headers=headers)

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [c["code"] for c in body["carriers"]] == DEFAULT
    assert body["carriers"][0] == {
        "code": "shunfeng",
        "name": "顺丰速运",
        "is_enabled": True,
        "sort_order": 10,
        "customer_code": None,
        "is_secret_configured": False,
        "tracking_adapter": "kuaidi100",
    }
    assert [c["code"] for c in body["available"]] == [
        "shentong",
        "jtexpress",
        "youzhengguonei",
        "jd",
    ]
    assert await _rows(ctx) == []


async def test_disabling_a_carrier_seeds_the_table_and_refuses_waybills_with_it(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)
    order_no = await paid_order(app, ctx, await make_sku(ctx))

    off = await client.patch(
        f"{API}/logistics/carriers/zhongtong", json={"is_enabled": False}, headers=headers
    )

    assert off.status_code == 200, off.text
    assert off.json()["is_enabled"] is False
    assert [(r.code, r.is_enabled) for r in await _rows(ctx)] == [
        (code, code != "zhongtong") for code in DEFAULT
    ]
    assert len(await audit_rows(ctx, "fulfillment.carrier_update")) == 1
    settings = (await client.get(f"{API}/logistics/settings", headers=headers)).json()
    assert {c["code"]: c["is_enabled"] for c in settings["carriers"]}["zhongtong"] is False

    before = await snapshot(ctx)
    refused = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [order_no], "carrier_code": "zhongtong"},
        headers=headers,
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "fulfillment.carrier_disabled"
    manual = await client.post(
        f"{API}/orders/{order_no}/ship",
        json={"carrier": "中通快递", "tracking_no": "ZT0001"},
        headers=headers,
    )
    assert manual.status_code == 409
    assert manual.json()["code"] == "fulfillment.carrier_disabled"
    assert await snapshot(ctx) == before
    assert kuaidi100(app).labels == {}

    # Back on: it prints again.
    on = await client.patch(
        f"{API}/logistics/carriers/zhongtong", json={"is_enabled": True}, headers=headers
    )
    assert on.status_code == 200
    printed = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [order_no], "carrier_code": "zhongtong"},
        headers=headers,
    )
    assert printed.json()["results"][0]["ok"] is True


async def test_a_known_carrier_not_added_is_refused_for_shipping_an_unknown_one_ships(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)
    sku = await make_sku(ctx)
    first = await paid_order(app, ctx, sku)
    second = await paid_order(app, ctx, sku, member_id=1002)
    before = await snapshot(ctx)

    refused = await client.post(
        f"{API}/orders/{first}/ship",
        json={"carrier": "京东快递", "tracking_no": "JD0001"},
        headers=headers,
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "fulfillment.carrier_unsupported"
    assert await snapshot(ctx) == before
    # A carrier Shoplet does not know ships untracked, as before.
    shipped = await client.post(
        f"{API}/orders/{second}/ship",
        json={"carrier": "德邦物流", "tracking_no": "DB0001"},
        headers=headers,
    )
    assert shipped.status_code == 200, shipped.text


async def test_adding_a_carrier_with_its_account_prints_with_that_account(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)
    order_no = await paid_order(app, ctx, await make_sku(ctx))

    added = await client.post(
        f"{API}/logistics/carriers",
        json={
            "code": "jd",
            "customer_code": "JD010-88",
            "account_secret": "s3cret-pass",  # pragma: allowlist secret
        },
        headers=headers,
    )

    assert added.status_code == 201, added.text
    assert added.json() == {
        "code": "jd",
        "name": "京东快递",
        "is_enabled": True,
        "sort_order": 60,
        "customer_code": "JD010-88",
        "is_secret_configured": True,
        "tracking_adapter": "kuaidi100",
    }
    assert "s3cret-pass" not in added.text
    rows = {r.code: r for r in await _rows(ctx)}
    assert list(rows) == [*DEFAULT, "jd"]
    stored = rows["jd"].account_secret_encrypted
    assert stored is not None
    assert "s3cret-pass" not in stored
    assert ctx.pii.decrypt(stored) == "s3cret-pass"
    (audit,) = await audit_rows(ctx, "fulfillment.carrier_create")
    assert "s3cret-pass" not in str(audit.detail)

    printed = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [order_no], "carrier_code": "jd"},
        headers=headers,
    )
    assert printed.json()["results"][0]["ok"] is True, printed.text
    (label,) = kuaidi100(app).labels.values()
    assert (label.company, label.partner_id) == ("jd", "JD010-88")


async def test_reorder_and_edit(client: httpx.AsyncClient, ctx: AppContext) -> None:
    headers = await _olivia(client, ctx)
    new_order = ["ems", "zhongtong", "shunfeng", "yunda", "yuantong"]

    moved = await client.put(
        f"{API}/logistics/carriers/order", json={"codes": new_order}, headers=headers
    )

    assert moved.status_code == 200, moved.text
    assert [c["code"] for c in moved.json()["carriers"]] == new_order
    assert [r.code for r in await _rows(ctx)] == new_order

    renamed = await client.patch(
        f"{API}/logistics/carriers/ems",
        json={"name": "中国邮政 EMS", "tracking_adapter": "none", "customer_code": "E100"},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["tracking_adapter"]) == ("中国邮政 EMS", "none")
    cleared = await client.patch(
        f"{API}/logistics/carriers/ems", json={"customer_code": ""}, headers=headers
    )
    assert cleared.json()["customer_code"] is None


BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("post", "", {"code": "nosuchcarrier"}, 400, "fulfillment.carrier_unsupported"),
    ("post", "", {"code": "shunfeng"}, 409, "fulfillment.carrier_exists"),
    ("post", "", {"code": "JD"}, 422, "request.invalid"),
    ("post", "", {"code": "jd", "tracking_adapter": "cainiao"}, 422, "request.invalid"),
    ("post", "", {"code": "jd", "customer_code": "含中文"}, 422, "request.invalid"),
    ("patch", "/jd", {"is_enabled": True}, 404, "fulfillment.carrier_not_found"),
    ("patch", "/ems", {"is_enabled": "yes"}, 422, "request.invalid"),
    ("patch", "/ems", {"name": ""}, 422, "request.invalid"),
    ("put", "/order", {"codes": ["ems", "yunda"]}, 400, "fulfillment.carrier_order_invalid"),
    (
        "put",
        "/order",
        {"codes": [*DEFAULT, "ems"]},
        400,
        "fulfillment.carrier_order_invalid",
    ),
    ("put", "/order", {"codes": [*DEFAULT, "jd"]}, 400, "fulfillment.carrier_order_invalid"),
]


async def test_bad_input_is_refused_with_a_stable_code_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)
    # Once with the table still empty (the setting's default), once after a first change.
    for seeded in (False, True):
        if seeded:
            first = await client.patch(
                f"{API}/logistics/carriers/yunda", json={"name": "韵达"}, headers=headers
            )
            assert first.status_code == 200
        before = await snapshot(ctx)
        for method, path, body, status, code in BAD:
            answer = await client.request(
                method, f"{API}/logistics/carriers{path}", json=body, headers=headers
            )
            assert (answer.status_code, answer.json()["code"]) == (status, code), (
                method,
                path,
                body,
                answer.text,
            )
        assert await snapshot(ctx) == before


async def test_support_staff_cannot_edit_carriers(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sam = bearer(await token_for(client, ctx, "sam", role="support"))
    before = await snapshot(ctx)

    listed = await client.get(f"{API}/logistics/carriers", headers=sam)
    refused = await client.patch(
        f"{API}/logistics/carriers/ems", json={"is_enabled": False}, headers=sam
    )

    assert (listed.status_code, refused.status_code) == (403, 403)
    assert await snapshot(ctx) == before


async def test_checking_the_carrier_on_the_hot_path_reads_the_table_once(
    ctx: AppContext, sql_counter: StatementCounter
) -> None:
    from shoplet.modules.fulfillment import public as fulfillment

    async with unit_of_work(ctx.sessionmaker) as s:
        await fulfillment.require_enabled(s, ctx.settings, "shunfeng")
    first = sum("fulfillment_carrier" in q for q in sql_counter.statements)
    sql_counter.reset()
    for _ in range(5):
        async with unit_of_work(ctx.sessionmaker) as s:
            await fulfillment.check_shipping_carrier(s, ctx.settings, "顺丰")

    assert first == 1
    assert sum("fulfillment_carrier" in q for q in sql_counter.statements) == 0


async def test_concurrent_first_changes_seed_the_table_once(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)

    answers = await asyncio.gather(
        *(
            client.patch(
                f"{API}/logistics/carriers/{code}", json={"is_enabled": False}, headers=headers
            )
            for code in DEFAULT * 4
        )
    )

    assert {a.status_code for a in answers} == {200}
    assert [(r.code, r.is_enabled) for r in await _rows(ctx)] == [(code, False) for code in DEFAULT]


async def test_a_carrier_set_to_no_tracking_ships_without_a_subscription(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    headers = await _olivia(client, ctx)
    off = await client.patch(
        f"{API}/logistics/carriers/zhongtong", json={"tracking_adapter": "none"}, headers=headers
    )
    assert off.status_code == 200

    order_no = await shipped_order(app, ctx, carrier="中通快递")

    tracking = await client.get(f"{API}/orders/{order_no}/tracking", headers=headers)
    body = tracking.json()
    assert (body["carrier_code"], body["subscribe_status"]) == ("zhongtong", "unsupported")


async def test_the_shipping_dialogs_list_enabled_carriers_in_order_from_the_cache(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    headers = await _olivia(client, ctx)
    fresh = await client.get(f"{API}/logistics/carriers/enabled", headers=headers)
    assert fresh.status_code == 200, fresh.text
    assert [c["code"] for c in fresh.json()] == DEFAULT
    assert fresh.json()[0] == {"code": "shunfeng", "name": "顺丰速运", "ship_as": "顺丰速运"}
    assert await _rows(ctx) == []

    for code, body in [
        ("zhongtong", {"is_enabled": False}),
        ("ems", {"name": "中国邮政 EMS"}),
    ]:
        changed = await client.patch(f"{API}/logistics/carriers/{code}", json=body, headers=headers)
        assert changed.status_code == 200, changed.text
    added = await client.post(
        f"{API}/logistics/carriers", json={"code": "jd", "is_enabled": False}, headers=headers
    )
    assert added.status_code == 201, added.text
    moved = await client.put(
        f"{API}/logistics/carriers/order",
        json={"codes": ["ems", "jd", "yunda", "zhongtong", "shunfeng", "yuantong"]},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text
    # The changes' invalidations run after their commits: let them land before measuring.
    await ctx.cache.drain()

    listed = await client.get(f"{API}/logistics/carriers/enabled", headers=headers)
    sql_counter.reset()
    again = await client.get(f"{API}/logistics/carriers/enabled", headers=headers)

    # Switched off (zhongtong) or added switched off (jd): not offered; the shop's name is shown
    # and the standard name is what a shipment records, so tracking still finds the carrier.
    assert listed.json() == [
        {"code": "ems", "name": "中国邮政 EMS", "ship_as": "EMS"},
        {"code": "yunda", "name": "韵达快递", "ship_as": "韵达快递"},
        {"code": "shunfeng", "name": "顺丰速运", "ship_as": "顺丰速运"},
        {"code": "yuantong", "name": "圆通速递", "ship_as": "圆通速递"},
    ]
    assert again.json() == listed.json()
    assert sum("fulfillment_carrier" in q for q in sql_counter.statements) == 0


async def test_only_staff_who_ship_read_the_shipping_carriers(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sam = bearer(await token_for(client, ctx, "sam", role="support"))
    olivia = await _olivia(client, ctx)
    before = await snapshot(ctx)

    refused = await client.get(f"{API}/logistics/carriers/enabled", headers=sam)
    anonymous = await client.get(f"{API}/logistics/carriers/enabled")
    allowed = await client.get(f"{API}/logistics/carriers/enabled", headers=olivia)

    assert (refused.status_code, anonymous.status_code, allowed.status_code) == (403, 401, 200)
    assert refused.json()["code"] == "console.permission_denied"
    assert await snapshot(ctx) == before

"""门店价: a store's own price per SKU (set, list, remove, import from CSV/XLSX), shown by a
barcode scanned in that store and charged by its 扫码购 orders, under the promotions that apply;
an online order of the same SKU is charged the online price, and a price outside its window is
ignored. Every refusal is problem+json with a ``stores.*`` code and changes no row."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.orders.models import OrderLine
from shoplet.modules.stores.models import StorePrice
from tests.conftest import StatementCounter, snapshot
from tests.modules.orders.factories import get_order, one_sku, shopper
from tests.modules.promotions.factories import make_promotion
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import (
    CONSOLE,
    Console,
    console,
    make_store,
    place_with,
    set_stock,
)
from tests.modules.stores.test_scan import BARCODE, barcoded_sku, scan

PROBLEM = "application/problem+json"


def prices_url(store_id: int, sku_id: int | None = None) -> str:
    base = f"{CONSOLE}/stores/{store_id}/prices"
    return base if sku_id is None else f"{base}/{sku_id}"


async def put_price(
    client: httpx.AsyncClient, staff: Console, store_id: int, sku_id: int, **body: Any
) -> httpx.Response:
    return await client.put(prices_url(store_id, sku_id), json=body, headers=staff.headers)


async def import_file(
    client: httpx.AsyncClient, staff: Console, store_id: int, name: str, data: bytes
) -> httpx.Response:
    return await client.post(
        f"{prices_url(store_id)}/import",
        files={"file": (name, data, "application/octet-stream")},
        headers=staff.headers,
    )


async def price_rows(ctx: AppContext) -> list[tuple[int, int, int]]:
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(StorePrice).order_by(StorePrice.store_id, StorePrice.sku_id))
        return [(r.store_id, r.sku_id, r.price) for r in rows]


def later(**delta: float) -> str:
    return (utcnow() + timedelta(**delta)).isoformat()


async def test_a_store_sets_lists_and_removes_its_prices(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    first = await one_sku(ctx, price=1290)
    second = await one_sku(ctx, price=5900)
    store_id = await make_store(client, boss)

    set_one = await put_price(client, boss, store_id, first, price=990)
    assert set_one.status_code == 200, set_one.text
    body = set_one.json()
    assert (body["sku_id"], body["price"], body["online_price"], body["is_current"]) == (
        first,
        990,
        1290,
        True,
    )
    ahead = await put_price(
        client, boss, store_id, second, price=4900, starts_at=later(days=1), ends_at=later(days=2)
    )
    assert ahead.status_code == 200, ahead.text
    assert ahead.json()["is_current"] is False
    again = await put_price(client, boss, store_id, first, price=950)  # replaces, one row
    assert again.status_code == 200, again.text
    assert await price_rows(ctx) == [(store_id, first, 950), (store_id, second, 4900)]

    page = await client.get(prices_url(store_id), params={"limit": 1}, headers=boss.headers)
    assert page.status_code == 200, page.text
    assert [i["sku_id"] for i in page.json()["items"]] == [first]
    rest = await client.get(
        prices_url(store_id), params={"cursor": page.json()["next_cursor"]}, headers=boss.headers
    )
    assert [(i["sku_id"], i["price"]) for i in rest.json()["items"]] == [(second, 4900)]
    assert rest.json()["next_cursor"] is None

    removed = await client.delete(prices_url(store_id, first), headers=boss.headers)
    assert removed.status_code == 204, removed.text
    assert await price_rows(ctx) == [(store_id, second, 4900)]
    actions = [r.action for r in await audit_rows(ctx) if r.action.startswith("store.price")]
    assert actions == [
        "store.price_set",
        "store.price_set",
        "store.price_set",
        "store.price_delete",
    ]


async def test_bad_prices_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await one_sku(ctx, price=1290)
    store_id = await make_store(client, boss)
    assert (await put_price(client, boss, store_id, sku, price=990)).status_code == 200
    clerk = await console(client, ctx, "clerk", role="support")
    before = await snapshot(ctx)

    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("put", prices_url(store_id, sku), {"price": 0}, 400, "stores.invalid_price"),
        ("put", prices_url(store_id, sku), {"price": -5}, 400, "stores.invalid_price"),
        (
            "put",
            prices_url(store_id, sku),
            {"price": 900, "starts_at": later(days=2), "ends_at": later(days=1)},
            400,
            "stores.invalid_price_window",
        ),
        ("put", prices_url(store_id, sku + 999), {"price": 900}, 404, "stores.sku_not_found"),
        ("put", prices_url(store_id + 999, sku), {"price": 900}, 404, "stores.not_found"),
        ("delete", prices_url(store_id, sku + 999), {}, 404, "stores.price_not_found"),
        ("delete", prices_url(store_id + 999, sku), {}, 404, "stores.not_found"),
        ("get", prices_url(store_id + 999), {}, 404, "stores.not_found"),
    ]
    for method, url, body, status, code in cases:
        kwargs: dict[str, Any] = {"json": body} if method == "put" else {}
        response = await client.request(method.upper(), url, headers=boss.headers, **kwargs)
        assert response.status_code == status, (url, body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["code"] == code
    naive = await put_price(client, boss, store_id, sku, price=900, starts_at="2030-01-01T00:00")
    assert naive.status_code == 422
    assert naive.headers["content-type"].startswith(PROBLEM)
    assert (await put_price(client, clerk, store_id, sku, price=900)).status_code == 403
    assert await snapshot(ctx) == before


async def test_an_import_sets_every_row_at_once(client: httpx.AsyncClient, ctx: AppContext) -> None:
    boss = await console(client, ctx, "boss")
    by_id = await one_sku(ctx, price=1290)
    by_code = await barcoded_sku(ctx, price=2590)
    store_id = await make_store(client, boss)
    assert (await put_price(client, boss, store_id, by_id, price=1000)).status_code == 200

    text = (
        "sku_id,条码,门店价,开始时间,结束时间\r\n"
        f"{by_id},,9.90,,\r\n"
        f",{BARCODE},¥19.5,2020-01-01,2099-12-31 23:59\r\n"
    )
    done = await import_file(client, boss, store_id, "门店价.csv", text.encode("utf-8-sig"))
    assert done.status_code == 200, done.text
    assert done.json() == {"rows": 2, "created": 1, "updated": 1}
    assert await price_rows(ctx) == [(store_id, by_id, 990), (store_id, by_code, 1950)]
    [audit] = await audit_rows(ctx, "store.price_import")
    assert audit.detail["rows"] == 2

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["SKU ID", "price"])
    sheet.append([by_id, 8.5])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = await import_file(client, boss, store_id, "prices.xlsx", buffer.getvalue())
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.json() == {"rows": 1, "created": 0, "updated": 1}
    assert await price_rows(ctx) == [(store_id, by_id, 850), (store_id, by_code, 1950)]


async def test_an_import_with_a_bad_row_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await one_sku(ctx, price=1290)
    store_id = await make_store(client, boss)
    assert (await put_price(client, boss, store_id, sku, price=1000)).status_code == 200
    before = await snapshot(ctx)

    text = (
        "sku_id,barcode,price,starts_at,ends_at\n"
        f"{sku},,9.90,,\n"  # 2: fine alone
        f"{sku + 999},,9.90,,\n"  # 3
        ",6900000000000,9.90,,\n"  # 4
        f"{sku},,8.00,,\n"  # 5: the SKU again
        f"{sku},,0,,\n"  # 6
        f"{sku},,abc,,\n"  # 7
        ",,9.90,,\n"  # 8
        f"{sku},,9.90,2030-01-02,2030-01-01\n"  # 9
        f"{sku},,9.90,tomorrow,\n"  # 10
        "x1,,9.90,,\n"  # 11
    )
    refused = await import_file(client, boss, store_id, "prices.csv", text.encode())
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["code"] == "stores.price_import_invalid"
    assert [(e["row"], e["code"]) for e in problem["errors"]] == [
        (3, "stores.sku_not_found"),
        (4, "stores.barcode_not_found"),
        (5, "stores.duplicate_sku"),
        (6, "stores.invalid_price"),
        (7, "stores.invalid_price"),
        (8, "stores.missing_sku"),
        (9, "stores.invalid_price_window"),
        (10, "stores.bad_time"),
        (11, "stores.bad_sku_id"),
    ]
    files = [
        ("prices.csv", b"sku,stock\n1,2\n"),  # no price column
        ("prices.csv", b"sku_id,price\n"),  # no rows
        ("prices.pdf", b"%PDF-1.4"),
        ("prices.xlsx", b"PK\x03\x04broken"),
        ("prices.csv", b"a\x00b"),
    ]
    for name, data in files:
        response = await import_file(client, boss, store_id, name, data)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["code"] == "stores.price_file_invalid"
    missing = await import_file(client, boss, store_id + 999, "p.csv", b"sku_id,price\n1,1\n")
    assert missing.status_code == 404
    assert missing.json()["code"] == "stores.not_found"
    assert await snapshot(ctx) == before


async def test_a_scan_shows_the_store_price_while_its_window_holds(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await barcoded_sku(ctx, price=1290)
    store_id = await make_store(client, boss)
    other = await make_store(client, boss, name="陆家嘴店")

    async def scanned(at: int) -> tuple[int, int, bool]:
        body = (await client.get(f"/api/v1/stores/{at}/scan/{BARCODE}")).json()
        return body["price"], body["online_price"], body["is_store_price"]

    assert await scanned(store_id) == (1290, 1290, False)
    assert (await put_price(client, boss, store_id, sku, price=990)).status_code == 200
    assert await scanned(store_id) == (990, 1290, True)
    assert await scanned(other) == (1290, 1290, False)  # another store's price is its own
    for window in (
        {"starts_at": later(hours=1)},  # not yet
        {"ends_at": later(hours=-1), "starts_at": later(days=-2)},  # over
    ):
        assert (
            await put_price(client, boss, store_id, sku, price=990, **window)
        ).status_code == 200
        assert await scanned(store_id) == (1290, 1290, False), window
    open_now = {"starts_at": later(hours=-1), "ends_at": later(hours=1)}
    assert (await put_price(client, boss, store_id, sku, price=990, **open_now)).status_code == 200
    assert await scanned(store_id) == (990, 1290, True)


async def line_of(ctx: AppContext, order_no: str) -> tuple[int, str | None]:
    async with ctx.sessionmaker() as s:
        from shoplet.modules.orders.models import Order

        line = await s.scalar(
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.order_no == order_no)
        )
    assert line is not None
    return line.unit_price, line.price_source


async def test_a_scan_order_is_charged_the_store_price_with_promotions_on_top(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    boss = await console(client, ctx, "boss", role="owner")
    alice = await shopper(client)
    sku = await barcoded_sku(ctx, price=35000)
    cheap = await one_sku(ctx, price=100, stock=10)
    store_id = await make_store(client, boss)
    for item in (sku, cheap):
        assert (await set_stock(client, boss, store_id, item, 3)).status_code == 200
    assert (await put_price(client, boss, store_id, sku, price=30000)).status_code == 200
    await make_promotion(client, boss.headers)  # 满300减30

    sql_counter.reset()
    preview = await client.post(
        "/api/v1/checkout/preview",
        json={
            "items": [{"sku_id": sku, "quantity": 1}, {"sku_id": cheap, "quantity": 2}],
            "delivery": scan(store_id),
        },
        headers=alice.headers,
    )
    assert preview.status_code == 200, preview.text
    price_reads = [q for q in sql_counter.statements if "FROM stores_price" in q]
    assert len(price_reads) == 1, price_reads  # one query for the whole cart
    lines = {line["sku_id"]: line for line in preview.json()["lines"]}
    assert (lines[sku]["unit_price"], lines[sku]["list_price"], lines[sku]["price_label"]) == (
        30000,
        35000,
        "门店价",
    )
    assert (lines[cheap]["unit_price"], lines[cheap]["list_price"]) == (100, None)
    assert preview.json()["items_total"] == 30200
    assert preview.json()["discount_total"] == 3000

    placed = await place_with(client, alice, [(sku, 1)], scan(store_id))
    assert placed.status_code == 201, placed.text
    order = await get_order(client, alice, placed.json()["order_no"])
    assert (order["items_total"], order["discount_total"], order["payable_total"]) == (
        30000,
        3000,
        27000,
    )
    assert order["lines"][0]["unit_price"] == 30000
    assert await line_of(ctx, order["order_no"]) == (30000, f"store:{store_id}")

    # The same SKU online (express): the online price, the same promotion.
    online = await place_with(client, alice, [(sku, 1)], None)
    assert online.status_code == 201, online.text
    express = await get_order(client, alice, online.json()["order_no"])
    assert (express["items_total"], express["discount_total"]) == (35000, 3000)
    assert await line_of(ctx, express["order_no"]) == (35000, None)


async def test_a_scan_order_outside_the_window_pays_the_online_price(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    alice = await shopper(client)
    sku = await barcoded_sku(ctx, price=1290)
    store_id = await make_store(client, boss)
    assert (await set_stock(client, boss, store_id, sku, 3)).status_code == 200
    future = {"starts_at": later(days=1)}
    assert (await put_price(client, boss, store_id, sku, price=990, **future)).status_code == 200

    placed = await place_with(client, alice, [(sku, 1)], scan(store_id))
    assert placed.status_code == 201, placed.text
    assert await line_of(ctx, placed.json()["order_no"]) == (1290, None)

    expired = {"starts_at": later(days=-3), "ends_at": later(seconds=-1)}
    assert (await put_price(client, boss, store_id, sku, price=990, **expired)).status_code == 200
    placed = await place_with(client, alice, [(sku, 1)], scan(store_id))
    assert placed.status_code == 201, placed.text
    assert await line_of(ctx, placed.json()["order_no"]) == (1290, None)

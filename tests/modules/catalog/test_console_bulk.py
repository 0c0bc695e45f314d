"""Console bulk jobs: publish, unpublish, price changes and stock imports, with progress."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.catalog.bulk import BULK_JOB, bulk_step, run_bulk_job
from shoplet.modules.catalog.service import changed_price
from shoplet.modules.catalog.stock_import import MAX_IMPORT_ROWS
from shoplet.modules.inventory import public as inventory
from tests.conftest import snapshot
from tests.modules.catalog.test_console_api import API, make_category, tee_payload
from tests.modules.staff.conftest import audit_rows, bearer, fetch_staff, token_for

BULK = f"{API}/products/bulk-jobs"


async def make_products(
    client: httpx.AsyncClient, token: str, count: int, *, status: str = "on_sale"
) -> list[dict[str, Any]]:
    category_id = await make_category(client, token)
    products = []
    for n in range(count):
        payload = {**tee_payload(category_id, status=status), "title": f"T恤 {n}"}
        for i, sku in enumerate(payload["skus"]):
            sku["barcode"] = f"69{n:02d}00000000{i}"
        response = await client.post(f"{API}/products", json=payload, headers=bearer(token))
        assert response.status_code == 201, response.text
        products.append(response.json())
    return products


async def job_of(client: httpx.AsyncClient, token: str, job_id: int) -> dict[str, Any]:
    response = await client.get(f"{BULK}/{job_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def product_of(client: httpx.AsyncClient, token: str, product_id: int) -> dict[str, Any]:
    response = await client.get(f"{API}/products/{product_id}", headers=bearer(token))
    body: dict[str, Any] = response.json()
    return body


def csv_file(text: str, name: str = "stock.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, text.encode("utf-8-sig"), "text/csv")}


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("price", "mode", "value", "expected"),
    [
        (9900, "set", 5000, 5000),
        (9900, "add", -1000, 8900),
        (500, "add", -1000, 1),  # never below 1 fen
        (9900, "percent", -1000, 8910),  # 10 % off
        (999, "percent", -1500, 849),  # 849.15 -> 849
        (999, "percent", -5000, 500),  # 499.5 -> 500 (half up)
        (1, "percent", -9999, 1),
        (10, "percent", 250, 10),  # 10.25 -> 10
        (10, "percent", 500, 11),  # 10.5 -> 11
    ],
)
def test_price_change_arithmetic(price: int, mode: str, value: int, expected: int) -> None:
    assert changed_price(price, mode, value) == expected


async def test_bulk_unpublish_reports_progress_and_result(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    products = await make_products(client, token, 3)
    ids = [p["id"] for p in products]
    # One is already off sale: it counts as unchanged.
    await client.post(
        f"{API}/products/{ids[2]}/status", json={"status": "off_sale"}, headers=bearer(token)
    )
    shown = await client.get(f"/api/v1/products/{ids[0]}")
    assert shown.status_code == 200

    created = await client.post(
        BULK, json={"action": "unpublish", "product_ids": ids}, headers=bearer(token)
    )
    assert created.status_code == 202, created.text
    job = created.json()
    assert (job["kind"], job["status"], job["progress"], job["total"]) == (
        "unpublish",
        "queued",
        0,
        3,
    )

    assert await bulk_step(ctx, job["id"], batch_size=2) is False
    middle = await job_of(client, token, job["id"])
    assert (middle["status"], middle["progress"], middle["total"]) == ("running", 2, 3)
    assert middle["result"]["changed"] == 2
    assert await bulk_step(ctx, job["id"], batch_size=2) is True
    done = await job_of(client, token, job["id"])
    assert (done["status"], done["progress"]) == ("done", 3)
    assert done["result"] == {"changed": 2, "unchanged": 1, "failed": [], "summary": None}
    assert done["finished_at"] is not None
    for product_id in ids:
        assert (await product_of(client, token, product_id))["status"] == "off_sale"
    # The storefront cache was dropped as for a single edit.
    assert (await client.get(f"/api/v1/products/{ids[0]}")).status_code == 404

    (entry,) = await audit_rows(ctx, "product.bulk")
    assert (entry.staff_id, entry.target) == (operator.id, f"bulk_job:{job['id']}")
    assert entry.detail == {"action": "unpublish", "product_ids": ids, "params": {}}


async def test_bulk_publish_lists_products_that_lost_their_images(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    products = await make_products(client, token, 2, status="draft")
    ids = [p["id"] for p in products]
    job = (
        await client.post(
            BULK, json={"action": "publish", "product_ids": ids}, headers=bearer(token)
        )
    ).json()
    # After the job was checked, one product loses its images.
    await client.patch(f"{API}/products/{ids[1]}", json={"images": []}, headers=bearer(token))
    await run_job(ctx, BULK_JOB)
    done = await job_of(client, token, job["id"])
    assert done["status"] == "done"
    assert done["result"]["changed"] == 1
    assert [(f["product_id"], f["code"]) for f in done["result"]["failed"]] == [
        (ids[1], "catalog.not_publishable")
    ]
    assert (await product_of(client, token, ids[0]))["status"] == "on_sale"
    assert (await product_of(client, token, ids[1]))["status"] == "draft"


async def test_bulk_price_change_rounds_to_fen_and_keeps_one_fen(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    (product,) = await make_products(client, token, 1)
    job = (
        await client.post(
            BULK,
            json={
                "action": "price",
                "product_ids": [product["id"]],
                "price": {"mode": "percent", "value": -1500},
            },
            headers=bearer(token),
        )
    ).json()
    assert job["params"] == {"mode": "percent", "value": -1500}
    await run_bulk_job(ctx, job["id"])
    after = await product_of(client, token, product["id"])
    # 9900 * 0.85 = 8415, 10900 * 0.85 = 9265; original prices stay.
    assert [(s["price"], s["original_price"]) for s in after["skus"]] == [
        (8415, 12900),
        (9265, 12900),
        (8415, 12900),
        (9265, 12900),
    ]
    assert (after["min_price"], after["max_price"]) == (8415, 9265)
    assert (await client.get(f"/api/v1/products/{product['id']}")).json()["price"] == 8415

    down = (
        await client.post(
            BULK,
            json={
                "action": "price",
                "product_ids": [product["id"]],
                "price": {"mode": "add", "value": -1_000_000},
            },
            headers=bearer(token),
        )
    ).json()
    await run_bulk_job(ctx, down["id"])
    assert {s["price"] for s in (await product_of(client, token, product["id"]))["skus"]} == {1}

    up = (
        await client.post(
            BULK,
            json={
                "action": "price",
                "product_ids": [product["id"]],
                "price": {"mode": "set", "value": 20000},
            },
            headers=bearer(token),
        )
    ).json()
    await run_bulk_job(ctx, up["id"])
    # Raised above the original price: the original price follows.
    skus = (await product_of(client, token, product["id"]))["skus"]
    assert {(s["price"], s["original_price"]) for s in skus} == {(20000, 20000)}
    assert (await job_of(client, token, up["id"]))["result"]["changed"] == 1


async def test_price_history_of_the_editor_and_the_bulk_change(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    (product,) = await make_products(client, token, 1)
    history = f"{API}/products/{product['id']}/price-history"
    assert (await client.get(history, headers=bearer(token))).json()["items"] == []
    skus = [
        {
            "id": s["id"],
            "specs": s["specs"],
            "price": s["price"],
            "original_price": s["original_price"],
            "barcode": s["barcode"],
        }
        for s in product["skus"]
    ]
    # The editor: the first SKU 99 → 89 元; the others are sent unchanged.
    skus[0]["price"] = 8900
    patched = await client.patch(
        f"{API}/products/{product['id']}", json={"skus": skus}, headers=bearer(token)
    )
    assert patched.status_code == 200, patched.text
    # A change of the title only writes no price history.
    await client.patch(
        f"{API}/products/{product['id']}", json={"title": "T恤 新款"}, headers=bearer(token)
    )
    job = (
        await client.post(
            BULK,
            json={
                "action": "price",
                "product_ids": [product["id"]],
                "price": {"mode": "add", "value": 100},
            },
            headers=bearer(token),
        )
    ).json()
    await run_bulk_job(ctx, job["id"])
    rows = (await client.get(history, params={"limit": 100}, headers=bearer(token))).json()
    actor = f"staff:{operator.id}"
    changes = [
        (r["sku_id"], r["price_before"], r["price_after"], r["source"], r["actor"])
        for r in rows["items"]
    ]
    ids = [s["id"] for s in product["skus"]]
    assert changes == [
        (ids[3], 10900, 11000, "bulk", actor),
        (ids[2], 9900, 10000, "bulk", actor),
        (ids[1], 10900, 11000, "bulk", actor),
        (ids[0], 8900, 9000, "bulk", actor),
        (ids[0], 9900, 8900, "console", actor),
    ]
    assert {r["original_price_after"] for r in rows["items"]} == {12900}
    # Keyset pages, newest first.
    first = (await client.get(history, params={"limit": 3}, headers=bearer(token))).json()
    rest = (
        await client.get(
            history, params={"limit": 3, "cursor": first["next_cursor"]}, headers=bearer(token)
        )
    ).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == [r["id"] for r in rows["items"]]
    assert rest["next_cursor"] is None
    missing = await client.get(f"{API}/products/999999/price-history", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json()["code"] == "catalog.product_not_found"


async def test_bad_bulk_requests_list_every_bad_product_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    draft, on_sale = await make_products(client, token, 2, status="draft")
    await client.patch(f"{API}/products/{draft['id']}", json={"images": []}, headers=bearer(token))
    before = await snapshot(ctx)
    invalid = "catalog.bulk_input_invalid"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"action": "publish", "product_ids": [draft["id"], 999999, on_sale["id"]]}, 400, invalid),
        ({"action": "price", "product_ids": [on_sale["id"]]}, 400, invalid),
        (
            {
                "action": "price",
                "product_ids": [on_sale["id"]],
                "price": {"mode": "set", "value": 0},
            },
            400,
            invalid,
        ),
        (
            {
                "action": "price",
                "product_ids": [on_sale["id"]],
                "price": {"mode": "percent", "value": -10000},
            },
            400,
            invalid,
        ),
        (
            {
                "action": "price",
                "product_ids": [on_sale["id"]],
                "price": {"mode": "add", "value": 10_000_000_000},
            },
            400,
            invalid,
        ),
        (
            {
                "action": "unpublish",
                "product_ids": [on_sale["id"]],
                "price": {"mode": "set", "value": 1},
            },
            400,
            invalid,
        ),
        ({"action": "delete", "product_ids": [on_sale["id"]]}, 422, "request.invalid"),
        ({"action": "publish", "product_ids": []}, 422, "request.invalid"),
        ({"action": "publish", "product_ids": list(range(1, 502))}, 422, "request.invalid"),
        ({"action": "publish", "product_ids": [0]}, 422, "request.invalid"),
        (
            {"action": "price", "product_ids": [1], "price": {"mode": "percent", "value": 1.5}},
            422,
            "request.invalid",
        ),
    ]
    for body, status, code in cases:
        response = await client.post(BULK, json=body, headers=bearer(token))
        assert response.status_code == status, (body, response.text)
        assert response.json()["code"] == code
    first = await client.post(BULK, json=cases[0][0], headers=bearer(token))
    assert [(e["row"], e["product_id"], e["code"]) for e in first.json()["errors"]] == [
        (1, draft["id"], "catalog.not_publishable"),
        (2, 999999, "catalog.product_not_found"),
    ]
    assert first.json()["error_count"] == 2
    assert await snapshot(ctx) == before


async def test_stock_import_from_csv_and_xlsx_is_ledgered(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    (product,) = await make_products(client, token, 1)
    skus = product["skus"]  # 10, 20, 30, 40 on hand
    text = f"sku_id,stock\n{skus[0]['id']},15\n{skus[1]['id']},20\n,\n"
    created = await client.post(f"{BULK}/stock-import", files=csv_file(text), headers=bearer(token))
    assert created.status_code == 202, created.text
    job = created.json()
    assert (job["kind"], job["total"], job["params"]) == ("stock", 2, {"file": "stock.csv"})
    await run_bulk_job(ctx, job["id"])
    done = await job_of(client, token, job["id"])
    assert (done["status"], done["progress"], done["result"]) == (
        "done",
        2,
        {"changed": 1, "unchanged": 1, "failed": [], "summary": None},
    )
    # XLSX by barcode, with the Chinese headers and numbers as Excel stores them.
    data = xlsx_bytes([["条码", "库存"], [int(skus[2]["barcode"]), 0], [skus[3]["barcode"], 41.0]])
    created = await client.post(
        f"{BULK}/stock-import",
        files={"file": ("库存.xlsx", data, "application/octet-stream")},
        headers=bearer(token),
    )
    assert created.status_code == 202, created.text
    await run_job(ctx, BULK_JOB)
    after = await product_of(client, token, product["id"])
    assert [s["on_hand"] for s in after["skus"]] == [15, 20, 0, 41]
    async with ctx.sessionmaker() as session:
        ledger, _ = await inventory.list_ledger(
            session, sku_id=skus[0]["id"], cursor=None, limit=10
        )
    assert (ledger[0].delta_on_hand, ledger[0].reason) == (5, f"批量导入库存（任务 {job['id']}）")
    assert [e.action for e in await audit_rows(ctx) if e.action == "stock.bulk_import"] == [
        "stock.bulk_import",
        "stock.bulk_import",
    ]


async def test_bad_stock_files_are_refused_with_their_rows_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    (product,) = await make_products(client, token, 1)
    sku = product["skus"][0]["id"]
    async with unit_of_work(ctx.sessionmaker) as session:
        await inventory.reserve(
            session, ref="ORDER1", lines=[(sku, 4)], expires_at=utcnow() + timedelta(hours=1)
        )
    before = await snapshot(ctx)
    invalid, bad_file = "catalog.bulk_input_invalid", "catalog.bulk_file_invalid"
    many = "sku_id,stock\n" + f"{sku},1\n" * (MAX_IMPORT_ROWS + 1)
    cases: list[tuple[dict[str, Any], str, list[tuple[int, str]]]] = [
        (
            csv_file(
                f"sku_id,stock\n{sku},5\n999999,1\n{sku},-1\n{sku},abc\n{sku},1.5\n,3\n{sku},7\n"
            ),
            invalid,
            [
                (3, "catalog.sku_not_found"),
                (4, "bulk.negative_stock"),
                (5, "bulk.bad_number"),
                (6, "bulk.bad_number"),
                (7, "bulk.missing_sku"),
                (8, "bulk.duplicate_sku"),
            ],
        ),
        (csv_file(f"sku_id,stock\n{sku},3\n"), invalid, [(2, "inventory.below_reserved")]),
        (
            csv_file("barcode,stock\n6999999999999,3\n12,1\n"),
            invalid,
            [
                (2, "catalog.barcode_not_found"),
                (3, "bulk.bad_barcode"),
            ],
        ),
        (csv_file(many), "catalog.bulk_too_many_rows", []),
        (csv_file("id,count\n1,2\n"), bad_file, []),
        (csv_file("sku_id,stock\n"), bad_file, []),
        (csv_file(""), bad_file, []),
        ({"file": ("stock.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")}, bad_file, []),
        ({"file": ("stock.csv", b"a\x00b", "text/csv")}, bad_file, []),
        ({"file": ("stock.xlsx", b"PK\x03\x04broken", "application/zip")}, bad_file, []),
        ({"file": ("stock.txt", b"sku_id,stock\n1,1\n", "text/plain")}, bad_file, []),
    ]
    for files, code, rows in cases:
        response = await client.post(f"{BULK}/stock-import", files=files, headers=bearer(token))
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["code"] == code, body
        if rows:
            assert [(e["row"], e["code"]) for e in body["errors"]] == rows
    not_multipart = await client.post(
        f"{BULK}/stock-import", content=b"sku_id,stock", headers=bearer(token)
    )
    assert not_multipart.json()["code"] == bad_file
    assert await snapshot(ctx) == before


async def test_stock_import_is_atomic_when_stock_was_reserved_meanwhile(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    (product,) = await make_products(client, token, 1)
    first, second = product["skus"][0]["id"], product["skus"][1]["id"]
    job = (
        await client.post(
            f"{BULK}/stock-import",
            files=csv_file(f"sku_id,stock\n{first},1\n{second},2\n"),
            headers=bearer(token),
        )
    ).json()
    async with unit_of_work(ctx.sessionmaker) as session:
        await inventory.reserve(
            session, ref="ORDER1", lines=[(second, 5)], expires_at=utcnow() + timedelta(hours=1)
        )
    await run_bulk_job(ctx, job["id"])
    failed = await job_of(client, token, job["id"])
    assert failed["status"] == "failed"
    assert failed["error"].startswith("inventory.below_reserved")
    assert [s["on_hand"] for s in (await product_of(client, token, product["id"]))["skus"]] == [
        10,
        20,
        30,
        40,
    ]


async def test_bulk_permissions_and_visibility(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    other = await token_for(client, ctx, "oscar", role="operator")
    support = await token_for(client, ctx, "sam", role="support")
    owner = await token_for(client, ctx, "owen", role="owner")
    (product,) = await make_products(client, token, 1)
    before = await snapshot(ctx, "catalog_bulk_job", "catalog_product")
    body = {"action": "unpublish", "product_ids": [product["id"]]}
    denied = await client.post(BULK, json=body, headers=bearer(support))
    assert (denied.status_code, denied.json()["code"]) == (403, "console.permission_denied")
    denied = await client.post(
        f"{BULK}/stock-import", files=csv_file("sku_id,stock\n1,1\n"), headers=bearer(support)
    )
    assert denied.status_code == 403
    assert (await client.post(BULK, json=body)).status_code == 401
    assert await snapshot(ctx, "catalog_bulk_job", "catalog_product") == before

    job = (await client.post(BULK, json=body, headers=bearer(token))).json()
    assert (await client.get(f"{BULK}/{job['id']}", headers=bearer(other))).status_code == 404
    assert (await client.get(f"{BULK}/{job['id']}", headers=bearer(owner))).status_code == 200
    missing = await client.get(f"{BULK}/999999", headers=bearer(token))
    assert (missing.status_code, missing.json()["code"]) == (404, "catalog.bulk_job_not_found")
    for _ in range(4):
        assert (await client.post(BULK, json=body, headers=bearer(token))).status_code == 202
    busy = await client.post(BULK, json=body, headers=bearer(token))
    assert (busy.status_code, busy.json()["code"]) == (409, "catalog.bulk_jobs_busy")


async def test_two_jobs_racing_on_the_same_products_both_apply_once(
    client: httpx.AsyncClient, ctx: AppContext, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("row locks and concurrent writers: PostgreSQL")
    token = await token_for(client, ctx, "olivia", role="operator")
    products = await make_products(client, token, 3)
    ids = [p["id"] for p in products]
    body = {"action": "price", "product_ids": ids, "price": {"mode": "add", "value": 100}}
    jobs = [(await client.post(BULK, json=body, headers=bearer(token))).json() for _ in range(2)]
    # Two workers on each job, all at once: every batch is applied exactly once.
    await asyncio.gather(
        *(run_bulk_job(ctx, job["id"], batch_size=1) for job in jobs for _ in range(2))
    )
    for product_id in ids:
        skus = (await product_of(client, token, product_id))["skus"]
        assert [s["price"] for s in skus] == [10100, 11100, 10100, 11100]
    for job in jobs:
        done = await job_of(client, token, job["id"])
        assert (done["status"], done["progress"], done["result"]["changed"]) == ("done", 3, 3)

    sku = products[0]["skus"][0]["id"]
    imports = [
        (
            await client.post(
                f"{BULK}/stock-import",
                files=csv_file(f"sku_id,stock\n{sku},{target}\n"),
                headers=bearer(token),
            )
        ).json()
        for target in (50, 70)
    ]
    await asyncio.gather(*(run_bulk_job(ctx, job["id"]) for job in imports))
    on_hand = (await product_of(client, token, ids[0]))["skus"][0]["on_hand"]
    assert on_hand in (50, 70)
    async with ctx.sessionmaker() as session:
        ledger, _ = await inventory.list_ledger(session, sku_id=sku, cursor=None, limit=10)
    # Each import left exactly its figure: the ledger's deltas add up to what is on hand.
    assert sum(e.delta_on_hand for e in ledger) == on_hand

"""Console product imports: upload, the 400 listing bad rows, the job's progress, the template."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.catalog.bulk import bulk_step
from tests.conftest import snapshot
from tests.modules.catalog.test_console_api import API
from tests.modules.catalog.test_console_bulk import job_of
from tests.modules.staff.conftest import audit_rows, bearer, token_for

IMPORT = f"{API}/products/bulk-jobs/product-import"


def upload(text: str, name: str = "products.csv", **fields: str) -> dict[str, Any]:
    return {"files": {"file": (name, text.encode("utf-8-sig"), "text/csv")}, "data": fields}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"catalog_import_max_bytes": 64 * 1024}


async def test_bad_file_is_refused_with_every_row_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    text = (
        "title,category,price,stock,image\n"
        "好商品,手机,10,1,\n"
        "坏价格,手机,10.001,1,\n"
        "本地图,手机,10,1,photos/a.jpg\n"
        "坏库存,手机,10,x,\n"
    )
    before = await snapshot(ctx)
    response = await client.post(IMPORT, headers=bearer(token), **upload(text))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "catalog.bulk_input_invalid"
    assert body["error_count"] == 3
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "price", "import.bad_price"),
        (4, "image", "import.image_path_not_allowed"),
        (5, "stock", "import.bad_stock"),
    ]
    assert body["errors"][0]["message"].startswith("价格格式不正确")
    assert await snapshot(ctx) == before


async def test_good_file_becomes_a_job_that_progresses_to_done(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    lines = ["title,category,price,stock,spec,sku_code"]
    lines += [f"商品{n:04d},家电/厨房电器,{n + 1}.50,{n % 7},,C-{n}" for n in range(600)]
    lines += ["T恤,服饰,59,1,尺码:M,", "T恤,,59,2,尺码:L,"]
    response = await client.post(IMPORT, headers=bearer(token), **upload("\n".join(lines)))
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["status"], job["progress"], job["total"]) == (
        "import",
        "queued",
        0,
        601,
    )
    assert job["params"] == {"file": "products.csv", "update": 0, "rows": 602}

    assert await bulk_step(ctx, job["id"]) is False
    middle = await job_of(client, token, job["id"])
    assert (middle["status"], middle["progress"]) == ("running", 500)
    assert middle["result"]["summary"]["products_created"] == 500
    assert await bulk_step(ctx, job["id"]) is True
    done = await job_of(client, token, job["id"])
    assert (done["status"], done["progress"]) == ("done", 601)
    summary = done["result"]["summary"]
    assert {k: v for k, v in summary.items() if k != "seconds"} == {
        "products_created": 601,
        "products_updated": 0,
        "drafts": 601,
        "skus_created": 602,
        "skus_updated": 0,
        "skus_skipped": 0,
        "categories_created": 3,
    }
    listed = await client.get(f"{API}/products", params={"q": "商品0599"}, headers=bearer(token))
    (product,) = listed.json()["items"]
    assert [(s["price"], s["sku_code"], s["on_hand"]) for s in product["skus"]] == [
        (60050, "C-599", 599 % 7)
    ]
    (entry,) = await audit_rows(ctx, "product.import")
    assert entry.detail == {"filename": "products.csv", "rows": 602, "update": False}

    # The same file again: every SKU is already there and is skipped.
    again = await client.post(IMPORT, headers=bearer(token), **upload("\n".join(lines)))
    await bulk_step(ctx, again.json()["id"])
    await bulk_step(ctx, again.json()["id"])
    summary = (await job_of(client, token, again.json()["id"]))["result"]["summary"]
    assert (summary["products_created"], summary["skus_skipped"]) == (0, 602)


async def test_template_imports_as_it_is(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    response = await client.get(f"{IMPORT}/template", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["title", "category", "price", "stock"]
    assert len(rows) == 3
    files = {"file": ("template.csv", response.content, "text/csv")}
    created = await client.post(IMPORT, headers=bearer(token), files=files)
    assert created.status_code == 202, created.text
    assert await bulk_step(ctx, created.json()["id"]) is True
    done = await job_of(client, token, created.json()["id"])
    assert done["result"]["summary"]["skus_created"] == 2


async def test_permissions_and_size(client: httpx.AsyncClient, ctx: AppContext) -> None:
    text = "title,category,price,stock\nA,B,1,1\n"
    assert (await client.post(IMPORT, **upload(text))).status_code == 401
    support = await token_for(client, ctx, "sam", role="support")
    before = await snapshot(ctx)
    denied = await client.post(IMPORT, headers=bearer(support), **upload(text))
    assert denied.status_code == 403
    assert await snapshot(ctx) == before
    # Reading the template is for anyone who may read products.
    template = await client.get(f"{IMPORT}/template", headers=bearer(support))
    assert template.status_code == 200

    operator = await token_for(client, ctx, "olivia", role="operator")
    before = await snapshot(ctx)
    large = text + "A,B,1,1\n" * 10_000
    too_large = await client.post(IMPORT, headers=bearer(operator), **upload(large))
    assert too_large.status_code == 413
    assert too_large.json()["code"] == "catalog.import_too_large"
    not_a_table = await client.post(
        IMPORT, headers=bearer(operator), **upload("x", name="products.pdf")
    )
    assert not_a_table.status_code == 400
    assert not_a_table.json()["code"] == "catalog.bulk_file_invalid"
    assert await snapshot(ctx) == before

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.staff.conftest import UA, audit_rows, bearer, fetch_staff, token_for

API = "/api/v1/console"
SPECS_BLACK_M = [{"name": "颜色", "value": "黑"}, {"name": "尺码", "value": "M"}]


async def make_category(client: httpx.AsyncClient, token: str, name: str = "服装") -> int:
    response = await client.post(f"{API}/categories", json={"name": name}, headers=bearer(token))
    assert response.status_code == 201, response.text
    category_id: int = response.json()["id"]
    return category_id


def tee_payload(category_id: int, *, status: str = "draft") -> dict[str, Any]:
    skus = []
    for i, (color, size) in enumerate([("黑", "M"), ("黑", "L"), ("白", "M"), ("白", "L")]):
        skus.append(
            {
                "specs": [{"name": "颜色", "value": color}, {"name": "尺码", "value": size}],
                "price": 9900 + 1000 * (size == "L"),
                "original_price": 12900,
                "barcode": f"690000000000{i}",
                "weight_grams": 200,
                "stock": 10 * (i + 1),
            }
        )
    return {
        "category_id": category_id,
        "title": "纯棉圆领T恤",
        "subtitle": "透气 舒适",
        "images": ["/media/products/tee-1.jpg"],
        "status": status,
        "skus": skus,
    }


async def test_operator_creates_a_2x2_product_and_publishes_it(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    category_id = await make_category(client, token)

    created = await client.post(
        f"{API}/products", json=tee_payload(category_id), headers=bearer(token)
    )

    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["title"], product["status"], product["category_id"]) == (
        "纯棉圆领T恤",
        "draft",
        category_id,
    )
    assert (product["min_price"], product["max_price"]) == (9900, 10900)
    assert [
        ([(s["name"], s["value"]) for s in sku["specs"]], sku["price"], sku["on_hand"])
        for sku in product["skus"]
    ] == [
        ([("颜色", "黑"), ("尺码", "M")], 9900, 10),
        ([("颜色", "黑"), ("尺码", "L")], 10900, 20),
        ([("颜色", "白"), ("尺码", "M")], 9900, 30),
        ([("颜色", "白"), ("尺码", "L")], 10900, 40),
    ]
    product_id = product["id"]
    sku_ids = [s["id"] for s in product["skus"]]

    # Drafts are not in the storefront.
    hidden = await client.get(f"/api/v1/products/{product_id}")
    assert hidden.status_code == 404

    published = await client.post(
        f"{API}/products/{product_id}/status", json={"status": "on_sale"}, headers=bearer(token)
    )
    assert published.status_code == 200
    assert published.json()["status"] == "on_sale"
    assert published.json()["published_at"] is not None

    shown = await client.get(f"/api/v1/products/{product_id}")
    assert shown.status_code == 200
    detail = shown.json()
    assert detail["title"] == "纯棉圆领T恤"
    assert detail["specs"] == [
        {"name": "颜色", "values": ["黑", "白"]},
        {"name": "尺码", "values": ["M", "L"]},
    ]
    assert [(s["id"], s["available"]) for s in detail["skus"]] == list(
        zip(sku_ids, [10, 20, 30, 40], strict=True)
    )

    assert [
        (e.action, e.staff_id, e.target, e.ip, e.user_agent)
        for e in await audit_rows(ctx)
        if e.action.startswith(("product.", "category."))
    ] == [
        ("category.create", operator.id, f"category:{category_id}", "127.0.0.1", UA),
        ("product.create", operator.id, f"product:{product_id}", "127.0.0.1", UA),
        ("product.status", operator.id, f"product:{product_id}", "127.0.0.1", UA),
    ]
    (create_entry,) = await audit_rows(ctx, "product.create")
    assert create_entry.detail == {
        "title": "纯棉圆领T恤",
        "status": "draft",
        "category_id": category_id,
        "sku_ids": sku_ids,
    }
    (status_entry,) = await audit_rows(ctx, "product.status")
    assert status_entry.detail == {"from": "draft", "to": "on_sale"}


async def test_list_get_and_update_products(client: httpx.AsyncClient, ctx: AppContext) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    category_id = await make_category(client, token)
    first = (
        await client.post(f"{API}/products", json=tee_payload(category_id), headers=bearer(token))
    ).json()
    second_payload = {**tee_payload(category_id, status="on_sale"), "title": "羊毛衫"}
    for i, sku in enumerate(second_payload["skus"]):
        sku["barcode"] = f"691000000000{i}"
    second = (
        await client.post(f"{API}/products", json=second_payload, headers=bearer(token))
    ).json()

    listed = (await client.get(f"{API}/products", headers=bearer(token))).json()
    assert [p["id"] for p in listed["items"]] == [second["id"], first["id"]]
    drafts = await client.get(f"{API}/products", params={"status": "draft"}, headers=bearer(token))
    assert [p["id"] for p in drafts.json()["items"]] == [first["id"]]
    found = await client.get(f"{API}/products", params={"q": "羊毛"}, headers=bearer(token))
    assert [p["id"] for p in found.json()["items"]] == [second["id"]]
    page = (await client.get(f"{API}/products", params={"limit": 1}, headers=bearer(token))).json()
    rest = await client.get(
        f"{API}/products", params={"limit": 1, "cursor": page["next_cursor"]}, headers=bearer(token)
    )
    assert [p["id"] for p in rest.json()["items"]] == [first["id"]]

    got = await client.get(f"{API}/products/{first['id']}", headers=bearer(token))
    assert got.json() == first

    patched = await client.patch(
        f"{API}/products/{first['id']}",
        json={"title": "纯棉圆领T恤 2025款", "subtitle": "新款"},
        headers=bearer(token),
    )
    assert patched.status_code == 200
    assert (patched.json()["title"], patched.json()["subtitle"]) == ("纯棉圆领T恤 2025款", "新款")
    (entry,) = await audit_rows(ctx, "product.update")
    assert entry.detail == {
        "fields": ["subtitle", "title"],
        "status": "draft",
        "sku_ids": [s["id"] for s in first["skus"]],
    }

    categories = await client.get(f"{API}/categories", headers=bearer(token))
    assert [(c["id"], c["name"]) for c in categories.json()] == [(category_id, "服装")]


async def test_stock_adjustment_is_ledgered_and_audited(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    category_id = await make_category(client, token)
    product = (
        await client.post(f"{API}/products", json=tee_payload(category_id), headers=bearer(token))
    ).json()
    sku_id = product["skus"][0]["id"]

    added = await client.post(
        f"{API}/skus/{sku_id}/stock-adjustments",
        json={"delta": 5, "reason": "到货 5 件"},
        headers=bearer(token),
    )
    assert added.status_code == 201
    assert added.json() == {"sku_id": sku_id, "on_hand": 15, "reserved": 0, "available": 15}
    removed = await client.post(
        f"{API}/skus/{sku_id}/stock-adjustments",
        json={"delta": -3, "reason": "盘点损耗"},
        headers=bearer(token),
    )
    assert removed.json()["on_hand"] == 12

    ledger = await client.get(f"{API}/skus/{sku_id}/ledger", headers=bearer(token))
    assert ledger.status_code == 200
    entries = ledger.json()["items"]
    assert [(e["kind"], e["delta_on_hand"], e["on_hand_after"], e["reason"]) for e in entries][
        :2
    ] == [("adjust", -3, 12, "盘点损耗"), ("adjust", 5, 15, "到货 5 件")]
    assert {e["actor"] for e in entries[:2]} == {f"staff:{operator.id}"}
    assert entries[-1]["kind"] == "initial"

    first_page = (
        await client.get(f"{API}/skus/{sku_id}/ledger", params={"limit": 1}, headers=bearer(token))
    ).json()
    assert [e["id"] for e in first_page["items"]] == [entries[0]["id"]]
    assert first_page["next_cursor"] is not None

    assert [e.detail for e in await audit_rows(ctx, "stock.adjust")] == [
        {"delta": 5, "reason": "到货 5 件", "on_hand": 15},
        {"delta": -3, "reason": "盘点损耗", "on_hand": 12},
    ]
    shown = (await client.get(f"{API}/products/{product['id']}", headers=bearer(token))).json()
    assert shown["skus"][0]["on_hand"] == 12


async def test_support_can_read_but_not_change_products(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    operator = await token_for(client, ctx, "olivia", role="operator")
    category_id = await make_category(client, operator)
    product = (
        await client.post(
            f"{API}/products", json=tee_payload(category_id), headers=bearer(operator)
        )
    ).json()
    sku_id = product["skus"][0]["id"]
    support = await token_for(client, ctx, "sam", role="support")

    for url in (
        f"{API}/products",
        f"{API}/products/{product['id']}",
        f"{API}/categories",
        f"{API}/skus/{sku_id}/ledger",
    ):
        assert (await client.get(url, headers=bearer(support))).status_code == 200, url

    before = await snapshot(ctx)
    for method, url, body in [
        ("POST", f"{API}/products", tee_payload(category_id)),
        ("PATCH", f"{API}/products/{product['id']}", {"title": "改名"}),
        ("POST", f"{API}/products/{product['id']}/status", {"status": "on_sale"}),
        ("POST", f"{API}/skus/{sku_id}/stock-adjustments", {"delta": 1, "reason": "x"}),
        ("POST", f"{API}/categories", {"name": "新分类"}),
        ("PATCH", f"{API}/categories/{category_id}", {"name": "改名"}),
    ]:
        response = await client.request(method, url, json=body, headers=bearer(support))
        assert response.status_code == 403, url
        assert response.json()["code"] == "console.permission_denied"
    assert await snapshot(ctx) == before


async def test_catalog_routes_need_a_console_token(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    before = await snapshot(ctx)
    for method, url in [
        ("GET", f"{API}/products"),
        ("POST", f"{API}/products"),
        ("GET", f"{API}/products/1"),
        ("POST", f"{API}/skus/1/stock-adjustments"),
        ("GET", f"{API}/skus/1/ledger"),
        ("GET", f"{API}/categories"),
    ]:
        response = await client.request(method, url, json={})
        assert response.status_code == 401, url
        assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda p: p.update(title=""), 422, "request.invalid"),
        (lambda p: p.update(skus=[]), 422, "request.invalid"),
        (lambda p: p["skus"][0].update(price=-1), 422, "request.invalid"),
        (lambda p: p["skus"][0].update(price="99"), 422, "request.invalid"),
        (lambda p: p.update(status="sold_out"), 422, "request.invalid"),
        (lambda p: p.update(category_id=999999), 404, "catalog.category_not_found"),
        (lambda p: p["skus"][1].update(specs=SPECS_BLACK_M), 400, "catalog.invalid_sku_matrix"),
        (lambda p: p["skus"][1].update(barcode="6900000000000"), 409, "catalog.barcode_taken"),
        (lambda p: p.update(status="on_sale", images=[]), 400, "catalog.not_publishable"),
        (lambda p: p["skus"][0].update(original_price=1), 400, "catalog.invalid_original_price"),
    ],
)  # fmt: skip
async def test_bad_products_are_refused_and_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, mutate: Any, status: int, code: str
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    payload = tee_payload(await make_category(client, token))
    mutate(payload)
    before = await snapshot(ctx)
    response = await client.post(f"{API}/products", json=payload, headers=bearer(token))
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def test_bad_stock_adjustments_and_ids_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    product = (
        await client.post(
            f"{API}/products",
            json=tee_payload(await make_category(client, token)),
            headers=bearer(token),
        )
    ).json()
    sku_id = product["skus"][0]["id"]  # 10 on hand
    adjust = f"skus/{sku_id}/stock-adjustments"
    bad = "request.invalid"
    no_stock, no_product = "inventory.stock_not_found", "catalog.product_not_found"
    before = await snapshot(ctx)
    cases: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
        ("POST", adjust, {"delta": 0, "reason": "x"}, 422, bad),
        ("POST", adjust, {"delta": 1, "reason": ""}, 422, bad),
        ("POST", adjust, {"delta": 1, "reason": "x" * 201}, 422, bad),
        ("POST", adjust, {"delta": 1.5, "reason": "x"}, 422, bad),
        ("POST", adjust, {"delta": True, "reason": "x"}, 422, bad),
        ("POST", adjust, {"delta": 1}, 422, bad),
        ("POST", adjust, {"delta": 1, "reason": "   "}, 422, bad),
        ("POST", adjust, {"delta": -11, "reason": "盘点"}, 409, "inventory.negative"),
        ("POST", "skus/999999/stock-adjustments", {"delta": 1, "reason": "x"}, 404, no_stock),
        ("POST", f"skus/{2**63}/stock-adjustments", {"delta": 1, "reason": "x"}, 422, bad),
        ("GET", "products/999999", None, 404, "catalog.product_not_found"),
        ("GET", f"products/{2**63}", None, 422, bad),
        ("PATCH", "products/999999", {"title": "x"}, 404, "catalog.product_not_found"),
        ("PATCH", f"products/{product['id']}", {"price": 1}, 422, bad),
        ("POST", f"products/{product['id']}/status", {"status": "deleted"}, 422, bad),
        ("POST", "products/999999/status", {"status": "off_sale"}, 404, no_product),
        ("GET", "products?status=gone", None, 422, bad),
        ("GET", "products?cursor=!!", None, 400, "pagination.invalid_cursor"),
        ("GET", f"skus/{sku_id}/ledger?cursor=!!", None, 400, "pagination.invalid_cursor"),
        ("PATCH", f"staff/{2**63}", {"role": "support"}, 403, "console.permission_denied"),
    ]  # fmt: skip
    for method, path, body, status, code in cases:
        response = await client.request(method, f"{API}/{path}", json=body, headers=bearer(token))
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["code"] == code, (path, body)
    assert await snapshot(ctx) == before

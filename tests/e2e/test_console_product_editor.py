"""The product editor (rich-text description, 批量设置, save bar, unsaved-changes guard, card
preview) and the product list's bulk actions with their progress, in Chromium."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    _first_media_image,
    assert_accessible,
    context,
    expect_url,
    owner,
    server,
    signed_in_page,
    wait_for,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with test_console.py


def _category_id(server: Server, owner: Staff) -> int:
    tree = server.http.get(f"{API}/console/categories", headers=owner.auth).json()
    top = tree[0]
    return int(top["children"][0]["id"] if top["children"] else top["id"])


def _make_product(server: Server, owner: Staff, title: str, image: str, seq: int) -> dict[str, Any]:
    stamp = int(time.time()) % 10**8
    skus = [
        {
            "specs": [{"name": "颜色", "value": color}],
            "price": 9900,
            "original_price": 12900,
            "barcode": f"68{stamp:08d}{seq}{i}",
            "stock": 5,
        }
        for i, color in enumerate(("黑", "白"))
    ]
    response = server.http.post(
        f"{API}/console/products",
        headers=owner.auth,
        json={
            "category_id": _category_id(server, owner),
            "title": title,
            "images": [image],
            "status": "on_sale",
            "skus": skus,
        },
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def test_owner_formats_the_description_batch_fills_and_saves(
    server: Server, owner: Staff, context: Any
) -> None:
    image = _first_media_image(server)
    product = _make_product(server, owner, f"E2E 富文本商品 {RUN}", image, 1)
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/products/{product['id']}")
    state = page.get_by_test_id("save-state")
    expect(state).to_have_text("所有修改已保存")
    preview = page.get_by_test_id("card-preview")
    expect(preview.get_by_test_id("preview-price")).to_have_text("¥99.00")

    # Description: a heading, then bold text, from the labelled toolbar.
    editor = page.get_by_role("textbox", name="商品描述")
    editor.click()
    toolbar = page.get_by_role("toolbar", name="文字格式")
    toolbar.get_by_role("button", name="大标题").click()
    page.keyboard.type("产品卖点")
    page.keyboard.press("Enter")
    bold = toolbar.get_by_role("button", name="加粗")
    bold.click()
    expect(bold).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("新疆长绒棉")
    bold.click()
    expect(bold).to_have_attribute("aria-pressed", "false")
    page.keyboard.type(" 柔软亲肤")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="无序列表").click()
    page.keyboard.type("不起球")
    expect(state).to_have_text("有未保存的修改")

    # 批量设置: a price for all SKUs, then a barcode series for the ticked one.
    batch = page.get_by_role("group", name="批量设置")
    batch.get_by_label("批量设置售价（元）").fill("88")
    batch.get_by_label("批量设置划线价（元）").fill("119")
    batch.get_by_role("button", name="应用到全部 SKU").click()
    expect(page.get_by_test_id("batch-note")).to_contain_text("已应用到 2 个 SKU")
    expect(preview.get_by_test_id("preview-price")).to_have_text("¥88.00")
    rows = page.get_by_test_id("sku-table").locator("tbody tr")
    rows.first.locator(".el-checkbox").click()
    expect(rows.first.get_by_role("checkbox")).to_be_checked()
    barcode = f"69{int(time.time()) % 10**10:010d}1"
    batch.get_by_label("批量设置条码（起始条码，依次顺延）").fill(barcode)
    batch.get_by_role("button", name="应用到选中 SKU（1）").click()
    expect(page.get_by_label("颜色:黑 条码")).to_have_value(barcode)
    # The ticked SKU stays ticked: the batch changed the rows in place.
    expect(batch.get_by_role("button", name="应用到选中 SKU（1）")).to_be_enabled()
    assert_accessible(page, "console-product-editor")

    # Leaving with unsaved changes asks first; "继续编辑" stays.
    page.get_by_role("button", name="返回列表").click()
    dialog = page.get_by_role("dialog", name="离开此页")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="继续编辑").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith(f"/products/{product['id']}")

    page.get_by_test_id("save-bar").get_by_role("button", name="保存修改").click()
    expect(state).to_have_text("所有修改已保存")
    saved = server.http.get(f"{API}/console/products/{product['id']}", headers=owner.auth).json()
    assert saved["description"] == (
        "<h2>产品卖点</h2><p><strong>新疆长绒棉</strong> 柔软亲肤</p>"
        "<ul><li><p>不起球</p></li></ul>"
    )
    assert [(s["price"], s["original_price"]) for s in saved["skus"]] == [(8800, 11900)] * 2
    assert saved["skus"][0]["barcode"] == barcode
    shown = server.http.get(f"{API}/products/{product['id']}").json()
    assert shown["description"] == saved["description"]

    # Nothing unsaved now: leaving does not ask.
    page.get_by_role("button", name="返回列表").click()
    expect_url(page, r"/console/products$")


def test_owner_bulk_unpublishes_two_products_with_progress(
    server: Server, owner: Staff, context: Any
) -> None:
    image = _first_media_image(server)
    tag = f"批量{RUN}"
    products = [_make_product(server, owner, f"E2E {tag} 商品{n}", image, n + 2) for n in range(2)]
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/products")
    page.get_by_label("搜索商品").fill(tag)
    page.get_by_role("button", name="搜索").click()
    rows = page.get_by_test_id("product-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    bar = page.get_by_test_id("bulk-bar")
    for n in range(2):
        rows.nth(n).locator(".el-checkbox").click()
    expect(bar.get_by_test_id("bulk-count")).to_have_text("已选 2 件商品")
    assert_accessible(page, "console-products-bulk-bar")

    bar.get_by_role("button", name="批量下架").click()
    page.get_by_role("dialog", name="批量下架").get_by_role("button", name="下架").click()
    progress = page.get_by_test_id("bulk-progress")
    expect(progress).to_be_visible()
    expect(progress.get_by_role("progressbar")).to_be_visible()
    expect(progress.get_by_test_id("bulk-status")).to_contain_text("已完成", timeout=30_000)
    expect(progress.get_by_test_id("bulk-summary")).to_contain_text("已修改 2 项")
    assert_accessible(page, "console-products-bulk-progress")
    page.get_by_test_id("bulk-progress-close").click()

    for product in products:
        wait_for(
            lambda p=product: (
                server.http.get(f"{API}/console/products/{p['id']}", headers=owner.auth).json()[
                    "status"
                ]
                == "off_sale"
            ),
            what="the product withdrawn",
        )
    expect(rows.filter(has_text="已下架")).to_have_count(2)

"""Store-wide promotions end to end in Debian's Chromium against a real Shoplet server.

An owner builds a 满减 in the console editor: an empty name and a tier taking off more than its
threshold are named on their field and nothing is saved; the live sample cart prices the draft
as the tiers and the quantity change; the saved draft is published from the list (进行中). The
叠加规则 page saves a change that a reload still shows. A shopper (phone viewport) sees the
promotion's tag on its product page, the 再买¥…可享… hint at checkout below the threshold, then
the promotion's row once the cart reaches it, with 实付 = 商品金额 + 运费 − the saving as the
preview answered it; the order placed carries that saving, and its page in the shop and in the
console names the promotion on a row of its own with that saving. Every page is scanned with axe.

Every promotion here covers only a product the test creates (the other browser tests share the
shop and its checkout totals), and is stopped, the product taken off sale and the policy put
back when the test ends, pass or fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

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
)
from .test_coupons import _check, _yuan, phone

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with the other modules

SHOPPER_CODE = f"test-1393000{int(RUN, 16) % 10000:04d}"
UNIT_PRICE = 20_000  # ¥200: one unit is below 满300, two reach it, three reach 满500
TIERS = [{"threshold": 30_000, "amount": 3_000}, {"threshold": 50_000, "amount": 6_000}]
TIERS_LABEL = "满300减30，满500减60"


@dataclass
class Promoted:
    product: dict[str, Any]
    sku_id: int
    promotion: dict[str, Any]


def _category_id(server: Server, owner: Staff) -> int:
    tree = server.http.get(f"{API}/console/categories", headers=owner.auth).json()
    top = tree[0]
    return int(top["children"][0]["id"] if top["children"] else top["id"])


def _make_product(server: Server, owner: Staff, title: str) -> dict[str, Any]:
    """A product of one ¥200 SKU, on sale: the only product the test's promotions cover."""
    response = server.http.post(
        f"{API}/console/products",
        headers=owner.auth,
        json={
            "category_id": _category_id(server, owner),
            "title": title,
            "images": [_first_media_image(server)],
            "status": "on_sale",
            "skus": [{"price": UNIT_PRICE, "stock": 20}],
        },
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def _take_off_sale(server: Server, owner: Staff, product_id: int) -> None:
    response = server.http.post(
        f"{API}/console/products/{product_id}/status",
        headers=owner.auth,
        json={"status": "off_sale"},
    )
    assert response.status_code == 200, response.text


def _stop_if_running(server: Server, owner: Staff, promotion_id: int) -> None:
    url = f"{API}/console/promotions/{promotion_id}"
    if server.http.get(url, headers=owner.auth).json()["status"] == "active":
        stopped = server.http.post(f"{url}/stop", headers=owner.auth)
        assert stopped.status_code == 200, stopped.text


def _newest_promotions(server: Server, owner: Staff) -> list[dict[str, Any]]:
    listing = server.http.get(
        f"{API}/console/promotions", headers=owner.auth, params={"limit": 100}
    )
    assert listing.status_code == 200, listing.text
    items: list[dict[str, Any]] = listing.json()["items"]
    return items


@pytest.fixture
def promoted(server: Server, owner: Staff) -> Iterator[Promoted]:
    """A running 满300减30，满500减60 on a product of its own (stopped afterwards)."""
    product = _make_product(server, owner, f"E2E 满减商品 {RUN}")
    created = server.http.post(
        f"{API}/console/promotions",
        headers=owner.auth,
        json={
            "name": f"店庆满减 {RUN}",
            "kind": "full_reduction",
            "starts_at": "2020-01-01T00:00:00+08:00",
            "ends_at": "2099-01-01T00:00:00+08:00",
            "scope": "products",
            "scope_ids": [product["id"]],
            "tiers": TIERS,
        },
    )
    assert created.status_code == 201, created.text
    promotion = created.json()
    try:
        activated = server.http.post(
            f"{API}/console/promotions/{promotion['id']}/activate", headers=owner.auth
        )
        assert activated.status_code == 200, activated.text
        yield Promoted(product, int(product["skus"][0]["id"]), activated.json())
    finally:
        _stop_if_running(server, owner, promotion["id"])
        _take_off_sale(server, owner, product["id"])


def _signed_in_shopper(server: Server, phone: Any, sku_id: int) -> dict[str, str]:
    """The shopper (a default address, one unit of ``sku_id`` in the cart) signed in on the
    phone; their API headers."""
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王满减",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "region_code": "440305",
            "detail": "科技园科苑路 15 号 3 栋 101",
            "is_default": True,
        },
    )
    assert address.status_code == 201, address.text
    line = server.http.post(
        f"{API}/cart/lines", headers=auth, json={"sku_id": sku_id, "quantity": 1}
    )
    assert line.status_code in (200, 201), line.text
    write_shopper_session(phone, tokens)
    return auth


def _is_preview(response: Any) -> bool:
    return bool(
        response.url.endswith("/api/v1/checkout/preview") and response.request.method == "POST"
    )


def test_staff_build_a_full_reduction_in_the_editor_and_publish_it(
    server: Server, owner: Staff, context: Any
) -> None:
    product = _make_product(server, owner, f"E2E 编辑器满减 {RUN}")
    sku_id = product["skus"][0]["id"]
    name = f"满减编辑器 {RUN}"
    before = _newest_promotions(server, owner)
    created: list[int] = []
    try:
        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/promotions")
        expect(page.get_by_role("heading", name="促销活动", exact=True)).to_be_visible()
        page.get_by_test_id("new-promotion").click()
        expect_url(page, r"/console/promotions/new$")
        expect(page.get_by_role("heading", name="新建促销活动")).to_be_visible()
        save = page.get_by_test_id("promotion-save")

        # Mistakes are named on their field before any request: no name, then a tier that
        # takes off more than its threshold.
        posted: list[str] = []
        page.on(
            "request",
            lambda r: (
                posted.append(r.url)
                if r.method == "POST" and r.url.endswith("/api/v1/console/promotions")
                else None
            ),
        )
        save.click()
        expect(page.get_by_text("请填写活动名称（最多 60 字）")).to_be_visible()
        page.get_by_role("textbox", name="活动名称").fill(name)
        # The chosen option's text lets a click through to the select, and each control has
        # its own label.
        page.get_by_role("combobox", name="适用范围").click()
        page.get_by_role("option", name="指定商品").click()
        page.get_by_role("textbox", name="商品 ID").fill(str(product["id"]))
        page.get_by_role("textbox", name="第 1 档门槛（元）").fill("300")
        page.get_by_role("textbox", name="第 1 档减额（元）").fill("400")
        save.click()
        expect(page.get_by_text("减额不能超过门槛")).to_be_visible()
        expect(page.get_by_text("请填写活动名称（最多 60 字）")).to_be_hidden()
        assert posted == []
        # Each error goes as its own field is edited, not at the next save.
        page.get_by_role("textbox", name="第 1 档门槛（元）").fill("500")
        expect(page.get_by_text("减额不能超过门槛")).to_be_hidden()
        page.get_by_role("textbox", name="第 1 档门槛（元）").fill("300")
        save.click()
        expect(page.get_by_text("减额不能超过门槛")).to_be_visible()
        assert posted == []
        assert _newest_promotions(server, owner) == before

        # The live preview: the draft on a sample cart of the product, as tiers and quantity
        # change (2 units reach 满300, 3 reach 满500).
        page.get_by_role("textbox", name="第 1 档减额（元）").fill("30")
        page.get_by_role("button", name="添加一档").click()
        page.get_by_role("textbox", name="第 2 档门槛（元）").fill("500")
        page.get_by_role("textbox", name="第 2 档减额（元）").fill("60")
        page.get_by_role("spinbutton", name="示例第 1 行 SKU ID").fill(str(sku_id))
        quantity = page.get_by_role("spinbutton", name="示例第 1 行数量")
        quantity.fill("2")
        quantity.press("Tab")
        preview = page.get_by_test_id("promotion-preview")
        expect(preview).to_contain_text("商品金额 ¥400.00")
        expect(preview).to_contain_text(f"{name}（{TIERS_LABEL}）−¥30.00")
        expect(preview).to_contain_text("共优惠 ¥30.00")
        expect(preview).to_contain_text("再买¥100可享满500减60")
        quantity.fill("3")
        quantity.press("Tab")
        expect(preview).to_contain_text(f"{name}（{TIERS_LABEL}）−¥60.00")
        expect(preview).to_contain_text("共优惠 ¥60.00")
        expect(preview).not_to_contain_text("再买")
        assert_accessible(page, "console-promotion-editor")

        # Saved as a draft; the list publishes it and shows it running.
        save.click()
        expect_url(page, r"/console/promotions/\d+$")
        created.append(int(page.url.rsplit("/", 1)[1]))
        expect(page.get_by_role("heading", name="促销活动详情")).to_be_visible()
        expect(page.locator(".page-header .el-tag")).to_have_text("草稿")
        stored = server.http.get(
            f"{API}/console/promotions/{created[0]}", headers=owner.auth
        ).json()
        assert (stored["status"], stored["scope"], stored["scope_ids"]) == (
            "draft",
            "products",
            [product["id"]],
        )
        assert stored["tiers"] == TIERS
        assert stored["label"] == TIERS_LABEL

        page.goto(f"{CONSOLE}/promotions")
        row = page.get_by_test_id("promotion-table").locator("tr").filter(has_text=name)
        expect(row).to_contain_text(TIERS_LABEL)
        expect(row).to_contain_text("草稿")
        row.get_by_role("button", name=f"发布 {name}").click()
        page.get_by_role("dialog").get_by_role("button", name="确定").click()
        expect(row).to_contain_text("进行中")
        expect(row.get_by_role("button", name=f"停止 {name}")).to_be_visible()
        assert (
            server.http.get(f"{API}/console/promotions/{created[0]}", headers=owner.auth).json()[
                "status"
            ]
            == "active"
        )
        page.get_by_role("tab", name="进行中").click()
        expect(
            page.get_by_test_id("promotion-table").locator("tr").filter(has_text=name)
        ).to_be_visible()
        assert_accessible(page, "console-promotions")
    finally:
        for promotion_id in created:
            _stop_if_running(server, owner, promotion_id)
        _take_off_sale(server, owner, product["id"])


def test_the_stacking_policy_page_saves_a_change_that_a_reload_shows(
    server: Server, owner: Staff, context: Any
) -> None:
    policy_url = f"{API}/console/promotions/policy"
    original = server.http.get(policy_url, headers=owner.auth).json()
    try:
        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/promotions")
        page.get_by_test_id("promotion-policy").click()
        expect_url(page, r"/console/promotions/policy$")
        expect(page.get_by_role("heading", name="叠加规则", exact=True)).to_be_visible()
        combine = page.get_by_role("switch", name="订单级活动之间叠加")
        expect(combine).to_have_attribute(
            "aria-checked", str(original["combine_order_level"]).lower()
        )
        cap = page.get_by_role("textbox", name="每单最高优惠比例")
        assert_accessible(page, "console-promotion-policy")

        # A cap above 100% is named and not sent.
        cap.fill("150")
        page.get_by_test_id("policy-save").click()
        expect(page.get_by_text("最高优惠比例为 0.1–100（%），留空即不限")).to_be_visible()
        assert server.http.get(policy_url, headers=owner.auth).json() == original

        page.get_by_test_id("policy-combine").click()
        cap.fill("35")
        with page.expect_response(
            lambda r: r.url.endswith("/promotions/policy") and r.request.method == "PUT"
        ) as answered:
            page.get_by_test_id("policy-save").click()
        assert answered.value.status == 200
        expect(page.get_by_text("已保存")).to_be_visible()
        saved = server.http.get(policy_url, headers=owner.auth).json()
        assert saved["combine_order_level"] is not original["combine_order_level"]
        assert saved["max_discount_permille"] == 350
        assert saved["sku_discount_stacks"] is original["sku_discount_stacks"]

        page.reload()
        expect(page.get_by_role("switch", name="订单级活动之间叠加")).to_have_attribute(
            "aria-checked", str(not original["combine_order_level"]).lower()
        )
        expect(page.get_by_role("textbox", name="每单最高优惠比例")).to_have_value("35")
    finally:
        # The policy applies to every checkout of the shared shop: put it back.
        restored = server.http.put(
            policy_url,
            headers=owner.auth,
            json={
                k: original[k]
                for k in ("sku_discount_stacks", "combine_order_level", "max_discount_permille")
            },
        )
        assert restored.status_code == 200, restored.text


def test_the_product_page_tags_a_product_the_promotion_covers(
    server: Server, owner: Staff, promoted: Promoted, phone: Any
) -> None:
    tags = server.http.get(
        f"{API}/promotions/active", params={"product_id": promoted.product["id"]}
    ).json()
    assert [t["label"] for t in tags] == [TIERS_LABEL]

    phone.goto(page_url("product", id=promoted.product["id"]))
    listing = phone.get_by_role("list", name="促销活动")
    expect(listing.get_by_role("listitem")).to_have_text([TIERS_LABEL])
    _check(phone, "product-promotion")

    # A product it does not cover has no tag row.
    other = _make_product(server, owner, f"E2E 无活动商品 {RUN}")
    try:
        with phone.expect_response(
            lambda r: "/api/v1/promotions/active" in r.url and f"={other['id']}" in r.url
        ) as answered:
            phone.goto(page_url("product", id=other["id"]))
        assert answered.value.json() == []
        # The page's own title (the H5 navigation bar repeats it).
        phone.locator(".pd__title").filter(has_text=f"E2E 无活动商品 {RUN}").wait_for()
        expect(phone.get_by_role("list", name="促销活动")).to_have_count(0)
    finally:
        _take_off_sale(server, owner, other["id"])


def test_checkout_hints_then_applies_the_promotion_and_the_order_keeps_it(
    server: Server, owner: Staff, promoted: Promoted, phone: Any, context: Any
) -> None:
    auth = _signed_in_shopper(server, phone, promoted.sku_id)
    title = promoted.product["title"]

    # One unit (¥200): below 满300, the nearest tier as a hint, no promotion row.
    with phone.expect_response(_is_preview) as answered:
        phone.goto(page_url("checkout"))
    below = answered.value.json()
    assert below["promotions"] == []
    assert len(below["hints"]) == 1
    assert re.fullmatch(r"再买¥\d+(\.\d+)?可享满\d+(\.\d+)?减\d+(\.\d+)?", below["hints"][0])
    breakdown = phone.get_by_role("group", name="价格明细")
    expect(breakdown.get_by_role("note")).to_have_text(below["hints"])
    expect(phone.get_by_test_id("promotion-row")).to_have_count(0)
    expect(phone.locator(".co__bar .co__payable")).to_have_text(_yuan(below["payable_total"]))

    # The cart: two more units (¥600) reach 满500.
    phone.goto(page_url("cart"))
    more = phone.get_by_role("button", name=f"增加{title} 数量")
    for quantity in (2, 3):
        with phone.expect_response(
            lambda r: (
                f"/api/v1/cart/lines/{promoted.sku_id}" in r.url
                and r.request.method in ("PATCH", "PUT")
            )
        ) as changed:
            more.click()
        assert changed.value.ok, changed.value.text()
        expect(phone.get_by_role("group", name=f"{title} 数量")).to_contain_text(str(quantity))
    with phone.expect_response(_is_preview) as answered:
        phone.get_by_role("button", name="结算(3)").click()
    preview = answered.value.json()
    assert [(p["id"], p["label"]) for p in preview["promotions"]] == [
        (promoted.promotion["id"], TIERS_LABEL)
    ]
    saving = preview["promotions"][0]["saving"]
    assert saving > 0
    assert preview["hints"] == []
    assert preview["coupon"] is None
    assert preview["member"] is None
    assert preview["discount_total"] == saving
    assert preview["payable_total"] == preview["items_total"] + preview["shipping_fee"] - saving
    row = phone.get_by_test_id("promotion-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(TIERS_LABEL)
    expect(row).to_contain_text(f"-{_yuan(saving)}")
    expect(breakdown.get_by_role("note")).to_have_count(0)
    expect(phone.locator(".co__bar .co__payable")).to_have_text(_yuan(preview["payable_total"]))
    _check(phone, "checkout-promotion")

    # The order is placed with that saving; its page shows it.
    phone.get_by_role("button", name="提交订单").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index\?order_no="))
    order_no = phone.url.split("order_no=")[1].split("&")[0]
    order = server.http.get(f"{API}/orders/{order_no}", headers=auth).json()
    assert (order["discount_total"], order["payable_total"]) == (
        saving,
        preview["payable_total"],
    )
    applied = server.http.get(f"{API}/orders/{order_no}/promotions", headers=auth).json()
    assert [(p["promotion_id"], p["kind"], p["label"], p["saving"]) for p in applied] == [
        (promoted.promotion["id"], "full_reduction", TIERS_LABEL, saving)
    ]
    with phone.expect_response(lambda r: r.url.endswith(f"/orders/{order_no}/promotions")):
        phone.goto(page_url("order", order_no=order_no))
    # The page names the promotion on a row of its own under 优惠 (the whole saving), and 实付
    # is what checkout showed.
    amounts = phone.get_by_role("group", name="金额")
    amounts.wait_for()
    row = amounts.get_by_test_id("order-promotion")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"满减 · {promoted.promotion['name']}（{TIERS_LABEL}）")
    expect(row).to_contain_text(f"-{_yuan(saving)}")
    expect(amounts.get_by_text(_yuan(preview["payable_total"]), exact=True)).to_be_visible()
    _check(phone, "order-promotion")

    # The console's order page shows the same row, with its share of each line.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/orders/{order_no}")
    console_row = page.get_by_test_id("order-promotion")
    expect(console_row).to_have_count(1)
    expect(console_row).to_contain_text(f"满减 · {promoted.promotion['name']}（{TIERS_LABEL}）")
    expect(console_row).to_contain_text(f"-{_yuan(saving)}")
    assert_accessible(page, "console-order-promotion")

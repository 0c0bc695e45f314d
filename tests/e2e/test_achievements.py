"""Achievements and the mascot end to end in Debian's Chromium against a real Shoplet server: the
console's 成就 lists the built-ins with their unlock counts and edits one through its dialog;
品牌形象 changes the empty-cart message with a live preview, and a new shopper's empty cart then
shows the mascot saying it. A shopper's first paid order unlocks 首单: the payment result page
celebrates it once (not again on 我的), 我的 and 会员中心 show the badge, 我的成就 lists it with
its date (locked ones with progress) and 晒一晒 draws the share card. Every page is scanned with
axe and the keyboard audit, and photographed."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

from .conftest import wait_for_js
from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
)
from .test_coupons import _check, phone
from .test_promotions import _make_product

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

BUYER_CODE = f"test-1393000{int(RUN, 16) % 10000:04d}"
BROWSER_CODE = f"test-1393100{int(RUN, 16) % 10000:04d}"
CART_MESSAGE = f"购物车还空着呢 {RUN}"
# No finite animation running (the dialog's opening fade is over).
SETTLED = (
    "() => document.getAnimations().every(a => a.playState !== 'running'"
    " || a.effect.getComputedTiming().iterations === Infinity)"
)


def _shopper(server: Server, code: str) -> tuple[dict[str, Any], dict[str, str], int]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": code}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王成就",
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
    return tokens, auth, int(address.json()["id"])


def _paid_order(server: Server, owner: Staff, auth: dict[str, str], address_id: int) -> str:
    product = _make_product(server, owner, f"E2E 成就商品 {RUN}")
    sku_id = int(product["skus"][0]["id"])
    placed = server.http.post(
        f"{API}/orders",
        headers={**auth, "Idempotency-Key": f"ach-{uuid.uuid4()}"},
        json={"address_id": address_id, "items": [{"sku_id": sku_id, "quantity": 1}]},
    )
    assert placed.status_code == 201, placed.text
    order_no = str(placed.json()["order_no"])
    started = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_jsapi"}
    )
    assert started.status_code == 200, started.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": started.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text
    return order_no


def test_console_edits_a_definition_and_the_mascot_the_empty_cart_shows_it(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/loyalty/achievements")
    expect(page.get_by_role("heading", name="成就", exact=True)).to_be_visible()
    table = page.get_by_test_id("achievement-table")
    expect(table).to_contain_text("首单")
    expect(table).to_contain_text("连续签到天数 ≥ 7")
    assert_accessible(page, "console-achievements")

    page.get_by_test_id("edit-first_review").click()
    dialog = page.get_by_role("dialog", name="编辑成就")
    expect(dialog).to_be_visible()
    dialog.get_by_label("名称", exact=True).fill(f"初评 {RUN}")
    dialog.get_by_label("奖励积分").fill("30")
    # Scan once the dialog's opening animation is over (a fading dialog has too little contrast).
    wait_for_js(page, SETTLED)
    assert_accessible(page, "console-achievement-edit")
    dialog.get_by_test_id("achievement-save").click()
    expect(dialog).to_be_hidden()
    expect(table).to_contain_text(f"初评 {RUN}")
    listed = server.http.get(f"{API}/console/achievements", headers=owner.auth).json()
    edited = next(d for d in listed if d["code"] == "first_review")
    assert (edited["name"], edited["points"]) == (f"初评 {RUN}", 30)

    page.goto(f"{CONSOLE}/content/mascot")
    expect(page.get_by_role("heading", name="品牌形象", exact=True)).to_be_visible()
    field = page.get_by_label("购物车为空台词")
    expect(field).not_to_have_value("")  # loaded: the current message (or the default)
    field.fill(CART_MESSAGE)
    field.focus()
    expect(page.get_by_test_id("mascot-preview-text")).to_have_text(CART_MESSAGE)
    expect(page.get_by_test_id("mascot-preview-figure")).to_have_attribute(
        "src", re.compile(r"/api/v1/mascot/figures/cat-[0-9A-F]{6}\.svg")
    )
    page.get_by_test_id("mascot-save").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    assert_accessible(page, "console-mascot")
    assert server.http.get(f"{API}/mascot").json()["messages"]["empty_cart"] == CART_MESSAGE

    tokens, _, _ = _shopper(server, BROWSER_CODE)
    write_shopper_session(phone, tokens)
    phone.goto(page_url("cart"))
    expect(phone.get_by_test_id("mascot-message")).to_have_text(CART_MESSAGE)
    expect(phone.get_by_text("购物车还是空的")).to_be_visible()
    _check(phone, "cart-empty-mascot")


def test_a_first_paid_order_unlocks_the_first_order_badge_and_celebrates_once(
    server: Server, owner: Staff, phone: Any
) -> None:
    # Built-ins reward nothing until the merchant says so: 首单 gives 50 points here.
    listed = server.http.get(f"{API}/console/achievements", headers=owner.auth).json()
    first = next(d for d in listed if d["code"] == "first_order")
    keys = ("code", "name", "description", "rule_kind", "threshold", "badge_icon")
    body = {k: first[k] for k in (*keys, "badge_color", "is_enabled", "sort")}
    rewarded = server.http.put(
        f"{API}/console/achievements/{first['id']}",
        headers=owner.auth,
        json={**body, "points": 50},
    )
    assert rewarded.status_code == 200, rewarded.text
    tokens, auth, address_id = _shopper(server, BUYER_CODE)
    order_no = _paid_order(server, owner, auth, address_id)
    write_shopper_session(phone, tokens)

    # The payment result celebrates 首单 (asking again while the unlock catches up), as a card
    # in the page: 查看订单 stays within reach.
    phone.goto(page_url("pay_result", order_no=order_no))
    phone.get_by_role("heading", name="支付成功").wait_for()
    celebration = phone.get_by_role("region", name="首单")
    expect(celebration).to_be_visible(timeout=20_000)
    expect(celebration).to_contain_text("解锁新成就")
    expect(celebration).to_contain_text("50 积分")
    expect(celebration.get_by_test_id("mascot-message")).to_be_visible()
    _check(phone, "achievement-celebration")
    expect(phone.get_by_role("button", name="查看订单")).to_be_enabled()
    celebration.get_by_role("button", name="知道了").click()
    expect(celebration).to_be_hidden()

    # Shown once: 我的 asks again and gets nothing; the badge is on the page.
    with phone.expect_response(lambda r: r.url.endswith("/me/achievements/celebrations")) as asked:
        phone.goto(page_url("me"))
    assert asked.value.json() == []
    expect(phone.get_by_test_id("me-badge-first_order")).to_be_visible()
    expect(phone.get_by_test_id("achievement-celebration")).to_have_count(0)
    _check(phone, "me-achievements")

    # 我的成就: unlocked with its date, locked ones with progress N/M.
    phone.get_by_test_id("me-achievements-all").click()
    phone.wait_for_url(re.compile(r"/pkg-user/achievements/index"))
    first = phone.get_by_test_id("achievement-first_order")
    expect(first).to_contain_text("首单")
    expect(first.get_by_test_id("achievement-date")).to_contain_text(
        re.compile(r"解锁于 \d{4}-\d{2}-\d{2}")
    )
    expect(phone.get_by_test_id("achievement-ten_orders")).to_contain_text("1/10")
    expect(phone.get_by_test_id("achievements-count")).to_contain_text("已解锁 1/")
    _check(phone, "achievements")

    # 会员中心: 我的徽章 with the newest badge, the count and the way to 我的成就.
    phone.goto(page_url("member_centre"))
    badges = phone.get_by_test_id("member-badges")
    expect(badges).to_contain_text("我的徽章")
    expect(badges.get_by_role("img", name="首单徽章")).to_be_visible()
    expect(badges).to_contain_text("已解锁 1/")
    _check(phone, "member-centre-badges")
    phone.get_by_test_id("member-badges-all").click()
    phone.wait_for_url(re.compile(r"/pkg-user/achievements/index"))

    # 晒一晒: the share card through the poster pipeline.
    phone.get_by_test_id("achievement-share-first_order").click()
    card = phone.get_by_test_id("achievement-poster-img")
    expect(card).to_be_visible(timeout=20_000)
    src = card.locator("img").first.get_attribute("src") or ""
    assert src.endswith(".png"), src
    _check(phone, "achievement-poster")

"""The shopper's risk challenge end to end in Debian's Chromium, on a server of its own in
enforce mode (the shared one only monitors): the owner saves a rule that challenges every
order; a shopper who signed in with an SMS code submits an order in the H5 shop, the 403
``risk.challenge_required`` opens the 安全验证 dialog (a code texted to the bound phone), the
shopper types the code the SMS simulator received, and the order goes through on the retry with
the grant. The dialog is scanned with axe and reached with the keyboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, run_server, screenshot, watch_csp

from .test_console import API, Server, Staff, owner

__all__ = ["owner"]  # fixture shared with test_console.py, on this module's server

PHONE_VIEWPORT = {"width": 390, "height": 844}
SHOPPER = "13900007742"  # a number no other browser test signs in with
PASSKEY_SHOPPER = "13900007743"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
RULE = "下单需短信验证 (e2e)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_data: Path) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("risk-enforce")
    with run_server(data_dir, seeded_data, SHOPLET_RISK_MODE="enforce") as base:
        yield Server(base, data_dir)


@contextmanager
def _phone_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a phone-sized context of its own; no JavaScript error or CSP report in it."""
    ctx = browser.new_context(
        base_url=base_url, viewport=PHONE_VIEWPORT, locale="zh-CN", reduced_motion="reduce"
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(page, errors)
    try:
        yield page
    finally:
        ctx.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


@pytest.fixture
def phone(browser: Any, server: Server) -> Iterator[Any]:
    with _phone_page(browser, server.base) as page:
        yield page


def _last_code(server: Server, phone: str) -> str:
    res = httpx.get(f"{server.base}/_sim/sms/last-code", params={"phone": phone}, timeout=10)
    assert res.status_code == 200, res.text
    code: str = res.json()["code"]
    return code


def _challenge_every_order(server: Server, owner: Staff) -> None:
    rules = server.http.get(f"{API}/console/risk/rules", headers=owner.auth).json()
    if any(r["name"] == RULE for r in rules["items"]):
        return
    saved = server.http.post(
        f"{API}/console/risk/rules",
        headers=owner.auth,
        json={
            "name": RULE,
            "actions": ["checkout"],
            "conditions": [{"signal": "amount", "op": "gte", "value": 0}],
            "outcome": "challenge",
        },
    )
    assert saved.status_code == 201, saved.text


def _product_in_stock(server: Server) -> int:
    for item in server.http.get(f"{API}/products", params={"limit": 50}).json()["items"]:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        if len(detail["skus"]) == 1 and detail["skus"][0]["available"] >= 2:
            return int(item["id"])
    raise AssertionError("the demo seed has no single-SKU product in stock")


def _sign_in_with_a_cart(page: Any, server: Server, shopper: str) -> None:
    """A product in the cart as a visitor, then signed in with an SMS code (the cart moves)."""
    page.goto(page_url("product", id=_product_in_stock(server)))
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".pd__badge").wait_for()
    page.goto(page_url("login", redirect="/pages/me/index"))
    page.get_by_role("checkbox", name=re.compile("^我已阅读并同意")).click()
    page.get_by_label("手机号", exact=True).fill(shopper)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text(f"验证码已发送至 {shopper}").wait_for()
    page.get_by_label("短信验证码").fill(_last_code(server, shopper))
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="退出登录").wait_for()


def _to_checkout(page: Any, receiver: str, street: str) -> None:
    """From 我的: the cart, 结算, a new address, the order's price details."""
    page.get_by_role("link", name="购物车").click()
    page.get_by_role("list", name="购物车商品").get_by_role("listitem").first.wait_for()
    page.get_by_role("button", name=re.compile(r"结算\(\d+\)")).click()
    page.get_by_role("button", name="新增收货地址").click()
    page.get_by_label("收货人").fill(receiver)
    page.get_by_label("手机号", exact=True).fill("13800138000")
    page.get_by_role("radio", name="广东省").click()
    page.get_by_role("radio", name="深圳市").click()
    page.get_by_role("radio", name="南山区").click()
    page.get_by_label("详细地址").fill(street)
    page.get_by_role("button", name="保存").click()
    page.get_by_role("group", name="价格明细").wait_for()


def _orders_post(page: Any) -> Any:
    """Expect the POST /orders the next action sends."""
    return page.expect_response(
        lambda r: r.url.endswith(f"{API}/orders") and r.request.method == "POST"
    )


def _submit_refused(page: Any) -> Any:
    """提交订单, refused with ``risk.challenge_required``: the 403's body."""
    with _orders_post(page) as refused:
        page.get_by_role("button", name="提交订单").click()
    assert refused.value.status == 403
    body = refused.value.json()
    assert body["code"] == "risk.challenge_required"
    return body


def test_a_challenged_order_goes_through_after_the_sms_code(
    server: Server, owner: Staff, phone: Any
) -> None:
    _challenge_every_order(server, owner)
    page = phone
    _sign_in_with_a_cart(page, server, SHOPPER)
    _to_checkout(page, "李四", "科技园科苑路 15 号 3 栋 101")

    # The order is refused with a challenge: the dialog asks for the code texted to the phone.
    _submit_refused(page)
    dialog = page.get_by_role("dialog", name="安全验证")
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("尾号 7742 的短信验证码")
    expect(field).to_be_focused()  # focus moved into the dialog
    expect(field).to_have_value("")  # the message is no prefilled text in front of the code
    assert axe_scan(page, name="storefront-risk-challenge") == []
    screenshot(page, "storefront-risk-challenge")

    # The code the SMS simulator received, typed and confirmed with the keyboard.
    field.fill(_last_code(server, SHOPPER))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="验证")).to_be_focused()
    with _orders_post(page) as retried:
        page.keyboard.press("Enter")
    assert retried.value.status == 201, retried.value.text()
    assert retried.value.request.headers.get("x-risk-grant")
    order_no = retried.value.json()["order_no"]

    # The order exists and waits for payment; the cashier opened as for any order.
    page.get_by_role("button", name=re.compile("微信支付")).wait_for()
    expect(page.get_by_role("dialog", name="安全验证")).to_have_count(0)
    assert axe_scan(page, name="storefront-pay-after-challenge") == []
    decisions = server.http.get(
        f"{API}/console/risk/decisions", params={"action": "checkout"}, headers=owner.auth
    ).json()["items"]
    assert [d["outcome"] for d in decisions[:2]] == ["allow", "challenge"]
    assert "challenge_passed" in decisions[0]["reasons"]
    assert decisions[1]["reasons"][0] == f"rule:{RULE}"
    assert order_no


def test_a_shopper_with_a_passkey_passes_the_challenge_with_it(
    browser: Any, server: Server, owner: Staff
) -> None:
    """H5 on localhost (the embedded RP id) with Chromium's virtual authenticator: a passkey
    added from 设置, then 使用通行密钥 in the challenge dialog instead of the SMS code."""
    _challenge_every_order(server, owner)
    local = f"http://localhost:{urlsplit(server.base).port}"
    with _phone_page(browser, local) as page:
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        _sign_in_with_a_cart(page, server, PASSKEY_SHOPPER)
        page.goto(page_url("settings"))
        page.get_by_role("button", name="添加通行密钥").click()
        page.get_by_role("button", name=re.compile("^移除 ")).wait_for()
        found = cdp.send(
            "WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]}
        )
        assert len(found["credentials"]) == 1

        page.goto(page_url("me"))
        _to_checkout(page, "王五", "科技园科苑路 15 号 3 栋 102")
        assert _submit_refused(page)["methods"] == ["sms", "passkey"]
        dialog = page.get_by_role("dialog", name="安全验证")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("button", name="短信验证")).to_be_visible()
        assert axe_scan(page, name="storefront-risk-challenge-passkey") == []
        screenshot(page, "storefront-risk-challenge-passkey")
        with (
            page.expect_response(
                lambda r: r.url.endswith("/passkey/verify") and r.request.method == "POST"
            ) as verified,
            _orders_post(page) as retried,
        ):
            dialog.get_by_role("button", name="使用通行密钥").click()
        assert verified.value.status == 200, verified.value.text()
        assert retried.value.status == 201, retried.value.text()
        assert retried.value.request.headers.get("x-risk-grant")
        page.get_by_role("button", name=re.compile("微信支付")).wait_for()
    decisions = server.http.get(
        f"{API}/console/risk/decisions", params={"action": "checkout"}, headers=owner.auth
    ).json()["items"]
    assert decisions[0]["outcome"] == "allow"
    assert "challenge_passed" in decisions[0]["reasons"]

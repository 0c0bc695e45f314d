"""Paid membership (SVIP) end to end in Debian's Chromium against a real Shoplet server.

An owner sells a monthly plan from the console's 付费会员 page; a shopper (phone viewport) sees
"开通SVIP省¥xx" on a product, opens the SVIP page from the member centre, buys the plan, pays
in the H5 shop through the WeChat Pay v3 simulator's cashier, lands on the result page and sees
SVIP active with its end date on the SVIP page and in the member centre; the benefits API then
answers the plan's 95折, free shipping and double points; the console lists the subscription.
Every page is scanned with axe and photographed.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

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

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with the other modules

SHOPPER_CODE = f"test-1390002{int(RUN, 16) % 10000:04d}"
PLAN_CODE = f"svip-{RUN}"


def _sign_in(phone: Any, tokens: dict[str, Any]) -> None:
    # A page of the shop's origin that runs no app code: on "/" the app of the previous shopper
    # would still be starting, and its loadMe() saves that shopper's session again when it
    # answers, over the one written here.
    write_shopper_session(phone, tokens)


def test_a_shopper_buys_svip_through_wechat_pay_and_sees_it(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    # Console: the owner adds a monthly plan in the plans editor.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/membership/plans")
    expect(page.get_by_role("heading", name="付费会员", exact=True)).to_be_visible()
    page.get_by_role("button", name="新增套餐").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="套餐编码").fill(PLAN_CODE)
    dialog.get_by_role("textbox", name="套餐名称").fill("SVIP月卡")
    dialog.get_by_role("spinbutton", name="售价（元）").fill("19.90")
    dialog.get_by_role("spinbutton", name="时长（月）").fill("1")
    dialog.get_by_role("spinbutton", name="会员折扣（‰）").fill("950")
    dialog.get_by_role("spinbutton", name="积分倍率（‰）").fill("2000")
    dialog.get_by_role("checkbox", name="包邮").check()
    dialog.get_by_role("button", name="保存套餐").click()
    expect(page.get_by_text("套餐已保存")).to_be_visible()
    expect(page.get_by_role("cell", name="SVIP月卡", exact=True)).to_be_visible()
    assert_accessible(page, "console-svip-plans")
    plans = server.http.get(f"{API}/membership/plans").json()
    plan = next(p for p in plans if p["code"] == PLAN_CODE)
    assert (plan["price"], plan["benefits"]["discount_permille"]) == (1990, 950)

    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    _sign_in(phone, tokens)

    # Product page: not a member yet, the plan's saving on this price is shown.
    product = server.http.get(f"{API}/products", params={"limit": 1}).json()["items"][0]
    phone.goto(page_url("product", id=product["id"]))
    hint = phone.get_by_test_id("svip-hint")
    expect(hint).to_contain_text("开通SVIP省¥")
    _check(phone, "product-svip-hint")

    # Member centre -> SVIP page: plans with their saving, the refund rule, buy.
    phone.goto(page_url("member_centre"))
    phone.get_by_text("未开通，立即开通").click()
    phone.wait_for_url(re.compile(r"/pkg-user/member/svip"))
    phone.get_by_role("main").get_by_role("heading", name="SVIP会员", exact=True).wait_for()
    choice = phone.get_by_role("radio", name=re.compile("SVIP月卡"))
    choice.click()
    expect(choice).to_have_attribute("aria-checked", "true")
    expect(phone.get_by_text("开通7天内未使用任何权益可全额退款", exact=False)).to_be_visible()
    _check(phone, "svip-plans")
    phone.get_by_role("button", name=re.compile("立即开通")).click()

    # The normal pay page, the WeChat Pay v3 simulator's cashier, the result.
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index"))
    order_no = phone.url.split("order_no=")[1].split("&")[0]
    phone.get_by_role("button", name=re.compile("微信支付")).click()
    phone.get_by_role("dialog").wait_for()
    phone.get_by_role("button", name="确认支付").click()
    phone.get_by_role("heading", name="支付成功").wait_for(timeout=20000)
    _check(phone, "svip-pay-result")
    phone.get_by_role("button", name="查看SVIP会员").click()

    phone.wait_for_url(re.compile(r"/pkg-user/member/svip"))
    expect(phone.get_by_text(re.compile(r"SVIP月卡 · 有效期至"))).to_be_visible()
    expect(phone.get_by_role("button", name=re.compile("立即续费"))).to_be_visible()
    _check(phone, "svip-active")

    phone.goto(page_url("member_centre"))
    expect(phone.get_by_text(re.compile(r"SVIP月卡 · 有效期至"))).to_be_visible()
    _check(phone, "member-centre-svip")

    # 我的订单: the plan is in effect (已开通), not waiting under 待发货.
    phone.goto(page_url("orders"))
    card = phone.locator(".oc").filter(has_text=order_no)
    expect(card.locator(".oc__status")).to_have_text("已开通")
    phone.goto(page_url("orders", status="paid"))
    expect(phone.get_by_text("还没有相关订单")).to_be_visible()  # the plan is their only order
    phone.goto(page_url("order", order_no=order_no))
    expect(phone.get_by_role("heading", name="已开通")).to_be_visible()
    _check(phone, "svip-order")

    # The benefits checkout and loyalty read: the plan's, merged with the tier's.
    benefits = server.http.get(f"{API}/me/membership/benefits", headers=auth).json()
    assert benefits["discount_permille"] == 950
    assert benefits["free_shipping"] is True
    assert benefits["points_multiplier_permille"] == 2000

    # Console: the subscription is listed with its order.
    page.goto(f"{CONSOLE}/membership/subscriptions")
    expect(page.get_by_role("heading", name="开通记录", exact=True)).to_be_visible()
    expect(
        page.get_by_role("cell", name=str(tokens["member"]["id"]), exact=True).first
    ).to_be_visible()
    expect(page.get_by_role("cell", name="生效中").first).to_be_visible()
    assert_accessible(page, "console-svip-subscriptions")

    # Console: the plan's order reads 已开通 and offers no shipping.
    page.goto(f"{CONSOLE}/orders/{order_no}")
    expect(page.get_by_test_id("order-status")).to_have_text("已开通")
    expect(page.get_by_test_id("ship")).to_have_count(0)

"""Member tiers end to end in Debian's Chromium against a real Shoplet server.

An owner opens 会员等级 in the console (the members-per-tier chart, the editable tier table
that names a mistake before saving), adds growth to a shopper from the member detail panel;
the shopper (phone viewport) sees the tier badge on 我的, the member centre's tier card with the
growth still needed for the next tier, each tier's benefits, the birthday gift, the growth
history, and at checkout the tier's own row (V1会员 9.95折). Every page is scanned with axe and
photographed.
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
from .test_coupons import _check, _sku, _yuan, phone

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with the other modules

SHOPPER_CODE = f"test-1390001{int(RUN, 16) % 10000:04d}"


def test_staff_set_tiers_and_grant_growth_and_the_shopper_sees_their_tier(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    member_id = tokens["member"]["id"]

    # Console: the tier table; a threshold below the tier under it is named, saving is held.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/membership")
    expect(page.get_by_role("heading", name="会员等级", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="各等级会员数柱状图")).to_be_visible()
    thresholds = page.get_by_role("spinbutton", name="升级所需成长值")
    expect(thresholds).to_have_count(5)
    thresholds.nth(2).fill("100")
    thresholds.nth(2).blur()
    expect(page.get_by_text("V2 的门槛须高于 V1")).to_be_visible()
    expect(page.get_by_role("button", name="保存等级")).to_be_disabled()
    thresholds.nth(2).fill("2000")
    thresholds.nth(2).blur()
    page.get_by_role("button", name="保存等级").click()
    expect(page.get_by_text("会员等级已保存")).to_be_visible()
    assert_accessible(page, "console-membership-tiers")

    # Console: 600 growth makes them 白银会员; the member's panel shows the account and ledger.
    adjusted = server.http.post(
        f"{API}/console/members/{member_id}/membership/growth/adjust",
        headers=owner.auth,
        json={"amount": 600, "note": "活动奖励"},
    )
    assert adjusted.status_code == 200, adjusted.text
    page.goto(f"{CONSOLE}/members/{member_id}")
    expect(page.get_by_text("V1 白银会员")).to_be_visible()
    expect(page.get_by_role("cell", name="+600")).to_be_visible()
    page.get_by_role("button", name="调整成长值").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="确认调整")).to_be_disabled()
    amount = dialog.get_by_role("spinbutton", name="调整数量（负数为扣减）")
    amount.fill("-100")
    amount.press("Tab")
    dialog.get_by_role("textbox", name="调整原因").fill("误发")
    dialog.get_by_role("button", name="确认调整").click()
    expect(page.get_by_text("成长值已调整")).to_be_visible()
    expect(page.get_by_role("cell", name="-100")).to_be_visible()
    assert_accessible(page, "console-member-membership")

    # Shop: 我的 shows the tier; the member centre its card, benefits and the other tiers.
    write_shopper_session(phone, tokens)
    phone.goto(page_url("me"))
    badge = phone.get_by_text("V1 白银会员")
    badge.wait_for()
    badge.click()
    phone.wait_for_url(re.compile(r"/pkg-user/member/index"))
    phone.get_by_role("heading", name="白银会员", exact=True).wait_for()
    phone.get_by_text("再获得1500成长值升级为黄金会员").first.wait_for()
    assert phone.get_by_role("progressbar").get_attribute("aria-valuenow") == "0"
    phone.get_by_role("tab", name="钻石会员").click()
    diamond = phone.get_by_role("tabpanel", name="钻石会员")
    diamond.get_by_text("成长值达到 15000 即可升级").wait_for()
    phone.get_by_test_id("birthday-gift").get_by_text("当前等级暂无生日礼券").wait_for()
    _check(phone, "member-centre")

    phone.get_by_text("成长值明细").first.click()
    phone.wait_for_url(re.compile(r"/pkg-user/member/growth"))
    phone.get_by_text("+600").wait_for()
    phone.get_by_text("-100").wait_for()
    phone.get_by_text("活动奖励").wait_for()
    _check(phone, "member-growth")

    # Checkout: the tier's member price is its own row, before promotions and coupons.
    sku = _sku(server)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王会员",
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
        f"{API}/cart/lines", headers=auth, json={"sku_id": sku["id"], "quantity": 1}
    )
    assert line.status_code in (200, 201), line.text
    preview = server.http.post(f"{API}/checkout/preview", headers=auth, json={})
    assert preview.status_code == 200, preview.text
    member = preview.json()["member"]
    assert member["label"] == "V1会员 9.95折"
    phone.goto(page_url("checkout"))
    row = phone.get_by_test_id("member-row")
    row.wait_for()
    expect(row).to_contain_text("V1会员 9.95折")
    expect(row).to_contain_text(f"-{_yuan(member['goods_discount'])}")
    payable = phone.locator(".co__bar .co__payable")
    expect(payable).to_have_text(_yuan(preview.json()["payable_total"]))
    _check(phone, "checkout-member")

"""会员等级's new controls end to end (Debian's Chromium, a real Shoplet server): an exclusive
coupon for the entry tier (V0, every shopper) without a limit is named and not saved; with a
monthly cap it saves, and the API shows the cap. 不参与会员价的商品 saves a product picked by
name, and the storefront's public list then holds it. The page is scanned with axe. The tier
table and the exclusions are put back when the test ends, pass or fail."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

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
from .test_promotions import _make_product, _take_off_sale

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

TIERS = f"{API}/console/membership/tiers"
EXCLUSIONS = f"{API}/console/membership/exclusions"


def test_an_entry_tier_pack_needs_a_limit_and_goods_leave_the_member_price(
    server: Server, owner: Staff, context: Any
) -> None:
    before_tiers = server.http.get(TIERS, headers=owner.auth).json()
    before_exclusions = server.http.get(EXCLUSIONS, headers=owner.auth).json()
    coupon = f"新人券 {RUN}"
    created = server.http.post(
        f"{API}/console/coupon-templates",
        headers=owner.auth,
        json={
            "name": coupon,
            "kind": "threshold",
            "threshold": 99_999_900,
            "amount": 1_000,
            "total_quota": 10,
            "valid_days": 7,
            "is_claimable": False,
        },
    )
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    activated = server.http.post(
        f"{API}/console/coupon-templates/{template_id}/activate", headers=owner.auth
    )
    assert activated.status_code == 200, activated.text
    product = _make_product(server, owner, f"E2E 清仓商品 {RUN}")
    try:
        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/membership")
        expect(page.get_by_role("heading", name="会员等级", exact=True)).to_be_visible()

        # V0's pack with no limit: named, and saving is held.
        page.get_by_role("combobox", name="专属优惠券").first.press("Enter")
        page.get_by_role("option", name=f"{coupon}（#{template_id}）").click()
        page.keyboard.press("Escape")
        problem = "V0 的专属券须设置“近 N 天活跃”或“每月名额”"
        expect(page.get_by_text(problem)).to_be_visible()
        expect(page.get_by_role("button", name="保存等级")).to_be_disabled()
        assert server.http.get(TIERS, headers=owner.auth).json() == before_tiers

        cap = page.get_by_test_id("pack-cap-0").get_by_role("spinbutton")
        cap.fill("200")
        cap.blur()
        expect(page.get_by_text(problem)).to_be_hidden()
        page.get_by_role("button", name="保存等级").click()
        expect(page.get_by_text("会员等级已保存")).to_be_visible()
        v0 = server.http.get(TIERS, headers=owner.auth).json()[0]
        assert (v0["pack_monthly_cap"], v0["pack_active_days"]) == (200, None)
        assert v0["benefits"]["exclusive_coupon_template_ids"] == [template_id]

        # A product leaves the member price.
        card = page.get_by_test_id("price-exclusions")
        card.get_by_role("combobox", name="商品").fill(f"清仓商品 {RUN}")
        page.get_by_role("option", name=f"E2E 清仓商品 {RUN}（#{product['id']}）").click()
        card.get_by_test_id("exclusions-save").click()
        expect(page.get_by_text("会员价排除商品已保存")).to_be_visible()
        saved = server.http.get(EXCLUSIONS, headers=owner.auth).json()
        assert product["id"] in [p["id"] for p in saved["products"]]
        public = server.http.get(f"{API}/membership/price-exclusions").json()
        assert product["id"] in public["product_ids"]
        assert_accessible(page, "console-membership-packs-exclusions")
    finally:
        server.http.put(TIERS, headers=owner.auth, json={"tiers": before_tiers})
        server.http.put(
            EXCLUSIONS,
            headers=owner.auth,
            json={
                "product_ids": [p["id"] for p in before_exclusions["products"]],
                "category_ids": [c["id"] for c in before_exclusions["categories"]],
            },
        )
        server.http.post(f"{API}/console/coupon-templates/{template_id}/stop", headers=owner.auth)
        _take_off_sale(server, owner, product["id"])

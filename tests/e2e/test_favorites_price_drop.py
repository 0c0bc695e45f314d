"""收藏's 降价提醒 end to end in Debian's Chromium against a real Shoplet (H5 store, phone
viewport): a shopper favourites a product, the shop lowers its price, and 我的收藏 shows the
price it was saved at and 降 ¥x; the shopper's 降价提醒 (an accept taken in the mini program)
shows as on, and turning it off in the page leaves no reminder. The page is scanned with axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import (
    API,
    RUN,
    Server,
    Staff,
    _first_media_image,
    context,
    owner,
    server,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with the other modules

TEMPLATE_ID = f"drop-E2E-{RUN}"
PRICE = 20000
LOWER = 19000  # a 5% cut: the risk engine lets it through without a step-up


@pytest.fixture(scope="module", autouse=True)
def _console_routes_loaded(server: Server) -> None:
    """Load every console router once before anyone signs in (see test_console_webhooks)."""
    server.http.get(f"{API}/console/auth/me", timeout=300)


def _category_id(server: Server, owner: Staff) -> int:
    tree = server.http.get(f"{API}/console/categories", headers=owner.auth).json()
    top = tree[0]
    return int(top["children"][0]["id"] if top["children"] else top["id"])


def _product(server: Server, owner: Staff, title: str) -> dict[str, Any]:
    response = server.http.post(
        f"{API}/console/products",
        headers=owner.auth,
        json={
            "category_id": _category_id(server, owner),
            "title": title,
            "images": [_first_media_image(server)],
            "status": "on_sale",
            "skus": [{"price": PRICE, "stock": 20}],
        },
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def test_favourites_show_the_price_drop_and_the_reminder_turns_off(
    server: Server, owner: Staff, phone: Any
) -> None:
    template = server.http.put(
        f"{API}/console/subscribe-messages/templates/price_drop",
        headers=owner.auth,
        json={
            "template_id": TEMPLATE_ID,
            "page": "pages/product/detail",
            "fields": {"thing1": "product_name", "amount2": "price", "amount3": "old_price"},
        },
    )
    assert template.status_code == 200, template.text
    product = _product(server, owner, f"珐琅铸铁锅{RUN}")
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-fav{RUN}"}).json()
    shopper = {"Authorization": f"Bearer {tokens['access_token']}"}
    saved = server.http.put(f"{API}/me/favorites/{product['id']}", headers=shopper)
    assert saved.status_code == 200, saved.text
    sku = product["skus"][0]
    cut = server.http.patch(
        f"{API}/console/products/{product['id']}",
        headers=owner.auth,
        json={"skus": [{"id": sku["id"], "price": LOWER, "specs": sku["specs"]}]},
    )
    assert cut.status_code == 200, cut.text

    # Then the mini program's accept of 降价提醒 for it, at its price now (WeChat's prompt is
    # not in H5); accepted before the cut, the cut itself would have spent it.
    accepted = server.http.post(
        f"{API}/me/subscriptions",
        headers=shopper,
        json={"results": {TEMPLATE_ID: "accept"}, "product_id": product["id"]},
    )
    assert accepted.status_code == 200, accepted.text
    write_shopper_session(phone, tokens)
    phone.goto(page_url("favorites"))
    items = phone.get_by_role("list", name="我的收藏").get_by_role("listitem")
    item = items.filter(has_text=f"珐琅铸铁锅{RUN}")
    expect(item).to_be_visible()
    expect(item.get_by_test_id(f"since-{product['id']}")).to_contain_text("收藏时 ¥200.00")
    expect(item.get_by_test_id(f"drop-{product['id']}")).to_have_text("降 ¥10.00")
    toggle = item.get_by_role("switch", name=f"降价提醒 珐琅铸铁锅{RUN}")
    expect(toggle).to_have_attribute("aria-checked", "true")
    _check(phone, "favorites-price-drop")

    with phone.expect_response(
        lambda r: f"/price-drop-reminders/{product['id']}" in r.url and r.request.method == "DELETE"
    ) as turned_off:
        toggle.click()
    assert turned_off.value.ok, turned_off.value.status
    assert turned_off.value.json()["offered"] is True
    expect(toggle).to_have_attribute("aria-checked", "false")
    reminders = server.http.get(f"{API}/me/price-drop-reminders", headers=shopper).json()
    assert all(r["product_id"] != product["id"] for r in reminders["items"])
    # In H5 it cannot be turned on again: WeChat's prompt is the mini program's.
    toggle.click()
    expect(phone.get_by_text("请在微信小程序中开启降价提醒")).to_be_visible()
    expect(toggle).to_have_attribute("aria-checked", "false")

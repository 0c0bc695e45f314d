"""Store pickup end to end in Debian's Chromium against a real Shoplet server: an operator's
store holds a SKU; the shopper's checkout picks the store and an hour in 附近门店, the order is
placed with no shipping fee and paid, and the order page shows the 6-digit code and its QR; the
store's clerk verifies the code in 核销 once (a second try is refused); 经营看板 leads from 上海市's
stores to the store's own board (到店自提, nothing awaiting) and on to its 预约日历. Every page is
scanned with axe."""

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
    _sku_in_stock,
    assert_accessible,
    context,
    create_staff_api,
    owner,
    server,
    signed_in_page,
    wait_for,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

ALL_DAY = [{"closed": False, "open": "00:00", "close": "23:59"}] * 7
# Where the finder looks when the browser gives no position (人民广场).
HERE = (31.232, 121.475)


def _shopper(server: Server, sku_id: int) -> dict[str, Any]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-pickup{RUN}"}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "李自提",
            "phone": "13800138000",
            "province": "上海市",
            "city": "上海市",
            "district": "黄浦区",
            "region_code": "310101",
            "detail": "南京东路 1 号",
            "is_default": True,
        },
    )
    assert address.status_code == 201, address.text
    line = server.http.post(
        f"{API}/cart/lines", headers=auth, json={"sku_id": sku_id, "quantity": 1}
    )
    assert line.status_code in (200, 201), line.text
    return tokens


def test_pickup_checkout_to_code_and_the_clerk_verifies_it_once(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_stores_{RUN}", "operator")
    clerk = create_staff_api(server, owner, f"e2e_clerk_{RUN}", "support")
    sku_id = _sku_in_stock(server, 3)
    store = server.http.post(
        f"{API}/console/stores",
        headers=operator.auth,
        json={
            "name": f"自提门店{RUN}",
            "address": "上海市黄浦区南京东路 1 号",
            "phone": "021-63210000",
            "lat": HERE[0],
            "lng": HERE[1],
            "hours": ALL_DAY,
            "staff_ids": [clerk.profile["id"]],
        },
    )
    assert store.status_code == 201, store.text
    store_id = store.json()["id"]
    held = server.http.put(
        f"{API}/console/stores/{store_id}/stock/{sku_id}",
        headers=operator.auth,
        json={"quantity": 2},
    )
    assert held.status_code == 200, held.text

    # Console: 门店管理 lists the store and its stock.
    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/stores")
    expect(page.get_by_role("heading", name="门店管理", exact=True)).to_be_visible()
    page.get_by_test_id(f"stock-{store_id}").click()
    dialog = page.get_by_role("dialog", name=re.compile("门店库存"))
    expect(dialog.get_by_role("cell", name=str(sku_id), exact=True)).to_be_visible()
    assert_accessible(page, "console-stores")
    page.keyboard.press("Escape")

    # Shop: checkout → 附近门店 → an hour at the store → back, no shipping fee → submit.
    tokens = _shopper(server, sku_id)
    write_shopper_session(phone, tokens)
    phone.goto(page_url("checkout"))
    delivery = phone.get_by_test_id("delivery-row")
    delivery.wait_for()
    expect(phone.locator(".co__bar .co__payable")).not_to_have_text("--")
    delivery.click()
    phone.wait_for_url(re.compile(r"/pkg-trade/stores/index"))
    card = phone.get_by_test_id(f"store-{store_id}")
    card.wait_for()
    expect(card).to_contain_text("有货")
    expect(card).to_contain_text("营业中")
    _check(phone, "store-finder")
    card.get_by_test_id(f"slot-{store_id}").first.click()
    phone.wait_for_url(re.compile(r"/pkg-trade/checkout/index"))
    expect(phone.get_by_test_id("delivery-row")).to_contain_text(f"自提门店{RUN}")
    expect(phone.get_by_test_id("delivery-row")).to_contain_text("到店自提")
    _check(phone, "checkout-pickup")
    phone.locator(".co__submit").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index"))
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    orders = server.http.get(f"{API}/orders", headers=auth).json()["items"]
    order_no = orders[0]["order_no"]
    assert orders[0]["shipping_fee"] == 0

    pay = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_h5"}
    )
    assert pay.status_code == 200, pay.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": pay.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text
    wait_for(
        lambda: (
            server.http.get(f"{API}/orders/{order_no}", headers=auth).json()["status"] == "paid"
        ),
        what=f"order {order_no} paid",
    )
    phone.goto(page_url("order", order_no=order_no))
    code = phone.get_by_test_id("pickup-code")
    code.wait_for()
    number = code.inner_text().strip()
    assert re.fullmatch(r"\d{6}", number)
    expect(phone.get_by_role("img", name="二维码内容")).to_be_visible()
    _check(phone, "order-pickup-code")

    # Console: the store's clerk verifies the code once; the second try is refused.
    desk = signed_in_page(context, clerk)
    desk.goto(f"{CONSOLE}/pickups/verify")
    expect(desk.get_by_role("heading", name="核销", exact=True)).to_be_visible()
    desk.get_by_test_id("verify-store").click()
    desk.get_by_role("option", name=f"自提门店{RUN}").click()
    desk.get_by_test_id("verify-code").fill(number)
    desk.get_by_test_id("verify-submit").click()
    expect(desk.get_by_test_id("verify-result")).to_contain_text(order_no)
    assert_accessible(desk, "console-pickup-verified")
    desk.get_by_test_id("verify-code").fill(number)
    desk.get_by_test_id("verify-submit").click()
    expect(desk.get_by_test_id("verify-error")).to_contain_text("取货码无效")

    # 经营看板: the order shipped to 黄浦区 is the store's in 上海市's store level, and the store's
    # own board has it as 到店自提, with nothing left awaiting pickup.
    board = signed_in_page(context, owner)
    board.goto(f"{CONSOLE}/insights/boards/management?region=310100")
    expect(board.get_by_role("heading", name="各门店")).to_be_visible()
    board.get_by_test_id(f"drill-{store_id}").click()
    board.wait_for_url(f"**/insights/boards/management?region=310100&store={store_id}")
    expect(board.get_by_role("heading", name=re.compile(f"自提门店{RUN}$"))).to_be_visible()
    expect(board.get_by_role("heading", name="各履约方式")).to_be_visible()
    expect(board.get_by_test_id("board-rows").get_by_text("到店自提", exact=True)).to_be_visible()
    expect(board.get_by_test_id("store-pickups")).to_have_text("0")
    crumbs = board.get_by_role("navigation", name="下钻层级")
    expect(crumbs.get_by_text(f"自提门店{RUN}")).to_be_visible()
    assert_accessible(board, "console-board-store")
    board.get_by_role("link", name="预约日历").click()
    board.wait_for_url(f"**/stores/appointments?store={store_id}")
    expect(board.get_by_test_id("appt-store")).to_contain_text(f"自提门店{RUN}")

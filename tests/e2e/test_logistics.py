"""Logistics end to end in Debian's Chromium against a real Shoplet server: an order shipped
from the console gets Kuaidi100 pushes (signed as Kuaidi100 signs them) and the shopper's order
page shows the parcel's timeline up to 已签收; an operator prints e-waybills for a paid order
from the orders list (批量打印面单), sees its number and label, and the order ships with it;
物流设置 shows the key's status, never the key. Every page is scanned with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from shoplet.core.settings import Settings
from shoplet.integrations.logistics.kuaidi100 import push_sign
from shoplet.integrations.logistics.kuaidi100_simulator import Kuaidi100Simulator, Step
from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    create_staff_api,
    owner,
    place_paid_order,
    server,
    signed_in_page,
    wait_for,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

CALLBACK = f"{API}/fulfillment/kuaidi100/callback"


def _push(server: Server, number: str, steps: list[Step]) -> bool:
    """One push to the shop's callback, signed with the embedded shop's salt."""
    defaults = Settings()
    simulator = Kuaidi100Simulator(
        key=defaults.kuaidi100_key.get_secret_value(),
        secret=defaults.kuaidi100_secret.get_secret_value(),
    )
    param = simulator.push_param("zhongtong", number, steps)
    sign = push_sign(param, defaults.kuaidi100_salt.get_secret_value())
    answer = server.http.post(CALLBACK, data={"param": param, "sign": sign})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["result"])


def test_the_shopper_sees_the_parcel_timeline_after_pushes(
    server: Server, owner: Staff, phone: Any
) -> None:
    order = place_paid_order(server, f"parcel{RUN}")
    number = f"ZT{int(RUN, 16) % 10**10:010d}"
    shipped = server.http.post(
        f"{API}/console/orders/{order.order_no}/ship",
        headers=owner.auth,
        json={"carrier": "中通快递", "tracking_no": number},
    )
    assert shipped.status_code == 200, shipped.text
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    steps = [
        Step("1", "【深圳市】快递员已揽收", start, "深圳市"),
        Step("0", "【深圳市】已发往 上海转运中心", start + timedelta(hours=1), "深圳市"),
        Step("5", "【上海市】快递员正在派件", start + timedelta(hours=2), "上海市"),
        Step("3", "【上海市】已签收，签收人：本人", start + timedelta(hours=3), "上海市"),
    ]
    # The shipment exists once the worker has handed the shipped order over: pushes before
    # that are answered false (Kuaidi100 pushes again), as here.
    wait_for(lambda: _push(server, number, steps[:3]), what="the first push accepted")
    assert _push(server, number, steps)
    # A forged push is refused.
    forged = server.http.post(CALLBACK, data={"param": "{}", "sign": "0" * 32})
    assert forged.json() == {"result": False, "returnCode": "500", "message": "失败"}

    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-parcel{RUN}"})
    tokens = login.json()
    write_shopper_session(phone, tokens)
    phone.goto(page_url("order", order_no=order.order_no))
    timeline = phone.get_by_role("list", name="物流信息")
    timeline.wait_for()
    expect(phone.get_by_role("heading", name="物流信息")).to_be_visible()
    items = timeline.get_by_role("listitem")
    expect(items).to_have_count(4)
    expect(items.first).to_contain_text("已签收")
    expect(items.first).to_contain_text("签收人：本人")
    expect(items.last).to_contain_text("已揽收")
    timeline.scroll_into_view_if_needed()
    _check(phone, "order-tracking")


def test_an_operator_prints_waybills_and_the_order_ships_with_them(
    server: Server, owner: Staff, context: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_waybill_{RUN}", "operator")
    order = place_paid_order(server, f"waybill{RUN}")

    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/orders")
    page.get_by_label("搜索订单号", exact=True).fill(order.order_no)
    page.get_by_role("button", name="搜索").click()
    rows = page.get_by_test_id("order-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    # Element Plus hides the native input under its own box: click the box, check the input.
    rows.first.get_by_test_id("order-select").click()
    expect(page.get_by_role("checkbox", name=f"选择订单 {order.order_no}")).to_be_checked()
    assert_accessible(page, "console-orders-waybill-select")
    page.get_by_test_id("print-waybills").click()

    dialog = page.get_by_role("dialog", name="批量打印面单")
    expect(dialog).to_be_visible()
    page.get_by_test_id("waybill-carrier").click()
    page.get_by_role("option", name="中通快递").click()
    expect(page.get_by_role("listbox")).to_be_hidden()
    dialog.get_by_test_id("waybill-print").click()
    number = dialog.get_by_test_id("waybill-number")
    expect(number).to_have_text(re.compile(r"^ZT\d+$"))
    tracking_no = number.inner_text()
    dialog.get_by_role("button", name="查看").click()
    expect(dialog.get_by_role("img", name=f"电子面单 {order.order_no}")).to_be_visible()
    assert_accessible(page, "console-waybill-dialog")
    dialog.get_by_role("button", name="关闭", exact=True).click()

    shipped = server.http.get(f"{API}/orders/{order.order_no}", headers=order.shopper).json()
    assert (shipped["status"], shipped["tracking_no"]) == ("shipped", tracking_no)

    page.goto(f"{CONSOLE}/orders/{order.order_no}")
    card = page.get_by_test_id("tracking-card")
    expect(card.get_by_test_id("tracking-no")).to_have_text(tracking_no)
    card.get_by_test_id("show-waybill").click()
    expect(card.get_by_role("img", name=f"电子面单 {tracking_no}")).to_be_visible()
    assert_accessible(page, "console-order-tracking")

    page.goto(f"{CONSOLE}/logistics/settings")
    expect(page.get_by_role("heading", name="物流设置", exact=True)).to_be_visible()
    expect(page.get_by_test_id("logistics-key")).to_have_text("已配置")
    expect(page.get_by_test_id("logistics-mode")).to_contain_text("模拟器")
    assert Settings().kuaidi100_key.get_secret_value() not in page.content()
    assert_accessible(page, "console-logistics-settings")

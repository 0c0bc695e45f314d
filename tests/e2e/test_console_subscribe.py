"""订阅消息 end to end in Debian's Chromium against a real Shoplet server.

The merchant has a 支付成功 template in the WeChat admin (the simulator's template library); an
operator sets it up on the console page 订阅消息 (template id, page, which of the event's
values fills each key). A shopper signed in through the WeChat simulator answers
``uni.requestSubscribeMessage`` with 允许 (the storefront API records the credit, the simulator
the phone's accept) and pays an order through the WeChat Pay simulator; the worker's job sends
the message and the send appears in the console's log as 已发送. Every state is scanned with axe.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from shoplet.core.settings import Settings
from shoplet.integrations.wechat.login_simulator import openid_for
from tests.e2e.conftest import pick_option

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

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

SIM = "/_sim/wxacode/sim/subscribe"
TEMPLATE_ID = f"pay-ok-E2E-{RUN}"
KEYS = ("character_string1", "amount2", "time3", "phrase4")
FIELDS = [
    ("character_string1", "订单号"),
    ("amount2", "金额"),
    ("time3", "支付时间"),
    ("phrase4", "状态"),
]


@pytest.fixture(scope="module", autouse=True)
def _console_routes_loaded(server: Server) -> None:
    """Load every console router once before anyone signs in (see test_console_webhooks)."""
    server.http.get(f"{API}/console/auth/me", timeout=300)


def test_a_paid_order_sends_the_configured_message_and_the_log_shows_it(
    server: Server, owner: Staff, context: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_subscribe_{RUN}", "operator")
    # The template the merchant picked in the WeChat admin, with its keys.
    added = server.http.post(
        f"{SIM}/template", json={"template_id": TEMPLATE_ID, "keys": list(KEYS)}
    )
    assert added.status_code == 200, added.text

    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/content/subscribe-messages")
    expect(page.get_by_role("heading", name="订阅消息", exact=True)).to_be_visible()
    templates = page.get_by_test_id("subscribe-templates")
    expect(templates).to_contain_text("支付成功")
    assert_accessible(page, "console-subscribe-templates")

    page.get_by_test_id("edit-payment_success").click()
    form = page.get_by_test_id("template-form")
    expect(form).to_be_visible()
    form.get_by_test_id("template-id").fill(TEMPLATE_ID)
    form.get_by_label("跳转页面").fill("pages/orders/detail")
    for i, (key, source) in enumerate(FIELDS):
        if i:
            form.get_by_test_id("add-field").click()
        form.get_by_test_id(f"field-key-{i}").fill(key)
        pick_option(page, form.get_by_test_id(f"field-source-{i}"), source, exact=True)
    assert_accessible(page, "console-subscribe-template-edit")
    with page.expect_response(
        lambda r: r.url.endswith("/subscribe-messages/templates/payment_success")
    ) as saved:
        page.get_by_test_id("save-template").click()
    assert saved.value.status == 200, saved.value.text()
    expect(form).to_be_hidden()
    expect(templates).to_contain_text(TEMPLATE_ID)
    expect(templates).to_contain_text("character_string1 ← 订单号")

    # The shopper answers uni.requestSubscribeMessage with 允许: Shoplet records the credit
    # (storefront API), WeChat the accept (the simulator's phone).
    name = f"subscriber{RUN}"
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-{name}"})
    assert login.status_code == 200, login.text
    shopper = {"Authorization": f"Bearer {login.json()['access_token']}"}
    offered = server.http.get(f"{API}/subscribe-templates").json()
    assert {"event": "payment_success", "template_id": TEMPLATE_ID} in offered
    answered = server.http.post(
        f"{API}/me/subscriptions", headers=shopper, json={"results": {TEMPLATE_ID: "accept"}}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"credits": {TEMPLATE_ID: 1}}
    openid = openid_for(name, Settings().wechat_appid)
    accepted = server.http.post(
        f"{SIM}/accept", json={"openid": openid, "template_id": TEMPLATE_ID}
    )
    assert accepted.status_code == 200, accepted.text

    order = place_paid_order(server, name)

    def sent() -> bool:
        log = server.http.get(
            f"{API}/console/subscribe-messages/sends",
            headers=operator.auth,
            params={"status": "sent"},
        ).json()
        return any(row["ref"] == order.order_no for row in log["items"])

    wait_for(sent, what=f"the 支付成功 message for {order.order_no}")

    page.reload()
    sends = page.get_by_test_id("subscribe-sends")
    row = sends.locator("tbody tr", has_text=order.order_no)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("支付成功")
    expect(row).to_contain_text("已发送")
    pick_option(page, page.get_by_test_id("send-status"), "已发送", exact=True)
    expect(sends.locator("tbody tr", has_text=order.order_no)).to_have_count(1)
    assert_accessible(page, "console-subscribe-messages")

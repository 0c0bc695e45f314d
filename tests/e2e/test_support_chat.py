"""在线客服 end to end in Debian's Chromium against a real Shoplet server, with two browser
contexts: a shopper (phone viewport, H5 store) opens chat from an order, sends a question and
the order card; an owner in the console's 客服工作台 claims it from the queue; a message
moderation refuses is shown to the shopper and never reaches staff; the owner sees the shopper's
next message arrive live, then answers with a quick reply, which the shopper sees
without reloading; the owner ends the conversation and the shopper rates it 5 stars. Both pages
are scanned with axe and photographed (docs/screenshots)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, screenshot, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    place_paid_order,
    server,
    signed_in_page,
    wait_for,
)
from .test_coupons import phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

QUESTION = f"请问什么时候发货？{RUN}"
QUICK = "您好，订单会在 24 小时内发出，请耐心等待"
REFUSED = f"这里能赌博吗{RUN}"  # the content-security simulator's risky word


def _sign_in_phone(server: Server, phone: Any, code: str) -> None:
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": code}).json()
    write_shopper_session(phone, tokens)


def _phone_checked(phone: Any, name: str) -> None:
    assert axe_scan(phone, name=name) == []
    screenshot(phone, name)


def test_a_shopper_and_staff_chat_live_and_the_shopper_rates_it(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    shopper = f"chat{RUN}"
    order = place_paid_order(server, shopper)
    reply = server.http.post(
        f"{API}/console/support/quick-replies",
        headers=owner.auth,
        json={"title": f"发货时间{RUN}", "content": QUICK},
    )
    assert reply.status_code == 201, reply.text
    _sign_in_phone(server, phone, f"test-{shopper}")

    # The order page: 联系客服 opens the chat with the order at hand.
    phone.goto(page_url("order", order_no=order.order_no))
    phone.get_by_role("button", name="联系客服").click()
    phone.wait_for_url(re.compile(r"/pkg-user/support/index"))
    expect(phone.get_by_test_id("chat-status")).to_have_text("排队中")
    log = phone.get_by_role("log", name="客服消息")
    phone.get_by_label("输入消息").fill(QUESTION)
    phone.get_by_role("button", name="发送", exact=True).click()
    expect(log).to_contain_text(QUESTION)
    phone.get_by_role("button", name=f"发送订单 {order.order_no}").click()
    expect(log.get_by_test_id("order-card")).to_contain_text(order.order_no)

    # The console: the queue shows the shopper; 接入 opens the conversation.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/support")
    expect(page.get_by_role("heading", name="客服工作台", exact=True)).to_be_visible()
    expect(page.get_by_test_id("feed-mode")).to_have_text("实时连接")
    queue = page.get_by_test_id("support-queue")
    expect(queue).to_contain_text("已等待")
    queue.get_by_role("button", name=re.compile("^接入")).first.click()
    staff_log = page.get_by_role("log", name="会话消息")
    expect(staff_log).to_contain_text(QUESTION)
    expect(staff_log.get_by_test_id("order-card")).to_contain_text(order.order_no)
    expect(log).to_contain_text("客服已接入")  # live on the phone
    expect(phone.get_by_test_id("chat-status")).to_have_text("接待中")

    # A message moderation refuses (WeChat's content security: risky): the shopper is told,
    # the text stays in the box to change, and it reaches nobody.
    phone.get_by_label("输入消息").fill(REFUSED)
    phone.get_by_role("button", name="发送", exact=True).click()
    expect(phone.get_by_role("alert")).to_contain_text("消息含有不适宜的内容")
    expect(phone.get_by_label("输入消息")).to_have_value(REFUSED)
    expect(log).not_to_contain_text(REFUSED)

    # Live the other way: the shopper's next message appears in the console without a reload.
    phone.get_by_label("输入消息").fill("好的，在线等")
    phone.get_by_role("button", name="发送", exact=True).click()
    expect(staff_log).to_contain_text("好的，在线等")
    expect(staff_log).not_to_contain_text(REFUSED)

    # A quick reply; the shopper sees it without reloading.
    page.get_by_test_id("quick-replies").click()
    page.get_by_role("option", name=f"发货时间{RUN}").click()
    expect(staff_log).to_contain_text(QUICK)
    expect(log).to_contain_text(QUICK)
    assert_accessible(page, "console-support-workbench")
    _phone_checked(phone, "storefront-support-chat")

    # The owner ends it; the shopper rates it once.
    page.get_by_test_id("support-close").click()
    expect(log).to_contain_text("会话已结束")
    phone.get_by_role("radio", name="5 星").click()
    expect(phone.get_by_text("感谢您的评价").first).to_be_visible()
    rated = server.http.get(f"{API}/support/conversation", headers=order.shopper).json()
    assert rated["rating"] == 5
    assert rated["status"] == "closed"


KF = "/_sim/wxacode/sim/kf"


def test_a_wechat_shopper_is_answered_from_the_workbench(
    server: Server, owner: Staff, context: Any
) -> None:
    """客服消息: a shopper writes in WeChat's own chat (the simulator pushes it, signed, to the
    shop); the workbench tags the conversation 微信客服, and the reply leaves through
    ``custom/send`` to that shopper."""
    openid = f"oKf{RUN}".ljust(28, "0")
    question = f"微信里问一下尺码{RUN}"
    pushed = server.http.post(f"{KF}/message", json={"openid": openid, "text": question})
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {"status": 200, "answer": "success"}

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/support")
    queue = page.get_by_test_id("support-queue")
    entry = queue.get_by_role("listitem").filter(has=page.get_by_test_id("channel-wechat"))
    expect(entry.first).to_contain_text("微信客服")
    entry.first.get_by_role("button", name=re.compile("^接入")).click()
    staff_log = page.get_by_role("log", name="会话消息")
    expect(staff_log).to_contain_text(question)
    expect(page.get_by_test_id("talk-channel")).to_have_text("微信客服")
    answer = f"建议拍大一码{RUN}"
    page.get_by_label("回复内容").fill(answer)
    # Writing shows 对方正在输入 in the shopper's WeChat.
    wait_for(
        lambda: (
            server.http.get(f"{KF}/typing", params={"openid": openid}).json()
            == [{"touser": openid, "command": "Typing"}]
        ),
        what="custom/typing",
    )
    page.get_by_role("button", name="发送", exact=True).click()
    expect(staff_log).to_contain_text(answer)
    sent = server.http.get(f"{KF}/sent", params={"openid": openid}).json()
    assert sent == [{"touser": openid, "msgtype": "text", "text": {"content": answer}}]
    assert_accessible(page, "console-support-workbench-wechat")

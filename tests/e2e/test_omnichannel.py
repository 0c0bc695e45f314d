"""Omnichannel pages end to end in Debian's Chromium against a real Shoplet server.

- 预约到店: an operator's store offers a service with a slot; the shopper books it on the
  storefront page (opened from the store finder's link), and the store's clerk checks them in on
  the console page, once.
- 账号合并记录: a WeChat shopper binds (through the API) the phone of an H5 account; the
  console page lists that merge, found by the absorbed member's id.
- 绑定手机号: another WeChat shopper binds a phone on the storefront page with the SMS code the
  simulator holds; the page says the phone's H5 account was merged.
- 扫码购: the operator sets the store's own price (门店价) on the console's store page; in the
  open store the shopper types a barcode (the mini program scans it), sees the product at the
  store price beside the online one struck through, with the store's stock, buys it for pickup
  here and now at that price, pays, and the order is handed over at once (no code); a malformed
  and an unknown code are refused on the page.

Every page is scanned with axe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    _upload_image,
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
HERE = (31.233, 121.476)


def _mobile(suffix: int) -> str:
    """A phone number of this run (the run id keeps runs from sharing accounts)."""
    return f"139{int(RUN, 16) % 10**6:06d}{suffix:02d}"


def _wechat_shopper(server: Server, name: str) -> dict[str, Any]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-{name}{RUN}"}
    ).json()
    return tokens


def _sms_code(server: Server, mobile: str) -> str:
    sent = server.http.post(f"{API}/auth/sms-code", json={"phone": mobile})
    assert sent.status_code == 202, sent.text
    code: str = server.http.get("/_sim/sms/last-code", params={"phone": mobile}).json()["code"]
    return code


def _sms_account(server: Server, mobile: str) -> dict[str, Any]:
    """The shopper's H5 account: signed in by SMS with ``mobile``."""
    code = _sms_code(server, mobile)
    signed = server.http.post(f"{API}/auth/sms-login", json={"phone": mobile, "code": code})
    assert signed.status_code == 200, signed.text
    tokens: dict[str, Any] = signed.json()
    return tokens


def test_shopper_books_an_appointment_and_the_clerk_checks_them_in(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_appt_op_{RUN}", "operator")
    clerk = create_staff_api(server, owner, f"e2e_appt_clerk_{RUN}", "support")
    store = server.http.post(
        f"{API}/console/stores",
        headers=operator.auth,
        json={
            "name": f"预约门店{RUN}",
            "address": "上海市黄浦区西藏中路 1 号",
            "phone": "021-63210001",
            "lat": HERE[0],
            "lng": HERE[1],
            "hours": ALL_DAY,
            "staff_ids": [clerk.profile["id"]],
        },
    )
    assert store.status_code == 201, store.text
    store_id = store.json()["id"]
    service = server.http.post(
        f"{API}/console/stores/{store_id}/services",
        headers=operator.auth,
        json={"name": f"皮肤检测{RUN}", "duration_min": 30},
    )
    assert service.status_code == 201, service.text
    starts = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    slot = server.http.post(
        f"{API}/console/stores/services/{service.json()['id']}/slots",
        headers=operator.auth,
        json={"starts_at": starts.isoformat(), "capacity": 2},
    )
    assert slot.status_code == 201, slot.text
    slot_id = slot.json()["id"]

    # Shop: 预约到店 → a slot with its seats left → booked, listed in 我的预约.
    tokens = _wechat_shopper(server, "appt")
    write_shopper_session(phone, tokens)
    phone.goto(page_url("appointment", store_id=store_id))
    button = phone.get_by_test_id(f"appt-slot-{slot_id}")
    expect(button).to_contain_text("剩余 2")
    _check(phone, "appointment")
    button.click()
    expect(phone.get_by_test_id("appt-done")).to_contain_text("预约成功")
    expect(button).to_contain_text("剩余 1")
    mine = server.http.get(
        f"{API}/me/appointments", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()["items"]
    booking_id = mine[0]["id"]
    card = phone.get_by_test_id(f"appt-booking-{booking_id}")
    expect(card).to_contain_text("已预约")
    expect(card).to_contain_text(f"皮肤检测{RUN}")
    _check(phone, "appointment-booked")

    # Console: the clerk picks the store, sees the booking and checks the shopper in, once.
    desk = signed_in_page(context, clerk)
    desk.goto(f"{CONSOLE}/stores/appointments")
    expect(desk.get_by_role("heading", name="预约到店", exact=True)).to_be_visible()
    desk.get_by_test_id("appt-store").click()
    desk.get_by_role("option", name=f"预约门店{RUN}").click()
    bookings = desk.get_by_test_id("appt-bookings")
    row = bookings.locator("tr").filter(has_text=f"皮肤检测{RUN}")
    expect(row).to_contain_text("已预约")
    assert_accessible(desk, "console-appointments")
    row.get_by_role("button", name=f"签到 {booking_id}").click()
    expect(row).to_contain_text("已签到")
    expect(row.get_by_role("button", name=f"签到 {booking_id}")).to_have_count(0)
    again = server.http.post(
        f"{API}/console/stores/{store_id}/appointments/{booking_id}/check-in", headers=clerk.auth
    )
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "stores.booking_closed"


def test_the_merge_history_lists_a_merge_made_through_the_api(
    server: Server, owner: Staff, context: Any
) -> None:
    mobile = _mobile(1)
    h5 = _sms_account(server, mobile)
    wechat = _wechat_shopper(server, "merge")
    bound = server.http.post(
        f"{API}/me/phone",
        headers={"Authorization": f"Bearer {wechat['access_token']}"},
        json={"phone": mobile, "code": _sms_code(server, mobile)},
    )
    assert bound.status_code == 200, bound.text
    absorbed = h5["member"]["id"]
    assert bound.json()["merge"]["from_member_id"] == absorbed

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/members/merges")
    expect(page.get_by_role("heading", name="账号合并记录", exact=True)).to_be_visible()
    page.get_by_test_id("merge-member").fill(str(absorbed))
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("merge-table")
    row = table.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(absorbed))
    expect(row).to_contain_text(str(wechat["member"]["id"]))
    expect(row).to_contain_text("绑定手机号")
    assert_accessible(page, "console-member-merges")


def test_a_wechat_shopper_binds_a_phone_on_the_page_and_absorbs_its_h5_account(
    server: Server, phone: Any
) -> None:
    mobile = _mobile(2)
    _sms_account(server, mobile)
    tokens = _wechat_shopper(server, "bind")
    write_shopper_session(phone, tokens)
    phone.goto(page_url("bind_phone"))
    expect(phone.get_by_role("main").get_by_role("heading", name="绑定手机号")).to_be_visible()
    _check(phone, "bind-phone")
    phone.get_by_label("手机号", exact=True).fill(mobile)
    phone.get_by_role("button", name="获取验证码").click()
    expect(phone.get_by_role("button", name=re.compile("秒后重发"))).to_be_visible()
    code = server.http.get("/_sim/sms/last-code", params={"phone": mobile}).json()["code"]
    phone.get_by_label("短信验证码").fill(code)
    phone.locator(".ph__submit").click()
    done = phone.get_by_test_id("phone-bound")
    expect(done).to_contain_text(mobile[-4:])
    expect(done).to_contain_text("已合并你在其他渠道的账号")
    _check(phone, "bind-phone-merged")
    me = server.http.get(f"{API}/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200, me.text


def _address(server: Server, tokens: dict[str, Any]) -> None:
    created = server.http.post(
        f"{API}/me/addresses",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        json={
            "recipient": "王扫码",
            "phone": "13800138000",
            "province": "上海市",
            "city": "上海市",
            "district": "黄浦区",
            "region_code": "310101",
            "detail": "西藏中路 2 号",
            "is_default": True,
        },
    )
    assert created.status_code == 201, created.text


def test_scan_to_buy_in_the_store_is_handed_over_once_paid(
    server: Server, owner: Staff, phone: Any, context: Any
) -> None:
    barcode = f"69{int(RUN, 16) % 10**11:011d}"
    categories = server.http.get(f"{API}/console/categories", headers=owner.auth).json()
    leaf = next(c["children"][0]["id"] for c in categories if c["children"])
    image = _upload_image(server, owner, (30, 120, 200))["url"]
    created = server.http.post(
        f"{API}/console/products",
        headers=owner.auth,
        json={
            "category_id": leaf,
            "title": f"扫码购矿泉水{RUN}",
            "images": [image],
            "status": "on_sale",
            "skus": [{"price": 290, "stock": 5, "barcode": barcode}],
        },
    )
    assert created.status_code == 201, created.text
    sku_id = created.json()["skus"][0]["id"]
    store = server.http.post(
        f"{API}/console/stores",
        headers=owner.auth,
        json={
            "name": f"扫码门店{RUN}",
            "address": "上海市黄浦区西藏中路 2 号",
            "phone": "021-63210002",
            "lat": HERE[0],
            "lng": HERE[1],
            "hours": ALL_DAY,
            "staff_ids": [],
        },
    )
    assert store.status_code == 201, store.text
    store_id = store.json()["id"]
    held = server.http.put(
        f"{API}/console/stores/{store_id}/stock/{sku_id}", headers=owner.auth, json={"quantity": 2}
    )
    assert held.status_code == 200, held.text

    # 门店价 on the console's store page: ¥2.50 here, ¥2.90 online.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/stores")
    page.get_by_test_id(f"prices-{store_id}").click()
    dialog = page.get_by_role("dialog", name=re.compile("门店价"))
    expect(dialog.get_by_test_id("store-prices")).to_contain_text("本店暂无门店价")
    dialog.locator("input[name=price_sku_id]").fill(str(sku_id))
    dialog.locator("input[name=price_yuan]").fill("2.50")
    dialog.get_by_test_id("set-price").click()
    row = dialog.get_by_test_id("store-prices").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("¥2.50")
    expect(row).to_contain_text("¥2.90")
    expect(row).to_contain_text("生效中")
    assert_accessible(page, "console-store-prices")
    page.close()

    tokens = _wechat_shopper(server, "scan")
    _address(server, tokens)
    write_shopper_session(phone, tokens)
    phone.goto(page_url("scan_to_buy", store_id=store_id))
    code = phone.get_by_test_id("scan-code")
    code.locator("input").fill("123")
    phone.get_by_test_id("scan-submit").click()
    expect(phone.get_by_test_id("scan-error")).to_contain_text("8–14 位条码")
    code.locator("input").fill("6900000000000")
    phone.get_by_test_id("scan-submit").click()
    expect(phone.get_by_test_id("scan-error")).to_contain_text("没有商品使用此条码")
    code.locator("input").fill(barcode)
    phone.get_by_test_id("scan-submit").click()
    result = phone.get_by_test_id("scan-result")
    expect(result).to_contain_text(f"扫码购矿泉水{RUN}")
    expect(result).to_contain_text("本店库存 2")
    expect(phone.get_by_test_id("scan-store-price-tag")).to_have_text("门店价")
    expect(phone.get_by_test_id("scan-price")).to_have_text("¥2.50")
    expect(phone.get_by_test_id("scan-online-price")).to_have_text("¥2.90")
    _check(phone, "scan-to-buy")

    phone.get_by_test_id("scan-buy").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/checkout/index"))
    delivery = phone.get_by_test_id("delivery-row")
    expect(delivery).to_contain_text("扫码购")
    expect(delivery).to_contain_text(f"扫码门店{RUN}")
    expect(phone.locator(".co__bar .co__payable")).to_contain_text("2.50")
    expect(phone.get_by_test_id("line-price-label")).to_have_text("门店价")
    _check(phone, "checkout-scan")
    phone.locator(".co__submit").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index"))
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    order = server.http.get(f"{API}/orders", headers=auth).json()["items"][0]
    order_no = order["order_no"]
    assert order["shipping_fee"] == 0
    assert (order["items_total"], order["payable_total"]) == (250, 250)
    pay = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_h5"}
    )
    assert pay.status_code == 200, pay.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": pay.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text
    wait_for(
        lambda: (
            server.http.get(f"{API}/orders/{order_no}", headers=auth).json()["status"] == "received"
        ),
        what=f"scan order {order_no} handed over",
    )
    phone.goto(page_url("order", order_no=order_no))
    expect(phone.get_by_test_id("scan-handed-over")).to_have_text("已在门店取走")
    expect(phone.get_by_test_id("pickup-code")).to_have_count(0)
    _check(phone, "order-scan-handed-over")

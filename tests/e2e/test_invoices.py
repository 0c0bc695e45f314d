"""E-invoices end to end in Debian's Chromium against a real Shoplet server (the embedded
Nuonuo simulator issues right after accepting): the shopper saves an invoice title in 设置 →
发票抬头 (a wrong 统一社会信用代码 is refused with the glossary's message), asks for the paid
order's invoice on the order page, sees it issued and downloads the PDF; an operator finds it in
发票管理 by status and views it. Every page is scanned with axe."""

from __future__ import annotations

import io
from typing import Any

import pypdf
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
    create_staff_api,
    owner,
    place_paid_order,
    server,
    signed_in_page,
    wait_for,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

TAX_ID = "91110108551385082Q"


def _sign_in(server: Server, phone: Any, shopper: str) -> None:
    """The shopper's session in the H5 shop's storage (a page of the origin that runs no app)."""
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-{shopper}"})
    tokens = login.json()
    write_shopper_session(phone, tokens)


def test_the_shopper_saves_a_title_requests_and_downloads_an_invoice(
    server: Server, owner: Staff, phone: Any, context: Any
) -> None:
    shopper = f"invoice{RUN}"
    order = place_paid_order(server, shopper)
    _sign_in(server, phone, shopper)

    phone.goto(page_url("invoice-titles"))
    phone.get_by_test_id("title-name").locator("input").fill(f"北京示例科技有限公司{RUN}")
    phone.get_by_test_id("title-tax-id").locator("input").fill("91110108551385082A")
    phone.get_by_test_id("title-save").click()
    expect(phone.get_by_test_id("title-error")).to_contain_text("统一社会信用代码不正确")
    _check(phone, "invoice-title-error")
    phone.get_by_test_id("title-tax-id").locator("input").fill(TAX_ID)
    phone.get_by_test_id("title-save").click()
    expect(phone.get_by_test_id("invoice-title")).to_have_count(1)
    expect(phone.get_by_test_id("invoice-title")).to_contain_text(TAX_ID)
    _check(phone, "invoice-titles")

    phone.goto(page_url("order", order_no=order.order_no))
    card = phone.get_by_test_id("invoice-card")
    card.wait_for()
    card.get_by_test_id("invoice-request").click()
    expect(card.get_by_test_id("invoice-row")).to_have_count(1)

    def issued() -> bool:
        listed = server.http.get(f"{API}/orders/{order.order_no}/invoices", headers=order.shopper)
        return bool(listed.json()) and listed.json()[0]["status"] == "issued"

    wait_for(issued, what="the invoice issued by the simulator", seconds=60)
    phone.reload()
    card = phone.get_by_test_id("invoice-card")
    expect(card.get_by_test_id("invoice-status")).to_have_text("已开票")
    card.scroll_into_view_if_needed()
    _check(phone, "order-invoice")
    with phone.expect_download() as downloaded:
        card.get_by_test_id("invoice-download").click()
    with open(downloaded.value.path(), "rb") as f:
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(f.read())).pages)
    assert f"北京示例科技有限公司{RUN}" in text
    assert TAX_ID in text

    operator = create_staff_api(server, owner, f"e2e_invoice_{RUN}", "operator")
    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/invoices")
    page.get_by_label("订单号", exact=True).fill(order.order_no)
    page.get_by_test_id("search-invoices").click()
    rows = page.get_by_test_id("invoice-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("invoice-row-status")).to_have_text("已开票")
    assert_accessible(page, "console-invoices")

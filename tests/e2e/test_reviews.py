"""Reviews end to end in Debian's Chromium against a real Shoplet server: a shopper (phone
viewport) with a received order taps 去评价 on the order page, gives 4 stars, writes a line and
adds a photo; a review with a photo waits for moderation, so the product page does not show it
yet. An operator approves it in the console's 评价管理; the product page then shows it with
好评率 and the photo, and the full list filters 有图. Every page is scanned with axe and
photographed (docs/screenshots)."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path
from typing import Any

from PIL import Image
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
    place_paid_order,
    server,
    signed_in_page,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

TEXT = f"面料柔软，做工不错 {RUN}"


def _received_order(
    server: Server, owner: Staff, shopper: str = "reviewer"
) -> tuple[str, dict[str, str], int]:
    """A received order of ``shopper`` (a name per test file: they share one server)."""
    order = place_paid_order(server, f"{shopper}{RUN}")
    tracking = (int(RUN, 16) + zlib.crc32(shopper.encode())) % 10**10
    shipped = server.http.post(
        f"{API}/console/orders/{order.order_no}/ship",
        headers=owner.auth,
        json={"carrier": "顺丰速运", "tracking_no": f"SF{tracking:010d}"},
    )
    assert shipped.status_code == 200, shipped.text
    received = server.http.post(
        f"{API}/orders/{order.order_no}/confirm-receipt", headers=order.shopper
    )
    assert received.status_code == 200, received.text
    lines = server.http.get(f"{API}/orders/{order.order_no}/reviews", headers=order.shopper)
    product_id: int = lines.json()["lines"][0]["product_id"]
    return order.order_no, order.shopper, product_id


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "review.jpg"
    image = Image.new("RGB", (400, 300), (30, 120, 200))
    for x in range(0, 400, 40):
        for y in range(0, 300, 40):
            image.paste((240, 200, 40), (x, y, x + 20, y + 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def test_a_review_with_a_photo_shows_on_the_product_page_once_approved(
    server: Server, owner: Staff, context: Any, phone: Any, tmp_path: Path
) -> None:
    order_no, _, product_id = _received_order(server, owner)
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-reviewer{RUN}"})
    tokens = login.json()
    assert tokens["access_token"]
    write_shopper_session(phone, tokens)

    # The order page: 去评价 on the received line.
    phone.goto(page_url("order", order_no=order_no))
    write = phone.get_by_role("button", name=re.compile("^去评价"))
    write.wait_for()
    _check(phone, "review-order")
    write.click()
    phone.wait_for_url(re.compile(r"/pkg-trade/review/write"))

    # The review page: 4 stars, a line of text, a photo.
    phone.get_by_role("radio", name="4 星").click()
    phone.get_by_label("评价内容").fill(TEXT)
    with phone.expect_file_chooser() as chooser:
        phone.get_by_role("button", name="添加图片").click()
    chooser.value.set_files(str(_photo(tmp_path)))
    phone.get_by_role("list", name="已选图片").get_by_role("listitem").first.wait_for()
    _check(phone, "review-write")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/orders/detail"))
    # Reviewed: the line now offers 追评 instead of 去评价.
    phone.get_by_role("button", name=re.compile("^追评")).wait_for()

    # Waiting for moderation: not on the product page yet.
    summary = server.http.get(f"{API}/products/{product_id}/reviews/summary").json()
    assert all(r["content"] != TEXT for r in summary["latest"])

    # The console: 评价管理 → 待审核 → 通过.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/reviews")
    expect(page.get_by_role("heading", name="评价管理", exact=True)).to_be_visible()
    table = page.get_by_test_id("review-table")
    expect(table).to_contain_text(TEXT)
    row = table.locator("tr").filter(has_text=TEXT)
    expect(row.locator("img")).to_have_count(1)
    assert_accessible(page, "console-reviews")
    row.get_by_role("button", name=re.compile("^通过评价")).click()
    expect(row).to_contain_text("已通过")

    # The product page shows it, with its photo; the full list filters 有图.
    phone.goto(page_url("product", id=product_id))
    section = phone.get_by_role("region", name="商品评价")
    review = section.get_by_role("listitem").filter(has_text=TEXT)
    review.wait_for()
    expect(review.get_by_role("button", name=re.compile("^评价图片 1"))).to_be_visible()
    expect(section).to_contain_text("好评率 100%")
    section.scroll_into_view_if_needed()
    _check(phone, "review-product")
    section.get_by_role("button", name="查看全部评价").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/review/list"))
    phone.get_by_role("tab", name=re.compile("^有图")).click()
    phone.get_by_role("listitem").filter(has_text=TEXT).wait_for()
    _check(phone, "review-list")

"""Moderation end to end in Debian's Chromium against a real Shoplet server: an operator adds a
word to the 敏感词库 in the console; a shopper's review that dodges it in pinyin is held (审核中)
and not on the product page; the operator approves it in 内容审核 and the product page shows it.
The console page is scanned with axe."""

from __future__ import annotations

import re
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
    wait_for,
)
from .test_reviews import _received_order

__all__ = ["context", "owner", "server"]  # shared fixtures

WORD = "差劲透顶"


def test_a_held_review_is_public_only_once_approved_in_the_queue(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/moderation")
    expect(page.get_by_role("heading", name="内容审核", exact=True)).to_be_visible()
    page.get_by_role("tab", name="敏感词库").click()
    page.get_by_label("敏感词", exact=True).fill(WORD)
    page.get_by_role("button", name="添加敏感词").click()
    expect(page.get_by_test_id("lexicon-table")).to_contain_text(WORD)
    assert_accessible(page, "console-moderation-lexicon")

    order_no, shopper, product_id = _received_order(server, owner, "moderated")
    lines = server.http.get(f"{API}/orders/{order_no}/reviews", headers=shopper).json()
    text = f"客服 chajintouding 没回复 {RUN}"
    written = server.http.post(
        f"{API}/reviews",
        headers=shopper,
        json={
            "order_no": order_no,
            "line_id": lines["lines"][0]["line_id"],
            "rating": 4,  # good: test_reviews checks its product's 好评率 (one server)
            "content": text,
        },
    )
    assert written.status_code == 201, written.text
    assert written.json()["moderation"]["status"] == "held"
    summary = server.http.get(f"{API}/products/{product_id}/reviews/summary").json()
    assert all(r["content"] != text for r in summary["latest"])

    page.get_by_role("tab", name="审核队列").click()
    table = page.get_by_test_id("moderation-table")
    row = table.locator("tr").filter(has_text=text)
    expect(row).to_contain_text("拼音")
    assert_accessible(page, "console-moderation-queue")
    row.get_by_role("button", name=re.compile("^通过")).click()
    expect(table.locator("tr").filter(has_text=text)).to_have_count(0)

    def shown() -> bool:
        latest = server.http.get(f"{API}/products/{product_id}/reviews/summary").json()["latest"]
        return any(r["content"] == text for r in latest)

    wait_for(shown, what="the approved review on the product page")

"""搜索词库 in the console (Debian's Chromium, a real server): a query that found nothing in the
shop is listed under 无结果搜索, staff make it a synonym of a word that finds products in one
step, and the shop's search finds them for it seconds later; a correction is added and removed;
axe and a screenshot."""

from __future__ import annotations

import time
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

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

# Latin letters no product has (the run id, spelt in letters, keeps two runs apart); lexical and
# semantic search both come back empty for it.
QUERY = "zqxv" + "".join(chr(ord("g") + int(c, 16)) for c in RUN)


def _found(server: Server, q: str) -> list[dict[str, Any]]:
    response = server.http.get(f"{API}/search", params={"q": q, "limit": 5})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _until(check: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_a_zero_result_query_becomes_a_synonym_and_finds_products(
    server: Server, owner: Staff, context: Any
) -> None:
    assert _until(lambda: server.http.get(f"{API}/search", params={"q": "华为"}).json()["items"])
    assert _found(server, QUERY) == []
    # The server writes its search counts every few seconds.
    listed = _until(
        lambda: (
            QUERY
            in [
                z["query"]
                for z in server.http.get(
                    f"{API}/console/search/zero-results", headers=owner.auth, params={"limit": 100}
                ).json()["items"]
            ]
        )
    )
    assert listed, "the zero-result query reached the console's list"

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/search")
    expect(page.get_by_role("heading", name="搜索词库", exact=True)).to_be_visible()
    expect(page.get_by_test_id("index-status")).to_contain_text("件商品")
    page.get_by_role("tab", name="无结果搜索").click()
    expect(page.get_by_test_id("zero-table")).to_contain_text(QUERY)
    assert_accessible(page, "console-search-words")
    page.get_by_role("button", name=f"设为同义词 {QUERY}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("synonym-save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("至少填写 1 个")
    dialog.get_by_role("textbox", name="同义词").fill("华为")
    dialog.get_by_test_id("synonym-save").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("tab", name="同义词").click()
    expect(page.get_by_test_id("synonym-table")).to_contain_text(QUERY)

    # Every server's index takes the change from the feed within about a second.
    found = _until(lambda: _found(server, QUERY))
    assert found, "the synonym finds products"
    assert any("华为" in item["title"] for item in found), found

    # A correction: added, listed, removed.
    page.get_by_role("tab", name="纠错").click()
    page.get_by_role("textbox", name="搜索词（错字）").fill(f"华伪{RUN}")
    page.get_by_role("textbox", name="当作（正确的词）").fill("华为")
    page.get_by_test_id("add-correction").click()
    table = page.get_by_test_id("correction-table")
    expect(table).to_contain_text(f"华伪{RUN}")
    assert_accessible(page, "console-search-corrections")
    page.get_by_role("button", name=f"删除 华伪{RUN} → 华为").click()
    expect(table).not_to_contain_text(f"华伪{RUN}")

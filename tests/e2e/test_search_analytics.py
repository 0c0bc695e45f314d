"""搜索分析 end to end (Debian's Chromium, a real server): a shopper searches in the H5 storefront
and taps a result (the page reports the click without waiting), the rollup job runs, and the
console's 搜索分析 shows the query with its click in the table and the chart's data; axe and
screenshots of both pages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, cast

import pytest
from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.modules.search.clicks import rollup

from .conftest import axe_scan, page_url, screenshot, watch_csp
from .test_console import (
    API,
    CONSOLE,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

PHONE = {"width": 390, "height": 844}
# Full pinyin of 电饭煲: found by the seed's rice cooker, typed by no other browser test.
QUERY = "dianfanbao"


@pytest.fixture
def shop_page(browser: Any, server: Server) -> Iterator[Any]:
    ctx = browser.new_context(base_url=server.base, viewport=PHONE, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(page, errors)
    yield page
    ctx.close()
    assert errors == [], errors


async def _rollup(server: Server) -> None:
    """The rollup job, run against the server's own database (the worker runs it every 5 min)."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}"
    )
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        await rollup(ctx)
    finally:
        await engine.dispose()


def _figures(server: Server, owner: Staff) -> dict[str, Any]:
    response = server.http.get(f"{API}/console/search/analytics", headers=owner.auth)
    assert response.status_code == 200, response.text
    for row in response.json()["top_queries"]:
        if row["query"] == QUERY:
            return dict(row)
    return {}


def test_a_search_click_reaches_the_console_chart_and_table(
    server: Server, owner: Staff, context: Any, shop_page: Any
) -> None:
    page = shop_page
    page.goto(page_url("search"))
    box = page.get_by_label("搜索商品", exact=True)
    box.wait_for()
    box.press_sequentially(QUERY)
    results = page.get_by_role("list", name="搜索结果").get_by_role("listitem")
    expect(results.first).to_contain_text("电饭煲")
    page.wait_for_timeout(300)
    assert axe_scan(page, name="search-click") == []
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search/clicks")) as reported:
        results.first.click()
    assert reported.value.status == 204
    page.wait_for_url("**/product/**")

    # The server writes impressions every few seconds; the rollup then counts the search.
    deadline = time.monotonic() + 30
    found: dict[str, Any] = {}
    with ThreadPoolExecutor(1) as pool:
        while time.monotonic() < deadline:
            pool.submit(asyncio.run, _rollup(server)).result()
            found = _figures(server, owner)
            if found.get("clicks"):
                break
            time.sleep(1)
    assert found.get("searches", 0) >= 1, found
    assert found.get("clicks", 0) >= 1, found

    console = signed_in_page(context, owner)
    console.goto(f"{CONSOLE}/search/analytics")
    expect(console.get_by_role("heading", name="搜索与推荐分析", exact=True)).to_be_visible()
    expect(console.get_by_test_id("top-queries")).to_contain_text(QUERY)
    expect(
        console.get_by_role("img", name="每日搜索次数、点击率与无结果率：30 天趋势图")
    ).to_be_visible()
    # The chart's data, as its screen-reader table: today's row counts the search and the click.
    today = console.locator("figcaption table").first.locator("tbody tr").last
    expect(today).not_to_contain_text("—")
    expect(today.locator("td").nth(1)).not_to_have_text("0")
    assert_accessible(console, "console-search-analytics")
    console.get_by_role("tab", name="推荐效果").click()
    expect(console.get_by_test_id("recommend-kpis")).to_be_visible()
    screenshot(console, "console-recommend-analytics")

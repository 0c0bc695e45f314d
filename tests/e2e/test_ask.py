"""智能问数 end to end in Debian's Chromium against a real Shoplet server.

Paid orders of a product of this run are written into the server's database (orders' tables,
as tests/modules/insights/ask does); an owner asks which product sold best (a bar chart and a
table, the query in words), clicks an example chip (a line chart of the last 7 days), asks
something it cannot map (您是不是想问… suggestions, one clicked), a comparison (a figure with
its change), and finds the questions under 最近问过. A support member asking for 销售额 is told
which permission it needs. Every state is scanned with axe and photographed.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from tests.modules.insights.ask.factories import Line, Placed, add_orders, make_store

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
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

TITLE = f"问数爆款T恤{RUN}"


async def _seed(server: Server) -> None:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}"
    )
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        store = await make_store(ctx, RUN)
        now = utcnow()
        # Far more units than any other test sells: this product ranks first on a shared server.
        orders = [
            Placed(990_000 + n, [Line(store.tee, 5000, 4_950_000, TITLE)], now - timedelta(days=n))
            for n in (1, 2, 3)
        ]
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_orders(s, orders, store.sku)
    finally:
        await engine.dispose()


def _ask(page: Any, question: str) -> None:
    page.get_by_role("textbox", name="输入问题").fill(question)
    page.get_by_role("button", name="提问", exact=True).click()


def test_owner_asks_questions_in_chinese(server: Server, owner: Staff, context: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed(server)).result()
    # The server's first question loads jieba's dictionary (seconds on a busy machine).
    warm = server.http.post(
        f"{API}/console/insights/ask",
        json={"question": "今天订单数"},
        headers=owner.auth,
        timeout=120,
    )
    assert warm.status_code == 200, warm.text
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/insights/ask")
    expect(page.get_by_role("heading", name="智能问数", exact=True)).to_be_visible()
    assert_accessible(page, "ask-empty")

    _ask(page, "近7天哪个商品卖得最好")
    answer = page.get_by_test_id("ask-answer")
    expect(answer.get_by_test_id("ask-description")).to_contain_text("销量 · 按商品 · ")
    table = answer.get_by_test_id("ask-table")
    expect(table.locator("tbody tr").first).to_contain_text(TITLE)
    expect(table.locator("tbody tr").first).to_contain_text("15,000")
    expect(answer.get_by_test_id("ask-chart")).to_be_visible()
    assert_accessible(page, "ask-ranking")

    page.get_by_role("group", name="试试这些问题").get_by_role(
        "button", name="近7天每天的订单数"
    ).click()
    expect(answer.get_by_test_id("ask-description")).to_contain_text("订单数 · 按天 · ")
    expect(answer.get_by_test_id("ask-table").locator("tbody tr")).to_have_count(7)
    expect(answer.get_by_test_id("ask-chart")).to_be_visible()

    _ask(page, "上周的销额")
    expect(answer).to_contain_text("没能理解这个问题")
    suggestions = answer.get_by_test_id("ask-suggestions")
    expect(suggestions.get_by_role("button", name="上周的销售额")).to_be_visible()
    assert_accessible(page, "ask-suggestions")
    suggestions.get_by_role("button", name="上周的销售额").click()
    expect(answer.get_by_test_id("ask-description")).to_contain_text("销售额 · ")
    expect(answer.get_by_test_id("ask-figure")).to_be_visible()

    _ask(page, "近7天销售额环比")
    figure = answer.get_by_test_id("ask-figure")
    expect(figure).to_contain_text("对比期")
    expect(figure).to_contain_text("变化")
    assert_accessible(page, "ask-compare")

    history = page.get_by_test_id("ask-history")
    for question in ("近7天销售额环比", "上周的销售额", "近7天哪个商品卖得最好"):
        expect(history.get_by_role("button", name=question, exact=True)).to_be_visible()


def test_support_is_told_which_permission_a_metric_needs(
    server: Server, owner: Staff, context: Any
) -> None:
    support = create_staff_api(server, owner, f"ask-support-{RUN}", "support")
    page = signed_in_page(context, support)
    page.goto(f"{CONSOLE}/insights/ask")
    _ask(page, "昨天销售额")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("销售额")
    expect(alert).to_contain_text("dashboard:read")
    _ask(page, "昨天订单数")
    expect(page.get_by_test_id("ask-figure")).to_be_visible()
    assert_accessible(page, "ask-support")

"""销售看板 and 清仓定价 end to end in Debian's Chromium against a real Shoplet server: today's
orders of a fresh category are written into the server's database; an owner opens 总览 for
今日, drills into the category and then the product (the period and the category stay in the
URL), watches the product's tiles update by themselves when another order is paid, plans a
clearance for the product's SKU and runs a clearance trial (清仓实验) over four SKUs, then
stops it. Every level is scanned with axe (screenshots in docs/screenshots)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.catalog.models import Product, Sku
from tests.modules.insights.clearance.test_trials import six_skus
from tests.modules.insights.factories import Paid, Shop, add_orders, make_shop

from .test_console import (
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

MEMBER = 880_001


def _sessionmaker(server: Server) -> Any:
    return create_async_engine(f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}")


async def _seed(server: Server) -> tuple[Shop, int, int]:
    engine = _sessionmaker(server)
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        shop = await make_shop(ctx)
        now = utcnow()
        async with unit_of_work(ctx.sessionmaker) as s:
            product_id = await s.scalar(select(Sku.product_id).where(Sku.id == shop.costed_sku))
            category_id = await s.scalar(
                select(Product.category_id).where(Product.id == product_id)
            )
            await add_orders(
                s,
                shop,
                [
                    Paid(MEMBER, now - timedelta(minutes=2), quantity=2),
                    Paid(MEMBER + 1, now - timedelta(minutes=1), quantity=1),
                ],
            )
        assert product_id is not None
        assert category_id is not None
        return shop, category_id, product_id
    finally:
        await engine.dispose()


async def _trial_skus(server: Server) -> list[int]:
    """Four costed SKUs with stock and ten weeks of sales, for a clearance trial."""
    engine = _sessionmaker(server)
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        _product_id, ids = await six_skus(ctx)
        return ids[:4]
    finally:
        await engine.dispose()


async def _one_more_order(server: Server, shop: Shop) -> None:
    engine = _sessionmaker(server)
    try:
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        async with unit_of_work(sessionmaker) as s:
            await add_orders(s, shop, [Paid(MEMBER + 2, utcnow(), quantity=1)])
    finally:
        await engine.dispose()


def test_dashboards_drill_down_and_stay_live(server: Server, owner: Staff, context: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        shop, category_id, product_id = pool.submit(asyncio.run, _seed(server)).result()
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/insights/dashboards/shop?days=1")
    expect(page.get_by_role("heading", name="销售看板 · 全店")).to_be_visible()
    expect(page.get_by_test_id("tile-gmv")).to_be_visible()
    expect(page.get_by_test_id("tile-refunds")).to_be_visible()
    assert_accessible(page, "console-dashboard-shop")

    page.get_by_test_id(f"drill-{category_id}").click()
    page.wait_for_url(f"**/insights/dashboards/category?days=1&category={category_id}")
    expect(page.get_by_role("heading", name="销售看板 · 服饰")).to_be_visible()
    expect(page.get_by_test_id("tile-orders")).to_contain_text("2 单")
    assert_accessible(page, "console-dashboard-category")

    page.get_by_test_id(f"drill-{product_id}").click()
    page.wait_for_url(
        f"**/insights/dashboards/product?days=1&category={category_id}&product={product_id}"
    )
    orders = page.get_by_test_id("tile-orders")
    expect(orders).to_contain_text("2 单")
    assert_accessible(page, "console-dashboard-product")

    # Live: another order paid now shows up without a reload (polled every 15 s).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _one_more_order(server, shop)).result()
    expect(orders).to_contain_text("3 单", timeout=40_000)

    # Back up through the breadcrumb: the period is kept.
    page.get_by_role("navigation", name="看板层级").get_by_text("总览").click()
    page.wait_for_url("**/insights/dashboards/shop?days=1")

    # 清仓定价 for the product's SKU (its page takes ?sku=).
    page.goto(f"{CONSOLE}/analytics/clearance?sku={shop.costed_sku}")
    expect(page.get_by_role("heading", name="清仓定价")).to_be_visible()
    expect(page.get_by_test_id("clearance-facts")).to_contain_text("价格弹性")
    expect(page.get_by_test_id("clearance-steps").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_role("img", name="每周价格与销量（历史与方案）")).to_be_visible()
    assert_accessible(page, "console-clearance")

    # 清仓实验 over four costed SKUs of their own: two pairs, one arm each, then stopped.
    with ThreadPoolExecutor(1) as pool:
        ids = pool.submit(asyncio.run, _trial_skus(server)).result()
    page.get_by_test_id("trial-name").fill("秋款清仓实验")
    page.get_by_test_id("trial-skus").fill(", ".join(map(str, ids)))
    page.get_by_test_id("trial-start").click()
    result = page.get_by_test_id("trial-result")
    expect(result).to_contain_text("清仓率")
    expect(result).to_contain_text("每件库存毛利")
    rows = page.get_by_test_id("trial-skus-table").locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="方案组")).to_have_count(2)
    expect(rows.filter(has_text="对照组（维持原价）")).to_have_count(2)
    expect(page.get_by_test_id("trial-list")).to_contain_text("秋款清仓实验")
    page.get_by_test_id("trial-result").scroll_into_view_if_needed()
    assert_accessible(page, "console-clearance-trial")
    page.get_by_test_id("trial-stop").click()
    page.get_by_role("dialog").get_by_role("button", name="停止实验").click()
    expect(
        page.get_by_test_id("trial-list").locator("tbody tr").filter(has_text="秋款清仓实验")
    ).to_contain_text("已停止")
    expect(page.get_by_test_id("trial-stop")).to_have_count(0)

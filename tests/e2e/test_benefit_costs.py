"""The benefit cost model and the member page end to end in Debian's Chromium against a real
Shoplet server.

Paid orders of three tiers and a paid-plan member are written into the server's database (the
owning modules' tables, as tests/modules/insights does); an owner opens a member's page (tabs:
资料, 等级与成长值, 积分, …; the old /members/points/:id link lands on its 积分 tab), then 权益成本
(cost by benefit per tier, chart and table), then the tier editor, where 预估成本变化 shows what a
draft would cost before anything is saved. Every page is scanned with axe and photographed.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.security import PiiCipher
from shoplet.core.settings import Settings
from tests.modules.insights.factories import (
    Paid,
    add_growth,
    add_orders,
    add_points,
    grant_plan,
    make_shop,
)

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

MEMBER = 880_001  # members of the seeded orders (the V0 one is a real shopper, below)
SHOPPER_CODE = f"test-1390003{int(RUN, 16) % 10000:04d}"


def _server_pii(server: Server) -> PiiCipher:
    """The server's PII cipher: embedded mode keeps its generated key in the data dir."""
    settings = Settings(data_dir=server.data_dir, env="embedded")
    return PiiCipher(settings.resolved_pii_keys, index_key=settings.resolved_pii_index_key)


async def _seed(server: Server, shopper: int) -> None:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}"
    )
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        shop = await make_shop(ctx)
        now = utcnow()
        day = timedelta(days=1)
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_growth(s, MEMBER + 1, 2500, now - 200 * day)
            await add_growth(s, MEMBER + 2, 7000, now - 200 * day)
            await grant_plan(s, MEMBER + 3, 4, now + 30 * day)
            await add_points(s, "earn", 4000, now - 100 * day)
            await add_points(s, "spend", -1000, now - 50 * day)
            orders = [Paid(shopper, now - n * day, points=100) for n in (3, 9, 40)]
            orders += [
                Paid(
                    MEMBER + 1,
                    now - n * day,
                    quantity=2,
                    uncosted=1,
                    promotion_saving=1000,
                    points=240,
                )
                for n in (2, 5, 12, 45)
            ]
            orders += [
                Paid(MEMBER + 2, now - n * day, quantity=3, promotion_saving=1500, points=450)
                for n in (4, 20)
            ]
            orders += [Paid(MEMBER + 3, now - 6 * day, quantity=1)]
            await add_orders(s, shop, orders, pii=_server_pii(server))
    finally:
        await engine.dispose()


def test_member_page_then_benefit_costs_then_the_projection(
    server: Server, owner: Staff, context: Any
) -> None:
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE})
    shopper = int(login.json()["member"]["id"])
    # Playwright's sync API runs an event loop in this thread: seed from another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed(server, shopper)).result()
    page = signed_in_page(context, owner)

    # 会员列表: find the shopper by id, open their page.
    page.goto(f"{CONSOLE}/members")
    expect(page.get_by_role("heading", name="会员列表", exact=True)).to_be_visible()
    expect(page.get_by_test_id("member-table").locator("tbody tr").first).to_be_visible()
    page.get_by_role("textbox", name="查找会员").fill(str(shopper))
    page.get_by_role("button", name="查询").click()
    rows = page.get_by_test_id("member-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    # Narrowed to a tier (membership's list, the same search): V0 keeps the shopper, V1 not.
    for tier, count in (("V0", 1), ("V1", 0)):
        page.get_by_role("combobox", name="会员等级").press("Enter")
        with page.expect_response(
            lambda r: "/console/membership/members?" in r.url and f"q={shopper}" in r.url
        ) as answered:
            page.get_by_role("option", name=re.compile(rf"^{tier} ")).click()
        assert answered.value.status == 200, answered.value.text()
        expect(rows.filter(has_text=str(shopper))).to_have_count(count)
    page.get_by_role("combobox", name="会员等级").press("Enter")
    page.get_by_role("option", name=re.compile(r"^V0 ")).click()
    expect(rows).to_have_count(1)
    assert_accessible(page, "console-member-list")
    rows.get_by_role("link", name=str(shopper), exact=True).click()
    page.wait_for_url(re.compile(rf"/members/{shopper}$"))
    expect(page.get_by_role("heading", name=f"会员详情 #{shopper}")).to_be_visible()

    # The old points link lands on the member page's 积分 tab.
    page.goto(f"{CONSOLE}/members/points/{shopper}")
    page.wait_for_url(re.compile(rf"/members/{shopper}\?tab=points"))
    expect(page.get_by_role("heading", name=f"会员详情 #{shopper}")).to_be_visible()
    expect(page.get_by_role("tab", name="积分")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("form", name="调整积分")).to_be_visible()
    page.get_by_role("tab", name="等级与成长值").click()
    page.wait_for_url(re.compile(r"tab=tier"))
    for name in ("资料", "优惠券", "订单"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()
    assert_accessible(page, "console-member-detail")

    # 资料, 优惠券 and 订单 read the members, promotions and orders modules.
    page.get_by_role("tab", name="资料").click()
    profile = page.get_by_test_id("member-profile")
    expect(profile).to_contain_text("已绑定")  # signed in with WeChat
    expect(profile).to_contain_text("正常")
    page.get_by_role("tab", name="优惠券").click()
    expect(page.get_by_role("radio", name="可使用")).to_be_checked()
    expect(page.get_by_test_id("member-coupons")).to_be_visible()
    page.get_by_role("tab", name="订单").click()
    orders = page.get_by_test_id("member-orders").locator("tbody tr")
    expect(orders).to_have_count(3)  # the three seeded paid orders
    expect(orders.first).to_contain_text("已完成")
    assert_accessible(page, "console-member-orders")

    # 权益成本: a row per tier and the paid plan, the cost stacked by benefit.
    page.goto(f"{CONSOLE}/membership/costs")
    expect(page.get_by_role("heading", name="权益成本", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="各等级权益成本")).to_be_visible()
    table = page.get_by_role("table").filter(has_text="V2 黄金会员").first
    expect(table).to_be_visible()
    expect(page.get_by_label("权益成本", exact=True).get_by_text("SVIP 付费会员")).to_be_visible()
    expect(page.get_by_text("合计").first).to_be_visible()
    assert_accessible(page, "console-benefit-costs")
    page.locator("label.el-radio-button").filter(has_text="近90天").click()
    expect(page.get_by_text(re.compile(r"积分核销率\s*\d+\.\d%"))).to_be_visible()

    # The tier editor: a draft's projected cost per tier before saving.
    page.goto(f"{CONSOLE}/membership")
    discounts = page.get_by_role("spinbutton", name="会员折扣")
    expect(discounts).to_have_count(5)
    discounts.nth(0).fill("990")
    discounts.nth(0).blur()
    page.get_by_role("button", name="预估成本变化").click()
    projection = page.get_by_role("region", name="各等级预估成本变化")
    expect(projection).to_be_visible()
    expect(projection.get_by_role("img", name="各等级预估成本变化")).to_be_visible()
    # 9.9 折 at V0 costs more on every V0 order of the period (the demo shop's and the seeded)
    v0 = projection.get_by_role("row").filter(has_text="V0 普通会员")
    expect(v0.get_by_text(re.compile(r"^\+¥"))).to_be_visible()
    assert_accessible(page, "console-tier-projection")
    # Nothing was saved: the table in force still gives V0 no discount.
    page.reload()
    expect(page.get_by_role("spinbutton", name="会员折扣").nth(0)).to_have_value("1000")

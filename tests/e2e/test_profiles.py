"""会员画像, 标签管理, 人群分群 and 聚类 end to end in Debian's Chromium against a real Shoplet
server: paid orders of eight members are written into the server's database; an owner presses
重新计算画像 and reads one member's profile, writes a rule tag and watches its live count, builds
and saves a segment and opens its members, and re-clusters. Every page is scanned with axe."""

from __future__ import annotations

import asyncio
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from tests.modules.insights.factories import Paid, add_orders, make_shop

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

MEMBER = 980_001


async def _seed(server: Server) -> None:
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
        orders = [Paid(MEMBER, now - n * day, quantity=30) for n in (1, 4, 9)]
        orders += [Paid(MEMBER + i, now - (2 + i) * day, quantity=20) for i in (1, 2, 3)]
        orders += [Paid(MEMBER + i, now - (200 + i) * day) for i in (4, 5, 6, 7)]
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_orders(s, shop, orders)
    finally:
        await engine.dispose()


def test_profiles_tags_segments_and_clusters(server: Server, owner: Staff, context: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed(server)).result()
    page = signed_in_page(context, owner)

    # 会员画像: recompute every profile, then read one.
    page.goto(f"{CONSOLE}/analytics/profiles")
    expect(page.get_by_role("heading", name="会员画像", exact=True)).to_be_visible()
    page.get_by_test_id("profiles-recompute").click()
    expect(page.get_by_test_id("profiles-job")).to_contain_text(
        re.compile(r"计算进度：(\d+) / \1"), timeout=60_000
    )
    page.get_by_test_id("profile-member").locator("input").fill(str(MEMBER))
    page.get_by_test_id("profile-load").click()
    fields = page.get_by_test_id("profile-fields")
    expect(fields).to_contain_text("订单数")
    expect(fields).to_contain_text("¥9,000.00")  # 3 orders of 30 × 100 yuan
    expect(page.get_by_test_id("profile-timeline")).to_contain_text("订单")
    assert_accessible(page, "console-profile")

    # 标签管理: a rule tag with its live count.
    code = f"big_{secrets.token_hex(3)}"
    page.goto(f"{CONSOLE}/analytics/tags")
    expect(page.get_by_role("heading", name="标签管理", exact=True)).to_be_visible()
    page.get_by_test_id("tag-new").click()
    page.get_by_test_id("tag-code").fill(code)
    page.get_by_test_id("tag-name").fill("大额客户")
    page.get_by_test_id("tag-value-0").fill("8000")
    expect(page.get_by_test_id("tag-count")).to_contain_text(re.compile(r"当前符合人数：[1-9]"))
    assert_accessible(page, "console-tags-editor")
    page.get_by_test_id("tag-save").click()
    expect(page.get_by_test_id("tags-table")).to_contain_text(code)

    # 人群分群: a segment with a live count, saved, its members listed.
    page.goto(f"{CONSOLE}/analytics/segments")
    expect(page.get_by_role("heading", name="人群分群", exact=True)).to_be_visible()
    page.get_by_test_id("segment-value-0").fill("3")
    expect(page.get_by_test_id("segment-count")).to_contain_text(re.compile(r"当前符合人数：[1-9]"))
    name = f"复购{secrets.token_hex(2)}"
    page.get_by_test_id("segment-name").fill(name)
    page.get_by_test_id("segment-save").click()
    expect(page.get_by_test_id("segment-notice")).to_contain_text(name)
    page.get_by_test_id("segments-table").get_by_role("button", name=name).click()
    # Other tests' members share the server and may fill the first pages: page on until ours.
    members = page.get_by_test_id("segment-members")
    for _ in range(40):
        try:
            expect(members).to_contain_text(str(MEMBER), timeout=3000)
            break
        except AssertionError:
            more = members.get_by_role("button", name="加载更多")
            if more.count() == 0:
                raise
            more.click()
    else:
        raise AssertionError(f"member {MEMBER} not listed in the segment")
    assert_accessible(page, "console-segments")

    # 聚类: re-cluster and read the clusters.
    page.goto(f"{CONSOLE}/analytics/clusters")
    expect(page.get_by_role("heading", name="聚类", exact=True)).to_be_visible()
    page.get_by_test_id("clusters-run").click()
    expect(page.get_by_test_id("clusters-job")).to_contain_text("已完成", timeout=60_000)
    expect(page.get_by_test_id("clusters-k")).to_contain_text("聚类数")
    expect(page.get_by_test_id("clusters-table").locator("tbody tr")).not_to_have_count(0)
    assert_accessible(page, "console-clusters")

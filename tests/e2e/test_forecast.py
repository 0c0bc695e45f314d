"""销量预测 and 补货建议 end to end in Debian's Chromium against a real Shoplet server: 60 days
of a SKU's sales are written into the server's database, an owner presses 重新计算 and watches
the run finish (the embedded server's worker loop works it), reads the SKU's forecast chart,
model and backtest, forecasts a pasted CSV (and sees a bad one refused with its point), then
finds the SKU on the will-run-out list, edits its lead time and exports the CSV. Both pages are
scanned with axe."""

from __future__ import annotations

import asyncio
import re
import time
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

MEMBER = 770_001
RUNS = f"{API}/console/insights/forecast/runs"


async def _seed(server: Server) -> int:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{(server.data_dir / 'shoplet.db').resolve()}"
    )
    try:
        ctx = cast(
            AppContext,
            SimpleNamespace(sessionmaker=async_sessionmaker(engine, expire_on_commit=False)),
        )
        shop = await make_shop(ctx)  # the costed SKU has 10 in stock
        now = utcnow()
        orders = [Paid(MEMBER, now - timedelta(days=n), quantity=3) for n in range(1, 61)]
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_orders(s, shop, orders)
        return shop.costed_sku
    finally:
        await engine.dispose()


def _wait_until_no_open_run(server: Server, owner: Staff) -> None:
    """The daily job queues a run when the server starts: let it finish before ours."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = server.http.get(f"{RUNS}/latest", headers=owner.auth).json()
        if run is None or run["status"] in ("done", "failed"):
            return
        time.sleep(0.5)
    raise AssertionError("the day's forecast run did not finish")


def _monthly_csv(n: int) -> str:
    rows = [f"{2018 + i // 12}-{i % 12 + 1:02d}-01,{100 + 10 * (i % 12) + i}" for i in range(n)]
    return "date,value\n" + "\n".join(rows)


def test_forecast_and_replenishment_pages(server: Server, owner: Staff, context: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        sku_id = pool.submit(asyncio.run, _seed(server)).result()
    _wait_until_no_open_run(server, owner)
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/analytics/forecast")
    expect(page.get_by_role("heading", name="销量预测", exact=True)).to_be_visible()

    progress = page.get_by_test_id("run-progress")
    with page.expect_response(lambda r: r.url.endswith("/forecast/runs")) as queued:
        page.get_by_test_id("recompute").click()
    assert queued.value.json()["status"] == "queued"
    expect(progress).to_contain_text(re.compile("queued|running"))
    expect(progress).to_contain_text("done", timeout=180_000)
    # 补货建议 links each SKU here: ?kind=sku&ref=<sku id>.
    with page.expect_response(lambda r: f"/forecast/series/sku/{sku_id}" in r.url) as answered:
        page.goto(f"{CONSOLE}/analytics/forecast?kind=sku&ref={sku_id}")
    assert answered.value.status == 200
    expect(page.get_by_test_id("forecast-facts")).to_contain_text("MASE")
    expect(page.get_by_role("img", name="历史销量、预测值与预测区间")).to_be_visible()
    assert_accessible(page, "console-forecast")

    # Ad hoc: a pasted monthly series, then one with a bad value.
    page.get_by_role("tab", name="自定义序列预测").click()
    page.get_by_test_id("csv-input").fill(_monthly_csv(36))
    page.get_by_test_id("run-adhoc").click()
    expect(page.get_by_test_id("adhoc-model")).not_to_be_empty(timeout=60_000)
    expect(page.get_by_test_id("adhoc-facts")).to_contain_text("MASE")
    bad = _monthly_csv(36).replace("2018-03-01,122", "2018-03-01,abc")
    page.get_by_test_id("csv-input").fill(bad)
    page.get_by_test_id("run-adhoc").click()
    expect(page.get_by_test_id("adhoc-error")).to_contain_text("数值无效")
    assert_accessible(page, "console-forecast-adhoc")

    # 补货建议: the SKU runs out within 7 days (10 in stock, about 3 a day).
    page.goto(f"{CONSOLE}/analytics/replenishment")
    expect(page.get_by_role("heading", name="补货建议", exact=True)).to_be_visible()
    page.get_by_role("combobox", name="预计 N 天内缺货").press("Enter")
    page.get_by_role("option", name="7 天", exact=True).click()
    row = (
        page.get_by_test_id("replenishment-table")
        .locator("tbody tr")
        .filter(has=page.get_by_role("cell", name=str(sku_id), exact=True))
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("7")  # default lead time
    assert_accessible(page, "console-replenishment")

    row.get_by_role("button", name="设置").first.click()
    lead_time = page.get_by_role("spinbutton", name="补货周期（天）")
    lead_time.fill("14")
    lead_time.press("Tab")
    page.get_by_test_id("save-setting").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    setting = server.http.get(
        f"{API}/console/insights/replenishment/settings/{sku_id}", headers=owner.auth
    ).json()
    assert setting["lead_time_days"] == 14

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("sku_id,product_id,name")
    assert any(line.startswith(f"{sku_id},") for line in exported.splitlines())

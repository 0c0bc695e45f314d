"""RFM 客户分层 end to end in Debian's Chromium against a real Shoplet server: paid orders of
four members are written into the server's database, an owner presses 重新计算 and watches the
run finish (the worker loop of the embedded server works it), reads the class tiles, opens a
class's customers, exports the CSV and imports a history file with its upload progress. The
page is scanned with axe and photographed."""

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

MEMBER = 990_001


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
        # Large enough to lead the spend-ordered list on the shared browser-test shop, whose
        # other modules' shoppers have orders too.
        orders = [Paid(MEMBER, now - n * day, quantity=1_000) for n in (1, 8, 30, 60)]
        orders += [Paid(MEMBER + 1, now - n * day) for n in (2, 40)]
        orders += [Paid(MEMBER + 2, now - 120 * day)]
        orders += [Paid(MEMBER + 3, now - 200 * day, quantity=5)]
        async with unit_of_work(ctx.sessionmaker) as s:
            await add_orders(s, shop, orders)
    finally:
        await engine.dispose()


def test_rfm_page_recomputes_lists_exports_and_imports(
    server: Server, owner: Staff, context: Any, tmp_path: Any
) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed(server)).result()
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/analytics/rfm")
    expect(page.get_by_role("heading", name="RFM 客户分层", exact=True)).to_be_visible()

    page.get_by_test_id("rfm-recompute").click()
    expect(page.get_by_test_id("rfm-run")).to_contain_text("已完成", timeout=60_000)
    tiles = page.get_by_test_id("rfm-tiles")
    expect(tiles).to_contain_text("重要价值客户")
    expect(tiles).to_contain_text("一般挽留客户")
    # The shop's demo history shares the classes with the seeded members: open the class the
    # run put MEMBER in (its spend leads every list, which is ordered by spend).
    mine = server.http.get(f"{API}/console/analytics/rfm/members/{MEMBER}", headers=owner.auth)
    assert mine.status_code == 200, mine.text
    tile = page.get_by_test_id(f"rfm-tile-{mine.json()['rfm_class']}")
    expect(tile).to_have_text(re.compile(r"客户\s*[1-9]"))
    tile.click()
    expect(tile).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("rfm-customers")).to_contain_text(str(MEMBER))
    assert_accessible(page, "console-rfm")

    with page.expect_download() as download_info:
        page.get_by_test_id("rfm-export").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("customer_key,member_id")
    assert f"m:{MEMBER},{MEMBER}," in exported

    history = tmp_path / "history.csv"
    history.write_text("customer_id,date,amount\nOLD-1,2025-01-05,88.00\nOLD-1,2025-03-01,12.5\n")
    page.get_by_test_id("rfm-history-file").set_input_files(str(history))
    expect(page.get_by_role("status").filter(has_text="已导入 2 条")).to_be_visible()

    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\nOLD-2,2025-01-05,88.00\nOLD-2,2025-02-30,1\n")
    page.get_by_test_id("rfm-history-file").set_input_files(str(bad))
    expect(page.get_by_role("alert")).to_contain_text("line 3")
    assert_accessible(page, "console-rfm-import")

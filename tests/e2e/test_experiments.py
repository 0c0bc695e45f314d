"""The experiment calculator (实验计算器) end to end in Debian's Chromium against a real Shoplet
server: an owner pastes the arms of a test as CSV, gets rates with intervals, lift, p-values,
P(best) and the winner, then a split that does not match the plan (the SRM banner and a blocked
verdict), then the sample size; each state is scanned with axe."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

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


def _analyze(page: Any, csv: str) -> None:
    if not page.locator("details").evaluate("d => d.open"):
        page.locator("summary").filter(has_text="粘贴 CSV").click()
    page.get_by_role("textbox", name="粘贴 CSV（组名,访客数,转化数）").fill(csv)
    page.get_by_role("button", name="导入", exact=True).click()
    with page.expect_response(lambda r: r.url.endswith("/console/experiments/analyze")) as answered:
        page.get_by_role("button", name="计算", exact=True).click()
    assert answered.value.status == 200, answered.value.text()


def test_owner_analyses_a_test_and_sizes_the_next(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/experiments/calculator")
    expect(page.get_by_role("heading", name="实验计算器", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name="实验计算器")).to_be_visible()

    _analyze(page, "对照,10000,1000\n新版,10000,1120\n新版2,10000,1010")
    results = page.get_by_test_id("results")
    expect(results).to_contain_text("11.20%")
    expect(results).to_contain_text("+12.00%")
    expect(page.get_by_test_id("verdict")).to_contain_text("有胜出组 · 新版")
    expect(page.get_by_test_id("srm-banner")).to_have_count(0)
    expect(page.get_by_role("img", name="各组转化率与置信区间")).to_be_visible()
    assert_accessible(page, "console-experiments-results")

    _analyze(page, "A,10000,1000\nB,10700,1400")
    expect(page.get_by_test_id("srm-banner")).to_contain_text("样本比例失衡")
    expect(page.get_by_test_id("verdict")).to_contain_text("已阻断")
    assert_accessible(page, "console-experiments-srm")

    with page.expect_response(
        lambda r: r.url.endswith("/console/experiments/sample-size")
    ) as sized:
        page.get_by_role("button", name="计算样本量").click()
    assert sized.value.status == 200
    expect(page.get_by_test_id("sample-size")).to_contain_text(
        f"{sized.value.json()['visitors_per_arm']:,}"
    )
    assert_accessible(page, "console-experiments-sample-size")

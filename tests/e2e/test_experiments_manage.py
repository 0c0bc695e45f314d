"""A/B 实验 end to end in Debian's Chromium against a real Shoplet server: an owner creates a
layer and an experiment in the editor, starts it, and opens its live results (arms, the "not
enough data yet" note, the interval chart); each state is scanned with axe."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

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


def test_owner_creates_starts_and_reads_an_experiment(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/experiments")
    expect(page.get_by_role("heading", name="A/B 实验", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name="A/B 实验")).to_be_visible()
    assert_accessible(page, "console-experiments-list")

    page.get_by_test_id("new-experiment").click()
    dialog = page.get_by_role("dialog", name="新建实验")
    expect(dialog).to_be_visible()
    dialog.get_by_label("实验名称").fill("结算按钮文案 e2e")
    dialog.get_by_label("实验假设").fill("“立即支付”更能促成支付")
    dialog.locator("summary").filter(has_text="新建实验层").click()
    dialog.get_by_label("层标识").fill("e2e-checkout")
    dialog.get_by_label("层名称").fill("结算页")
    with page.expect_response(
        lambda r: r.url.endswith("/console/experiments/layers") and r.request.method == "POST"
    ) as made:
        dialog.get_by_test_id("create-layer").click()
    assert made.value.status == 201, made.value.text()
    expect(dialog).to_contain_text("空闲区间：[0, 1000)")
    assert_accessible(page, "console-experiments-editor")
    with page.expect_response(
        lambda r: r.url.endswith("/console/experiments") and r.request.method == "POST"
    ) as created:
        dialog.get_by_test_id("save-experiment").click()
    assert created.value.status == 201, created.value.text()
    experiment_id = created.value.json()["id"]
    # The server is shared with the storefront's browser tests: a running checkout_button_text
    # experiment would rename their 提交订单 button for half of their shoppers, so it is stopped
    # whatever happens here.
    try:
        expect(page.get_by_test_id(f"status-{experiment_id}")).to_have_text("草稿")

        with page.expect_response(
            lambda r: r.url.endswith(f"/experiments/{experiment_id}/start")
        ) as started:
            page.get_by_test_id(f"start-{experiment_id}").click()
        assert started.value.status == 200, started.value.text()
        expect(page.get_by_test_id(f"status-{experiment_id}")).to_have_text("进行中")

        page.get_by_test_id(f"results-{experiment_id}").click()
        expect(page.get_by_role("heading", name="实验结果 · 结算按钮文案 e2e")).to_be_visible()
        results = page.get_by_test_id("results")
        expect(results).to_contain_text("对照组")
        expect(results).to_contain_text("实验组")
        expect(page.get_by_test_id("no-data")).to_be_visible()
        expect(page.get_by_test_id("srm-banner")).to_have_count(0)
        expect(page.get_by_role("img", name="各组转化率与置信区间")).to_be_visible()
        assert_accessible(page, "console-experiments-live-results")
    finally:
        stopped = server.http.post(
            f"{API}/console/experiments/{experiment_id}/stop", headers=owner.auth, json={}
        )
        assert stopped.status_code in (200, 409), stopped.text  # 409: never started

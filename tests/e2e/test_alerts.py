"""告警 (metric alerts) end to end in Debian's Chromium against a real Shoplet server: an owner
sets up a WeCom robot channel and sends a test message through the server's robot simulator,
creates an anomaly monitor on UV with that channel, edits it to a week-over-week rule, silences
it; the header's bell links to the page; each state is scanned with axe. (Incidents are opened by
the job, which the shared live server runs on its own clock: their console flows are covered
over HTTP in tests/modules/insights/test_alerts_api.py.)"""

from __future__ import annotations

import secrets
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

DEMO_WECOM_KEY = "shoplet-demo-wecom-key"


def test_owner_sets_up_a_robot_and_a_monitor(server: Server, owner: Staff, context: Any) -> None:
    suffix = secrets.token_hex(3)
    channel_name = f"运营群{suffix}"
    monitor_name = f"UV 异常{suffix}"
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/alerts")
    expect(page.get_by_role("heading", name="告警", exact=True)).to_be_visible()
    expect(page.get_by_test_id("alert-inbox")).to_be_visible()
    assert_accessible(page, "console-alerts")

    # A WeCom robot, then 发送测试消息 through the server's simulator.
    page.get_by_test_id("new-channel").click()
    dialog = page.get_by_role("dialog", name="新建渠道")
    dialog.get_by_label("名称").fill(channel_name)
    dialog.get_by_label("类型").select_option("wecom")
    dialog.get_by_label("Webhook key").fill(DEMO_WECOM_KEY)
    assert_accessible(page, "console-alerts-channel-editor")
    with page.expect_response(lambda r: r.url.endswith("/insights/alerts/channels")) as created:
        dialog.get_by_test_id("save-channel").click()
    assert created.value.status == 201, created.value.text()
    channel_id = created.value.json()["id"]
    page.get_by_role("tab", name="通知渠道").click()
    table = page.get_by_test_id("channel-table")
    expect(table).to_contain_text(channel_name)
    expect(table).to_contain_text("…-key")
    page.get_by_test_id(f"test-channel-{channel_id}").click()
    expect(page.get_by_test_id(f"test-result-{channel_id}")).to_have_text("测试消息已发送")
    assert_accessible(page, "console-alerts-channels")

    # An anomaly monitor on UV notifying that robot.
    page.get_by_test_id("new-monitor").click()
    editor = page.get_by_role("dialog", name="新建监控")
    editor.get_by_label("名称").fill(monitor_name)
    editor.get_by_label("指标").select_option("uv")
    editor.get_by_label("规则").select_option("anomaly")
    editor.get_by_label("方向").select_option("down")
    editor.locator("label.el-checkbox").filter(has_text=channel_name).click()
    assert_accessible(page, "console-alerts-monitor-editor")
    with page.expect_response(lambda r: r.url.endswith("/insights/alerts/monitors")) as made:
        editor.get_by_test_id("save-monitor").click()
    assert made.value.status == 201, made.value.text()
    monitor = made.value.json()
    assert monitor["channel_ids"] == [channel_id]
    assert monitor["rule"]["kind"] == "anomaly"
    page.get_by_role("tab", name="监控规则").click()
    monitors = page.get_by_test_id("monitor-table")
    expect(monitors).to_contain_text(monitor_name)
    expect(monitors).to_contain_text("异常检测：下降，z > 4，参考 4 周")

    # A bad edit is refused with the glossary's message and changes nothing; a good one saves.
    page.get_by_test_id(f"edit-monitor-{monitor['id']}").click()
    edit = page.get_by_role("dialog", name="编辑监控")
    edit.get_by_label("规则").select_option("change")
    edit.get_by_label("变化幅度（%）").fill("0")
    edit.get_by_test_id("save-monitor").click()
    expect(edit.get_by_role("alert")).to_contain_text("规则无效")
    edit.get_by_label("变化幅度（%）").fill("20")
    with page.expect_response(lambda r: "/insights/alerts/monitors/" in r.url) as saved:
        edit.get_by_test_id("save-monitor").click()
    assert saved.value.status == 200, saved.value.text()
    expect(monitors).to_contain_text("较上周同期下降超过 20%")

    # Silence it for an hour.
    page.get_by_test_id(f"silence-{monitor['id']}").click()
    expect(monitors).to_contain_text("静默中")
    assert_accessible(page, "console-alerts-monitors")

    # The incidents tab (empty or not: the live server is shared) and the bell's link.
    page.get_by_role("tab", name="告警事件").click()
    expect(page.get_by_test_id("incident-table")).to_be_visible()
    page.goto(f"{CONSOLE}/dashboard")
    page.get_by_test_id("alert-inbox").click()
    expect(page.get_by_role("heading", name="告警", exact=True)).to_be_visible()

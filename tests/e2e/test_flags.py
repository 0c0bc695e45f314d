"""Feature flags (功能开关) end to end in Debian's Chromium against a real Shoplet server: an
owner creates a flag with a rule, enables it behind the confirmation, the storefront bootstrap
serves it, the kill switch turns it off for everyone, and the history shows both; each state is
scanned with axe."""

from __future__ import annotations

import time
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


def _served(server: Server, value: bool) -> None:
    """The storefront bootstrap serves ``value`` for new_checkout within 5 s (the server's
    ruleset reloads once the change is announced): asked again until then, never slept on."""
    deadline = time.monotonic() + 5
    flags: Any = None
    while time.monotonic() < deadline:
        response = server.http.get(
            f"{API}/flags/bootstrap", headers={"X-Device-Id": "e2e-device-01"}
        )
        assert response.status_code == 200, response.text
        flags = response.json()["flags"]
        if flags.get("new_checkout", {}).get("value") is value:
            return
    raise AssertionError(f"new_checkout not {value} within 5 s: {flags}")


def test_owner_creates_enables_and_kills_a_flag(server: Server, owner: Staff, context: Any) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/experiments/flags")
    expect(page.get_by_role("heading", name="功能开关", exact=True)).to_be_visible()
    assert_accessible(page, "console-flags-empty")

    page.get_by_role("button", name="新建开关").click()
    dialog = page.get_by_role("dialog", name="新建开关")
    dialog.get_by_label("开关标识").fill("new_checkout")
    dialog.get_by_label("说明").fill("新结算页")
    dialog.get_by_role("button", name="添加规则").click()
    dialog.get_by_label("规则 1 条件").fill("100")
    assert_accessible(page, "console-flags-editor")
    with page.expect_response(lambda r: r.url.endswith("/console/flags")) as created:
        dialog.get_by_role("button", name="保存").click()
    assert created.value.status == 201, created.value.text()
    expect(page.get_by_test_id("flag-table")).to_contain_text("new_checkout")

    page.get_by_test_id("toggle-new_checkout").click()
    confirm = page.get_by_role("dialog", name="启用开关")
    with page.expect_response(lambda r: r.url.endswith("/toggle")) as enabled:
        confirm.get_by_role("button", name="确定").click()
    assert enabled.value.status == 200
    expect(page.get_by_role("switch", name="启用 new_checkout")).to_be_checked()
    _served(server, True)

    page.get_by_test_id("toggle-new_checkout").click()
    kill = page.get_by_role("dialog", name="关闭开关")
    expect(kill).to_contain_text("所有用户立即得到")
    assert_accessible(page, "console-flags-kill-confirm")
    with page.expect_response(lambda r: r.url.endswith("/toggle")) as killed:
        kill.get_by_role("button", name="确定").click()
    assert killed.value.json()["is_enabled"] is False
    _served(server, False)

    page.get_by_role("button", name="变更记录").click()
    history = page.get_by_test_id("flag-history")
    expect(history).to_contain_text("关闭（熔断）")
    expect(history).to_contain_text("启用")
    expect(history).to_contain_text("创建")
    assert_accessible(page, "console-flags-history")

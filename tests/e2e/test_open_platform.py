"""开放平台 end to end in Debian's Chromium against a real Shoplet server: an owner registers a
partner app (the key and secret are shown once), a request signed outside the browser with
them is accepted, the call shows in 调用日志 searched by app and status, the secret is
rotated and the app disabled; each state is scanned with axe."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.modules.openapi.factories import signed_headers

from .test_console import (
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
    wait_for,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

OPEN = "/open/v1"


def test_owner_registers_an_app_whose_signed_call_shows_in_the_log(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/open-platform/apps")
    expect(page.get_by_role("heading", name="开放平台 · 应用")).to_be_visible()
    assert_accessible(page, "console-open-apps")

    name = f"ERP-{RUN}"
    page.get_by_test_id("new-open-app").click()
    dialog = page.get_by_role("dialog", name="新建应用")
    dialog.get_by_label("名称").fill(name)
    dialog.locator("label.el-checkbox").filter(has_text="读取库存").click()
    dialog.get_by_label("IP 白名单").fill("127.0.0.1\n::1")
    assert_accessible(page, "console-open-apps-create")
    with page.expect_response(lambda r: r.url.endswith("/console/openapi/apps")) as created:
        dialog.get_by_role("button", name="创建").click()
    assert created.value.status == 201, created.value.text()

    shown = page.get_by_test_id("open-app-credentials")
    expect(shown).to_contain_text("只显示这一次")
    key = shown.get_by_test_id("app-key").inner_text().strip()
    secret = shown.get_by_test_id("app-secret").inner_text().strip()
    assert key.startswith("ak_")
    assert len(secret) >= 40
    assert_accessible(page, "console-open-apps-secret")
    page.get_by_role("button", name="我已保存").click()
    row = page.get_by_test_id("open-apps-table").locator("tbody tr").filter(has_text=name)
    expect(row).to_contain_text("读取库存")
    expect(row).to_contain_text(f"…{secret[-4:]}")
    assert secret not in page.content()

    # A partner call signed outside the browser (an independent implementation).
    response = server.http.get(
        f"{OPEN}/products",
        params={"limit": "5"},
        headers=signed_headers(key, secret, "GET", f"{OPEN}/products", params={"limit": "5"}),
    )
    assert response.status_code == 200, response.text
    refused = server.http.get(
        f"{OPEN}/orders", headers=signed_headers(key, secret, "GET", f"{OPEN}/orders")
    )
    assert refused.json()["code"] == "openapi.scope_missing"

    page.goto(f"{CONSOLE}/open-platform/access-log")
    expect(page.get_by_role("heading", name="开放平台 · 调用日志")).to_be_visible()
    page.get_by_label("状态码").fill("403")
    entries = page.get_by_test_id("access-log-table").locator("tbody tr")

    def logged() -> bool:
        page.get_by_test_id("search-access-log").click()
        page.wait_for_load_state("networkidle")
        return entries.filter(has_text=f"{OPEN}/orders").count() > 0

    wait_for(logged, what="the refused call in the access log")
    expect(entries.filter(has_text=f"{OPEN}/orders").first).to_contain_text(name)
    expect(entries.filter(has_not_text="403")).to_have_count(0)
    assert_accessible(page, "console-open-access-log")

    page.goto(f"{CONSOLE}/open-platform/apps")
    row = page.get_by_test_id("open-apps-table").locator("tbody tr").filter(has_text=name)
    row.get_by_role("button", name="轮换密钥").click()
    rotate = page.get_by_role("dialog", name=f"轮换密钥 {name}")
    expect(rotate).to_contain_text("旧密钥在所选时间前仍可使用")
    assert_accessible(page, "console-open-apps-rotate")
    with page.expect_response(lambda r: r.url.endswith("/rotate-secret")) as rotated:
        rotate.get_by_role("button", name="轮换密钥").click()
    assert rotated.value.status == 200, rotated.value.text()
    new_secret = page.get_by_test_id("app-secret").inner_text().strip()
    assert new_secret != secret
    page.get_by_role("button", name="我已保存").click()
    for each in (secret, new_secret):  # both valid during the overlap
        again = server.http.get(
            f"{OPEN}/products", headers=signed_headers(key, each, "GET", f"{OPEN}/products")
        )
        assert again.status_code == 200, again.text

    row.get_by_role("button", name="停用").click()
    confirm = page.get_by_role("dialog", name="停用")
    with page.expect_response(lambda r: "/console/openapi/apps/" in r.url) as disabled:
        confirm.get_by_role("button", name="停用").click()
    assert disabled.value.json()["is_active"] is False
    expect(row).to_contain_text("停用")
    off = server.http.get(
        f"{OPEN}/products", headers=signed_headers(key, new_secret, "GET", f"{OPEN}/products")
    )
    assert off.json()["code"] == "openapi.app_disabled"

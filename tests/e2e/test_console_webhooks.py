"""开放平台 · Webhook end to end in Debian's Chromium against a real Shoplet server and a real
HTTP receiver on loopback (the embedded server allows private targets): an owner subscribes
an app's URL (the secret is shown once), sends 测试推送, sees it 已送达 in 推送记录 with its
attempt in the detail, then 重发 queues it again and the worker delivers the same event id a
second time; every state is scanned with axe."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

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
    wait_for,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules


@pytest.fixture(scope="module", autouse=True)
def _console_routes_loaded(server: Server) -> None:
    """The first console request imports every console router: on a loaded machine that
    outlasts a sign-in's 15 s timeout, so load them once before the owner signs in."""
    server.http.get(f"{API}/console/auth/me", timeout=300)


@dataclass
class Received:
    event_ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    """A webhook receiver on a free loopback port answering 200 to every POST."""
    seen = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            seen.event_ids.append(self.headers.get("X-Shoplet-Event-Id", ""))
            seen.types.append(self.headers.get("X-Shoplet-Event-Type", ""))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/{RUN}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_owner_subscribes_pings_sees_the_log_and_resends(
    server: Server, owner: Staff, context: Any, receiver: tuple[str, Received]
) -> None:
    url, seen = receiver
    name = f"WMS-{RUN}"
    created = server.http.post(
        f"{API}/console/openapi/apps",
        headers=owner.auth,
        json={"name": name, "scopes": ["orders:read"], "rate_limit_per_minute": 600},
    )
    assert created.status_code == 201, created.text

    def is_create(response: Any) -> bool:
        return bool(response.url.endswith("/webhooks") and response.request.method == "POST")

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/open-platform/webhooks")
    expect(page.get_by_role("heading", name="开放平台 · Webhook")).to_be_visible()
    page.get_by_test_id("webhook-app").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.get_by_test_id("new-webhook")).to_be_enabled()
    assert_accessible(page, "console-webhooks")

    page.get_by_test_id("new-webhook").click()
    dialog = page.get_by_role("dialog", name="新建订阅")
    dialog.get_by_label("推送地址").fill(url)
    dialog.locator("label.el-checkbox").filter(has_text="订单支付").click()
    assert_accessible(page, "console-webhooks-create")
    with page.expect_response(is_create) as made:
        dialog.get_by_role("button", name="创建").click()
    assert made.value.status == 201, made.value.text()
    secret = made.value.json()["secret"]
    shown = page.get_by_test_id("webhook-secret")
    expect(shown).to_contain_text(secret)
    assert_accessible(page, "console-webhooks-secret")
    page.get_by_role("button", name="我已保存").click()
    row = page.get_by_test_id("webhooks-table").locator("tbody tr").filter(has_text=url)
    expect(row).to_contain_text("订单支付")
    expect(row).to_contain_text(f"…{secret[-4:]}")
    assert secret not in page.content()

    # 测试推送: sent now, answered 200 by the receiver.
    with page.expect_response(lambda r: r.url.endswith("/ping")) as pinged:
        row.get_by_test_id("ping-webhook").click()
    assert pinged.value.status == 200, pinged.value.text()
    assert pinged.value.json()["status"] == "delivered"
    assert seen.types == ["webhook.ping"]
    event_id = seen.event_ids[0]
    log = page.get_by_test_id("deliveries-table").locator("tbody tr")
    expect(log.first).to_contain_text("webhook.ping")
    expect(log.first).to_contain_text("已送达")
    assert_accessible(page, "console-webhooks-log")

    log.first.get_by_role("button", name="详情").click()
    detail = page.get_by_test_id("delivery-detail")
    expect(detail).to_contain_text(event_id)
    expect(detail.locator("tbody tr")).to_have_count(1)
    assert_accessible(page, "console-webhooks-detail")
    page.keyboard.press("Escape")
    expect(detail).to_be_hidden()

    # 重发: queued again (待推送); the in-process worker sends the same event id again.
    with page.expect_response(lambda r: r.url.endswith("/resend")) as resent:
        log.first.get_by_test_id("resend-delivery").click()
    assert resent.value.status == 200, resent.value.text()
    expect(log.first).to_contain_text("待推送")
    wait_for(lambda: len(seen.event_ids) == 2, what="the resent delivery at the receiver")
    assert seen.event_ids == [event_id, event_id]

    def delivered_again() -> bool:
        page.get_by_test_id("search-deliveries").click()
        page.wait_for_load_state("networkidle")
        return "已送达" in log.first.inner_text()

    wait_for(delivered_again, what="the resent delivery shown as delivered")
    assert_accessible(page, "console-webhooks-resent")

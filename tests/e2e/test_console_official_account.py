"""公众号消息 end to end in Debian's Chromium against a real Shoplet server: an operator fills in
the 公众号's settings (a malformed EncodingAESKey refused on the page first, nothing saved),
sees the push URL, the follower count and that secrets are never shown back, maps 支付成功 to a
template message with its field mapping, and reads the send log (none with that template yet).
Each state is scanned with axe; the screenshots go into docs/omnichannel.md."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import pick_option

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    create_staff_api,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"  # pragma: allowlist secret
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # pragma: allowlist secret
TEMPLATE_ID = f"oa-pay-E2E-{RUN}"
FIELDS = [("character_string1", "订单号"), ("amount2", "金额")]


@pytest.fixture(scope="module", autouse=True)
def _console_routes_loaded(server: Server) -> None:
    """Load every console router once before anyone signs in (see test_console_webhooks)."""
    server.http.get(f"{API}/console/auth/me", timeout=300)


def test_operator_sets_up_the_official_account_and_maps_a_template(
    server: Server, owner: Staff, context: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_oa_{RUN}", "operator")
    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/content/official-account")
    expect(page.get_by_role("heading", name="公众号消息", exact=True)).to_be_visible()
    expect(page.get_by_test_id("oa-push-url")).to_contain_text(
        "/api/v1/wechat/official-account/push"
    )

    # The e2e server is shared: another module (campaigns) may have set the 公众号 up already, so
    # the figures below are read from the API rather than assumed empty.
    settings_url = f"{API}/console/official-account/settings"
    before = server.http.get(settings_url, headers=operator.auth).json()
    form = page.get_by_test_id("oa-settings-form")
    form.get_by_test_id("oa-appid").fill(APPID)
    form.get_by_test_id("oa-secret").fill(SECRET)
    form.get_by_test_id("oa-token").fill("shopletE2E")
    form.get_by_test_id("oa-aes-key").fill("!" * 43)
    page.get_by_test_id("oa-save-settings").click()
    expect(form.get_by_role("alert")).to_contain_text("EncodingAESKey 须为 43 位")
    assert server.http.get(settings_url, headers=operator.auth).json() == before  # nothing saved

    form.get_by_test_id("oa-aes-key").fill(AES_KEY)
    with page.expect_response(lambda r: r.url.endswith("/official-account/settings")) as saved:
        page.get_by_test_id("oa-save-settings").click()
    assert saved.value.status == 200, saved.value.text()
    summary = page.get_by_test_id("oa-summary")
    expect(summary).to_contain_text("安全模式")
    followers = server.http.get(settings_url, headers=operator.auth).json()["followers"]
    expect(page.get_by_test_id("oa-followers")).to_have_text(str(followers))
    expect(form.get_by_test_id("oa-secret")).to_have_value("")
    assert SECRET not in page.content()
    assert_accessible(page, "console-official-account")

    page.get_by_test_id("oa-edit-payment_success").click()
    dialog = page.get_by_test_id("oa-template-form")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("oa-template-id").fill(TEMPLATE_ID)
    dialog.get_by_label("小程序页面").fill("pages/orders/detail")
    for i, (key, source) in enumerate(FIELDS):
        if i:
            dialog.get_by_test_id("oa-add-field").click()
        dialog.get_by_test_id(f"oa-field-key-{i}").fill(key)
        pick_option(page, dialog.get_by_test_id(f"oa-field-source-{i}"), source, exact=True)
    assert_accessible(page, "console-official-account-template")
    with page.expect_response(
        lambda r: r.url.endswith("/official-account/templates/payment_success")
    ) as mapped:
        page.get_by_test_id("oa-save-template").click()
    assert mapped.value.status == 200, mapped.value.text()
    expect(dialog).to_be_hidden()
    templates = page.get_by_test_id("oa-templates")
    expect(templates).to_contain_text(TEMPLATE_ID)
    expect(templates).to_contain_text("character_string1 ← 订单号")
    expect(page.get_by_test_id("oa-sends")).not_to_contain_text(TEMPLATE_ID)  # nothing sent yet
    assert_accessible(page, "console-official-account-mapped")

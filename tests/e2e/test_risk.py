"""风控 end to end in Debian's Chromium against a real Shoplet server: an owner adopts the default
rules, edits one with a bad value (the error names the path at fault), saves it valid, adds a
network to the deny list, finds a decision the API made in the decision log and closes it in
the review queue; each state is scanned with axe."""

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

RULE = "撞库：账号多次失败"
PHONE = "13900007741"  # a number no other browser test signs in with
NETWORK = "203.0.113.0/24"


def _mistyped_logins(server: Server, owner: Staff) -> int:
    """Two wrong codes for one number: the first is reported to the engine as a failure, the
    second is scored with one failure, matches the edited rule and waits for review (a review
    lets the attempt through to the code check, which refuses it). Returns the decision id."""
    sent = server.http.post(f"{API}/auth/sms-code", json={"phone": PHONE})
    assert sent.status_code == 202, sent.text
    for _ in range(2):
        wrong = server.http.post(
            f"{API}/auth/sms-login",
            json={"phone": PHONE, "code": "000000"},
            headers={"X-Device-Id": "e2e-risk-device-01"},
        )
        assert wrong.status_code == 400, wrong.text
    pending = server.http.get(
        f"{API}/console/risk/decisions",
        params={"action": "login", "review_state": "pending"},
        headers=owner.auth,
    )
    assert pending.status_code == 200, pending.text
    mine = [d for d in pending.json()["items"] if d["reasons"][0] == f"rule:{RULE}"]
    assert mine, pending.json()
    return int(mine[0]["id"])


def test_owner_edits_rules_lists_and_closes_a_review(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/risk")
    expect(page.get_by_role("heading", name="风控", exact=True)).to_be_visible()
    rules = page.get_by_test_id("risk-rules")
    expect(rules).to_contain_text(RULE)
    assert_accessible(page, "console-risk-rules")

    # The defaults are copied into the table so they can be edited.
    page.get_by_role("button", name="采用默认规则").click()
    edit = page.get_by_role("button", name=f"编辑规则 {RULE}")
    expect(edit).to_be_visible()

    # A count that is not a number: the server's code and the path at fault, nothing saved.
    edit.click()
    dialog = page.get_by_role("dialog", name="编辑规则")
    dialog.get_by_label("值 1", exact=True).fill("很多")
    with page.expect_response(lambda r: "/console/risk/rules/" in r.url) as refused:
        dialog.get_by_role("button", name="保存").click()
    assert refused.value.status == 400
    assert refused.value.json()["code"] == "risk.rule_bad_value"
    error = dialog.get_by_test_id("risk-rule-error")
    expect(error).to_contain_text("conditions[0].value")
    assert_accessible(page, "console-risk-rule-error")

    # Valid: one failure is enough, and the attempt waits for review instead of a challenge.
    dialog.get_by_label("值 1", exact=True).fill("1")
    dialog.locator("label.el-radio-button").filter(has_text="人工审核").click()
    with page.expect_response(lambda r: "/console/risk/rules/" in r.url) as saved:
        dialog.get_by_role("button", name="保存").click()
    assert saved.value.status == 200, saved.value.text()
    expect(dialog).to_be_hidden()
    row = rules.locator("tr").filter(has_text=RULE)
    expect(row).to_contain_text("account_failures 大于等于 1")
    expect(row).to_contain_text("人工审核")

    # A network on the deny list.
    page.get_by_role("tab", name="名单").click()
    page.get_by_role("textbox", name="IP 或网段").fill(NETWORK)
    page.get_by_role("textbox", name="备注").fill("测试网段")
    with page.expect_response(lambda r: r.url.endswith("/console/risk/lists")) as added:
        page.get_by_role("button", name="加入名单").click()
    assert added.value.status == 201, added.value.text()
    expect(page.get_by_test_id("risk-lists")).to_contain_text(NETWORK)
    assert_accessible(page, "console-risk-lists")

    # A decision made through the API shows in the log with its rule.
    decision = _mistyped_logins(server, owner)
    page.get_by_role("tab", name="决策日志").click()
    log = page.get_by_test_id("risk-decisions")
    expect(log).to_contain_text(f"rule:{RULE}")
    expect(log).to_contain_text("人工审核")
    assert_accessible(page, "console-risk-decisions")

    # Closed from the review queue: it leaves the queue, the log says it was let through.
    page.get_by_role("tab", name="待审核").click()
    queue = page.get_by_test_id("risk-queue")
    approve = queue.get_by_role("button", name=f"放行 {decision}", exact=True)
    expect(approve).to_be_visible()
    assert_accessible(page, "console-risk-queue")
    with page.expect_response(lambda r: r.url.endswith(f"/{decision}/review")) as closed:
        approve.click()
    assert closed.value.status == 200, closed.value.text()
    expect(approve).to_be_hidden()
    after = server.http.get(
        f"{API}/console/risk/decisions", params={"action": "login"}, headers=owner.auth
    )
    [mine] = [d for d in after.json()["items"] if d["id"] == decision]
    assert mine["review_state"] == "approved"

    # The anomaly model: what it was fitted on, and the traffic sampled for the next fit.
    page.get_by_role("tab", name="异常检测模型").click()
    panel = page.get_by_test_id("risk-model")
    expect(panel.get_by_test_id("risk-model-samples")).to_contain_text("/ 500")
    status = server.http.get(f"{API}/console/risk/anomaly", headers=owner.auth).json()
    if status["model"] is None:
        expect(panel).to_contain_text("尚未训练")
    else:
        expect(panel.get_by_test_id("risk-model-version")).to_have_text(status["model"]["version"])
    assert_accessible(page, "console-risk-model")

"""The coupon list's dialogs end to end in Debian's Chromium against a real Shoplet server: the
兑换码 drawer, 发给会员 → 按人群, and 停止并作废. Each is first given a mistake (a count outside
1..quota, a date that is not one, an empty reason): the dialog names it and the API shows that
nothing was created, issued or voided; then the right input does it, and the API shows exactly
that (one batch of 5 codes; the new shopper holds the coupon; every unused copy void and the
template stopped). Every dialog is scanned with axe.

Each test makes its own template (not claimable in the coupon centre), so the other browser
tests sharing the shop see nothing of them.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _template(server: Server, owner: Staff, name: str, *, per_shopper: int = 1) -> int:
    created = server.http.post(
        f"{API}/console/coupon-templates",
        headers=owner.auth,
        json={
            "name": name,
            "kind": "threshold",
            "threshold": 99_999_900,
            "amount": 1_000,
            "total_quota": 50,
            "per_shopper_limit": per_shopper,
            "valid_days": 7,
            "is_claimable": False,
        },
    )
    assert created.status_code == 201, created.text
    template_id = int(created.json()["id"])
    url = f"{API}/console/coupon-templates/{template_id}"
    assert server.http.post(f"{url}/activate", headers=owner.auth).status_code == 200
    return template_id


def _stop(server: Server, owner: Staff, template_id: int) -> None:
    url = f"{API}/console/coupon-templates/{template_id}"
    if server.http.get(url, headers=owner.auth).json()["status"] == "active":
        assert server.http.post(f"{url}/stop", headers=owner.auth).status_code == 200


def _claims(server: Server, owner: Staff, template_id: int) -> list[dict[str, Any]]:
    response = server.http.get(
        f"{API}/console/coupon-templates/{template_id}/claims",
        headers=owner.auth,
        params={"limit": 100},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _new_member(server: Server) -> int:
    """A shopper who signs up now (registered today, Asia/Shanghai)."""
    code = f"test-1397{secrets.randbelow(10**7):07d}"
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": code}).json()
    return int(tokens["member"]["id"])


def _row(page: Any, name: str) -> Any:
    return page.get_by_test_id("coupon-table").locator("tr").filter(has_text=name)


def _until(check: Any, what: str, seconds: float = 20.0) -> None:
    """Poll the API until ``check()`` holds (a background job finishing), or fail naming it."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_the_code_batch_drawer_refuses_a_bad_count_then_generates(
    server: Server, owner: Staff, context: Any
) -> None:
    name = f"兑换码券 {RUN}"
    template_id = _template(server, owner, name)
    batches = f"{API}/console/coupon-templates/{template_id}/codes"
    try:
        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/coupons")
        _row(page, name).get_by_role("button", name=f"兑换码 {name}").click()
        drawer = page.get_by_role("dialog", name=f"兑换码：{name}")
        expect(drawer).to_be_visible()

        for bad in ("0", "51", "五"):
            drawer.get_by_test_id("code-count").fill(bad)
            drawer.get_by_test_id("code-generate").click()
            expect(drawer.get_by_text("数量须为 1–50 的整数（不超过优惠券总量）")).to_be_visible()
        assert server.http.get(batches, headers=owner.auth).json()["items"] == []
        assert_accessible(page, "console-coupon-codes-error")

        drawer.get_by_test_id("code-count").fill("5")
        drawer.get_by_test_id("code-generate").click()
        expect(drawer.get_by_text("5 个", exact=True)).to_be_visible()
        expect(drawer.get_by_text("数量须为")).to_be_hidden()
        made = server.http.get(batches, headers=owner.auth).json()["items"]
        assert [(b["kind"], b["count"], b["redeemed"], b["status"]) for b in made] == [
            ("one_time", 5, 0, "active")
        ]
        assert_accessible(page, "console-coupon-codes")
    finally:
        _stop(server, owner, template_id)


def test_issuing_to_a_segment_refuses_a_bad_date_then_issues(
    server: Server, owner: Staff, context: Any
) -> None:
    name = f"人群券 {RUN}"
    template_id = _template(server, owner, name)
    member_id = _new_member(server)
    today = datetime.now(SHANGHAI).date()
    try:
        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/coupons")
        _row(page, name).get_by_role("button", name=f"发给会员 {name}").click()
        dialog = page.get_by_role("dialog", name=f"发给会员：{name}")
        dialog.get_by_test_id("issue-segment-mode").click()

        dialog.get_by_role("textbox", name="注册开始日期").fill("2026-13-40")
        dialog.get_by_test_id("issue-submit").click()
        expect(dialog.get_by_text("日期格式为 2026-01-31")).to_be_visible()
        dialog.get_by_test_id("segment-preview").click()
        expect(dialog.get_by_text("日期格式为 2026-01-31")).to_be_visible()
        expect(dialog.get_by_test_id("coupon-job")).to_have_count(0)
        assert _claims(server, owner, template_id) == []
        assert_accessible(page, "console-coupon-segment-error")

        # Everyone who signed up today: the new shopper among them.
        dialog.get_by_role("textbox", name="注册开始日期").fill(today.isoformat())
        dialog.get_by_role("textbox", name="注册结束日期（不含）").fill(
            (today + timedelta(days=1)).isoformat()
        )
        dialog.get_by_test_id("segment-preview").click()
        expect(dialog.get_by_test_id("segment-count")).to_contain_text("符合条件的会员约")
        dialog.get_by_test_id("issue-submit").click()
        job = dialog.get_by_test_id("coupon-job")
        expect(job).to_contain_text("按人群发券 · 已完成", timeout=20_000)
        assert member_id in {c["member_id"] for c in _claims(server, owner, template_id)}
        assert_accessible(page, "console-coupon-segment")
    finally:
        _stop(server, owner, template_id)


def test_voiding_unused_copies_wants_a_reason_then_voids_them(
    server: Server, owner: Staff, context: Any
) -> None:
    name = f"作废券 {RUN}"
    template_id = _template(server, owner, name)
    url = f"{API}/console/coupon-templates/{template_id}"
    members = [_new_member(server), _new_member(server)]
    try:
        issued = server.http.post(
            f"{url}/issue", headers=owner.auth, json={"member_ids": members, "dry_run": False}
        )
        assert issued.status_code in (200, 201), issued.text
        assert sorted(c["state"] for c in _claims(server, owner, template_id)) == ["unused"] * 2

        page = signed_in_page(context, owner)
        page.goto(f"{CONSOLE}/coupons")
        _row(page, name).get_by_role("button", name=f"停止并作废 {name}").click()
        prompt = page.get_by_role("dialog", name="停止并作废")
        expect(prompt).to_be_visible()
        prompt.get_by_role("button", name="作废").click()
        expect(prompt.get_by_text("请填写 1–200 字的原因")).to_be_visible()
        prompt.get_by_role("textbox").fill("   ")
        prompt.get_by_role("button", name="作废").click()
        expect(prompt.get_by_text("请填写 1–200 字的原因")).to_be_visible()
        assert server.http.get(url, headers=owner.auth).json()["status"] == "active"
        assert sorted(c["state"] for c in _claims(server, owner, template_id)) == ["unused"] * 2
        assert_accessible(page, "console-coupon-void-error")

        prompt.get_by_role("textbox").fill("活动取消")
        prompt.get_by_role("button", name="作废").click()
        progress = page.get_by_role("dialog", name="作废未使用的券")
        expect(progress.get_by_test_id("coupon-job")).to_contain_text("已完成", timeout=20_000)
        expect(progress).to_contain_text("已作废 2 张")
        _until(
            lambda: [c["state"] for c in _claims(server, owner, template_id)] == ["void"] * 2,
            "both copies void",
        )
        assert server.http.get(url, headers=owner.auth).json()["status"] == "stopped"
        assert_accessible(page, "console-coupon-void")
    finally:
        _stop(server, owner, template_id)

"""Points end to end in Debian's Chromium against a real Shoplet server: a shopper (phone
viewport) goes from 我的 to 每日签到, signs in (the button says what it gives, the result is
announced, the day is marked in the calendar), then finds the points in 我的积分 with the
sign-in in the history. Both pages are scanned with axe and the keyboard audit."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.e2e.conftest import page_url

from .test_console import API, RUN, Server, context, server
from .test_coupons import _check, phone

__all__ = ["context", "phone", "server"]  # fixtures shared with test_console.py

SHOPPER_CODE = f"test-1391000{int(RUN, 16) % 10000:04d}"


def test_a_shopper_signs_in_and_finds_the_points(server: Server, phone: Any) -> None:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    phone.goto("/")
    saved = {
        "accessToken": tokens["access_token"],
        "refreshToken": tokens["refresh_token"],
        "expiresAt": 0,
        "member": tokens["member"],
    }
    phone.evaluate("(v) => localStorage.setItem('shoplet.auth', v)", json.dumps(saved))

    phone.goto(page_url("me"))
    phone.get_by_text("每日签到").click()
    phone.wait_for_url(re.compile(r"/pkg-user/points/signin"))
    button = phone.get_by_role("button", name=re.compile(r"立即签到 \+5"))
    button.wait_for()
    button.click()
    phone.get_by_role("status").filter(has_text="+5 积分，当前 5").wait_for()
    phone.get_by_role("button", name="已签到").wait_for()
    phone.get_by_role("gridcell", name=re.compile("已签到")).wait_for()
    phone.get_by_text("连续签到 1 天").wait_for()
    _check(phone, "points-signin")

    phone.goto(page_url("points"))
    phone.get_by_role("listitem").filter(has_text="签到").filter(has_text="+5").wait_for()
    phone.get_by_text("5", exact=True).first.wait_for()
    phone.get_by_role("tab", name="使用").click()
    phone.get_by_text("还没有积分记录").wait_for()
    phone.get_by_role("tab", name="全部").click()
    phone.get_by_role("listitem").filter(has_text="签到").wait_for()
    _check(phone, "points")

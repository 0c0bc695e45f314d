"""Redeeming a 兑换码 in the storefront (Debian's Chromium, a real Shoplet server).

Staff make a staff-only template with a shared code and a batch of one-time codes (API); a
shopper (phone viewport) types a mistyped one-time code (refused in the page, no request), an
unknown code (the server's refusal, in Chinese), then a real one-time code and the shared code:
each becomes a coupon under 可使用, and a used code is refused. axe and the keyboard audit pass.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import API, RUN, Server, Staff, context, owner, server
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with test_console.py

SHOPPER_CODE = f"test-1390001{int(RUN, 16) % 10000:04d}"


def _template(server: Server, owner: Staff, name: str) -> int:
    made = server.http.post(
        f"{API}/console/coupon-templates",
        headers=owner.auth,
        json={
            "name": name,
            "kind": "no_threshold",
            "amount": 500,
            "total_quota": 100,
            "per_shopper_limit": 2,
            "valid_days": 7,
            "is_claimable": False,
        },
    )
    assert made.status_code == 201, made.text
    template_id = int(made.json()["id"])
    activated = server.http.post(
        f"{API}/console/coupon-templates/{template_id}/activate", headers=owner.auth
    )
    assert activated.status_code == 200, activated.text
    return template_id


def test_a_shopper_redeems_codes_on_my_coupons(server: Server, owner: Staff, phone: Any) -> None:
    name = f"兑换券 {RUN}"
    template_id = _template(server, owner, name)
    codes_url = f"{API}/console/coupon-templates/{template_id}/codes"
    shared = f"E2E{RUN}".upper()[:20]
    assert (
        server.http.post(
            codes_url, headers=owner.auth, json={"kind": "shared", "code": shared}
        ).status_code
        == 201
    )
    batch = server.http.post(
        codes_url, headers=owner.auth, json={"kind": "one_time", "count": 3}
    ).json()
    export = server.http.get(f"{codes_url}/{batch['id']}/export", headers=owner.auth)
    assert export.status_code == 200, export.text
    one_time = export.content.decode("utf-8-sig").splitlines()[1].split(",")[0]
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    typo = one_time[:5] + next(c for c in alphabet if c != one_time[5]) + one_time[6:]

    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}).json()
    write_shopper_session(phone, tokens)
    phone.goto(page_url("my_coupons"))
    box = phone.get_by_label("兑换码", exact=True)
    box.wait_for()
    redeem = phone.get_by_role("button", name="兑换")

    box.fill(typo.lower())
    redeem.click()
    phone.get_by_role("alert").filter(has_text="兑换码有误").wait_for()
    box.fill("NOSUCHCODE1")
    redeem.click()
    phone.get_by_role("alert").filter(has_text="兑换码无效，请核对后重新输入").wait_for()
    _check(phone, "my-coupons-code")

    box.fill(f"{one_time[:4]}-{one_time[4:8]}-{one_time[8:]}")
    redeem.click()
    phone.get_by_role("alert").wait_for(state="detached")
    # The first coupon is in the list (the redemption answered) before the next code is typed.
    phone.wait_for_function("() => document.querySelectorAll('[role=listitem]').length >= 1")
    box.fill(shared.lower())
    redeem.click()
    phone.wait_for_function(
        "(n) => document.querySelectorAll('[role=listitem]').length >= n", arg=2
    )
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    mine = server.http.get(f"{API}/me/coupons", headers=auth, params={"tab": "usable"}).json()
    assert [c["name"] for c in mine["items"]] == [name, name]
    box.fill(one_time)
    redeem.click()
    phone.get_by_role("alert").filter(has_text="该兑换码已被使用").wait_for()

"""Sharing in Debian's Chromium against a real Shoplet server: on the product page a signed-in
shopper opens the share sheet (分享给好友 / 复制链接 / 保存海报), which is scanned with axe and
the keyboard audit; 保存海报 shows the server-drawn poster (a PNG); a guest opening the H5 short
link lands on the product page, and the visit counts for the sharer."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import page_url

from .test_console import API, Server, server
from .test_coupons import _check, phone
from .test_group_buy import _shopper, _sign_in

__all__ = ["phone", "server"]  # shared fixtures


def _in_stock_product(server: Server) -> int:
    for item in server.http.get(f"{API}/products", params={"limit": 50}).json()["items"]:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        if any(sku["available"] > 0 for sku in detail["skus"]):
            return int(item["id"])
    raise AssertionError("the demo seed has no product in stock")


def test_the_share_sheet_and_a_short_link(server: Server, phone: Any, browser: Any) -> None:
    product_id = _in_stock_product(server)
    tokens = _shopper(server, 7)
    _sign_in(phone, tokens)
    phone.goto(page_url("product", id=product_id))
    phone.wait_for_load_state("networkidle")

    phone.get_by_test_id("share-open").click()
    sheet = phone.get_by_role("dialog", name="分享")
    expect(sheet).to_be_visible()
    for name in ("分享给好友", "复制链接", "保存海报"):
        expect(sheet.get_by_role("button", name=name)).to_be_visible()
    _check(phone, "share-sheet")

    sheet.get_by_role("button", name="保存海报").click()
    try:
        phone.wait_for_function(
            "() => document.querySelector('[data-testid=share-sheet]')"
            ".innerHTML.includes('/media/social/posters/')",
            timeout=20_000,
        )
    except Exception as exc:
        raise AssertionError(f"no poster in the sheet: {sheet.inner_text()}") from exc
    html = sheet.inner_html()
    match = re.search(r"/media/social/posters/[0-9a-f/]+\.png", html)
    assert match is not None, html
    image = server.http.get(match.group(0))
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    _check(phone, "share-poster")

    link = server.http.post(
        f"{API}/share/links",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        json={"target_kind": "product", "target_ref": str(product_id)},
    ).json()

    guest = browser.new_context(base_url=server.base, locale="zh-CN")
    try:
        page = guest.new_page()
        page.goto(link["h5_path"])
        page.wait_for_url(re.compile(rf"/pages/product/detail\?id={product_id}"))
    finally:
        guest.close()


def test_a_shopper_changes_their_avatar(server: Server, phone: Any, tmp_path: Any) -> None:
    """更换头像 on 我的: the chosen picture is uploaded and shown, a square PNG of the shop's
    media (the share poster draws it from there)."""
    _sign_in(phone, _shopper(server, 8))
    phone.goto(page_url("me"))
    picture = tmp_path / "avatar.png"
    picture.write_bytes(_png(640, 480))
    with phone.expect_file_chooser() as chooser:
        phone.get_by_role("button", name="更换头像").click()
    chooser.value.set_files(str(picture))
    avatar = phone.get_by_role("button", name="更换头像").locator("img")
    expect(avatar).to_have_attribute("src", re.compile(r"/media/avatars/[0-9a-f/]+\.png"))
    served = server.http.get(str(avatar.get_attribute("src")))
    assert served.status_code == 200
    assert served.content.startswith(b"\x89PNG")
    _check(phone, "me-avatar")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "PNG")
    return out.getvalue()

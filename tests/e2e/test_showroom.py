"""3D 样板间 end to end in Debian's Chromium against a real Shoplet server (the demo seed gives a
few products a 3D model with its 360° sprite).

A shopper (phone viewport, reduced motion) opens a demo product with a model, taps 3D 看看 and
the showroom page shows the GLB in ``<model-viewer>`` (headless Chromium draws WebGL through
SwiftShader): the test waits for model-viewer's ``load`` event, checks the alt text, that the
model does not turn by itself (reduced motion) and that the product page itself never loaded
the viewer. Without WebGL (the page told so by an init script, as in the mini program) the same
page falls back to the 360° sprite, turned with the keyboard. In the console an operator uploads
a GLB in the product editor and watches the sprite job reach 已就绪. Every page is scanned with
axe and photographed (docs/screenshots)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from shoplet.modules.catalog.public import box, build_glb, cylinder
from tests.e2e.conftest import page_url, screenshot

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
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

LOADED_JS = "() => document.querySelector('model-viewer')?.getAttribute('data-loaded') === 'true'"
NO_WEBGL = (
    "(() => { const get = HTMLCanvasElement.prototype.getContext;"
    " HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {"
    " return String(kind).startsWith('webgl') ? null : get.call(this, kind, ...rest) } })()"
)


def _products_with_models(server: Server) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        body = httpx.get(f"{server.base}/api/v1/products", params=params, timeout=30).json()
        found += [item for item in body["items"] if item["has_model"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def test_the_shopper_turns_a_demo_model_in_3d_and_in_the_sprite(server: Server, phone: Any) -> None:
    products = _products_with_models(server)
    assert len(products) == 3, "the demo seed gives three products a 3D model"
    product = products[0]
    detail = httpx.get(f"{server.base}/api/v1/products/{product['id']}", timeout=30).json()
    model = detail["model3d"]
    assert model["sprite"]["frames"] == 24

    phone.goto(page_url("product", id=product["id"]))
    entry = phone.get_by_role("button", name=f"3D 看看：{product['title']}")
    expect(entry).to_be_visible(timeout=30_000)
    # The product page pays nothing for the viewer: its chunk is not even requested.
    assert phone.evaluate("() => customElements.get('model-viewer') === undefined")
    _check(phone, "product-3d-entry")
    entry.click()

    phone.wait_for_url(re.compile(r"/pkg-trade/showroom/index\?id="))
    viewer = phone.locator("model-viewer")
    expect(viewer).to_have_attribute("alt", model["alt"], timeout=60_000)
    phone.wait_for_function(LOADED_JS, timeout=120_000)  # model-viewer's `load` event
    assert viewer.get_attribute("auto-rotate") is None  # reduced motion: it never turns alone
    assert viewer.get_attribute("camera-controls") == ""
    expect(phone.get_by_text("拖动旋转，双指缩放")).to_be_visible()
    _check(phone, "showroom-3d")

    # No WebGL (the mini program's case): the 360° sprite, turned with the keyboard.
    phone.context.add_init_script(NO_WEBGL)
    phone.goto(page_url("showroom", id=product["id"]))
    expect(phone.get_by_test_id("model-fallback")).to_be_visible(timeout=30_000)
    slider = phone.get_by_role("slider", name="360° 旋转查看，左右拖动或按方向键")
    expect(slider).to_have_attribute("aria-valuenow", "1")
    slider.focus()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuenow", "3")
    assert phone.locator("model-viewer").count() == 0
    # Reduced motion: no 自动旋转 button either.
    expect(phone.get_by_role("button", name="自动旋转")).to_have_count(0)
    _check(phone, "showroom-sprite")


def test_the_operator_uploads_a_model_and_sees_its_sprite_drawn(
    server: Server, owner: Staff, context: Any, tmp_path: Any
) -> None:
    products = httpx.get(f"{server.base}/api/v1/products", params={"limit": 20}, timeout=30)
    product = next(p for p in products.json()["items"] if not p["has_model"])
    glb = tmp_path / "stool.glb"
    wood = (0.6, 0.42, 0.25, 1.0)
    parts = [box("seat", (0, 0.45, 0), (0.36, 0.04, 0.36), wood)]
    parts += [
        cylinder("leg", (x, 0, z), (x, 0.43, z), 0.018, wood)
        for x in (-0.14, 0.14)
        for z in (-0.14, 0.14)
    ]
    glb.write_bytes(build_glb(parts))

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/products/{product['id']}", timeout=180_000)
    field = page.get_by_test_id("product-model")
    expect(field).to_contain_text("该商品暂无 3D 模型", timeout=60_000)
    page.get_by_label("模型说明（读屏）").fill("实木圆凳，四条腿")
    page.get_by_test_id("upload-model").set_input_files(str(glb))
    # The job draws the 24 frames in the server's worker; the editor polls its progress.
    expect(page.get_by_test_id("model-status")).to_contain_text("已就绪", timeout=120_000)
    expect(field).to_contain_text("实木圆凳，四条腿")
    expect(field.get_by_role("img", name="实木圆凳，四条腿")).to_be_visible()
    field.scroll_into_view_if_needed()
    assert_accessible(page, "console-product-model")

    detail = httpx.get(f"{server.base}/api/v1/products/{product['id']}", timeout=30).json()
    assert detail["model3d"]["alt"] == "实木圆凳，四条腿"
    assert detail["model3d"]["sprite"]["frames"] == 24
    screenshot(page, "console-product-model")

"""Search by photo and the voice button on the storefront search page, in headless Chromium
(phone viewport, axe serious/critical = 0): a photo of a demo product (its own picture, taken
closer, smaller and as a JPEG) chosen through the camera button's file input finds that
product first; without the browser's speech recognition there is no microphone button."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import axe_scan, page_url, screenshot, wait_for_js, watch_csp

PHONE_WIDTH = {"width": 390, "height": 844}
TITLES_JS = (
    "() => [...document.querySelectorAll('[aria-label=\"搜索结果\"] [role=listitem]')]"
    ".map((e) => e.innerText)"
)
# The demo product photographed, and how long the features job may take to describe the demo
# catalog after the server started (it runs every 10 s).
PRODUCT = "小细跟口红"
FEATURES_TIMEOUT_S = 90.0
# Headless Chromium may or may not expose speech recognition: take it away (the browser API,
# not the page's code) to see the page without it.
NO_SPEECH = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


def _context(browser: Any, live_server: str, init: str | None) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE_WIDTH, locale="zh-CN", device_scale_factor=1
    )
    if init:
        context.add_init_script(init)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(p, errors)
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    yield from _context(browser, live_server, NO_SPEECH)


def _product(live_server: str) -> dict[str, Any]:
    # the catalog's list (the search index may still be building just after the start)
    found = httpx.get(f"{live_server}/api/v1/products", params={"q": PRODUCT}, timeout=30).json()
    return next(p for p in found["items"] if PRODUCT in p["title"])


def _photo_of(live_server: str, product: dict[str, Any], path: Path) -> bytes:
    """The product's picture as a phone would send it: cropped in a little, smaller, slightly
    noisy, JPEG."""
    url = (product.get("image_set") or {}).get("detail") or product["image"]
    raw = httpx.get(f"{live_server}{url}", timeout=30).content
    with Image.open(io.BytesIO(raw)) as original:
        image = original.convert("RGB")
    w, h = image.size
    image = image.crop((w // 20, h // 20, w - w // 25, h - h // 30))
    image = image.resize((w * 2 // 3, h * 2 // 3))
    pixels = np.asarray(image, dtype=np.float32)
    pixels += np.random.default_rng(3).normal(0, 4, pixels.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def _wait_until_described(page: Any, live_server: str, photo: bytes, product_id: int) -> None:
    """The features job describes the catalog in the background: ask until it has (bounded;
    2 s apart, within the endpoint's rate limit)."""
    deadline = time.monotonic() + FEATURES_TIMEOUT_S
    while True:
        response = httpx.post(
            f"{live_server}/api/v1/search/image",
            files={"file": ("photo.jpg", photo, "image/jpeg")},
            timeout=30,
        )
        # 503 search.index_not_ready while the index is built just after the start
        assert response.status_code in {200, 503}, response.text
        items = response.json()["items"] if response.status_code == 200 else []
        if items and items[0]["id"] == product_id:
            return
        assert time.monotonic() < deadline, f"not found by photo: {[i['title'] for i in items]}"
        page.wait_for_timeout(2_000)


def test_a_photo_chosen_with_the_camera_button_finds_the_product_first(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    product = _product(live_server)
    path = tmp_path / "photo.jpg"
    photo = _photo_of(live_server, product, path)
    _wait_until_described(page, live_server, photo, product["id"])

    page.goto(page_url("search"))
    camera = page.get_by_role("button", name="拍照搜索")
    camera.wait_for()
    with page.expect_file_chooser() as chooser:
        camera.click()
    chooser.value.set_files(str(path))
    items = page.get_by_role("list", name="搜索结果").get_by_role("listitem")
    items.first.wait_for()
    wait_for_js(page, "() => document.querySelector('[data-query]')?.dataset.query === 'photo'")
    titles = page.evaluate(TITLES_JS)
    assert PRODUCT in titles[0], titles
    page.get_by_role("heading", name="与照片相似的商品").wait_for()
    page.wait_for_timeout(300)
    assert axe_scan(page, name="search-photo") == []
    screenshot(page, "storefront-search-photo")

    # typing leaves the photo's results for a text search
    box = page.get_by_label("搜索商品", exact=True)
    box.press_sequentially("口红")
    wait_for_js(page, "() => document.querySelector('[data-query]')?.dataset.query === '口红'")


def test_no_microphone_without_speech_recognition(page: Any) -> None:
    page.goto(page_url("search"))
    page.get_by_label("搜索商品", exact=True).wait_for()
    page.get_by_role("button", name="拍照搜索").wait_for()
    assert page.get_by_role("button", name="语音搜索").count() == 0
    assert axe_scan(page, name="search-no-voice") == []

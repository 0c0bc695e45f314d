"""The storefront search page in headless Chromium (phone viewport, axe serious/critical = 0):
initials find the rice cooker and the page says how the query was understood, pinyin prefixes
are completed while typing, facet chips narrow the results and tap off again, hot searches fill
the idle screen, and voice input (the browser's speech recognition) searches what was said."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, screenshot, wait_for_js, watch_csp

PHONE_WIDTH = {"width": 390, "height": 844}
TITLES_JS = (
    "() => [...document.querySelectorAll('[aria-label=\"搜索结果\"] [role=listitem]')]"
    ".map((e) => e.innerText)"
)

# A stand-in for the browser's speech recognition (headless Chromium has no microphone): it
# "hears" what the test put in window.__heard when started. Chromium has both names (the
# unprefixed one first), the page takes whichever exists.
FAKE_SPEECH = """
window.__heard = '口红。';
window.SpeechRecognition = window.webkitSpeechRecognition = class {
  start() {
    setTimeout(() => {
      this.onresult && this.onresult({ results: [[{ transcript: window.__heard }]] });
      this.onend && this.onend();
    }, 50);
  }
  stop() { this.onend && this.onend(); }
};
"""


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE_WIDTH, locale="zh-CN", device_scale_factor=1
    )
    context.add_init_script(FAKE_SPEECH)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(p, errors)
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _check(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    assert axe_scan(page, name=name) == []
    screenshot(page, f"storefront-{name}")


def _results(page: Any) -> Any:
    items = page.get_by_role("list", name="搜索结果").get_by_role("listitem")
    items.first.wait_for()
    return items


def test_initials_find_the_rice_cooker_and_the_page_says_so(page: Any) -> None:
    page.goto(page_url("search"))
    box = page.get_by_label("搜索商品", exact=True)
    box.wait_for()
    box.press_sequentially("dfb")
    _results(page)
    wait_for_js(page, "() => document.querySelector('[data-query]')?.dataset.query === 'dfb'")
    titles = page.evaluate(TITLES_JS)
    assert any("电饭煲" in t for t in titles[:5]), titles
    page.get_by_role("status").filter(has_text="已为你搜索“电饭煲”的结果").wait_for()
    page.get_by_role("group", name="筛选结果").wait_for()
    _check(page, "search-initials")


def test_pinyin_prefix_is_completed_while_typing(page: Any) -> None:
    page.goto(page_url("search"))
    box = page.get_by_label("搜索商品", exact=True)
    box.wait_for()
    box.press_sequentially("dianfanb")
    suggestions = page.get_by_role("list", name="搜索建议").get_by_role("listitem")
    suggestions.first.wait_for()
    texts = suggestions.all_inner_texts()
    assert any("电饭煲" in t for t in texts), texts
    suggestions.filter(has_text="电饭煲").first.get_by_role("button").click()
    _results(page)
    assert any("电饭煲" in t for t in page.evaluate(TITLES_JS))
    _check(page, "search-suggest")


def test_a_brand_chip_narrows_and_taps_off(page: Any) -> None:
    page.goto(page_url("search", q="奶粉"))
    _results(page)
    before = page.evaluate(TITLES_JS)
    assert len(before) >= 2, before
    brands = page.get_by_role("group", name="品牌")
    chip = brands.get_by_role("button").first
    chip.wait_for()
    brand = chip.inner_text().split("\n")[0].strip()
    chip.click()
    wait_for_js(
        page,
        '(b) => { const t = [...document.querySelectorAll(\'[aria-label="搜索结果"] '
        "[role=listitem]')].map((e) => e.innerText); return t.length > 0 && "
        "t.every((x) => x.includes(b)); }",
        brand,
    )
    chosen = page.get_by_role("group", name="品牌").get_by_role("button", pressed=True)
    assert chosen.count() == 1
    _check(page, "search-facets")
    chosen.click()
    wait_for_js(
        page,
        "(n) => document.querySelectorAll('[aria-label=\"搜索结果\"] [role=listitem]').length >= n",
        len(before),
    )


def test_hot_searches_fill_the_idle_screen(page: Any) -> None:
    def hot(route: Any) -> None:
        body = {"queries": ["电饭煲", "口红", "奶粉"]}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r"/api/v1/search/hot$"), hot)
    page.goto(page_url("search"))
    items = page.get_by_role("list", name="热门搜索").get_by_role("listitem")
    items.first.wait_for()
    assert items.all_inner_texts() == ["电饭煲", "口红", "奶粉"]
    items.nth(1).get_by_role("button").click()
    _results(page)
    assert any("口红" in t for t in page.evaluate(TITLES_JS))


def test_voice_input_searches_what_was_said(page: Any) -> None:
    page.goto(page_url("search"))
    mic = page.get_by_role("button", name="语音搜索")
    mic.wait_for()
    mic.click()
    _results(page)
    wait_for_js(page, "() => document.querySelector('[data-query]')?.dataset.query === '口红'")
    assert any("口红" in t for t in page.evaluate(TITLES_JS))
    # uni-app's input takes a new value a tick after the page's state: wait for it
    expect(page.get_by_label("搜索商品", exact=True)).to_have_value("口红")
    _check(page, "search-voice")

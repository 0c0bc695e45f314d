"""直播 end to end in Debian's Chromium against a real Shoplet server: an owner schedules a
session and fills its shelf through the API; the H5 list shows it as 预告 with its countdown and
订阅提醒; once started, two shoppers (two browser contexts, phone viewports) join the room: A
comments and B sees it arrive over the socket; the owner's control room (console) presses 讲解
on a product and both shoppers see the 讲解中 card; B buys it from the 购物袋 (去购买 → the
product page with the session → 立即购买) and checkout shows the 直播价 beside the struck catalogue
price; B then adds it to the cart from the 购物袋 (加入购物车 → the product page's SKU sheet with
the session) and the cart shows it with the 直播价 tag; after 下播 the replay page opens and B's
cart shows the catalogue price with 直播已结束，已恢复原价. Meanwhile Shoplet's recorder has
stored the stream's segments: the control room shows the recording 已生成 with its segments, the
owner publishes it, and the replay page's player requests the recorded VOD playlist and its
segments from Shoplet. Every page is scanned with axe and photographed (docs/screenshots).

The player: Debian's Chromium plays H.264 only with its proprietary codecs, and this machine has
no encoder to make segments, so the test writes an HLS live playlist of MPEG-TS-shaped segments
into the media directory (the local HLS test stream, ``tests/modules/live/hls.py``) and asserts
the room's player (hls.js, a lazy chunk) requests it with its signed txSecret/txTime; picture
playback is not asserted (docs/live.md)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, screenshot, write_shopper_session
from tests.modules.live.hls import LiveStream

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
from .test_coupons import PHONE, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

RECORDED_SEGMENTS = 3


@pytest.fixture
def phone_b(browser: Any, server: Server) -> Iterator[Any]:
    """The second shopper's phone: a context of its own (its own session and socket)."""
    ctx = browser.new_context(
        base_url=server.base,
        viewport=PHONE,
        locale="zh-CN",
        device_scale_factor=1,
        reduced_motion="reduce",
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ctx.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _sign_in(server: Server, page: Any, code: str) -> None:
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": code}).json()
    write_shopper_session(page, tokens)


def _stocked_product(server: Server) -> dict[str, Any]:
    """A listed product whose every option is well stocked (other tests on this server buy)."""
    for item in server.http.get(f"{API}/products", params={"limit": 50}).json()["items"]:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        if detail["skus"] and all(sku["available"] >= 5 for sku in detail["skus"]):
            return dict(item)
    raise AssertionError("the demo seed has no product in stock")


def _yuan(fen: int) -> str:
    """As the storefront writes a price (shared ``formatFen``): ¥1,234.56."""
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def _checked(page: Any, name: str) -> None:
    screenshot(page, name)
    assert axe_scan(page, name=name) == []


def _session(server: Server, owner: Staff, title: str, starts_in: timedelta) -> dict[str, Any]:
    made = server.http.post(
        f"{API}/console/live/sessions",
        headers=owner.auth,
        json={
            "title": title,
            "anchor_name": "小美",
            "scheduled_at": (datetime.now(UTC) + starts_in).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def _recording_ready(server: Server, owner: Staff, sid: int) -> dict[str, Any]:
    """The session's recording once the recorder has finalised it (polled, 60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        response = server.http.get(
            f"{API}/console/live/sessions/{sid}/recording", headers=owner.auth
        )
        body: dict[str, Any] = response.json()
        if body["status"] != "recording" or time.monotonic() > deadline:
            assert body["status"] == "ready", body
            return body
        time.sleep(0.5)


def test_two_shoppers_share_a_live_room_run_from_the_control_room(
    server: Server, owner: Staff, context: Any, phone: Any, phone_b: Any
) -> None:
    product = _stocked_product(server)
    session = _session(server, owner, f"秋冬上新{RUN}", timedelta(hours=2))
    sid = session["id"]
    live_price = max(1, product["price"] - 100)
    shelf = server.http.put(
        f"{API}/console/live/sessions/{sid}/shelf",
        headers=owner.auth,
        json={"items": [{"product_id": product["id"], "live_price": live_price}]},
    )
    assert shelf.status_code == 200, shelf.text
    _sign_in(server, phone, f"test-live-a{RUN}")
    _sign_in(server, phone_b, f"test-live-b{RUN}")

    # 预告: the list, then the preview page with its countdown and 订阅提醒.
    phone.goto(page_url("live", tab="upcoming"))
    phone.get_by_test_id(f"live-card-{sid}").click()
    phone.wait_for_url(re.compile(r"/pkg-live/live/room"))
    expect(phone.get_by_test_id("live-status")).to_have_text("预告")
    expect(phone.get_by_test_id("live-countdown")).to_have_text(re.compile(r"^0?1:5\d:\d\d$"))
    phone.get_by_test_id("live-subscribe").click()
    expect(phone.get_by_test_id("live-subscribe")).to_have_text("已订阅")
    _checked(phone, "storefront-live-preview")

    # 开播 in the control room.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/live/{sid}")
    expect(page.get_by_role("heading", name="直播控制台", exact=True)).to_be_visible()
    expect(page.get_by_test_id("feed-mode")).to_have_text("实时连接")
    page.get_by_test_id("live-start").click()
    expect(page.get_by_test_id("live-status")).to_have_text("直播中")

    # The stream: a live playlist and its segments in the media directory, under the name the
    # signed URL points at (the recorder reads the same).
    detail = server.http.get(f"{API}/live/sessions/{sid}").json()
    play_url = detail["player"]["play_url"]
    stream_name = play_url.split("?", 1)[0].rsplit("/", 1)[1].removesuffix(".m3u8")
    stream = LiveStream(server.data_dir / "media", stream_name, window=RECORDED_SEGMENTS)
    stream.add(RECORDED_SEGMENTS)

    # Two shoppers in the room; A's player asks for the signed manifest (hls.js, lazy chunk).
    with phone.expect_request(
        re.compile(r"\.m3u8\?txSecret=[0-9a-f]{32}&txTime=[0-9A-F]+$")
    ) as asked:
        phone.goto(page_url("live_room", id=sid))
    assert asked.value.url.split("?", 1)[0].endswith(play_url.split("?", 1)[0])  # signed anew
    phone_b.goto(page_url("live_room", id=sid))
    for who in (phone, phone_b):
        expect(who.get_by_test_id("live-status")).to_have_text("直播中")
    comments_a = phone.get_by_role("log", name="直播评论")
    comments_b = phone_b.get_by_role("log", name="直播评论")
    text = f"有XL吗{RUN}"
    phone.get_by_label("说点什么").fill(text)
    phone.get_by_test_id("live-comment-send").click()
    expect(comments_a).to_contain_text(text)
    expect(comments_b).to_contain_text(text)  # over B's socket, no reload
    expect(page.get_by_test_id("live-comment-log")).to_contain_text(text)

    # 讲解 in the control room: both shoppers see the card.
    page.get_by_test_id(f"explain-{product['id']}").click()
    for who in (phone, phone_b):
        card = who.get_by_test_id("live-explaining")
        expect(card).to_contain_text("讲解中")
        expect(card).to_contain_text(product["title"])
    phone_b.get_by_test_id("live-shelf-open").click()
    expect(phone_b.get_by_role("dialog", name="购物袋")).to_contain_text(product["title"])
    _checked(phone_b, "storefront-live-shelf")
    phone_b.get_by_role("button", name="关闭购物袋").click()
    _checked(phone, "storefront-live-room")
    assert_accessible(page, "console-live-control")

    # 去购买 from the 购物袋: the product page carries the session; 立即购买 checks out at the
    # 直播价, the catalogue price struck through beside it.
    phone_b.get_by_test_id("live-shelf-open").click()
    shelf_b = phone_b.get_by_test_id("live-shelf")
    shelf_b.get_by_role("button", name=f"去购买：{product['title']}").click()
    phone_b.wait_for_url(re.compile(rf"[?&]live={sid}(&|$)"))
    phone_b.get_by_role("button", name="立即购买").first.click()
    phone_b.wait_for_url(re.compile(r"/pkg-trade/checkout/index"))
    items = phone_b.get_by_role("list", name="商品清单")
    expect(items).to_contain_text(product["title"])
    expect(phone_b.get_by_test_id("line-price-label")).to_have_text("直播价")
    expect(items).to_contain_text(_yuan(live_price))
    expect(items.get_by_label(re.compile(r"^原价¥[\d,]+\.\d\d$"))).to_be_visible()
    _checked(phone_b, "storefront-live-checkout")

    # 加入购物车 from the 购物袋: the product page's sheet with the session; the cart line keeps
    # the 直播价 (tagged, the catalogue price struck) while the session is live.
    phone_b.goto(page_url("live_room", id=sid))
    phone_b.get_by_test_id("live-shelf-open").click()
    phone_b.get_by_test_id("live-shelf").get_by_role(
        "button", name=f"加入购物车：{product['title']}"
    ).click()
    phone_b.wait_for_url(re.compile(rf"[?&]live={sid}&sheet=cart"))
    phone_b.locator(".pd__sheet .pd__add").click()
    expect(phone_b.get_by_text("已加入购物车", exact=True)).to_be_visible()
    phone_b.goto(page_url("cart"))
    tag = phone_b.get_by_test_id("cart-live-price")
    expect(tag).to_have_text("直播价")
    expect(phone_b.locator(".line__price").first).to_contain_text(_yuan(live_price))
    _checked(phone_b, "storefront-live-cart")

    # The list in the console, then 下播: the shoppers' room turns into the replay.
    page.goto(f"{CONSOLE}/live")
    expect(page.get_by_test_id("live-table")).to_contain_text(f"秋冬上新{RUN}")
    assert_accessible(page, "console-live-list")
    ended = server.http.post(f"{API}/console/live/sessions/{sid}/end", headers=owner.auth)
    assert ended.status_code == 200, ended.text
    phone.wait_for_url(re.compile(r"/pkg-live/live/replay"))
    expect(phone.get_by_role("heading", name=f"秋冬上新{RUN}")).to_be_visible()
    _checked(phone, "storefront-live-replay")
    phone.goto(page_url("live", tab="replay"))
    expect(phone.get_by_test_id(f"live-card-{sid}")).to_be_visible()
    _checked(phone, "storefront-live-list")

    # 回放: the recorder (a job of the in-process worker) finalises the replay; the owner sees
    # it 已生成 in the control room and publishes it.
    recording = _recording_ready(server, owner, sid)
    assert recording["segment_total"] == RECORDED_SEGMENTS
    page.goto(f"{CONSOLE}/live/{sid}")
    expect(page.get_by_test_id("recording-status")).to_have_text("已生成")
    expect(page.get_by_test_id("recording-segments")).to_have_text(str(RECORDED_SEGMENTS))
    expect(page.get_by_test_id("replay-published")).to_have_text("未发布")
    page.get_by_test_id("replay-publish").click()
    expect(page.get_by_test_id("replay-published")).to_have_text("已发布")
    assert_accessible(page, "console-live-replay")

    # The replay page: the player (hls.js, or the browser's own HLS where it has it) asks
    # Shoplet for the recorded VOD playlist, then its segments.
    with (
        phone.expect_request(re.compile(rf"/api/v1/live/sessions/{sid}/replay\.m3u8$")) as vod,
        phone.expect_request(re.compile(rf"/media/live/replays/{stream_name}/\d+\.ts$")) as seg,
    ):
        phone.goto(page_url("live_replay", id=sid))
    for request in (vod.value, seg.value):
        answered = request.response()
        assert answered is not None
        assert answered.status in (200, 206)  # hls.js may ask for a byte range
    expect(phone.locator("#replay-video")).to_be_visible()
    _checked(phone, "storefront-live-replay-recorded")

    # B's cart after 下播: the catalogue price, no tag, and the note.
    phone_b.goto(page_url("cart"))
    expect(phone_b.get_by_test_id("cart-live-ended")).to_have_text("直播已结束，已恢复原价")
    expect(phone_b.get_by_test_id("cart-live-price")).to_have_count(0)
    expect(phone_b.locator(".line__price").first).not_to_contain_text(_yuan(live_price))
    _checked(phone_b, "storefront-live-cart-ended")

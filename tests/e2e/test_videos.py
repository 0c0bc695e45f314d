"""A 种草 post with a short video end to end in Debian's Chromium against a real Shoplet server.
A shopper (phone viewport) chooses a video in the post editor (uni.chooseVideo: a file input on
H5), sees it upload (its cover and duration) and posts it: 审核中, since WeChat's image check of
its cover and sampled frames has not answered. The operator finds it in the console's 内容审核
queue (机器审核中) with the video's player, cover and frames, and approves it; the post's page
then plays the video (the ``<video>`` element loads data and its time moves) and the feed shows
its cover with a play badge. Every page is scanned with axe and photographed (docs/screenshots).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from shoplet.core.video import make_test_video
from tests.e2e.conftest import axe_scan, page_url, screenshot, write_shopper_session

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
from .test_coupons import AUDIT_JS, _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

POST = f"开箱视频，质感很好 {RUN}"
PLAYING = """() => {
  const v = document.querySelector('[data-testid="post-video"] video')
  return !!v && v.readyState >= 2 && v.currentTime > 0
}"""


def test_a_post_video_is_uploaded_approved_in_the_queue_and_plays(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    clip = make_test_video(seconds=3, size=(320, 240), color=(40, 120, 200))
    tokens = server.http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-video-author{RUN}"}
    ).json()
    write_shopper_session(phone, tokens)

    # The editor: choose a video (no images then), watch it upload, post it.
    phone.goto(page_url("post_write"))
    phone.get_by_label("发布种草").fill(POST)
    with phone.expect_file_chooser() as chooser:
        phone.get_by_test_id("post-add-video").click()
    chooser.value.set_files(files=[{"name": "clip.mp4", "mimeType": "video/mp4", "buffer": clip}])
    chosen = phone.get_by_test_id("post-video-chosen")
    expect(chosen).to_be_visible(timeout=20_000)
    expect(chosen).to_contain_text("0:03")
    expect(phone.get_by_role("button", name="添加图片（最多 9 张）")).to_have_count(0)
    _check(phone, "post-write-video")
    phone.get_by_test_id("post-submit").click()
    phone.wait_for_url(re.compile(r"/pkg-social/posts/detail"))
    post_id = int(re.search(r"id=(\d+)", phone.url).group(1))  # type: ignore[union-attr]
    expect(phone.get_by_role("status").filter(has_text="审核中")).to_be_visible()
    assert server.http.get(f"{API}/posts/{post_id}").status_code == 404  # not public yet

    # The console's queue: the item shows the video's player, cover and frames; approve it.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/moderation")
    expect(page.get_by_role("heading", name="内容审核", exact=True)).to_be_visible()
    page.get_by_text("机器审核中", exact=True).click()
    table = page.get_by_test_id("moderation-table")
    row = table.locator("tr").filter(has_text=POST)
    expect(row.get_by_test_id("moderation-video")).to_be_visible()
    expect(row.get_by_role("img", name="视频封面")).to_be_visible()
    expect(row).to_contain_text("视频封面与抽帧 4 张")
    assert_accessible(page, "console-moderation-video")
    row.get_by_role("button", name=re.compile("^通过")).click()
    expect(table.locator("tr").filter(has_text=POST)).to_have_count(0)

    # The post's page plays it; the feed shows its cover with a play badge and duration.
    phone.goto(page_url("post_detail", id=post_id))
    player = phone.locator('[data-testid="post-video"] video')
    expect(player).to_have_count(1)
    phone.evaluate(
        """() => {
          const v = document.querySelector('[data-testid="post-video"] video')
          v.muted = true
          return v.play()
        }"""
    )
    phone.wait_for_function(PLAYING, timeout=20_000)
    phone.evaluate("""() => document.querySelector('[data-testid="post-video"] video').pause()""")
    # uni-app's H5 <video> draws its own controls as clickable <div>s with no Tab stop (as on the
    # live replay page, test_live.py); everything else on the page passes the keyboard audit.
    problems = phone.evaluate(AUDIT_JS)["problems"]
    assert [p for p in problems if "uni-video" not in p] == [], problems
    assert axe_scan(phone, name="post-detail-video") == []
    screenshot(phone, "storefront-post-detail-video")
    phone.goto(page_url("posts"))
    card = phone.get_by_role("listitem").filter(has_text=POST)
    cover = card.get_by_test_id("post-video-cover")
    expect(cover).to_be_visible()
    expect(cover).to_contain_text("0:03")
    _check(phone, "posts-feed-video")

"""Q&A, posts and 我的内容 end to end in Debian's Chromium against a real Shoplet server. A
shopper (phone viewport) asks on a product page's 问大家; an operator answers as the shop in the
console's 问答; the shopper sees the shop's answer first and marks it 有用. The shopper posts in
a topic (种草), likes the post in the feed and comments on it; on another shopper's post they tap
收藏 and 关注, and find it in the feed's 关注 tab and 我的收藏's 帖子 tab; the operator pins it
in 种草与话题.
A question with a banned word is 未通过 in 我的内容, where the shopper appeals (申诉) and it is
审核中 again. A topic run as a 话题挑战: the operator sets its window and prizes in the console,
the shopper sees it on the topic page (进行中, the leaderboard, 我的排名), 参与挑战 opens the
writer in the topic, 分享海报 draws a post's poster; once it ends the operator settles it
(立即颁奖) and the topic page shows the winners (已颁奖). Every page is scanned with axe and
photographed (docs/screenshots)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    place_paid_order,
    server,
    signed_in_page,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

QUESTION = f"这件尺码偏大吗 {RUN}"
SHOP_ANSWER = f"亲，按平时尺码选即可 {RUN}"
POST = f"夏天穿很透气，推荐 {RUN}"
OTHER_POST = f"这条裙子显瘦 {RUN}"
BANNED = f"违禁词{RUN}"


def _sign_in(phone: Any, server: Server, code: str) -> None:
    """The shopper's session written where the app reads it (a page that runs no app code)."""
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": code}).json()
    write_shopper_session(phone, tokens)


def _product_of(server: Server, order_no: str, shopper: dict[str, str]) -> int:
    order = server.http.get(f"{API}/orders/{order_no}", headers=shopper).json()
    return int(order["lines"][0]["product_id"])


def test_questions_posts_and_appeals_through_the_shop_and_the_console(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    order = place_paid_order(server, f"content-buyer{RUN}")
    product_id = _product_of(server, order.order_no, order.shopper)
    topic_name = f"夏日{RUN}"[:32]
    created = server.http.post(
        f"{API}/console/content/topics", headers=owner.auth, json={"name": topic_name}
    )
    assert created.status_code == 201, created.text
    word = server.http.post(
        f"{API}/console/moderation/words",
        headers=owner.auth,
        json={"word": BANNED, "category": "other", "action": "block"},
    )
    assert word.status_code == 201, word.text

    # 问大家 on the product page, then its list: ask.
    _sign_in(phone, server, f"test-content-asker{RUN}")
    phone.goto(page_url("product", id=product_id))
    section = phone.get_by_role("region", name="问大家")
    section.scroll_into_view_if_needed()
    section.get_by_role("button", name="查看全部问答").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/qa/list"))
    phone.get_by_label("我要提问").fill(QUESTION)
    phone.get_by_test_id("qa-ask").click()
    expect(phone.get_by_role("status").filter(has_text="已发布")).to_be_visible()
    question = phone.get_by_role("listitem").filter(has_text=QUESTION)
    question.wait_for()
    _check(phone, "qa-list")

    # The console's 问答: answer as the shop.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/content/qa")
    expect(page.get_by_role("heading", name="问答", exact=True)).to_be_visible()
    row = page.get_by_test_id("question-table").locator("tr").filter(has_text=QUESTION)
    expect(row).to_contain_text("待商家回答")
    assert_accessible(page, "console-content-qa")
    row.get_by_role("button", name=re.compile("^回答问题")).click()
    page.get_by_label("以商家身份回答").fill(SHOP_ANSWER)
    page.get_by_test_id("shop-answer").click()
    expect(page.get_by_role("dialog")).to_contain_text(SHOP_ANSWER)
    page.keyboard.press("Escape")
    expect(row).to_contain_text("商家已回答")

    # The shopper sees the shop's answer and marks it 有用.
    phone.reload()
    question = phone.get_by_role("listitem").filter(has_text=QUESTION)
    expect(question).to_contain_text(SHOP_ANSWER)
    expect(question).to_contain_text("商家")
    question.get_by_role("button", name=re.compile("^有用")).click()
    expect(question.get_by_role("button", name="有用（1）")).to_have_attribute(
        "aria-pressed", "true"
    )

    # 种草: write a post in the topic, like it in the feed, comment on it.
    phone.goto(page_url("post_write"))
    phone.get_by_label("发布种草").fill(POST)
    phone.get_by_role("radio", name=f"#{topic_name}").click()
    _check(phone, "post-write")
    phone.get_by_test_id("post-submit").click()
    phone.wait_for_url(re.compile(r"/pkg-social/posts/detail"))
    phone.get_by_label("评论").fill("同款已下单")
    phone.get_by_test_id("comment-send").click()
    expect(phone.get_by_role("status").filter(has_text="已发布")).to_be_visible()
    expect(phone.get_by_role("listitem").filter(has_text="同款已下单")).to_be_visible()
    _check(phone, "post-detail")
    phone.goto(page_url("posts"))
    phone.get_by_role("tab", name=f"#{topic_name}").click()
    card = phone.get_by_role("listitem").filter(has_text=POST)
    card.get_by_role("button", name=re.compile("^点赞")).click()
    expect(card.get_by_role("button", name=re.compile("^已赞 1"))).to_be_visible()
    phone.get_by_role("tab", name="热门").click()
    phone.get_by_role("listitem").filter(has_text=POST).wait_for()
    _check(phone, "posts-feed")

    # 收藏 and 关注 on another shopper's post; it shows in 关注 and in 我的收藏's 帖子.
    author = server.http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-content-author{RUN}"}
    ).json()
    other = server.http.post(
        f"{API}/posts",
        json={"content": OTHER_POST},
        headers={"Authorization": f"Bearer {author['access_token']}"},
    )
    assert other.json()["status"] == "approved", other.text
    phone.goto(page_url("post_detail", id=other.json()["id"]))
    other_card = phone.get_by_role("listitem").filter(has_text=OTHER_POST)
    favourite = other_card.get_by_test_id("post-favorite")
    expect(favourite).to_have_attribute("aria-pressed", "false")
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")
    expect(other_card.get_by_role("button", name=re.compile("收藏 1$"))).to_be_visible()
    other_card.get_by_role("button", name="关注", exact=True).click()
    expect(other_card.get_by_role("button", name="已关注", exact=True)).to_be_visible()
    _check(phone, "post-detail-followed")
    phone.goto(page_url("posts"))
    phone.get_by_role("tab", name="关注", exact=True).click()
    expect(phone.get_by_role("listitem").filter(has_text=OTHER_POST)).to_be_visible()
    expect(phone.get_by_role("listitem").filter(has_text=POST)).to_have_count(0)
    _check(phone, "posts-following")
    phone.goto(page_url("favorites", tab="posts"))
    expect(phone.get_by_role("tab", name="帖子")).to_have_attribute("aria-selected", "true")
    expect(phone.get_by_role("listitem").filter(has_text=OTHER_POST)).to_be_visible()
    _check(phone, "favorites-posts")

    # The console's 种草与话题: pin the post.
    page.goto(f"{CONSOLE}/content/posts")
    expect(page.get_by_role("heading", name="种草与话题", exact=True)).to_be_visible()
    expect(page.get_by_test_id("topic-table")).to_contain_text(topic_name)
    post_row = page.get_by_test_id("post-table").locator("tr").filter(has_text=POST)
    post_row.get_by_role("button", name=re.compile("^置顶种草")).click()
    expect(post_row).to_contain_text("置顶")
    assert_accessible(page, "console-content-posts")

    # A banned word: 未通过 in 我的内容, then 申诉 sends it back to a person.
    phone.goto(page_url("qa_list", id=product_id))
    phone.get_by_label("我要提问").fill(f"是不是{BANNED}")
    phone.get_by_test_id("qa-ask").click()
    expect(phone.get_by_role("status").filter(has_text="未通过")).to_be_visible()
    phone.goto(page_url("my_content"))
    mine = phone.get_by_role("listitem").filter(has_text=f"是不是{BANNED}")
    expect(mine).to_contain_text("未通过")
    expect(phone.get_by_role("region", name="回答提醒")).to_contain_text(SHOP_ANSWER)
    _check(phone, "my-content")
    mine.get_by_role("textbox").fill("只是问问")
    mine.get_by_role("button", name="申诉").click()
    expect(mine).to_contain_text("审核中")
    expect(mine).to_contain_text("已提交申诉")


def _end_challenge(server: Server, topic_id: int) -> None:
    """Advance the challenge's clock: it ended a second ago (the server's embedded SQLite keeps
    naive UTC)."""
    ended = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None)
    with sqlite3.connect(server.data_dir / "shoplet.db", timeout=30) as db:
        db.execute(
            "UPDATE content_challenge SET ends_at = ? WHERE topic_id = ?",
            (ended.isoformat(sep=" "), topic_id),
        )


def _set_quota(server: Server, template_id: int, *, claimed_all: bool) -> None:
    """Every copy of the coupon claimed (its quota exhausted), or five more copies added."""
    with sqlite3.connect(server.data_dir / "shoplet.db", timeout=30) as db:
        db.execute(
            "UPDATE promotions_coupon_template SET "
            + ("claimed = total_quota" if claimed_all else "total_quota = total_quota + 5")
            + " WHERE id = ?",
            (template_id,),
        )


def test_a_topic_challenge_and_a_post_poster_through_the_shop_and_the_console(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    topic_name = f"挑战{RUN}"[:32]
    created = server.http.post(
        f"{API}/console/content/topics", headers=owner.auth, json={"name": topic_name}
    )
    assert created.status_code == 201, created.text
    topic_id = created.json()["id"]
    tokens = {
        who: server.http.post(
            f"{API}/auth/wechat-login", json={"code": f"test-challenge-{who}{RUN}"}
        ).json()
        for who in ("alice", "bob", "fan")
    }
    headers = {who: {"Authorization": f"Bearer {t['access_token']}"} for who, t in tokens.items()}
    # The winner's coupon prize: its one copy is gone by the settlement (retried, then 重新发放).
    coupon = server.http.post(
        f"{API}/console/coupon-templates",
        headers=owner.auth,
        json={"name": f"冠军券{RUN}"[:20], "kind": "threshold", "threshold": 5000, "amount": 1000,
              "total_quota": 1, "valid_days": 7, "is_claimable": False},
    )  # fmt: skip
    assert coupon.status_code == 201, coupon.text
    coupon_id = coupon.json()["id"]
    activated = server.http.post(
        f"{API}/console/coupon-templates/{coupon_id}/activate", headers=owner.auth
    )
    assert activated.status_code == 200, activated.text

    # The console: run the topic as a challenge (window, rules, prizes).
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/content/posts")
    page.get_by_test_id("topic-table").locator("tr").filter(has_text=topic_name).get_by_role(
        "link", name=f"话题挑战 {topic_name}"
    ).click()
    page.wait_for_url(re.compile(rf"/content/topics/{topic_id}/challenge"))
    now = datetime.now(UTC) + timedelta(hours=8)  # Beijing time, as the console takes it
    page.get_by_test_id("challenge-starts").fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    page.get_by_test_id("challenge-ends").fill(
        (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    page.get_by_label("挑战规则").fill("晒出你的穿搭，点赞最多的获奖")
    page.get_by_label("第1名积分").fill("300")
    page.get_by_label("第1名优惠券模板 ID").fill(str(coupon_id))
    page.get_by_test_id("challenge-save").click()
    expect(page.get_by_test_id("challenge-status")).to_have_text("进行中")
    assert_accessible(page, "console-content-challenge")

    alice_post = server.http.post(
        f"{API}/posts",
        json={"content": f"挑战作品 {RUN}", "topic_id": topic_id},
        headers=headers["alice"],
    ).json()
    assert alice_post["status"] == "approved", alice_post
    liked = server.http.put(f"{API}/posts/{alice_post['id']}/like", headers=headers["fan"])
    assert liked.status_code == 200, liked.text
    page.reload()
    expect(page.get_by_test_id("challenge-board")).to_contain_text("第1名")

    # The topic page: the challenge with 我的排名; 参与挑战 opens the writer in the topic.
    write_shopper_session(phone, tokens["alice"])
    phone.goto(page_url("posts", topic_id=topic_id))
    card = phone.get_by_test_id("topic-challenge")
    expect(card.get_by_test_id("challenge-status")).to_have_text("进行中")
    expect(card.get_by_test_id("challenge-countdown")).to_contain_text("距结束")
    expect(card.get_by_test_id("challenge-me")).to_contain_text("第1名")
    expect(card).to_contain_text("300 积分")
    _check(phone, "topic-challenge")
    card.get_by_test_id("challenge-join").click()
    phone.wait_for_url(re.compile(rf"/pkg-social/posts/write\?topic_id={topic_id}"))

    # 分享海报 of the post: drawn by the server, shown to save.
    phone.goto(page_url("post_detail", id=alice_post["id"]))
    phone.get_by_test_id("post-poster").click()
    poster = phone.get_by_test_id("post-poster-img")
    expect(poster).to_be_visible()
    expect(phone.get_by_role("dialog", name="分享海报")).to_be_visible()
    _check(phone, "post-poster")

    # It ends: the operator settles it, the topic page shows the winners.
    _end_challenge(server, topic_id)
    _set_quota(server, coupon_id, claimed_all=True)
    page.reload()
    expect(page.get_by_test_id("challenge-status")).to_have_text("已结束")
    page.get_by_test_id("challenge-settle").click()
    expect(page.get_by_test_id("challenge-status")).to_have_text("已颁奖")
    expect(page.get_by_test_id("challenge-board")).to_contain_text("300 积分")
    # The coupon could not be issued: 重试中 with the reason, then 重新发放 once copies are added.
    expect(page.get_by_test_id("prize-coupon-1")).to_contain_text("重试中")
    assert_accessible(page, "console-content-challenge-settled")
    _set_quota(server, coupon_id, claimed_all=False)
    page.get_by_test_id("prize-reissue-1").click()
    expect(page.get_by_test_id("prize-coupon-1")).to_have_text("已发放")
    expect(page.get_by_test_id("prize-reissue-1")).to_have_count(0)
    phone.goto(page_url("posts", topic_id=topic_id))
    card = phone.get_by_test_id("topic-challenge")
    expect(card.get_by_test_id("challenge-status")).to_have_text("已颁奖")
    expect(card.get_by_role("heading", name="获奖名单")).to_be_visible()
    expect(card.get_by_test_id("challenge-board")).to_contain_text("第1名")
    _check(phone, "topic-challenge-awarded")
    phone.goto(page_url("my_content"))
    expect(phone.get_by_role("region", name="回答提醒")).to_contain_text("话题挑战中获得第1名")

"""The merge hooks of the modules above members: each row once on the survivor, counters that
stay consistent, conflicts resolved as docs/omnichannel.md says or refused with nothing
changed, a second merge refused, and (PostgreSQL) a merge racing the absorbed account's likes
leaving no row behind."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.errors import ShopletError
from shoplet.modules.content.models import ChallengeWinner, Follow, Like, Post, PostFavorite
from shoplet.modules.content.service import _common as content_service
from shoplet.modules.loyalty.models import PointsAccount, SignIn
from shoplet.modules.members import public as members
from shoplet.modules.members.models import Member, MemberMerge
from shoplet.modules.membership.models import Account, PlanPeriod, Subscription
from shoplet.modules.notification.models import NotificationCredit
from shoplet.modules.pointsmall.models import MallExchange, MallUsage
from shoplet.modules.social.distribution.models import Binding, Promoter
from shoplet.modules.social.models import Group, GroupMember, Quota
from shoplet.modules.stores.models import StoreBooking, StoreSlot
from shoplet.modules.support.models import Conversation
from tests.conftest import BackendDb, snapshot
from tests.modules.loyalty.factories import grant
from tests.modules.members.conftest import PHONE, request_code
from tests.modules.members.test_identity_merge import bind, phone_shopper
from tests.modules.orders.factories import shopper

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


OPENIDS = itertools.count(1)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The binding flow asks for two codes for one phone; limits have their own test module.
    return {"sms_per_phone_limit": "100/minute", "login_attempts_limit": "100/minute"}


def at(days: float = 0) -> datetime:
    return NOW + timedelta(days=days)


async def two_members(ctx: AppContext) -> tuple[int, int]:
    """(absorbed, survivor): an H5 phone account and a mini-program account."""
    async with unit_of_work(ctx.sessionmaker) as s:
        h5 = Member(nickname="h5")
        wx = Member(nickname="wx", wechat_openid=f"o-merge-{next(OPENIDS)}")
        s.add_all([h5, wx])
        await s.flush()
        return h5.id, wx.id


async def add(ctx: AppContext, *rows: Any) -> list[int]:
    async with unit_of_work(ctx.sessionmaker) as s:
        s.add_all(rows)
        await s.flush()
        return [int(r.id) for r in rows if hasattr(r, "id")]


async def merge(ctx: AppContext, from_id: int, into_id: int) -> MemberMerge:
    async with unit_of_work(ctx.sessionmaker) as s:
        record = await members.merge_members(
            s, ctx, from_id=from_id, into_id=into_id, reason="test", now=NOW
        )
        s.expunge(record)
        return record


async def rows(ctx: AppContext, stmt: Any) -> list[Any]:
    async with ctx.sessionmaker() as s:
        return list((await s.execute(stmt)).all())


def post(member_id: int, likes: int = 0, favourites: int = 0) -> Post:
    return Post(
        member_id=member_id,
        nickname="n",
        content="穿搭分享",
        images=[],
        product_ids=[],
        status="approved",
        like_count=likes,
        favorite_count=favourites,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_content_moves_once_likes_favourites_and_follows_deduplicated(
    ctx: AppContext,
) -> None:
    h5, wx = await two_members(ctx)
    author = (await two_members(ctx))[0]
    p1, p2, own = await add(ctx, post(author, 2, 2), post(author, 1), post(h5, 0))
    await add(
        ctx,
        # Both liked p1 (like_count 2): one like stays, the count becomes 1.
        Like(subject_type="post", subject_id=p1, member_id=h5, created_at=NOW),
        Like(subject_type="post", subject_id=p1, member_id=wx, created_at=NOW),
        Like(subject_type="post", subject_id=p2, member_id=h5, created_at=NOW),
        PostFavorite(member_id=h5, post_id=p1, created_at=NOW),
        PostFavorite(member_id=wx, post_id=p1, created_at=NOW),
        # Both follow the author; each follows the other.
        Follow(follower_id=h5, followee_id=author, created_at=NOW),
        Follow(follower_id=wx, followee_id=author, created_at=NOW),
        Follow(follower_id=h5, followee_id=wx, created_at=NOW),
        Follow(follower_id=wx, followee_id=h5, created_at=NOW),
        Follow(follower_id=author, followee_id=h5, created_at=NOW),
    )
    record = await merge(ctx, h5, wx)
    assert record.moved["content"] == 3  # own post, the like of p2, the author's follow

    likes = await rows(ctx, select(Like.subject_id, Like.member_id).order_by(Like.subject_id))
    assert likes == [(p1, wx), (p2, wx)]
    counts = await rows(
        ctx, select(Post.id, Post.like_count, Post.favorite_count, Post.member_id).order_by(Post.id)
    )
    assert counts == [(p1, 1, 1, author), (p2, 1, 0, author), (own, 0, 0, wx)]
    favourites = await rows(ctx, select(PostFavorite.member_id, PostFavorite.post_id))
    assert favourites == [(wx, p1)]
    follows = await rows(
        ctx, select(Follow.follower_id, Follow.followee_id).order_by(Follow.follower_id)
    )
    assert sorted(follows) == sorted([(wx, author), (author, wx)])


async def test_challenge_ranks_follow_the_shopper_but_one_rank_per_challenge(
    ctx: AppContext,
) -> None:
    h5, wx = await two_members(ctx)

    def won(member_id: int, challenge_id: int, rank: int) -> ChallengeWinner:
        return ChallengeWinner(
            challenge_id=challenge_id,
            rank=rank,
            member_id=member_id,
            nickname="小林",
            post_id=1,
            likes=3,
            points=100,
            created_at=NOW,
        )

    # The absorbed account won challenges 1 and 2; the survivor won 2 as well.
    await add(ctx, won(h5, 1, 1), won(h5, 2, 1), won(wx, 2, 2))
    record = await merge(ctx, h5, wx)
    assert record.moved["content"] == 1
    ranks = await rows(
        ctx,
        select(
            ChallengeWinner.challenge_id, ChallengeWinner.rank, ChallengeWinner.member_id
        ).order_by(ChallengeWinner.challenge_id, ChallengeWinner.rank),
    )
    # Challenge 2 keeps both ranks: the absorbed account's stays its own record.
    assert ranks == [(1, 1, wx), (2, 1, h5), (2, 2, wx)]


async def test_signins_become_one_calendar_without_new_points(ctx: AppContext) -> None:
    h5, wx = await two_members(ctx)
    day = date(2026, 12, 1)

    def signin(member_id: int, offset: int, streak: int) -> SignIn:
        return SignIn(
            member_id=member_id,
            day=day + timedelta(days=offset),
            streak=streak,
            points=5,
            created_at=NOW,
        )

    # h5 signed in on days 0-2, wx on days 2-4 (day 2 by both).
    await add(
        ctx,
        *(signin(h5, i, i + 1) for i in range(3)),
        *(signin(wx, 2 + i, i + 1) for i in range(3)),
    )
    await grant(ctx, h5, 15)
    await grant(ctx, wx, 15)
    await merge(ctx, h5, wx)

    calendar = await rows(
        ctx, select(SignIn.day, SignIn.streak, SignIn.member_id).order_by(SignIn.day)
    )
    assert [(d.day, streak) for d, streak, _ in calendar] == [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        (5, 5),
    ]
    assert {m for *_, m in calendar} == {wx}
    # The points each account earned were moved once, nothing was awarded for the merge.
    balances = await rows(ctx, select(PointsAccount.member_id, PointsAccount.balance))
    assert sorted(balances) == sorted([(h5, 0), (wx, 30)])


def period(member_id: int, order_no: str, starts: float, ends: float, status: str) -> PlanPeriod:
    return PlanPeriod(
        order_no=order_no,
        member_id=member_id,
        plan_id=1,
        plan_name="SVIP月卡",
        price=1500,
        months=1,
        benefits={},
        status=status,
        starts_at=at(starts),
        ends_at=at(ends),
        paid_at=at(starts),
        created_at=at(starts),
        updated_at=at(starts),
    )


async def test_two_active_svip_plans_extend_the_survivor_by_the_remaining_days(
    ctx: AppContext,
) -> None:
    h5, wx = await two_members(ctx)
    await add(
        ctx,
        period(h5, "P-H5-OLD", -60, -30, "active"),  # ended: history
        period(h5, "P-H5", -10, 20, "active"),  # 20 days left
        period(wx, "P-WX", -5, 25, "active"),  # 25 days left
        Subscription(member_id=h5, plan_id=1, ends_at=at(20), updated_at=NOW),
        Subscription(member_id=wx, plan_id=1, ends_at=at(25), updated_at=NOW),
        Account(
            member_id=h5,
            growth_total=700,
            level=2,
            tier_since=NOW,
            period_start=NOW,
            updated_at=NOW,
        ),
        Account(
            member_id=wx,
            growth_total=300,
            level=1,
            tier_since=NOW,
            period_start=NOW,
            updated_at=NOW,
        ),
    )
    await merge(ctx, h5, wx)

    subs = await rows(ctx, select(Subscription.member_id, Subscription.ends_at))
    assert subs == [(wx, at(45))]
    periods = await rows(
        ctx,
        select(
            PlanPeriod.order_no, PlanPeriod.member_id, PlanPeriod.starts_at, PlanPeriod.ends_at
        ).order_by(PlanPeriod.order_no),
    )
    assert periods == [
        ("P-H5", wx, at(25), at(45)),  # chained after the survivor's period, 20 days long
        ("P-H5-OLD", wx, at(-60), at(-30)),
        ("P-WX", wx, at(-5), at(25)),
    ]
    accounts = await rows(ctx, select(Account.member_id, Account.growth_total, Account.level))
    assert accounts == [(wx, 1000, 2)]


async def test_a_group_both_joined_refuses_the_merge_and_changes_nothing(
    ctx: AppContext,
) -> None:
    h5, wx = await two_members(ctx)
    [group] = await add(
        ctx,
        Group(
            share_id="G-MERGE",
            campaign_id=1,
            leader_member_id=wx,
            size=3,
            status="open",
            expires_at=at(1),
            created_at=NOW,
            updated_at=NOW,
        ),
    )

    def joined(member_id: int, order_no: str) -> GroupMember:
        return GroupMember(
            group_id=group,
            campaign_id=1,
            member_id=member_id,
            order_no=order_no,
            status="joined",
            created_at=NOW,
            updated_at=NOW,
        )

    await add(ctx, joined(wx, "O-WX"), joined(h5, "O-H5"))
    before = await snapshot(ctx)
    with pytest.raises(ShopletError) as refused:
        await merge(ctx, h5, wx)
    assert (refused.value.status, refused.value.code) == (409, "social.merge_same_group")
    assert await snapshot(ctx) == before


async def test_two_promoters_refuse_the_merge_and_change_nothing(ctx: AppContext) -> None:
    h5, wx = await two_members(ctx)

    def promoter(member_id: int, code: str) -> Promoter:
        return Promoter(
            member_id=member_id,
            code=code,
            status="active",
            applied_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )

    await add(ctx, promoter(h5, "P1"), promoter(wx, "P2"))
    before = await snapshot(ctx)
    with pytest.raises(ShopletError) as refused:
        await merge(ctx, h5, wx)
    assert (refused.value.status, refused.value.code) == (409, "social.merge_two_promoters")
    assert await snapshot(ctx) == before


async def test_social_bindings_and_quotas(ctx: AppContext) -> None:
    h5, wx = await two_members(ctx)
    [mine] = await add(
        ctx,
        Promoter(
            member_id=h5,
            code="P-H5",
            status="active",
            applied_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        ),
    )
    await add(
        ctx,
        # The survivor was bound to the absorbed account's promoter: after the merge it would
        # refer itself, so the binding goes.
        Binding(member_id=wx, promoter_id=mine, bound_at=NOW),
        Quota(play="groupbuy", campaign_id=7, member_id=h5, used=1),
        Quota(play="groupbuy", campaign_id=7, member_id=wx, used=2),
        Quota(play="bargain", campaign_id=8, member_id=h5, used=1),
    )
    await merge(ctx, h5, wx)
    assert await rows(ctx, select(Promoter.member_id)) == [(wx,)]
    assert await rows(ctx, select(Binding.id)) == []
    quotas = await rows(ctx, select(Quota.play, Quota.member_id, Quota.used).order_by(Quota.play))
    assert quotas == [("bargain", wx, 1), ("groupbuy", wx, 3)]


async def test_stores_support_notifications_and_mall_resolve_their_keys(
    ctx: AppContext,
) -> None:
    h5, wx = await two_members(ctx)
    [slot] = await add(
        ctx, StoreSlot(service_id=1, store_id=1, starts_at=at(1), capacity=5, booked=2)
    )
    await add(
        ctx,
        StoreBooking(slot_id=slot, store_id=1, member_id=h5, status="booked", created_at=NOW),
        StoreBooking(slot_id=slot, store_id=1, member_id=wx, status="booked", created_at=NOW),
        Conversation(member_id=h5, status="queued", priority=False, queued_at=NOW, created_at=NOW),
        Conversation(member_id=wx, status="active", priority=False, queued_at=NOW, created_at=NOW),
        NotificationCredit(
            member_id=h5, template_id="T1", credits=2, accepted_total=2, updated_at=NOW
        ),
        NotificationCredit(
            member_id=wx, template_id="T1", credits=1, accepted_total=3, updated_at=NOW
        ),
        MallUsage(item_id=1, member_id=h5, period="total", quantity=1),
        MallUsage(item_id=1, member_id=wx, period="total", quantity=2),
        *(
            MallExchange(
                exchange_no=f"X-{m}",
                member_id=m,
                request_id="same-key",
                item_id=1,
                kind="coupon",
                title="券",
                quantity=1,
                points=100,
                cash=0,
                period="total",
                status="issued",
                created_at=NOW,
                updated_at=NOW,
            )
            for m in (h5, wx)
        ),
    )
    await merge(ctx, h5, wx)

    bookings = await rows(ctx, select(StoreBooking.member_id, StoreBooking.status))
    assert sorted(bookings) == [(wx, "booked"), (wx, "cancelled")]
    assert await rows(ctx, select(StoreSlot.booked)) == [(1,)]
    chats = await rows(ctx, select(Conversation.member_id, Conversation.status))
    assert sorted(chats) == [(wx, "active"), (wx, "closed")]
    credits = await rows(
        ctx,
        select(
            NotificationCredit.member_id,
            NotificationCredit.credits,
            NotificationCredit.accepted_total,
        ),
    )
    assert credits == [(wx, 3, 5)]
    assert await rows(ctx, select(MallUsage.member_id, MallUsage.quantity)) == [(wx, 3)]
    exchanges = await rows(
        ctx, select(MallExchange.exchange_no, MallExchange.member_id, MallExchange.request_id)
    )
    keys = {no: key for no, _, key in exchanges}
    assert {m for _, m, _ in exchanges} == {wx}
    assert keys[f"X-{wx}"] == "same-key"
    assert keys[f"X-{h5}"].startswith("merged:")


async def test_merging_twice_is_refused_and_changes_nothing(ctx: AppContext) -> None:
    h5, wx = await two_members(ctx)
    await add(ctx, post(h5))
    first = await merge(ctx, h5, wx)
    assert first.moved["content"] == 1
    before = await snapshot(ctx)
    for pair in ((h5, wx), (wx, h5)):
        with pytest.raises(members.AlreadyMerged):
            await merge(ctx, *pair)
    assert await snapshot(ctx) == before


async def test_a_merge_racing_the_absorbed_accounts_likes_leaves_no_row_behind(
    ctx: AppContext, backend_db: BackendDb
) -> None:
    if not backend_db.is_postgres:
        pytest.skip("row locks: PostgreSQL")
    h5, wx = await two_members(ctx)
    author = (await two_members(ctx))[0]
    posts = await add(ctx, *(post(author) for _ in range(12)))
    # The survivor liked half of them already: those become duplicates if h5 gets there first.
    await add(
        ctx,
        *(
            Like(subject_type="post", subject_id=p, member_id=wx, created_at=NOW)
            for p in posts[::2]
        ),
    )
    async with unit_of_work(ctx.sessionmaker) as s:
        for p in posts[::2]:
            await s.execute(Post.__table__.update().where(Post.id == p).values(like_count=1))

    async def like(post_id: int) -> str:
        try:
            async with unit_of_work(ctx.sessionmaker) as s:
                await content_service.like(s, "post", post_id, h5, liked=True)
        except members.AlreadyMerged:
            return "refused"
        return "liked"

    async def merge_now() -> str:
        await merge(ctx, h5, wx)
        return "merged"

    tasks = [like(p) for p in posts[:6]] + [merge_now()] + [like(p) for p in posts[6:]]
    outcomes = await asyncio.gather(*tasks)
    assert outcomes.count("merged") == 1
    assert await rows(ctx, select(Like.id).where(Like.member_id == h5)) == []
    # Every post's counter equals its likes, each member at most once per post.
    counted = await rows(
        ctx,
        select(Post.id, Post.like_count, func.count(Like.id))
        .outerjoin(Like, Like.subject_id == Post.id)
        .where(Post.id.in_(posts))
        .group_by(Post.id, Post.like_count),
    )
    assert all(count == likes for _, count, likes in counted), counted


async def waiting_on_a_lock(ctx: AppContext) -> bool:
    async with ctx.sessionmaker() as s:
        waiting = await s.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_a_like_in_flight_is_moved_and_a_like_after_the_merge_is_refused(
    ctx: AppContext, backend_db: BackendDb
) -> None:
    if not backend_db.is_postgres:
        pytest.skip("row locks: PostgreSQL")
    h5, wx = await two_members(ctx)
    author = (await two_members(ctx))[0]
    first, second = await add(ctx, post(author), post(author))

    # The absorbed account's like is written but not committed when the merge starts: the
    # merge waits for it (the like holds the member row FOR SHARE), then moves it.
    async with unit_of_work(ctx.sessionmaker) as liking:
        await content_service.like(liking, "post", first, h5, liked=True)
        merging = asyncio.create_task(merge(ctx, h5, wx))
        for _ in range(500):
            if await waiting_on_a_lock(ctx):
                break
            await asyncio.sleep(0.01)  # polls for the lock wait, no fixed delay
        assert await waiting_on_a_lock(ctx)
        assert not merging.done()
    await merging
    assert await rows(ctx, select(Like.subject_id, Like.member_id)) == [(first, wx)]

    # After the merge the absorbed account (a token still in a tab) cannot like any more.
    before = await snapshot(ctx, "content_like", "content_post")
    with pytest.raises(members.AlreadyMerged):
        async with unit_of_work(ctx.sessionmaker) as s:
            await content_service.like(s, "post", second, h5, liked=True)
    assert await snapshot(ctx, "content_like", "content_post") == before


async def test_binding_a_phone_whose_account_cannot_be_merged_is_a_problem_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    counter = await phone_shopper(client, app)  # H5 account holding the phone
    alice = await shopper(client, "alice")
    for member_id, code in ((counter.member_id, "P-H5"), (alice.member_id, "P-WX")):
        await add(
            ctx,
            Promoter(
                member_id=member_id,
                code=code,
                status="active",
                applied_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            ),
        )
    code = await request_code(client, app, PHONE)
    before = await snapshot(ctx)
    response = await bind(client, app, alice, PHONE, code)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "social.merge_two_promoters"
    assert await snapshot(ctx) == before

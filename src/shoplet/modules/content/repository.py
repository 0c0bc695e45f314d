"""All queries of content."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shoplet.core import merge
from shoplet.core.db import claim_unused
from shoplet.modules.content.models import (
    Answer,
    Challenge,
    ChallengePrize,
    ChallengeWinner,
    Comment,
    Follow,
    Like,
    Notice,
    Post,
    PostFavorite,
    PostImage,
    PostVideo,
    Question,
    Topic,
)

Subject = type[Question] | type[Answer] | type[Post] | type[Comment]


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, model: Subject, row_id: int) -> Any:
    return (await session.scalars(_fresh(select(model).where(model.id == row_id)))).first()


async def move_status(
    session: AsyncSession,
    model: Subject,
    row_id: int,
    *,
    was: str,
    to: str,
    values: Mapping[str, Any],
) -> bool:
    """Change a row's status only if it still is ``was``: two deciders change it once."""
    stmt = (
        update(model)
        .where(model.id == row_id, model.status == was)
        .values(status=to, **values)
        .returning(model.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- counters --------------------------------------------------------------------------------


async def bump_answers(session: AsyncSession, question_id: int, delta: int) -> None:
    await session.execute(
        update(Question)
        .where(Question.id == question_id)
        .values(answer_count=Question.answer_count + delta)
    )


async def bump_topic(session: AsyncSession, topic_id: int, delta: int) -> None:
    await session.execute(
        update(Topic).where(Topic.id == topic_id).values(post_count=Topic.post_count + delta)
    )


async def bump_comments(session: AsyncSession, post_id: int, delta: int) -> tuple[int, int] | None:
    """``comment_count ± 1``; the post's (likes, comments) after it."""
    stmt = (
        update(Post)
        .where(Post.id == post_id)
        .values(comment_count=Post.comment_count + delta)
        .returning(Post.like_count, Post.comment_count)
    )
    row = (await session.execute(stmt)).first()
    return (int(row[0]), int(row[1])) if row else None


async def set_hot_score(
    session: AsyncSession, post_id: int, *, likes: int, comments: int, score: float
) -> None:
    """Written only if the counters are still those it was computed from: a later change
    writes its own (fresher) score."""
    await session.execute(
        update(Post)
        .where(Post.id == post_id, Post.like_count == likes, Post.comment_count == comments)
        .values(hot_score=score)
    )


# -- likes -----------------------------------------------------------------------------------


async def insert_like(
    session: AsyncSession, subject_type: str, subject_id: int, member_id: int, now: Any
) -> bool:
    """One like per member (the unique key): False when there is one already."""
    stmt = (
        _insert(session, Like)
        .values(
            subject_type=subject_type, subject_id=subject_id, member_id=member_id, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["subject_type", "subject_id", "member_id"])
        .returning(Like.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_like(
    session: AsyncSession, subject_type: str, subject_id: int, member_id: int
) -> bool:
    stmt = (
        delete(Like)
        .where(
            Like.subject_type == subject_type,
            Like.subject_id == subject_id,
            Like.member_id == member_id,
        )
        .returning(Like.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def bump_likes(
    session: AsyncSession, model: type[Answer] | type[Post], row_id: int, delta: int
) -> Any:
    """``like_count ± 1``: the row's counters after it (like_count, and for a post comments)."""
    columns: list[Any] = [model.like_count]
    if model is Post:
        columns.append(Post.comment_count)
    stmt = (
        update(model)
        .where(model.id == row_id)
        .values(like_count=model.like_count + delta)
        .returning(*columns)
    )
    return (await session.execute(stmt)).first()


async def liked_of(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[int], member_id: int | None
) -> set[int]:
    if member_id is None or not subject_ids:
        return set()
    stmt = select(Like.subject_id).where(
        Like.subject_type == subject_type,
        Like.subject_id.in_(subject_ids),
        Like.member_id == member_id,
    )
    return set((await session.scalars(stmt)).all())


# -- favourites (收藏) and follows (关注) ------------------------------------------------------


async def insert_favorite(session: AsyncSession, post_id: int, member_id: int, now: Any) -> bool:
    """One 收藏 per member and post (the unique key): False when there is one already."""
    stmt = (
        _insert(session, PostFavorite)
        .values(member_id=member_id, post_id=post_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["member_id", "post_id"])
        .returning(PostFavorite.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_favorite(session: AsyncSession, post_id: int, member_id: int) -> bool:
    stmt = (
        delete(PostFavorite)
        .where(PostFavorite.post_id == post_id, PostFavorite.member_id == member_id)
        .returning(PostFavorite.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def bump_favorites(session: AsyncSession, post_id: int, delta: int) -> int:
    """``favorite_count ± 1``: the count after it."""
    stmt = (
        update(Post)
        .where(Post.id == post_id)
        .values(favorite_count=Post.favorite_count + delta)
        .returning(Post.favorite_count)
    )
    return int((await session.execute(stmt)).scalar_one())


async def favorited_of(
    session: AsyncSession, post_ids: Sequence[int], member_id: int | None
) -> set[int]:
    if member_id is None or not post_ids:
        return set()
    stmt = select(PostFavorite.post_id).where(
        PostFavorite.member_id == member_id, PostFavorite.post_id.in_(post_ids)
    )
    return set((await session.scalars(stmt)).all())


async def favorites(
    session: AsyncSession, member_id: int, *, before_id: int | None, limit: int
) -> list[tuple[int, Post]]:
    """The member's 收藏 of public posts, latest first: (favourite id, post)."""
    stmt = (
        select(PostFavorite.id, Post)
        .join(Post, Post.id == PostFavorite.post_id)
        .where(PostFavorite.member_id == member_id, Post.status == "approved")
    )
    if before_id is not None:
        stmt = stmt.where(PostFavorite.id < before_id)
    rows = await session.execute(_fresh(stmt.order_by(PostFavorite.id.desc()).limit(limit)))
    return [(int(i), p) for i, p in rows.all()]


async def insert_follow(session: AsyncSession, follower: int, followee: int, now: Any) -> bool:
    stmt = (
        _insert(session, Follow)
        .values(follower_id=follower, followee_id=followee, created_at=now)
        .on_conflict_do_nothing(index_elements=["follower_id", "followee_id"])
        .returning(Follow.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_follow(session: AsyncSession, follower: int, followee: int) -> bool:
    stmt = (
        delete(Follow)
        .where(Follow.follower_id == follower, Follow.followee_id == followee)
        .returning(Follow.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def follower_count(session: AsyncSession, followee: int) -> int:
    stmt = select(func.count()).where(Follow.followee_id == followee)
    return int(await session.scalar(stmt) or 0)


async def followed_of(
    session: AsyncSession, followee_ids: Sequence[int], follower: int | None
) -> set[int]:
    if follower is None or not followee_ids:
        return set()
    stmt = select(Follow.followee_id).where(
        Follow.follower_id == follower, Follow.followee_id.in_(followee_ids)
    )
    return set((await session.scalars(stmt)).all())


async def following_feed(
    session: AsyncSession, follower: int, *, before_id: int | None, limit: int
) -> list[Post]:
    """Public posts of the authors ``follower`` follows, newest first (pins not apart)."""
    followees = select(Follow.followee_id).where(Follow.follower_id == follower)
    stmt = select(Post).where(Post.status == "approved", Post.member_id.in_(followees))
    if before_id is not None:
        stmt = stmt.where(Post.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Post.id.desc()).limit(limit))))


# -- questions and answers -------------------------------------------------------------------


async def product_questions(
    session: AsyncSession, product_id: int, *, before_id: int | None, limit: int
) -> list[Question]:
    stmt = select(Question).where(Question.product_id == product_id, Question.status == "approved")
    if before_id is not None:
        stmt = stmt.where(Question.id < before_id)
    return list(await session.scalars(stmt.order_by(Question.id.desc()).limit(limit)))


async def count_questions(session: AsyncSession, product_id: int) -> int:
    stmt = select(func.count()).where(
        Question.product_id == product_id, Question.status == "approved"
    )
    return int(await session.scalar(stmt) or 0)


async def public_answers(session: AsyncSession, question_ids: Sequence[int]) -> list[Answer]:
    if not question_ids:
        return []
    stmt = (
        select(Answer)
        .where(Answer.question_id.in_(question_ids), Answer.status == "approved")
        .order_by(Answer.is_merchant.desc(), Answer.like_count.desc(), Answer.id)
    )
    return list(await session.scalars(stmt))


async def merchant_answered(session: AsyncSession, question_ids: Sequence[int]) -> set[int]:
    if not question_ids:
        return set()
    stmt = select(Answer.question_id).where(
        Answer.question_id.in_(question_ids), Answer.is_merchant.is_(True)
    )
    return set((await session.scalars(stmt)).all())


async def list_questions_admin(
    session: AsyncSession,
    *,
    status: str | None,
    product_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[Question]:
    stmt = select(Question)
    if status is not None:
        stmt = stmt.where(Question.status == status)
    if product_id is not None:
        stmt = stmt.where(Question.product_id == product_id)
    if before_id is not None:
        stmt = stmt.where(Question.id < before_id)
    return list(await session.scalars(stmt.order_by(Question.id.desc()).limit(limit)))


# -- topics ----------------------------------------------------------------------------------


async def insert_topic(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    stmt = (
        _insert(session, Topic)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(Topic.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def topics(session: AsyncSession, *, active_only: bool) -> list[Topic]:
    stmt = select(Topic)
    if active_only:
        stmt = stmt.where(Topic.is_active.is_(True))
    return list(await session.scalars(_fresh(stmt.order_by(Topic.id.desc()))))


async def topic_names(session: AsyncSession, topic_ids: Sequence[int]) -> dict[int, str]:
    if not topic_ids:
        return {}
    rows = await session.execute(select(Topic.id, Topic.name).where(Topic.id.in_(topic_ids)))
    return {int(i): str(n) for i, n in rows.all()}


async def name_taken(session: AsyncSession, name: str, other_than: int) -> bool:
    stmt = select(Topic.id).where(Topic.name == name, Topic.id != other_than)
    return (await session.scalar(stmt.limit(1))) is not None


async def update_topic(session: AsyncSession, topic_id: int, values: Mapping[str, Any]) -> bool:
    stmt = update(Topic).where(Topic.id == topic_id).values(**values).returning(Topic.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# -- posts -----------------------------------------------------------------------------------


async def claim_images(
    session: AsyncSession, member_id: int, image_ids: Sequence[int], post_id: int
) -> list[PostImage]:
    """Attach the member's unused images to the post (conditionally: an image is used once);
    the rows claimed in the order asked, or [] when any was not theirs or used."""
    return await claim_unused(
        session,
        PostImage,
        image_ids,
        owner=PostImage.member_id,
        owner_id=member_id,
        target=PostImage.post_id,
        target_id=post_id,
    )


async def claim_video(
    session: AsyncSession, member_id: int, video_id: int, post_id: int
) -> PostVideo | None:
    """Attach the member's unused video to the post (conditionally: a video is used once)."""
    claimed = await claim_unused(
        session,
        PostVideo,
        [video_id],
        owner=PostVideo.member_id,
        owner_id=member_id,
        target=PostVideo.post_id,
        target_id=post_id,
    )
    return claimed[0] if claimed else None


async def update_post(session: AsyncSession, post_id: int, values: Mapping[str, Any]) -> bool:
    stmt = update(Post).where(Post.id == post_id).values(**values).returning(Post.id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def feed(
    session: AsyncSession,
    *,
    topic_id: int | None,
    sort: str,
    after: tuple[float, int] | None,
    limit: int,
) -> list[Post]:
    """Public posts not pinned: newest first (``after`` = (0, id)) or hottest first (``after``
    = (score, id) of the last row seen)."""
    stmt = select(Post).where(Post.status == "approved", Post.is_pinned.is_(False))
    if topic_id is not None:
        stmt = stmt.where(Post.topic_id == topic_id)
    if sort == "hot":
        if after is not None:
            score, last = after
            stmt = stmt.where(
                or_(Post.hot_score < score, and_(Post.hot_score == score, Post.id < last))
            )
        stmt = stmt.order_by(Post.hot_score.desc(), Post.id.desc())
    else:
        if after is not None:
            stmt = stmt.where(Post.id < after[1])
        stmt = stmt.order_by(Post.id.desc())
    return list(await session.scalars(_fresh(stmt.limit(limit))))


async def hot_candidates(
    session: AsyncSession, *, topic_id: int | None, limit: int
) -> list[tuple[int, float, list[int]]]:
    """``(id, hot_score, product_ids)`` of the ``limit`` hottest public posts not pinned."""
    stmt = select(Post.id, Post.hot_score, Post.product_ids).where(
        Post.status == "approved", Post.is_pinned.is_(False)
    )
    if topic_id is not None:
        stmt = stmt.where(Post.topic_id == topic_id)
    stmt = stmt.order_by(Post.hot_score.desc(), Post.id.desc()).limit(limit)
    return [(int(i), float(h), list(p or [])) for i, h, p in await session.execute(stmt)]


async def public_posts(session: AsyncSession, post_ids: Sequence[int]) -> list[Post]:
    """The public, unpinned posts among ``post_ids``, in the order given."""
    if not post_ids:
        return []
    stmt = select(Post).where(
        Post.id.in_(list(post_ids)), Post.status == "approved", Post.is_pinned.is_(False)
    )
    found = {p.id: p for p in await session.scalars(_fresh(stmt))}
    return [found[i] for i in post_ids if i in found]


async def pinned(session: AsyncSession, *, topic_id: int | None, limit: int = 5) -> list[Post]:
    stmt = select(Post).where(Post.status == "approved", Post.is_pinned.is_(True))
    if topic_id is not None:
        stmt = stmt.where(Post.topic_id == topic_id)
    return list(await session.scalars(_fresh(stmt.order_by(Post.id.desc()).limit(limit))))


async def list_posts_admin(
    session: AsyncSession,
    *,
    status: str | None,
    topic_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[Post]:
    stmt = select(Post)
    if status is not None:
        stmt = stmt.where(Post.status == status)
    if topic_id is not None:
        stmt = stmt.where(Post.topic_id == topic_id)
    if before_id is not None:
        stmt = stmt.where(Post.id < before_id)
    return list(await session.scalars(_fresh(stmt.order_by(Post.id.desc()).limit(limit))))


async def recent_public_posts(session: AsyncSession, limit: int) -> list[Post]:
    stmt = select(Post).where(Post.status == "approved").order_by(Post.id.desc()).limit(limit)
    return list(await session.scalars(_fresh(stmt)))


# -- comments --------------------------------------------------------------------------------


async def post_comments(
    session: AsyncSession, post_id: int, *, before_id: int | None, limit: int
) -> list[Comment]:
    stmt = select(Comment).where(Comment.post_id == post_id, Comment.status == "approved")
    if before_id is not None:
        stmt = stmt.where(Comment.id < before_id)
    return list(await session.scalars(stmt.order_by(Comment.id.desc()).limit(limit)))


# -- the author's own ------------------------------------------------------------------------


async def own(
    session: AsyncSession, model: Subject, member_id: int, *, limit: int = 50
) -> list[Any]:
    stmt = select(model).where(model.member_id == member_id).order_by(model.id.desc()).limit(limit)
    return list(await session.scalars(_fresh(stmt)))


async def insert_notice(session: AsyncSession, values: Mapping[str, Any]) -> None:
    stmt = (
        _insert(session, Notice)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "ref_id"])
    )
    await session.execute(stmt)


async def notices(session: AsyncSession, member_id: int, limit: int = 50) -> list[Notice]:
    stmt = (
        select(Notice).where(Notice.member_id == member_id).order_by(Notice.id.desc()).limit(limit)
    )
    return list(await session.scalars(_fresh(stmt)))


async def read_notices(session: AsyncSession, member_id: int) -> int:
    stmt = (
        update(Notice)
        .where(Notice.member_id == member_id, Notice.is_read.is_(False))
        .values(is_read=True)
        .returning(Notice.id)
    )
    return len((await session.execute(stmt)).all())


async def approved_post_counts(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    """How many public (approved) posts each of ``member_ids`` wrote (absent: none)."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Post.member_id, func.count())
        .where(Post.member_id.in_(list(member_ids)), Post.status == "approved")
        .group_by(Post.member_id)
    )
    return {int(m): int(n) for m, n in rows.all()}


# -- account merge ---------------------------------------------------------------------------


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: what the absorbed account wrote (questions, answers, posts, their
    images, comments) and its notices become the survivor's; likes, favourites and follows
    become the survivor's once. A post or answer both accounts liked keeps one like and its
    ``like_count`` drops by the duplicate (likewise ``favorite_count``); a follow between the
    two accounts disappears (nobody follows themselves) and an author both followed is
    followed once. Returns the rows moved."""
    moved = await merge.reassign_all(
        session,
        (
            Question.member_id,
            Answer.member_id,
            Post.member_id,
            PostImage.member_id,
            PostVideo.member_id,
            Comment.member_id,
            Notice.member_id,
        ),
        from_id,
        into_id,
    )
    like_key = (Like.subject_type, Like.subject_id)
    twice = await merge.duplicates(
        session, Like.member_id, from_id, into_id, like_key, returning=Like.id
    )
    if twice:
        doubled = await session.execute(
            select(Like.subject_type, Like.subject_id).where(Like.id.in_(twice))
        )
        for subject_type, subject_id in doubled.all():
            model = Post if subject_type == "post" else Answer
            await session.execute(
                update(model)
                .where(model.id == subject_id, model.like_count > 0)
                .values(like_count=model.like_count - 1)
            )
    moved += await merge.reassign(session, Like.member_id, from_id, into_id, key=like_key)
    favoured = await merge.duplicates(
        session,
        PostFavorite.member_id,
        from_id,
        into_id,
        (PostFavorite.post_id,),
        returning=PostFavorite.post_id,
    )
    if favoured:
        await session.execute(
            update(Post)
            .where(Post.id.in_(favoured), Post.favorite_count > 0)
            .values(favorite_count=Post.favorite_count - 1)
        )
    moved += await merge.reassign(
        session, PostFavorite.member_id, from_id, into_id, key=(PostFavorite.post_id,)
    )
    # A follow between the two accounts would become following oneself: it goes first.
    await session.execute(
        delete(Follow).where(
            or_(
                and_(Follow.follower_id == from_id, Follow.followee_id == into_id),
                and_(Follow.follower_id == into_id, Follow.followee_id == from_id),
            )
        )
    )
    moved += await merge.reassign(
        session, Follow.follower_id, from_id, into_id, key=(Follow.followee_id,)
    )
    moved += await merge.reassign(
        session, Follow.followee_id, from_id, into_id, key=(Follow.follower_id,)
    )
    # 话题挑战 ranks follow the shopper, except in a challenge both accounts won: one member holds
    # one rank per challenge, so the absorbed account's rank there stays its own (a record; its
    # points and coupon moved with loyalty's and promotions' rows).
    survivor_won = aliased(ChallengeWinner)
    ranks = await session.execute(
        update(ChallengeWinner)
        .where(
            ChallengeWinner.member_id == from_id,
            ~exists().where(
                survivor_won.member_id == into_id,
                survivor_won.challenge_id == ChallengeWinner.challenge_id,
            ),
        )
        .values(member_id=into_id)
        .execution_options(synchronize_session=False)
    )
    return moved + int(ranks.rowcount or 0)  # type: ignore[attr-defined]


# -- 话题挑战 ---------------------------------------------------------------------------------


async def challenge_of_topic(session: AsyncSession, topic_id: int) -> Challenge | None:
    stmt = select(Challenge).where(Challenge.topic_id == topic_id)
    return (await session.scalars(_fresh(stmt))).first()


async def challenge(session: AsyncSession, challenge_id: int) -> Challenge | None:
    stmt = select(Challenge).where(Challenge.id == challenge_id)
    return (await session.scalars(_fresh(stmt))).first()


async def insert_challenge(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """One challenge per topic: a concurrent second create inserts nothing (None)."""
    stmt = (
        _insert(session, Challenge)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["topic_id"])
        .returning(Challenge.id)
    )
    new_id: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return new_id


async def update_challenge(
    session: AsyncSession,
    challenge_id: int,
    values: Mapping[str, Any],
    *,
    unstarted_before: Any | None,
) -> bool:
    """Edit an unsettled challenge; with ``unstarted_before`` only while it has not started by
    then (its start and prizes are frozen once it runs): a settlement or the start meanwhile
    leaves it unchanged (False)."""
    stmt = update(Challenge).where(Challenge.id == challenge_id, Challenge.settled_at.is_(None))
    if unstarted_before is not None:
        stmt = stmt.where(Challenge.starts_at > unstarted_before)
    result = await session.execute(stmt.values(**values).returning(Challenge.id))
    return result.scalar_one_or_none() is not None


async def prizes(session: AsyncSession, challenge_id: int) -> list[ChallengePrize]:
    stmt = (
        select(ChallengePrize)
        .where(ChallengePrize.challenge_id == challenge_id)
        .order_by(ChallengePrize.rank)
    )
    return list(await session.scalars(_fresh(stmt)))


async def replace_prizes(
    session: AsyncSession, challenge_id: int, rows: Sequence[Mapping[str, Any]]
) -> None:
    await session.execute(delete(ChallengePrize).where(ChallengePrize.challenge_id == challenge_id))
    if rows:
        await session.execute(
            _insert(session, ChallengePrize).values(
                [dict(r, challenge_id=challenge_id) for r in rows]
            )
        )


def _ranked(challenge: Challenge) -> Any:
    """Every member's best post of the challenge: approved, written in the window, by the likes
    it got before the end (ties: the earlier post); ``place`` 1, 2, … over members."""
    likes = (
        select(func.count(Like.id))
        .where(
            Like.subject_type == "post",
            Like.subject_id == Post.id,
            Like.created_at < challenge.ends_at,
        )
        .correlate(Post)
        .scalar_subquery()
    )
    scored = (
        select(
            Post.id.label("post_id"),
            Post.member_id.label("member_id"),
            Post.nickname.label("nickname"),
            Post.created_at.label("created_at"),
            likes.label("likes"),
        )
        .where(
            Post.topic_id == challenge.topic_id,
            Post.status == "approved",
            Post.created_at >= challenge.starts_at,
            Post.created_at < challenge.ends_at,
        )
        .subquery()
    )
    order = (scored.c.likes.desc(), scored.c.created_at, scored.c.post_id)
    best = select(
        scored,
        func.row_number().over(partition_by=scored.c.member_id, order_by=order).label("nth"),
    ).subquery()
    ordered = (best.c.likes.desc(), best.c.created_at, best.c.post_id)
    return (
        select(
            best.c.post_id,
            best.c.member_id,
            best.c.nickname,
            best.c.likes,
            func.row_number().over(order_by=ordered).label("place"),
        )
        .where(best.c.nth == 1)
        .subquery()
    )


async def leaderboard(
    session: AsyncSession, challenge: Challenge, limit: int
) -> list[tuple[int, int, int, str, int]]:
    """(place, member_id, post_id, nickname, likes) of the top ``limit``."""
    ranked = _ranked(challenge)
    rows = await session.execute(
        select(
            ranked.c.place, ranked.c.member_id, ranked.c.post_id, ranked.c.nickname, ranked.c.likes
        )
        .order_by(ranked.c.place)
        .limit(limit)
    )
    return [(int(p), int(m), int(i), str(n), int(k)) for p, m, i, n, k in rows.all()]


async def rank_of(
    session: AsyncSession, challenge: Challenge, member_id: int
) -> tuple[int, int, int] | None:
    """(place, post_id, likes) of a member, or None without a counting post."""
    ranked = _ranked(challenge)
    row = (
        await session.execute(
            select(ranked.c.place, ranked.c.post_id, ranked.c.likes).where(
                ranked.c.member_id == member_id
            )
        )
    ).first()
    return (int(row[0]), int(row[1]), int(row[2])) if row is not None else None


async def claim_settlement(session: AsyncSession, challenge_id: int, now: Any) -> bool:
    """The one conditional UPDATE that settles a challenge: True for exactly one caller,
    whatever settlers run at once (a concurrent one waits on the row, then finds it settled;
    if the winner rolls back, the next one settles)."""
    stmt = (
        update(Challenge)
        .where(
            Challenge.id == challenge_id,
            Challenge.settled_at.is_(None),
            Challenge.ends_at <= now,
        )
        .values(settled_at=now, updated_at=now)
        .returning(Challenge.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def insert_winner(session: AsyncSession, values: Mapping[str, Any]) -> int:
    row = ChallengeWinner(**values)
    session.add(row)
    await session.flush()
    return row.id


async def winners(session: AsyncSession, challenge_id: int) -> list[ChallengeWinner]:
    stmt = (
        select(ChallengeWinner)
        .where(ChallengeWinner.challenge_id == challenge_id)
        .order_by(ChallengeWinner.rank)
    )
    return list(await session.scalars(_fresh(stmt)))


async def due_challenges(session: AsyncSession, now: Any, limit: int = 100) -> list[int]:
    """Ended, unsettled challenges, the longest-ended first."""
    stmt = (
        select(Challenge.id)
        .where(Challenge.settled_at.is_(None), Challenge.ends_at <= now)
        .order_by(Challenge.ends_at, Challenge.id)
        .limit(limit)
    )
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def winner_at(session: AsyncSession, challenge_id: int, rank: int) -> ChallengeWinner | None:
    stmt = select(ChallengeWinner).where(
        ChallengeWinner.challenge_id == challenge_id, ChallengeWinner.rank == rank
    )
    return (await session.scalars(_fresh(stmt))).one_or_none()


async def claim_coupon(
    session: AsyncSession, winner_id: int, *, due_before: Any | None
) -> ChallengeWinner | None:
    """Take a winner's unissued coupon prize for one try: the conditional UPDATE to ``issued``
    is won by one caller (a concurrent one waits on the row, then finds it issued, or, when
    the try failed and was recorded, due later). The caller issues the coupon in the same
    transaction, or records the failure with :func:`coupon_failed`. ``due_before``: only
    when its retry is due (the job); None: whenever it is not issued (the console)."""
    stmt = update(ChallengeWinner).where(
        ChallengeWinner.id == winner_id,
        ChallengeWinner.coupon_status.in_(("retrying", "given_up")),
    )
    if due_before is not None:
        stmt = stmt.where(
            ChallengeWinner.coupon_status == "retrying",
            ChallengeWinner.coupon_retry_at <= due_before,
        )
    stmt = stmt.values(
        coupon_status="issued",
        coupon_attempts=ChallengeWinner.coupon_attempts + 1,
        coupon_retry_at=None,
        coupon_skipped=None,
    ).returning(ChallengeWinner.id)
    if (await session.execute(stmt)).scalar_one_or_none() is None:
        return None
    return await winner(session, winner_id)


async def coupon_issued(session: AsyncSession, winner_id: int, template_id: int) -> None:
    await session.execute(
        update(ChallengeWinner)
        .where(ChallengeWinner.id == winner_id)
        .values(coupon_template_id=template_id)
    )


async def coupon_failed(
    session: AsyncSession, winner_id: int, *, reason: str, status: str, retry_at: Any | None
) -> None:
    await session.execute(
        update(ChallengeWinner)
        .where(ChallengeWinner.id == winner_id)
        .values(coupon_status=status, coupon_skipped=reason, coupon_retry_at=retry_at)
    )


async def due_coupon_retries(session: AsyncSession, now: Any, limit: int = 100) -> list[int]:
    """Winners whose coupon prize is due another try, the longest-waiting first."""
    stmt = (
        select(ChallengeWinner.id)
        .where(ChallengeWinner.coupon_status == "retrying", ChallengeWinner.coupon_retry_at <= now)
        .order_by(ChallengeWinner.coupon_retry_at, ChallengeWinner.id)
        .limit(limit)
    )
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def winner(session: AsyncSession, winner_id: int) -> ChallengeWinner | None:
    return await session.get(ChallengeWinner, winner_id, populate_existing=True)

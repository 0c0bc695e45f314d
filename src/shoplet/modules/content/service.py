"""Content: product Q&A (问大家), posts (种草) in topics, likes, comments, and moderation.

Every question, answer, post and comment is screened (moderation's filter and WeChat's check,
before the request's transaction) and submitted to moderation in its own transaction; it is
public only once moderation approves it. ``_move`` is the one way a row changes status: a
conditional UPDATE on the status it was, so two deciders change it once, and the counters that
count public rows (answers of a question, posts of a topic, comments of a post) move with it.
An answer becoming public tells the asker (a notice in 我的内容 and the event
``content.question_answered``). Staff removal (``removed``) is final: a later moderation verdict
does not bring the row back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import (
    InvalidCursor,
    decode_cursor,
    decode_id_cursor,
    encode_cursor,
    encode_id_cursor,
)
from shoplet.core.storage import Storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.content import repository as repo
from shoplet.modules.content import rules as r
from shoplet.modules.content.errors import (
    AnswerNotFound,
    CommentNotFound,
    ContentChanged,
    ContentEmpty,
    ContentTooLong,
    ImageInvalid,
    ImageUnknown,
    NotABuyer,
    NotPublic,
    PostNotFound,
    ProductNotFound,
    ProductUnknown,
    QuestionNotFound,
    TopicNotFound,
    TopicTaken,
)
from shoplet.modules.content.events import POST_PUBLISHED, QUESTION_ANSWERED
from shoplet.modules.content.models import Answer as AnswerRow
from shoplet.modules.content.models import Comment as CommentRow
from shoplet.modules.content.models import Post as PostRow
from shoplet.modules.content.models import PostImage as PostImageRow
from shoplet.modules.content.models import Question as QuestionRow
from shoplet.modules.content.models import Topic as TopicRow
from shoplet.modules.content.schemas import (
    Comment,
    Feed,
    LikeResult,
    MyAnswer,
    MyComment,
    MyPost,
    MyQuestion,
    Notice,
    Post,
    PostAdmin,
    PostCreate,
    PostImage,
    QaAnswer,
    QaSummary,
    Question,
    QuestionAdmin,
    Topic,
    TopicWrite,
)
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation
from shoplet.modules.orders import public as orders

SUBJECTS: dict[str, Any] = {
    "question": QuestionRow,
    "answer": AnswerRow,
    "post": PostRow,
    "comment": CommentRow,
}
LIMITS = {
    "question": r.MAX_QUESTION,
    "answer": r.MAX_ANSWER,
    "post": r.MAX_POST,
    "comment": r.MAX_COMMENT,
}
NOT_FOUND: dict[str, type[Exception]] = {
    "question": QuestionNotFound,
    "answer": AnswerNotFound,
    "post": PostNotFound,
    "comment": CommentNotFound,
}
LATEST_ON_PRODUCT = 2
SHOP_NAME = "商家"


def checked_text(kind: str, content: str) -> str:
    """The plain text of a question, answer, post or comment, within its kind's length;
    raised before anything is screened or written."""
    text = r.clean_text(content)
    if not text:
        raise ContentEmpty()
    limit = LIMITS[kind]
    if len(text) > limit:
        raise ContentTooLong(f"{len(text)} characters; at most {limit}")
    return text


async def _nickname(session: AsyncSession, member_id: int) -> str:
    return ((await members.get_nickname(session, member_id)) or "用户")[:32]


async def _require(session: AsyncSession, kind: str, row_id: int) -> Any:
    row = await repo.get(session, SUBJECTS[kind], row_id)
    if row is None:
        raise NOT_FOUND[kind]()
    return row


async def _require_public(session: AsyncSession, kind: str, row_id: int) -> Any:
    row = await _require(session, kind, row_id)
    if row.status != "approved":
        raise NOT_FOUND[kind]()
    return row


# -- status changes --------------------------------------------------------------------------


async def _rescore(session: AsyncSession, post_id: int, likes: int, comments: int) -> None:
    post = await repo.get(session, PostRow, post_id)
    if post is None:  # pragma: no cover - counters were just moved on it
        return
    score = r.hot_score(likes, comments, post.created_at)
    await repo.set_hot_score(session, post_id, likes=likes, comments=comments, score=score)


async def _publicity_changed(session: AsyncSession, kind: str, row: Any, sign: int) -> None:
    """What follows a row entering (+1) or leaving (-1) the public: counters, notices, events."""
    if kind == "answer":
        await repo.bump_answers(session, row.question_id, sign)
        if sign > 0:
            question = await repo.get(session, QuestionRow, row.question_id)
            if question is not None and question.member_id != row.member_id:
                who = SHOP_NAME if row.is_merchant else row.nickname
                await repo.insert_notice(
                    session,
                    {
                        "member_id": question.member_id,
                        "kind": "answer",
                        "ref_id": row.id,
                        "question_id": question.id,
                        "product_id": question.product_id,
                        "text": f"{who}回答了你的问题：{row.content}"[:200],
                        "is_read": False,
                        "created_at": utcnow(),
                    },
                )
                await publish(
                    session,
                    QUESTION_ANSWERED,
                    {
                        "question_id": question.id,
                        "answer_id": row.id,
                        "product_id": question.product_id,
                        "member_id": question.member_id,
                        "is_merchant": row.is_merchant,
                    },
                    key=str(question.product_id),
                )
    elif kind == "post":
        if row.topic_id is not None:
            await repo.bump_topic(session, row.topic_id, sign)
        if sign > 0:
            await publish(
                session,
                POST_PUBLISHED,
                {
                    "post_id": row.id,
                    "member_id": row.member_id,
                    "topic_id": row.topic_id,
                    "product_ids": list(row.product_ids),
                },
                key=str(row.id),
            )
    elif kind == "comment":
        counts = await repo.bump_comments(session, row.post_id, sign)
        if counts is not None:
            await _rescore(session, row.post_id, *counts)


async def _move(session: AsyncSession, kind: str, row: Any, to: str, *, now: datetime) -> None:
    was = row.status
    if was == to:
        return
    if not await repo.move_status(
        session, SUBJECTS[kind], row.id, was=was, to=to, values={"updated_at": now}
    ):
        raise ContentChanged()
    if (was == "approved") != (to == "approved"):
        await _publicity_changed(session, kind, row, 1 if to == "approved" else -1)


async def _submit(
    session: AsyncSession,
    kind: str,
    row: Any,
    *,
    member_id: int,
    openid: str | None,
    screening: moderation.Screening,
    media_urls: Sequence[str] = (),
    now: datetime,
) -> moderation.ModerationState:
    state = await moderation.submit(
        session,
        subject_type=kind,
        subject_id=row.id,
        member_id=member_id,
        openid=openid,
        screening=screening,
        media_urls=media_urls,
        now=now,
    )
    await _move(session, kind, row, r.status_of(state.status), now=now)
    return state


async def apply_moderation(session: AsyncSession, *, kind: str, row_id: int, status: str) -> None:
    """A later moderation decision (WeChat's image verdict, the queue, an appeal): the row
    follows; idempotent, and never undoes a staff removal."""
    model = SUBJECTS.get(kind)
    if model is None:
        return
    row = await repo.get(session, model, row_id)
    if row is None or row.status == "removed":
        return
    to = r.status_of(status)
    if row.status != to:
        await _move(session, kind, row, to, now=utcnow())


async def remove(session: AsyncSession, kind: str, row_id: int) -> None:
    """Staff removal (删除/下架): final, counters follow."""
    row = await _require(session, kind, row_id)
    await _move(session, kind, row, "removed", now=utcnow())


# -- questions and answers -------------------------------------------------------------------


def _answer(row: AnswerRow, liked: set[int]) -> QaAnswer:
    return QaAnswer(
        id=row.id,
        question_id=row.question_id,
        nickname=SHOP_NAME if row.is_merchant else row.nickname,
        is_merchant=row.is_merchant,
        content=row.content,
        like_count=row.like_count,
        liked=row.id in liked,
        created_at=row.created_at,
    )


async def _questions(
    session: AsyncSession, rows: Sequence[QuestionRow], viewer: int | None
) -> list[Question]:
    answers = await repo.public_answers(session, [q.id for q in rows])
    liked = await repo.liked_of(session, "answer", [a.id for a in answers], viewer)
    by_question: dict[int, list[QaAnswer]] = {}
    for a in answers:
        by_question.setdefault(a.question_id, []).append(_answer(a, liked))
    return [
        Question(
            id=q.id,
            product_id=q.product_id,
            nickname=q.nickname,
            content=q.content,
            answer_count=q.answer_count,
            created_at=q.created_at,
            answers=by_question.get(q.id, []),
        )
        for q in rows
    ]


async def qa_summary(session: AsyncSession, product_id: int, viewer: int | None) -> QaSummary:
    rows = await repo.product_questions(
        session, product_id, before_id=None, limit=LATEST_ON_PRODUCT
    )
    return QaSummary(
        product_id=product_id,
        total=await repo.count_questions(session, product_id),
        latest=await _questions(session, rows, viewer),
    )


async def product_questions(
    session: AsyncSession, product_id: int, *, viewer: int | None, cursor: str | None, limit: int
) -> tuple[list[Question], str | None]:
    rows = await repo.product_questions(
        session, product_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return await _questions(session, page, viewer), (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def _states(session: AsyncSession, kind: str, ids: Sequence[int]) -> dict[int, Any]:
    return await moderation.states_of(session, kind, ids)


async def ask(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    product_id: int,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyQuestion:
    """问大家: a question on a product, public once moderation approves it."""
    now = now or utcnow()
    try:
        await catalog.get_product_admin(session, product_id)
    except catalog.ProductNotFound as exc:
        raise ProductNotFound(product_id=product_id) from exc
    row = QuestionRow(
        product_id=product_id,
        member_id=member_id,
        nickname=await _nickname(session, member_id),
        content=screening.text,
        status="pending",
        answer_count=0,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    state = await _submit(
        session, "question", row, member_id=member_id, openid=openid, screening=screening, now=now
    )
    fresh = await _require(session, "question", row.id)
    return MyQuestion(
        id=fresh.id,
        product_id=fresh.product_id,
        content=fresh.content,
        status=fresh.status,
        moderation=state,
        created_at=fresh.created_at,
    )


async def is_buyer(session: AsyncSession, member_id: int, product_id: int) -> bool:
    bought = await orders.purchases(session, member_id=member_id)
    return any(p.product_id == product_id for p in bought)


async def answer(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    question_id: int,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyAnswer:
    """A buyer's answer (403 ``content.not_a_buyer`` for anyone else), public once moderation
    approves it; then the asker is told."""
    now = now or utcnow()
    question = await _require_public(session, "question", question_id)
    if not await is_buyer(session, member_id, question.product_id):
        raise NotABuyer(product_id=question.product_id)
    row = AnswerRow(
        question_id=question.id,
        product_id=question.product_id,
        member_id=member_id,
        is_merchant=False,
        nickname=await _nickname(session, member_id),
        content=screening.text,
        status="pending",
        like_count=0,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    state = await _submit(
        session, "answer", row, member_id=member_id, openid=openid, screening=screening, now=now
    )
    fresh = await _require(session, "answer", row.id)
    return MyAnswer(
        id=fresh.id,
        question_id=fresh.question_id,
        content=fresh.content,
        status=fresh.status,
        moderation=state,
        created_at=fresh.created_at,
    )


async def merchant_answer(
    session: AsyncSession, question_id: int, content: str, *, now: datetime | None = None
) -> QaAnswer:
    """The shop's answer (问答 in the console): public at once, shown first."""
    now = now or utcnow()
    text = checked_text("answer", content)
    question = await _require(session, "question", question_id)
    row = AnswerRow(
        question_id=question.id,
        product_id=question.product_id,
        member_id=None,
        is_merchant=True,
        nickname=SHOP_NAME,
        content=text,
        status="pending",
        like_count=0,
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    await _move(session, "answer", row, "approved", now=now)
    fresh = await _require(session, "answer", row.id)
    return _answer(fresh, set())


async def list_questions_admin(
    session: AsyncSession,
    *,
    status: str | None,
    product_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[QuestionAdmin], str | None]:
    rows = await repo.list_questions_admin(
        session,
        status=status,
        product_id=product_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    answered = await repo.merchant_answered(session, [q.id for q in page])
    items = [
        QuestionAdmin(
            id=q.id,
            product_id=q.product_id,
            member_id=q.member_id,
            nickname=q.nickname,
            content=q.content,
            status=q.status,  # type: ignore[arg-type]
            answer_count=q.answer_count,
            has_merchant_answer=q.id in answered,
            created_at=q.created_at,
        )
        for q in page
    ]
    return items, (encode_id_cursor(page[-1].id) if len(rows) > limit else None)


async def question_answers_admin(session: AsyncSession, question_id: int) -> list[QaAnswer]:
    await _require(session, "question", question_id)
    rows = await repo.public_answers(session, [question_id])
    return [_answer(a, set()) for a in rows]


# -- likes -----------------------------------------------------------------------------------


async def like(
    session: AsyncSession, kind: str, row_id: int, member_id: int, *, liked: bool
) -> LikeResult:
    """Like (or take the like back) a public answer or post: one like per member, the
    counter moves only when the like row was inserted (or deleted) by this call."""
    row = await _require(session, kind, row_id)
    if row.status != "approved":
        raise NotPublic()
    model = SUBJECTS[kind]
    if liked:
        changed = await repo.insert_like(session, kind, row_id, member_id, utcnow())
    else:
        changed = await repo.delete_like(session, kind, row_id, member_id)
    if not changed:
        fresh = await _require(session, kind, row_id)
        return LikeResult(liked=liked, like_count=fresh.like_count)
    counts = await repo.bump_likes(session, model, row_id, 1 if liked else -1)
    if kind == "post":
        await _rescore(session, row_id, int(counts[0]), int(counts[1]))
    return LikeResult(liked=liked, like_count=int(counts[0]))


# -- topics ----------------------------------------------------------------------------------


def _topic(row: TopicRow) -> Topic:
    return Topic(
        id=row.id,
        name=row.name,
        description=row.description,
        is_active=row.is_active,
        post_count=row.post_count,
        created_at=row.created_at,
    )


async def topics(session: AsyncSession, *, active_only: bool) -> list[Topic]:
    return [_topic(t) for t in await repo.topics(session, active_only=active_only)]


async def topic(session: AsyncSession, topic_id: int) -> Topic:
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    if row is None or not row.is_active:
        raise TopicNotFound(topic_id=topic_id)
    return _topic(row)


def _topic_name(name: str) -> str:
    return name.strip().lstrip("#＃").strip()


async def create_topic(session: AsyncSession, body: TopicWrite) -> Topic:
    now = utcnow()
    name = _topic_name(body.name)
    if not name:
        raise ContentEmpty()
    topic_id = await repo.insert_topic(
        session,
        {
            "name": name,
            "description": body.description,
            "is_active": body.is_active,
            "post_count": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    if topic_id is None:
        raise TopicTaken(name=name)
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    return _topic(row)


async def update_topic(session: AsyncSession, topic_id: int, body: TopicWrite) -> Topic:
    name = _topic_name(body.name)
    if not name:
        raise ContentEmpty()
    if await repo.name_taken(session, name, topic_id):
        raise TopicTaken(name=name)
    values = {
        "name": name,
        "description": body.description,
        "is_active": body.is_active,
        "updated_at": utcnow(),
    }
    if not await repo.update_topic(session, topic_id, values):
        raise TopicNotFound(topic_id=topic_id)
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    return _topic(row)


# -- posts -----------------------------------------------------------------------------------


async def upload_image(
    session: AsyncSession, storage: Storage, *, member_id: int, data: bytes
) -> PostImage:
    """An image through catalog's pipeline (upright, metadata stripped, WebP variants), kept
    for the member's next post."""
    try:
        stored = await catalog.store_image(session, storage, data)
    except catalog.MediaInvalid as exc:
        raise ImageInvalid(exc.detail) from exc
    row = PostImageRow(member_id=member_id, url=stored.url, post_id=None, created_at=utcnow())
    await repo.add(session, row)
    return PostImage(id=row.id, url=row.url)


async def _posts(
    session: AsyncSession, rows: Sequence[PostRow], viewer: int | None, *, mine: bool = False
) -> list[Any]:
    product_ids = [pid for p in rows for pid in p.product_ids]
    cards = await catalog.buyable_cards(session, product_ids) if product_ids else {}
    names = await repo.topic_names(
        session, list({p.topic_id for p in rows if p.topic_id is not None})
    )
    liked = await repo.liked_of(session, "post", [p.id for p in rows], viewer)
    states = await _states(session, "post", [p.id for p in rows]) if mine else {}
    out: list[Any] = []
    for p in rows:
        fields: dict[str, Any] = {
            "id": p.id,
            "member_id": p.member_id,
            "nickname": p.nickname,
            "topic_id": p.topic_id,
            "topic_name": names.get(p.topic_id) if p.topic_id is not None else None,
            "content": p.content,
            "images": list(p.images),
            "products": [cards[i] for i in p.product_ids if i in cards],
            "is_pinned": p.is_pinned,
            "like_count": p.like_count,
            "comment_count": p.comment_count,
            "liked": p.id in liked,
            "created_at": p.created_at,
        }
        if mine:
            out.append(
                MyPost(
                    **fields,
                    status=p.status,  # type: ignore[arg-type]
                    moderation=states.get(p.id),
                )
            )
        else:
            out.append(Post(**fields))
    return out


async def create_post(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    body: PostCreate,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyPost:
    """种草: text, up to 9 of the writer's unused images, up to 6 products on sale, a topic
    open now; public once moderation approves the text and every image."""
    now = now or utcnow()
    if len(set(body.image_ids)) > r.MAX_IMAGES:
        raise ImageUnknown(f"at most {r.MAX_IMAGES} images")
    product_ids = list(dict.fromkeys(body.product_ids))
    if len(product_ids) > r.MAX_PRODUCTS:
        raise ProductUnknown(f"at most {r.MAX_PRODUCTS} products")
    if product_ids:
        cards = await catalog.buyable_cards(session, product_ids)
        missing = [p for p in product_ids if p not in cards]
        if missing:
            raise ProductUnknown(product_ids=missing)
    if body.topic_id is not None:
        topic_row = await repo.get(session, TopicRow, body.topic_id)  # type: ignore[arg-type]
        if topic_row is None or not topic_row.is_active:
            raise TopicNotFound(topic_id=body.topic_id)
    row = PostRow(
        member_id=member_id,
        nickname=await _nickname(session, member_id),
        topic_id=body.topic_id,
        content=screening.text,
        images=[],
        product_ids=product_ids,
        status="pending",
        is_pinned=False,
        like_count=0,
        comment_count=0,
        hot_score=r.hot_score(0, 0, now),
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    urls: list[str] = []
    if body.image_ids:
        claimed = await repo.claim_images(session, member_id, body.image_ids, row.id)
        if not claimed:
            raise ImageUnknown()
        urls = [i.url for i in claimed]
        await repo.update_post(session, row.id, {"images": urls})
    await _submit(
        session,
        "post",
        row,
        member_id=member_id,
        openid=openid,
        screening=screening,
        media_urls=urls,
        now=now,
    )
    fresh = await _require(session, "post", row.id)
    (view,) = await _posts(session, [fresh], member_id, mine=True)
    return MyPost.model_validate(view)


def _hot_cursor(cursor: str | None) -> tuple[float, int] | None:
    if cursor is None:
        return None
    score, last = decode_cursor(cursor, length=2)
    try:
        value = float(str(score))
    except ValueError as exc:
        raise InvalidCursor("cursor is not one this API issued") from exc
    if not isinstance(last, int) or last < 1:
        raise InvalidCursor("cursor is not one this API issued")
    return value, last


async def feed(
    session: AsyncSession,
    *,
    topic_id: int | None,
    sort: str,
    viewer: int | None,
    cursor: str | None,
    limit: int,
) -> Feed:
    """最新 (``latest``) or 热门 (``hot``) public posts, of a topic or all; pinned posts come
    first, on the first page."""
    if topic_id is not None:
        await topic(session, topic_id)
    if sort == "hot":
        after = _hot_cursor(cursor)
    else:
        last = decode_id_cursor(cursor)
        after = (0.0, last) if last is not None else None
    rows = await repo.feed(session, topic_id=topic_id, sort=sort, after=after, limit=limit + 1)
    page = rows[:limit]
    pins = await repo.pinned(session, topic_id=topic_id) if cursor is None else []
    views = await _posts(session, [*pins, *page], viewer)
    next_cursor = None
    if len(rows) > limit:
        tail = page[-1]
        next_cursor = (
            encode_cursor([repr(tail.hot_score), tail.id])
            if sort == "hot"
            else encode_id_cursor(tail.id)
        )
    return Feed(pinned=views[: len(pins)], items=views[len(pins) :], next_cursor=next_cursor)


async def post(session: AsyncSession, post_id: int, viewer: int | None) -> Any:
    """A public post, or the author's own in any status (with where moderation stands)."""
    row = await _require(session, "post", post_id)
    if row.status != "approved":
        if viewer is None or row.member_id != viewer:
            raise PostNotFound(post_id=post_id)
        (mine,) = await _posts(session, [row], viewer, mine=True)
        return mine
    (view,) = await _posts(session, [row], viewer)
    return view


async def list_posts_admin(
    session: AsyncSession,
    *,
    status: str | None,
    topic_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PostAdmin], str | None]:
    rows = await repo.list_posts_admin(
        session,
        status=status,
        topic_id=topic_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    views = await _posts(session, page, None)
    items = [
        PostAdmin(**v.model_dump(), status=row.status)  # type: ignore[arg-type]
        for v, row in zip(views, page, strict=True)
    ]
    return items, (encode_id_cursor(page[-1].id) if len(rows) > limit else None)


async def pin(session: AsyncSession, post_id: int, is_pinned: bool) -> PostAdmin:
    row = await _require(session, "post", post_id)
    await repo.update_post(session, post_id, {"is_pinned": is_pinned, "updated_at": utcnow()})
    fresh = await _require(session, "post", row.id)
    (view,) = await _posts(session, [fresh], None)
    return PostAdmin(**view.model_dump(), status=fresh.status)


# -- comments --------------------------------------------------------------------------------


def _comment(row: CommentRow) -> Comment:
    return Comment(
        id=row.id,
        post_id=row.post_id,
        nickname=row.nickname,
        content=row.content,
        created_at=row.created_at,
    )


async def comments(
    session: AsyncSession, post_id: int, *, cursor: str | None, limit: int
) -> tuple[list[Comment], str | None]:
    await _require_public(session, "post", post_id)
    rows = await repo.post_comments(
        session, post_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return [_comment(c) for c in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def comment(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    post_id: int,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyComment:
    now = now or utcnow()
    await _require_public(session, "post", post_id)
    row = CommentRow(
        post_id=post_id,
        member_id=member_id,
        nickname=await _nickname(session, member_id),
        content=screening.text,
        status="pending",
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    state = await _submit(
        session, "comment", row, member_id=member_id, openid=openid, screening=screening, now=now
    )
    fresh = await _require(session, "comment", row.id)
    return MyComment(**_comment(fresh).model_dump(), status=fresh.status, moderation=state)


# -- the author's own ------------------------------------------------------------------------


async def notices(session: AsyncSession, member_id: int) -> list[Notice]:
    return [
        Notice(
            id=n.id,
            kind=n.kind,
            question_id=n.question_id,
            product_id=n.product_id,
            text=n.text,
            is_read=n.is_read,
            created_at=n.created_at,
        )
        for n in await repo.notices(session, member_id)
    ]


async def read_notices(session: AsyncSession, member_id: int) -> int:
    return await repo.read_notices(session, member_id)


async def my_posts(session: AsyncSession, member_id: int) -> list[MyPost]:
    rows = await repo.own(session, PostRow, member_id)
    return list(await _posts(session, rows, member_id, mine=True))

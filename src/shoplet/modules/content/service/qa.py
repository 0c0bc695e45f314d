"""问大家: questions on a product, answers by its buyers and the shop, the asker's notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import (
    decode_id_cursor,
    encode_id_cursor,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.content import repository as repo
from shoplet.modules.content.errors import (
    NotABuyer,
    ProductNotFound,
)
from shoplet.modules.content.models import Answer as AnswerRow
from shoplet.modules.content.models import Question as QuestionRow
from shoplet.modules.content.schemas import (
    MyAnswer,
    MyQuestion,
    Notice,
    QaAnswer,
    QaSummary,
    Question,
    QuestionAdmin,
)
from shoplet.modules.content.service._common import (
    LATEST_ON_PRODUCT,
    SHOP_NAME,
    _move,
    _nickname,
    _require,
    _require_public,
    _submit,
    checked_text,
)
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation
from shoplet.modules.orders import public as orders

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
    await members.hold_member(session, member_id)
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
    await members.hold_member(session, member_id)
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


# -- the author's own ------------------------------------------------------------------------


async def notices(session: AsyncSession, member_id: int) -> list[Notice]:
    return [
        Notice(
            id=n.id,
            kind=n.kind,
            question_id=n.question_id,
            product_id=n.product_id,
            topic_id=n.topic_id,
            text=n.text,
            is_read=n.is_read,
            created_at=n.created_at,
        )
        for n in await repo.notices(session, member_id)
    ]


async def read_notices(session: AsyncSession, member_id: int) -> int:
    return await repo.read_notices(session, member_id)

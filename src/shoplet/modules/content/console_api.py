"""Console routes of content (``content:manage``): 问答 (answer as the shop, remove), 话题
(topics and their 话题挑战: window, prizes, live leaderboard, settlement) and 种草 (posts: pin,
remove; comments: remove). Moderation of the texts and images is
the shared queue (内容审核). Every change is an audit entry in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.content import service
from shoplet.modules.content.schemas import (
    AnswerCreate,
    Challenge,
    ChallengeSettlement,
    ChallengeWrite,
    ContentStatus,
    PinWrite,
    PostAdmin,
    QaAnswer,
    QuestionAdmin,
    Topic,
    TopicWrite,
    Winner,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-content"])

ContentManager = Annotated[StaffIdentity, Depends(require_permission("content:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/content/questions", responses=problem_responses(400))
async def list_questions(
    *,
    _: ContentManager,
    session: DbSession,
    status: ContentStatus | None = None,
    product_id: QueryId = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[QuestionAdmin]:
    """问答: questions, newest first; ``has_merchant_answer`` says whether the shop answered."""
    items, next_cursor = await service.list_questions_admin(
        session, status=status, product_id=product_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/content/questions/{question_id}/answers", responses=problem_responses(404))
async def question_answers(
    question_id: PathId, _: ContentManager, session: DbSession
) -> list[QaAnswer]:
    """A question's public answers (the shop's first)."""
    return await service.question_answers_admin(session, question_id)


@router.post("/content/questions/{question_id}/answers", responses=problem_responses(400, 404))
async def answer_question(
    question_id: PathId,
    body: AnswerCreate,
    staff: ContentManager,
    request: Request,
    session: DbSession,
) -> QaAnswer:
    """Answer as the shop (商家回答): public at once, pinned first; the asker is told."""
    answer = await service.merchant_answer(session, question_id, body.content)
    await record_audit(
        session,
        staff,
        "content.answer",
        f"question:{question_id}",
        {"answer_id": answer.id},
        origin_of(request),
    )
    return answer


async def _remove(
    kind: str, row_id: int, staff: StaffIdentity, request: Request, session: DbSession
) -> None:
    await service.remove(session, kind, row_id)
    await record_audit(
        session, staff, f"content.remove_{kind}", f"{kind}:{row_id}", {}, origin_of(request)
    )


@router.post(
    "/content/questions/{question_id}/remove",
    status_code=204,
    responses=problem_responses(404, 409),
)
async def remove_question(
    question_id: PathId, staff: ContentManager, request: Request, session: DbSession
) -> None:
    """Remove a question from the product page (final)."""
    await _remove("question", question_id, staff, request, session)


@router.post(
    "/content/answers/{answer_id}/remove", status_code=204, responses=problem_responses(404, 409)
)
async def remove_answer(
    answer_id: PathId, staff: ContentManager, request: Request, session: DbSession
) -> None:
    await _remove("answer", answer_id, staff, request, session)


@router.post(
    "/content/posts/{post_id}/remove", status_code=204, responses=problem_responses(404, 409)
)
async def remove_post(
    post_id: PathId, staff: ContentManager, request: Request, session: DbSession
) -> None:
    """下架 a post (final): it leaves the feeds and its topic's count."""
    await _remove("post", post_id, staff, request, session)


@router.post(
    "/content/comments/{comment_id}/remove", status_code=204, responses=problem_responses(404, 409)
)
async def remove_comment(
    comment_id: PathId, staff: ContentManager, request: Request, session: DbSession
) -> None:
    await _remove("comment", comment_id, staff, request, session)


@router.get("/content/topics")
async def list_topics(_: ContentManager, session: DbSession) -> list[Topic]:
    """Every topic, open or closed, newest first."""
    return await service.topics(session, active_only=False)


@router.post("/content/topics", status_code=201, responses=problem_responses(400, 409))
async def create_topic(
    body: TopicWrite, staff: ContentManager, request: Request, session: DbSession
) -> Topic:
    """Open a topic (话题; a leading # is dropped); 409 ``content.topic_taken`` for a name in
    use."""
    topic = await service.create_topic(session, body)
    await record_audit(
        session,
        staff,
        "content.topic_create",
        f"topic:{topic.id}",
        {"name": topic.name},
        origin_of(request),
    )
    return topic


@router.put("/content/topics/{topic_id}", responses=problem_responses(400, 404, 409))
async def update_topic(
    topic_id: PathId, body: TopicWrite, staff: ContentManager, request: Request, session: DbSession
) -> Topic:
    """Rename, describe, open or close a topic."""
    topic = await service.update_topic(session, topic_id, body)
    await record_audit(
        session,
        staff,
        "content.topic_update",
        f"topic:{topic_id}",
        {"name": topic.name, "is_active": topic.is_active},
        origin_of(request),
    )
    return topic


@router.get("/content/posts", responses=problem_responses(400))
async def list_posts(
    *,
    _: ContentManager,
    session: DbSession,
    status: ContentStatus | None = None,
    topic_id: QueryId = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[PostAdmin]:
    """种草: posts in any status, newest first."""
    items, next_cursor = await service.list_posts_admin(
        session, status=status, topic_id=topic_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.put("/content/posts/{post_id}/pin", responses=problem_responses(404))
async def pin_post(
    post_id: PathId, body: PinWrite, staff: ContentManager, request: Request, session: DbSession
) -> PostAdmin:
    """置顶 (or not): pinned posts lead their feeds."""
    post = await service.pin(session, post_id, body.is_pinned)
    await record_audit(
        session,
        staff,
        "content.pin",
        f"post:{post_id}",
        {"is_pinned": body.is_pinned},
        origin_of(request),
    )
    return post


@router.get("/content/topics/{topic_id}/challenge", responses=problem_responses(404))
async def get_challenge(topic_id: PathId, _: ContentManager, session: DbSession) -> Challenge:
    """A topic's challenge with its live leaderboard (top 20) or its winners once settled."""
    return await service.challenge(session, topic_id, viewer=None, limit=20, include_closed=True)


@router.put("/content/topics/{topic_id}/challenge", responses=problem_responses(400, 404, 409))
async def save_challenge(
    topic_id: PathId,
    body: ChallengeWrite,
    staff: ContentManager,
    request: Request,
    session: DbSession,
) -> Challenge:
    """Run the topic as a challenge, or edit it: 400 ``content.challenge_window_invalid``
    (ends before it starts, or in the past), ``content.prize_ranks_invalid`` (ranks not
    1..N), ``content.prize_empty``, ``content.prize_coupon_unknown``; 409
    ``content.challenge_started`` (start or prizes changed after the start),
    ``content.challenge_already_settled``."""
    challenge = await service.save_challenge(session, topic_id, body)
    await record_audit(
        session,
        staff,
        "content.challenge_save",
        f"topic:{topic_id}",
        {
            "challenge_id": challenge.id,
            "starts_at": challenge.starts_at.isoformat(),
            "ends_at": challenge.ends_at.isoformat(),
            "prizes": [p.model_dump() for p in challenge.prizes],
        },
        origin_of(request),
    )
    return challenge


@router.post("/content/topics/{topic_id}/challenge/settle", responses=problem_responses(404, 409))
async def settle_challenge(
    topic_id: PathId, staff: ContentManager, request: Request, session: DbSession
) -> ChallengeSettlement:
    """颁奖 now rather than at the job's next run (409 ``content.challenge_not_ended`` before
    the end); settling twice grants once (``settled`` false the second time)."""
    result = await service.settle_topic(session, topic_id)
    if result.settled:
        await record_audit(
            session,
            staff,
            "content.challenge_settle",
            f"topic:{topic_id}",
            {"winners": [w.member_id for w in result.winners]},
            origin_of(request),
        )
    return result


@router.post(
    "/content/topics/{topic_id}/challenge/winners/{rank}/reissue",
    responses=problem_responses(404, 409),
)
async def reissue_prize_coupon(
    topic_id: PathId,
    rank: Annotated[int, Path(ge=1, le=100)],
    staff: ContentManager,
    request: Request,
    session: DbSession,
) -> Winner:
    """重新发放 a winner's coupon prize that was not issued: the winner after the try
    (``coupon_status`` issued, or the reason it still is not). 404
    ``content.winner_not_found``; 409 ``content.prize_already_issued`` (issued before or by a
    concurrent retry), ``content.prize_has_no_coupon``; a refusal changes nothing."""
    winner = await service.reissue(session, topic_id, rank)
    await record_audit(
        session,
        staff,
        "content.prize_reissue",
        f"topic:{topic_id}",
        {"rank": rank, "member_id": winner.member_id, "coupon_status": winner.coupon_status},
        origin_of(request),
    )
    return winner

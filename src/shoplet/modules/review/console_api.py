"""Console routes of reviews (评价管理): the list with filters, approve, hide and the
merchant's reply. Thin: each route checks ``reviews:manage``, calls the service and appends an
audit entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.review import service
from shoplet.modules.review.schemas import ReplyWrite, ReviewAdmin, ReviewStatus
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-reviews"])

ReviewManager = Annotated[StaffIdentity, Depends(require_permission("reviews:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/reviews", responses=problem_responses(400))
async def list_reviews(
    *,
    _: ReviewManager,
    session: DbSession,
    status: ReviewStatus | None = None,
    rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    has_photos: bool | None = None,
    product_id: QueryId = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[ReviewAdmin]:
    """Reviews, newest first; ``status`` (待审核 ``pending``), ``rating``, ``has_photos`` and
    ``product_id`` narrow the list."""
    items, next_cursor = await service.list_admin(
        session,
        status=status,
        rating=rating,
        has_photos=has_photos,
        product_id=product_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


async def _moderate(
    review_id: int, to: str, staff: StaffIdentity, request: Request, session: DbSession
) -> ReviewAdmin:
    review = await service.moderate(session, review_id, to, actor=f"staff:{staff.username}")
    await record_audit(
        session,
        staff,
        "review.approve" if to == "approved" else "review.hide",
        f"review:{review_id}",
        {"status": to},
        origin_of(request),
    )
    return review


@router.post("/reviews/{review_id}/approve", responses=problem_responses(404, 409))
async def approve_review(
    review_id: PathId, staff: ReviewManager, request: Request, session: DbSession
) -> ReviewAdmin:
    """Show a review on the product page (from 待审核 or hidden)."""
    return await _moderate(review_id, "approved", staff, request, session)


@router.post("/reviews/{review_id}/hide", responses=problem_responses(404, 409))
async def hide_review(
    review_id: PathId, staff: ReviewManager, request: Request, session: DbSession
) -> ReviewAdmin:
    """Hide a review; the growth it brought is taken back."""
    return await _moderate(review_id, "hidden", staff, request, session)


@router.put("/reviews/{review_id}/reply", responses=problem_responses(400, 404))
async def reply_review(
    review_id: PathId, body: ReplyWrite, staff: ReviewManager, request: Request, session: DbSession
) -> ReviewAdmin:
    """商家回复: the merchant's reply under the review (a new one replaces the old)."""
    review = await service.reply(session, review_id, body.content)
    await record_audit(
        session,
        staff,
        "review.reply",
        f"review:{review_id}",
        {"content": review.reply},
        origin_of(request),
    )
    return review

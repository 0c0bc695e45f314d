"""Console routes of moderation (内容审核): the queue (held first), an item with its decision
history, approve / reject with a reason, bulk; the lexicon (敏感词库): list, add, edit, delete,
CSV import, and a test of the filter. Each checks ``moderation:manage`` and appends an audit
entry for every change in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.moderation import service
from shoplet.modules.moderation.schemas import (
    Category,
    FilterTestResult,
    FilterTestText,
    LexiconImport,
    LexiconImportResult,
    LexiconWord,
    LexiconWordCreate,
    LexiconWordUpdate,
    ModerationBulkDecision,
    ModerationBulkResult,
    ModerationDecisionWrite,
    ModerationItem,
    ModerationItemDetail,
    ModerationStatus,
    SubjectType,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-moderation"])

Moderator = Annotated[StaffIdentity, Depends(require_permission("moderation:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/moderation/items", responses=problem_responses(400))
async def list_items(
    *,
    _: Moderator,
    session: DbSession,
    status: ModerationStatus | None = "held",
    subject_type: SubjectType | None = None,
    appealed: bool | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[ModerationItem]:
    """The queue, newest first: 待人工审核 (``held``, the default), or any status; ``appealed``
    narrows to appeals (申诉)."""
    items, next_cursor = await service.list_items(
        session,
        status=status,
        subject_type=subject_type,
        appealed=appealed,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/moderation/items/{item_id}", responses=problem_responses(404))
async def get_item(item_id: PathId, _: Moderator, session: DbSession) -> ModerationItemDetail:
    """An item with its images' verdicts and every decision (the audit of the pipeline)."""
    return await service.item_detail(session, item_id)


async def _decide(
    item_id: int,
    decision: str,
    *,
    body: ModerationDecisionWrite,
    staff: StaffIdentity,
    request: Request,
    session: DbSession,
) -> ModerationItemDetail:
    item = await service.decide(
        session, item_id, decision, actor=f"staff:{staff.username}", reason=body.reason
    )
    await record_audit(
        session,
        staff,
        f"moderation.{decision}",
        f"moderation_item:{item_id}",
        {
            "status": item.status,
            "reason": body.reason,
            "subject": f"{item.subject_type}:{item.subject_id}",
        },
        origin_of(request),
    )
    return item


@router.post("/moderation/items/{item_id}/approve", responses=problem_responses(404, 409))
async def approve_item(
    item_id: PathId,
    body: ModerationDecisionWrite,
    staff: Moderator,
    request: Request,
    session: DbSession,
) -> ModerationItemDetail:
    """通过: the content becomes public. 409 ``moderation.already_decided`` when someone
    decided first."""
    return await _decide(
        item_id, "approve", body=body, staff=staff, request=request, session=session
    )


@router.post("/moderation/items/{item_id}/reject", responses=problem_responses(404, 409))
async def reject_item(
    item_id: PathId,
    body: ModerationDecisionWrite,
    staff: Moderator,
    request: Request,
    session: DbSession,
) -> ModerationItemDetail:
    """驳回, with the reason the author sees (they may appeal once)."""
    return await _decide(
        item_id, "reject", body=body, staff=staff, request=request, session=session
    )


@router.post("/moderation/items/bulk", responses=problem_responses(400))
async def bulk_decide(
    body: ModerationBulkDecision, staff: Moderator, request: Request, session: DbSession
) -> ModerationBulkResult:
    """批量通过 / 批量驳回: items decided meanwhile are skipped and listed."""
    done, skipped = await service.decide_many(
        session, body.ids, body.decision, actor=f"staff:{staff.username}", reason=body.reason
    )
    for item_id in done:
        await record_audit(
            session,
            staff,
            f"moderation.{body.decision}",
            f"moderation_item:{item_id}",
            {"reason": body.reason, "bulk": True},
            origin_of(request),
        )
    return ModerationBulkResult(decided=done, skipped=skipped)


@router.get("/moderation/words", responses=problem_responses(400))
async def list_words(
    *,
    _: Moderator,
    session: DbSession,
    category: Category | None = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[LexiconWord]:
    """敏感词库, newest first; ``category`` and a part of the word (``q``) narrow it."""
    items, next_cursor = await service.list_words(
        session, category=category, query=q, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/moderation/words", status_code=201, responses=problem_responses(400, 409))
async def create_word(
    body: LexiconWordCreate, staff: Moderator, request: Request, session: DbSession
) -> LexiconWord:
    """Add a word: ``block`` (驳回), ``hold`` (转人工) or ``replace`` (替换为 ***)."""
    word = await service.create_word(
        session, word=body.word, category=body.category, action=body.action
    )
    await record_audit(
        session,
        staff,
        "moderation.word_create",
        f"moderation_word:{word.id}",
        {"word": word.word, "category": word.category, "action": word.action},
        origin_of(request),
    )
    return word


@router.put("/moderation/words/{word_id}", responses=problem_responses(404))
async def update_word(
    word_id: PathId, body: LexiconWordUpdate, staff: Moderator, request: Request, session: DbSession
) -> LexiconWord:
    """Change a word's category or action."""
    word = await service.update_word(session, word_id, category=body.category, action=body.action)
    await record_audit(
        session,
        staff,
        "moderation.word_update",
        f"moderation_word:{word_id}",
        {"word": word.word, "category": word.category, "action": word.action},
        origin_of(request),
    )
    return word


@router.delete("/moderation/words/{word_id}", status_code=204, responses=problem_responses(404))
async def delete_word(
    word_id: PathId, staff: Moderator, request: Request, session: DbSession
) -> None:
    """Remove a word."""
    word = await service.delete_word(session, word_id)
    await record_audit(
        session,
        staff,
        "moderation.word_delete",
        f"moderation_word:{word_id}",
        {"word": word},
        origin_of(request),
    )


@router.post("/moderation/words/import", responses=problem_responses(400))
async def import_words(
    body: LexiconImport, staff: Moderator, request: Request, session: DbSession
) -> LexiconImportResult:
    """Import CSV rows ``word,category,action``: new words are added, known ones updated; one
    bad row refuses the file (400 ``moderation.import_invalid``, nothing changed)."""
    result = await service.import_words(session, body.csv)
    await record_audit(
        session,
        staff,
        "moderation.word_import",
        "moderation_word:*",
        {"rows": result.rows},
        origin_of(request),
    )
    return result


@router.post("/moderation/filter-test")
async def filter_test(body: FilterTestText, _: Moderator, ctx: Ctx) -> FilterTestResult:
    """Try the lexicon on a text (nothing stored)."""
    return await service.test_filter(ctx, body.text)

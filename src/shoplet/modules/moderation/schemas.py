"""Request and response models of moderation (storefront appeals, the console's queue and
lexicon)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import Id, RequestModel, ResponseModel

Action = Literal["block", "hold", "replace"]
Category = Literal["politics", "porn", "abuse", "ads", "illegal", "fraud", "other"]
ModerationStatus = Literal["checking", "held", "approved", "rejected"]
SubjectType = Literal[
    "review", "review_followup", "question", "answer", "post", "comment", "chat_message"
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
WordText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ModerationHit(ResponseModel):
    word: str
    category: str
    action: str
    via: Literal["word", "pinyin", "initials"]


class ModerationMedia(ResponseModel):
    url: str
    state: str
    label: int | None


class ModerationState(ResponseModel):
    """What the author sees: 审核中 (``checking``, ``held``), 已通过, 未通过 with the reason."""

    id: int
    status: ModerationStatus
    reason: str | None
    can_appeal: bool


class MyModerationItem(ModerationState):
    """我的内容: one of the author's texts (a review, a question, an answer, a post, a comment)
    with where it stands."""

    subject_type: SubjectType
    subject_id: int
    text: str
    appealed: bool
    created_at: datetime


class ModerationDecision(ResponseModel):
    from_status: str | None
    to_status: str
    actor: str
    reason: str | None
    created_at: datetime


class ModerationItem(ResponseModel):
    id: int
    subject_type: str
    subject_id: int
    member_id: int
    text: str
    status: ModerationStatus
    hits: list[ModerationHit]
    filter_action: str | None
    text_state: str
    text_label: int | None
    media: list[ModerationMedia]
    video_url: ServedMediaUrl | None = Field(
        default=None, description="the subject's video (its cover and frames are in media)"
    )
    reason: str | None
    appeal_reason: str | None
    appealed_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class ModerationItemDetail(ModerationItem):
    decisions: list[ModerationDecision]


class ModerationDecisionWrite(RequestModel):
    reason: Reason = ""


class ModerationBulkDecision(RequestModel):
    ids: list[Id] = Field(min_length=1, max_length=100)
    decision: Literal["approve", "reject"]
    reason: Reason = ""


class ModerationBulkResult(ResponseModel):
    decided: list[int] = Field(description="items this call decided")
    skipped: list[int] = Field(description="items decided meanwhile, or unknown")


class ModerationAppeal(RequestModel):
    subject_type: SubjectType
    subject_id: Id
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LexiconWord(ResponseModel):
    id: int
    word: str
    category: Category
    action: Action
    created_at: datetime
    updated_at: datetime


class LexiconWordCreate(RequestModel):
    word: WordText
    category: Category
    action: Action


class LexiconWordUpdate(RequestModel):
    category: Category
    action: Action


class LexiconImport(RequestModel):
    csv: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)] = Field(
        description="rows of word,category,action (a header row is skipped); at most 20 000"
    )


class LexiconImportResult(ResponseModel):
    rows: int
    total_words: int


class FilterTestText(RequestModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class FilterTestResult(ResponseModel):
    action: Action | None
    hits: list[ModerationHit]
    text: str = Field(description="the text with the ``replace`` words masked")

"""Request and response models of achievements and the mascot (storefront and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import CleanText, RequestModel, ResponseModel
from shoplet.modules.achievements.rules import Occasion, RuleKind

BadgeIcon = Literal["bag", "star", "flame", "team", "pen", "crown", "heart", "gift"]
Figure = Literal["cat", "bear", "rabbit", "robot"]
JobStatus = Literal["queued", "running", "done", "failed"]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Code = Annotated[str, StringConstraints(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
Message = Annotated[CleanText, StringConstraints(max_length=60)]


class DefinitionWrite(RequestModel):
    """An achievement as the merchant edits it (a built-in one keeps its code and rule)."""

    code: Code
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=20)]
    description: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    rule_kind: RuleKind
    threshold: Annotated[int, Field(ge=1, le=100_000)]
    points: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    badge_icon: BadgeIcon
    badge_color: Color
    is_enabled: bool = True
    sort: Annotated[int, Field(ge=0, le=100_000)] = 0


class DefinitionAdmin(ResponseModel):
    """A definition in the console, with how many members unlocked it."""

    id: int
    code: str
    name: str
    description: str
    rule_kind: RuleKind
    threshold: int
    points: int
    badge_icon: BadgeIcon
    badge_color: str
    badge_url: str
    is_enabled: bool
    is_builtin: bool
    sort: int
    unlocked_count: int
    updated_at: datetime


class BackfillJob(ResponseModel):
    """Evaluating a definition for existing members: ``processed`` of ``total`` members."""

    id: int
    definition_id: int
    status: JobStatus
    total: int
    processed: int
    unlocked: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class MyAchievement(ResponseModel):
    """An achievement as the shopper sees it: unlocked (with when) or locked (progress N/M)."""

    code: str
    name: str
    description: str
    rule_kind: RuleKind
    threshold: int
    progress: int
    points: int
    badge_url: str
    badge_color: str
    unlocked: bool
    unlocked_at: datetime | None
    seen: bool


class MyAchievements(ResponseModel):
    unlocked_count: int
    total: int
    items: list[MyAchievement]


class BadgeBrief(ResponseModel):
    """An unlocked badge as the 会员中心 shows it."""

    code: str
    name: str
    badge_url: str
    badge_color: str
    unlocked_at: datetime


class AchievementSummary(ResponseModel):
    """会员中心's badge row: the newest unlocked badges and the count (unlocked of total)."""

    unlocked_count: int
    total: int
    latest: list[BadgeBrief] = Field(description="newest first, at most ``limit``")


class Celebration(ResponseModel):
    """An unlock the storefront has not celebrated yet."""

    code: str
    name: str
    description: str
    points: int
    badge_url: str
    unlocked_at: datetime


class PosterRequest(RequestModel):
    client: Literal["h5", "mp"]


class Mascot(ResponseModel):
    """The shop's mascot: name, figure (its SVG at ``figure_url``), colour, messages."""

    name: str
    figure: Figure
    color: str
    figure_url: str
    messages: dict[Occasion, str]


class MascotWrite(RequestModel):
    """The mascot as the merchant sets it; an empty message means the default."""

    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=12)]
    figure: Figure
    color: Color
    messages: dict[Occasion, Message]

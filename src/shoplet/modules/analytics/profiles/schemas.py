"""Schemas of profiles, tags, segments and clusters (money in fen, shares in permille).

Conditions travel as JSON objects in the language of ``conditions.py``; their shape is checked
there (400 ``analytics.condition_invalid`` with the ``path`` of the first problem), not here,
so that a console editor gets one answer for every kind of mistake."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import RequestModel, ResponseModel

TagKind = Literal["rule", "computed", "manual"]
JobKind = Literal["profiles", "tag", "clusters"]
JobStatus = Literal["queued", "running", "done", "failed"]
TagCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=40)]
ConditionJson = Annotated[
    dict[str, Any],
    Field(
        description='{"field","op","value"}, {"tag"}, {"all":[…]} or {"any":[…]} '
        "(docs/analytics.md)"
    ),
]


class ProfileOut(ResponseModel):
    member_id: int
    nickname: str | None = None
    region_code: str | None
    platform: str | None
    channel: str | None
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None
    order_count: int
    orders_90d: int
    spend: int
    spend_90d: int
    aov: int
    favourite_categories: list[str]
    categories: list[str]
    price_sensitivity: int
    coupon_count: int
    social_role: str | None
    last_active_at: datetime | None
    rfm_class: str | None
    computed_at: datetime


class TagOut(ResponseModel):
    id: int
    code: str
    name: str
    kind: TagKind
    condition: dict[str, Any] | None
    description: str
    members: int = 0
    updated_at: datetime


class TimelineItem(ResponseModel):
    at: datetime
    kind: Literal["order", "event"]
    title: str
    detail: str
    amount: int | None = None


class Member360(ResponseModel):
    """会员画像: the profile, the tags, and the latest orders and tracked events."""

    profile: ProfileOut
    tags: list[TagOut]
    timeline: list[TimelineItem]


class TagCreate(RequestModel):
    code: TagCode
    name: Name
    kind: Literal["rule", "manual"]
    condition: ConditionJson | None = None
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class TagUpdate(RequestModel):
    name: Name | None = None
    condition: ConditionJson | None = None
    description: Annotated[str, StringConstraints(max_length=200)] | None = None


class ManualTagMembers(RequestModel):
    member_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=500)]


class ManualTagResult(ResponseModel):
    changed: int


class ConditionPreview(RequestModel):
    condition: ConditionJson
    kind: Literal["rule", "segment"] = "segment"


class PreviewCount(ResponseModel):
    members: int
    sample: list[int]


class SegmentCreate(RequestModel):
    name: Name
    definition: ConditionJson


class SegmentOut(ResponseModel):
    id: int
    name: str
    definition: dict[str, Any]
    members: int = 0
    updated_at: datetime


class SegmentMember(ResponseModel):
    member_id: int
    nickname: str | None
    phone: str | None = None  # masked
    spend: int
    order_count: int
    last_purchase_at: datetime | None
    rfm_class: str | None


class SegmentCouponIssue(RequestModel):
    coupon_template_id: Annotated[int, Field(ge=1)]


class SegmentCouponReport(ResponseModel):
    members: int
    issued: int
    already: int
    skipped: list[dict[str, int | str]]


class JobOut(ResponseModel):
    id: int
    kind: JobKind
    target_id: int | None
    status: JobStatus
    progress: int
    total: int
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ClusterOut(ResponseModel):
    number: int
    tag_code: str
    name: str
    size: int
    mean_spend: int
    centroid: dict[str, float]


class ClusterPoint(ResponseModel):
    recency: float
    frequency: float
    spend: float
    cluster: int


class ClustersOut(ResponseModel):
    job: JobOut | None
    k: int | None
    silhouette: float | None
    clusters: list[ClusterOut]
    points: list[ClusterPoint]

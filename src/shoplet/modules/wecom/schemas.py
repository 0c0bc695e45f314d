"""Request and response models of wecom (times UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from shoplet.core.schemas import Id, RequestModel, ResponseModel

UserId = Annotated[str, Field(min_length=1, max_length=64)]
TagId = Annotated[str, Field(min_length=1, max_length=64)]


class ContactWayCreate(RequestModel):
    """A 渠道活码 for a store, a campaign or both. The service checks the rest and answers with a
    ``wecom.*`` code: the store exists, the campaign code is 1–16 of ``0-9 A-Z a-z _ -``, 1–100
    distinct staff userids, and the state fits 30 characters."""

    store_id: Id | None = None
    campaign: str | None = Field(default=None, max_length=64)
    staff_userids: list[UserId] = Field(max_length=200)
    remark: str = Field(default="", max_length=30)


class ContactWayOut(ResponseModel):
    id: int
    config_id: str
    state: str
    store_id: int | None
    store_name: str | None
    campaign: str | None
    staff_userids: list[str]
    qr_code: str
    remark: str
    created_at: datetime


class ContactOut(ResponseModel):
    id: int
    external_userid: str
    name: str
    staff_userid: str
    state: str
    store_id: int | None
    store_name: str | None
    campaign: str | None
    member_id: int | None
    member_nickname: str | None
    added_at: datetime
    deleted_at: datetime | None


class AcquisitionRow(ResponseModel):
    key: str
    label: str
    added: int
    active: int


class AcquisitionStats(ResponseModel):
    """Customers added per store, campaign and staff member (``active``: not deleted since)."""

    by_store: list[AcquisitionRow]
    by_campaign: list[AcquisitionRow]
    by_staff: list[AcquisitionRow]


class SegmentTagging(RequestModel):
    """Corp tags to add to / remove from the WeCom customers a segment's members are linked to."""

    segment_id: Id
    add_tag_ids: list[TagId] = Field(default_factory=list, max_length=20)
    remove_tag_ids: list[TagId] = Field(default_factory=list, max_length=20)


class TaggingResult(ResponseModel):
    members: int
    contacts: int
    tagged: int
    failed: int


class WeComStatus(ResponseModel):
    configured: bool
    corp_id: str | None
    contact_ways: int

"""Request and response models of wecom (times UTC)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

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


class ContactWayUpdate(RequestModel):
    """Edit a 渠道活码: its staff (1–100 distinct userids; a way of one staff member keeps one,
    a way of several keeps several: WeCom fixes its type) and remark. Its state, and so its
    store and campaign, stay."""

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


class MiniProgramCard(RequestModel):
    """A 小程序 card: ``page`` one of the storefront's pages (``pages/index/index``); Shoplet
    adds ``.html`` and the store/campaign scene. ``picture_id`` a picture uploaded to
    ``POST /console/wecom/pictures``: Shoplet uploads it to WeCom (``media/upload``) when the
    card is sent, again whenever its media id is older than 2.5 days."""

    title: str = Field(max_length=64)
    page: str = Field(min_length=1, max_length=128)
    picture_id: Id


class MiniProgramCardOut(ResponseModel):
    """``picture_id`` and ``picture_url`` are null on a card saved with a typed WeCom media id
    before Shoplet kept pictures (it is still sent with that media id)."""

    title: str
    page: str
    picture_id: int | None
    picture_url: str | None


class PictureOut(ResponseModel):
    """A card picture Shoplet keeps; ``media_created_at`` when it was last uploaded to WeCom."""

    id: int
    url: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    media_created_at: datetime | None


class WelcomeUpdate(RequestModel):
    """欢迎语 of a contact way: text (≤ 4000 bytes UTF-8) and an optional mini-program card;
    ``text`` empty and no card: no welcome message."""

    text: str = Field(default="", max_length=4000)
    miniprogram: MiniProgramCard | None = None


class WelcomeOut(ResponseModel):
    way_id: int
    text: str
    miniprogram: MiniProgramCardOut | None
    updated_at: datetime | None


class WelcomeSendOut(ResponseModel):
    id: int
    way_id: int
    external_userid: str
    staff_userid: str
    status: str
    errcode: int | None
    received_at: datetime
    sent_at: datetime | None


ChatId = Annotated[str, Field(min_length=1, max_length=64)]


class JoinWayCreate(RequestModel):
    """A 加入群聊 QR code for 1–5 groups, for a store and/or campaign; ``auto_create_room``:
    WeCom creates a new group (``room_base_name`` + number) when the last one is full."""

    store_id: Id | None = None
    campaign: str | None = Field(default=None, max_length=64)
    chat_ids: list[ChatId] = Field(max_length=10)
    auto_create_room: bool = False
    room_base_name: str = Field(default="", max_length=40)
    remark: str = Field(default="", max_length=30)


class JoinWayUpdate(RequestModel):
    """Edit a 加入群聊 QR code: its 1–5 groups and remark; state and room settings stay."""

    chat_ids: list[ChatId] = Field(max_length=10)
    remark: str = Field(default="", max_length=30)


class JoinWayOut(ResponseModel):
    id: int
    config_id: str
    state: str
    store_id: int | None
    store_name: str | None
    campaign: str | None
    chat_ids: list[str]
    auto_create_room: bool
    qr_code: str
    remark: str
    created_at: datetime


class GroupOut(ResponseModel):
    id: int
    chat_id: str
    name: str
    owner: str
    store_id: int | None
    store_name: str | None
    campaign: str | None
    member_count: int
    customer_count: int
    group_created_at: datetime | None
    dismissed_at: datetime | None


class GroupMemberOut(ResponseModel):
    userid: str
    type: int
    name: str
    join_scene: int
    state: str
    store_id: int | None
    campaign: str | None
    joined_at: datetime | None


class GroupSyncResult(ResponseModel):
    groups: int
    updated: int


class BroadcastCreate(RequestModel):
    """A 群发: to ``all`` customers, a ``segment``'s, a ``store``'s or a ``campaign``'s (give
    exactly the one the audience names), text ≤ 4000 bytes and an optional mini-program card.
    ``target`` groups: to customer groups instead (客户群群发): ``all`` groups, a ``store``'s or
    a ``campaign``'s (the join way's that lists the group), narrowed to the groups ``owners``
    (staff userids, 1–100 distinct) own when given; no segment."""

    target: Literal["customers", "groups"] = "customers"
    owners: list[UserId] | None = Field(default=None, max_length=100)
    audience: Literal["all", "segment", "store", "campaign"]
    segment_id: Id | None = None
    store_id: Id | None = None
    campaign: str | None = Field(default=None, max_length=64)
    text: str = Field(max_length=4000)
    miniprogram: MiniProgramCard | None = None


class BroadcastMsgOut(ResponseModel):
    staff_userid: str
    chat_type: str
    msgid: str | None
    recipients: int
    errcode: int | None
    is_sent: bool


class BroadcastOut(ResponseModel):
    id: int
    target: str
    owners: list[str] | None
    audience: str
    segment_id: int | None
    store_id: int | None
    campaign: str | None
    text: str
    miniprogram: MiniProgramCardOut | None
    status: str
    day: date
    recipients: int
    capped: int
    counts: dict[str, int]
    msgs: list[BroadcastMsgOut]
    created_at: datetime
    results_at: datetime | None


class BroadcastRecipientOut(ResponseModel):
    id: int
    external_userid: str
    staff_userid: str
    status: str
    sent_at: datetime | None


class BroadcastGroupOut(ResponseModel):
    """One customer group of a group 群发: ``pending`` / ``sent`` / ``not_friend`` (could not
    be sent: dismissed, or no longer the owner's) / ``limited`` (reached today) / ``failed``."""

    id: int
    chat_id: str
    name: str
    owner: str
    status: str
    sent_at: datetime | None


class WeComStatus(ResponseModel):
    configured: bool
    corp_id: str | None
    contact_ways: int

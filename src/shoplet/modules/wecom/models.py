"""WeCom tables: the contact ways (渠道活码) Shoplet created, and one row per customer and staff
member (WeCom's relationship: the same WeChat user added by two staff members is two rows).

``uq_wecom_contact_pair`` makes a callback delivered twice (WeCom retries) one row; every change
is one conditional statement that applies only an event newer than the last one applied
(``changed_at``), so a replayed or late event changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, UTCDateTime


class ContactWay(Base):
    """A 联系我 QR code (scene 2) WeCom issued for Shoplet: its staff, and the ``state`` that
    carries the store and/or campaign into every add it brings."""

    __tablename__ = "wecom_contact_way"
    __table_args__ = (Index("ix_wecom_contact_way_store", "store_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    config_id: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    staff_userids: Mapped[list[str]] = mapped_column(JSON)
    qr_code: Mapped[str] = mapped_column(String(500))
    remark: Mapped[str] = mapped_column(String(30), default="")
    created_by: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    # 欢迎语: sent to every customer this way brings (None: WeCom's own, or none).
    welcome_text: Mapped[str | None] = mapped_column(Text)
    # {title, page, picture_id} (``pic_media_id`` instead in cards saved before pictures were
    # kept): ``page`` a storefront page, without the scene.
    welcome_miniprogram: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    welcome_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    # 删除: WeCom's QR code is gone; the row stays for the customers it brought (their state).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class WelcomeSend(Base):
    """One welcome code an add callback carried, queued for the ``wecom.send_welcomes`` job:
    ``pending`` → ``sent`` | ``expired`` (41051, or older than 20 s before its turn) |
    ``failed``. The code is unique, so a callback WeCom retries queues it once."""

    __tablename__ = "wecom_welcome_send"
    __table_args__ = (Index("ix_wecom_welcome_send_status", "status", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    welcome_code: Mapped[str] = mapped_column(String(128), unique=True)
    way_id: Mapped[int] = mapped_column(BigId)
    external_userid: Mapped[str] = mapped_column(String(64))
    staff_userid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    errcode: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class JoinWay(Base):
    """A 加入群聊 QR code (``groupchat/add_join_way``, scene 2) for up to five groups, with the
    ``state`` of its store and/or campaign (WeCom puts it on every member it brings)."""

    __tablename__ = "wecom_join_way"
    __table_args__ = (Index("ix_wecom_join_way_store", "store_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    config_id: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    chat_ids: Mapped[list[str]] = mapped_column(JSON)
    is_auto_create_room: Mapped[bool] = mapped_column(Boolean, default=False)
    room_base_name: Mapped[str] = mapped_column(String(40), default="")
    qr_code: Mapped[str] = mapped_column(String(500))
    remark: Mapped[str] = mapped_column(String(30), default="")
    created_by: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    # 删除: the QR code is gone; the row stays, its groups keep their store and campaign.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class Group(Base):
    """A customer group (客户群) as WeCom last described it. ``changed_at`` is the time of the
    last snapshot or event applied: an older one changes nothing."""

    __tablename__ = "wecom_group"
    __table_args__ = (Index("ix_wecom_group_store", "store_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    owner: Mapped[str] = mapped_column(String(64), default="")
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    customer_count: Mapped[int] = mapped_column(Integer, default=0)
    group_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class GroupMember(Base):
    """A member of a customer group (staff: type 1; customer: type 2), replaced with every
    snapshot of its group that is applied."""

    __tablename__ = "wecom_group_member"
    __table_args__ = (UniqueConstraint("chat_id", "userid", name="uq_wecom_group_member"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    userid: Mapped[str] = mapped_column(String(64))
    type: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), default="")
    join_scene: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(30), default="")
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class Broadcast(Base):
    """A 群发 to customers (``target`` customers) or to customer groups (``target`` groups):
    ``sending`` (recipients claimed, WeCom being called) → ``submitted`` (msgids recorded; each
    staff member confirms in the app) | ``failed`` (WeCom refused every call). ``audience`` is
    all / segment / store / campaign (groups: all / store / campaign, narrowed to the groups
    of ``owners`` when given)."""

    __tablename__ = "wecom_broadcast"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target: Mapped[str] = mapped_column(String(16), default="customers", server_default="customers")
    owners: Mapped[list[str] | None] = mapped_column(JSON)
    audience: Mapped[str] = mapped_column(String(16))
    segment_id: Mapped[int | None] = mapped_column(BigId)
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    miniprogram: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    capped: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class BroadcastMsg(Base):
    """One ``add_msg_template`` call: one staff member, at most 10000 customers. ``msgid`` is
    WeCom's (None when the call was refused: ``errcode``); ``is_sent`` once the staff member
    sent it and ``is_final`` once no result can change any more."""

    __tablename__ = "wecom_broadcast_msg"
    __table_args__ = (Index("ix_wecom_broadcast_msg_broadcast", "broadcast_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(BigId)
    staff_userid: Mapped[str] = mapped_column(String(64))
    # WeCom's chat_type: single (customers) or group (the staff member's customer groups).
    chat_type: Mapped[str] = mapped_column(String(8), default="single", server_default="single")
    msgid: Mapped[str | None] = mapped_column(String(64), unique=True)
    recipients: Mapped[int] = mapped_column(Integer)
    errcode: Mapped[int | None] = mapped_column(Integer)
    is_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)


class BroadcastRecipient(Base):
    """One customer of a 群发 and what happened: ``pending`` (未发送), ``sent``, ``not_friend``
    (no longer a contact), ``limited`` (already received a 群发 that day), ``failed`` (WeCom
    refused the call or listed the customer in ``fail_list``)."""

    __tablename__ = "wecom_broadcast_recipient"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "external_userid", name="uq_wecom_broadcast_recipient"),
        Index("ix_wecom_broadcast_recipient_msg", "msg_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(BigId)
    msg_id: Mapped[int | None] = mapped_column(BigId)
    external_userid: Mapped[str] = mapped_column(String(64))
    staff_userid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class BroadcastQuota(Base):
    """The daily cap (每位客户每天可接收 1 条): one row per customer and shop day, claimed by
    ``INSERT … ON CONFLICT DO NOTHING RETURNING``, so of concurrent broadcasts exactly one
    gets each customer. A refused call gives its customers' rows back."""

    __tablename__ = "wecom_broadcast_quota"
    __table_args__ = (UniqueConstraint("external_userid", "day", name="uq_wecom_broadcast_quota"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_userid: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    broadcast_id: Mapped[int] = mapped_column(BigId)


class BroadcastChat(Base):
    """One customer group of a group 群发 and what happened: ``pending`` (未发送), ``sent``,
    ``not_friend`` (WeCom's 2: the group could not be sent to, dismissed or no longer the
    owner's), ``limited`` (already received a 群发 that day), ``failed`` (WeCom refused the
    call or listed the group in ``fail_list``). ``name`` is the group's name when sent."""

    __tablename__ = "wecom_broadcast_chat"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "chat_id", name="uq_wecom_broadcast_chat"),
        Index("ix_wecom_broadcast_chat_msg", "msg_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(BigId)
    msg_id: Mapped[int | None] = mapped_column(BigId)
    chat_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), default="")
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class GroupBroadcastQuota(Base):
    """The daily cap of a customer group (每个客户群每天可接收 1 条群发): one row per group and
    shop day, claimed by ``INSERT … ON CONFLICT DO NOTHING RETURNING`` like the customers'."""

    __tablename__ = "wecom_group_broadcast_quota"
    __table_args__ = (UniqueConstraint("chat_id", "day", name="uq_wecom_group_broadcast_quota"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    broadcast_id: Mapped[int] = mapped_column(BigId)


class Contact(Base):
    """One external contact of one staff member, attributed to where they were added."""

    __tablename__ = "wecom_contact"
    __table_args__ = (
        UniqueConstraint("external_userid", "staff_userid", name="uq_wecom_contact_pair"),
        Index("ix_wecom_contact_store", "store_id"),
        Index("ix_wecom_contact_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_userid: Mapped[str] = mapped_column(String(64))
    staff_userid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), default="")
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    member_id: Mapped[int | None] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(30), default="")
    store_id: Mapped[int | None] = mapped_column(BigId)
    campaign: Mapped[str | None] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    # The time (WeCom's CreateTime) of the last event applied to this row.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


class Picture(Base):
    """A mini-program card's picture, kept by Shoplet (``key`` in media storage, content
    addressed: the same bytes are one row) with the WeCom media id it was last uploaded as.

    A media id lives three days, so a send uploads the picture again when its id is older than
    ``MEDIA_REFRESH_AFTER``; ``upload_claimed_at`` is set by one conditional UPDATE, so of
    senders arriving together exactly one uploads and the others wait for its media id."""

    __tablename__ = "wecom_picture"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    media_id: Mapped[str | None] = mapped_column(String(128))
    media_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    upload_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))

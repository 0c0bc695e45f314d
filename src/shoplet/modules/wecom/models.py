"""WeCom tables: the contact ways (渠道活码) Shoplet created, and one row per customer and staff
member (WeCom's relationship: the same WeChat user added by two staff members is two rows).

``uq_wecom_contact_pair`` makes a callback delivered twice (WeCom retries) one row; every change
is one conditional statement that applies only an event newer than the last one applied
(``changed_at``), so a replayed or late event changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
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

"""Moderation tables.

- ``moderation_word``: the merchant's lexicon (one row per word, its category and action);
  ``moderation_lexicon`` holds one counter bumped by every change, so each process rebuilds its
  compiled automaton when the number it built from is old.
- ``moderation_item``: one piece of user content (a review, later questions and posts) on its way
  through the pipeline; unique per subject. ``status`` moves by conditional UPDATEs on
  (status, seq): two reviewers, or a reviewer and a late WeChat push, change an item once.
- ``moderation_media``: its images, each sent to ``mediaCheckAsync`` (``trace_id``) and decided
  by WeChat's push.
- ``moderation_decision``: append-only, every change of an item's status and who made it
  (``filter``, ``wechat``, ``staff:<name>``, ``member:<id>`` for an appeal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

ACTIONS = ("block", "hold", "replace")
CATEGORIES = ("politics", "porn", "abuse", "ads", "illegal", "fraud", "other")
STATUSES = ("checking", "held", "approved", "rejected")
TEXT_STATES = ("pending", "pass", "review", "risky", "skipped")
MEDIA_STATES = ("queued", "sent", "pass", "review", "risky", "skipped")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Word(Base):
    __tablename__ = "moderation_word"
    __table_args__ = (
        UniqueConstraint("word"),
        CheckConstraint(_in("action", ACTIONS), name="action_known"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    word: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LexiconVersion(Base):
    __tablename__ = "moderation_lexicon"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class Item(Base):
    __tablename__ = "moderation_item"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("text_state", TEXT_STATES), name="text_state_known"),
        Index("ix_moderation_item_status_id", "status", "id"),
        Index("ix_moderation_item_text_state_id", "text_state", "id"),
        Index("ix_moderation_item_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    openid: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(2000))
    # A short video the subject carries (its cover and sampled frames are among the media):
    # shown to the person deciding, beside the frames.
    video_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # What the filter found: [{word, category, action, via}]
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    filter_action: Mapped[str | None] = mapped_column(String(16))
    text_state: Mapped[str] = mapped_column(String(16))
    text_label: Mapped[int | None] = mapped_column(Integer)
    text_attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(500))
    appeal_reason: Mapped[str | None] = mapped_column(String(500))
    appealed_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Media(Base):
    __tablename__ = "moderation_media"
    __table_args__ = (
        UniqueConstraint("trace_id"),
        CheckConstraint(_in("state", MEDIA_STATES), name="state_known"),
        Index("ix_moderation_media_item_id", "item_id"),
        Index("ix_moderation_media_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16))
    trace_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Decision(Base):
    __tablename__ = "moderation_decision"
    __table_args__ = (Index("ix_moderation_decision_item_id_id", "item_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]

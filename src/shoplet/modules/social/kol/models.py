"""KOL tables: one row per analysis run, the scores of that run's sharers, and invitations.

A run's scores are written in the run's own transaction, so a reader sees a whole run or the
previous one; runs older than the last few are deleted with their scores. An invitation is
unique per (member, kind, play, campaign): inviting twice is reported, never duplicated.
``play`` is ``''`` and ``campaign_id`` 0 for promoter invitations (so the unique key holds
without NULLs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

RUN_STATUSES = ("running", "done")
INVITE_KINDS = ("promoter", "campaign")
INVITE_PLAYS = ("", "groupbuy", "bargain", "crowdfunding")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class KolRun(Base):
    """One analysis of the graph: its size and how long it took."""

    __tablename__ = "social_kol_run"
    __table_args__ = (CheckConstraint(_in("status", RUN_STATUSES), name="status_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    window_days: Mapped[int] = mapped_column(Integer)
    nodes: Mapped[int] = mapped_column(Integer, default=0)
    edges: Mapped[int] = mapped_column(Integer, default=0)
    communities: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    triggered_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class KolScore(Base):
    """A sharer's standing in one run: PageRank in the graph of who brought whom, the people
    they brought directly and within two hops, how many of those paid, and what they paid."""

    __tablename__ = "social_kol_score"
    __table_args__ = (
        UniqueConstraint("run_id", "member_id"),
        Index("ix_social_kol_score_run_id_rank", "run_id", "rank"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int] = mapped_column(Integer)
    pagerank: Mapped[float] = mapped_column(Float)
    brought: Mapped[int] = mapped_column(Integer)
    reach_2: Mapped[int] = mapped_column(Integer)
    converted: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[int] = mapped_column(BigInteger)
    community: Mapped[int] = mapped_column(Integer)


class KolInvite(Base):
    """Staff invited a shopper: to become a promoter, or as a seed user of a campaign (with an
    optional coupon, issued through promotions)."""

    __tablename__ = "social_kol_invite"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "play", "campaign_id"),
        CheckConstraint(_in("kind", INVITE_KINDS), name="kind_known"),
        CheckConstraint(_in("play", INVITE_PLAYS), name="play_known"),
        Index("ix_social_kol_invite_play_campaign_id", "play", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    play: Mapped[str] = mapped_column(String(16), default="")
    campaign_id: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_template_id: Mapped[int | None] = mapped_column(BigInteger)
    coupon_issued: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

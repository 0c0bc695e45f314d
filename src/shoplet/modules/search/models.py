"""Search tables: the merchant's synonym groups and corrections, the change feed every server
process follows to keep its index current, query statistics and zero-result queries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId, utcnow


class Synonym(Base):
    """A group of words that mean the same product (手机壳 = 手机套 = 保护壳): a query for one
    also finds the others (ranked a little below the word typed)."""

    __tablename__ = "search_synonym"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(Base):
    """A typo or homophone the shop wants read as another word (奶分 → 奶粉). Pinyin already
    catches most homophones; this table is for the ones it cannot (形近字, brand nicknames)."""

    __tablename__ = "search_correction"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    wrong: Mapped[str] = mapped_column(String(50), unique=True)
    right: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Change(Base):
    """The change feed: one row per product to re-read (``product_id``) or per dictionary edit
    (``kind = 'dictionary'``). Written by the catalog event handler (once, in any process) and
    by the console; every server process reads rows after the last id it applied, about every
    second (``SHOPLET_SEARCH_POLL_SECONDS``). Old rows are deleted by a job."""

    __tablename__ = "search_change"
    __table_args__ = (
        CheckConstraint("kind IN ('product', 'dictionary')", name="kind_known"),
        Index("ix_search_change_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueryStat(Base):
    """How often a query was searched (normalised text), and how many products its last search
    found: the hot searches, the suggestions' popular queries and the zero-result list."""

    __tablename__ = "search_query_stat"
    __table_args__ = (
        CheckConstraint("searches >= 0 AND zero_results >= 0", name="counts"),
        Index("ix_search_query_stat_searches", "searches"),
        Index("ix_search_query_stat_zero", "last_result_count", "last_searched_at"),
    )

    query: Mapped[str] = mapped_column(String(50), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    last_result_count: Mapped[int] = mapped_column(Integer, default=0)
    last_searched_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vector(Base):
    """A product's embedding for semantic search (``semantic.py``, ``vectors.py``): one row per
    product and model, int8-quantised (``vector``: ``dim`` signed bytes, ``v ≈ q * scale``),
    with the hash of the text it was computed from — a changed title changes the hash, and the
    embedding job re-embeds only those rows."""

    __tablename__ = "search_vector"
    __table_args__ = (Index("ix_search_vector_model_updated", "model", "updated_at"),)

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    dim: Mapped[int] = mapped_column(Integer)
    scale: Mapped[float] = mapped_column(Float)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Impression(Base):
    """One search response (a page of results) as shown, for click-through: written in batches
    by each process (``clicks.py``), never on the request path. ``first_page``: the response
    without a cursor — a *search*; later pages are impressions of the same query.
    ``variant`` names the ranking that served it (``default`` until experiments assign one)."""

    __tablename__ = "search_impression"
    __table_args__ = (Index("ix_search_impression_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    query: Mapped[str] = mapped_column(String(50))
    variant: Mapped[str] = mapped_column(String(32))
    first_page: Mapped[bool] = mapped_column(Boolean)
    result_count: Mapped[int] = mapped_column(Integer)
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Click(Base):
    """A shopper opened a result: one row per impression and product (the primary key makes a
    repeated click a no-op, ``INSERT … ON CONFLICT DO NOTHING``)."""

    __tablename__ = "search_click"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_positive"),
        Index("ix_search_click_created_at", "created_at"),
    )

    impression_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DailyQuery(Base):
    """The daily rollup (shop days, Asia/Shanghai) per query and ranking variant: searches
    (first pages), clicks (distinct products opened from any page of them), zero-result
    searches. Rewritten for the last days by ``search.rollup_clicks``."""

    __tablename__ = "search_daily"
    __table_args__ = (
        CheckConstraint("searches >= 0 AND clicks >= 0 AND zero_results >= 0", name="counts"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(50), primary_key=True)
    variant: Mapped[str] = mapped_column(String(32), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)


class ImageVector(Base):
    """A product's image features for search by photo (``image_features.py``): one row per
    product, from its first image (``image_url``, the variant read), computed by the recipe
    ``version``; float32 little-endian, ``dim`` values. A product whose first image or recipe
    changed is recomputed by the job ``search.image_features``."""

    __tablename__ = "search_image"

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    image_url: Mapped[str] = mapped_column(String(500))
    version: Mapped[str] = mapped_column(String(32))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

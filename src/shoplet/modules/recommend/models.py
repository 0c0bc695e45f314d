"""Recommendation tables: what training and the order handler write, what serving reads.

- ``recommend_neighbor``: per model and product, its best neighbours (``algorithms.NEIGHBORS``)
  with their weight. Models: ``personal`` (EASE, or item cosine above ``EASE_MAX_ITEMS``, over
  all signals: the home shelf), ``viewed`` (cosine over carts and favourites, later views: "看了
  又看"). Rewritten as a whole by each training.
- ``recommend_pair`` / ``recommend_item``: co-purchase counts ("买了还买") as shopper counts at
  training, then +1 per paid order (``INSERT … ON CONFLICT DO UPDATE``, atomic) until the next
  training rewrites them. The cosine is computed when read: ``count / sqrt(buyers_a buyers_b)``.
- ``recommend_bought``: each member's products as counted in the pairs.
- ``recommend_popular``: time-decayed popularity (half-life 14 days) per province (``440000``)
  and for the whole shop (``all``): the fallback and the cold start.
- ``recommend_run``: one row per training, with its stage and progress (0..100).
- ``recommend_view``: product views (visitor, member if signed in, product, when), written in
  batches by each process (``views.py``); the session model's input, kept ``views.RETENTION``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

NEIGHBOR_MODELS = ("personal", "viewed")
RUN_STATUSES = ("running", "done", "failed")


class Neighbor(Base):
    __tablename__ = "recommend_neighbor"
    __table_args__ = (CheckConstraint("model IN ('personal', 'viewed')", name="model_known"),)

    model: Mapped[str] = mapped_column(String(16), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    neighbor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    score: Mapped[float] = mapped_column(Float)


class Pair(Base):
    """Shoppers (then orders) who bought both; stored in both directions."""

    __tablename__ = "recommend_pair"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    other_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class Item(Base):
    """Shoppers (then orders) who bought the product."""

    __tablename__ = "recommend_item"
    __table_args__ = (CheckConstraint("buyers > 0", name="buyers_positive"),)

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    buyers: Mapped[int] = mapped_column(Integer)


class Bought(Base):
    """What each member bought, as counted in ``recommend_pair``: the order handler claims a
    member's new products here (``INSERT … ON CONFLICT DO NOTHING RETURNING``), so an order
    pairs each product new to the member with everything they have, exactly once, whatever
    the order in which the payments' events arrive."""

    __tablename__ = "recommend_bought"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class Popular(Base):
    __tablename__ = "recommend_popular"
    __table_args__ = (Index("ix_recommend_popular_region_score", "region", "score"),)

    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    score: Mapped[float] = mapped_column(Float)


class Run(Base):
    """A training. ``cutoff``: orders paid up to it are in the model; the order handler counts
    only later ones, so a purchase is never counted twice."""

    __tablename__ = "recommend_run"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_in_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(40))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(String(16), default="")
    cutoff: Mapped[datetime]
    shoppers: Mapped[int] = mapped_column(Integer, default=0)
    products: Mapped[int] = mapped_column(Integer, default=0)
    interactions: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Impression(Base):
    """One shelf as served, for click-through: its placement, the ranking variant (``default``
    until experiments assign one), the products in order and, aligned with them, the model
    that proposed each (``personal``, ``also_bought``, ``also_viewed``, ``popular``). Written in
    batches by each process (``clicks.py``), never on the request path."""

    __tablename__ = "recommend_impression"
    __table_args__ = (Index("ix_recommend_impression_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    placement: Mapped[str] = mapped_column(String(16))
    variant: Mapped[str] = mapped_column(String(32))
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class Click(Base):
    """A shopper opened a product of a shelf: one row per impression and product."""

    __tablename__ = "recommend_click"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_positive"),
        Index("ix_recommend_click_created_at", "created_at"),
    )

    impression_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Daily(Base):
    """The daily rollup (shop days, Asia/Shanghai) per placement, model and variant.
    ``model = 'shelf'`` rows count shelves (``impressions``) and their clicks; the other rows
    count the products a model put on shelves (``impressions``) and the clicks on them."""

    __tablename__ = "recommend_daily"
    __table_args__ = (CheckConstraint("impressions >= 0 AND clicks >= 0", name="counts"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    placement: Mapped[str] = mapped_column(String(16), primary_key=True)
    model: Mapped[str] = mapped_column(String(16), primary_key=True)
    variant: Mapped[str] = mapped_column(String(32), primary_key=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)


class View(Base):
    """A product page view. ``visitor``: the storefront's random id of the device (signed in or
    not); ``member_id`` when signed in. Written in batches, never on the request path."""

    __tablename__ = "recommend_view"
    __table_args__ = (
        Index("ix_recommend_view_viewed_at", "viewed_at"),
        Index("ix_recommend_view_member_id_viewed_at", "member_id", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    visitor: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    viewed_at: Mapped[datetime]

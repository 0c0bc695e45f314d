"""Cart tables: ``cart_line`` (one row per shopper and SKU) and ``cart_favorite``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shoplet.core.db import Base, BigId

MAX_QUANTITY = 99


class CartLine(Base):
    """A SKU in a shopper's cart. The owner is a member or, before login, a guest identified by
    the SHA-256 of its ``X-Cart-Token`` (never stored in clear). The unique pairs make adds an
    atomic ``INSERT … ON CONFLICT DO UPDATE``. ``price_at_add`` is the price the shopper last saw
    when adding, so the cart can say when the price has changed since."""

    __tablename__ = "cart_line"
    __table_args__ = (
        UniqueConstraint("member_id", "sku_id"),
        UniqueConstraint("guest_token_hash", "sku_id"),
        CheckConstraint(
            "(member_id IS NULL) <> (guest_token_hash IS NULL)", name="exactly_one_owner"
        ),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="quantity_in_range"),
        CheckConstraint("price_at_add >= 0", name="price_at_add_non_negative"),
        # The purge of abandoned guest carts scans only guest rows.
        Index(
            "ix_cart_line_guest_updated_at",
            "updated_at",
            postgresql_where=text("guest_token_hash IS NOT NULL"),
            sqlite_where=text("guest_token_hash IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(BigId)
    guest_token_hash: Mapped[str | None] = mapped_column(String(64))
    sku_id: Mapped[int] = mapped_column(BigId)
    quantity: Mapped[int] = mapped_column(Integer)
    selected: Mapped[bool] = mapped_column(Boolean, default=True)
    price_at_add: Mapped[int] = mapped_column(Integer)
    # The play that priced the line when it was added ("live:<session>": from a live room at
    # its 直播价); the cart and checkout ask that play's registered source for the price while
    # it applies, and show the catalogue price once it no longer does.
    price_source: Mapped[str | None] = mapped_column(String(40), default=None)
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Favorite(Base):
    """A member's favourite product (收藏). Listed newest first by id."""

    __tablename__ = "cart_favorite"
    __table_args__ = (
        UniqueConstraint("member_id", "product_id"),
        Index("ix_cart_favorite_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId)
    product_id: Mapped[int] = mapped_column(BigId)
    # The product's lowest price (fen) when it was saved: 收藏 shows 降 ¥x against it (None:
    # saved before prices were kept).
    price_at_favorite: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime]

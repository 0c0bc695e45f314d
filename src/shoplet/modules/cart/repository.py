"""Every query of the cart module. Adds and merges are single upserts, so concurrent requests
of one shopper sum up instead of failing on the unique constraint or losing an update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.cart.models import MAX_QUANTITY, CartLine, Favorite


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose cart: a member, or a guest by the hash of its cart token (exactly one is set)."""

    member_id: int | None = None
    guest_token_hash: str | None = None

    def __post_init__(self) -> None:
        if (self.member_id is None) == (self.guest_token_hash is None):
            raise ValueError("a cart belongs to a member or to a guest token")

    @property
    def columns(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "guest_token_hash": self.guest_token_hash}


@dataclass(frozen=True, slots=True)
class LineRow:
    """A line's columns, read without going through the ORM identity map."""

    id: int
    member_id: int | None
    sku_id: int
    quantity: int
    selected: bool
    price_at_add: int
    added_at: datetime
    updated_at: datetime
    price_source: str | None = None


def _insert(session: AsyncSession) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` support: both dialects spell it the same way."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(CartLine)
    return sqlite.insert(CartLine)


def _of(owner: Owner) -> ColumnElement[bool]:
    if owner.member_id is not None:
        return CartLine.member_id == owner.member_id
    return CartLine.guest_token_hash == owner.guest_token_hash


def _conflict_target(owner: Owner) -> list[Any]:
    if owner.member_id is not None:
        return [CartLine.member_id, CartLine.sku_id]
    return [CartLine.guest_token_hash, CartLine.sku_id]


def _capped_sum(current: Any, added: Any) -> ColumnElement[int]:
    total = current + added
    return case((total > MAX_QUANTITY, MAX_QUANTITY), else_=total)


# ---- lines -----------------------------------------------------------------------------------


async def list_lines(session: AsyncSession, owner: Owner) -> list[CartLine]:
    """The owner's lines, newest first. Rows are re-read (populate_existing) because upserts
    in this transaction bypass the identity map."""
    result = await session.scalars(
        select(CartLine)
        .where(_of(owner))
        .order_by(CartLine.added_at.desc(), CartLine.id.desc())
        .execution_options(populate_existing=True)
    )
    return list(result.all())


async def get_line(session: AsyncSession, owner: Owner, sku_id: int) -> CartLine | None:
    result = await session.scalars(
        select(CartLine)
        .where(_of(owner), CartLine.sku_id == sku_id)
        .execution_options(populate_existing=True)
    )
    return result.one_or_none()


async def count_lines(session: AsyncSession, owner: Owner) -> tuple[int, int]:
    """(lines, units) of the owner's cart."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(CartLine.quantity), 0)).where(_of(owner))
        )
    ).one()
    return int(row[0]), int(row[1])


_LINE_COLUMNS = (
    CartLine.id,
    CartLine.member_id,
    CartLine.sku_id,
    CartLine.quantity,
    CartLine.selected,
    CartLine.price_at_add,
    CartLine.added_at,
    CartLine.updated_at,
    CartLine.price_source,
)


async def lock_lines(session: AsyncSession, *owners: Owner) -> list[LineRow]:
    """Row-lock the owners' lines in id order (PostgreSQL; SQLite has one writer anyway).

    Two writers of the same non-empty cart queue here, so the second one's later statements see
    the first one's committed lines (the line limit holds under concurrency)."""
    rows = await session.execute(
        select(*_LINE_COLUMNS)
        .where(or_(*(_of(o) for o in owners)))
        .order_by(CartLine.id)
        .with_for_update()
    )
    return [LineRow(**row._mapping) for row in rows]


async def add_units(
    session: AsyncSession,
    owner: Owner,
    *,
    sku_id: int,
    quantity: int,
    price: int,
    max_units: int,
    now: datetime,
    price_source: str | None = None,
) -> LineRow | None:
    """Insert the line or add ``quantity`` to it (capped at 99), selecting it and recording the
    current price, unless the line would then hold more than ``max_units``: returns the line as
    it is now, or None (nothing changed) when it would. The line takes ``price_source`` (the
    play that priced it, None for the catalogue) as the caller decided it.

    One statement: concurrent adds of the same SKU serialise on the unique index and each one
    sees the sum of those before it."""
    insert = _insert(session).values(
        **owner.columns,
        sku_id=sku_id,
        quantity=quantity,
        selected=True,
        price_at_add=price,
        price_source=price_source,
        added_at=now,
        updated_at=now,
    )
    new_quantity = _capped_sum(CartLine.quantity, insert.excluded.quantity)
    statement = insert.on_conflict_do_update(
        index_elements=_conflict_target(owner),
        set_={
            "quantity": new_quantity,
            "selected": True,
            "price_at_add": insert.excluded.price_at_add,
            "price_source": insert.excluded.price_source,
            "updated_at": insert.excluded.updated_at,
        },
        where=new_quantity <= max_units,
    ).returning(*_LINE_COLUMNS)
    row = (await session.execute(statement)).first()
    return None if row is None else LineRow(**row._mapping)


async def update_line(
    session: AsyncSession, owner: Owner, sku_id: int, values: Mapping[str, Any]
) -> bool:
    result = await session.execute(
        update(CartLine)
        .where(_of(owner), CartLine.sku_id == sku_id)
        .values(**values)
        .returning(CartLine.id)
    )
    return result.first() is not None


async def delete_lines(
    session: AsyncSession, owner: Owner, sku_ids: Sequence[int] | None = None
) -> int:
    """Delete the owner's lines of ``sku_ids`` (all lines when None); returns how many."""
    statement = delete(CartLine).where(_of(owner))
    if sku_ids is not None:
        statement = statement.where(CartLine.sku_id.in_(sorted(set(sku_ids))))
    result = await session.execute(statement.returning(CartLine.id))
    return len(result.all())


async def set_selected(
    session: AsyncSession,
    owner: Owner,
    *,
    selected: bool,
    sku_ids: Sequence[int] | None,
    now: datetime,
) -> None:
    statement = update(CartLine).where(_of(owner), CartLine.selected.is_not(selected))
    if sku_ids is not None:
        statement = statement.where(CartLine.sku_id.in_(sorted(set(sku_ids))))
    await session.execute(statement.values(selected=selected, updated_at=now))


async def selected_lines(
    session: AsyncSession, member_id: int
) -> list[tuple[int, int, str | None]]:
    """(sku_id, quantity, price_source) of the member's selected lines, newest first."""
    rows = await session.execute(
        select(CartLine.sku_id, CartLine.quantity, CartLine.price_source)
        .where(CartLine.member_id == member_id, CartLine.selected.is_(True))
        .order_by(CartLine.added_at.desc(), CartLine.id.desc())
    )
    return [(int(sku_id), int(quantity), source) for sku_id, quantity, source in rows]


async def merge_into_member(
    session: AsyncSession, member_id: int, lines: Sequence[LineRow], *, now: datetime
) -> None:
    """Upsert guest ``lines`` into the member's cart: quantities summed and capped at 99, a
    line selected when either side was, the member's own ``price_at_add`` and ``added_at``
    kept on lines both had."""
    if not lines:
        return
    statement = _insert(session).values(
        [
            {
                "member_id": member_id,
                "guest_token_hash": None,  # nosec B105 - clearing a column, not a password
                "sku_id": line.sku_id,
                "quantity": line.quantity,
                "selected": line.selected,
                "price_at_add": line.price_at_add,
                "added_at": line.added_at,
                "updated_at": now,
            }
            for line in sorted(lines, key=lambda line: line.sku_id)
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CartLine.member_id, CartLine.sku_id],
            set_={
                "quantity": _capped_sum(CartLine.quantity, statement.excluded.quantity),
                "selected": or_(CartLine.selected, statement.excluded.selected),
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


async def purge_guest_lines(session: AsyncSession, *, updated_before: datetime) -> int:
    result = await session.execute(
        delete(CartLine)
        .where(CartLine.guest_token_hash.is_not(None), CartLine.updated_at < updated_before)
        .returning(CartLine.id)
    )
    return len(result.all())


# ---- favourites --------------------------------------------------------------------------------


async def is_favorite(session: AsyncSession, member_id: int, product_id: int) -> bool:
    found = await session.scalar(
        select(Favorite.id).where(
            Favorite.member_id == member_id, Favorite.product_id == product_id
        )
    )
    return found is not None


async def insert_favorite(
    session: AsyncSession, member_id: int, product_id: int, *, now: datetime, price: int
) -> None:
    """Idempotent: a concurrent duplicate is absorbed by ``ON CONFLICT DO NOTHING`` (the first
    one's price is kept)."""
    insert = (
        postgresql.insert(Favorite)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(Favorite)
    )
    await session.execute(
        insert.values(
            member_id=member_id, product_id=product_id, price_at_favorite=price, created_at=now
        ).on_conflict_do_nothing(index_elements=[Favorite.member_id, Favorite.product_id])
    )


async def delete_favorite(session: AsyncSession, member_id: int, product_id: int) -> None:
    await session.execute(
        delete(Favorite).where(Favorite.member_id == member_id, Favorite.product_id == product_id)
    )


async def list_favorites(
    session: AsyncSession, member_id: int, *, before_id: int | None, limit: int
) -> list[Favorite]:
    statement = select(Favorite).where(Favorite.member_id == member_id)
    if before_id is not None:
        statement = statement.where(Favorite.id < before_id)
    result = await session.scalars(statement.order_by(Favorite.id.desc()).limit(limit))
    return list(result.all())


async def member_cart_signals(
    session: AsyncSession, *, member_id: int | None = None, since: datetime | None = None
) -> list[tuple[int, int, datetime]]:
    """(member id, SKU id, updated at) of members' cart lines (guests' are not anybody's taste
    yet), of one member or all, touched since ``since``."""
    stmt = select(CartLine.member_id, CartLine.sku_id, CartLine.updated_at).where(
        CartLine.member_id.is_not(None)
    )
    if member_id is not None:
        stmt = stmt.where(CartLine.member_id == member_id)
    if since is not None:
        stmt = stmt.where(CartLine.updated_at >= since)
    rows = await session.execute(stmt)
    return [(int(m), int(s), at) for m, s, at in rows if m is not None]


async def favorite_signals(
    session: AsyncSession, *, member_id: int | None = None, since: datetime | None = None
) -> list[tuple[int, int, datetime]]:
    """(member id, product id, created at) of favourites, of one member or all."""
    stmt = select(Favorite.member_id, Favorite.product_id, Favorite.created_at)
    if member_id is not None:
        stmt = stmt.where(Favorite.member_id == member_id)
    if since is not None:
        stmt = stmt.where(Favorite.created_at >= since)
    return [(int(m), int(p), at) for m, p, at in await session.execute(stmt)]


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Members' merge hook: the absorbed account's cart lines and favourites become the
    survivor's. A SKU in both carts keeps one line with the quantities added (capped at
    ``MAX_QUANTITY``); a product favoured twice keeps one favourite."""
    mine = select(CartLine.sku_id).where(CartLine.member_id == into_id).scalar_subquery()
    both = list(
        await session.execute(
            select(CartLine.sku_id, CartLine.quantity).where(
                CartLine.member_id == from_id, CartLine.sku_id.in_(mine)
            )
        )
    )
    for sku_id, quantity in both:
        await session.execute(
            update(CartLine)
            .where(CartLine.member_id == into_id, CartLine.sku_id == sku_id)
            .values(
                quantity=case(
                    (CartLine.quantity + quantity > MAX_QUANTITY, MAX_QUANTITY),
                    else_=CartLine.quantity + quantity,
                )
            )
        )
    await session.execute(
        delete(CartLine).where(CartLine.member_id == from_id, CartLine.sku_id.in_(mine))
    )
    lines = await session.execute(
        update(CartLine).where(CartLine.member_id == from_id).values(member_id=into_id)
    )
    favoured = select(Favorite.product_id).where(Favorite.member_id == into_id).scalar_subquery()
    await session.execute(
        delete(Favorite).where(Favorite.member_id == from_id, Favorite.product_id.in_(favoured))
    )
    favourites = await session.execute(
        update(Favorite).where(Favorite.member_id == from_id).values(member_id=into_id)
    )
    return len(both) + int(lines.rowcount or 0) + int(favourites.rowcount or 0)  # type: ignore[attr-defined]

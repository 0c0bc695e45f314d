"""Every query of the points mall. Stock and per-shopper limits move only through conditional
UPDATEs (``sold + n <= stock``, ``quantity + n <= limit``) whose row locks serialise exchanges
of one item (and one shopper's usage) until commit: never more than the stock, never more than
the limit, whatever runs at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.pointsmall.models import MallExchange, MallItem, MallUsage


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- items -----------------------------------------------------------------------------------


async def get_item(session: AsyncSession, item_id: int) -> MallItem | None:
    return (await session.scalars(_fresh(select(MallItem).where(MallItem.id == item_id)))).first()


async def insert_item(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, MallItem).values(**values).returning(MallItem.id)
    )
    return int(result.scalar_one())


async def update_item(
    session: AsyncSession, item_id: int, values: Mapping[str, Any], *, min_stock: bool = False
) -> bool:
    """Write ``values``; with ``min_stock``, only while the new stock still covers ``sold``."""
    stmt = update(MallItem).where(MallItem.id == item_id)
    if min_stock:
        stmt = stmt.where(MallItem.sold <= values["stock"])
    result = await session.execute(stmt.values(**values).returning(MallItem.id))
    return result.scalar_one_or_none() is not None


async def list_items(
    session: AsyncSession,
    *,
    statuses: Sequence[str] | None,
    after: tuple[int, int] | None,
    limit: int,
    open_at: datetime | None = None,
) -> Sequence[MallItem]:
    """By ``sort`` descending, then newest first; ``after`` = the last (sort, id) seen;
    ``open_at``: only items not ended by then."""
    stmt = select(MallItem)
    if statuses:
        stmt = stmt.where(MallItem.status.in_(statuses))
    if open_at is not None:
        stmt = stmt.where(or_(MallItem.ends_at.is_(None), MallItem.ends_at > open_at))
    if after is not None:
        sort, item_id = after
        stmt = stmt.where(
            or_(MallItem.sort < sort, and_(MallItem.sort == sort, MallItem.id < item_id))
        )
    stmt = stmt.order_by(MallItem.sort.desc(), MallItem.id.desc()).limit(limit)
    return list((await session.scalars(_fresh(stmt))).all())


async def take_stock(session: AsyncSession, item_id: int, quantity: int) -> bool:
    """Take ``quantity`` units of an item on sale: False when fewer are left (or it was just
    taken off sale)."""
    stmt = (
        update(MallItem)
        .where(
            MallItem.id == item_id,
            MallItem.status == "on_sale",
            MallItem.sold + quantity <= MallItem.stock,
        )
        .values(sold=MallItem.sold + quantity)
        .returning(MallItem.sold)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def give_back_stock(session: AsyncSession, item_id: int, quantity: int) -> None:
    stmt = (
        update(MallItem)
        .where(MallItem.id == item_id, MallItem.sold >= quantity)
        .values(sold=MallItem.sold - quantity)
    )
    await session.execute(stmt)


# -- per-shopper usage -----------------------------------------------------------------------


async def take_usage(
    session: AsyncSession, *, item_id: int, member_id: int, period: str, quantity: int, limit: int
) -> bool:
    """Count ``quantity`` more units for the shopper in ``period``: False when that would pass
    ``limit``. The row is created first (``ON CONFLICT DO NOTHING``), then raised
    conditionally, so two requests of one shopper wait for each other on its lock."""
    await session.execute(
        _insert(session, MallUsage)
        .values(item_id=item_id, member_id=member_id, period=period, quantity=0)
        .on_conflict_do_nothing()
    )
    stmt = (
        update(MallUsage)
        .where(
            MallUsage.item_id == item_id,
            MallUsage.member_id == member_id,
            MallUsage.period == period,
            MallUsage.quantity + quantity <= limit,
        )
        .values(quantity=MallUsage.quantity + quantity)
        .returning(MallUsage.quantity)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def give_back_usage(
    session: AsyncSession, *, item_id: int, member_id: int, period: str, quantity: int
) -> None:
    stmt = (
        update(MallUsage)
        .where(
            MallUsage.item_id == item_id,
            MallUsage.member_id == member_id,
            MallUsage.period == period,
            MallUsage.quantity >= quantity,
        )
        .values(quantity=MallUsage.quantity - quantity)
    )
    await session.execute(stmt)


# -- exchanges -------------------------------------------------------------------------------


async def insert_exchange_if_new(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new exchange's id; None when the shopper used this request id already (a
    concurrent twin waits here for the first to commit or roll back)."""
    stmt = (
        _insert(session, MallExchange)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[MallExchange.member_id, MallExchange.request_id])
        .returning(MallExchange.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_exchange_by_request(
    session: AsyncSession, member_id: int, request_id: str
) -> MallExchange | None:
    stmt = select(MallExchange).where(
        MallExchange.member_id == member_id, MallExchange.request_id == request_id
    )
    return (await session.scalars(_fresh(stmt))).first()


async def get_exchange(session: AsyncSession, exchange_id: int) -> MallExchange:
    stmt = select(MallExchange).where(MallExchange.id == exchange_id)
    row: MallExchange = (await session.scalars(_fresh(stmt))).one()
    return row


async def set_exchange(session: AsyncSession, exchange_id: int, values: Mapping[str, Any]) -> None:
    await session.execute(
        update(MallExchange).where(MallExchange.id == exchange_id).values(**values)
    )


async def move_order_exchange(
    session: AsyncSession,
    order_no: str,
    *,
    from_statuses: Sequence[str],
    to_status: str,
    now: datetime,
) -> MallExchange | None:
    """``status -> to_status`` for the exchange of ``order_no`` if it is in ``from_statuses``:
    the exchange when this call moved it (exactly once per transition), else None."""
    stmt = (
        update(MallExchange)
        .where(MallExchange.order_no == order_no, MallExchange.status.in_(from_statuses))
        .values(status=to_status, updated_at=now)
        .returning(MallExchange.id)
    )
    exchange_id = (await session.execute(stmt)).scalar_one_or_none()
    return None if exchange_id is None else await get_exchange(session, exchange_id)


async def list_exchanges(
    session: AsyncSession, *, member_id: int, before_id: int | None, limit: int
) -> Sequence[MallExchange]:
    stmt = select(MallExchange).where(MallExchange.member_id == member_id)
    if before_id is not None:
        stmt = stmt.where(MallExchange.id < before_id)
    stmt = stmt.order_by(MallExchange.id.desc()).limit(limit)
    return list((await session.scalars(_fresh(stmt))).all())


# -- account merge (members' merge hook) ----------------------------------------------------
#
# Members' account merge hook of the points mall: exchanges follow the shopper and the
# per-period usage adds up (an item's limit counts both accounts' units from now on). A
# ``request_id`` both accounts used (the client's retry key, unique per member) becomes
# ``merged:<exchange id>`` on the moved exchange, as orders do with Idempotency-Keys.

MERGED_COLUMNS = (MallExchange.member_id, MallUsage.member_id)
MERGED_TABLES = merge.table_columns(MERGED_COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    taken = select(MallExchange.request_id).where(MallExchange.member_id == into_id)
    await session.execute(
        update(MallExchange)
        .where(MallExchange.member_id == from_id, MallExchange.request_id.in_(taken))
        .values(request_id=literal("merged:") + cast(MallExchange.id, String))
        .execution_options(synchronize_session=False)
    )
    moved = await merge.reassign(session, MallExchange.member_id, from_id, into_id)
    return moved + await merge.combine(
        session,
        MallUsage.member_id,
        from_id,
        into_id,
        key=(MallUsage.item_id, MallUsage.period),
        add=(MallUsage.quantity,),
    )

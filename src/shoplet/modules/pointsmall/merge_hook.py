"""Members' account merge hook of the points mall: exchanges follow the shopper and the
per-period usage adds up (an item's limit counts both accounts' units from now on). A
``request_id`` both accounts used (the client's retry key, unique per member) becomes
``merged:<exchange id>`` on the moved exchange, as orders do with Idempotency-Keys."""

from __future__ import annotations

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.pointsmall.models import MallExchange, MallUsage

COLUMNS = (MallExchange.member_id, MallUsage.member_id)
TABLES = merge.table_columns(COLUMNS)


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

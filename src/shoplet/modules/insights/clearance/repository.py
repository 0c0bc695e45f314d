"""Queries of applied clearance steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ClearanceStepRun


async def add_step(session: AsyncSession, values: dict[str, Any]) -> int:
    result = await session.execute(
        insert(ClearanceStepRun).values(**values).returning(ClearanceStepRun.id)
    )
    step_id: int = result.scalar_one()
    return step_id


async def latest_steps(
    session: AsyncSession, *, sku_id: int | None, limit: int
) -> Sequence[ClearanceStepRun]:
    stmt = select(ClearanceStepRun).order_by(ClearanceStepRun.id.desc()).limit(limit)
    if sku_id is not None:
        stmt = stmt.where(ClearanceStepRun.sku_id == sku_id)
    return (await session.scalars(stmt)).all()

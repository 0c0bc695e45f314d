"""Queries of applied clearance steps and of clearance trials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events.delivery import dialect_insert

from .models import ClearanceStepRun, ClearanceTrial, ClearanceTrialSku


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


# The predicate of ``uq_insights_clearance_trial_sku_running``, spelled as the index spells it
# so that ON CONFLICT can name that index as its arbiter.
_RUNNING = text("released_at IS NULL")


async def add_trial(session: AsyncSession, values: dict[str, Any]) -> int:
    result = await session.execute(
        insert(ClearanceTrial).values(**values).returning(ClearanceTrial.id)
    )
    trial_id: int = result.scalar_one()
    return trial_id


async def claim_trial_sku(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Put a SKU in a trial unless it is in a running one already: one ``INSERT … ON CONFLICT
    DO NOTHING`` on the partial unique index (a concurrent claim waits for the other's commit)."""
    result = await session.execute(
        dialect_insert(session, ClearanceTrialSku)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["sku_id"], index_where=_RUNNING)
        .returning(ClearanceTrialSku.id)
    )
    return result.scalar_one_or_none() is not None


async def get_trial(session: AsyncSession, trial_id: int) -> ClearanceTrial | None:
    return await session.get(ClearanceTrial, trial_id)


async def trial_skus(session: AsyncSession, trial_id: int) -> Sequence[ClearanceTrialSku]:
    stmt = (
        select(ClearanceTrialSku)
        .where(ClearanceTrialSku.trial_id == trial_id)
        .order_by(ClearanceTrialSku.pair, ClearanceTrialSku.arm.desc())
    )
    return (await session.scalars(stmt)).all()


async def list_trials(session: AsyncSession, limit: int) -> list[tuple[ClearanceTrial, int, int]]:
    """Trials newest first with the number of SKUs in each arm."""
    plan = func.count().filter(ClearanceTrialSku.arm == "plan")
    control = func.count().filter(ClearanceTrialSku.arm == "control")
    stmt = (
        select(ClearanceTrial, plan, control)
        .join(ClearanceTrialSku, ClearanceTrialSku.trial_id == ClearanceTrial.id)
        .group_by(ClearanceTrial.id)
        .order_by(ClearanceTrial.id.desc())
        .limit(limit)
    )
    return [(t, p, c) for t, p, c in (await session.execute(stmt)).all()]


async def stop_trial(session: AsyncSession, trial_id: int, now: datetime) -> bool:
    """running → stopped and its SKUs released, once (conditional: a second stop changes
    nothing)."""
    result = await session.execute(
        update(ClearanceTrial)
        .where(ClearanceTrial.id == trial_id, ClearanceTrial.status == "running")
        .values(status="stopped", stopped_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(ClearanceTrialSku)
        .where(ClearanceTrialSku.trial_id == trial_id, ClearanceTrialSku.released_at.is_(None))
        .values(released_at=now)
    )
    return True


async def due_trials(session: AsyncSession, today: date) -> Sequence[int]:
    stmt = select(ClearanceTrial.id).where(
        ClearanceTrial.status == "running", ClearanceTrial.target_date <= today
    )
    return (await session.scalars(stmt)).all()


async def trial_steps(session: AsyncSession, trial_id: int) -> Sequence[ClearanceStepRun]:
    stmt = select(ClearanceStepRun).where(ClearanceStepRun.trial_id == trial_id)
    return (await session.scalars(stmt)).all()

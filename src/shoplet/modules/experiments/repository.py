"""Every query of experiments. Counters move only by ``UPDATE … SET n = n + :d`` after an
``INSERT … ON CONFLICT DO NOTHING`` that proves the change is new; the layer row is locked
(``lock_layer``) while a bucket range is checked and taken, so two experiments can never take
overlapping ranges at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Allocation,
    Arm,
    AttributedOrder,
    Decision,
    Experiment,
    Exposure,
    Layer,
    Ruleset,
    UnitMetric,
)

ACTIVE = ("draft", "running", "paused")


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- layers ----------------------------------------------------------------------------------


async def insert_layer(session: AsyncSession, values: Mapping[str, Any]) -> int | None:
    """The new layer's id, or None when the key is taken."""
    result = await session.execute(
        _insert(session, Layer).values(**values).on_conflict_do_nothing().returning(Layer.id)
    )
    found = result.scalar_one_or_none()
    return None if found is None else int(found)


async def get_layer(session: AsyncSession, layer_id: int) -> Layer | None:
    return (await session.scalars(_fresh(select(Layer).where(Layer.id == layer_id)))).first()


async def lock_layer(session: AsyncSession, layer_id: int) -> Layer | None:
    """The layer, locked until commit (PostgreSQL; SQLite has one writer anyway)."""
    stmt = select(Layer).where(Layer.id == layer_id).with_for_update()
    return (await session.scalars(_fresh(stmt))).first()


async def list_layers(session: AsyncSession) -> list[Layer]:
    return list(await session.scalars(select(Layer).order_by(Layer.id)))


async def taken_ranges(
    session: AsyncSession, layer_ids: Sequence[int], *, exclude_id: int | None = None
) -> list[tuple[int, int, int, int]]:
    """(layer id, experiment id, start, end) of every draft, running or paused experiment."""
    stmt = select(
        Experiment.layer_id, Experiment.id, Experiment.bucket_start, Experiment.bucket_end
    ).where(Experiment.layer_id.in_(layer_ids), Experiment.status.in_(ACTIVE))
    if exclude_id is not None:
        stmt = stmt.where(Experiment.id != exclude_id)
    rows = await session.execute(stmt.order_by(Experiment.bucket_start))
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]


# -- experiments -----------------------------------------------------------------------------


async def insert_experiment(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, Experiment).values(**values).returning(Experiment.id)
    )
    return int(result.scalar_one())


async def insert_arms(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    for row in rows:
        await session.execute(_insert(session, Arm).values(**row))


async def delete_arms(session: AsyncSession, experiment_id: int) -> None:
    await session.execute(delete(Arm).where(Arm.experiment_id == experiment_id))


async def get_experiment(session: AsyncSession, experiment_id: int) -> Experiment | None:
    stmt = select(Experiment).where(Experiment.id == experiment_id)
    return (await session.scalars(_fresh(stmt))).first()


async def arms_of(session: AsyncSession, experiment_ids: Sequence[int]) -> list[Arm]:
    stmt = (
        select(Arm)
        .where(Arm.experiment_id.in_(experiment_ids))
        .order_by(Arm.experiment_id, Arm.position)
    )
    return list(await session.scalars(_fresh(stmt)))


async def list_experiments(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[Experiment]:
    """Newest first, keyset on id."""
    stmt = select(Experiment)
    if status is not None:
        stmt = stmt.where(Experiment.status == status)
    if before_id is not None:
        stmt = stmt.where(Experiment.id < before_id)
    return list(await session.scalars(stmt.order_by(Experiment.id.desc()).limit(limit)))


async def update_experiment(
    session: AsyncSession,
    experiment_id: int,
    values: Mapping[str, Any],
    *,
    from_statuses: Sequence[str],
) -> bool:
    """Write ``values`` only while the status is one of ``from_statuses`` (a conditional
    update: two staff pressing start and stop at once cannot both win)."""
    result = await session.execute(
        update(Experiment)
        .where(Experiment.id == experiment_id, Experiment.status.in_(from_statuses))
        .values(**values)
        .returning(Experiment.id)
    )
    return result.scalar_one_or_none() is not None


async def set_arm_weights(session: AsyncSession, weights: Mapping[int, int]) -> None:
    for arm_id, weight in weights.items():
        await session.execute(update(Arm).where(Arm.id == arm_id).values(weight=weight))


async def running_experiments(session: AsyncSession) -> list[tuple[Experiment, str]]:
    """Running experiments with their layer's salt."""
    stmt = (
        select(Experiment, Layer.salt)
        .join(Layer, Layer.id == Experiment.layer_id)
        .where(Experiment.status == "running")
        .order_by(Experiment.id)
    )
    return [(e, str(s)) for e, s in (await session.execute(_fresh(stmt))).all()]


async def running_bandits(session: AsyncSession) -> list[Experiment]:
    stmt = select(Experiment).where(
        Experiment.status == "running", Experiment.allocation == "bandit"
    )
    return list(await session.scalars(_fresh(stmt.order_by(Experiment.id))))


# -- decisions -------------------------------------------------------------------------------


async def insert_decision(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_insert(session, Decision).values(**values))


async def decisions_of(session: AsyncSession, experiment_id: int) -> list[Decision]:
    stmt = select(Decision).where(Decision.experiment_id == experiment_id).order_by(Decision.id)
    return list(await session.scalars(stmt))


# -- ruleset version -------------------------------------------------------------------------


async def bump_version(session: AsyncSession, now: datetime) -> None:
    stmt = _insert(session, Ruleset).values(id=1, version=1, changed_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Ruleset.id],
        set_={"version": Ruleset.version + 1, "changed_at": now},
    )
    await session.execute(stmt)


async def read_version(session: AsyncSession) -> int:
    found = await session.scalar(select(Ruleset.version).where(Ruleset.id == 1))
    return int(found or 0)


# -- exposures -------------------------------------------------------------------------------


async def insert_exposure(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    """True when this is the unit's first exposure to the experiment."""
    stmt = (
        _insert(session, Exposure)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Exposure.experiment_id, Exposure.unit])
        .returning(Exposure.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def set_exposure_pre_period(
    session: AsyncSession, experiment_id: int, unit: str, *, orders: int, revenue: int
) -> None:
    await session.execute(
        update(Exposure)
        .where(Exposure.experiment_id == experiment_id, Exposure.unit == unit)
        .values(pre_orders=orders, pre_revenue=revenue)
    )


CUPED_PRODUCTS = ("yy", "dd", "xx", "mm", "yd", "yx", "ym", "dx", "dm", "xm")


async def cuped_sums(
    session: AsyncSession, experiment_id: int
) -> dict[int, tuple[int, dict[str, int], dict[str, int]]]:
    """{arm id: (exposed units, Σ of y, d, x, m, Σ of their pairwise products)}: y and d the
    unit's revenue and orders in the experiment (0 without an order), x and m its pre-period
    revenue and orders. One grouped query; integers, so the sums are exact."""
    columns = {
        "y": func.coalesce(UnitMetric.revenue, 0),
        "d": func.coalesce(UnitMetric.orders, 0),
        "x": Exposure.pre_revenue,
        "m": Exposure.pre_orders,
    }
    sums = [func.coalesce(func.sum(c), 0) for c in columns.values()]
    products = [func.coalesce(func.sum(columns[k[0]] * columns[k[1]]), 0) for k in CUPED_PRODUCTS]
    stmt = (
        select(Exposure.arm_id, func.count(), *sums, *products)
        .select_from(Exposure)
        .outerjoin(
            UnitMetric,
            (UnitMetric.experiment_id == Exposure.experiment_id)
            & (UnitMetric.unit == Exposure.unit),
        )
        .where(Exposure.experiment_id == experiment_id)
        .group_by(Exposure.arm_id)
    )
    out = {}
    for row in await session.execute(stmt):
        values = [int(v) for v in row[2:]]
        out[int(row[0])] = (
            int(row[1]),
            dict(zip(columns, values[:4], strict=True)),
            dict(zip(CUPED_PRODUCTS, values[4:], strict=True)),
        )
    return out


async def add_to_arm(session: AsyncSession, arm_id: int, **deltas: float) -> None:
    """Atomic increments of an arm's counters (``visitors=1``, ``revenue=-500`` …)."""
    values = {name: getattr(Arm, name) + delta for name, delta in deltas.items() if delta}
    if values:
        await session.execute(update(Arm).where(Arm.id == arm_id).values(**values))


async def exposed_arms(
    session: AsyncSession, unit: str, experiment_ids: Sequence[int]
) -> dict[int, int]:
    """{experiment id: arm id} of the unit's exposures among ``experiment_ids``."""
    if not experiment_ids:
        return {}
    stmt = select(Exposure.experiment_id, Exposure.arm_id).where(
        Exposure.unit == unit, Exposure.experiment_id.in_(experiment_ids)
    )
    return {int(e): int(a) for e, a in await session.execute(stmt)}


async def arms_of_units(
    session: AsyncSession, experiment_id: int, units: Sequence[str], *, chunk: int = 2000
) -> dict[str, str]:
    """{unit: the key of the arm it was exposed to} for those of ``units`` exposed in the
    experiment, read ``chunk`` units per statement (the unique (experiment, unit) index)."""
    out: dict[str, str] = {}
    wanted = sorted(set(units))
    for at in range(0, len(wanted), chunk):
        stmt = (
            select(Exposure.unit, Arm.key)
            .join(Arm, Arm.id == Exposure.arm_id)
            .where(
                Exposure.experiment_id == experiment_id,
                Exposure.unit.in_(wanted[at : at + chunk]),
            )
        )
        out.update({str(u): str(k) for u, k in await session.execute(stmt)})
    return out


async def exposures_before(session: AsyncSession, unit: str, at: datetime) -> list[tuple[int, int]]:
    """(experiment id, arm id) of the unit's exposures up to ``at`` in running experiments."""
    stmt = (
        select(Exposure.experiment_id, Exposure.arm_id)
        .join(Experiment, Experiment.id == Exposure.experiment_id)
        .where(Exposure.unit == unit, Exposure.exposed_at <= at, Experiment.status == "running")
        .order_by(Exposure.experiment_id)
    )
    return [(int(e), int(a)) for e, a in await session.execute(stmt)]


# -- attributed orders -----------------------------------------------------------------------


async def insert_attributed_order(session: AsyncSession, values: Mapping[str, Any]) -> bool:
    stmt = (
        _insert(session, AttributedOrder)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[AttributedOrder.experiment_id, AttributedOrder.order_no]
        )
        .returning(AttributedOrder.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def add_to_unit(
    session: AsyncSession,
    experiment_id: int,
    arm_id: int,
    unit: str,
    *,
    orders: int,
    revenue: int,
) -> tuple[int, int]:
    """Add to a unit's orders and revenue; its (orders, revenue) after the change."""
    await session.execute(
        _insert(session, UnitMetric)
        .values(experiment_id=experiment_id, arm_id=arm_id, unit=unit, orders=0, revenue=0)
        .on_conflict_do_nothing(index_elements=[UnitMetric.experiment_id, UnitMetric.unit])
    )
    result = await session.execute(
        update(UnitMetric)
        .where(UnitMetric.experiment_id == experiment_id, UnitMetric.unit == unit)
        .values(orders=UnitMetric.orders + orders, revenue=UnitMetric.revenue + revenue)
        .returning(UnitMetric.orders, UnitMetric.revenue)
    )
    new_orders, new_revenue = result.one()
    return int(new_orders), int(new_revenue)


async def lock_attributed_orders(session: AsyncSession, order_no: str) -> list[AttributedOrder]:
    """The order's still-counted rows in every experiment, locked in id order until commit (a
    refund and a concurrent refund of the same order take turns)."""
    stmt = (
        select(AttributedOrder)
        .where(AttributedOrder.order_no == order_no, AttributedOrder.is_counted)
        .order_by(AttributedOrder.id)
        .with_for_update()
    )
    return list(await session.scalars(_fresh(stmt)))


async def set_attributed_amount(session: AsyncSession, row_id: int, amount: int) -> None:
    await session.execute(
        update(AttributedOrder)
        .where(AttributedOrder.id == row_id)
        .values(amount=amount, is_counted=amount > 0)
    )


# -- allocations -----------------------------------------------------------------------------


async def insert_allocation(session: AsyncSession, values: Mapping[str, Any]) -> None:
    await session.execute(_insert(session, Allocation).values(**values))


async def allocations_of(
    session: AsyncSession, experiment_id: int, *, limit: int = 200
) -> list[Allocation]:
    """The most recent ``limit`` allocations, oldest first."""
    stmt = (
        select(Allocation)
        .where(Allocation.experiment_id == experiment_id)
        .order_by(Allocation.id.desc())
        .limit(limit)
    )
    return list(reversed(list(await session.scalars(stmt))))


async def last_allocation_at(session: AsyncSession, experiment_id: int) -> datetime | None:
    return await session.scalar(
        select(func.max(Allocation.computed_at)).where(Allocation.experiment_id == experiment_id)
    )

"""The bandit job: every running bandit experiment whose last allocation is older than
``SHOPLET_EXPERIMENTS_BANDIT_MINUTES`` gets new arm weights from its counts (Thompson, ε-greedy
or UCB1 on conversion; every arm keeps ``SHOPLET_EXPERIMENTS_BANDIT_FLOOR``), appended to the
allocation history, and the ruleset version moves so every process picks them up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import read_session, unit_of_work
from shoplet.modules.experiments import bandits
from shoplet.modules.experiments import repository as repo


async def reallocate(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    every_minutes: int,
    floor: float,
) -> list[int]:
    """Recompute what is due; the ids of the experiments whose weights were written."""
    async with read_session(sessionmaker) as session:
        due = []
        for experiment in await repo.running_bandits(session):
            last = await repo.last_allocation_at(session, experiment.id)
            if last is None or now - last >= timedelta(minutes=every_minutes):
                due.append((experiment.id, experiment.policy))
    done = []
    for experiment_id, policy in due:
        async with unit_of_work(sessionmaker) as session:
            arms = await repo.arms_of(session, [experiment_id])
            weights = bandits.allocate(
                policy,
                [a.conversions for a in arms],
                [a.visitors for a in arms],
                floor=floor,
                seed=bandits.SEED + experiment_id,
            )
            await repo.set_arm_weights(
                session, {a.id: w for a, w in zip(arms, weights, strict=True)}
            )
            await repo.insert_allocation(
                session,
                {
                    "experiment_id": experiment_id,
                    "policy": policy,
                    "weights": {str(a.id): w for a, w in zip(arms, weights, strict=True)},
                    "computed_at": now,
                },
            )
            await repo.bump_version(session, now)
        done.append(experiment_id)
    return done

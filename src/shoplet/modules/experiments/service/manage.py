"""Layers and experiments: create, edit, start, pause, stop (with the decision), ramp.

Every refusal happens before the first write, so a refused request changes nothing. A bucket
range is checked and taken under the layer's row lock; status moves are conditional updates
(``WHERE status IN …``). Each change bumps the ruleset version, so every process reloads its
cached running ruleset (:mod:`.assigning`).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.experiments import repository as repo
from shoplet.modules.experiments.assignment import (
    BUCKETS,
    SLOT_ARM_KEYS,
    WEIGHT_TOTAL,
    ranges_overlap,
)
from shoplet.modules.experiments.errors import (
    BucketsTaken,
    InvalidExperiment,
    InvalidTransition,
    InvalidWeights,
    LayerTaken,
    LayerUnknown,
)
from shoplet.modules.experiments.schemas import (
    DecisionView,
    ExperimentDetail,
    ExperimentView,
    ExperimentWrite,
    Layer,
    LayerCreate,
    StopBody,
)

from ._common import load, view

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "start": ("draft", "paused"),
    "pause": ("running",),
    "stop": ("running", "paused"),
}
TARGET = {"start": "running", "pause": "paused", "stop": "stopped"}


def _free_ranges(taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    free, at = [], 0
    for start, end in sorted(taken):
        if start > at:
            free.append((at, start))
        at = max(at, end)
    if at < BUCKETS:
        free.append((at, BUCKETS))
    return free


async def create_layer(session: AsyncSession, body: LayerCreate) -> Layer:
    layer_id = await repo.insert_layer(
        session,
        {"key": body.key, "name": body.name, "salt": secrets.token_hex(8), "created_at": utcnow()},
    )
    if layer_id is None:
        raise LayerTaken(f"a layer {body.key!r} exists")
    return Layer(
        id=layer_id, key=body.key, name=body.name, buckets=BUCKETS, free_ranges=[(0, BUCKETS)]
    )


async def list_layers(session: AsyncSession) -> list[Layer]:
    layers = await repo.list_layers(session)
    taken = await repo.taken_ranges(session, [layer.id for layer in layers])
    return [
        Layer(
            id=layer.id,
            key=layer.key,
            name=layer.name,
            buckets=BUCKETS,
            free_ranges=_free_ranges([(s, e) for lid, _, s, e in taken if lid == layer.id]),
        )
        for layer in layers
    ]


def _validate(body: ExperimentWrite) -> None:
    if not 0 <= body.bucket_start < body.bucket_end <= BUCKETS:
        raise InvalidExperiment(f"the bucket range must satisfy 0 ≤ start < end ≤ {BUCKETS}")
    if not 1 <= body.traffic_percent <= 100:
        raise InvalidExperiment("traffic_percent must be 1 to 100")
    if not 0 <= body.holdout_percent <= 50:
        raise InvalidExperiment("holdout_percent must be 0 to 50")
    if len(body.arms) < 2:
        raise InvalidWeights("an experiment needs a control and at least one variant")
    keys = [a.key for a in body.arms]
    if len(set(keys)) != len(keys):
        raise InvalidWeights("arm keys must be unique")
    known = SLOT_ARM_KEYS.get(body.slot)
    if known is not None and not set(keys) <= known:
        unknown = ", ".join(sorted(set(keys) - known))
        raise InvalidExperiment(
            f"the slot {body.slot} knows the arms {', '.join(sorted(known))}, not {unknown}"
        )
    if any(a.weight < 1 for a in body.arms):
        raise InvalidWeights("every arm's weight must be positive")
    total = sum(a.weight for a in body.arms)
    if total != WEIGHT_TOTAL:
        raise InvalidWeights(f"the weights sum to {total}, not {WEIGHT_TOTAL} basis points")
    if body.primary_metric in body.guardrail_metrics:
        raise InvalidExperiment("the primary metric cannot also be a guardrail")


async def _claim_range(
    session: AsyncSession, body: ExperimentWrite, *, exclude_id: int | None
) -> None:
    if await repo.lock_layer(session, body.layer_id) is None:
        raise LayerUnknown(f"no layer {body.layer_id}")
    wanted = (body.bucket_start, body.bucket_end)
    for _, other, start, end in await repo.taken_ranges(
        session, [body.layer_id], exclude_id=exclude_id
    ):
        if ranges_overlap(wanted, (start, end)):
            raise BucketsTaken(
                f"buckets [{wanted[0]}, {wanted[1]}) overlap experiment {other} [{start}, {end})"
            )


def _values(body: ExperimentWrite) -> dict[str, Any]:
    return {
        "name": body.name,
        "layer_id": body.layer_id,
        "slot": body.slot,
        "hypothesis": body.hypothesis,
        "primary_metric": body.primary_metric,
        "guardrail_metrics": list(body.guardrail_metrics),
        "bucket_start": body.bucket_start,
        "bucket_end": body.bucket_end,
        "traffic_percent": body.traffic_percent,
        "holdout_percent": body.holdout_percent,
        "targeting": body.targeting.model_dump(mode="json"),
        "allocation": body.allocation,
        "policy": body.policy,
    }


def _arm_rows(experiment_id: int, body: ExperimentWrite) -> list[dict[str, Any]]:
    return [
        {
            "experiment_id": experiment_id,
            "key": arm.key,
            "name": arm.name,
            "position": i,
            "weight": arm.weight,
            "visitors": 0,
            "conversions": 0,
            "orders": 0,
            "revenue": 0,
            "revenue_squares": 0.0,
        }
        for i, arm in enumerate(body.arms)
    ]


async def _log(  # noqa: PLR0917  (one positional per column of the log row)
    session: AsyncSession,
    experiment_id: int,
    action: str,
    from_status: str | None,
    to_status: str,
    staff_id: int | None,
    *,
    winner_arm_id: int | None = None,
    note: str | None = None,
) -> None:
    await repo.insert_decision(
        session,
        {
            "experiment_id": experiment_id,
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "winner_arm_id": winner_arm_id,
            "note": note or None,
            "staff_id": staff_id,
            "created_at": utcnow(),
        },
    )


async def create_experiment(
    session: AsyncSession, body: ExperimentWrite, *, staff_id: int | None
) -> ExperimentView:
    """A draft; its bucket range is taken at once (drafts hold their range)."""
    _validate(body)
    await _claim_range(session, body, exclude_id=None)
    now = utcnow()
    experiment_id = await repo.insert_experiment(
        session,
        {
            **_values(body),
            "salt": secrets.token_hex(8),
            "status": "draft",
            "created_at": now,
            "updated_at": now,
        },
    )
    await repo.insert_arms(session, _arm_rows(experiment_id, body))
    await _log(session, experiment_id, "create", None, "draft", staff_id)
    return view(*await load(session, experiment_id))


async def edit_experiment(
    session: AsyncSession, experiment_id: int, body: ExperimentWrite, *, staff_id: int | None
) -> ExperimentView:
    """Only a draft is edited whole (its arms are replaced); a running test changes only its
    ramp (``set_traffic``), so exposures already logged keep their meaning."""
    experiment, _ = await load(session, experiment_id)
    if experiment.status != "draft":
        raise InvalidTransition(f"only a draft can be edited; this one is {experiment.status}")
    _validate(body)
    await _claim_range(session, body, exclude_id=experiment_id)
    if not await repo.update_experiment(
        session, experiment_id, {**_values(body), "updated_at": utcnow()}, from_statuses=("draft",)
    ):
        raise InvalidTransition("the experiment is no longer a draft")
    await repo.delete_arms(session, experiment_id)
    await repo.insert_arms(session, _arm_rows(experiment_id, body))
    await _log(session, experiment_id, "edit", "draft", "draft", staff_id)
    return view(*await load(session, experiment_id))


async def set_traffic(
    session: AsyncSession, experiment_id: int, traffic_percent: int, *, staff_id: int | None
) -> ExperimentView:
    experiment, _ = await load(session, experiment_id)
    if not 1 <= traffic_percent <= 100:
        raise InvalidExperiment("traffic_percent must be 1 to 100")
    active = ("draft", "running", "paused")
    old_traffic, current = experiment.traffic_percent, experiment.status
    if experiment.status not in active or not await repo.update_experiment(
        session,
        experiment_id,
        {"traffic_percent": traffic_percent, "updated_at": utcnow()},
        from_statuses=active,
    ):
        raise InvalidTransition(f"a {experiment.status} experiment cannot be ramped")
    await _log(
        session,
        experiment_id,
        "ramp",
        current,
        current,
        staff_id,
        note=f"traffic {old_traffic}% → {traffic_percent}%",
    )
    await repo.bump_version(session, utcnow())
    return view(*await load(session, experiment_id))


async def change_status(
    session: AsyncSession,
    experiment_id: int,
    action: str,
    *,
    staff_id: int | None,
    note: str = "",
    stop: StopBody | None = None,
) -> ExperimentView:
    """start (draft/paused → running), pause (running → paused), stop (running/paused →
    stopped, with the decision: the winning arm, or none, and a note)."""
    experiment, arms = await load(session, experiment_id)
    allowed = TRANSITIONS[action]
    if experiment.status not in allowed:
        raise InvalidTransition(f"cannot {action} a {experiment.status} experiment")
    now = utcnow()
    values: dict[str, Any] = {"status": TARGET[action], "updated_at": now}
    winner_id = None
    # Read before the update: the conditional UPDATE refreshes the loaded row in the session.
    first_start = action == "start" and experiment.started_at is None
    from_status, allocation, policy = experiment.status, experiment.allocation, experiment.policy
    if first_start:
        values["started_at"] = now
    if stop is not None:
        note = stop.note
        if stop.winner_arm_key is not None:
            winner = next((a for a in arms if a.key == stop.winner_arm_key), None)
            if winner is None:
                raise InvalidExperiment(f"no arm {stop.winner_arm_key!r} in this experiment")
            winner_id = winner.id
        values.update(winner_arm_id=winner_id, decision_note=note or None, stopped_at=now)
    if not await repo.update_experiment(session, experiment_id, values, from_statuses=allowed):
        raise InvalidTransition(f"cannot {action}: the experiment changed meanwhile")
    await _log(
        session,
        experiment_id,
        action,
        from_status,
        TARGET[action],
        staff_id,
        winner_arm_id=winner_id,
        note=note,
    )
    if first_start and allocation == "bandit":
        await repo.insert_allocation(
            session,
            {
                "experiment_id": experiment_id,
                "policy": policy,
                "weights": {str(a.id): a.weight for a in arms},
                "computed_at": now,
            },
        )
    await repo.bump_version(session, now)
    return view(*await load(session, experiment_id))


async def get_experiment(session: AsyncSession, experiment_id: int) -> ExperimentDetail:
    experiment, arms = await load(session, experiment_id)
    decisions = await repo.decisions_of(session, experiment_id)
    return ExperimentDetail(
        **view(experiment, arms).model_dump(),
        decisions=[
            DecisionView(
                id=d.id,
                action=d.action,
                from_status=d.from_status,
                to_status=d.to_status,
                winner_arm_id=d.winner_arm_id,
                note=d.note,
                staff_id=d.staff_id,
                created_at=d.created_at,
            )
            for d in decisions
        ],
    )


async def list_experiments(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[ExperimentView], str | None]:
    before = decode_id_cursor(cursor)
    rows = await repo.list_experiments(session, status=status, before_id=before, limit=limit + 1)
    page = rows[:limit]
    arms = await repo.arms_of(session, [e.id for e in page])
    views = [view(e, [a for a in arms if a.experiment_id == e.id]) for e in page]
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return views, next_cursor

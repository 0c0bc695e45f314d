"""Every query of risk: rules, lists, the decision log, the devices seen per account and the
shopper challenges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    RiskAnomalyModel,
    RiskAnomalySample,
    RiskChallenge,
    RiskDecision,
    RiskDevice,
    RiskListEntry,
    RiskRule,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- rules ----------------------------------------------------------------------------------


async def list_rules(session: AsyncSession, *, active_only: bool = False) -> list[RiskRule]:
    stmt = select(RiskRule).order_by(RiskRule.position, RiskRule.id)
    if active_only:
        stmt = stmt.where(RiskRule.is_active.is_(True))
    return list((await session.scalars(stmt)).all())


async def get_rule(session: AsyncSession, rule_id: int) -> RiskRule | None:
    return await session.get(RiskRule, rule_id)


async def next_rule_position(session: AsyncSession) -> int:
    top = await session.scalar(select(func.max(RiskRule.position)))
    return (top or 0) + 10


async def add_rule(session: AsyncSession, rule: RiskRule) -> RiskRule:
    session.add(rule)
    await session.flush()
    return rule


async def add_rules(session: AsyncSession, rules: Sequence[RiskRule]) -> None:
    session.add_all(rules)
    await session.flush()


async def delete_rule(session: AsyncSession, rule: RiskRule) -> None:
    await session.delete(rule)
    await session.flush()


# -- lists ----------------------------------------------------------------------------------


async def list_entries(session: AsyncSession) -> list[RiskListEntry]:
    stmt = select(RiskListEntry).order_by(RiskListEntry.kind, RiskListEntry.id)
    return list((await session.scalars(stmt)).all())


async def add_entry(
    session: AsyncSession, *, kind: str, network: str, note: str, now: datetime
) -> int | None:
    """The new entry's id, or ``None`` when the network is already on that list."""
    stmt = (
        _insert(session, RiskListEntry)
        .values(kind=kind, network=network, note=note, created_at=now)
        .on_conflict_do_nothing(index_elements=[RiskListEntry.kind, RiskListEntry.network])
        .returning(RiskListEntry.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_entry(session: AsyncSession, entry_id: int) -> RiskListEntry | None:
    return await session.get(RiskListEntry, entry_id)


async def delete_entry(session: AsyncSession, entry: RiskListEntry) -> None:
    await session.delete(entry)
    await session.flush()


# -- devices --------------------------------------------------------------------------------


async def note_device(session: AsyncSession, *, subject: str, device: str, now: datetime) -> bool:
    """Remember the account's device; ``True`` when it is new to an account already seen on
    another device (one atomic insert, so two concurrent first uses cannot both be new; an
    account's very first device is not "new")."""
    stmt = (
        _insert(session, RiskDevice)
        .values(subject=subject, device=device, first_seen_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=[RiskDevice.subject, RiskDevice.device])
        .returning(RiskDevice.id)
    )
    if (await session.execute(stmt)).scalar_one_or_none() is not None:
        others = await session.scalar(
            select(func.count()).select_from(RiskDevice).where(RiskDevice.subject == subject)
        )
        return (others or 0) > 1
    await session.execute(
        update(RiskDevice)
        .where(RiskDevice.subject == subject, RiskDevice.device == device)
        .values(last_seen_at=now)
    )
    return False


# -- decisions ------------------------------------------------------------------------------


async def add_decision(session: AsyncSession, decision: RiskDecision) -> RiskDecision:
    session.add(decision)
    await session.flush()
    return decision


async def get_decision(session: AsyncSession, decision_id: int) -> RiskDecision | None:
    return await session.get(RiskDecision, decision_id)


async def search_decisions(
    session: AsyncSession,
    *,
    action: str | None,
    outcome: str | None,
    subject: str | None,
    member_id: int | None,
    review_state: str | None,
    before_id: int | None,
    limit: int,
) -> list[RiskDecision]:
    stmt = select(RiskDecision).order_by(RiskDecision.id.desc()).limit(limit)
    if action is not None:
        stmt = stmt.where(RiskDecision.action == action)
    if outcome is not None:
        stmt = stmt.where(RiskDecision.outcome == outcome)
    if subject is not None:
        stmt = stmt.where(RiskDecision.subject == subject)
    if member_id is not None:
        stmt = stmt.where(RiskDecision.member_id == member_id)
    if review_state is not None:
        stmt = stmt.where(RiskDecision.review_state == review_state)
    if before_id is not None:
        stmt = stmt.where(RiskDecision.id < before_id)
    return list((await session.scalars(stmt)).all())


async def close_review(
    session: AsyncSession, decision_id: int, *, state: str, by: str, now: datetime
) -> bool:
    """Approve or reject a pending decision; ``False`` when it is not pending (a conditional
    update, so two reviewers cannot both close it)."""
    result = await session.execute(
        update(RiskDecision)
        .where(RiskDecision.id == decision_id, RiskDecision.review_state == "pending")
        .values(review_state=state, reviewed_by=by, reviewed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_all_rules(session: AsyncSession) -> None:
    await session.execute(delete(RiskRule))


# -- challenges -----------------------------------------------------------------------------


async def add_challenge(session: AsyncSession, challenge: RiskChallenge) -> None:
    session.add(challenge)
    await session.flush()


async def live_challenge(
    session: AsyncSession, *, token: str, member_id: int, now: datetime
) -> RiskChallenge | None:
    """The member's challenge with this token, unless it has expired."""
    return await session.scalar(
        select(RiskChallenge).where(
            RiskChallenge.token == token,
            RiskChallenge.member_id == member_id,
            RiskChallenge.expires_at > now,
        )
    )


async def set_challenge_code(
    session: AsyncSession, *, token: str, code_hash: str, code_expires_at: datetime
) -> None:
    """A fresh code (and a fresh count of attempts) for a challenge not passed yet."""
    await session.execute(
        update(RiskChallenge)
        .where(RiskChallenge.token == token, RiskChallenge.grant_hash.is_(None))
        .values(code_hash=code_hash, code_expires_at=code_expires_at, attempts=0)
        .execution_options(synchronize_session=False)
    )


async def set_challenge_passkey(
    session: AsyncSession, *, token: str, code_hash: str, code_expires_at: datetime
) -> None:
    """Fresh WebAuthn challenge bytes (``pk:``) for a challenge not passed yet; the attempts
    already counted stay."""
    await session.execute(
        update(RiskChallenge)
        .where(RiskChallenge.token == token, RiskChallenge.grant_hash.is_(None))
        .values(code_hash=code_hash, code_expires_at=code_expires_at)
        .execution_options(synchronize_session=False)
    )


async def count_challenge_attempt(
    session: AsyncSession, *, token: str, member_id: int, now: datetime, max_attempts: int
) -> tuple[str | None, datetime | None] | None:
    """Count one attempt on the member's open challenge (one conditional update, before the
    code is compared): its (code hash, code expiry), or ``None`` when it is unknown, expired,
    passed or out of attempts."""
    counted = (
        await session.execute(
            update(RiskChallenge)
            .where(
                RiskChallenge.token == token,
                RiskChallenge.member_id == member_id,
                RiskChallenge.expires_at > now,
                RiskChallenge.grant_hash.is_(None),
                RiskChallenge.attempts < max_attempts,
            )
            .values(attempts=RiskChallenge.attempts + 1)
            .returning(RiskChallenge.code_hash, RiskChallenge.code_expires_at)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if counted is None:
        return None
    return counted[0], counted[1]


async def grant_challenge(
    session: AsyncSession, *, token: str, grant_hash: str, grant_expires_at: datetime
) -> str | None:
    """Write the grant once: the challenge's action, or ``None`` when it was granted already."""
    result = await session.execute(
        update(RiskChallenge)
        .where(RiskChallenge.token == token, RiskChallenge.grant_hash.is_(None))
        .values(grant_hash=grant_hash, grant_expires_at=grant_expires_at)
        .returning(RiskChallenge.action)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def spend_grant(
    session: AsyncSession,
    *,
    grant_hash: str,
    action: str,
    subject: str,
    device: str,
    now: datetime,
) -> int | None:
    """Spend an unused, unexpired grant for this action, subject and device: the challenge's
    id, or ``None`` (only one of concurrent retries matches ``grant_used_at IS NULL``)."""
    result = await session.execute(
        update(RiskChallenge)
        .where(
            RiskChallenge.grant_hash == grant_hash,
            RiskChallenge.grant_used_at.is_(None),
            RiskChallenge.grant_expires_at > now,
            RiskChallenge.action == action,
            RiskChallenge.subject == subject,
            RiskChallenge.device == device,
        )
        .values(grant_used_at=now)
        .returning(RiskChallenge.id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


# -- the anomaly model ----------------------------------------------------------------------


async def add_samples(session: AsyncSession, rows: Sequence[tuple[list[float], datetime]]) -> None:
    """One INSERT for a batch of sampled feature vectors."""
    if rows:
        await session.execute(
            _insert(session, RiskAnomalySample),
            [{"features": features, "created_at": at} for features, at in rows],
        )


async def count_samples(session: AsyncSession, *, since: datetime) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(RiskAnomalySample)
        .where(RiskAnomalySample.created_at >= since)
    )
    return int(found or 0)


async def recent_samples(
    session: AsyncSession, *, since: datetime, limit: int
) -> list[list[float]]:
    """The newest ``limit`` samples since ``since``."""
    rows = await session.scalars(
        select(RiskAnomalySample.features)
        .where(RiskAnomalySample.created_at >= since)
        .order_by(RiskAnomalySample.id.desc())
        .limit(limit)
    )
    return [list(r) for r in rows]


async def delete_samples_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(RiskAnomalySample).where(RiskAnomalySample.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def latest_model_version(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(RiskAnomalyModel.version).order_by(RiskAnomalyModel.id.desc()).limit(1)
    )


async def latest_model(session: AsyncSession) -> RiskAnomalyModel | None:
    return await session.scalar(
        select(RiskAnomalyModel).order_by(RiskAnomalyModel.id.desc()).limit(1)
    )


async def add_model(session: AsyncSession, model: RiskAnomalyModel) -> RiskAnomalyModel:
    session.add(model)
    await session.flush()
    return model

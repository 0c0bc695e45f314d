"""The risk engine: signals, rules, outcomes and the decision log (docs/risk.md).

- :func:`assess` / :func:`guard` (``engine.py``, re-exported here) score an action from the
  velocity counters (one Redis round trip), the IP lists, the devices seen per account and the
  anomaly model, apply the first matching rule and write the decision log;
- the rest manages rules, lists and the review queue for the console.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow

from . import repository
from .engine import (
    Decision,
    RiskRequest,
    assess,
    forget_policy,
    guard,
    record_failure,
    start_policy_refresh,
    velocity_of,
)
from .errors import (
    DecisionNotFound,
    ListEntryExists,
    ListEntryNotFound,
    NetworkInvalid,
    ReviewClosed,
    RuleNotFound,
)
from .models import RiskDecision, RiskListEntry, RiskRule
from .rules import (
    DEFAULT_RULES,
    Outcome,
    parse_actions,
    parse_conditions,
)

# -- rules, lists, reviews (console) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleDraft:
    name: str
    actions: list[str]
    conditions: list[dict[str, object]]
    outcome: Outcome
    is_active: bool = True
    position: int | None = None


async def list_rules(session: AsyncSession) -> tuple[list[RiskRule], bool]:
    """The merchant's rules in order, and whether the built-in defaults are in effect (no rule
    saved yet)."""
    rows = await repository.list_rules(session)
    return rows, not rows


async def adopt_default_rules(session: AsyncSession, ctx: AppContext) -> list[RiskRule]:
    """Save the built-in rules as the merchant's own, to edit them (only while none exist)."""
    rows = await repository.list_rules(session)
    if rows:
        return rows
    now = utcnow()
    new = [
        RiskRule(
            name=rule.name,
            position=(i + 1) * 10,
            actions=list(rule.actions),
            conditions=[
                {"signal": c.signal, "op": c.op, "value": c.value} for c in rule.conditions
            ],
            outcome=rule.outcome,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        for i, rule in enumerate(DEFAULT_RULES)
    ]
    await repository.add_rules(session, new)
    forget_policy(session, ctx)
    return await repository.list_rules(session)


async def create_rule(session: AsyncSession, ctx: AppContext, draft: RuleDraft) -> RiskRule:
    """Validate (400 naming the path) before anything is written."""
    actions = parse_actions(draft.actions)
    parse_conditions(draft.conditions)
    now = utcnow()
    forget_policy(session, ctx)
    position = draft.position
    if position is None:
        position = await repository.next_rule_position(session)
    return await repository.add_rule(
        session,
        RiskRule(
            name=draft.name,
            position=position,
            actions=list(actions),
            conditions=[dict(c) for c in draft.conditions],
            outcome=draft.outcome,
            is_active=draft.is_active,
            created_at=now,
            updated_at=now,
        ),
    )


async def update_rule(
    session: AsyncSession, ctx: AppContext, rule_id: int, draft: RuleDraft
) -> RiskRule:
    actions = parse_actions(draft.actions)
    parse_conditions(draft.conditions)
    row = await repository.get_rule(session, rule_id)
    if row is None:
        raise RuleNotFound()
    row.name = draft.name
    row.actions = list(actions)
    row.conditions = [dict(c) for c in draft.conditions]
    row.outcome = draft.outcome
    row.is_active = draft.is_active
    if draft.position is not None:
        row.position = draft.position
    row.updated_at = utcnow()
    await session.flush()
    forget_policy(session, ctx)
    return row


async def delete_rule(session: AsyncSession, ctx: AppContext, rule_id: int) -> RiskRule:
    row = await repository.get_rule(session, rule_id)
    if row is None:
        raise RuleNotFound()
    await repository.delete_rule(session, row)
    forget_policy(session, ctx)
    return row


def normalise_network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError as exc:
        raise NetworkInvalid(
            f"{text!r} is not an IP address or CIDR network", path="network"
        ) from exc


async def list_entries(session: AsyncSession) -> list[RiskListEntry]:
    return await repository.list_entries(session)


async def add_entry(
    session: AsyncSession, ctx: AppContext, *, kind: str, network: str, note: str
) -> RiskListEntry:
    normal = normalise_network(network)
    forget_policy(session, ctx)
    entry_id = await repository.add_entry(
        session, kind=kind, network=normal, note=note, now=utcnow()
    )
    if entry_id is None:
        raise ListEntryExists(f"{normal} is already on the {kind} list")
    entry = await repository.get_entry(session, entry_id)
    if entry is None:  # pragma: no cover - inserted above in this transaction
        raise ListEntryNotFound()
    return entry


async def delete_entry(session: AsyncSession, ctx: AppContext, entry_id: int) -> RiskListEntry:
    entry = await repository.get_entry(session, entry_id)
    if entry is None:
        raise ListEntryNotFound()
    await repository.delete_entry(session, entry)
    forget_policy(session, ctx)
    return entry


async def search_decisions(
    session: AsyncSession,
    *,
    action: str | None = None,
    outcome: str | None = None,
    subject: str | None = None,
    member_id: int | None = None,
    review_state: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[RiskDecision]:
    return await repository.search_decisions(
        session,
        action=action,
        outcome=outcome,
        subject=subject,
        member_id=member_id,
        review_state=review_state,
        before_id=before_id,
        limit=limit,
    )


async def get_decision(session: AsyncSession, decision_id: int) -> RiskDecision:
    row = await repository.get_decision(session, decision_id)
    if row is None:
        raise DecisionNotFound()
    return row


async def close_review(
    session: AsyncSession, decision_id: int, *, approve: bool, by: str
) -> RiskDecision:
    await get_decision(session, decision_id)
    state = "approved" if approve else "rejected"
    if not await repository.close_review(session, decision_id, state=state, by=by, now=utcnow()):
        raise ReviewClosed()
    row = await get_decision(session, decision_id)
    await session.refresh(row)
    return row


__all__ = [
    "Decision",
    "RiskRequest",
    "assess",
    "guard",
    "record_failure",
    "start_policy_refresh",
    "velocity_of",
]

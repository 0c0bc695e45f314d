"""Console routes of risk (风控, ``risk:manage``): the rules editor, the IP allow/deny lists,
the decision log and the review queue. Every change is audited in its transaction."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import anomaly, repository, service
from .config import risk_settings
from .errors import NotEnoughSamples
from .models import RiskRule
from .rules import DEFAULT_RULES, SIGNALS
from .schemas import (
    AnomalyModelView,
    AnomalyStatus,
    RiskDecisionView,
    RiskListEntryCreate,
    RiskListEntryView,
    RiskReviewClose,
    RiskRuleList,
    RiskRuleView,
    RiskRuleWrite,
)

router = APIRouter(tags=["console-risk"])

RiskManager = Annotated[StaffIdentity, Depends(require_permission("risk:manage"))]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
ActionFilter = Annotated[str | None, Query(max_length=20)]


def _draft(body: RiskRuleWrite) -> service.RuleDraft:
    return service.RuleDraft(
        name=body.name,
        actions=list(body.actions),
        conditions=[c.model_dump() for c in body.conditions],
        outcome=body.outcome,
        is_active=body.is_active,
        position=body.position,
    )


def _rule_list(rows: list[RiskRule], defaults_in_effect: bool) -> RiskRuleList:
    return RiskRuleList(
        items=[RiskRuleView.of(r) for r in rows],
        defaults_in_effect=defaults_in_effect,
        defaults=[
            {
                "name": r.name,
                "actions": list(r.actions),
                "conditions": [
                    {"signal": c.signal, "op": c.op, "value": c.value} for c in r.conditions
                ],
                "outcome": r.outcome,
            }
            for r in DEFAULT_RULES
        ],
        signals={name: meaning for name, (_, meaning) in SIGNALS.items()},
    )


@router.get("/risk/rules")
async def list_rules(_: RiskManager, session: DbSession) -> RiskRuleList:
    """The rules in the order they are tried, the built-in defaults and the signals."""
    rows, defaults = await service.list_rules(session)
    return _rule_list(rows, defaults)


@router.post("/risk/rules/adopt-defaults")
async def adopt_defaults(
    staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> RiskRuleList:
    """Save the built-in rules as the shop's own, to edit them (nothing changes when rules
    already exist)."""
    rows = await service.adopt_default_rules(session, ctx)
    await record_audit(
        session, staff, "risk.rules_adopt", "risk_rule", {"count": len(rows)}, origin_of(request)
    )
    return _rule_list(rows, False)


@router.post("/risk/rules", status_code=status.HTTP_201_CREATED, responses=problem_responses(400))
async def create_rule(
    body: RiskRuleWrite, staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> RiskRuleView:
    """Add a rule (400 ``risk.rule_unknown_signal``, ``.rule_bad_operator``, ``.rule_bad_value``,
    ``.rule_unknown_action``, ``.rule_empty``, each with the ``path`` at fault)."""
    row = await service.create_rule(session, ctx, _draft(body))
    view = RiskRuleView.of(row)
    await record_audit(
        session,
        staff,
        "risk.rule_create",
        f"risk_rule:{row.id}",
        view.model_dump(mode="json"),
        origin_of(request),
    )
    return view


@router.put("/risk/rules/{rule_id}", responses=problem_responses(400, 404))
async def update_rule(
    rule_id: PathId,
    body: RiskRuleWrite,
    *,
    staff: RiskManager,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> RiskRuleView:
    """Replace a rule (the same 400 codes as creating one; 404 ``risk.rule_not_found``)."""
    row = await service.update_rule(session, ctx, rule_id, _draft(body))
    view = RiskRuleView.of(row)
    await record_audit(
        session,
        staff,
        "risk.rule_update",
        f"risk_rule:{row.id}",
        view.model_dump(mode="json"),
        origin_of(request),
    )
    return view


@router.delete(
    "/risk/rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_rule(
    rule_id: PathId, staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> None:
    """Delete a rule."""
    row = await service.delete_rule(session, ctx, rule_id)
    await record_audit(
        session,
        staff,
        "risk.rule_delete",
        f"risk_rule:{rule_id}",
        {"name": row.name},
        origin_of(request),
    )


@router.get("/risk/lists")
async def list_entries(_: RiskManager, session: DbSession) -> list[RiskListEntryView]:
    """The allow list and the deny list (IP addresses and CIDR networks)."""
    return [RiskListEntryView.of(e) for e in await service.list_entries(session)]


@router.post(
    "/risk/lists", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 409)
)
async def add_entry(
    body: RiskListEntryCreate, staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> RiskListEntryView:
    """Put a network on a list (400 ``risk.network_invalid``, 409 ``risk.list_entry_exists``)."""
    entry = await service.add_entry(
        session, ctx, kind=body.kind, network=body.network, note=body.note
    )
    view = RiskListEntryView.of(entry)
    await record_audit(
        session,
        staff,
        "risk.list_add",
        f"risk_list_entry:{entry.id}",
        view.model_dump(mode="json"),
        origin_of(request),
    )
    return view


@router.delete(
    "/risk/lists/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_entry(
    entry_id: PathId, staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> None:
    """Take a network off its list."""
    entry = await service.delete_entry(session, ctx, entry_id)
    await record_audit(
        session,
        staff,
        "risk.list_delete",
        f"risk_list_entry:{entry_id}",
        {"kind": entry.kind, "network": entry.network},
        origin_of(request),
    )


@router.get("/risk/decisions", responses=problem_responses(400))
async def search_decisions(  # noqa: PLR0917  (one query parameter per filter)
    _: RiskManager,
    session: DbSession,
    action: ActionFilter = None,
    outcome: Literal["allow", "challenge", "block", "review"] | None = None,
    subject: Annotated[str | None, Query(max_length=80)] = None,
    member_id: QueryId = None,
    review_state: Literal["pending", "approved", "rejected"] | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[RiskDecisionView]:
    """The decision log, newest first: each decision with its signals and the rule that fired.
    ``review_state=pending`` is the review queue."""
    rows = await service.search_decisions(
        session,
        action=action,
        outcome=outcome,
        subject=subject,
        member_id=member_id,
        review_state=review_state,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=[RiskDecisionView.of(r) for r in rows],
        next_cursor=encode_id_cursor(rows[-1].id) if more and rows else None,
    )


@router.get("/risk/decisions/{decision_id}", responses=problem_responses(404))
async def get_decision(decision_id: PathId, _: RiskManager, session: DbSession) -> RiskDecisionView:
    """One decision and its explanation."""
    return RiskDecisionView.of(await service.get_decision(session, decision_id))


@router.post("/risk/decisions/{decision_id}/review", responses=problem_responses(404, 409))
async def close_review(
    decision_id: PathId,
    body: RiskReviewClose,
    staff: RiskManager,
    request: Request,
    session: DbSession,
) -> RiskDecisionView:
    """Approve or reject a decision waiting for review (409 ``risk.review_closed`` when it is
    not pending)."""
    row = await service.close_review(session, decision_id, approve=body.approve, by=staff.username)
    await record_audit(
        session,
        staff,
        "risk.review",
        f"risk_decision:{decision_id}",
        {"approve": body.approve},
        origin_of(request),
    )
    return RiskDecisionView.of(row)


# -- the anomaly model ---------------------------------------------------------------------


async def _status(session: DbSession, ctx: Ctx) -> AnomalyStatus:
    latest = await repository.latest_model(session)
    since = utcnow() - timedelta(days=anomaly.SAMPLE_DAYS)
    return AnomalyStatus(
        model=None if latest is None else AnomalyModelView(**asdict(anomaly.info_of(latest))),
        samples=await repository.count_samples(session, since=since),
        min_samples=anomaly.MIN_SAMPLES,
        sample_rate=risk_settings(ctx).sample_rate,
    )


@router.get("/risk/anomaly")
async def anomaly_status(_: RiskManager, session: DbSession, ctx: Ctx) -> AnomalyStatus:
    """The anomaly model every process scores with, and the traffic sampled for the next fit
    (the worker refits daily)."""
    return await _status(session, ctx)


@router.post("/risk/anomaly/refit", responses=problem_responses(409))
async def refit_anomaly(
    staff: RiskManager, request: Request, session: DbSession, ctx: Ctx
) -> AnomalyStatus:
    """Fit a model on the sampled traffic now (a few seconds, in a thread); every process
    scores with it within 5 s. 409 ``risk.not_enough_samples`` (nothing written) before
    ``min_samples`` are stored."""
    try:
        fitted = await anomaly.refit(session, now=utcnow(), by=staff.username)
    except anomaly.NotEnoughSamples as exc:
        raise NotEnoughSamples(
            f"{exc.have} samples stored, {anomaly.MIN_SAMPLES} needed", have=exc.have
        ) from exc
    await record_audit(
        session,
        staff,
        "risk.anomaly_refit",
        f"risk_anomaly_model:{fitted.version}",
        {"samples": fitted.samples},
        origin_of(request),
    )
    return await _status(session, ctx)

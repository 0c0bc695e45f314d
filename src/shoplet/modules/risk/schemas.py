"""Schemas of risk: rules, list entries, decisions and reviews, as the console reads and writes
them. Signals, operators and actions are plain strings here and checked by the engine
(``rules.py``) so a wrong one is a 400 with a stable code and the path, not a bare 422."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shoplet.core.schemas import CleanText, RequestModel

from .models import RiskDecision, RiskListEntry, RiskRule

Short = Annotated[str, Field(min_length=1, max_length=40)]


class RiskConditionIn(RequestModel):
    signal: Short
    op: Short
    # Text too, so a value the merchant mistyped is answered by the rule check (400
    # ``risk.rule_bad_value`` with the path at fault), not by a bare schema error.
    value: bool | int | float | Short


class RiskRuleWrite(RequestModel):
    name: Annotated[CleanText, Field(min_length=1, max_length=60)]
    actions: Annotated[list[Short], Field(max_length=12, default_factory=list)]
    conditions: Annotated[list[RiskConditionIn], Field(max_length=20)]
    outcome: Literal["allow", "challenge", "block", "review"]
    is_active: bool = True
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class RiskRuleView(BaseModel):
    id: int
    name: str
    position: int
    actions: list[str]
    conditions: list[dict[str, Any]]
    outcome: str
    is_active: bool
    updated_at: datetime

    @classmethod
    def of(cls, row: RiskRule) -> RiskRuleView:
        return cls(
            id=row.id,
            name=row.name,
            position=row.position,
            actions=list(row.actions),
            conditions=list(row.conditions),
            outcome=row.outcome,
            is_active=row.is_active,
            updated_at=row.updated_at,
        )


class RiskRuleList(BaseModel):
    items: list[RiskRuleView]
    defaults_in_effect: bool
    """No rule saved yet: the built-in rules decide (``defaults`` lists them)."""
    defaults: list[dict[str, Any]]
    signals: dict[str, str]
    """Every signal a condition may read, with its meaning."""


class RiskListEntryCreate(RequestModel):
    kind: Literal["allow", "deny"]
    network: Annotated[str, Field(min_length=2, max_length=49)]
    note: Annotated[CleanText, Field(max_length=120)] = ""


class RiskListEntryView(BaseModel):
    id: int
    kind: str
    network: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: RiskListEntry) -> RiskListEntryView:
        return cls(
            id=row.id, kind=row.kind, network=row.network, note=row.note, created_at=row.created_at
        )


class RiskDecisionView(BaseModel):
    id: int
    action: str
    subject: str
    member_id: int | None
    staff_id: int | None
    ip: str
    device: str
    outcome: str
    score: int
    reasons: list[str]
    signals: dict[str, Any]
    review_state: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: RiskDecision) -> RiskDecisionView:
        return cls(
            id=row.id,
            action=row.action,
            subject=row.subject,
            member_id=row.member_id,
            staff_id=row.staff_id,
            ip=row.ip,
            device=row.device,
            outcome=row.outcome,
            score=row.score,
            reasons=list(row.reasons),
            signals=dict(row.signals),
            review_state=row.review_state,
            reviewed_by=row.reviewed_by,
            reviewed_at=row.reviewed_at,
            created_at=row.created_at,
        )


class RiskReviewClose(RequestModel):
    approve: bool


class ChallengeCodeSent(BaseModel):
    sent: Literal[True] = True
    expires_in: int
    phone: str = Field(description="the bound phone, masked (138****0000)")


class ChallengeVerify(RequestModel):
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$")]


class ChallengeGrant(BaseModel):
    grant: str = Field(description="send as X-Risk-Grant on the retry; single use")
    action: str
    expires_in: int


class ChallengePasskeyOptions(BaseModel):
    """Options for navigator.credentials.get: the member's passkeys, user verification required."""

    public_key: dict[str, Any]
    expires_in: int


class ChallengePasskeyVerify(RequestModel):
    # A PublicKeyCredential as JSON (toJSON()); py_webauthn checks its structure.
    credential: Annotated[dict[str, Any], Field(max_length=8)]


class AnomalyModelView(BaseModel):
    version: str
    samples: int = Field(description="feature vectors of ordinary traffic it was fitted on")
    fitted_by: str = Field(description="`schedule` (the worker's daily refit) or a staff username")
    fitted_at: datetime


class AnomalyStatus(BaseModel):
    model: AnomalyModelView | None = Field(description="the model every process scores with")
    samples: int = Field(description="samples stored for the next fit (the last 14 days)")
    min_samples: int = Field(description="samples a fit needs")
    sample_rate: float = Field(description="the share of allowed shopper actions sampled")

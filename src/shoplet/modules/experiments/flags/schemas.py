"""Request and response models of feature flags and gray releases (console and storefront).

Rule shapes are checked here (a malformed rule is a 422); what depends on the flag as a whole
(a rule's variant must exist, a percentage must lie in 0..100) is checked by the service, so
those refusals carry their own ``experiments.flag_*`` codes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import Id, RequestModel, ResponseModel

FlagKind = Literal["boolean", "string"]
FlagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]
VariantName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
VersionText = Annotated[str, StringConstraints(pattern=r"^\d{1,6}(\.\d{1,6}){0,3}$")]
Platform = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,32}$")]
Members = Annotated[list[Id], Field(min_length=1, max_length=10_000)]
ReleaseStatus = Literal["running", "completed", "rolled_back"]


class StaffRule(RequestModel):
    type: Literal["staff"]
    variant: VariantName


class AllowRule(RequestModel):
    type: Literal["allow"]
    member_ids: Members
    variant: VariantName


class DenyRule(RequestModel):
    """Listed members get the flag's off variant."""

    type: Literal["deny"]
    member_ids: Members


class PlatformRule(RequestModel):
    type: Literal["platform"]
    platforms: Annotated[list[Platform], Field(min_length=1, max_length=10)]
    variant: VariantName


class AppVersionRule(RequestModel):
    type: Literal["app_version"]
    min: VersionText | None = None
    max: VersionText | None = None
    variant: VariantName


class SegmentRule(RequestModel):
    type: Literal["segment"]
    segment_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    variant: VariantName


class PercentageRule(RequestModel):
    type: Literal["percentage"]
    percent: float
    variant: VariantName
    # Set by the service on the rule a gray release drives; ignored when sent.
    release: bool = False


FlagRule = Annotated[
    StaffRule | AllowRule | DenyRule | PlatformRule | AppVersionRule | SegmentRule | PercentageRule,
    Field(discriminator="type"),
]
Variants = Annotated[dict[VariantName, bool | str], Field(min_length=1, max_length=20)]


class FlagUpdate(RequestModel):
    """A flag as the merchant edits it. Boolean flags have variants ``on`` (true) and ``off``
    (false); string flags name their variants. Rules are tried in order."""

    description: Annotated[str, StringConstraints(max_length=500)] = ""
    variants: Variants
    default_variant: VariantName
    off_variant: VariantName
    rules: list[FlagRule] = Field(default_factory=list, max_length=50)


class FlagCreate(FlagUpdate):
    key: FlagKey
    kind: FlagKind
    is_enabled: bool = False


class FlagToggle(RequestModel):
    """The kill switch: ``false`` serves the off variant to everyone at once."""

    is_enabled: bool
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class Flag(ResponseModel):
    id: int
    key: str
    description: str
    kind: FlagKind
    variants: dict[str, bool | str]
    default_variant: str
    off_variant: str
    is_enabled: bool
    rules: list[dict[str, Any]]
    version: int
    created_at: datetime
    updated_at: datetime


class FlagChange(ResponseModel):
    id: int
    flag_id: int
    action: str
    actor: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    reason: str | None
    created_at: datetime


class Guardrails(RequestModel):
    """Limits over the last check's window; a missing limit is not checked."""

    error_rate: float | None = None
    payment_failure_rate: float | None = None
    latency_p99_ms: float | None = None


class ReleaseStart(RequestModel):
    variant: VariantName
    steps: list[float] = Field(
        default_factory=lambda: [1.0, 5.0, 25.0, 100.0], min_length=1, max_length=10
    )
    hold_seconds: Annotated[int, Field(ge=0, le=7 * 86400)] = 3600
    guardrails: Guardrails


class Release(ResponseModel):
    id: int
    flag_id: int
    variant: str
    steps: list[float]
    step_index: int
    percent: float
    hold_seconds: int
    guardrails: dict[str, float | None]
    status: ReleaseStatus
    reason: str | None
    created_by: str
    step_started_at: datetime
    created_at: datetime
    updated_at: datetime


class BootstrapFlag(ResponseModel):
    value: bool | str
    variant: str


class Bootstrap(ResponseModel):
    """Every flag evaluated for the caller, read once per session by the storefront."""

    version: int
    flags: dict[str, BootstrapFlag]

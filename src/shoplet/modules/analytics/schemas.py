"""Schemas of the analytics console routes (money in fen; RFM classes by stable code, named in
Chinese by the console's glossary)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from shoplet.core.schemas import Id, RequestModel, ResponseModel

RfmClass = Literal[
    "important_value",
    "important_develop",
    "important_keep",
    "important_retain",
    "general_value",
    "general_develop",
    "general_keep",
    "general_retain",
]
RunStatus = Literal["queued", "running", "done", "failed"]


class RfmRun(ResponseModel):
    id: int
    status: RunStatus
    trigger: str
    progress: int
    total: int
    observation_end: date | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RfmClassFigure(ResponseModel):
    code: RfmClass
    customers: int
    share_permille: int
    spend: int
    clv: int


class RfmPoint(ResponseModel):
    days_since_last: int
    orders: int
    spend: int
    rfm_class: RfmClass


class RfmSummary(ResponseModel):
    """Class tiles, the scatter's points (the 1000 biggest spenders) and the last runs."""

    customers: int
    spend: int
    classes: list[RfmClassFigure]
    points: list[RfmPoint]
    last_run: RfmRun | None
    last_done_run: RfmRun | None


class RfmCustomer(ResponseModel):
    """A customer's RFM in both conventions (days), CLV over 12 months and P(alive)."""

    id: int
    customer_key: str
    member_id: int | None
    external_customer_id: str | None
    frequency: int
    recency: int
    t_days: int
    monetary_value: int
    days_since_last: int
    orders: int
    spend: int
    r_score: int
    f_score: int
    m_score: int
    rfm_class: RfmClass
    p_alive: float | None
    expected_purchases: float | None
    clv: int | None
    last_purchase_on: date
    computed_at: datetime


class HistoryImport(ResponseModel):
    """What an import added, and the history held after it."""

    rows: int
    customers: int
    total_rows: int
    total_customers: int


# -- events (docs/analytics.md, "Events") -------------------------------------------------------

# What a client may send. Server-side events (``order_paid``, ``order_shipped``,
# ``order_refunded``) come from the outbox only: a client naming one is refused.
CLIENT_EVENTS = (
    "page_view",
    "exposure",
    "click",
    "add_to_cart",
    "checkout_step",
    "pay_click",
    "share",
    "search",
    "identify",
)
SERVER_EVENTS = ("order_paid", "order_shipped", "order_refunded")
ALL_EVENTS = CLIENT_EVENTS + SERVER_EVENTS
ClientEventName = Literal[
    "page_view",
    "exposure",
    "click",
    "add_to_cart",
    "checkout_step",
    "pay_click",
    "share",
    "search",
    "identify",
]
EventName = Literal[
    "page_view",
    "exposure",
    "click",
    "add_to_cart",
    "checkout_step",
    "pay_click",
    "share",
    "search",
    "identify",
    "order_paid",
    "order_shipped",
    "order_refunded",
]
Platform = Literal["h5", "mp-weixin", "console", "other"]
MAX_BATCH_EVENTS = 50
MAX_BATCH_BYTES = 64 * 1024
MAX_PROPERTIES_BYTES = 1024
MAX_PROPERTIES = 20
# Milliseconds since the epoch: 2020-01-01 .. 2100-01-01 (anything else is not a clock).
EpochMs = Annotated[int, Field(ge=1_577_836_800_000, le=4_102_444_800_000)]
ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
PropertyKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PropertyValue = Annotated[str, StringConstraints(max_length=200)] | int | float | bool | None


class TrackedEvent(RequestModel):
    """One event as the SDK sends it. The member is never sent: the server takes it from the
    access token (a ``member_id`` field is refused as unknown)."""

    event: ClientEventName
    ts: EpochMs = Field(description="When it happened, on the client's clock (ms since epoch)")
    event_id: ClientId | None = Field(
        default=None, description="The client's id for this event: a retried batch counts once"
    )
    session_id: ClientId | None = None
    page: Annotated[str, StringConstraints(max_length=200)] | None = None
    referrer: Annotated[str, StringConstraints(max_length=300)] | None = None
    scene: Annotated[int, Field(ge=1000, le=9999)] | None = Field(
        default=None, description="WeChat mini-program scene value (1007: a shared card, …)"
    )
    share_ticket: Annotated[str, StringConstraints(max_length=200)] | None = None
    share_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    properties: dict[PropertyKey, PropertyValue] = Field(
        default_factory=dict,
        max_length=MAX_PROPERTIES,
        description=f"At most {MAX_PROPERTIES} keys and {MAX_PROPERTIES_BYTES} bytes as JSON",
    )

    @field_validator("properties")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_PROPERTIES_BYTES:
            raise ValueError(
                f"properties take {size} bytes as JSON, at most {MAX_PROPERTIES_BYTES}"
            )
        return value


class EventBatch(RequestModel):
    """What ``POST /events`` takes: one device's events (``anonymous_id``, ``platform`` and
    ``app_version`` hold for all of them) and when the batch left the client, to correct its
    clock."""

    anonymous_id: ClientId
    platform: Platform
    app_version: Annotated[str, StringConstraints(max_length=32)] | None = None
    sent_at: EpochMs = Field(description="When the client sent the batch (ms, its clock)")
    events: list[TrackedEvent] = Field(min_length=1)


class EventsAccepted(ResponseModel):
    accepted: int
    dropped: int = Field(description="Events not recorded: sent by a bot, or sampled out")


class PropertyFilter(RequestModel):
    key: PropertyKey
    value: Annotated[str, StringConstraints(max_length=200)] | int | bool


class FunnelStep(RequestModel):
    event: EventName
    filters: list[PropertyFilter] = Field(default_factory=list, max_length=5)


FunnelBreakdown = Literal["platform", "channel", "region", "segment", "experiment"]


class FunnelQuery(RequestModel):
    steps: list[FunnelStep] = Field(min_length=2, max_length=10)
    window_seconds: Annotated[int, Field(ge=60, le=90 * 86400)] = 86400
    date_from: date
    date_to: date
    breakdown: FunnelBreakdown | None = Field(
        default=None,
        description=(
            "platform, channel (the step-1 event's); region (province of the member's default "
            "address), segment (in or out of segment_id), experiment (the arm of experiment_id "
            "each person was exposed to)"
        ),
    )
    segment_id: Id | None = Field(
        default=None, description="The saved segment of breakdown=segment (only then)"
    )
    experiment_id: Id | None = Field(
        default=None, description="The experiment of breakdown=experiment (only then)"
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_day(cls, value: Any) -> Any:
        # Strict models take no string for a date; a JSON body only has strings.
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError as exc:
                raise ValueError("a day as YYYY-MM-DD") from exc
        return value


class FunnelStepResult(ResponseModel):
    event: EventName
    count: int
    conversion: float = Field(description="Share of the first step's persons (0..1)")
    step_conversion: float = Field(description="Share of the previous step's persons (0..1)")
    drop_off: int = Field(description="Persons of the previous step who did not reach this one")


class FunnelGroup(ResponseModel):
    value: str = Field(
        description=(
            "platform / channel as recorded; region: GB/T 2260 province code or unknown; "
            "segment: in, out or anonymous; experiment: the arm's key or (none)"
        )
    )
    label: str | None = Field(
        default=None,
        description="What the console shows for region, segment and experiment values",
    )
    steps: list[FunnelStepResult]


class FunnelResult(ResponseModel):
    steps: list[FunnelStepResult]
    breakdown: FunnelBreakdown | None = None
    groups: list[FunnelGroup] = Field(default_factory=list)


class RetentionCohort(ResponseModel):
    week: date = Field(description="The cohort's first week (Monday, Asia/Shanghai)")
    size: int
    retained: list[int] = Field(description="Persons active in week 0, 1, … after the first")


class RetentionResult(ResponseModel):
    weeks: int
    cohorts: list[RetentionCohort]


class EventTrendPoint(ResponseModel):
    day: date = Field(description="The shop day (Asia/Shanghai)")
    event: str
    count: int = Field(description="Events that day")
    persons: int = Field(description="Distinct persons that day (identities merged)")


class EventTrend(ResponseModel):
    """事件分析: per event, its total over the range and its points per shop day."""

    date_from: date
    date_to: date
    points: list[EventTrendPoint]


class EventRow(ResponseModel):
    """One tracked event as stored (``ts`` on the server's clock, skew corrected)."""

    event_id: str
    event: str
    ts: datetime
    person: str = Field(description="m:<member id>, else a:<device id> (identities merged)")
    member_id: int | None
    anonymous_id: str | None
    platform: str | None
    page: str | None
    scene: int | None
    source: str | None = Field(description="client or server (order events from the outbox)")
    properties: dict[str, Any]


class EventDeletion(ResponseModel):
    member_id: int
    removed: int
    replays_removed: int = 0

"""Request and response models of metric alerts. Shapes are checked here (a malformed body is a
422); what depends on meaning (a known metric, a sound rule, existing channels, a future
silence) is checked by the service, with its own ``insights.alert_*`` code (400)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

Grain = Literal["hour", "day"]
Direction = Literal["up", "down", "both"]
ChannelKind = Literal["wecom", "dingtalk", "email", "webhook"]
IncidentStatus = Literal["open", "acknowledged", "resolved"]
Name = Annotated[CleanText, StringConstraints(min_length=1, max_length=60)]
MetricCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(max_length=1000)]
Bound = Annotated[float, Field(ge=-1e15, le=1e15)]
# Strict bodies refuse strings for datetimes; an ISO 8601 string with an offset is accepted.
When = Annotated[AwareDatetime, Field(strict=False)]


class AlertRule(RequestModel):
    """``threshold``: ``above`` and/or ``below``; ``change``: ``percent`` against the same bucket
    last week, in ``direction``; ``anomaly``: robust ``z`` over ``weeks`` weeks of the same slot,
    in ``direction``, ignoring moves under ``min_change_percent``; ``forecast``: outside the
    ``level`` % prediction interval of a forecast fitted on ``weeks`` weeks, in ``direction``,
    ignoring moves under ``min_change_percent``."""

    kind: Literal["threshold", "change", "anomaly", "forecast"]
    above: Bound | None = None
    below: Bound | None = None
    percent: Bound | None = None
    direction: Direction = "both"
    z: Bound | None = None
    weeks: int | None = Field(default=None, ge=-1000, le=1000)
    min_change_percent: Bound | None = None
    level: Bound | None = None


class AlertMonitorWrite(RequestModel):
    name: Name
    metric: MetricCode
    grain: Grain
    rule: AlertRule
    resolve_after: int = Field(default=3, ge=-1000, le=1000)
    channel_ids: list[Id] = Field(default_factory=list, max_length=10)
    is_active: bool = True


class AlertSilence(RequestModel):
    """Mute the monitor until ``until`` (no new incident, nothing sent); null lifts it."""

    until: When | None


class AlertMonitor(ResponseModel):
    id: int
    name: str
    metric: str
    metric_name: str
    unit: str
    grain: Grain
    rule: dict[str, object]
    resolve_after: int
    channel_ids: list[int]
    silenced_until: datetime | None
    is_active: bool
    last_bucket_at: datetime | None
    open_incident_id: int | None = None
    created_at: datetime
    updated_at: datetime


class AlertMetric(ResponseModel):
    code: str
    name: str
    unit: str
    description: str
    is_gauge: bool


class AlertCheck(ResponseModel):
    bucket_at: datetime
    value: float | None
    expected: float | None
    score: float | None
    is_firing: bool
    is_muted: bool
    reason: str


class AlertChannelWrite(RequestModel):
    """``wecom``: ``key`` (the robot webhook's key); ``dingtalk``: ``access_token`` and
    ``secret`` (加签 SEC…); ``email``: ``recipients``; ``webhook``: ``url`` and ``secret``.
    On edit, leaving the secrets out keeps the stored ones."""

    name: Name
    kind: ChannelKind
    key: Secret | None = None
    access_token: Secret | None = None
    secret: Secret | None = None
    recipients: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )
    url: Annotated[str, StringConstraints(max_length=1000)] | None = None
    is_active: bool = True


class AlertChannel(ResponseModel):
    id: int
    name: str
    kind: ChannelKind
    target: str
    secret_hint: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class AlertTestResult(ResponseModel):
    is_success: bool
    code: str
    message: str


class AlertIncident(ResponseModel):
    id: int
    monitor_id: int
    monitor_name: str
    metric: str
    metric_name: str
    unit: str
    grain: Grain
    status: IncidentStatus
    bucket_at: datetime
    value: float | None
    expected: float | None
    score: float | None
    reason: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class AlertTimelineEntry(ResponseModel):
    id: int
    kind: str
    actor: str
    note: str
    created_at: datetime


class AlertAttempt(ResponseModel):
    number: int
    is_success: bool
    code: str
    message: str
    attempted_at: datetime


class AlertNotification(ResponseModel):
    id: int
    channel_id: int
    channel_name: str
    channel_kind: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    history: list[AlertAttempt]


class AlertIncidentDetail(AlertIncident):
    timeline: list[AlertTimelineEntry]
    notifications: list[AlertNotification]


class AlertComment(RequestModel):
    note: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class AlertIncidentAction(RequestModel):
    note: Note = ""


class AlertInbox(ResponseModel):
    count: int
    latest_id: int | None


class AlertInboxRead(RequestModel):
    """Everything up to ``up_to_id`` (default: the newest) is read."""

    up_to_id: Id | None = None

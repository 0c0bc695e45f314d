"""Typed errors of metric alerts (``insights.alert_*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class MetricUnknown(BadRequest):
    code = "insights.alert_metric_unknown"
    title = "No such metric"


class RuleInvalid(BadRequest):
    code = "insights.alert_rule_invalid"
    title = "The rule is not valid"


class ChannelUnknown(BadRequest):
    code = "insights.alert_channel_unknown"
    title = "A channel does not exist or is off"


class SilenceInvalid(BadRequest):
    code = "insights.alert_silence_invalid"
    title = "The silence must end in the future, within 30 days"


class ChannelInvalid(BadRequest):
    code = "insights.alert_channel_invalid"
    title = "The channel's settings are not valid"


class MonitorNotFound(NotFound):
    code = "insights.alert_monitor_not_found"
    title = "No such monitor"


class ChannelNotFound(NotFound):
    code = "insights.alert_channel_not_found"
    title = "No such channel"


class IncidentNotFound(NotFound):
    code = "insights.alert_incident_not_found"
    title = "No such incident"


class IncidentResolved(Conflict):
    code = "insights.alert_incident_resolved"
    title = "The incident is resolved"

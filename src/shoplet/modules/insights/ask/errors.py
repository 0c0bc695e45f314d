"""Typed errors of 智能问数 (``insights.ask_*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Forbidden


class QuestionEmpty(BadRequest):
    code = "insights.ask_empty"
    title = "The question is empty"


class QuestionTooLong(BadRequest):
    code = "insights.ask_too_long"
    title = "The question is too long"


class MetricForbidden(Forbidden):
    code = "insights.ask_metric_forbidden"
    title = "Your role may not see this metric"

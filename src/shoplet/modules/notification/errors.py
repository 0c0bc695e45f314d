"""Typed errors of the notification module (``notification.*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class FieldTypeUnknown(BadRequest):
    code = "notification.field_type_unknown"
    title = "A template key must name a WeChat type (thing1, amount2, character_string3…)"


class SourceUnknown(BadRequest):
    code = "notification.source_unknown"
    title = "A template field maps to a value this event does not carry"


class TemplateUnknown(BadRequest):
    code = "notification.template_unknown"
    title = "No enabled subscribe-message template has this id"


class SubjectUnknown(BadRequest):
    code = "notification.subject_unknown"
    title = "The SKU or product a reminder is for does not exist or is not on sale"

"""Typed errors of achievements (``achievements.*``): status, stable code, title. Every one is
raised before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class AchievementNotFound(NotFound):
    code = "achievements.not_found"
    title = "Achievement not found"


class NotUnlocked(NotFound):
    code = "achievements.not_unlocked"
    title = "This achievement is not unlocked yet"


class CodeTaken(Conflict):
    code = "achievements.code_taken"
    title = "Another achievement has this code"


class InvalidDefinition(BadRequest):
    code = "achievements.invalid_definition"
    title = "Invalid achievement"


class BackfillNotFound(NotFound):
    code = "achievements.backfill_not_found"
    title = "Backfill job not found"


class BackfillRunning(Conflict):
    code = "achievements.backfill_running"
    title = "A backfill of this achievement is already running"


class UnknownFigure(NotFound):
    code = "achievements.unknown_figure"
    title = "No such mascot figure"


__all__ = [
    "AchievementNotFound",
    "BackfillNotFound",
    "BackfillRunning",
    "CodeTaken",
    "InvalidDefinition",
    "NotUnlocked",
    "UnknownFigure",
]

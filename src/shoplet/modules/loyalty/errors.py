"""Typed errors of loyalty (``loyalty.*``): status, stable code, title. Every one is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class ProgrammeDisabled(Conflict):
    code = "loyalty.disabled"
    title = "The points programme is switched off"


class InsufficientPoints(Conflict):
    code = "loyalty.insufficient_points"
    title = "Not enough points"


class PointsOverCap(Conflict):
    code = "loyalty.points_over_cap"
    title = "More points than this order may use"


class InvalidPoints(BadRequest):
    code = "loyalty.invalid_points"
    title = "This number of points cannot be used"


class AlreadySignedIn(Conflict):
    code = "loyalty.already_signed_in"
    title = "Already signed in today"


class InvalidSettings(BadRequest):
    code = "loyalty.invalid_settings"
    title = "Invalid points settings"


class InvalidMonth(BadRequest):
    code = "loyalty.invalid_month"
    title = "The month must be YYYY-MM"


class MemberNotFound(NotFound):
    code = "loyalty.member_not_found"
    title = "Member not found"


__all__ = [
    "AlreadySignedIn",
    "InsufficientPoints",
    "InvalidMonth",
    "InvalidPoints",
    "InvalidSettings",
    "MemberNotFound",
    "PointsOverCap",
    "ProgrammeDisabled",
]

"""Typed errors of membership (``membership.*``). Every one is raised before anything is
written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class InvalidTiers(BadRequest):
    code = "membership.invalid_tiers"
    title = "Invalid tier table"


class InvalidSettings(BadRequest):
    code = "membership.invalid_settings"
    title = "Invalid membership settings"


class InvalidGrowth(BadRequest):
    code = "membership.invalid_growth"
    title = "Invalid growth change"


class TierInUse(Conflict):
    code = "membership.tier_in_use"
    title = "Members still hold a tier the new table removes"


class GrowthWouldGoNegative(Conflict):
    code = "membership.growth_negative"
    title = "The adjustment would take the member's growth below zero"


class MemberNotFound(NotFound):
    code = "membership.member_not_found"
    title = "Member not found"


__all__ = [
    "GrowthWouldGoNegative",
    "InvalidGrowth",
    "InvalidSettings",
    "InvalidTiers",
    "MemberNotFound",
    "TierInUse",
]

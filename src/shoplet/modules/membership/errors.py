"""Typed errors of membership (``membership.*``). Every one is raised before anything is
written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class InvalidTiers(BadRequest):
    code = "membership.invalid_tiers"
    title = "Invalid tier table"


class UnknownTier(BadRequest):
    """A tier filter naming a level the tier table does not have."""

    code = "membership.unknown_tier"
    title = "No such tier"


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


class InvalidPlan(BadRequest):
    code = "membership.invalid_plan"
    title = "Invalid membership plan"


class PlanNotFound(NotFound):
    code = "membership.plan_not_found"
    title = "Membership plan not found"


class PlanNotOnSale(Conflict):
    code = "membership.plan_not_on_sale"
    title = "The membership plan is not on sale"


class PlanPriceChanged(Conflict):
    """The price the shopper saw is not the plan's price (changed meanwhile, or tampered)."""

    code = "membership.plan_price_changed"
    title = "The plan's price is not the one shown"


class PlanCodeTaken(Conflict):
    code = "membership.plan_code_taken"
    title = "Another plan has this code"


__all__ = [
    "GrowthWouldGoNegative",
    "InvalidGrowth",
    "InvalidPlan",
    "InvalidSettings",
    "InvalidTiers",
    "MemberNotFound",
    "PlanCodeTaken",
    "PlanNotFound",
    "PlanNotOnSale",
    "PlanPriceChanged",
    "TierInUse",
]


class InvalidExclusions(BadRequest):
    """An exclusion list naming a product or category that does not exist, or too many."""

    code = "membership.invalid_exclusions"
    title = "Invalid member-price exclusions"

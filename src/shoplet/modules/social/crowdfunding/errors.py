"""Typed errors of crowdfunding (``social.crowdfunding_*``): status, stable code, title. Each is
raised before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class CrowdfundingNotFound(NotFound):
    code = "social.crowdfunding_not_found"
    title = "Crowdfunding campaign not found"


class InvalidCrowdfunding(BadRequest):
    code = "social.invalid_crowdfunding"
    title = "Invalid crowdfunding campaign"


class CrowdfundingNotRunning(Conflict):
    code = "social.crowdfunding_not_running"
    title = "This crowdfunding campaign is not taking pledges now"


class CrowdfundingSoldOut(Conflict):
    code = "social.crowdfunding_sold_out"
    title = "Not enough units are left in this crowdfunding campaign"


class PledgeLimitReached(Conflict):
    code = "social.pledge_limit_reached"
    title = "You have reached this campaign's limit per shopper"

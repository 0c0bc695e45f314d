"""Flash-sale errors: HTTP status and a stable ``flashsale.*`` code each."""

from __future__ import annotations

from typing import Any

from shoplet.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)


class CampaignNotFound(NotFound):
    code = "flashsale.campaign_not_found"
    title = "No such flash sale"


class SkuNotInCampaign(NotFound):
    code = "flashsale.sku_not_in_campaign"
    title = "This SKU is not part of the flash sale"


class TicketNotFound(NotFound):
    code = "flashsale.ticket_not_found"
    title = "No such ticket"


class InvalidCampaign(BadRequest):
    code = "flashsale.invalid_campaign"
    title = "Invalid flash sale"


class InvalidQuantity(BadRequest):
    code = "flashsale.invalid_quantity"
    title = "Invalid quantity"


class SkuUnavailable(Conflict):
    code = "flashsale.sku_unavailable"
    title = "This SKU cannot be sold"


class CampaignLocked(Conflict):
    code = "flashsale.campaign_locked"
    title = "The flash sale can no longer be changed"


class NotStarted(Conflict):
    code = "flashsale.not_started"
    title = "The flash sale has not started"


class Ended(Conflict):
    code = "flashsale.ended"
    title = "The flash sale has ended"


class SoldOut(Conflict):
    code = "flashsale.sold_out"
    title = "Sold out"


class LimitReached(Conflict):
    code = "flashsale.limit_reached"
    title = "You have bought as many as allowed"


class TooEarly(Conflict):
    code = "flashsale.too_early"
    title = "Buy tokens are not issued yet"


class AddressRequired(Conflict):
    code = "flashsale.address_required"
    title = "Add a shipping address before the sale"


class InvalidToken(Forbidden):
    code = "flashsale.invalid_token"
    title = "The buy token is missing, invalid or expired"


class ChallengeRequired(Forbidden):
    code = "flashsale.challenge_required"
    title = "Answer the challenge to get a buy token"


class ChallengeFailed(Forbidden):
    code = "flashsale.challenge_failed"
    title = "The challenge answer is wrong or expired"


class BuyRateLimited(RateLimited):
    code = "flashsale.rate_limited"
    title = "Too many attempts"


class Busy(ServiceUnavailable):
    code = "flashsale.busy"
    title = "Too busy right now: try again in a second"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = "1"

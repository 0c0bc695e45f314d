"""Typed errors of bargains (``social.bargain_*``): status, stable code, title. Each is raised
before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, Forbidden, NotFound


class BargainCampaignNotFound(NotFound):
    code = "social.bargain_campaign_not_found"
    title = "Bargain campaign not found"


class InvalidBargainCampaign(BadRequest):
    code = "social.invalid_bargain_campaign"
    title = "Invalid bargain campaign"


class BargainCampaignNotRunning(Conflict):
    code = "social.bargain_campaign_not_running"
    title = "This bargain campaign is not running now"


class BargainsExhausted(Conflict):
    code = "social.bargains_exhausted"
    title = "No more bargains can be started in this campaign"


class BargainLimitReached(Conflict):
    code = "social.bargain_limit_reached"
    title = "You have reached this bargain campaign's limit"


class BargainNotFound(NotFound):
    code = "social.bargain_not_found"
    title = "Bargain not found"


class BargainNotOpen(Conflict):
    code = "social.bargain_not_open"
    title = "This bargain is over (ordered or expired)"


class BargainAtFloor(Conflict):
    code = "social.bargain_at_floor"
    title = "This bargain has reached its lowest price"


class OwnBargain(Conflict):
    code = "social.bargain_own"
    title = "You cannot cut your own bargain"


class AlreadyCut(Conflict):
    code = "social.bargain_already_cut"
    title = "You have cut this bargain already"


class NotYourBargain(Forbidden):
    code = "social.bargain_not_yours"
    title = "Only the shopper who started this bargain can buy it"


class BargainBusy(Conflict):
    code = "social.bargain_busy"
    title = "Too many friends are cutting at once, please try again"


class CutQuotaReached(Conflict):
    code = "social.bargain_cut_quota"
    title = "Too many cuts from this network or device today"


class BudgetExhausted(Conflict):
    code = "social.bargain_budget_exhausted"
    title = "This bargain campaign's budget is spent"

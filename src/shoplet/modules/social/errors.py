"""Typed errors of group buys (``social.*``): status, stable code, title. Each is raised before
anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class CampaignNotFound(NotFound):
    code = "social.campaign_not_found"
    title = "Group-buy campaign not found"


class InvalidCampaign(BadRequest):
    code = "social.invalid_campaign"
    title = "Invalid group-buy campaign"


class CampaignNotRunning(Conflict):
    code = "social.campaign_not_running"
    title = "This group buy is not running now"


class GroupsExhausted(Conflict):
    code = "social.groups_exhausted"
    title = "No more groups can be opened in this campaign"


class GroupNotFound(NotFound):
    code = "social.group_not_found"
    title = "Group not found"


class GroupNotOpen(Conflict):
    code = "social.group_not_open"
    title = "This group is not taking members"


class GroupFull(Conflict):
    code = "social.group_full"
    title = "This group is full"


class AlreadyInGroup(Conflict):
    code = "social.already_in_group"
    title = "You are in this group already"


class LimitReached(Conflict):
    code = "social.limit_reached"
    title = "You have reached this group buy's limit"


class MergeSameGroup(Conflict):
    """An account merge would put one shopper in one group twice (both accounts joined it)."""

    code = "social.merge_same_group"
    title = "Both accounts joined the same group buy: the accounts cannot be merged"


class MergeTwoPromoters(Conflict):
    """Both accounts are promoters, each with its own code, commissions and withdrawals."""

    code = "social.merge_two_promoters"
    title = "Both accounts are promoters: the accounts cannot be merged"

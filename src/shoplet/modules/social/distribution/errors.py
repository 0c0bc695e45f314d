"""Typed errors of distribution (``social.distribution_*``). Each is raised before anything is
written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class InvalidSettings(BadRequest):
    code = "social.distribution_invalid_settings"
    title = "Invalid distribution settings"


class DistributionDisabled(Conflict):
    code = "social.distribution_disabled"
    title = "Distribution is not enabled in this shop"


class PromoterNotFound(NotFound):
    code = "social.promoter_not_found"
    title = "Promoter not found"


class NotPromoter(NotFound):
    code = "social.not_promoter"
    title = "You are not a promoter"


class AlreadyApplied(Conflict):
    code = "social.promoter_already_applied"
    title = "You have applied already"


class NotEligible(Conflict):
    code = "social.promoter_not_eligible"
    title = "Not enough paid orders to become a promoter"


class PromoterNotPending(Conflict):
    code = "social.promoter_not_pending"
    title = "This application was reviewed already"


class SelfBinding(Conflict):
    code = "social.distribution_self_binding"
    title = "A promoter cannot bind themselves"


class BindingCycle(Conflict):
    code = "social.distribution_binding_cycle"
    title = "This binding would make a cycle"


class InvalidWithdrawal(BadRequest):
    code = "social.withdrawal_invalid"
    title = "Invalid withdrawal"


class InsufficientBalance(Conflict):
    code = "social.withdrawal_insufficient_balance"
    title = "The amount is more than the available balance"


class WithdrawalNotFound(NotFound):
    code = "social.withdrawal_not_found"
    title = "Withdrawal not found"


class WithdrawalNotRequested(Conflict):
    code = "social.withdrawal_not_requested"
    title = "This withdrawal was reviewed already"


class NoWeChatAccount(Conflict):
    code = "social.withdrawal_no_wechat"
    title = "The promoter has no WeChat account to be paid to"

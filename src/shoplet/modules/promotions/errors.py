"""Typed errors of promotions (``promotions.*``): status, stable code, title. Every one is
raised before anything is written, or rolls the request's transaction back."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound, RateLimited
from shoplet.modules.promotions import rules


class TemplateNotFound(NotFound):
    code = "promotions.template_not_found"
    title = "Coupon template not found"


class CouponNotFound(NotFound):
    """Also for another shopper's coupon: its existence is not revealed."""

    code = "promotions.coupon_not_found"
    title = "Coupon not found"


class InvalidTemplate(BadRequest):
    code = "promotions.invalid_template"
    title = "Invalid coupon template"


class TemplateNotEditable(Conflict):
    code = "promotions.template_not_editable"
    title = "Only a draft template can be edited or activated, only an active one stopped"


class TemplateNotActive(Conflict):
    code = "promotions.template_not_active"
    title = "This coupon is not being given out"


class NotClaimable(Conflict):
    code = "promotions.not_claimable"
    title = "This coupon is only issued by the shop"


class QuotaExhausted(Conflict):
    code = "promotions.quota_exhausted"
    title = "All coupons of this kind have been claimed"


class ClaimLimitReached(Conflict):
    code = "promotions.claim_limit_reached"
    title = "You already hold as many of this coupon as allowed"


class NewCustomerOnly(Conflict):
    code = rules.NEW_CUSTOMER_ONLY
    title = "For new customers only (no paid order yet)"


class CouponUnavailable(Conflict):
    code = rules.UNAVAILABLE
    title = "This coupon is used, in use by another order, or void"


class CouponExpired(Conflict):
    code = rules.EXPIRED
    title = "This coupon has expired"


class CouponNotStarted(Conflict):
    code = rules.NOT_STARTED
    title = "This coupon cannot be used yet"


class BelowThreshold(Conflict):
    code = rules.BELOW_THRESHOLD
    title = "The order does not reach the coupon's threshold"


class OutOfScope(Conflict):
    code = rules.OUT_OF_SCOPE
    title = "No item of the order is covered by this coupon"


class NoShippingFee(Conflict):
    code = rules.NO_SHIPPING_FEE
    title = "This order ships free already"


# -- codes, voiding, segments --------------------------------------------------------------------


class CodeInvalid(BadRequest):
    """A mistyped code (its check character fails), an unknown one, or one of a disabled batch:
    the same answer, so codes cannot be probed."""

    code = "promotions.code_invalid"
    title = "This code is not valid"


class CodeUsed(Conflict):
    code = "promotions.code_used"
    title = "This code has already been used"


class CodeRateLimited(RateLimited):
    code = "promotions.code_rate_limited"
    title = "Too many code attempts; try again later"


class InvalidCodeBatch(BadRequest):
    code = "promotions.invalid_code_batch"
    title = "Invalid code batch"


class CodeTaken(Conflict):
    code = "promotions.code_taken"
    title = "This shared code is already in use"


class CodeBatchNotFound(NotFound):
    code = "promotions.code_batch_not_found"
    title = "Code batch not found"


class CouponNotVoidable(Conflict):
    code = "promotions.coupon_not_voidable"
    title = "Only an unused coupon can be voided"


class InvalidSegment(BadRequest):
    code = "promotions.invalid_segment"
    title = "Invalid member segment"


class JobNotFound(NotFound):
    code = "promotions.job_not_found"
    title = "Job not found"


class InvalidPromotion(BadRequest):
    code = "promotions.invalid_promotion"
    title = "Invalid promotion"


class InvalidPolicy(BadRequest):
    code = "promotions.invalid_policy"
    title = "Invalid stacking policy"


class PromotionNotFound(NotFound):
    code = "promotions.promotion_not_found"
    title = "Promotion not found"


class PromotionNotEditable(Conflict):
    code = "promotions.promotion_not_editable"
    title = "Only a draft promotion can be edited or activated, only an active one stopped"


class PromotionLimitReached(Conflict):
    code = "promotions.promotion_limit_reached"
    title = "You have bought as many as allowed at this promotion's price"


REFUSALS: dict[str, type[Conflict]] = {
    cls.code: cls
    for cls in (
        NewCustomerOnly,
        CouponUnavailable,
        CouponExpired,
        CouponNotStarted,
        BelowThreshold,
        OutOfScope,
        NoShippingFee,
    )
}

__all__ = [
    "REFUSALS",
    "BelowThreshold",
    "ClaimLimitReached",
    "CodeBatchNotFound",
    "CodeInvalid",
    "CodeRateLimited",
    "CodeTaken",
    "CodeUsed",
    "CouponExpired",
    "CouponNotFound",
    "CouponNotStarted",
    "CouponNotVoidable",
    "CouponUnavailable",
    "InvalidCodeBatch",
    "InvalidPolicy",
    "InvalidPromotion",
    "InvalidSegment",
    "InvalidTemplate",
    "JobNotFound",
    "NewCustomerOnly",
    "NoShippingFee",
    "NotClaimable",
    "OutOfScope",
    "PromotionLimitReached",
    "PromotionNotEditable",
    "PromotionNotFound",
    "QuotaExhausted",
    "TemplateNotActive",
    "TemplateNotEditable",
    "TemplateNotFound",
]

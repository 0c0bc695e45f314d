"""Payments errors: HTTP status and a stable ``payments.*`` code each."""

from __future__ import annotations

from typing import ClassVar

from shoplet.core.errors import BadRequest, Conflict, NotFound, ShopletError


class OpenidRequired(BadRequest):
    code = "payments.openid_required"
    title = "A WeChat openid is required for a mini-program (JSAPI) payment"


class InvalidAmount(BadRequest):
    code = "payments.invalid_amount"
    title = "The amount must be a positive number of fen"


class InvalidRefundReason(BadRequest):
    code = "payments.invalid_reason"
    title = "The refund reason must be 1 to 80 characters"


class PaymentExpired(BadRequest):
    code = "payments.expired"
    title = "The payment deadline has passed"


class AlreadyPaid(Conflict):
    code = "payments.already_paid"
    title = "This order has already been paid"


class PaymentClosed(Conflict):
    code = "payments.closed"
    title = "This payment was closed; the order can no longer be paid this way"


class AmountChanged(Conflict):
    code = "payments.amount_changed"
    title = "An open payment for this order has a different amount"


class PaymentNotFound(NotFound):
    code = "payments.not_found"
    title = "No such payment"


class NotPaid(Conflict):
    code = "payments.not_paid"
    title = "This order has no successful payment to refund"


class RefundExceedsPaid(Conflict):
    code = "payments.refund_exceeds_paid"
    title = "The refund exceeds what is left to refund"


class RefundConflict(Conflict):
    code = "payments.refund_conflict"
    title = "A different refund was already requested for this after-sale"


class ProviderError(ShopletError):
    """WeChat Pay refused or could not be reached; ``provider_code`` says which."""

    status: ClassVar[int] = 502
    code = "payments.provider_error"
    title = "WeChat Pay could not process the request"


class ReconciliationNotFound(NotFound):
    code = "console.reconciliation_not_found"
    title = "No reconciliation for that day yet"


class ReconciliationUnavailable(BadRequest):
    code = "console.reconciliation_unavailable"
    title = "WeChat Pay has no bill for that day"

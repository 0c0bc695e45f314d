"""What payments hands to other modules (frozen dataclasses) and its public read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shoplet.core.schemas import ResponseModel


@dataclass(frozen=True, slots=True)
class PrepayResult:
    """What the storefront needs to pay: ``pay_params`` for ``wx.requestPayment`` (JSAPI) or
    ``h5_url`` to open in a mobile browser (H5; append ``&redirect_url=…``)."""

    payment_no: str
    channel: str
    prepay_id: str
    pay_params: dict[str, str] | None
    h5_url: str | None


@dataclass(frozen=True, slots=True)
class PaymentAmounts:
    """An order's money, derived from the payment event history (fen).

    ``refunding`` is requested or submitted but not settled; ``refundable`` is what a new
    refund may still take."""

    paid: int
    refunded: int
    refunding: int

    @property
    def refundable(self) -> int:
        return self.paid - self.refunded - self.refunding


@dataclass(frozen=True, slots=True)
class PaymentInfo:
    payment_no: str
    order_no: str
    channel: str
    amount: int
    status: str
    transaction_id: str | None
    paid_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefundInfo:
    refund_no: str
    order_no: str
    payment_no: str
    aftersale_no: str | None
    amount: int
    reason: str
    status: str
    wechat_refund_id: str | None
    last_error: str | None
    created_at: datetime
    succeeded_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    """One day's comparison with WeChat's trade bill. ``differences`` items have a ``kind``
    (``missing_local_payment``, ``missing_bill_payment``, ``payment_amount_mismatch``,
    ``missing_local_refund``, ``missing_bill_refund``, ``refund_amount_mismatch``) and the
    numbers and amounts (fen) on each side."""

    bill_date: date
    status: str
    summary: dict[str, Any]
    differences: list[dict[str, Any]]
    created_at: datetime


class ReconciliationOut(ResponseModel):
    bill_date: date
    status: str
    summary: dict[str, Any]
    differences: list[dict[str, Any]]
    created_at: datetime

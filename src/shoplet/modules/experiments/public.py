"""What other modules may use from experiments: the analysis of arm counts (pure), the unit
of a member, and the attribution of orders (orders' subscribers call ``record_order_paid`` on
``order.paid`` and ``record_refund`` on refunds, in the event's transaction)."""

from __future__ import annotations

from .schemas import Analysis, AnalyzeBody, ArmIn, SampleSize, SampleSizeBody
from .service import analyze, member_unit, record_order_paid, record_refund, sample_size

__all__ = [
    "Analysis",
    "AnalyzeBody",
    "ArmIn",
    "SampleSize",
    "SampleSizeBody",
    "analyze",
    "member_unit",
    "record_order_paid",
    "record_refund",
    "sample_size",
]

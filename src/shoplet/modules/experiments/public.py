"""What other modules may use from experiments: the analysis of arm counts (pure), the unit
of a member, and the attribution of orders (orders' subscribers call ``record_order_paid`` on
``order.paid`` and ``record_refund`` on refunds, in the event's transaction); and feature flags:
evaluate one in memory (``flag_store(ctx).evaluate``, or through OpenFeature's client), and plug
segment membership in (``flag_store(ctx).segment_check``). ``startup`` loads the flags."""

from __future__ import annotations

from .flags.evaluate import FlagContext, Resolution
from .flags.provider import startup
from .flags.runtime import store_of as flag_store
from .schemas import Analysis, AnalyzeBody, ArmIn, SampleSize, SampleSizeBody
from .service import analyze, member_unit, record_order_paid, record_refund, sample_size

__all__ = [
    "Analysis",
    "AnalyzeBody",
    "ArmIn",
    "FlagContext",
    "Resolution",
    "SampleSize",
    "SampleSizeBody",
    "analyze",
    "flag_store",
    "member_unit",
    "record_order_paid",
    "record_refund",
    "sample_size",
    "startup",
]

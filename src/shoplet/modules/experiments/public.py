"""What other modules may use from experiments: the analysis of arm counts (pure), the unit
of a member or a device, the arms units were exposed to (analytics' funnel by arm), and the
attribution of orders (orders' subscribers call ``record_order_paid`` on
``order.paid`` and ``record_refund`` on refunds, in the event's transaction); and feature flags:
evaluate one in memory (``flag_store(ctx).evaluate``, or through OpenFeature's client), and plug
segment membership in (``flag_store(ctx).segment_check``). ``startup`` loads the flags.

Hooks the modules above fill at their start-up (``sources.py``): ``set_pre_period_source``
(orders: a member's orders before an experiment started, for CUPED) and
``set_segment_source`` (analytics: which segments a member is in, for experiments' and flags'
segment targeting, cached per process for ``SHOPLET_EXPERIMENTS_SEGMENT_TTL_SECONDS``)."""

from __future__ import annotations

from .flags.evaluate import FlagContext, Resolution
from .flags.provider import startup
from .flags.runtime import store_of as flag_store
from .schemas import Analysis, AnalyzeBody, ArmIn, SampleSize, SampleSizeBody
from .service import (
    analyze,
    arm_names,
    device_unit,
    exposed_arms,
    member_unit,
    record_order_paid,
    record_refund,
    sample_size,
)
from .sources import (
    PrePeriodSource,
    SegmentSource,
    segment_membership,
    set_pre_period_source,
    set_segment_source,
)

__all__ = [
    "Analysis",
    "AnalyzeBody",
    "ArmIn",
    "FlagContext",
    "PrePeriodSource",
    "Resolution",
    "SampleSize",
    "SampleSizeBody",
    "SegmentSource",
    "analyze",
    "arm_names",
    "device_unit",
    "exposed_arms",
    "flag_store",
    "member_unit",
    "record_order_paid",
    "record_refund",
    "sample_size",
    "segment_membership",
    "set_pre_period_source",
    "set_segment_source",
    "startup",
]

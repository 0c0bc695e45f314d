"""Profiles announce nothing yet: other modules read segments through
``analytics.public.segment_member_ids``; profiles follow ``order.paid`` / ``order.refunded``
(``tasks.py``)."""

from __future__ import annotations

"""Events profiles read from the modules above analytics (which may not be imported here):

- ``distribution.promoter_changed`` {promoter_id, member_id, status, at}: social's distribution
  publishes it when a promoter is created or moves (``pending``, ``active``, ``rejected``);
  profiles keep the latest status per member (``analytics_promoter``) and show an active one as
  the social role ``promoter`` (推广员). Social takes the name from ``analytics.public``.

Profiles also follow ``order.paid`` / ``order.refunded`` (``tasks.py``); other modules read
segments through ``analytics.public.segment_member_ids``."""

from __future__ import annotations

from typing import Final

PROMOTER_CHANGED: Final = "distribution.promoter_changed"

"""Catalog jobs: none yet. Sales counts are updated in the order's transaction
(:func:`public.record_sales`), so there is nothing to recompute in the background."""

from __future__ import annotations

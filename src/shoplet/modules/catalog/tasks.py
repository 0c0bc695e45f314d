"""Catalog jobs: the console's bulk changes (``catalog.run_bulk_jobs`` in ``bulk.py``). Sales
counts are updated in the order's transaction (:func:`public.record_sales`), so there is nothing
to recompute in the background."""

from __future__ import annotations

from shoplet.modules.catalog import bulk  # noqa: F401  (bulk registers its job)

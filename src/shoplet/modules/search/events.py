"""Search events: search publishes none. It subscribes to the catalog's
``catalog.product_changed`` and ``catalog.products_imported`` (``tasks.py``) and turns them into
rows of its change feed (``search_change``), which every server process follows."""

from __future__ import annotations

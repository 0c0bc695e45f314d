"""Inventory events.

Inventory publishes nothing yet: other modules learn stock from :func:`public.get_levels`, and
every change is already recorded in the append-only ledger (``inventory_ledger``). When the
outbox (``shoplet.core.events``) exists, low-stock alerts will be published from here as
``inventory.low_stock``, in the same transaction as the ledger row that triggers them.
"""

from __future__ import annotations

from typing import Final

LOW_STOCK: Final = "inventory.low_stock"

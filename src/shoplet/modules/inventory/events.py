"""Inventory events (outbox, in the transaction of the ledger row that causes them).

- ``inventory.restocked`` {sku_ids}: the SKUs whose sellable stock (on hand less reserved)
  went from none to some in one change (one event per change, however many SKUs: a stock
  import's batch): a delivery, a stock take, a return, an order cancelled or expired.
  Notification sends 到货提醒 from it.

Other modules learn stock from :func:`public.get_levels`; every change is recorded in the
append-only ledger (``inventory_ledger``). ``inventory.low_stock`` is reserved for low-stock
alerts.
"""

from __future__ import annotations

from typing import Final

LOW_STOCK: Final = "inventory.low_stock"
RESTOCKED: Final = "inventory.restocked"

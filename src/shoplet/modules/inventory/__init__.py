"""Inventory: stock by SKU id, reservations with a TTL and an append-only ledger.

The base layer of the business modules: it knows SKU ids only, never products or orders.
Other modules import :mod:`shoplet.modules.inventory.public` only.
"""

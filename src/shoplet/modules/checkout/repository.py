"""Checkout owns one table, the shipping rules, whose queries live with it in ``shipping.py``;
everything else checkout reads through other modules' ``public.py``."""

from __future__ import annotations

from shoplet.modules.checkout.shipping import get_shipping_rules, update_shipping_rules

__all__ = ["get_shipping_rules", "update_shipping_rules"]

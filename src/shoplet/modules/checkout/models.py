"""Checkout tables. The shipping-rules row is defined next to its get/update functions."""

from __future__ import annotations

from shoplet.modules.checkout.shipping import CheckoutShippingRules

__all__ = ["CheckoutShippingRules"]

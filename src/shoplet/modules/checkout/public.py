"""What other modules may use from checkout: the merchant's shipping rules (the console's
settings page reads and replaces them), the pure pricing types, and ``SkuUnavailable`` (the
points mall refuses goods off sale with it)."""

from __future__ import annotations

from shoplet.modules.checkout.errors import SkuUnavailable
from shoplet.modules.checkout.pricing import (
    Discount,
    PriceBreakdown,
    PricingLine,
    ShippingRules,
    price,
)
from shoplet.modules.checkout.shipping import (
    InvalidShippingRules,
    ShippingRulesUpdate,
    ShippingRulesView,
    get_shipping_rules,
    shipping_rules_view,
    update_shipping_rules,
)

__all__ = [
    "Discount",
    "InvalidShippingRules",
    "PriceBreakdown",
    "PricingLine",
    "ShippingRules",
    "ShippingRulesUpdate",
    "ShippingRulesView",
    "SkuUnavailable",
    "get_shipping_rules",
    "price",
    "shipping_rules_view",
    "update_shipping_rules",
]

"""What other modules may use from checkout: the merchant's shipping rules (the console's
settings page reads and replaces them), the pure pricing types, and ``SkuUnavailable`` (the
points mall refuses goods off sale with it), and the one-SKU order at a play's price
(``place_special_price_order``: group buy, points mall, bargain, crowdfunding), and the
price sources (``register_price_source``: a play's own price inside an ordinary checkout, a
live session's 直播价)."""

from __future__ import annotations

from shoplet.modules.checkout.errors import SkuUnavailable
from shoplet.modules.checkout.offers import (
    Offer,
    OfferLine,
    PriceSource,
    register_price_source,
)
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
from shoplet.modules.checkout.special_orders import SpecialPriceOrder, place_special_price_order

__all__ = [
    "Discount",
    "InvalidShippingRules",
    "Offer",
    "OfferLine",
    "PriceBreakdown",
    "PriceSource",
    "PricingLine",
    "ShippingRules",
    "ShippingRulesUpdate",
    "ShippingRulesView",
    "SkuUnavailable",
    "SpecialPriceOrder",
    "get_shipping_rules",
    "place_special_price_order",
    "price",
    "register_price_source",
    "shipping_rules_view",
    "update_shipping_rules",
]

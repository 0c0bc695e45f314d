"""Typed errors of the recommend module (``recommend.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class ProductRequired(BadRequest):
    code = "recommend.product_required"
    title = "This placement needs a product_id"


class UnknownImpression(BadRequest):
    code = "recommend.unknown_impression"
    title = "rec_id is not a shelf of this shop, or is over a day old"


class ClickNotShown(BadRequest):
    code = "recommend.click_not_shown"
    title = "The product was not on that shelf"


class ClickPositionOutOfRange(BadRequest):
    code = "recommend.click_position_out_of_range"
    title = "The position is beyond the products of that shelf"


class ClickPositionMismatch(BadRequest):
    code = "recommend.click_position_mismatch"
    title = "The product was shown at another position"

"""Typed errors of the recommend module (``recommend.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class ProductRequired(BadRequest):
    code = "recommend.product_required"
    title = "This placement needs a product_id"

"""Request and response schemas of the recommend module."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shoplet.core.schemas import ResponseModel
from shoplet.modules.catalog.public import ProductSummary

Placement = Literal["home", "product", "cart", "paid"]
ReasonCode = Literal["personal", "also_bought", "also_viewed", "popular"]
MAX_LIMIT = 20


class RecommendedProduct(ProductSummary):
    """A product card (the storefront list's fields) and why it is shown."""

    reason: str = Field(description="为什么推荐, e.g. 因为你买了「…」, 买了还买, 看了又看, 热销")
    reason_code: ReasonCode


class RecommendationList(ResponseModel):
    placement: Placement
    items: list[RecommendedProduct]

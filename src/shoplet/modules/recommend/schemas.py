"""Request and response schemas of the recommend module."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shoplet.core.schemas import Id, RequestModel, ResponseModel
from shoplet.modules.catalog.public import ProductSummary

Placement = Literal["home", "product", "cart", "paid"]
ReasonCode = Literal["personal", "also_bought", "also_viewed", "popular"]
MAX_LIMIT = 20
MAX_RECENT = 10


class RecommendedProduct(ProductSummary):
    """A product card (the storefront list's fields) and why it is shown."""

    reason: str = Field(description="为什么推荐, e.g. 因为你买了「…」, 买了还买, 看了又看, 热销")
    reason_code: ReasonCode


class RecommendationList(ResponseModel):
    placement: Placement
    items: list[RecommendedProduct]
    rec_id: str | None = Field(
        default=None,
        description="opaque impression id of this shelf, for POST /recommendations/clicks "
        "(null for an empty shelf)",
    )


class RecommendationClick(RequestModel):
    """A shopper opened ``product_id``, shown at ``position`` (0-based) of the shelf
    ``rec_id``."""

    rec_id: Annotated[str, StringConstraints(min_length=16, max_length=400)]
    product_id: Id
    position: int = Field(ge=0, le=99)


class ProductViewed(RequestModel):
    """A shopper opened a product page. ``visitor``: the storefront's random id of this device
    (kept in its storage), so views of one visit form a session, signed in or not."""

    product_id: Id
    visitor: Annotated[
        str, StringConstraints(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    ]


class Figures(BaseModel):
    impressions: int
    clicks: int
    ctr: float | None = Field(description="clicks / impressions; null without impressions")


class RecommendDay(Figures):
    day: date


class PlacementFigures(Figures):
    placement: Placement


class ModelFigures(Figures):
    placement: Placement
    model: str = Field(description="personal, also_bought, also_viewed or popular")
    variant: str


class RecommendAnalytics(BaseModel):
    """Recommendation click-through over shop days (Asia/Shanghai), from the daily rollup:
    shelves served and clicked per day and placement; per model, the products it put on
    shelves and the clicks on them."""

    date_from: date
    date_to: date
    days: list[RecommendDay]
    impressions: int
    clicks: int
    ctr: float | None
    placements: list[PlacementFigures]
    models: list[ModelFigures]

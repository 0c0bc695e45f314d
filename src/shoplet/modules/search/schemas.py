"""Search request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel
from shoplet.modules.catalog.public import ProductSummary

SearchSort = Literal["relevance", "sales", "price_asc", "price_desc", "new"]

Word = Annotated[CleanText, StringConstraints(min_length=1, max_length=50)]


class CategoryFacet(BaseModel):
    id: int
    count: int


class BrandFacet(BaseModel):
    name: str
    count: int


class PriceFacet(BaseModel):
    min: int = Field(description="fen, inclusive")
    max: int | None = Field(description="fen, exclusive; null: no upper bound")
    count: int


class Facets(BaseModel):
    categories: list[CategoryFacet]
    brands: list[BrandFacet]
    price_ranges: list[PriceFacet]
    in_stock: int = Field(description="products of the result in stock")
    flash_sale: int = Field(description="products of the result in a live flash sale")


class SearchPage(BaseModel):
    """A page of search results. ``facets`` come with the first page only (no ``cursor``)."""

    items: list[ProductSummary]
    facets: Facets | None = None
    total: int = Field(description="products matching the query and filters")
    next_cursor: str | None = None
    corrected_query: str | None = Field(
        default=None, description="the query as understood (did you mean), when it differs"
    )
    search_id: str | None = Field(
        default=None,
        description="opaque impression id of this page, for POST /search/clicks (null for an "
        "empty query)",
    )


class Suggestions(BaseModel):
    suggestions: list[str]


class HotSearches(BaseModel):
    queries: list[str]


class SynonymIn(RequestModel):
    words: list[Word] = Field(min_length=2, max_length=20)


class SynonymOut(ResponseModel):
    id: int
    words: list[str]
    updated_at: datetime


class CorrectionIn(RequestModel):
    wrong: Word
    right: Word


class CorrectionOut(ResponseModel):
    id: int
    wrong: str
    right: str


class ZeroResultQuery(ResponseModel):
    query: str
    searches: int
    zero_results: int
    last_searched_at: datetime


class ZeroResultPage(BaseModel):
    items: list[ZeroResultQuery]
    next_cursor: str | None = None


class SynonymFromQuery(RequestModel):
    """Make a zero-result query a synonym of words that find products (one call)."""

    query: Word
    words: list[Word] = Field(min_length=1, max_length=19)


class IndexStatus(BaseModel):
    ready: bool
    products: int
    words: int
    last_change_id: int
    built_seconds: float | None
    context_enabled: bool = Field(description="SHOPLET_SEARCH_CONTEXT and a weight above 0")
    context_weight: float = Field(description="the most the shopper's context adds to a score")
    context_buckets: int = Field(description="context buckets (province·season·hour) seen")
    context_keys: int = Field(description="context keys with priors from the last training")
    cache_hits: int
    cache_misses: int


# -- click-through -----------------------------------------------------------------------------

ImpressionToken = Annotated[str, StringConstraints(min_length=16, max_length=400)]


class SearchClick(RequestModel):
    """A shopper opened ``product_id``, shown at ``position`` (0-based, within that page) of
    the search response ``search_id``."""

    search_id: ImpressionToken
    product_id: Id
    position: int = Field(ge=0, le=99)


class SearchDay(BaseModel):
    day: date
    searches: int
    clicks: int
    zero_results: int
    ctr: float | None = Field(description="clicks / searches; null without searches")
    zero_rate: float | None = Field(description="zero-result searches / searches")


class QueryFigures(BaseModel):
    query: str
    searches: int
    clicks: int
    zero_results: int
    ctr: float | None


class VariantFigures(BaseModel):
    """One ranking variant's click-through (an arm of the search-ranking A/B test)."""

    variant: str = Field(description="the ranking preset that served the searches")
    searches: int
    clicks: int
    zero_results: int
    ctr: float | None


class SearchAnalytics(BaseModel):
    """Search click-through over shop days (Asia/Shanghai), from the daily rollup."""

    date_from: date
    date_to: date
    days: list[SearchDay]
    searches: int
    clicks: int
    zero_results: int
    ctr: float | None
    zero_rate: float | None
    top_queries: list[QueryFigures]
    zero_result_queries: list[QueryFigures]
    variants: list[VariantFigures] = Field(
        description="per ranking variant (``default`` unless an A/B test of ranking ran)"
    )

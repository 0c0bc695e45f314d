"""Search request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shoplet.core.schemas import CleanText, RequestModel, ResponseModel
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

"""The typed query a question maps to, the ask request and the answer."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shoplet.core.schemas import RequestModel, ResponseModel

from .semantic import DimensionKey, Grain, MetricKey

# Past this length a question is refused (400): questions are one sentence.
MAX_QUESTION = 200


class DateSpan(BaseModel):
    """Calendar days in Asia/Shanghai, both ends included, and the words that asked for them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date
    end: date
    label: str = Field(default="", max_length=40)

    @model_validator(mode="after")
    def _ordered(self) -> DateSpan:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class Filter(BaseModel):
    """Keep only rows whose ``dimension`` is one of ``values`` (codes or ids as text:
    region groups by name, provinces and cities by GB/T 2260 code, categories by id with their
    sub-categories, channels by order source, tiers by level); ``labels`` as asked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dimension: DimensionKey
    values: tuple[str, ...] = Field(min_length=1, max_length=50)
    labels: tuple[str, ...] = ()


class Query(BaseModel):
    """What to compute: one metric, split by up to two dimensions (``date`` at ``grain``),
    narrowed by filters, over ``range``, optionally against ``compare`` (the previous period or
    the same days a year earlier), ranked by ``order`` and cut at ``limit``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: MetricKey
    dimensions: tuple[DimensionKey, ...] = Field(default=(), max_length=2)
    filters: tuple[Filter, ...] = Field(default=(), max_length=6)
    grain: Grain | None = None
    range: DateSpan
    compare: DateSpan | None = None
    compare_kind: Literal["previous", "year_ago"] | None = None
    order: Literal["desc", "asc"] | None = None
    limit: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _consistent(self) -> Query:
        if ("date" in self.dimensions) != (self.grain is not None):
            raise ValueError("a grain goes with the date dimension, and only with it")
        if (self.compare is None) != (self.compare_kind is None):
            raise ValueError("compare and compare_kind go together")
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError("a dimension is named twice")
        return self


class AskBody(RequestModel):
    """A question in Chinese (at most 200 characters are answered; longer → 400)."""

    question: str = Field(max_length=2000)


class Column(ResponseModel):
    key: str
    label: str
    kind: Literal["dimension", "fen", "count", "permille"]


class Chart(ResponseModel):
    """How to draw the answer: ``line`` (a time series, ``x`` the date column, one series per
    value column, or per ``group`` value), ``bar`` (a ranking, ``x`` the dimension),
    ``number`` (one figure with ``previous`` and ``delta_permille`` when compared), ``table``."""

    type: Literal["line", "bar", "number", "table"]
    x: str | None
    y: list[str]
    group: str | None
    unit: Literal["fen", "count", "permille"]
    value: int | None
    previous: int | None
    delta_permille: int | None


class Answer(ResponseModel):
    """The query that ran (null when the question could not be mapped), its description in
    words, the table (money in fen, ratios in ‰) and the chart; ``message`` and
    ``suggestions`` ("您是不是想问…") when the question was not (fully) understood."""

    question: str
    query: Query | None
    description: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: Chart | None
    message: str | None
    suggestions: list[str]
    via: Literal["parser", "llm", "none"]

"""Base schemas: strict request models (no silent ``false`` -> ``0``), plain response models."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class RequestModel(BaseModel):
    """Request bodies: strict types, unknown fields rejected, strings stripped."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Common constrained types.
Fen = Annotated[int, Field(ge=0, le=10_000_000_000, description="Amount in fen (分), CNY")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MediumText = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A keyset page: ``next_cursor`` is opaque; pass it back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = None

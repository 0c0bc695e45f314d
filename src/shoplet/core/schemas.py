"""Base schemas: strict request models (no silent ``false`` -> ``0``), plain response models."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shoplet.core.input_safety import MAX_ID, check_body_value, clean_text


class RequestModel(BaseModel):
    """Request bodies: strict types, unknown fields rejected, strings stripped; no control
    character in any string and no integer beyond 64 bits, at any depth (core.input_safety)."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _safe_input(cls, data: Any) -> Any:
        check_body_value(data)
        return data


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Common constrained types.
Fen = Annotated[int, Field(ge=0, le=10_000_000_000, description="Amount in fen (分), CNY")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MediumText = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
# A database id: positive and within a signed 64-bit column.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Names and addresses: zero-width and bidi characters removed, tabs and line breaks made spaces
# (before stripping and length checks); combine with StringConstraints for the bounds.
CleanText = Annotated[str, BeforeValidator(clean_text)]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A keyset page: ``next_cursor`` is opaque; pass it back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = None

"""Inventory value objects returned to other modules and to the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from shoplet.core.schemas import RequestModel, ResponseModel

LedgerKind = Literal["adjust", "reserve", "release", "commit", "restock", "initial"]
ReservationStatus = Literal["active", "committed", "released"]


@dataclass(frozen=True, slots=True)
class StockLevel:
    sku_id: int
    on_hand: int
    reserved: int
    available: int

    @classmethod
    def of(cls, sku_id: int, on_hand: int, reserved: int) -> StockLevel:
        return cls(sku_id=sku_id, on_hand=on_hand, reserved=reserved, available=on_hand - reserved)


class LedgerEntry(ResponseModel):
    id: int
    sku_id: int
    kind: LedgerKind
    delta_on_hand: int
    delta_reserved: int
    on_hand_after: int
    reserved_after: int
    reason: str
    ref: str | None
    actor: str | None
    created_at: datetime


# --- console --------------------------------------------------------------------------------


class StockAdjustment(RequestModel):
    delta: Annotated[
        int,
        Field(
            ge=-10_000_000,
            le=10_000_000,
            description="units added (positive) or removed (negative); never 0",
        ),
    ]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be 0")
        return value


class StockLevelOut(ResponseModel):
    sku_id: int
    on_hand: int
    reserved: int
    available: int

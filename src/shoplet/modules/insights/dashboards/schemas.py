"""Response models of the dashboards (money in fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from shoplet.core.schemas import ResponseModel

Level = Literal["shop", "category", "product"]


class DashboardTile(ResponseModel):
    """One figure of the period and of the same length of time just before it."""

    code: str
    name: str
    unit: str
    value: float | None
    previous: float | None


class DashboardRow(ResponseModel):
    """One entry of the next level down (a category of the shop, a product of a category)."""

    id: int | None
    name: str
    gmv: int
    orders: int
    units: int
    buyers: int


class SalesDashboard(ResponseModel):
    level: Level
    days: int
    category_id: int | None
    product_id: int | None
    title: str
    since: datetime
    until: datetime
    tiles: list[DashboardTile]
    rows: list[DashboardRow]
    # How often the console polls the page (live tiles).
    refresh_seconds: int

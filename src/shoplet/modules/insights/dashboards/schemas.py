"""Response models of the dashboards (money in fen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from shoplet.core.schemas import ResponseModel
from shoplet.modules.stores.public import StoreCard

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


class BoardItem(ResponseModel):
    """One entry of a tile's drill list: what to act on, and the console page that handles it."""

    key: str
    label: str
    detail: str
    amount: int | None = Field(default=None, description="money, fen")
    quantity: int | None = Field(default=None, description="units available to sell")
    at: datetime | None = None
    link: str


class BoardTile(ResponseModel):
    code: str
    name: str
    unit: str
    value: int
    # The console page listing everything the tile counts.
    link: str
    items: list[BoardItem]


class FrontlineBoard(ResponseModel):
    generated_at: datetime
    tiles: list[BoardTile]
    # How often the console polls when the live stream is not available.
    refresh_seconds: int


class FrontlineUpdate(ResponseModel):
    """One ``tiles`` event of the live stream: every tile first (``full``), then only those
    whose count or drill list changed."""

    generated_at: datetime
    full: bool
    tiles: list[BoardTile]


DrillLevel = Literal["province", "city", "store", "method", "source", "campaign"]
CampaignKind = Literal["flashsale", "groupbuy", "bargain", "crowdfunding", "live", "coupon", "none"]


class DrillRow(ResponseModel):
    """One entry of a board's drill (a province, a city, a store or 线上 under a city, the way a
    store's orders reached their shoppers, an order source, a campaign): its orders and GMV sum
    to the parent's tiles."""

    key: str = Field(
        description="a region code, a store id or `online`, a store's `pickup` / `same_city` / "
        "`scan`, an order source, or a campaign `<kind>:<id>` (`none` for the orders of no "
        "campaign)"
    )
    name: str
    gmv: int = Field(description="money, fen (0 without orders:read)")
    orders: int
    buyers: int
    aov: int | None = Field(
        default=None, description="average order value, fen (null without orders:read or orders)"
    )
    share: float | None = Field(
        default=None,
        description="percent of the parent's GMV, one decimal (null without orders:read)",
    )
    kind: CampaignKind | None = Field(default=None, description="a campaign row's kind")
    kind_label: str | None = Field(default=None, description="the kind in Chinese: 秒杀, 拼团…")


class StockRisk(ResponseModel):
    """A SKU the replenishment forecast sees running out within the board's ``stock_days``."""

    sku_id: int
    product_id: int
    name: str
    spec_text: str
    available: int
    days_until_stockout: int
    suggested_quantity: int


class BusinessBoard(ResponseModel):
    """经营看板 (``kind="management"``: drill by region) or 运营看板 (``"operations"``: drill by
    channel, and the stock-risk list)."""

    kind: Literal["management", "operations"]
    start: date
    end: date
    since: datetime
    until: datetime
    region: str | None
    channel: str | None
    # The drill level the rows are at: province → city → store → method (management), source →
    # campaign.
    drill: DrillLevel
    title: str
    tiles: list[DashboardTile]
    rows: list[DrillRow]
    stock_days: int | None = None
    stock_risk: list[StockRisk] = Field(default_factory=list)
    store: StoreCard | None = Field(default=None, description="the store of a store's board")
    refresh_seconds: int

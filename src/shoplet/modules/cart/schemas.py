"""Cart and favourites request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import Page, RequestModel, ResponseModel
from shoplet.modules.cart.models import MAX_QUANTITY

MAX_ID = 2**63 - 1
MAX_LINES = 100
GUEST_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"  # nosec B105 # noqa: S105 - a pattern, not a secret

SkuId = Annotated[int, Field(ge=1, le=MAX_ID)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description=f"1..{MAX_QUANTITY}")]
GuestToken = Annotated[
    str,
    StringConstraints(pattern=GUEST_TOKEN_PATTERN),
    Field(description="the guest's X-Cart-Token: 16..64 URL-safe characters"),
]


class LineSource(RequestModel):
    """The play the shopper adds from, at its price (``live``: the session's 直播价; 404
    ``live.session_not_found``, 409 ``live.session_ended`` / ``live.not_live`` /
    ``live.product_not_on_sale``, 403 ``live.banned``). Members only."""

    kind: str = Field(pattern=r"^[a-z][a-z_]{0,19}$", examples=["live"])
    id: SkuId


class CartLineAdd(RequestModel):
    """Add ``quantity`` units; an existing line grows (capped at 99 units a line)."""

    sku_id: SkuId
    quantity: Quantity = 1
    source: LineSource | None = None


class CartLineUpdate(RequestModel):
    quantity: Quantity | None = None
    selected: bool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> CartLineUpdate:
        if self.quantity is None and self.selected is None:
            raise ValueError("give quantity, selected or both")
        return self


class CartSelection(RequestModel):
    """Select or deselect every line, or only the lines of ``sku_ids``."""

    selected: bool
    sku_ids: list[SkuId] | None = Field(default=None, min_length=1, max_length=MAX_LINES)


class CartMergeRequest(RequestModel):
    guest_token: GuestToken


class CartLine(ResponseModel):
    sku_id: int
    product_id: int | None = Field(description="null when the SKU no longer exists")
    title: str
    spec_text: str
    image: ServedMediaUrl | None
    quantity: int
    selected: bool
    price: int = Field(description="current unit price, fen")
    original_price: int
    list_price: int | None = Field(
        default=None, description="the catalogue price while a play prices the line (struck)"
    )
    price_label: str | None = Field(
        default=None, description='the play pricing the line now, e.g. "直播价"'
    )
    price_source: str | None = Field(
        default=None, description='the play the line was added from, e.g. "live:12"'
    )
    price_note: str | None = Field(
        default=None, description='"直播已结束，已恢复原价" once that play no longer prices it'
    )
    price_at_add: int = Field(description="unit price when the shopper added it, fen")
    price_changed: bool
    price_change: int = Field(description="price - price_at_add, fen (negative: cheaper now)")
    line_total: int = Field(description="price × quantity, fen")
    available: int = Field(description="units in stock now")
    is_purchasable: bool = Field(description="on sale and active")
    warnings: list[str] = Field(description='e.g. "商品已下架", "已售罄", "库存不足"')
    added_at: datetime


class CartSummary(ResponseModel):
    line_count: int
    max_lines: int = MAX_LINES
    selected_count: int = Field(description="selected lines")
    selected_quantity: int = Field(description="units on selected lines")
    items_total: int = Field(description="selected, purchasable lines at current prices, fen")
    has_issues: bool = Field(description="a selected line cannot be bought as it is")


class Cart(ResponseModel):
    lines: list[CartLine]
    summary: CartSummary


class CartLineAdded(ResponseModel):
    line: CartLine
    line_count: int
    quantity_capped: bool = Field(description=f"the line reached {MAX_QUANTITY} units")


class CartCount(ResponseModel):
    line_count: int
    quantity: int


class CartMergeResult(ResponseModel):
    cart: Cart
    merged: int = Field(description="guest lines moved into the member's cart")
    dropped: int = Field(description="guest lines left out because the cart was full")


class FavoriteState(ResponseModel):
    product_id: int
    favorited: bool


class FavoriteItem(ResponseModel):
    product_id: int
    favorited_at: datetime
    title: str
    image: ServedMediaUrl | None
    price: int = Field(description="lowest SKU price, fen")
    original_price: int
    is_available: bool = Field(description="the product is on sale")
    price_at_favorite: int | None = Field(
        description="lowest SKU price (fen) when it was favourited; null for older favourites"
    )
    price_drop: int = Field(
        description="how much cheaper it is now than when favourited (fen; 0: not cheaper)"
    )


FavoritePage = Page[FavoriteItem]

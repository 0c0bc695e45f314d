"""Request and response models of sharing (storefront and console)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import Fen, RequestModel, ResponseModel

ShareTargetKind = Literal["product", "group", "bargain", "campaign"]
ShareClient = Literal["mp", "h5"]
# A product or campaign id in decimal, or a group's or bargain's share id.
TargetRef = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
]


class ShareCreate(RequestModel):
    """What the shopper shares."""

    target_kind: ShareTargetKind
    target_ref: TargetRef


class PosterCreate(ShareCreate):
    """A poster: ``mp`` carries the mini-program code, ``h5`` a QR code of the H5 link."""

    client: ShareClient = "mp"


class ShareLinkOut(ResponseModel):
    """The shopper's link to a target: ``code`` is the short link and the code's scene."""

    code: str
    target_kind: ShareTargetKind
    target_ref: str
    mp_path: str = Field(description="mini-program path to share (onShareAppMessage)")
    h5_path: str = Field(description="H5 path of the short link, on the shop's origin")


class SharePoster(ResponseModel):
    """The rendered poster (PNG, cached per target, sharer, client and content)."""

    url: str
    width: int
    height: int
    code: str
    client: ShareClient


class ShareResolution(ResponseModel):
    """Where a scene leads: the storefront path to open, and whether this visit was counted."""

    code: str
    target_kind: ShareTargetKind
    target_ref: str
    path: str = Field(description="storefront page path with its query, leading slash")
    sharer_name: str = Field(description="the sharer's nickname, masked")
    recorded: bool = Field(description="a first visit of this visitor through this link")
    first_touch: bool = Field(description="the sharer is now the one who brought this shopper")


class ShareTotals(ResponseModel):
    links: int
    sharers: int
    visits: int
    orders: int
    order_amount: Fen


class SharerStat(ResponseModel):
    sharer_member_id: int
    name: str
    links: int
    visits: int
    orders: int
    order_amount: Fen


class TargetStat(ResponseModel):
    target_kind: ShareTargetKind
    target_ref: str
    title: str | None
    links: int
    visits: int
    orders: int
    order_amount: Fen


class ShareStats(ResponseModel):
    """分享统计: links made in the period, their visits and the orders they brought."""

    days: int
    totals: ShareTotals
    top_sharers: list[SharerStat]
    top_targets: list[TargetStat]


class ShareClaim(ResponseModel):
    """What signing in did with this device's guest visits."""

    claimed: int = Field(description="guest visits that became the member's")
    first_touch: bool = Field(description="one of them brought the member to its sharer")

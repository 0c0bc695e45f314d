"""Request and response models of offline codes (console and storefront)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from shoplet.core.schemas import Fen, RequestModel, ResponseModel
from shoplet.modules.social.offline.models import Placement, TargetKind

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OfflineCodeCreate(RequestModel):
    """A code for one placement: its store and/or campaign, and the page it opens (``home``,
    ``product`` / ``store`` / ``campaign`` with ``target_id``)."""

    label: Label
    placement: Placement
    store_id: Id | None = None
    campaign_id: Id | None = None
    target_kind: TargetKind = "home"
    target_id: Id | None = None


class OfflineCodeBulkCreate(RequestModel):
    """One code per store open for business, all for one campaign (its page by default)."""

    campaign_id: Id
    placement: Placement
    label: Label
    target_kind: TargetKind = "campaign"
    target_id: Id | None = None


class OfflineCode(ResponseModel):
    """A code with what it brought: ``scans`` (every counted scan), ``visitors`` (distinct),
    ``orders`` and ``order_amount`` (paid orders it brought, in fen)."""

    id: int
    code: str
    label: str
    placement: Placement
    store_id: int | None
    store_name: str | None
    campaign_id: int | None
    target_kind: TargetKind
    target_ref: str
    path: str = Field(description="storefront page the code opens, leading slash")
    mp_page: str = Field(description="mini-program page of the wxacode (scene = code)")
    h5_url: str = Field(description="H5 URL of the QR code, on the shop's origin")
    is_active: bool
    scans: int
    visitors: int
    orders: int
    order_amount: Fen
    created_at: datetime


class OfflineCodePage(ResponseModel):
    items: list[OfflineCode]
    next_cursor: str | None


class OfflineStoreStat(ResponseModel):
    """What the codes of one store brought (``store_id`` None: codes of no store)."""

    store_id: int | None
    store_name: str | None
    codes: int
    scans: int
    visitors: int
    orders: int
    order_amount: Fen


class OfflineCodeResolution(ResponseModel):
    """Where a scanned code leads; ``recorded`` is a first scan of this visitor, ``counted``
    false for a disabled code (it opens the home page and counts nothing)."""

    code: str
    path: str = Field(description="storefront page path with its query, leading slash")
    store_id: int | None
    counted: bool
    recorded: bool
    first_touch: bool

"""Schemas of the behaviour reports (money in fen; channels by stable code, named in Chinese by
the console's glossary)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from shoplet.core.schemas import ResponseModel
from shoplet.modules.analytics.schemas import FunnelQuery

AttributionGroup = Literal["channel", "campaign"]
PathDirection = Literal["next", "previous"]


class AttributionRow(ResponseModel):
    channel: str = Field(
        description="share, scene:<n>, utm:<source>, campaign, a host, direct, unattributed"
    )
    campaign: str = Field(description="Share code, utm_campaign or campaign ('' per channel)")
    orders: float = Field(description="Orders credited (fractional under linear/position-based)")
    revenue: int = Field(description="Fen credited; the rows sum exactly to the paid total")
    touches: int


class ShareLinkRow(ResponseModel):
    share_code: str
    orders: int
    revenue: int


class AttributionResult(ResponseModel):
    model: str
    lookback_days: int
    date_from: date
    date_to: date
    group_by: AttributionGroup
    orders: int
    revenue: int
    rows: list[AttributionRow]
    share_links: list[ShareLinkRow] = Field(
        description="Orders per share code under the social module's rule (分享统计, commissions)"
    )


class PageShare(ResponseModel):
    page: str = Field(description="A page route, or $exit / $entry where the session ends/starts")
    count: int
    share: float = Field(description="Of the page's views (0..1)")


class TopPage(ResponseModel):
    page: str
    views: int
    sessions: int


class PathResult(ResponseModel):
    page: str | None
    direction: PathDirection
    views: int = Field(description="Views of the page in the range")
    neighbours: list[PageShare]
    top_pages: list[TopPage]


class ProvinceFigure(ResponseModel):
    code: str = Field(description="GB/T 2260 province code (two digits); 00 without an address")
    name: str
    orders: int
    gmv: int


class RealtimeOverview(ResponseModel):
    at: datetime
    online: int = Field(description="Persons with an event in the last 5 minutes (HyperLogLog)")
    paid_last_minute: int
    orders_today: int
    gmv_today: int = Field(description="Fen paid today (Asia/Shanghai)")
    provinces: list[ProvinceFigure]
    refresh_seconds: int


class DropOffQuery(FunnelQuery):
    step: Annotated[int, Field(ge=2, le=10)] = Field(
        description="The step (2..n) the persons reached the one before of, and not this one"
    )
    limit: Annotated[int, Field(ge=1, le=500)] = 100


class DropOffPerson(ResponseModel):
    person: str
    member_id: int | None
    anonymous_id: str | None


class DropOffResult(ResponseModel):
    step: int
    total: int
    persons: list[DropOffPerson]

"""Request and response models of KOL discovery (console)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from shoplet.core.schemas import Fen, RequestModel, ResponseModel

InviteKind = Literal["promoter", "campaign"]
CampaignPlay = Literal["groupbuy", "bargain", "crowdfunding"]


class KolRunOut(ResponseModel):
    id: int
    window_days: int
    nodes: int
    edges: int
    communities: int
    duration_ms: int
    triggered_by: str
    started_at: datetime
    finished_at: datetime | None


class KolRow(ResponseModel):
    member_id: int
    nickname: str
    rank: int
    pagerank: float
    brought: int = Field(description="shoppers brought directly")
    reach_2: int = Field(description="shoppers reached within two hops")
    converted: int = Field(description="shoppers brought who paid an order")
    conversion_rate: float = Field(description="converted / brought")
    revenue: Fen = Field(description="what those orders paid")
    community: int
    is_promoter: bool


class KolPage(ResponseModel):
    run: KolRunOut | None
    items: list[KolRow]
    next_cursor: str | None


class GraphNode(ResponseModel):
    id: int
    name: str
    community: int
    rank: int | None = Field(description="rank among sharers (None: a shopper who was brought)")
    pagerank: float


class GraphLink(ResponseModel):
    source: int
    target: int


class KolGraph(ResponseModel):
    """The top sharers and the shoppers they brought directly (the console's graph view)."""

    run: KolRunOut | None
    nodes: list[GraphNode]
    links: list[GraphLink]
    communities: int


class InviteBody(RequestModel):
    member_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=200)]
    kind: InviteKind
    play: CampaignPlay | None = Field(default=None, description="with kind=campaign")
    campaign_id: int | None = Field(default=None, ge=1, description="with kind=campaign")
    coupon_template_id: int | None = Field(
        default=None, ge=1, description="a coupon for each seed user (kind=campaign)"
    )


class InviteOutcome(ResponseModel):
    member_id: int
    outcome: Literal["invited", "already_invited", "already_promoter"]


class InviteReport(ResponseModel):
    invited: int
    coupons_issued: int
    items: list[InviteOutcome]


class KolInviteOut(ResponseModel):
    id: int
    member_id: int
    nickname: str
    kind: InviteKind
    play: CampaignPlay | None
    campaign_id: int | None
    campaign_title: str | None
    coupon_template_id: int | None
    coupon_issued: bool
    invited_by: str
    created_at: datetime


class KolInvitePage(ResponseModel):
    items: list[KolInviteOut]
    next_cursor: str | None

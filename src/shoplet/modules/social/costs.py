"""The cost panel of a campaign (group buy or crowdfunding): subsidy spent, customers acquired,
cost per new customer, budget left and a day-by-day series for the console's chart. Pure: the
callers read the rows (their own repositories) and pass them in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social import repository as repo
from shoplet.modules.social.errors import CampaignNotFound
from shoplet.modules.social.schemas import CampaignCostDay, CampaignCosts

SHOP_TZ = ZoneInfo("Asia/Shanghai")


def campaign_costs(
    *,
    campaign_id: int,
    budget: int | None,
    stopped_reason: str | None,
    rows: Iterable[tuple[datetime, int, bool]],
) -> CampaignCosts:
    """``rows``: (paid at, subsidy in fen, first paid order of a new customer) of each paid order
    whose subsidy counts. Cost per new customer rounds half up to the fen."""
    days: dict[str, list[int]] = {}
    spent = paid = new = 0
    for paid_at, subsidy, is_new in rows:
        day = paid_at.astimezone(SHOP_TZ).date().isoformat()
        figures = days.setdefault(day, [0, 0, 0])
        figures[0] += subsidy
        figures[1] += 1
        figures[2] += int(is_new)
        spent += subsidy
        paid += 1
        new += int(is_new)
    return CampaignCosts(
        campaign_id=campaign_id,
        budget=budget,
        subsidy_spent=spent,
        budget_left=None if budget is None else max(budget - spent, 0),
        paid_orders=paid,
        new_customers=new,
        cost_per_new_customer=(spent * 2 + new) // (new * 2) if new else None,
        stopped_by_budget=stopped_reason == "budget",
        days=[
            CampaignCostDay(day=d, subsidy=f[0], paid_orders=f[1], new_customers=f[2])
            for d, f in sorted(days.items())
        ],
    )


async def group_buy_costs(session: AsyncSession, campaign_id: int) -> CampaignCosts:
    """A group-buy campaign's cost panel (404 ``social.campaign_not_found``)."""
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id=campaign_id)
    return campaign_costs(
        campaign_id=campaign.id,
        budget=campaign.budget,
        stopped_reason=campaign.stopped_reason,
        rows=await repo.seat_cost_rows(session, campaign.id),
    )

"""A bargain campaign's cost report (console): bargains, helpers, new customers, orders,
subsidy, cost per new customer and budget left, with the same counts per shop day."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.params import SHOP_TZ
from shoplet.modules.social.bargain import repository as repo
from shoplet.modules.social.bargain.errors import BargainCampaignNotFound
from shoplet.modules.social.bargain.schemas import BargainReport, BargainReportDay


async def campaign_report(session: AsyncSession, campaign_id: int) -> BargainReport:
    """Bargains, helpers, new customers, orders, subsidy and budget of one campaign, with the
    same counts per day (Asia/Shanghai) for the chart."""
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise BargainCampaignNotFound(campaign_id=campaign_id)
    totals = await repo.campaign_totals(session, campaign_id)
    bargains, cuts = await repo.campaign_rows(session, campaign_id)
    started: Counter[date] = Counter(at.astimezone(SHOP_TZ).date() for at, _ in bargains)
    ordered: Counter[date] = Counter(
        at.astimezone(SHOP_TZ).date() for at, status in bargains if status in ("ordered", "paid")
    )
    helped: Counter[date] = Counter(at.astimezone(SHOP_TZ).date() for at in cuts)
    days = sorted(set(started) | set(helped))
    return BargainReport(
        campaign_id=campaign.id,
        bargains_started=totals.started,
        helpers=totals.helpers,
        new_members=totals.new_members,
        orders=totals.ordered,
        paid_orders=totals.paid,
        subsidy=totals.subsidy_paid,
        subsidy_claimed=campaign.subsidy_spent,
        cost_per_new_member=(
            round(totals.subsidy_paid / totals.new_members) if totals.new_members else None
        ),
        budget=campaign.budget,
        budget_left=campaign.budget - campaign.subsidy_spent,
        days=[
            BargainReportDay(day=d, started=started[d], helpers=helped[d], orders=ordered[d])
            for d in days
        ],
    )

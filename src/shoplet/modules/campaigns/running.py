"""Running a campaign (see ``service`` for the steps): materialising its touches, then each due
touch in a transaction of its own — claimed, its channel picked, the frequency cap claimed, the
message queued and the coupon issued. Many workers may run one campaign at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.campaigns import repository as repo
from shoplet.modules.campaigns import rules
from shoplet.modules.campaigns.errors import (
    AudienceUnknown,
)
from shoplet.modules.campaigns.models import Campaign
from shoplet.modules.campaigns.schemas import (
    RunReport,
)
from shoplet.modules.campaigns.service import (
    BATCH,
    Message,
    audience_of,
    campaign_row,
    message_of,
    stored_data,
    templates_of,
)
from shoplet.modules.notification import public as notification
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.campaigns")


def _following(campaign: Campaign, expected: datetime, now: datetime) -> datetime | None:
    if campaign.trigger != "daily":
        return None
    following = expected + timedelta(days=1)
    while following <= now:
        following += timedelta(days=1)
    return following


async def materialise(ctx: AppContext, campaign_id: int, now: datetime) -> int:
    """The audience's new shoppers as touches, once per due run (see the module's doc)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        campaign = await repo.get_campaign(session, campaign_id)
        if (
            campaign is None
            or campaign.status not in ("scheduled", "running")
            or campaign.next_run_at is None
            or campaign.next_run_at > now
        ):
            return 0
        expected = campaign.next_run_at
        if not await repo.claim_run(
            session,
            campaign_id,
            expected=expected,
            following=_following(campaign, expected, now),
            now=now,
        ):
            return 0
        try:
            audience = await audience_of(session, campaign.audience_kind, campaign.audience_value)
        except AudienceUnknown:  # the segment or tag was deleted since: nobody new
            log.warning("campaign_audience_gone", campaign_id=campaign_id)
            audience = []
        window = timedelta(days=campaign.window_days)
        rows = []
        for member_id in audience:
            held_out = rules.is_holdout(campaign_id, member_id, campaign.holdout_percent)
            rows.append(
                {
                    "campaign_id": campaign_id,
                    "member_id": member_id,
                    "grp": "holdout" if held_out else "treated",
                    "status": "holdout" if held_out else "pending",
                    "assigned_at": now,
                    "due_at": now,
                    "is_deferred": False,
                    "attributed_from": now,
                    "attributed_until": now + window,
                }
            )
        return await repo.add_touches(session, rows)


@dataclass(frozen=True, slots=True)
class _Plan:
    campaign_id: int
    message: Message | None
    coupon_template_id: int | None
    cap_days: int
    window: timedelta


async def _channel(session: AsyncSession, message: Message | None, member_id: int) -> str | None:
    """The channel that reaches the shopper: the subscribe message when they hold an accept,
    else the 公众号 when they follow (a plan holds only its channel's templates, so this is
    the campaign's channel, or auto's choice)."""
    if message is None:
        return None
    if message.subscribe is not None and member_id in await notification.credit_holders(
        session, message.subscribe[0], [member_id]
    ):
        return "subscribe"
    if message.official_account is not None and member_id in await notification.followers_of(
        session, [member_id]
    ):
        return "official_account"
    return None


async def _touch(ctx: AppContext, plan: _Plan, touch_id: int, now: datetime) -> bool:
    """Make one due touch (its own transaction); False when another worker had it. The touch
    is claimed once and messages through one channel, so a shopper gets one message per
    campaign whichever channels could reach them; the cap holds across campaigns and
    channels."""
    async with unit_of_work(ctx.sessionmaker) as session:
        member_id = await repo.claim_touch(session, touch_id, now)
        if member_id is None:
            return False
        channel = await _channel(session, plan.message, member_id)
        if channel is None and plan.coupon_template_id is None:
            await repo.finish_touch(session, touch_id, {"status": "no_credit", "touched_at": None})
            return True
        if not await repo.claim_cap(
            session,
            member_id=member_id,
            campaign_id=plan.campaign_id,
            now=now,
            cap_days=plan.cap_days,
        ):
            await repo.finish_touch(session, touch_id, {"status": "capped", "touched_at": None})
            return True
        values: dict[str, Any] = {"attributed_from": now, "attributed_until": now + plan.window}
        message = plan.message
        ref = f"campaign:{plan.campaign_id}"
        if channel == "subscribe" and message is not None and message.subscribe is not None:
            values["is_messaged"] = await notification.enqueue(
                session, event=message.event, member_id=member_id, ref=ref,
                values=message.subscribe[1],
            )  # fmt: skip
        elif channel == "official_account" and message is not None:
            values["is_messaged"] = await notification.enqueue_official_account(
                session, event=message.event, member_id=member_id, ref=ref,
                values=message.official_account or {},
            )  # fmt: skip
        if values.get("is_messaged"):
            values["channel"] = channel
        if plan.coupon_template_id is not None:
            try:
                report = await promotions.issue(
                    session,
                    template_id=plan.coupon_template_id,
                    member_ids=[member_id],
                    actor=f"campaign:{plan.campaign_id}",
                )
            except ShopletError as exc:  # stopped or expired since the start: no coupon
                log.warning("campaign_coupon_refused", campaign_id=plan.campaign_id, code=exc.code)
            else:
                values["is_coupon_issued"] = member_id in report.issued
        await repo.finish_touch(session, touch_id, values)
    return True


async def _plan(session: AsyncSession, campaign: Campaign) -> _Plan:
    message = None
    if campaign.message_event is not None:
        # A template disabled since the start leaves its channel out (coupons only when none).
        templates = await templates_of(session, campaign.channel, campaign.message_event)
        if any(t is not None for t in templates.values()):
            message = message_of(
                campaign.message_event, templates, stored_data(campaign.message_data)
            )
    return _Plan(
        campaign_id=campaign.id,
        message=message,
        coupon_template_id=campaign.coupon_template_id,
        cap_days=campaign.cap_days,
        window=timedelta(days=campaign.window_days),
    )


async def run(ctx: AppContext, campaign_id: int, now: datetime | None = None) -> RunReport:
    """One worker's pass over a campaign: materialise if due, defer in quiet hours, make the
    due touches, and close a one-off campaign with nothing left. Safe to run in many workers."""
    now = now or utcnow()
    materialised = await materialise(ctx, campaign_id, now)
    touched = 0
    async with unit_of_work(ctx.sessionmaker) as session:
        campaign = await campaign_row(session, campaign_id)
        status = campaign.status
        if status != "running":
            return RunReport(materialised=materialised, touched=0, status=status)  # type: ignore[arg-type]
        quiet = rules.quiet_until(now, campaign.quiet_start_minute, campaign.quiet_end_minute)
        if quiet is not None:
            await repo.defer_due(session, campaign_id, now=now, until=quiet)
        plan = await _plan(session, campaign)
    while quiet is None:
        async with unit_of_work(ctx.sessionmaker) as session:
            ids = await repo.due_touch_ids(session, campaign_id, now=now, limit=BATCH)
        if not ids:
            break
        for touch_id in ids:
            touched += await _touch(ctx, plan, touch_id, now)
        if len(ids) < BATCH:
            break
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.complete_if_drained(session, campaign_id, now)
        status = (await campaign_row(session, campaign_id)).status
    return RunReport(materialised=materialised, touched=touched, status=status)  # type: ignore[arg-type]


async def due_campaigns(session: AsyncSession, now: datetime | None = None) -> list[int]:
    return await repo.due_campaign_ids(session, now or utcnow())

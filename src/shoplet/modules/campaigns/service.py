"""Campaigns: save and check a campaign, start and cancel it, run it, and read its results.

A run is short transactions, so many workers can run one campaign at once:

1. materialise (when ``next_run_at`` has come): one worker wins the conditional move of
   ``next_run_at`` and, in the same transaction, writes one touch per shopper of the audience
   not in the campaign yet (``ON CONFLICT DO NOTHING``), in the group the hash of (campaign,
   member) puts them: the holdout is recorded and never touched;
2. inside quiet hours every due touch moves to the end of the window (never dropped);
3. each due touch in its own transaction: claimed (``pending → done``, conditional), then the
   shopper without a credit for a message-only campaign is ``no_credit``; the frequency cap is
   claimed (one conditional upsert across campaigns, else ``capped``); the message is queued
   with notification and the coupon issued by promotions, in the touch's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.analytics import public as analytics
from shoplet.modules.campaigns import repository as repo
from shoplet.modules.campaigns import rules
from shoplet.modules.campaigns.errors import (
    AudienceUnknown,
    CampaignNotFound,
    CapInvalid,
    CouponTemplateInactive,
    CouponTemplateUnknown,
    FieldInvalid,
    HoldoutInvalid,
    NotCancellable,
    NotEditable,
    NothingToSend,
    QuietHoursInvalid,
    TemplateDisabled,
    WindowInvalid,
)
from shoplet.modules.campaigns.models import Campaign
from shoplet.modules.campaigns.schemas import (
    CampaignInput,
    CampaignOut,
    CampaignResults,
    GroupResult,
    LiftOut,
    Progress,
    RunReport,
)
from shoplet.modules.notification import public as notification
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.campaigns")

DORMANT_DAYS = (30, 365)
MAX_HOLDOUT = 50
MAX_CAP_DAYS = 365
MAX_WINDOW_DAYS = 90
BATCH = 200


# -- saving ----------------------------------------------------------------------------------


async def _audience(session: AsyncSession, kind: str, value: str) -> list[int]:
    """The audience now (AudienceUnknown when it names nothing)."""
    found: list[int] | None = None
    if kind in ("segment", "dormant"):
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise AudienceUnknown(f"{kind} takes a number", audience_kind=kind)
        number = int(value)
        if kind == "dormant":
            low, high = DORMANT_DAYS
            if not low <= number <= high:
                raise AudienceUnknown(f"no order for {low} to {high} days", audience_kind=kind)
            found = await analytics.audience_member_ids(session, dormant_days=number)
        else:
            found = await analytics.audience_member_ids(session, segment_id=number)
    elif kind == "rfm_class":
        found = await analytics.audience_member_ids(session, rfm_class=value)
    elif kind == "tag":
        found = await analytics.audience_member_ids(session, tag=value)
    if found is None:
        raise AudienceUnknown(f"no {kind} {value!r}", audience_kind=kind)
    return found


async def _check_message(
    session: AsyncSession, event: str | None, data: dict[str, str]
) -> tuple[str, dict[str, str]] | None:
    if event is None:
        if data:
            raise FieldInvalid("values without a message template", key=next(iter(data)))
        return None
    template = (
        await notification.enabled_template(session, event)
        if event in notification.EVENTS
        else None
    )
    if template is None:
        raise TemplateDisabled(message_event=event)
    _template_id, fields = template
    for key in fields:
        if key not in data:
            raise FieldInvalid(f"{key}: missing", key=key, reason="missing")
    for key in data:
        if key not in fields:
            raise FieldInvalid(f"{key}: not a key of the template", key=key, reason="unknown_key")
    try:
        notification.check_fields(data)
    except notification.FieldInvalid as exc:
        raise FieldInvalid(str(exc), key=exc.key, reason=exc.reason) from None
    return template


async def _check_coupon(session: AsyncSession, template_id: int | None) -> None:
    if template_id is None:
        return
    try:
        template = await promotions.get_template(session, template_id)
    except promotions.TemplateNotFound:
        raise CouponTemplateUnknown(coupon_template_id=template_id) from None
    if template.status != "active":
        raise CouponTemplateInactive(
            coupon_template_id=template_id, template_status=template.status
        )


async def _values(session: AsyncSession, body: CampaignInput) -> dict[str, Any]:
    """The columns of a checked campaign; every refusal before anything is written."""
    if not 0 <= body.holdout_percent <= MAX_HOLDOUT:
        raise HoldoutInvalid(holdout_percent=body.holdout_percent)
    if not 1 <= body.cap_days <= MAX_CAP_DAYS:
        raise CapInvalid(cap_days=body.cap_days)
    if not 1 <= body.window_days <= MAX_WINDOW_DAYS:
        raise WindowInvalid(window_days=body.window_days)
    quiet_start = rules.parse_clock(body.quiet_start)
    quiet_end = rules.parse_clock(body.quiet_end)
    if quiet_start is None or quiet_end is None:
        raise QuietHoursInvalid(quiet_start=body.quiet_start, quiet_end=body.quiet_end)
    if body.message_event is None and body.coupon_template_id is None:
        raise NothingToSend()
    await _audience(session, body.audience_kind, body.audience_value)
    await _check_message(session, body.message_event, dict(body.message_data))
    await _check_coupon(session, body.coupon_template_id)
    return {
        "name": body.name,
        "audience_kind": body.audience_kind,
        "audience_value": body.audience_value,
        "message_event": body.message_event,
        "message_data": dict(body.message_data),
        "coupon_template_id": body.coupon_template_id,
        "trigger": body.trigger,
        "start_at": body.start_at,
        "holdout_percent": body.holdout_percent,
        "cap_days": body.cap_days,
        "quiet_start_minute": quiet_start,
        "quiet_end_minute": quiet_end,
        "window_days": body.window_days,
    }


async def create(session: AsyncSession, body: CampaignInput, *, actor: str) -> CampaignOut:
    """A draft campaign (400/409 ``campaigns.*`` when it could not run as saved)."""
    values = await _values(session, body)
    now = utcnow()
    campaign = await repo.add_campaign(
        session,
        {**values, "status": "draft", "created_by": actor, "created_at": now, "updated_at": now},
    )
    return (await _out(session, [campaign]))[0]


async def _campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    found = await repo.get_campaign(session, campaign_id)
    if found is None:
        raise CampaignNotFound(campaign_id=campaign_id)
    return found


async def update(session: AsyncSession, campaign_id: int, body: CampaignInput) -> CampaignOut:
    """Edit a draft (409 ``campaigns.not_editable`` once started)."""
    campaign = await _campaign(session, campaign_id)
    if campaign.status != "draft":
        raise NotEditable(campaign_id=campaign_id, campaign_status=campaign.status)
    values = await _values(session, body)
    if not await repo.update_campaign(
        session, campaign_id, ("draft",), {**values, "updated_at": utcnow()}
    ):
        raise NotEditable(campaign_id=campaign_id)
    return await get(session, campaign_id)


async def start(session: AsyncSession, campaign_id: int) -> CampaignOut:
    """Draft → scheduled (its audience is materialised at ``start_at``, or at once); the
    message's template and the coupon are checked again, as they may have changed."""
    campaign = await _campaign(session, campaign_id)
    if campaign.status != "draft":
        raise NotEditable(campaign_id=campaign_id, campaign_status=campaign.status)
    await _check_message(session, campaign.message_event, dict(campaign.message_data))
    await _check_coupon(session, campaign.coupon_template_id)
    now = utcnow()
    first = campaign.start_at if campaign.start_at is not None else now
    if not await repo.update_campaign(
        session,
        campaign_id,
        ("draft",),
        {"status": "scheduled", "next_run_at": first, "updated_at": now},
    ):
        raise NotEditable(campaign_id=campaign_id)
    return await get(session, campaign_id)


async def cancel(session: AsyncSession, campaign_id: int) -> CampaignOut:
    """Stop a campaign: touches not made yet are cancelled (the made ones keep their results)."""
    campaign = await _campaign(session, campaign_id)
    if not await repo.update_campaign(
        session,
        campaign_id,
        ("draft", "scheduled", "running"),
        {"status": "cancelled", "next_run_at": None, "updated_at": utcnow()},
    ):
        raise NotCancellable(campaign_id=campaign_id, campaign_status=campaign.status)
    await repo.cancel_pending(session, campaign_id)
    return await get(session, campaign_id)


# -- reading ---------------------------------------------------------------------------------


def _progress(rows: Sequence[tuple[str, str, int, int, int, int]]) -> Progress:
    count: dict[str, int] = {}
    treated = holdout = deferred = messages = coupons = 0
    for grp, status, n, was_deferred, messaged, couponed in rows:
        if status == "cancelled":
            continue
        count[status] = count.get(status, 0) + n
        if grp == "holdout":
            holdout += n
        else:
            treated += n
        deferred += was_deferred
        messages += messaged
        coupons += couponed
    return Progress(
        audience=treated + holdout,
        treated=treated,
        holdout=holdout,
        pending=count.get("pending", 0),
        done=count.get("done", 0),
        skipped_cap=count.get("capped", 0),
        skipped_no_credit=count.get("no_credit", 0),
        deferred_quiet=deferred,
        messages=messages,
        coupons=coupons,
    )


async def _out(session: AsyncSession, campaigns: Sequence[Campaign]) -> list[CampaignOut]:
    counts = await repo.touch_counts(session, [c.id for c in campaigns])
    return [
        CampaignOut(
            id=c.id,
            name=c.name,
            status=c.status,  # type: ignore[arg-type]
            audience_kind=c.audience_kind,  # type: ignore[arg-type]
            audience_value=c.audience_value,
            message_event=c.message_event,
            message_data={str(k): str(v) for k, v in (c.message_data or {}).items()},
            coupon_template_id=c.coupon_template_id,
            trigger=c.trigger,  # type: ignore[arg-type]
            start_at=c.start_at,
            holdout_percent=c.holdout_percent,
            cap_days=c.cap_days,
            quiet_start=rules.clock(c.quiet_start_minute),
            quiet_end=rules.clock(c.quiet_end_minute),
            window_days=c.window_days,
            next_run_at=c.next_run_at,
            last_run_at=c.last_run_at,
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
            progress=_progress(counts.get(c.id, [])),
        )
        for c in campaigns
    ]


async def get(session: AsyncSession, campaign_id: int) -> CampaignOut:
    return (await _out(session, [await _campaign(session, campaign_id)]))[0]


async def list_campaigns(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[CampaignOut]:
    rows = await repo.list_campaigns(session, status=status, before_id=before_id, limit=limit)
    return await _out(session, rows)


async def results(session: AsyncSession, campaign_id: int) -> CampaignResults:
    """Treated against holdout: shoppers, ordering shoppers, orders and net revenue in each
    shopper's window, and the incremental orders and revenue with their 95 % intervals."""
    campaign = await _campaign(session, campaign_id)
    sizes = await repo.group_sizes(session, campaign_id)
    since, until = await repo.window_bounds(session, campaign_id)
    per_member: list[tuple[str, int, int, int]] = []
    if since is not None and until is not None:
        per_member = await repo.attributed_orders(
            session, campaign_id, orders.paid_order_facts(since, until)
        )
    groups = []
    values: dict[str, tuple[list[int], list[int]]] = {"treated": ([], []), "holdout": ([], [])}
    for grp in ("treated", "holdout"):
        mine = [row for row in per_member if row[0] == grp]
        shoppers = sizes.get(grp, 0)
        ordering = sum(1 for row in mine if row[2] > 0)
        values[grp] = ([row[2] for row in mine], [row[3] for row in mine])
        groups.append(
            GroupResult(
                group=grp,
                shoppers=shoppers,
                ordering=ordering,
                orders=sum(row[2] for row in mine),
                revenue=sum(row[3] for row in mine),
                ordering_rate=ordering / shoppers if shoppers else 0.0,
            )
        )
    n_t, n_h = sizes.get("treated", 0), sizes.get("holdout", 0)
    order_lift = rules.lift(values["treated"][0], n_t, values["holdout"][0], n_h)
    revenue_lift = rules.lift(values["treated"][1], n_t, values["holdout"][1], n_h)
    return CampaignResults(
        window_days=campaign.window_days,
        groups=groups,
        incremental_orders=LiftOut(
            value=order_lift.value, ci_low=order_lift.ci_low, ci_high=order_lift.ci_high
        ),
        incremental_revenue=LiftOut(
            value=revenue_lift.value, ci_low=revenue_lift.ci_low, ci_high=revenue_lift.ci_high
        ),
    )


# -- running ---------------------------------------------------------------------------------


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
            audience = await _audience(session, campaign.audience_kind, campaign.audience_value)
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
    message: tuple[str, str, dict[str, str]] | None  # (event, WeChat template id, values)
    coupon_template_id: int | None
    cap_days: int
    window: timedelta


async def _touch(ctx: AppContext, plan: _Plan, touch_id: int, now: datetime) -> bool:
    """Make one due touch (its own transaction); False when another worker had it."""
    async with unit_of_work(ctx.sessionmaker) as session:
        member_id = await repo.claim_touch(session, touch_id, now)
        if member_id is None:
            return False
        has_credit = plan.message is not None and member_id in await notification.credit_holders(
            session, plan.message[1], [member_id]
        )
        if not has_credit and plan.coupon_template_id is None:
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
        if has_credit and plan.message is not None:
            event, _template_id, data = plan.message
            values["is_messaged"] = await notification.enqueue(
                session,
                event=event,
                member_id=member_id,
                ref=f"campaign:{plan.campaign_id}",
                values=data,
            )
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
        template = await notification.enabled_template(session, campaign.message_event)
        if template is not None:  # disabled since the start: coupons only
            template_id, fields = template
            data = {str(k): str(v) for k, v in (campaign.message_data or {}).items()}
            message = (
                campaign.message_event,
                template_id,
                {source: data[key] for key, source in fields.items() if key in data},
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
        campaign = await _campaign(session, campaign_id)
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
        status = (await _campaign(session, campaign_id)).status
    return RunReport(materialised=materialised, touched=touched, status=status)  # type: ignore[arg-type]


async def due_campaigns(session: AsyncSession, now: datetime | None = None) -> list[int]:
    return await repo.due_campaign_ids(session, now or utcnow())

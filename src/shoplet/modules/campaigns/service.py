"""Campaigns: save and check a campaign, start and cancel it, run it, and read its results.

A run is short transactions, so many workers can run one campaign at once:

1. materialise (when ``next_run_at`` has come): one worker wins the conditional move of
   ``next_run_at`` and, in the same transaction, writes one touch per shopper of the audience
   not in the campaign yet (``ON CONFLICT DO NOTHING``), in the group the hash of (campaign,
   member) puts them: the holdout is recorded and never touched;
2. inside quiet hours every due touch moves to the end of the window (never dropped);
3. each due touch in its own transaction: claimed (``pending → done``, conditional), then its
   channel is picked (subscribe: the shopper holds an accept; official_account: they follow the
   公众号 through a linked follower; auto: the first of the two that reaches them), and a
   message-only campaign's shopper no channel reaches is ``no_credit``; the frequency cap is
   claimed (one conditional upsert across campaigns and channels, else ``capped``); the
   message is queued with notification on that channel (its own queue and claims) and the
   coupon issued by promotions, in the touch's transaction; the touch records the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
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
from shoplet.modules.campaigns.models import TOUCH_CHANNELS, Campaign
from shoplet.modules.campaigns.schemas import (
    CampaignInput,
    CampaignOut,
    CampaignResults,
    ChannelReach,
    ChannelResult,
    GroupResult,
    LiftOut,
    Progress,
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


async def audience_of(session: AsyncSession, kind: str, value: str) -> list[int]:
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


@dataclass(frozen=True, slots=True)
class Message:
    """What a touch may send: the event, and per channel its values by the event's names
    (the subscribe message with its WeChat template id, for the credit check)."""

    event: str
    subscribe: tuple[str, dict[str, str]] | None
    official_account: dict[str, str] | None


# The templates each channel needs: auto needs both (it picks one per shopper).
CHANNEL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "subscribe": ("subscribe",),
    "official_account": ("official_account",),
    "auto": ("subscribe", "official_account"),
}


async def templates_of(
    session: AsyncSession, channel: str, event: str
) -> dict[str, tuple[str, dict[str, str]] | None]:
    """Each template the channel needs: (WeChat template id, key → value name), or None when
    missing or disabled."""
    found: dict[str, tuple[str, dict[str, str]] | None] = {}
    for kind in CHANNEL_TEMPLATES[channel]:
        if event not in notification.EVENTS:
            found[kind] = None
        elif kind == "subscribe":
            found[kind] = await notification.enabled_template(session, event)
        else:
            found[kind] = await notification.oa_enabled_template(session, event)
    return found


def _by_name(fields: dict[str, str], data: dict[str, str]) -> dict[str, str]:
    return {source: data[key] for key, source in fields.items() if key in data}


def message_of(
    event: str,
    templates: dict[str, tuple[str, dict[str, str]] | None],
    data: dict[str, str],
) -> Message:
    subscribe = templates.get("subscribe")
    official = templates.get("official_account")
    return Message(
        event=event,
        subscribe=(subscribe[0], _by_name(subscribe[1], data)) if subscribe else None,
        official_account=_by_name(official[1], data) if official else None,
    )


async def _check_message(
    session: AsyncSession, channel: str, event: str | None, data: dict[str, str]
) -> Message | None:
    """The message as the channel will send it; refused when a template the channel needs is
    missing or disabled, or a value is missing, unknown or one WeChat would refuse."""
    if event is None:
        if data:
            raise FieldInvalid("values without a message template", key=next(iter(data)))
        return None
    templates = await templates_of(session, channel, event)
    known: set[str] = set()
    for kind, template in templates.items():
        if template is None:
            raise TemplateDisabled(message_event=event, channel=kind)
        for key in template[1]:
            if key not in data:
                raise FieldInvalid(f"{key}: missing", key=key, reason="missing", channel=kind)
        known |= set(template[1])
    for key in data:
        if key not in known:
            raise FieldInvalid(f"{key}: not a key of the template", key=key, reason="unknown_key")
    try:
        notification.check_fields(data)
    except notification.FieldInvalid as exc:
        raise FieldInvalid(str(exc), key=exc.key, reason=exc.reason) from None
    return message_of(event, templates, data)


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
    await audience_of(session, body.audience_kind, body.audience_value)
    await _check_message(session, body.channel, body.message_event, dict(body.message_data))
    await _check_coupon(session, body.coupon_template_id)
    return {
        "name": body.name,
        "audience_kind": body.audience_kind,
        "audience_value": body.audience_value,
        "message_event": body.message_event,
        "message_data": dict(body.message_data),
        "channel": body.channel,
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


async def campaign_row(session: AsyncSession, campaign_id: int) -> Campaign:
    found = await repo.get_campaign(session, campaign_id)
    if found is None:
        raise CampaignNotFound(campaign_id=campaign_id)
    return found


async def update(session: AsyncSession, campaign_id: int, body: CampaignInput) -> CampaignOut:
    """Edit a draft (409 ``campaigns.not_editable`` once started)."""
    campaign = await campaign_row(session, campaign_id)
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
    campaign = await campaign_row(session, campaign_id)
    if campaign.status != "draft":
        raise NotEditable(campaign_id=campaign_id, campaign_status=campaign.status)
    await _check_message(
        session, campaign.channel, campaign.message_event, stored_data(campaign.message_data)
    )
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
    campaign = await campaign_row(session, campaign_id)
    if not await repo.update_campaign(
        session,
        campaign_id,
        ("draft", "scheduled", "running"),
        {"status": "cancelled", "next_run_at": None, "updated_at": utcnow()},
    ):
        raise NotCancellable(campaign_id=campaign_id, campaign_status=campaign.status)
    await repo.cancel_pending(session, campaign_id)
    return await get(session, campaign_id)


def stored_data(stored: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (stored or {}).items()}


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
            message_data=stored_data(c.message_data),
            channel=c.channel,  # type: ignore[arg-type]
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
    return (await _out(session, [await campaign_row(session, campaign_id)]))[0]


async def list_campaigns(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> list[CampaignOut]:
    rows = await repo.list_campaigns(session, status=status, before_id=before_id, limit=limit)
    return await _out(session, rows)


async def results(session: AsyncSession, campaign_id: int) -> CampaignResults:
    """Treated against holdout: shoppers, ordering shoppers, orders and net revenue in each
    shopper's window, and the incremental orders and revenue with their 95 % intervals."""
    campaign = await campaign_row(session, campaign_id)
    sizes = await repo.group_sizes(session, campaign_id)
    since, until = await repo.window_bounds(session, campaign_id)
    per_member: list[tuple[str, int, int, int, str | None]] = []
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
    messaged = await repo.messaged_by_channel(session, campaign_id)
    channels = []
    for channel in TOUCH_CHANNELS:
        mine = [row for row in per_member if row[0] == "treated" and row[4] == channel]
        channels.append(
            ChannelResult(
                channel=channel,  # type: ignore[arg-type]
                messaged=messaged.get(channel, 0),
                ordering=sum(1 for row in mine if row[2] > 0),
                orders=sum(row[2] for row in mine),
                revenue=sum(row[3] for row in mine),
            )
        )
    n_t, n_h = sizes.get("treated", 0), sizes.get("holdout", 0)
    order_lift = rules.lift(values["treated"][0], n_t, values["holdout"][0], n_h)
    revenue_lift = rules.lift(values["treated"][1], n_t, values["holdout"][1], n_h)
    return CampaignResults(
        window_days=campaign.window_days,
        groups=groups,
        channels=channels,
        incremental_orders=LiftOut(
            value=order_lift.value, ci_low=order_lift.ci_low, ci_high=order_lift.ci_high
        ),
        incremental_revenue=LiftOut(
            value=revenue_lift.value, ci_low=revenue_lift.ci_low, ci_high=revenue_lift.ci_high
        ),
    )


REACH_CHUNK = 1000


async def reach(
    session: AsyncSession, *, audience_kind: str, audience_value: str, message_event: str | None
) -> ChannelReach:
    """How many of the audience each channel reaches now: the accept holders of the event's
    subscribe template, the linked 公众号 followers, and auto (either). 400
    ``campaigns.audience_unknown``."""
    audience = await audience_of(session, audience_kind, audience_value)
    templates = (
        await templates_of(session, "auto", message_event)
        if message_event is not None
        else {"subscribe": None, "official_account": None}
    )
    subscribe = templates["subscribe"]
    holders: set[int] = set()
    followers: set[int] = set()
    for start in range(0, len(audience), REACH_CHUNK):
        ids = audience[start : start + REACH_CHUNK]
        if subscribe is not None:
            holders |= await notification.credit_holders(session, subscribe[0], ids)
        followers |= await notification.followers_of(session, ids)
    return ChannelReach(
        audience=len(audience),
        subscribe=len(holders),
        official_account=len(followers),
        auto=len(holders | followers),
        is_subscribe_ready=subscribe is not None,
        is_official_account_ready=templates["official_account"] is not None,
    )

"""The shopper's side: pages, buy tokens, the buy hot path, ticket look-ups.

The buy path never touches the database: the shopper comes from the access JWT (signature
only), the buy token is one HMAC (once per process: verified tokens are cached), campaign
metadata and sold-out flags are in process, and the decision is one Lua script in Redis (see
store.py), sent in one pipeline with the other buys of the same event-loop turn. Everything a
refused request can cost is the rate-limit counters inside that script.
"""

from __future__ import annotations

import math
import secrets
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Gauge
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.errors import (
    AddressRequired,
    Busy,
    BuyRateLimited,
    CampaignNotFound,
    ChallengeFailed,
    ChallengeRequired,
    Ended,
    InvalidQuantity,
    InvalidToken,
    LimitReached,
    NotStarted,
    SkuNotInCampaign,
    SoldOut,
    TicketNotFound,
    TooEarly,
)
from shoplet.modules.flashsale.runtime import FlashRuntime
from shoplet.modules.flashsale.schemas import (
    BuyResult,
    BuyTokenOut,
    CampaignInfo,
    CampaignList,
    CampaignPage,
    Challenge,
    ItemLive,
    PublicStatus,
    TicketOut,
    TokenRequest,
)
from shoplet.modules.flashsale.service import CAMPAIGN_NAMESPACE, LIST_NAMESPACE, campaign_info
from shoplet.modules.members import public as members
from shoplet.modules.risk import public as risk

LIST_HORIZON = timedelta(days=7)


class BuyMetrics:
    def __init__(self, runtime: FlashRuntime) -> None:
        self.outcomes = Counter(
            "shoplet_flashsale_buy_total",
            "Flash-sale buy attempts by outcome",
            ["outcome"],
            registry=runtime.ctx.metrics.registry,
        )
        # The units the buy script reported left; each replica sees its own last buy, so a
        # dashboard takes the lowest across replicas.
        self.stock = Gauge(
            "shoplet_flashsale_stock_remaining",
            "Units left per campaign and SKU after the last buy this process answered",
            ["campaign", "sku"],
            registry=runtime.ctx.metrics.registry,
        )
        self._children: dict[str, Counter] = {}
        self._stock: dict[tuple[int, int], Gauge] = {}

    def count(self, outcome: str) -> None:
        child = self._children.get(outcome)
        if child is None:
            child = self._children[outcome] = self.outcomes.labels(outcome)
        child.inc()

    def left(self, campaign_id: int, sku_id: int, remaining: int) -> None:
        gauge = self._stock.get((campaign_id, sku_id))
        if gauge is None:
            gauge = self._stock[(campaign_id, sku_id)] = self.stock.labels(
                str(campaign_id), str(sku_id)
            )
        gauge.set(max(remaining, 0))


def _metrics(runtime: FlashRuntime) -> BuyMetrics:
    found = runtime.ctx.extras.get("flashsale.buy_metrics")
    if not isinstance(found, BuyMetrics):
        found = runtime.ctx.extras["flashsale.buy_metrics"] = BuyMetrics(runtime)
    return found


# -- the hot path ----------------------------------------------------------------------------


def _precheck(
    runtime: FlashRuntime,
    info: CampaignInfo,
    *,
    campaign_id: int,
    sku_id: int,
    quantity: int,
    now: float,
) -> tuple[str, ShopletError] | None:
    """Refusals decided in process (no Redis): SKU, quantity, a window clearly not open, a
    SKU this process knows is sold out."""
    item = info.item(sku_id)
    if item is None:
        return "unknown_sku", SkuNotInCampaign(sku_id=sku_id)
    if quantity > item.per_shopper_limit:
        return "invalid_quantity", InvalidQuantity(f"at most {item.per_shopper_limit} per shopper")
    tolerance = runtime.settings.clock_tolerance_ms / 1000
    if info.cancelled or now >= info.ends_at.timestamp() + tolerance:
        return "ended", Ended()
    if now < info.starts_at.timestamp() - tolerance:
        return "not_started", NotStarted(starts_at=info.starts_at.isoformat())
    if runtime.edge.is_sold_out(campaign_id, sku_id):
        return "sold_out_local", SoldOut()
    return None


async def buy(
    runtime: FlashRuntime,
    *,
    campaign_id: int,
    member_id: int,
    sku_id: int,
    quantity: int,
    token: str,
    ip: str,
) -> str:
    """Try to buy: the ticket of the queued order request, or the reason it was refused (each
    refusal before the script changes nothing anywhere)."""
    metrics = _metrics(runtime)
    now = time.time()
    if not runtime.tokens.verify(token, campaign_id=campaign_id, member_id=member_id, now=now):
        metrics.count("invalid_token")
        raise InvalidToken()
    info = await runtime.edge.campaign(campaign_id)
    if info is None:
        metrics.count("not_started")
        raise NotStarted("This flash sale is not open yet")
    refused = _precheck(
        runtime, info, campaign_id=campaign_id, sku_id=sku_id, quantity=quantity, now=now
    )
    if refused is not None:
        metrics.count(refused[0])
        raise refused[1]
    settings = runtime.settings
    try:
        result = await runtime.store.buy(
            campaign_id=campaign_id,
            sku_id=sku_id,
            member_id=member_id,
            quantity=quantity,
            ticket=f"{campaign_id}-{secrets.token_hex(12)}",
            ip=ip,
            per_member=settings.buy_per_member,
            per_ip=settings.buy_per_ip,
            window_ms=settings.buy_window_ms,
        )
    except (RedisError, OSError) as exc:
        # Shed, never a 500. Had the script run before the connection broke, the request is
        # queued all the same: a retry answers limit_reached with its ticket.
        metrics.count("busy")
        raise Busy() from exc
    metrics.count(result.outcome)
    if result.outcome in ("queued", "sold_out"):
        metrics.left(campaign_id, sku_id, result.remaining)
    if (
        result.outcome in ("queued", "sold_out")
        and result.remaining <= 0
        and not runtime.edge.is_sold_out(campaign_id, sku_id)
    ):
        # Once per process: the requests in flight when the SKU ran out all learn it here.
        await runtime.signal(f"soldout:{campaign_id}:{sku_id}")
    if result.outcome == "queued" and result.ticket is not None:
        return result.ticket
    raise _refusal(result, sku_id=sku_id, starts_at=info.starts_at)


def _refusal(result: BuyResult, *, sku_id: int, starts_at: datetime) -> ShopletError:
    if result.outcome == "sold_out":
        return SoldOut()
    if result.outcome == "limit_reached":
        return LimitReached(ticket=result.ticket)
    if result.outcome == "rate_limited":
        return BuyRateLimited(retry_after=math.ceil(result.retry_after_ms / 1000))
    if result.outcome == "ended":
        return Ended()
    if result.outcome == "unknown_sku":
        return SkuNotInCampaign(sku_id=sku_id)
    return NotStarted(starts_at=starts_at.isoformat())


# -- buy tokens ------------------------------------------------------------------------------


async def _known_campaign(
    runtime: FlashRuntime, session: AsyncSession, campaign_id: int
) -> CampaignInfo:
    info = await runtime.edge.campaign(campaign_id)
    if info is not None:
        return info
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    items = (await repo.items_of(session, [campaign_id]))[campaign_id]
    return campaign_info(campaign, items)


async def issue_token(
    runtime: FlashRuntime,
    session: AsyncSession,
    *,
    campaign_id: int,
    member_id: int,
    ip: str,
    body: TokenRequest,
) -> BuyTokenOut:
    """A buy token for this shopper and campaign, from ``token_lead_seconds`` before the start
    until the end. Shoppers without an address are told now (409), not after the sale; when the
    risk engine challenges, the arithmetic challenge must be answered (403 with the challenge)."""
    ctx = runtime.ctx
    settings = runtime.settings
    await ctx.limiter.hit(settings.issue_per_member_limit, "flash-token-member", str(member_id))
    await ctx.limiter.hit(settings.issue_per_ip_limit, "flash-token-ip", ip)
    info = await _known_campaign(runtime, session, campaign_id)
    now = utcnow()
    if info.cancelled or now >= info.ends_at:
        raise Ended()
    opens_at = info.starts_at - timedelta(seconds=settings.token_lead_seconds)
    if now < opens_at:
        raise TooEarly(
            f"buy tokens are issued from {opens_at.isoformat()}", opens_at=opens_at.isoformat()
        )
    try:
        await members.get_default_address_snapshot(session, ctx.pii, member_id)
    except members.AddressNotFound as exc:
        raise AddressRequired() from exc
    since = await members.get_member_since(session, member_id)
    # The shop's rules (the risk engine, within this campaign; the defaults challenge a third
    # account on one phone, a new account in bursts and a crowded IP) at token time only: the
    # buy path keeps its one Redis round trip. The engine's challenge is this arithmetic
    # challenge; its block is 403 ``risk.blocked``; both follow ``SHOPLET_RISK_MODE``.
    if await _engine_challenges(session, ctx, campaign_id, member_id, ip, body, since):
        if body.challenge_id is None or body.answer is None:
            raise ChallengeRequired(challenge=await _challenge(runtime, member_id))
        stored = await runtime.store.take_challenge(body.challenge_id)
        if not runtime.challenges.check(
            stored, challenge_id=body.challenge_id, member_id=member_id, answer=body.answer
        ):
            raise ChallengeFailed(challenge=await _challenge(runtime, member_id))
        _metrics(runtime).count("challenge_passed")
    expires_at = min(now + timedelta(seconds=settings.token_ttl_seconds), info.ends_at)
    token = runtime.tokens.issue(
        campaign_id=campaign_id, member_id=member_id, expires_at=expires_at.timestamp()
    )
    return BuyTokenOut(
        token=token,
        expires_at=expires_at,
        campaign_id=campaign_id,
        starts_at=info.starts_at,
        ends_at=info.ends_at,
        server_time=now,
    )


async def _engine_challenges(  # noqa: PLR0917
    session: AsyncSession,
    ctx: AppContext,
    campaign_id: int,
    member_id: int,
    ip: str,
    body: TokenRequest,
    since: datetime | None,
) -> bool:
    """Whether the risk engine asks for a challenge before this buy token (it raises
    ``risk.blocked`` itself; in monitor mode it only logs)."""
    try:
        await risk.guard(
            session,
            ctx,
            risk.RiskRequest(
                action="flash_token",
                subject=f"member:{member_id}",
                member_id=member_id,
                ip=ip,
                device_id=body.device_id,
                scope=f"flash:{campaign_id}",
                account_created_at=since,
            ),
        )
    except risk.ChallengeRequired:
        return True
    return False


async def _challenge(runtime: FlashRuntime, member_id: int) -> dict[str, object]:
    issued = runtime.challenges.issue(member_id)
    ttl = runtime.settings.challenge_ttl_seconds
    await runtime.store.put_challenge(issued.id, issued.stored, ttl)
    return Challenge(id=issued.id, question=issued.question, expires_in=ttl).model_dump()


# -- tickets ---------------------------------------------------------------------------------


async def ticket_status(
    runtime: FlashRuntime, session: AsyncSession, *, member_id: int, ticket: str
) -> TicketOut:
    """Queued, order created (with its number) or failed (with the reason). Another shopper's
    ticket is 404, like an unknown one."""
    await runtime.ctx.limiter.hit(
        runtime.settings.ticket_per_member_limit, "flash-ticket", str(member_id)
    )
    campaign_id = int(ticket.split("-", 1)[0])
    record = await runtime.store.ticket(campaign_id, ticket)
    if record is not None and record.member_id == member_id:
        status = record.status if record.status in ("queued", "created", "failed") else "queued"
        return TicketOut(
            ticket=ticket,
            campaign_id=campaign_id,
            sku_id=record.sku_id,
            quantity=record.quantity,
            status=status,  # type: ignore[arg-type]
            order_no=record.order_no,
            reason=record.reason,
        )
    row = await repo.get_ticket(session, ticket)
    if row is None or row.member_id != member_id:
        raise TicketNotFound()
    return TicketOut(
        ticket=ticket,
        campaign_id=row.campaign_id,
        sku_id=row.sku_id,
        quantity=row.quantity,
        status="failed" if row.status == "failed" else "created",
        order_no=row.order_no,
        reason=row.reason,
    )


# -- pages -----------------------------------------------------------------------------------


def _status(info: CampaignInfo, now: datetime, remaining: dict[int, int]) -> PublicStatus:
    if now < info.starts_at:
        return "upcoming"
    if now >= info.ends_at or info.cancelled:
        return "ended"
    if remaining and all(units <= 0 for units in remaining.values()):
        return "sold_out"
    return "live"


async def _page(runtime: FlashRuntime, info: CampaignInfo, now: datetime) -> CampaignPage:
    live = await runtime.store.remaining(info.id)
    remaining = {i.sku_id: live.get(i.sku_id, i.stock) for i in info.items}
    return CampaignPage(
        id=info.id,
        title=info.title,
        status=_status(info, now, remaining),
        starts_at=info.starts_at,
        ends_at=info.ends_at,
        items=[
            ItemLive(
                **item.model_dump(exclude={"remaining"}), remaining=max(remaining[item.sku_id], 0)
            )
            for item in info.items
        ],
    )


async def campaign_page(ctx: AppContext, runtime: FlashRuntime, campaign_id: int) -> CampaignPage:
    """A campaign with its live counters: from the warm snapshot, else the database (cached)."""
    info = await runtime.edge.campaign(campaign_id)
    if info is None:

        async def load() -> CampaignInfo | None:
            async with read_session(ctx.sessionmaker) as session:
                campaign = await repo.get_campaign(session, campaign_id)
                if campaign is None:
                    return None
                items = (await repo.items_of(session, [campaign_id]))[campaign_id]
                return campaign_info(campaign, items)

        found = await ctx.cache.get_or_load_model(
            CAMPAIGN_NAMESPACE, campaign_id, load, CampaignInfo, ttl=10
        )
        if found is None:
            raise CampaignNotFound()
        info = found
    if info.cancelled:
        raise CampaignNotFound()
    return await _page(runtime, info, utcnow())


class _Current(CampaignList):
    pass


async def campaign_list(ctx: AppContext, runtime: FlashRuntime) -> CampaignList:
    """Upcoming and live campaigns of the next 7 days, soonest first."""

    async def load() -> _Current:
        now = utcnow()
        async with read_session(ctx.sessionmaker) as session:
            campaigns = await repo.current_campaigns(session, now=now, until=now + LIST_HORIZON)
            items = await repo.items_of(session, [c.id for c in campaigns])
        pages = [
            CampaignPage(
                id=c.id,
                title=c.title,
                status="upcoming",
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                items=[
                    ItemLive(**info.model_dump(), remaining=info.stock)
                    for info in campaign_info(c, items[c.id]).items
                ],
            )
            for c in campaigns
        ]
        return _Current(items=pages)

    cached = await ctx.cache.get_or_load_model(LIST_NAMESPACE, "current", load, _Current, ttl=5)
    now = utcnow()
    pages = []
    for page in cached.items if cached else []:
        # A warm campaign's current window and state come from its snapshot (kept current by
        # the warm-up and the signals); the cached list is only the set of candidates.
        info = await runtime.edge.campaign(page.id) or CampaignInfo(
            id=page.id,
            title=page.title,
            starts_at=page.starts_at,
            ends_at=page.ends_at,
            cancelled=False,
            payment_timeout_seconds=0,
            free_shipping=True,
            items=list(page.items),
        )
        if info.cancelled or now >= info.ends_at:
            continue
        pages.append(await _page(runtime, info, now))
    return CampaignList(items=pages)


def server_time() -> tuple[datetime, int]:
    now = datetime.now(UTC)
    return now, int(now.timestamp() * 1000)

"""Sharing: short links (scenes), their resolution with the visit attributed to the sharer,
conversions, posters with the mini-program code, and the console's statistics.

A link is one row per (sharer, target), made on first share and reused after; its ``code``
(10 characters of 0-9A-Za-z, so it is a valid wxacode ``scene`` and a URL path segment) is the
short link. Resolving a scene (``GET /share/{scene}``) returns the storefront path of the
target and records the visit once per visitor (a signed-in member, or a guest's device id); a
signed-in visitor's first visit within ``ATTRIBUTION_WINDOW`` makes the sharer the one who
brought them (first touch: a later sharer takes over only once that window has passed). An
order the visitor pays within the window (``order.paid``) is a conversion of that link, counted
once per order.

Posters are rendered outside any transaction: the link is written in a short transaction of its
own, then WeChat is called (``wxacode.getUnlimited``) and the image drawn in a thread, and the
PNG is stored in the media storage under a key derived from everything drawn on it, so the same
poster is drawn once and a changed price or title makes a new one.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import short_transaction, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.events import publish
from shoplet.core.storage import ObjectNotFound, Storage, get_storage
from shoplet.integrations.wechat import wxacode as wx
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.social import repository as social_repo
from shoplet.modules.social.campaigns import mask_name
from shoplet.modules.social.sharing import events as ev
from shoplet.modules.social.sharing import poster
from shoplet.modules.social.sharing import repository as repo
from shoplet.modules.social.sharing.errors import (
    ShareCodeUnavailable,
    ShareInvalidPage,
    ShareInvalidScene,
    ShareInvalidWidth,
    ShareNotFound,
    ShareQuotaExceeded,
    ShareTargetNotFound,
)
from shoplet.modules.social.sharing.models import ShareLink
from shoplet.modules.social.sharing.schemas import (
    ShareClaim,
    SharePoster,
    ShareResolution,
    SharerStat,
    ShareStats,
    ShareTotals,
    TargetStat,
)
from shoplet.modules.social.sharing.schemas import ShareLinkOut as ShareLinkView

log = structlog.get_logger("shoplet.social.sharing")

CODE_LENGTH = 10
CODE_ALPHABET = string.ascii_letters + string.digits
ATTRIBUTION_WINDOW = timedelta(days=7)
CLOCK_SLACK = timedelta(seconds=5)
# The mini-program page a scanned code opens (``onLoad(query.scene)``), no leading slash.
SHARE_PAGE = "pkg-social/share/index"
CODE_WIDTH = 430
POSTER_VERSION = 1
POSTER_FOLDER = "social/posters"
VISITOR_ID_MAX = 48


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def mp_path(code: str) -> str:
    return f"{SHARE_PAGE}?scene={code}"


def h5_path(code: str) -> str:
    return f"/{SHARE_PAGE}?scene={code}"


def link_view(link: ShareLink) -> ShareLinkView:
    return ShareLinkView(
        code=link.code,
        target_kind=link.target_kind,  # type: ignore[arg-type]
        target_ref=link.target_ref,
        mp_path=mp_path(link.code),
        h5_path=h5_path(link.code),
    )


# -- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a link's poster shows."""

    title: str | None = None
    price: int | None = None
    price_label: str | None = None
    shelf_price: int | None = None
    image: str | None = None


def _numeric(ref: str) -> int:
    if not ref.isdigit() or len(ref) > 18 or int(ref) < 1:
        raise ShareTargetNotFound("this target needs a numeric id", target_ref=ref)
    return int(ref)


async def _product_card(session: AsyncSession, product_id: int) -> catalog.ProductSummary | None:
    return (await catalog.buyable_cards(session, [product_id])).get(product_id)


def _image_of(card: catalog.ProductSummary) -> str | None:
    return card.image_set.detail if card.image_set is not None else card.image


async def target_of(session: AsyncSession, kind: str, ref: str) -> Target:
    """The target's page and poster content; 404 ``social.share_target_not_found`` when it does
    not exist (or, for a product, is not on sale)."""
    if kind == "product":
        product_id = _numeric(ref)
        card = await _product_card(session, product_id)
        if card is None:
            raise ShareTargetNotFound(target_kind=kind, target_ref=ref)
        return Target(
            title=card.title,
            price=card.price,
            shelf_price=card.original_price,
            image=_image_of(card),
        )
    if kind == "group":
        group = await social_repo.get_group_by_share(session, ref)
        if group is None:
            raise ShareTargetNotFound(target_kind=kind, target_ref=ref)
        campaign = await social_repo.get_campaign(session, group.campaign_id)
        if campaign is None:
            raise ShareTargetNotFound(target_kind=kind, target_ref=ref)
        card = await _product_card(session, campaign.product_id)
        return Target(
            title=campaign.title,
            price=campaign.group_price,
            price_label=f"{group.size}人团",
            shelf_price=card.price if card is not None else None,
            image=_image_of(card) if card is not None else None,
        )
    if kind == "campaign":
        campaign = await social_repo.get_campaign(session, _numeric(ref))
        if campaign is None:
            raise ShareTargetNotFound(target_kind=kind, target_ref=ref)
        card = await _product_card(session, campaign.product_id)
        return Target(
            title=campaign.title,
            price=campaign.group_price,
            price_label=f"{campaign.group_size}人团",
            shelf_price=card.price if card is not None else None,
            image=_image_of(card) if card is not None else None,
        )
    # A bargain (砍价) by its share id: its own part of social owns it; the link leads to its
    # page, and a poster is refused until that part publishes a title and price to draw.
    return Target()


async def _path_of(session: AsyncSession, link: ShareLink) -> str:
    """Where a link leads, whether or not its product is on sale now (the product page says
    so); a campaign's page is its product's."""
    if link.target_kind == "product":
        return f"/pages/product/detail?id={link.target_ref}"
    if link.target_kind == "group":
        return f"/pkg-social/group/index?share={link.target_ref}"
    if link.target_kind == "campaign":
        campaign = await social_repo.get_campaign(session, int(link.target_ref))
        if campaign is None:
            raise ShareTargetNotFound(target_kind=link.target_kind, target_ref=link.target_ref)
        return f"/pages/product/detail?id={campaign.product_id}&campaign={campaign.id}"
    return f"/pkg-social/bargain/index?share={link.target_ref}"


# -- links -----------------------------------------------------------------------------------


async def _ensure_link(session: AsyncSession, member_id: int, kind: str, ref: str) -> ShareLink:
    existing = await repo.get_link_of(session, member_id, kind, ref)
    if existing is not None:
        return existing
    now = utcnow()
    for _ in range(5):
        await repo.insert_link(
            session,
            {
                "code": new_code(),
                "sharer_member_id": member_id,
                "target_kind": kind,
                "target_ref": ref,
                "visits": 0,
                "orders": 0,
                "order_amount": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
        # Inserted, or made meanwhile by the same sharer's other request: either way it exists.
        link = await repo.get_link_of(session, member_id, kind, ref)
        if link is not None:
            return link
    raise RuntimeError("could not draw a free share code in five tries")


async def create_link(session: AsyncSession, member_id: int, kind: str, ref: str) -> ShareLinkView:
    """The shopper's link to a target, made once and reused (404
    ``social.share_target_not_found``, nothing written, when the target does not exist)."""
    await members.hold_member(session, member_id)
    await target_of(session, kind, ref)
    return link_view(await _ensure_link(session, member_id, kind, ref))


# -- resolution, visits, attribution ---------------------------------------------------------


def _visitor_key(member_id: int | None, visitor_id: str | None) -> str | None:
    if member_id is not None:
        return f"m:{member_id}"
    if visitor_id:
        return f"a:{visitor_id}"
    return None


async def _publish_visit(
    session: AsyncSession,
    link: ShareLink,
    member_id: int | None,
    *,
    key: str,
    first_touch: bool,
    at: datetime,
) -> None:
    """``share.visited``: a visit recorded, or a shopper brought to the link's sharer."""
    await publish(
        session,
        ev.SHARE_VISITED,
        {
            "link_id": link.id,
            "code": link.code,
            "sharer_member_id": link.sharer_member_id,
            "visitor_member_id": member_id,
            "visitor_key": key,
            "target_kind": link.target_kind,
            "target_ref": link.target_ref,
            "first_touch": first_touch,
            "visited_at": at,
        },
        key=link.code,
    )


async def resolve(
    session: AsyncSession, scene: str, *, member_id: int | None, visitor_id: str | None
) -> ShareResolution:
    """Where ``scene`` leads, recording the visit: once per visitor and link, never the sharer's
    own; a signed-in visitor's first touch within the window attributes them to the sharer.
    400 ``social.share_invalid_scene`` for a malformed scene, 404 ``social.share_not_found``
    for an unknown one (nothing written either way)."""
    try:
        wx.check_scene(scene)
    except wx.WxacodeError as exc:
        raise ShareInvalidScene(exc.errmsg, field="scene") from None
    link = await repo.get_link_by_code(session, scene)
    if link is None:
        raise ShareNotFound(scene=scene)
    path = await _path_of(session, link)
    nickname, _ = await members.get_public_profile(session, link.sharer_member_id)
    recorded = first_touch = False
    key = _visitor_key(member_id, visitor_id)
    if key is not None and member_id != link.sharer_member_id:
        if member_id is not None:
            # The visitor's rows move with a merge: it waits for this visit or refuses it.
            await members.hold_member(session, member_id)
        now = utcnow()
        visit_id = await repo.insert_visit(
            session,
            {
                "link_id": link.id,
                "visitor_key": key,
                "visitor_member_id": member_id,
                "created_at": now,
            },
        )
        recorded = visit_id is not None
        if recorded:
            await repo.count_visit(session, link.id, now)
        if member_id is not None:
            # Tried on every visit: it writes only when nobody brought the shopper within the
            # window (so a link visited before the window ran out may bring them again).
            first_touch = await repo.attribute(
                session,
                visitor_member_id=member_id,
                link_id=link.id,
                sharer_member_id=link.sharer_member_id,
                now=now,
                stale_before=now - ATTRIBUTION_WINDOW,
            )
        if recorded or first_touch:
            await _publish_visit(session, link, member_id, key=key, first_touch=first_touch, at=now)
    return ShareResolution(
        code=link.code,
        target_kind=link.target_kind,  # type: ignore[arg-type]
        target_ref=link.target_ref,
        path=path,
        sharer_name=mask_name(nickname),
        recorded=recorded,
        first_touch=first_touch,
    )


async def claim_guest_visits(
    session: AsyncSession, *, member_id: int, visitor_id: str
) -> ShareClaim:
    """After sign-in: the visits this device made as a guest within the attribution window
    become the member's, and the earliest of them brings the member to its sharer (first touch,
    dated when the guest came) unless someone brought them within the window already. Safe to
    call on every sign-in: a visit is claimed once."""
    await members.hold_member(session, member_id)
    now = utcnow()
    claimed = await repo.claim_guest_visits(
        session,
        visitor_key=f"a:{visitor_id}",
        member_id=member_id,
        since=now - ATTRIBUTION_WINDOW,
    )
    first_touch = False
    if claimed:
        link, visited_at = claimed[0]
        first_touch = await repo.attribute(
            session,
            visitor_member_id=member_id,
            link_id=link.id,
            sharer_member_id=link.sharer_member_id,
            now=visited_at,
            stale_before=now - ATTRIBUTION_WINDOW,
        )
        if first_touch:
            await _publish_visit(
                session, link, member_id, key=f"m:{member_id}", first_touch=True, at=visited_at
            )
    return ShareClaim(claimed=len(claimed), first_touch=first_touch)


def _as_datetime(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return default
        return parsed if parsed.tzinfo is not None else default
    return default


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """An order was paid: if its shopper was brought by a sharer within the window before the
    payment, the order converts that link (once per order: the conversion row is unique)."""
    member_id = payload.get("member_id")
    if not isinstance(member_id, int):
        return
    attribution = await repo.get_attribution(session, member_id)
    if attribution is None or attribution.sharer_member_id == member_id:
        return
    now = utcnow()
    paid_at = _as_datetime(payload.get("paid_at"), now)
    # WeChat's success_time has whole seconds: a visit in the second of the payment still counts.
    if not paid_at - ATTRIBUTION_WINDOW <= attribution.attributed_at <= paid_at + CLOCK_SLACK:
        return
    order_no = str(payload["order_no"])
    amount = int(payload.get("payable_total") or 0)
    converted = await repo.insert_conversion(
        session,
        {
            "order_no": order_no,
            "link_id": attribution.link_id,
            "sharer_member_id": attribution.sharer_member_id,
            "visitor_member_id": member_id,
            "amount": amount,
            "created_at": now,
        },
    )
    if converted is None:
        return
    await repo.count_order(session, attribution.link_id, amount, now)
    link = await repo.get_link(session, attribution.link_id)
    log.info("share_converted", link_id=attribution.link_id, order_no=order_no)
    await publish(
        session,
        ev.SHARE_CONVERTED,
        {
            "link_id": attribution.link_id,
            "code": link.code if link is not None else None,
            "sharer_member_id": attribution.sharer_member_id,
            "visitor_member_id": member_id,
            "order_no": order_no,
            "amount": amount,
            "converted_at": now,
        },
        key=order_no,
    )


# -- posters ---------------------------------------------------------------------------------


def _wx_error(exc: wx.WxacodeError) -> ShopletError:
    """WeChat's refusal as Shoplet's problem."""
    if exc.errcode in (wx.INVALID_PATH, wx.INVALID_PAGE):
        return ShareInvalidPage(exc.errmsg, errcode=exc.errcode)
    if exc.errcode == wx.INVALID_ARGS and exc.field == "width":
        return ShareInvalidWidth(exc.errmsg, errcode=exc.errcode)
    if exc.errcode == wx.INVALID_ARGS:
        return ShareInvalidScene(exc.errmsg, errcode=exc.errcode)
    if exc.errcode == wx.QUOTA_EXCEEDED:
        return ShareQuotaExceeded(exc.errmsg, retry_after=3600, errcode=exc.errcode)
    return ShareCodeUnavailable(f"WeChat answered {exc.errcode}", errcode=exc.errcode)


async def mini_program_code(
    client: wx.WxacodeClient | None, scene: str, *, page: str = SHARE_PAGE, width: int = CODE_WIDTH
) -> bytes:
    """The wxacode of ``scene`` (WeChat's errors as ``social.share_*`` problems)."""
    if client is None:
        raise ShareCodeUnavailable("mini-program codes are not configured")
    try:
        code = await client.get_unlimited(scene, page, width=width)
    except wx.WxacodeError as exc:
        log.warning("wxacode_refused", errcode=exc.errcode, errmsg=exc.errmsg)
        raise _wx_error(exc) from None
    return code.content


def _media_key(storage: Storage, url: str | None) -> str | None:
    """The storage key of a URL this shop's media storage serves, else None (a remote image is
    never fetched by the server)."""
    if not url:
        return None
    probe = storage.public_url("probe")
    if probe is None:
        return None
    prefix = probe[: -len("probe")]
    return url[len(prefix) :] if url.startswith(prefix) and len(url) > len(prefix) else None


async def _read_media(storage: Storage, url: str | None) -> bytes | None:
    key = _media_key(storage, url)
    if key is None:
        return None
    try:
        return await storage.read(key)
    except (ObjectNotFound, ValueError):
        return None


async def make_poster(
    ctx: AppContext,
    client: wx.WxacodeClient | None,
    *,
    member_id: int,
    kind: str,
    ref: str,
    platform: str,
    h5_origin: str,
) -> SharePoster:
    """The shopper's poster of a target (its link made if needed), PNG in the media storage."""
    async with short_transaction(ctx.sessionmaker) as session:
        target = await target_of(session, kind, ref)
        if target.title is None or target.price is None:
            raise ShareTargetNotFound("no poster for this kind of target yet", target_kind=kind)
        await members.hold_member(session, member_id)
        link = link_view(await _ensure_link(session, member_id, kind, ref))
        nickname, avatar_url = await members.get_public_profile(session, member_id)
    sharer = mask_name(nickname)
    h5_url = f"{h5_origin.rstrip('/')}{link.h5_path}"
    fingerprint = hashlib.sha256(
        orjson.dumps(
            [
                POSTER_VERSION,
                link.code,
                platform,
                target.title,
                target.price,
                target.price_label,
                target.shelf_price,
                target.image,
                sharer,
                avatar_url,
                h5_url,
            ]
        )
    ).hexdigest()[:32]
    key = f"{POSTER_FOLDER}/{fingerprint[:2]}/{fingerprint}.png"
    storage = get_storage(ctx, "media")
    url = storage.public_url(key)
    if url is None:
        raise ShareCodeUnavailable("the media storage has no public URL")
    if await storage.size(key) is None:
        if platform == "mp":
            code_image = await mini_program_code(client, link.code)
            caption = "长按识别小程序码"
        else:
            code_image = await asyncio.to_thread(poster.qr_png, h5_url)
            caption = "扫码查看"
        content = poster.PosterContent(
            title=target.title,
            price=target.price,
            price_label=target.price_label,
            shelf_price=target.shelf_price,
            product_image=await _read_media(storage, target.image),
            sharer_name=sharer,
            avatar=await _read_media(storage, avatar_url),
            code_image=code_image,
            caption=caption,
        )
        png = await asyncio.to_thread(poster.render, content)
        await storage.put(key, png)
        log.info("share_poster_drawn", code=link.code, platform=platform, bytes=len(png))
    return SharePoster(
        url=url,
        width=poster.WIDTH,
        height=poster.HEIGHT,
        code=link.code,
        client=platform,  # type: ignore[arg-type]
    )


HOME_PAGE = "pages/index/index"


@dataclass(frozen=True, slots=True)
class CardPoster:
    """What a card poster shows (see ``poster.CardContent``); ``key`` names it for the cache
    (a card is drawn once per key, sharer, client and content). The picture is ``picture``
    or, when that is None, the image at ``picture_url`` in this shop's media storage (never
    fetched from elsewhere). The code opens ``page`` with ``scene`` in the mini program, or
    ``h5_path`` of the H5 shop (both default to the home page)."""

    key: str
    picture: bytes | None
    accent: tuple[int, int, int]
    title: str
    subtitle: str
    lines: tuple[str, ...]
    tagline: str
    picture_url: str | None = None
    page: str = HOME_PAGE
    scene: str = "card"
    h5_path: str = "/"


async def make_card_poster(
    ctx: AppContext,
    client: wx.WxacodeClient | None,
    *,
    member_id: int,
    card: CardPoster,
    platform: str,
    h5_origin: str,
) -> SharePoster:
    """A shopper's card poster through the product posters' pipeline (fonts, footer, code,
    media storage, drawn once per content): its code opens the card's page (by default the
    shop's home: the mini program's home with scene ``card``, or a QR code of the H5 shop's
    origin)."""
    async with short_transaction(ctx.sessionmaker) as session:
        nickname, avatar_url = await members.get_public_profile(session, member_id)
    sharer = mask_name(nickname)
    h5_url = f"{h5_origin.rstrip('/')}{card.h5_path}"
    fingerprint = hashlib.sha256(
        orjson.dumps(
            [
                POSTER_VERSION,
                "card",
                card.key,
                hashlib.sha256(card.picture).hexdigest() if card.picture else card.picture_url,
                card.page,
                card.scene,
                card.accent,
                card.title,
                card.subtitle,
                card.lines,
                card.tagline,
                platform,
                sharer,
                avatar_url,
                h5_url,
            ]
        )
    ).hexdigest()[:32]
    key = f"{POSTER_FOLDER}/{fingerprint[:2]}/{fingerprint}.png"
    storage = get_storage(ctx, "media")
    url = storage.public_url(key)
    if url is None:
        raise ShareCodeUnavailable("the media storage has no public URL")
    if await storage.size(key) is None:
        if platform == "mp":
            code_image = await mini_program_code(client, card.scene, page=card.page)
            caption = "长按识别小程序码"
        else:
            code_image = await asyncio.to_thread(poster.qr_png, h5_url)
            caption = "扫码逛逛"
        picture = card.picture
        if picture is None:
            picture = await _read_media(storage, card.picture_url)
        content = poster.CardContent(
            picture=picture,
            accent=card.accent,
            title=card.title,
            subtitle=card.subtitle,
            lines=card.lines,
            sharer_name=sharer,
            avatar=await _read_media(storage, avatar_url),
            code_image=code_image,
            caption=caption,
            tagline=card.tagline,
        )
        png = await asyncio.to_thread(poster.render_card, content)
        await storage.put(key, png)
        log.info("share_card_drawn", card=card.key, platform=platform, bytes=len(png))
    return SharePoster(
        url=url,
        width=poster.WIDTH,
        height=poster.HEIGHT,
        code=card.scene,
        client=platform,  # type: ignore[arg-type]
    )


# -- statistics (console) --------------------------------------------------------------------


async def stats(session: AsyncSession, *, days: int, limit: int) -> ShareStats:
    """分享统计 of the links made in the last ``days`` days: totals, top sharers, top targets."""
    since = utcnow() - timedelta(days=days)
    links, sharers, visits, orders, amount = await repo.totals(session, since)
    top = await repo.top_sharers(session, since, limit)
    sharer_rows = []
    for sharer_id, n_links, n_visits, n_orders, n_amount in top:
        nickname, _ = await members.get_public_profile(session, sharer_id)
        sharer_rows.append(
            SharerStat(
                sharer_member_id=sharer_id,
                name=mask_name(nickname),
                links=n_links,
                visits=n_visits,
                orders=n_orders,
                order_amount=n_amount,
            )
        )
    target_rows = []
    for kind, ref, n_links, n_visits, n_orders, n_amount in await repo.top_targets(
        session, since, limit
    ):
        try:
            title = (await target_of(session, kind, ref)).title
        except ShareTargetNotFound:
            title = None
        target_rows.append(
            TargetStat(
                target_kind=kind,  # type: ignore[arg-type]
                target_ref=ref,
                title=title,
                links=n_links,
                visits=n_visits,
                orders=n_orders,
                order_amount=n_amount,
            )
        )
    return ShareStats(
        days=days,
        totals=ShareTotals(
            links=links, sharers=sharers, visits=visits, orders=orders, order_amount=amount
        ),
        top_sharers=sharer_rows,
        top_targets=target_rows,
    )

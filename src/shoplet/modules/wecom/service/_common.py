"""What the use cases of wecom share: the client and clock the jobs reach through the context,
the checks of a text and a mini-program card, and attribution (store and campaign) checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wecom.client import (
    STATE_MAX,
    WELCOME_TEXT_MAX_BYTES,
    MiniProgram,
    WeComClient,
)
from shoplet.modules.stores import public as stores
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    AttributionRequired,
    CampaignInvalid,
    MediaRequired,
    NotConfigured,
    PageUnknown,
    PictureUnknown,
    StateTooLong,
    StoreUnknown,
    TextRequired,
    TextTooLong,
)
from shoplet.modules.wecom.schemas import MiniProgramCard, MiniProgramCardOut
from shoplet.modules.wecom.service.pictures import fresh_media_id

INTEGRATIONS_KEY = "wecom.integrations"
CLOCK_KEY = "wecom.clock"
STATE_PREFIX = "sp"
CAMPAIGN_PATTERN = re.compile(r"^[0-9A-Za-z_\-]{1,16}$")

# The storefront pages a card may open (frontends/storefront/src/pages.json; a test keeps the
# two in step): the landing pages a merchant sends customers to, not checkout or payment.
STOREFRONT_PAGES = frozenset(
    {
        "pages/index/index",
        "pages/category/index",
        "pages/search/index",
        "pages/me/index",
        "pkg-trade/stores/index",
        "pkg-user/coupons/centre",
        "pkg-user/member/index",
        "pkg-user/points/mall",
        "pkg-user/content/index",
        "pkg-social/group/index",
        "pkg-social/crowdfunding/index",
        "pkg-social/bargain/index",
        "pkg-live/live/index",
        "pkg-flash/flash/index",
    }
)


def install(ctx: AppContext, integrations: Integrations) -> None:
    ctx.extras[INTEGRATIONS_KEY] = integrations


def client_of(ctx: AppContext) -> WeComClient | None:
    """WeCom's client for the jobs (None while WeCom is not set up)."""
    found = ctx.extras.get(INTEGRATIONS_KEY)
    return found.wecom if isinstance(found, Integrations) else None


def appid_of(ctx: AppContext) -> str:
    return ctx.settings.wechat_appid


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    """The jobs' clock: ``ctx.extras[CLOCK_KEY]`` when a test sets one, else real UTC time."""
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


def require_client(client: WeComClient | None) -> WeComClient:
    if client is None:
        raise NotConfigured()
    return client


def check_text(text: str, *, required: bool) -> None:
    if required and not text.strip():
        raise TextRequired()
    if len(text.encode()) > WELCOME_TEXT_MAX_BYTES:
        raise TextTooLong(f"{len(text.encode())} bytes; at most {WELCOME_TEXT_MAX_BYTES}")


async def check_card(session: AsyncSession, card: MiniProgramCard | None) -> None:
    """A card's page, title and picture, or a ``wecom.*`` 400."""
    if card is None:
        return
    if card.page.lstrip("/") not in STOREFRONT_PAGES:
        raise PageUnknown(f"{card.page} is not one of: {', '.join(sorted(STOREFRONT_PAGES))}")
    if not card.title.strip():
        raise MediaRequired()
    if await repo.get_picture(session, card.picture_id) is None:
        raise PictureUnknown(picture_id=card.picture_id)


async def card_out(session: AsyncSession, card: dict[str, Any] | None) -> MiniProgramCardOut | None:
    if not card:
        return None
    picture_id = card.get("picture_id")
    picture = await repo.get_picture(session, picture_id) if isinstance(picture_id, int) else None
    return MiniProgramCardOut(
        title=card["title"],
        page=card["page"],
        picture_id=picture.id if picture else None,
        picture_url=picture.url if picture else None,
    )


def card_stored(card: MiniProgramCard | None) -> dict[str, Any] | None:
    if card is None:
        return None
    return {"title": card.title, "page": card.page.lstrip("/"), "picture_id": card.picture_id}


async def card_media_id(
    ctx: AppContext, client: WeComClient, card: dict[str, Any] | None, *, now: datetime
) -> str | None:
    """The media id to send ``card`` with: its picture's, uploaded again when about to expire
    (a card saved before pictures were kept has its typed ``pic_media_id``). None: no card.
    :class:`WeComError` when the upload fails. Call with no transaction open."""
    if not card:
        return None
    picture_id = card.get("picture_id")
    if isinstance(picture_id, int):
        return await fresh_media_id(ctx, client, picture_id, now=now)
    return str(card.get("pic_media_id", ""))


def wire_card(
    card: dict[str, Any] | None, *, media_id: str | None, appid: str, state: str
) -> MiniProgram | None:
    """The attachment WeCom wants: ``page`` with ``.html`` (WeCom's rule), and the state as
    the scene so the storefront knows the store and campaign."""
    if not card or media_id is None:
        return None
    query = f"?scene={quote(state, safe='')}" if state else ""
    return MiniProgram(
        title=card["title"],
        pic_media_id=media_id,
        appid=appid,
        page=f"{card['page']}.html{query}",
    )


def make_state(store_id: int | None, campaign: str | None) -> str:
    return (
        STATE_PREFIX
        + (f".s{store_id}" if store_id is not None else "")
        + (f".c{campaign}" if campaign else "")
    )


async def check_attribution(
    session: AsyncSession, store_id: int | None, campaign: str | None
) -> str:
    """The state of a store and/or campaign, or a ``wecom.*`` 400."""
    if store_id is None and campaign is None:
        raise AttributionRequired()
    if campaign is not None and not CAMPAIGN_PATTERN.fullmatch(campaign):
        raise CampaignInvalid()
    state = make_state(store_id, campaign)
    if len(state) > STATE_MAX:
        raise StateTooLong(state=state)
    if store_id is not None and not await stores.store_names(session, [store_id]):
        raise StoreUnknown(store_id=store_id)
    return state


def present_ids(values: Iterable[int | None]) -> list[int]:
    """The distinct ids among ``values`` (``None`` left out), sorted: one look-up per page."""
    return sorted({v for v in values if v is not None})

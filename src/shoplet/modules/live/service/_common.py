"""What every use case of live sessions shares: constants, row → schema, the room event
envelope, reading a session, its shelf, its player and its pushed coupons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.live import repository as repo
from shoplet.modules.live import schemas
from shoplet.modules.live.errors import (
    SessionNotFound,
)
from shoplet.modules.live.models import LiveComment, LiveSession
from shoplet.modules.live.providers import provider_for
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.live")

PERMISSION = "live:manage"
MAX_COMMENT = 100
MAX_LIKES = 50
RECENT_COMMENTS = 50
PAGE = 20
# An order paid this long after a session ended still counts for it (the shopper bought from
# the replay or came back from the reminder card).
ATTRIBUTION_WINDOW = timedelta(hours=2)
# 开播提醒 go out this long before the scheduled start.
REMIND_AHEAD = timedelta(minutes=5)
TABS: dict[str, tuple[str, ...]] = {
    "upcoming": ("scheduled",),
    "live": ("live",),
    "replay": ("ended",),
}


def session_out(row: LiveSession) -> schemas.LiveSession:
    return schemas.LiveSession.model_validate(row)


def comment_out(row: LiveComment) -> schemas.LiveComment:
    return schemas.LiveComment(
        id=row.id,
        session_id=row.session_id,
        nickname=row.nickname,
        text=row.body,
        created_at=row.created_at,
    )


def _frame(session_id: int, frame: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"session_id": session_id, "frame": {**frame, "session_id": session_id}, **extra}


async def _session(session: AsyncSession, session_id: int) -> LiveSession:
    row = await repo.get_session(session, session_id)
    if row is None:
        raise SessionNotFound(session_id=session_id)
    return row


# -- reading ---------------------------------------------------------------------------------


async def list_sessions(
    session: AsyncSession, *, tab: str | None, cursor: str | None, limit: int = PAGE
) -> schemas.LiveSessionPage:
    statuses = TABS[tab] if tab else ("scheduled", "live", "ended")
    rows = await repo.list_sessions(
        session, statuses=statuses, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return schemas.LiveSessionPage(
        items=[session_out(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def shelf(session: AsyncSession, session_id: int) -> list[schemas.LiveShelfProduct]:
    items = await repo.shelf(session, session_id)
    cards = await catalog.buyable_cards(session, [i.product_id for i in items])
    out: list[schemas.LiveShelfProduct] = []
    for item in items:
        card = cards.get(item.product_id)
        if card is not None:
            title, image, price, available = card.title, card.image, card.price, True
        else:
            try:
                product = await catalog.get_product_admin(session, item.product_id)
            except catalog.ProductNotFound:
                continue
            prices = [s.price for s in product.skus if s.is_active]
            title = product.title
            image = product.images[0] if product.images else None
            price, available = min(prices, default=0), False
        out.append(
            schemas.LiveShelfProduct(
                product_id=item.product_id,
                position=item.position,
                title=title,
                image=image,
                price=price,
                live_price=item.live_price,
                is_available=available,
            )
        )
    return out


def _player(ctx: AppContext, row: LiveSession) -> schemas.LivePlayer:
    info = provider_for(ctx.settings, row.provider).play(row.stream_name, row.room_id)
    return schemas.LivePlayer(
        provider=row.provider,  # type: ignore[arg-type]
        play_url=info.play_url,
        room_id=info.room_id,
        expires_at=info.expires_at,
    )


async def _coupons(session: AsyncSession, session_id: int) -> list[schemas.LiveCouponOut]:
    out = []
    for template_id in await repo.pushed_coupons(session, session_id):
        try:
            template = await promotions.get_template(session, template_id)
        except promotions.TemplateNotFound:
            continue
        out.append(_coupon_out(template))
    return out


def _coupon_out(template: promotions.Template) -> schemas.LiveCouponOut:
    return schemas.LiveCouponOut(
        template_id=template.id,
        name=template.name,
        kind=template.kind,
        threshold=template.threshold,
        amount=template.amount,
        rate_permille=template.rate_permille,
    )


def _json(model: schemas.LiveSession) -> dict[str, Any]:
    return model.model_dump(mode="json")


async def get_session(session: AsyncSession, session_id: int) -> schemas.LiveSession:
    return session_out(await _session(session, session_id))

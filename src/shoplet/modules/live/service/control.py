"""The operators' side: scheduling, start and end, the shelf, 讲解, coupon pushes, mutes and
bans, metrics and the control room."""

from __future__ import annotations

from secrets import token_hex
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.live import repository as repo
from shoplet.modules.live import schemas
from shoplet.modules.live.errors import (
    CouponInvalid,
    MemberInvalid,
    NotLive,
    NotOnShelf,
    ProductInvalid,
    SessionInvalid,
    SessionNotFound,
    WrongStatus,
)
from shoplet.modules.live.hub import LiveHub
from shoplet.modules.live.models import RESTRICTIONS
from shoplet.modules.live.providers import provider_for
from shoplet.modules.members import public as members
from shoplet.modules.promotions import public as promotions

from ._common import (
    RECENT_COMMENTS,
    _coupon_out,
    _coupons,
    _frame,
    _json,
    _player,
    _session,
    comment_out,
    session_out,
    shelf,
)
from .recording import recording_out

# -- operators -------------------------------------------------------------------------------


def _session_values(
    body: schemas.LiveSessionCreate | schemas.LiveSessionUpdate, provider: str
) -> dict[str, Any]:
    title, anchor = body.title.strip(), body.anchor_name.strip()
    if not title or len(title) > 60:
        raise SessionInvalid(f"title {len(title)}/60 characters")
    if not anchor or len(anchor) > 30:
        raise SessionInvalid(f"anchor name {len(anchor)}/30 characters")
    if provider == "wechat" and body.room_id is None:
        raise SessionInvalid("a WeChat live room needs its room_id")
    return {
        "title": title,
        "anchor_name": anchor,
        "scheduled_at": body.scheduled_at,
        "cover": body.cover or None,
        "room_id": body.room_id,
    }


async def create_session(
    session: AsyncSession, ctx: AppContext, body: schemas.LiveSessionCreate
) -> schemas.LiveSession:
    provider = body.provider or ctx.settings.live_provider
    values = _session_values(body, provider)
    now = utcnow()
    row = await repo.insert_session(
        session,
        {
            **values,
            "status": "scheduled",
            "provider": provider,
            "stream_name": f"shoplet{token_hex(8)}",
            "created_at": now,
            "updated_at": now,
        },
    )
    return session_out(row)


async def update_session(
    session: AsyncSession, hub: LiveHub, *, session_id: int, body: schemas.LiveSessionUpdate
) -> schemas.LiveSession:
    row = await _session(session, session_id)
    values = _session_values(body, row.provider)
    if body.replay_url is not None:
        values["replay_url"] = body.replay_url or None
    await repo.update_session(session, session_id, {**values, "updated_at": utcnow()})
    row = await _session(session, session_id)
    hub.after_commit(
        session, _frame(session_id, {"type": "session", "session": _json(session_out(row))})
    )
    return session_out(row)


async def start(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.LiveSession:
    """开播: scheduled → live (of two operators starting at once, one does)."""
    await _session(session, session_id)
    now = utcnow()
    if not await repo.update_session(
        session,
        session_id,
        {"status": "live", "started_at": now, "updated_at": now},
        status="scheduled",
    ):
        raise WrongStatus("Only a scheduled session can start")
    row = await _session(session, session_id)
    hub.after_commit(
        session, _frame(session_id, {"type": "session", "session": _json(session_out(row))})
    )
    return session_out(row)


async def end(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.LiveSession:
    """下播: live → ended; the room's likes and peak audience are kept on the session."""
    await _session(session, session_id)
    await hub.flush()
    counters = await hub.store.counters(session_id)
    now = utcnow()
    if not await repo.update_session(
        session,
        session_id,
        {
            "status": "ended",
            "ended_at": now,
            "updated_at": now,
            "explaining_product_id": None,
            "like_total": counters.likes,
            "peak_online": counters.peak,
        },
        status="live",
    ):
        raise WrongStatus("Only a live session can end")
    row = await _session(session, session_id)
    hub.after_commit(
        session, _frame(session_id, {"type": "session", "session": _json(session_out(row))})
    )
    return session_out(row)


async def set_shelf(
    session: AsyncSession, hub: LiveHub, *, session_id: int, body: schemas.LiveShelfBody
) -> list[schemas.LiveShelfProduct]:
    # Locked first: orders at live prices share-lock this row, then the shelf rows.
    row = await repo.lock_session(session, session_id)
    if row is None:
        raise SessionNotFound(session_id=session_id)
    if row.status == "ended":
        raise WrongStatus("An ended session's shelf is kept as it was")
    ids = [i.product_id for i in body.items]
    if len(set(ids)) != len(ids):
        raise ProductInvalid("A product is on the shelf once")
    for item in body.items:
        if item.live_price is not None and not 0 < item.live_price <= 10_000_000_000:
            raise ProductInvalid(f"live price {item.live_price} is not positive fen")
        try:
            await catalog.get_product_admin(session, item.product_id)
        except catalog.ProductNotFound as exc:
            raise ProductInvalid(f"product {item.product_id} does not exist") from exc
    now = utcnow()
    await repo.replace_shelf(
        session,
        session_id,
        [
            {
                "session_id": session_id,
                "product_id": item.product_id,
                "position": position,
                "live_price": item.live_price,
                "created_at": now,
            }
            for position, item in enumerate(body.items, start=1)
        ],
    )
    if row.explaining_product_id is not None and row.explaining_product_id not in ids:
        await repo.update_session(session, session_id, {"explaining_product_id": None})
    items = await shelf(session, session_id)
    hub.after_commit(
        session,
        _frame(session_id, {"type": "shelf", "shelf": [i.model_dump(mode="json") for i in items]}),
    )
    return items


async def explain(
    session: AsyncSession, hub: LiveHub, *, session_id: int, product_id: int | None
) -> schemas.LiveSession:
    """讲解: the product presented now (shoppers see its card), or none."""
    row = await _session(session, session_id)
    if row.status != "live":
        raise NotLive()
    card: dict[str, Any] | None = None
    if product_id is not None:
        items = {i.product_id: i for i in await shelf(session, session_id)}
        if product_id not in items:
            raise NotOnShelf(product_id=product_id)
        card = items[product_id].model_dump(mode="json")
    await repo.update_session(
        session, session_id, {"explaining_product_id": product_id, "updated_at": utcnow()}
    )
    hub.after_commit(session, _frame(session_id, {"type": "explaining", "product": card}))
    return session_out(await _session(session, session_id))


async def push_coupon(
    session: AsyncSession, hub: LiveHub, *, session_id: int, template_id: int, staff_id: int
) -> schemas.LiveCouponOut:
    """推券: shoppers in the room see the coupon and claim it there."""
    row = await _session(session, session_id)
    try:
        template = await promotions.get_template(session, template_id)
    except promotions.TemplateNotFound as exc:
        raise CouponInvalid(f"coupon template {template_id} does not exist") from exc
    if template.status != "active":
        raise CouponInvalid(f"coupon template {template_id} is {template.status}")
    if row.status != "live":
        raise NotLive()
    await repo.push_coupon(
        session,
        {
            "session_id": session_id,
            "template_id": template_id,
            "staff_id": staff_id,
            "pushed_at": utcnow(),
        },
    )
    out = _coupon_out(template)
    hub.after_commit(
        session, _frame(session_id, {"type": "coupon", "coupon": out.model_dump(mode="json")})
    )
    return out


async def restrict(
    session: AsyncSession,
    hub: LiveHub,
    *,
    session_id: int,
    member_id: int,
    kind: str,
    staff_id: int,
) -> schemas.LiveRestriction:
    """禁言 (mute: may watch, not comment) or 拉黑 (ban: their sockets close, may not rejoin)."""
    await _session(session, session_id)
    if kind not in RESTRICTIONS:
        raise MemberInvalid(f"kind is mute or ban, not {kind!r}")
    nickname = await members.get_nickname(session, member_id)
    if nickname is None:
        raise MemberInvalid(f"member {member_id} does not exist")
    now = utcnow()
    await repo.restrict(
        session,
        {
            "session_id": session_id,
            "member_id": member_id,
            "kind": kind,
            "staff_id": staff_id,
            "created_at": now,
        },
    )
    hub.after_commit(
        session,
        _frame(
            session_id,
            {"type": "banned" if kind == "ban" else "muted"},
            member_id=member_id,
            kick=kind == "ban",
        ),
    )
    return schemas.LiveRestriction(
        member_id=member_id, nickname=nickname, kind=kind, created_at=now
    )


async def lift(
    session: AsyncSession, hub: LiveHub, *, session_id: int, member_id: int, kind: str
) -> None:
    await _session(session, session_id)
    if kind not in RESTRICTIONS or not await repo.lift(session, session_id, member_id, kind):
        raise MemberInvalid(f"member {member_id} has no {kind!r} in this session")
    if kind == "mute":
        hub.after_commit(session, _frame(session_id, {"type": "unmuted"}, member_id=member_id))


async def restrictions(session: AsyncSession, session_id: int) -> list[schemas.LiveRestriction]:
    rows = await repo.restrictions(session, session_id)
    names = await members.get_nicknames(session, [r.member_id for r in rows])
    return [
        schemas.LiveRestriction(
            member_id=r.member_id,
            nickname=names.get(r.member_id, ""),
            kind=r.kind,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def metrics(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.LiveMetrics:
    row = await _session(session, session_id)
    counters = await hub.store.counters(session_id)
    return schemas.LiveMetrics(
        session_id=row.id,
        status=row.status,  # type: ignore[arg-type]
        online=counters.online if row.status == "live" else 0,
        peak_online=max(row.peak_online, counters.peak),
        viewers=row.viewer_total,
        likes=max(row.like_total, counters.likes),
        comments=row.comment_total,
        subscribers=row.subscriber_total,
        sales_count=row.sales_count,
        sales_amount=row.sales_amount,
    )


async def control(
    session: AsyncSession, ctx: AppContext, hub: LiveHub, *, session_id: int
) -> schemas.LiveControl:
    row = await _session(session, session_id)
    provider = provider_for(ctx.settings, row.provider)
    recent = await repo.latest_comments(session, session_id, RECENT_COMMENTS)
    return schemas.LiveControl(
        session=session_out(row),
        shelf=await shelf(session, session_id),
        push=provider.push(row.stream_name).push_url,
        player=_player(ctx, row),
        metrics=await metrics(session, hub, session_id=session_id),
        comments=[
            schemas.LiveStaffComment(**comment_out(r).model_dump(), member_id=r.member_id)
            for r in recent
        ],
        restrictions=await restrictions(session, session_id),
        coupons=await _coupons(session, session_id),
        recording=recording_out(await repo.get_recording(session, session_id)),
    )

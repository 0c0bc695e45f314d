"""Live sessions' use cases: operators schedule a session, fill its shelf, go live, present a
product (讲解中), push coupons, mute or ban shoppers and end it; shoppers browse 预告 / 直播中 /
回放, subscribe to the 开播提醒, watch, comment, like and claim the room's coupons.

Comments run in this order: the text is checked, the session and the shopper's restrictions are
read (a short read, closed before anything slow), one atomic step of the rate limit is taken
(``store.take_comment``: 1 per ``live_comment_gap_seconds`` and ``live_comment_per_minute``),
the text is screened (``moderation.screen``: sensitive words, then WeChat's msgSecCheck, with no
transaction open), and only then is the comment written and broadcast after commit. A blocked
comment is refused to its sender (``live.comment_blocked``) and never stored or broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from secrets import token_hex
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation
from shoplet.modules.notification import public as notification
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

from . import repository as repo
from . import schemas
from .errors import (
    Banned,
    CommentBlocked,
    CommentInvalid,
    CommentRateLimited,
    CouponInvalid,
    CouponNotPushed,
    CouponUnavailable,
    LikesInvalid,
    MemberInvalid,
    Muted,
    NotLive,
    NotOnShelf,
    ProductInvalid,
    SessionInvalid,
    SessionNotFound,
    WrongStatus,
)
from .hub import LiveHub
from .models import RESTRICTIONS, LiveComment, LiveSession
from .providers import provider_for

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


def session_out(row: LiveSession) -> schemas.Session:
    return schemas.Session.model_validate(row)


def comment_out(row: LiveComment) -> schemas.Comment:
    return schemas.Comment(
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
) -> schemas.SessionPage:
    statuses = TABS[tab] if tab else ("scheduled", "live", "ended")
    rows = await repo.list_sessions(
        session, statuses=statuses, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return schemas.SessionPage(
        items=[session_out(r) for r in page],
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


async def shelf(session: AsyncSession, session_id: int) -> list[schemas.ShelfProduct]:
    items = await repo.shelf(session, session_id)
    cards = await catalog.buyable_cards(session, [i.product_id for i in items])
    out: list[schemas.ShelfProduct] = []
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
            schemas.ShelfProduct(
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


def _player(ctx: AppContext, row: LiveSession) -> schemas.Player:
    info = provider_for(ctx.settings, row.provider).play(row.stream_name, row.room_id)
    return schemas.Player(
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


async def detail(
    session: AsyncSession, ctx: AppContext, *, session_id: int, member_id: int | None
) -> schemas.SessionDetail:
    row = await _session(session, session_id)
    return schemas.SessionDetail(
        session=session_out(row),
        shelf=await shelf(session, session_id),
        player=_player(ctx, row) if row.status == "live" else None,
        is_subscribed=(
            member_id is not None and await repo.is_subscribed(session, session_id, member_id)
        ),
        coupons=await _coupons(session, session_id) if row.status == "live" else [],
    )


async def comments(session: AsyncSession, *, session_id: int) -> list[schemas.Comment]:
    await _session(session, session_id)
    return [
        comment_out(r) for r in await repo.latest_comments(session, session_id, RECENT_COMMENTS)
    ]


# -- shoppers --------------------------------------------------------------------------------


async def subscribe(
    session: AsyncSession, *, session_id: int, member_id: int, answers: dict[str, str]
) -> schemas.Subscribed:
    """订阅提醒: remember the shopper for this session and record their answers to the 开播提醒
    template as credits for this session (``live:<id>``)."""
    row = await _session(session, session_id)
    if row.status != "scheduled":
        raise WrongStatus("Only a session not started yet takes reminders")
    if answers:
        await notification.record_answers(
            session,
            member_id=member_id,
            answers=answers,
            subjects={"live_start": (f"live:{session_id}", None)},
        )
    if await repo.subscribe(session, session_id, member_id, utcnow()):
        await repo.add_counts(session, session_id, subscriber_total=1)
    row = await _session(session, session_id)
    return schemas.Subscribed(is_subscribed=True, subscriber_total=row.subscriber_total)


@dataclass(frozen=True, slots=True)
class Commenter:
    member_id: int
    openid: str | None


def _clean_comment(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise CommentInvalid("Write something first")
    if len(cleaned) > MAX_COMMENT:
        raise CommentInvalid(f"{len(cleaned)} characters; at most {MAX_COMMENT}")
    return cleaned


async def _check_restrictions(session: AsyncSession, session_id: int, member_id: int) -> None:
    kinds = await repo.restrictions_of(session, session_id, member_id)
    if "ban" in kinds:
        raise Banned()
    if "mute" in kinds:
        raise Muted()


async def post_comment(
    ctx: AppContext, hub: LiveHub, who: Commenter, *, session_id: int, text: str
) -> schemas.Comment:
    """A shopper's comment (see the module docstring for the order of the checks)."""
    cleaned = _clean_comment(text)
    async with read_session(ctx.sessionmaker) as session:
        row = await _session(session, session_id)
        if row.status != "live":
            raise NotLive()
        await _check_restrictions(session, session_id, who.member_id)
        nickname = await members.get_nickname(session, who.member_id) or "顾客"
    verdict = await hub.store.take_comment(
        session_id,
        who.member_id,
        gap=ctx.settings.live_comment_gap_seconds,
        per_minute=ctx.settings.live_comment_per_minute,
    )
    if verdict != "ok":
        gap = ctx.settings.live_comment_gap_seconds
        raise CommentRateLimited(
            f"At most one comment every {gap} s and "
            f"{ctx.settings.live_comment_per_minute} a minute",
            retry_after=gap if verdict == "too_fast" else 60,
        )
    screening = await moderation.screen(ctx, text=cleaned, openid=who.openid)
    if screening.filter_action in ("block", "hold") or screening.text_state in ("risky", "review"):
        log.info("live.comment_blocked", session_id=session_id, member_id=who.member_id)
        raise CommentBlocked()
    async with unit_of_work(ctx.sessionmaker) as session:
        comment = await repo.insert_comment(
            session,
            {
                "session_id": session_id,
                "member_id": who.member_id,
                "nickname": nickname[:64],
                "body": screening.text,
                "created_at": utcnow(),
            },
        )
        if not await repo.update_session(
            session,
            session_id,
            {"comment_total": LiveSession.comment_total + 1},
            status="live",
        ):
            raise NotLive()  # ended meanwhile: the comment rolls back
        out = comment_out(comment)
        hub.after_commit(
            session,
            _frame(
                session_id,
                {"type": "comment", "comment": out.model_dump(mode="json")},
                staff={"comment": {"member_id": who.member_id}},
            ),
        )
    return out


def take_likes(hub: LiveHub, *, session_id: int, count: int) -> schemas.LikeResult:
    """Likes are added to the room's counter on the hub's next tick (batched)."""
    if not 1 <= count <= MAX_LIKES:
        raise LikesInvalid(f"{count} is not from 1 to {MAX_LIKES}")
    hub.like(session_id, count)
    return schemas.LikeResult(accepted=count)


async def like(
    session: AsyncSession, hub: LiveHub, *, session_id: int, count: int
) -> schemas.LikeResult:
    row = await _session(session, session_id)
    if not 1 <= count <= MAX_LIKES:
        raise LikesInvalid(f"{count} is not from 1 to {MAX_LIKES}")
    if row.status != "live":
        raise NotLive()
    return take_likes(hub, session_id=session_id, count=count)


async def join(ctx: AppContext, hub: LiveHub, *, session_id: int, member_id: int) -> dict[str, Any]:
    """A shopper's socket joins the room: 403 when banned; the first join counts them as a
    viewer. The ``ready`` frame: the room's figures and what is presented now."""
    async with unit_of_work(ctx.sessionmaker) as session:
        row = await _session(session, session_id)
        if "ban" in await repo.restrictions_of(session, session_id, member_id):
            raise Banned()
        if row.status == "live" and await repo.add_viewer(session, session_id, member_id, utcnow()):
            await repo.add_counts(session, session_id, viewer_total=1)
        explaining = await _explaining(session, row)
    counters = await hub.store.join(session_id, member_id)
    hub.note_moved(session_id)
    return {
        "status": row.status,
        "online": counters.online,
        "viewers": counters.viewers,
        "likes": counters.likes,
        "explaining": explaining,
    }


async def leave(hub: LiveHub, *, session_id: int) -> None:
    await hub.store.leave(session_id)
    hub.note_moved(session_id)


async def _explaining(session: AsyncSession, row: LiveSession) -> dict[str, Any] | None:
    if row.explaining_product_id is None:
        return None
    for item in await shelf(session, row.id):
        if item.product_id == row.explaining_product_id:
            return item.model_dump(mode="json")
    return None


async def claim_coupon(
    session: AsyncSession, *, session_id: int, template_id: int, member_id: int
) -> schemas.ClaimResult:
    """直播专享券: a coupon pushed in this session, claimed in the room while it is live."""
    row = await _session(session, session_id)
    if template_id not in await repo.pushed_coupons(session, session_id):
        raise CouponNotPushed(template_id=template_id)
    if row.status != "live":
        raise NotLive()
    report = await promotions.issue(
        session, template_id=template_id, member_ids=[member_id], actor=f"live:{session_id}"
    )
    if member_id not in report.issued:
        code = report.skipped[0]["code"] if report.skipped else ""
        raise CouponUnavailable(reason=code)
    return schemas.ClaimResult(template_id=template_id, claimed=True)


# -- operators -------------------------------------------------------------------------------


def _session_values(
    body: schemas.SessionCreate | schemas.SessionUpdate, provider: str
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
    session: AsyncSession, ctx: AppContext, body: schemas.SessionCreate
) -> schemas.Session:
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
    session: AsyncSession, hub: LiveHub, *, session_id: int, body: schemas.SessionUpdate
) -> schemas.Session:
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


def _json(model: schemas.Session) -> dict[str, Any]:
    return model.model_dump(mode="json")


async def get_session(session: AsyncSession, session_id: int) -> schemas.Session:
    return session_out(await _session(session, session_id))


async def start(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.Session:
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


async def end(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.Session:
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
    session: AsyncSession, hub: LiveHub, *, session_id: int, body: schemas.ShelfBody
) -> list[schemas.ShelfProduct]:
    row = await _session(session, session_id)
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
) -> schemas.Session:
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
) -> schemas.Restriction:
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
    return schemas.Restriction(member_id=member_id, nickname=nickname, kind=kind, created_at=now)


async def lift(
    session: AsyncSession, hub: LiveHub, *, session_id: int, member_id: int, kind: str
) -> None:
    await _session(session, session_id)
    if kind not in RESTRICTIONS or not await repo.lift(session, session_id, member_id, kind):
        raise MemberInvalid(f"member {member_id} has no {kind!r} in this session")
    if kind == "mute":
        hub.after_commit(session, _frame(session_id, {"type": "unmuted"}, member_id=member_id))


async def restrictions(session: AsyncSession, session_id: int) -> list[schemas.Restriction]:
    rows = await repo.restrictions(session, session_id)
    names = await members.get_nicknames(session, [r.member_id for r in rows])
    return [
        schemas.Restriction(
            member_id=r.member_id,
            nickname=names.get(r.member_id, ""),
            kind=r.kind,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def metrics(session: AsyncSession, hub: LiveHub, *, session_id: int) -> schemas.Metrics:
    row = await _session(session, session_id)
    counters = await hub.store.counters(session_id)
    return schemas.Metrics(
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
) -> schemas.Control:
    row = await _session(session, session_id)
    provider = provider_for(ctx.settings, row.provider)
    recent = await repo.latest_comments(session, session_id, RECENT_COMMENTS)
    return schemas.Control(
        session=session_out(row),
        shelf=await shelf(session, session_id),
        push=provider.push(row.stream_name).push_url,
        player=_player(ctx, row),
        metrics=await metrics(session, hub, session_id=session_id),
        comments=[
            schemas.StaffComment(**comment_out(r).model_dump(), member_id=r.member_id)
            for r in recent
        ],
        restrictions=await restrictions(session, session_id),
        coupons=await _coupons(session, session_id),
    )


# -- events and jobs -------------------------------------------------------------------------


def _as_datetime(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return default
        return parsed if parsed.tzinfo is not None else default
    return value if isinstance(value, datetime) else default


async def handle_order_paid(session: AsyncSession, payload: dict[str, Any]) -> None:
    """An order was paid: if its shopper watched a session live (or it ended within
    ``ATTRIBUTION_WINDOW``) and the order has a product of that session's shelf, the newest
    such session counts the sale (once per order: ``live_sale.order_no`` is unique)."""
    member_id = payload.get("member_id")
    order_no = payload.get("order_no")
    if not isinstance(member_id, int) or not isinstance(order_no, str):
        return
    now = utcnow()
    paid_at = _as_datetime(payload.get("paid_at"), now)
    watched = await repo.watched_sessions(session, member_id, paid_at - ATTRIBUTION_WINDOW)
    if not watched:
        return
    order = await orders.member_order_lines(session, member_id=member_id, order_no=order_no)
    hits = await repo.shelf_sessions_of(session, [ln.product_id for ln in order.lines], watched)
    if not hits:
        return
    session_id = max(hits)
    amount = int(payload.get("payable_total") or 0)
    if await repo.insert_sale(
        session,
        {
            "order_no": order_no,
            "session_id": session_id,
            "member_id": member_id,
            "amount": amount,
            "created_at": now,
        },
    ):
        await repo.add_counts(session, session_id, sales_count=1, sales_amount=amount)
        log.info("live.sale", session_id=session_id, order_no=order_no)


async def send_reminders(session: AsyncSession, *, now: datetime | None = None) -> int:
    """开播提醒 for sessions starting within ``REMIND_AHEAD``: one send per subscriber, spending
    their ``live:<id>`` credit; each session once (``reminded_at``). Sends recorded."""
    now = now or utcnow()
    recorded = 0
    for row in await repo.due_reminders(session, now + REMIND_AHEAD, limit=20):
        if not await repo.mark_reminded(session, row.id, now):
            continue
        values = {
            "live_title": notification.shorten(row.title),
            "anchor_name": notification.shorten(row.anchor_name),
            "start_time": notification.shown_time(row.scheduled_at),
        }
        for member_id in await repo.subscribers(session, row.id):
            recorded += await notification.enqueue(
                session,
                event="live_start",
                member_id=member_id,
                ref=f"live:{row.id}",
                values=values,
                subject=f"live:{row.id}",
            )
    return recorded

"""Reviews: writing one (with photos, growth in the same transaction), the follow-up, the
product page's summary and lists, and moderation (approve, hide, the merchant's reply).

Growth (成长值, membership) is granted when a review is written and taken back when staff hide
it; approving a hidden review grants it again. Each grant or reversal is a growth-ledger row
with ref ``review:<id>:<reward_seq>``, and ``reward_seq`` moves only by a conditional UPDATE on
(status, reward_seq): two moderators at once change a review once, and a retry grants nothing
twice. Points are not granted for reviews (the points ledger has no review reason yet).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import video as core_video
from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.storage import Storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.loyalty import public as loyalty
from shoplet.modules.members import public as members
from shoplet.modules.membership import public as membership
from shoplet.modules.moderation import public as moderation
from shoplet.modules.orders import public as orders
from shoplet.modules.review import repository as repo
from shoplet.modules.review import rules as r
from shoplet.modules.review.errors import (
    AlreadyReviewed,
    ContentEmpty,
    ContentRejected,
    ContentTooLong,
    FollowupNotAllowed,
    LineNotFound,
    NotReviewable,
    PhotoInvalid,
    PhotoUnknown,
    ReviewChanged,
    ReviewNotFound,
    TooManyPhotos,
)
from shoplet.modules.review.events import CREATED, MODERATED
from shoplet.modules.review.models import Review as ReviewRow
from shoplet.modules.review.schemas import (
    OrderReviews,
    Photo,
    RatingSummary,
    Review,
    ReviewableLine,
    ReviewAdmin,
    ReviewCreate,
    ReviewPhoto,
    ReviewPublic,
)
from shoplet.modules.review.videos import claim_video

LATEST_ON_PRODUCT = 3
SUBJECT = "review"
FOLLOWUP_SUBJECT = "review_followup"
FLAGGED_REASON = "疑似引流（联系方式、链接、返现）"
# What a review becomes for each moderation status.
STATUS_OF_MODERATION = {"approved": "approved", "rejected": "hidden"}


def _public_fields(row: ReviewRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "product_id": row.product_id,
        "spec_text": row.spec_text,
        "rating": row.rating,
        "content": row.content,
        "photos": [Photo.model_validate(p) for p in row.photos],
        "video": row.video,
        "nickname": row.nickname,
        "is_anonymous": row.is_anonymous,
        "reply": row.reply,
        "followup": row.followup,
        "followup_at": row.followup_at,
        "created_at": row.created_at,
    }


def public_view(row: ReviewRow) -> ReviewPublic:
    return ReviewPublic(**_public_fields(row))


def own_view(row: ReviewRow, state: moderation.ModerationState | None = None) -> Review:
    return Review(
        **_public_fields(row),
        order_no=row.order_no,
        line_id=row.line_id,
        status=row.status,  # type: ignore[arg-type]
        growth=row.growth,
        points=row.points,
        moderation=state,
    )


async def own_view_of(session: AsyncSession, row: ReviewRow) -> Review:
    """The writer's view with where its moderation stands (审核中, 未通过 and why)."""
    states = await moderation.states_of(session, SUBJECT, [row.id])
    return own_view(row, states.get(row.id))


def admin_view(row: ReviewRow) -> ReviewAdmin:
    return ReviewAdmin(
        **own_view(row).model_dump(exclude={"moderation"}),
        member_id=row.member_id,
        title=row.title,
        is_flagged=row.is_flagged,
        replied_at=row.replied_at,
        moderated_by=row.moderated_by,
        moderated_at=row.moderated_at,
    )


async def _require(session: AsyncSession, review_id: int) -> ReviewRow:
    row = await repo.get_review(session, review_id)
    if row is None:
        raise ReviewNotFound(review_id=review_id)
    return row


def _text(content: str) -> str:
    cleaned = r.clean_content(content)
    if len(cleaned) > r.MAX_CONTENT:
        raise ContentTooLong(f"{len(cleaned)} characters; at most {r.MAX_CONTENT}")
    return cleaned


# -- photos ----------------------------------------------------------------------------------


async def upload_photo(
    session: AsyncSession, storage: Storage, *, member_id: int, data: bytes
) -> ReviewPhoto:
    """A photo through catalog's image pipeline (upright, metadata stripped, WebP variants),
    kept for the member's next review."""
    try:
        stored = await catalog.store_image(session, storage, data)
    except catalog.MediaInvalid as exc:
        raise PhotoInvalid(exc.detail) from exc
    # Held after the upload (no lock across storage I/O), before the row that a merge moves.
    await members.hold_member(session, member_id)
    row = await repo.insert_photo(
        session,
        {
            "member_id": member_id,
            "url": stored.url,
            "image_set": stored.image_set.model_dump(mode="json"),
            "created_at": utcnow(),
        },
    )
    return ReviewPhoto(id=row.id, url=row.url, image_set=stored.image_set)


# -- writing ---------------------------------------------------------------------------------


async def order_reviews(
    session: AsyncSession, *, member_id: int, order_no: str, now: datetime | None = None
) -> OrderReviews:
    """The shopper's order's lines with their reviews: what 去评价 and 追评 apply to."""
    now = now or utcnow()
    order = await orders.member_order_lines(session, member_id=member_id, order_no=order_no)
    reviewable = order.status in r.REVIEWABLE_STATUSES
    done = {
        row.line_id: row
        for row in await repo.reviews_of_lines(session, [line.line_id for line in order.lines])
    }
    lines = []
    for line in order.lines:
        review = done.get(line.line_id)
        lines.append(
            ReviewableLine(
                line_id=line.line_id,
                product_id=line.product_id,
                sku_id=line.sku_id,
                title=line.title,
                spec_text=line.spec_text,
                image=line.image,
                review_id=review.id if review else None,
                can_review=reviewable and review is None,
                can_followup=review is not None
                and review.followup is None
                and review.status != "hidden"
                and r.followup_open(review.created_at, now),
            )
        )
    return OrderReviews(order_no=order.order_no, status=order.status, lines=lines)


async def _grant(session: AsyncSession, row_member: int, review_id: int, seq: int) -> int:
    amount = await loyalty.review_growth(session)
    if amount > 0:
        await membership.add_growth(
            session, row_member, amount, "review", f"review:{review_id}:{seq}", note="商品评价"
        )
    return amount


async def _award_points(
    session: AsyncSession, row_member: int, review_id: int, seq: int, *, now: datetime
) -> int:
    return await loyalty.award_review_points(
        session, member_id=row_member, review_id=review_id, seq=seq, now=now
    )


async def create_review(
    session: AsyncSession,
    *,
    member_id: int,
    body: ReviewCreate,
    screening: moderation.Screening,
    openid: str | None,
    now: datetime | None = None,
) -> Review:
    """Review a line of the shopper's received or completed order, once per line (the unique
    line makes a second one, concurrent or not, 409 ``review.already_reviewed``). The text
    (screened before this transaction) and the photos go into moderation: the review is public
    only once it passes (``approved``), ``pending`` (审核中) until then, ``hidden`` when
    rejected. Growth is added in this transaction unless it is rejected at once."""
    await members.hold_member(session, member_id)
    now = now or utcnow()
    if len(set(body.photo_ids)) > r.MAX_PHOTOS:
        raise TooManyPhotos()
    _text(body.content)
    content = screening.text
    order = await orders.member_order_lines(session, member_id=member_id, order_no=body.order_no)
    line = next((x for x in order.lines if x.line_id == body.line_id), None)
    if line is None:
        raise LineNotFound(order_no=body.order_no, line_id=body.line_id)
    if order.status not in r.REVIEWABLE_STATUSES:
        raise NotReviewable(order_status=order.status)
    nickname = await members.get_nickname(session, member_id) or "用户"
    flagged = r.is_flagged(content)
    has_photos = bool(body.photo_ids)
    has_video = body.video_id is not None
    review_id = await repo.insert_review(
        session,
        {
            "member_id": member_id,
            "order_no": order.order_no,
            "line_id": line.line_id,
            "product_id": line.product_id,
            "sku_id": line.sku_id,
            "title": line.title,
            "spec_text": line.spec_text,
            "rating": body.rating,
            "content": content,
            "photos": [],
            "has_photos": has_photos,
            "has_video": has_video,
            "is_anonymous": body.is_anonymous,
            "nickname": r.mask_nickname(nickname) if body.is_anonymous else nickname[:32],
            "status": "pending",
            "is_flagged": flagged,
            "growth": 0,
            "points": 0,
            "reward_seq": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    if review_id is None:
        raise AlreadyReviewed(line_id=body.line_id)
    values: dict[str, Any] = {}
    urls: list[str] = []
    video_url: str | None = None
    if has_photos:
        claimed = await repo.claim_photos(session, member_id, body.photo_ids, review_id)
        if not claimed:
            raise PhotoUnknown()
        values["photos"] = [{"url": p.url, "image_set": p.image_set} for p in claimed]
        urls = [p.url for p in claimed]
    if body.video_id is not None:
        clip = await claim_video(session, member_id, body.video_id, review_id)
        values["video"] = core_video.shown(clip)
        urls += [clip.cover_url, *clip.frame_urls]
        video_url = clip.url
    state = await moderation.submit(
        session,
        subject_type=SUBJECT,
        subject_id=review_id,
        member_id=member_id,
        openid=openid,
        screening=screening,
        media_urls=urls,
        video_url=video_url,
        hold_reason=FLAGGED_REASON if flagged else None,
        now=now,
    )
    status = STATUS_OF_MODERATION.get(state.status, "pending")
    growth = points = 0
    if status != "hidden":
        growth = await _grant(session, member_id, review_id, 1)
        points = await _award_points(session, member_id, review_id, 1, now=now)
    values.update(status=status, growth=growth, points=points, reward_seq=1)
    await repo.update_review(
        session, review_id, expected_status="pending", expected_seq=0, values=values
    )
    if status == "approved":
        await repo.add_to_stats(session, line.product_id, r.stats_delta(body.rating, has_photos, 1))
    await publish(
        session,
        CREATED,
        {
            "review_id": review_id,
            "member_id": member_id,
            "product_id": line.product_id,
            "rating": body.rating,
            "status": status,
        },
        key=str(line.product_id),
    )
    row = await _require(session, review_id)
    return own_view(row, state)


async def add_followup(
    session: AsyncSession,
    *,
    member_id: int,
    review_id: int,
    content: str,
    screening: moderation.Screening,
    openid: str | None,
    now: datetime | None = None,
) -> Review:
    """追评: once, within 90 days, not on a hidden review. A follow-up the filter or WeChat
    rejects outright is refused (400 ``review.content_rejected``, nothing stored); one that
    needs a person sends the review back to 审核中 until the queue decides."""
    # Before the review row's lock below (a merge locks the member row, then the reviews):
    # moderation's own hold, after that lock, would invert the order.
    await members.hold_member(session, member_id)
    now = now or utcnow()
    row = await repo.get_review(session, review_id)
    if row is None or row.member_id != member_id:
        raise ReviewNotFound(review_id=review_id)
    text = _text(content)
    if not text:
        raise ContentEmpty()
    if row.status == "hidden" or not r.followup_open(row.created_at, now):
        raise FollowupNotAllowed()
    if screening.filter_action == "block" or screening.text_state == "risky":
        raise ContentRejected()
    if not await repo.set_followup(session, review_id, member_id, screening.text, now):
        raise FollowupNotAllowed()
    flagged = r.is_flagged(text)
    state = await moderation.submit(
        session,
        subject_type=FOLLOWUP_SUBJECT,
        subject_id=review_id,
        member_id=member_id,
        openid=openid,
        screening=screening,
        hold_reason=FLAGGED_REASON if flagged else None,
        now=now,
    )
    fresh = await _require(session, review_id)
    if state.status != "approved" and fresh.status == "approved":
        # Not public until the follow-up passes too.
        await _move(session, fresh, "pending", actor=f"member:{member_id}", now=now)
        fresh = await _require(session, review_id)
    return await own_view_of(session, fresh)


# -- reading ---------------------------------------------------------------------------------


async def summary(session: AsyncSession, product_id: int) -> RatingSummary:
    """One counters row and the latest approved reviews: no count over the reviews."""
    stats = await repo.get_stats(session, product_id)
    latest = await repo.product_reviews(
        session, product_id, kind="all", before_id=None, limit=LATEST_ON_PRODUCT
    )
    total = stats.total if stats else 0
    return RatingSummary(
        product_id=product_id,
        total=total,
        good=stats.good if stats else 0,
        neutral=stats.neutral if stats else 0,
        bad=stats.bad if stats else 0,
        with_photos=stats.with_photos if stats else 0,
        good_rate=r.good_rate_percent(stats.good, total) if stats else None,
        average=round(stats.rating_sum / total, 1) if stats and total else None,
        latest=[public_view(row) for row in latest],
    )


async def product_reviews(
    session: AsyncSession, product_id: int, *, kind: str, cursor: str | None, limit: int
) -> tuple[list[ReviewPublic], str | None]:
    rows = await repo.product_reviews(
        session, product_id, kind=kind, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return [public_view(x) for x in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


# -- moderation ------------------------------------------------------------------------------


async def list_admin(
    session: AsyncSession,
    *,
    status: str | None,
    rating: int | None,
    has_photos: bool | None,
    product_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ReviewAdmin], str | None]:
    rows = await repo.list_admin(
        session,
        status=status,
        rating=rating,
        has_photos=has_photos,
        product_id=product_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    return [admin_view(x) for x in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def _move(
    session: AsyncSession, row: ReviewRow, to: str, *, actor: str, now: datetime
) -> None:
    """Change a review's status with its rewards and the product's counters, once."""
    # The UPDATE below refreshes ``row`` in the session: keep what it was.
    was, seq = row.status, row.reward_seq + 1
    growth, points = row.growth, row.points
    if to == "hidden" and row.points > 0:
        await loyalty.take_back_review_points(
            session, member_id=row.member_id, review_id=row.id, seq=seq, points=row.points, now=now
        )
        points = 0
    elif to != "hidden" and row.points == 0:
        points = await _award_points(session, row.member_id, row.id, seq, now=now)
    if to == "hidden" and row.growth > 0:
        await membership.add_growth(
            session,
            row.member_id,
            -row.growth,
            "review",
            f"review:{row.id}:{seq}",
            note="评价被隐藏",
        )
        growth = 0
    elif to != "hidden" and row.growth == 0:
        growth = await _grant(session, row.member_id, row.id, seq)
    changed = await repo.update_review(
        session,
        row.id,
        expected_status=was,
        expected_seq=row.reward_seq,
        values={
            "status": to,
            "growth": growth,
            "points": points,
            "reward_seq": seq,
            "moderated_by": actor,
            "moderated_at": now,
            "updated_at": now,
        },
    )
    if not changed:
        raise ReviewChanged()
    if (was == "approved") != (to == "approved"):
        sign = 1 if to == "approved" else -1
        await repo.add_to_stats(
            session, row.product_id, r.stats_delta(row.rating, row.has_photos, sign)
        )
    await publish(
        session,
        MODERATED,
        {
            "review_id": row.id,
            "member_id": row.member_id,
            "product_id": row.product_id,
            "from_status": was,
            "to_status": to,
            "actor": actor,
        },
        key=str(row.product_id),
    )


async def moderate(
    session: AsyncSession, review_id: int, to: str, *, actor: str, now: datetime | None = None
) -> ReviewAdmin:
    """Approve (pending or hidden → approved) or hide (pending or approved → hidden); the
    same status again changes nothing. Approving here is a moderation decision too: the
    review's moderation items (text, follow-up) become ``approved`` with the same actor."""
    now = now or utcnow()
    row = await repo.get_review(session, review_id)
    if row is None:
        raise ReviewNotFound(review_id=review_id)
    if row.status != to:
        await _move(session, row, to, actor=actor, now=now)
        row = await _require(session, review_id)
    if to == "approved":
        for subject in (SUBJECT, FOLLOWUP_SUBJECT):
            await moderation.override(session, subject, review_id, "approved", actor=actor, now=now)
    return admin_view(row)


async def apply_moderation(
    session: AsyncSession, *, subject_type: str, review_id: int, status: str, actor: str
) -> None:
    """A later moderation decision (WeChat's image verdict, the queue, an appeal approved):
    ``approved`` shows the review (once its text and follow-up both passed), ``rejected``
    hides it; anything else leaves it. Idempotent: the review already there changes nothing."""
    row = await repo.get_review(session, review_id)
    to = STATUS_OF_MODERATION.get(status)
    if row is None or to is None or row.status == to:
        return
    if to == "approved":
        for subject in (SUBJECT, FOLLOWUP_SUBJECT):
            state = (await moderation.states_of(session, subject, [review_id])).get(review_id)
            if state is not None and state.status != "approved":
                return
        if row.status == "hidden" and (row.moderated_by or "").startswith("staff:"):
            # Staff hid it in 评价管理: a later verdict does not undo that.
            return
    await _move(session, row, to, actor=f"moderation:{actor}"[:64], now=utcnow())


async def reply(
    session: AsyncSession, review_id: int, content: str, *, now: datetime | None = None
) -> ReviewAdmin:
    """商家回复: the merchant's reply (a new one replaces the old)."""
    now = now or utcnow()
    text = _text(content)
    if not text:
        raise ContentEmpty()
    if not await repo.set_reply(session, review_id, text, now):
        raise ReviewNotFound(review_id=review_id)
    row = await _require(session, review_id)
    return admin_view(row)

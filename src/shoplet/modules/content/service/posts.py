"""种草 and 话题: topics, images, posts with their products, the latest and hot feeds, pins,
comments and the author's own posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import video as core_video
from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.errors import Unauthorized
from shoplet.core.pagination import (
    InvalidCursor,
    decode_cursor,
    decode_id_cursor,
    encode_cursor,
    encode_id_cursor,
)
from shoplet.core.storage import Storage
from shoplet.modules.catalog import public as catalog
from shoplet.modules.content import repository as repo
from shoplet.modules.content import rules as r
from shoplet.modules.content.errors import (
    ContentEmpty,
    ImageInvalid,
    ImageUnknown,
    PostNotFound,
    ProductUnknown,
    TopicNotFound,
    TopicTaken,
    VideoWithImages,
)
from shoplet.modules.content.models import Comment as CommentRow
from shoplet.modules.content.models import Post as PostRow
from shoplet.modules.content.models import PostImage as PostImageRow
from shoplet.modules.content.models import Topic as TopicRow
from shoplet.modules.content.schemas import (
    Comment,
    Feed,
    MyComment,
    MyPost,
    Post,
    PostAdmin,
    PostCreate,
    PostImage,
    Topic,
    TopicWrite,
)
from shoplet.modules.content.service._common import (
    _nickname,
    _require,
    _require_public,
    _submit,
)
from shoplet.modules.content.service.personal import is_personal_cursor, personal_page
from shoplet.modules.content.service.videos import claim_video
from shoplet.modules.members import public as members
from shoplet.modules.moderation import public as moderation

# -- topics ----------------------------------------------------------------------------------


def _topic(row: TopicRow) -> Topic:
    return Topic(
        id=row.id,
        name=row.name,
        description=row.description,
        is_active=row.is_active,
        post_count=row.post_count,
        created_at=row.created_at,
    )


async def topics(session: AsyncSession, *, active_only: bool) -> list[Topic]:
    return [_topic(t) for t in await repo.topics(session, active_only=active_only)]


async def topic(session: AsyncSession, topic_id: int) -> Topic:
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    if row is None or not row.is_active:
        raise TopicNotFound(topic_id=topic_id)
    return _topic(row)


def _topic_name(name: str) -> str:
    return name.strip().lstrip("#＃").strip()


async def create_topic(session: AsyncSession, body: TopicWrite) -> Topic:
    now = utcnow()
    name = _topic_name(body.name)
    if not name:
        raise ContentEmpty()
    topic_id = await repo.insert_topic(
        session,
        {
            "name": name,
            "description": body.description,
            "is_active": body.is_active,
            "post_count": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    if topic_id is None:
        raise TopicTaken(name=name)
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    return _topic(row)


async def update_topic(session: AsyncSession, topic_id: int, body: TopicWrite) -> Topic:
    name = _topic_name(body.name)
    if not name:
        raise ContentEmpty()
    if await repo.name_taken(session, name, topic_id):
        raise TopicTaken(name=name)
    values = {
        "name": name,
        "description": body.description,
        "is_active": body.is_active,
        "updated_at": utcnow(),
    }
    if not await repo.update_topic(session, topic_id, values):
        raise TopicNotFound(topic_id=topic_id)
    row = await repo.get(session, TopicRow, topic_id)  # type: ignore[arg-type]
    return _topic(row)


# -- posts -----------------------------------------------------------------------------------


async def upload_image(
    session: AsyncSession, storage: Storage, *, member_id: int, data: bytes
) -> PostImage:
    """An image through catalog's pipeline (upright, metadata stripped, WebP variants), kept
    for the member's next post."""
    try:
        stored = await catalog.store_image(session, storage, data)
    except catalog.MediaInvalid as exc:
        raise ImageInvalid(exc.detail) from exc
    # Held after the upload (no lock across storage I/O), before the row that a merge moves.
    await members.hold_member(session, member_id)
    row = PostImageRow(member_id=member_id, url=stored.url, post_id=None, created_at=utcnow())
    await repo.add(session, row)
    return PostImage(id=row.id, url=row.url)


async def _posts(
    session: AsyncSession, rows: Sequence[PostRow], viewer: int | None, *, mine: bool = False
) -> list[Any]:
    product_ids = [pid for p in rows for pid in p.product_ids]
    cards = await catalog.buyable_cards(session, product_ids) if product_ids else {}
    names = await repo.topic_names(
        session, list({p.topic_id for p in rows if p.topic_id is not None})
    )
    ids = [p.id for p in rows]
    liked = await repo.liked_of(session, "post", ids, viewer)
    favorited = await repo.favorited_of(session, ids, viewer)
    following = await repo.followed_of(session, list({p.member_id for p in rows}), viewer)
    states = await moderation.states_of(session, "post", [p.id for p in rows]) if mine else {}
    out: list[Any] = []
    for p in rows:
        fields: dict[str, Any] = {
            "id": p.id,
            "member_id": p.member_id,
            "nickname": p.nickname,
            "topic_id": p.topic_id,
            "topic_name": names.get(p.topic_id) if p.topic_id is not None else None,
            "content": p.content,
            "images": list(p.images),
            "video": p.video,
            "products": [cards[i] for i in p.product_ids if i in cards],
            "is_pinned": p.is_pinned,
            "like_count": p.like_count,
            "comment_count": p.comment_count,
            "favorite_count": p.favorite_count,
            "liked": p.id in liked,
            "favorited": p.id in favorited,
            "following_author": p.member_id in following,
            "created_at": p.created_at,
        }
        if mine:
            out.append(
                MyPost(
                    **fields,
                    status=p.status,  # type: ignore[arg-type]
                    moderation=states.get(p.id),
                )
            )
        else:
            out.append(Post(**fields))
    return out


async def create_post(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    body: PostCreate,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyPost:
    """种草: text, up to 9 of the writer's unused images or one unused video, up to 6 products
    on sale, a topic open now; public once moderation approves the text and every image (a
    video's cover and sampled frames)."""
    await members.hold_member(session, member_id)
    now = now or utcnow()
    if len(set(body.image_ids)) > r.MAX_IMAGES:
        raise ImageUnknown(f"at most {r.MAX_IMAGES} images")
    if body.video_id is not None and body.image_ids:
        raise VideoWithImages()
    product_ids = list(dict.fromkeys(body.product_ids))
    if len(product_ids) > r.MAX_PRODUCTS:
        raise ProductUnknown(f"at most {r.MAX_PRODUCTS} products")
    if product_ids:
        cards = await catalog.buyable_cards(session, product_ids)
        missing = [p for p in product_ids if p not in cards]
        if missing:
            raise ProductUnknown(product_ids=missing)
    if body.topic_id is not None:
        topic_row = await repo.get(session, TopicRow, body.topic_id)  # type: ignore[arg-type]
        if topic_row is None or not topic_row.is_active:
            raise TopicNotFound(topic_id=body.topic_id)
    row = PostRow(
        member_id=member_id,
        nickname=await _nickname(session, member_id),
        topic_id=body.topic_id,
        content=screening.text,
        images=[],
        product_ids=product_ids,
        status="pending",
        is_pinned=False,
        like_count=0,
        comment_count=0,
        favorite_count=0,
        hot_score=r.hot_score(0, 0, now),
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    urls: list[str] = []
    video_url: str | None = None
    if body.image_ids:
        claimed = await repo.claim_images(session, member_id, body.image_ids, row.id)
        if not claimed:
            raise ImageUnknown()
        urls = [i.url for i in claimed]
        await repo.update_post(session, row.id, {"images": urls})
    if body.video_id is not None:
        clip = await claim_video(session, member_id, body.video_id, row.id)
        urls, video_url = [clip.cover_url, *clip.frame_urls], clip.url
        await repo.update_post(session, row.id, {"video": core_video.shown(clip)})
    await _submit(
        session,
        "post",
        row,
        member_id=member_id,
        openid=openid,
        screening=screening,
        media_urls=urls,
        video_url=video_url,
        now=now,
    )
    fresh = await _require(session, "post", row.id)
    (view,) = await _posts(session, [fresh], member_id, mine=True)
    return MyPost.model_validate(view)


def _hot_cursor(cursor: str | None) -> tuple[float, int] | None:
    if cursor is None:
        return None
    score, last = decode_cursor(cursor, length=2)
    try:
        value = float(str(score))
    except ValueError as exc:
        raise InvalidCursor("cursor is not one this API issued") from exc
    if not isinstance(last, int) or last < 1:
        raise InvalidCursor("cursor is not one this API issued")
    return value, last


async def feed(
    session: AsyncSession,
    *,
    topic_id: int | None,
    sort: str,
    viewer: int | None,
    cursor: str | None,
    limit: int,
    ctx: AppContext | None = None,
) -> Feed:
    """最新 (``latest``) or 热门 (``hot``) public posts, of a topic or all; pinned posts come
    first, on the first page. 关注 (``following``): the viewer's followed authors' posts,
    newest first, pins among them. 热门 for a signed-in viewer is re-ranked by their interests
    when some post touches them (``personal.py``)."""
    if sort == "following":
        return await _following_feed(session, viewer=viewer, cursor=cursor, limit=limit)
    if topic_id is not None:
        await topic(session, topic_id)
    personal = None
    if (
        sort == "hot"
        and viewer is not None
        and ctx is not None
        and (cursor is None or is_personal_cursor(cursor))
    ):
        personal = await personal_page(
            session, ctx, viewer=viewer, topic_id=topic_id, cursor=cursor, limit=limit
        )
    if personal is not None:
        pins = await repo.pinned(session, topic_id=topic_id) if cursor is None else []
        views = await _posts(session, [*pins, *personal[0]], viewer)
        return Feed(pinned=views[: len(pins)], items=views[len(pins) :], next_cursor=personal[1])
    if sort == "hot":
        after = _hot_cursor(cursor)
    else:
        last = decode_id_cursor(cursor)
        after = (0.0, last) if last is not None else None
    rows = await repo.feed(session, topic_id=topic_id, sort=sort, after=after, limit=limit + 1)
    page = rows[:limit]
    pins = await repo.pinned(session, topic_id=topic_id) if cursor is None else []
    views = await _posts(session, [*pins, *page], viewer)
    next_cursor = None
    if len(rows) > limit:
        tail = page[-1]
        next_cursor = (
            encode_cursor([repr(tail.hot_score), tail.id])
            if sort == "hot"
            else encode_id_cursor(tail.id)
        )
    return Feed(pinned=views[: len(pins)], items=views[len(pins) :], next_cursor=next_cursor)


async def _following_feed(
    session: AsyncSession, *, viewer: int | None, cursor: str | None, limit: int
) -> Feed:
    if viewer is None:
        raise Unauthorized("sign in to see the posts of the authors you follow")
    rows = await repo.following_feed(
        session, viewer, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    views = await _posts(session, page, viewer)
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return Feed(pinned=[], items=views, next_cursor=next_cursor)


async def post(session: AsyncSession, post_id: int, viewer: int | None) -> Any:
    """A public post, or the author's own in any status (with where moderation stands)."""
    row = await _require(session, "post", post_id)
    if row.status != "approved":
        if viewer is None or row.member_id != viewer:
            raise PostNotFound(post_id=post_id)
        (mine,) = await _posts(session, [row], viewer, mine=True)
        return mine
    (view,) = await _posts(session, [row], viewer)
    return view


async def list_posts_admin(
    session: AsyncSession,
    *,
    status: str | None,
    topic_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PostAdmin], str | None]:
    rows = await repo.list_posts_admin(
        session,
        status=status,
        topic_id=topic_id,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    views = await _posts(session, page, None)
    items = [
        PostAdmin(**v.model_dump(), status=row.status)  # type: ignore[arg-type]
        for v, row in zip(views, page, strict=True)
    ]
    return items, (encode_id_cursor(page[-1].id) if len(rows) > limit else None)


async def pin(session: AsyncSession, post_id: int, is_pinned: bool) -> PostAdmin:
    row = await _require(session, "post", post_id)
    await repo.update_post(session, post_id, {"is_pinned": is_pinned, "updated_at": utcnow()})
    fresh = await _require(session, "post", row.id)
    (view,) = await _posts(session, [fresh], None)
    return PostAdmin(**view.model_dump(), status=fresh.status)


# -- comments --------------------------------------------------------------------------------


def _comment(row: CommentRow) -> Comment:
    return Comment(
        id=row.id,
        post_id=row.post_id,
        nickname=row.nickname,
        content=row.content,
        created_at=row.created_at,
    )


async def comments(
    session: AsyncSession, post_id: int, *, cursor: str | None, limit: int
) -> tuple[list[Comment], str | None]:
    await _require_public(session, "post", post_id)
    rows = await repo.post_comments(
        session, post_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    return [_comment(c) for c in page], (
        encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


async def comment(
    session: AsyncSession,
    *,
    member_id: int,
    openid: str | None,
    post_id: int,
    screening: moderation.Screening,
    now: datetime | None = None,
) -> MyComment:
    await members.hold_member(session, member_id)
    now = now or utcnow()
    await _require_public(session, "post", post_id)
    row = CommentRow(
        post_id=post_id,
        member_id=member_id,
        nickname=await _nickname(session, member_id),
        content=screening.text,
        status="pending",
        created_at=now,
        updated_at=now,
    )
    await repo.add(session, row)
    state = await _submit(
        session, "comment", row, member_id=member_id, openid=openid, screening=screening, now=now
    )
    fresh = await _require(session, "comment", row.id)
    return MyComment(**_comment(fresh).model_dump(), status=fresh.status, moderation=state)


async def my_posts(session: AsyncSession, member_id: int) -> list[MyPost]:
    rows = await repo.own(session, PostRow, member_id)
    return list(await _posts(session, rows, member_id, mine=True))

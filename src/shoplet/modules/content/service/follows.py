"""收藏 and 关注: a member's favourites of public posts (with the post's ``favorite_count``)
and the authors they follow. Either is a row unique per pair: done twice, or at once from many
devices, it is one row, and the counter moves only when this call inserted (or deleted) it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.content import repository as repo
from shoplet.modules.content.errors import AuthorNotFound, FollowSelf
from shoplet.modules.content.schemas import FavoriteResult, FollowResult, Post
from shoplet.modules.content.service._common import _require_public
from shoplet.modules.content.service.posts import _posts
from shoplet.modules.members import public as members


async def favorite(
    session: AsyncSession, post_id: int, member_id: int, *, favorited: bool
) -> FavoriteResult:
    """收藏 a public post (or take it back); 404 for a post that is not public."""
    row = await _require_public(session, "post", post_id)
    if favorited:
        await members.hold_member(session, member_id)
        changed = await repo.insert_favorite(session, post_id, member_id, utcnow())
    else:
        changed = await repo.delete_favorite(session, post_id, member_id)
    if not changed:
        return FavoriteResult(favorited=favorited, favorite_count=row.favorite_count)
    count = await repo.bump_favorites(session, post_id, 1 if favorited else -1)
    return FavoriteResult(favorited=favorited, favorite_count=count)


async def favorites(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> tuple[list[Post], str | None]:
    """My 收藏: the public posts I favourited, the latest favourite first."""
    rows = await repo.favorites(
        session, member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    views = await _posts(session, [p for _, p in page], member_id)
    return views, (encode_id_cursor(page[-1][0]) if len(rows) > limit else None)


async def follow(
    session: AsyncSession, author_id: int, member_id: int, *, following: bool
) -> FollowResult:
    """关注 an author (or stop); 400 ``content.follow_self`` for oneself, 404 for no such
    member."""
    if author_id == member_id:
        raise FollowSelf()
    if await members.get_nickname(session, author_id) is None:
        raise AuthorNotFound(member_id=author_id)
    if following:
        # Both ends are member-keyed: held in id order, as a merge locks its pair.
        for held in sorted({member_id, author_id}):
            await members.hold_member(session, held)
        await repo.insert_follow(session, member_id, author_id, utcnow())
    else:
        await repo.delete_follow(session, member_id, author_id)
    return FollowResult(
        following=following, follower_count=await repo.follower_count(session, author_id)
    )

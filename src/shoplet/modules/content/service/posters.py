"""分享海报 of a post, drawn by social's share pipeline (fonts, footer, sharer, code, media
storage, drawn once per content): the post's first image, its opening words, its author and
topic, and a code that opens the post (the mini program's post page with scene ``id=<post>``,
or a QR code of the H5 post page)."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import read_session
from shoplet.integrations.wechat import wxacode as wx
from shoplet.modules.content import repository as repo
from shoplet.modules.content.service._common import _require_public
from shoplet.modules.social import public as social

POST_PAGE = "pkg-social/posts/detail"
ACCENT = (233, 78, 119)  # the storefront's 种草 rose
TITLE_CHARS = 16
EXCERPT_CHARS = 60


def post_h5_path(post_id: int) -> str:
    return f"/{POST_PAGE}?id={post_id}"


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "种草分享"
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


async def post_poster(
    ctx: AppContext,
    client: wx.WxacodeClient | None,
    *,
    member_id: int,
    post_id: int,
    platform: str,
    h5_origin: str,
) -> social.SharePoster:
    """The share poster of a public post (404 ``content.post_not_found`` otherwise)."""
    async with read_session(ctx.sessionmaker) as session:
        row = await _require_public(session, "post", post_id)
        names = await repo.topic_names(session, [row.topic_id] if row.topic_id else [])
    topic = names.get(row.topic_id) if row.topic_id is not None else None
    excerpt = " ".join(row.content.split())
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[: EXCERPT_CHARS - 1] + "…"
    card = social.CardPoster(
        key=f"post:{row.id}",
        picture=None,
        picture_url=row.images[0] if row.images else None,
        accent=ACCENT,
        title=_title(row.content),
        subtitle=f"{row.nickname} 的种草",
        lines=tuple(line for line in (f"#{topic}" if topic else "", excerpt) if line),
        tagline="一起来看看这篇种草",
        page=POST_PAGE,
        scene=f"id={row.id}",
        h5_path=post_h5_path(row.id),
    )
    return await social.make_card_poster(
        ctx, client, member_id=member_id, card=card, platform=platform, h5_origin=h5_origin
    )

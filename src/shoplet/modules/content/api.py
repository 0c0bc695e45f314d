"""Storefront endpoints of content (tag ``content``): 问大家 on a product, 种草 posts and their
topics, likes, 收藏 and 关注, comments, and the notices of 我的内容. Every text is screened
here, before the request's transaction opens (WeChat's ``msgSecCheck`` is called then), and
submitted to moderation in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.core.video import UploadedVideo
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.content import service
from shoplet.modules.content.errors import (
    ImageInvalid,
    ImageTooLarge,
    VideoTooLarge,
    VideoUnreadable,
)
from shoplet.modules.content.schemas import (
    AnswerCreate,
    Challenge,
    Comment,
    CommentCreate,
    FavoriteResult,
    Feed,
    FeedSort,
    FollowResult,
    LikeResult,
    MyAnswer,
    MyComment,
    MyPost,
    MyQuestion,
    Notice,
    Post,
    PostCreate,
    PosterRequest,
    PostImage,
    QaSummary,
    Question,
    QuestionCreate,
    Topic,
)
from shoplet.modules.members.public import CurrentMember, OptionalMember
from shoplet.modules.moderation.public import screen
from shoplet.modules.social.public import SharePoster

router = APIRouter(tags=["content"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]
MAX_IMAGE_BYTES = 5 * 1024 * 1024
_UPLOAD = upload_body("an image: PNG, JPEG or WebP, at most 5 MB")
# Routes declare a static body limit; the configurable video limit is checked as it is read.
MAX_VIDEO_CEILING = 512 * 1024 * 1024


# -- 问大家 -----------------------------------------------------------------------------------


@router.get("/products/{product_id}/questions/summary")
async def qa_summary(
    product_id: PathId, session: DbSession, member: OptionalMember, response: Response
) -> QaSummary:
    """问大家 on the product page: how many questions, the latest two with their answers."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.qa_summary(session, product_id, member.id if member else None)


@router.get("/products/{product_id}/questions", responses=problem_responses(400))
async def product_questions(
    product_id: PathId,
    *,
    session: DbSession,
    member: OptionalMember,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Question]:
    """Public questions, newest first, each with its public answers (the shop's first)."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.product_questions(
        session, product_id, viewer=member.id if member else None, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/products/{product_id}/questions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404),
)
async def ask(
    product_id: PathId, body: QuestionCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> MyQuestion:
    """Ask about a product (≤ 200 characters); public once moderation approves it."""
    text = service.checked_text("question", body.content)
    screening = await screen(ctx, text=text, openid=member.openid)
    return await service.ask(
        session,
        member_id=member.id,
        openid=member.openid,
        product_id=product_id,
        screening=screening,
    )


@router.post(
    "/questions/{question_id}/answers",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404),
)
async def answer(
    question_id: PathId, body: AnswerCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> MyAnswer:
    """Answer a question about a product you bought (≤ 500 characters; 403
    ``content.not_a_buyer`` otherwise); the asker is told once it is public."""
    text = service.checked_text("answer", body.content)
    screening = await screen(ctx, text=text, openid=member.openid)
    return await service.answer(
        session,
        member_id=member.id,
        openid=member.openid,
        question_id=question_id,
        screening=screening,
    )


@router.put("/answers/{answer_id}/like", responses=problem_responses(401, 404, 409))
async def like_answer(answer_id: PathId, member: CurrentMember, session: DbSession) -> LikeResult:
    """有用: one like per shopper (again changes nothing)."""
    return await service.like(session, "answer", answer_id, member.id, liked=True)


@router.delete("/answers/{answer_id}/like", responses=problem_responses(401, 404, 409))
async def unlike_answer(answer_id: PathId, member: CurrentMember, session: DbSession) -> LikeResult:
    """Take the like back."""
    return await service.like(session, "answer", answer_id, member.id, liked=False)


# -- 种草 -------------------------------------------------------------------------------------


@router.post(
    "/content/images",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 413),
    openapi_extra=_UPLOAD,
    max_body_size=MAX_IMAGE_BYTES + MULTIPART_OVERHEAD,
)
async def upload_image(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> PostImage:
    """Upload an image for a post (the multipart field ``file``); pass its ``id`` in
    ``image_ids``. 400 ``content.image_invalid``, 413 ``content.image_too_large``."""
    upload = await read_upload(
        request, MAX_IMAGE_BYTES, too_large=ImageTooLarge, invalid=ImageInvalid, noun="image"
    )
    return await service.upload_image(
        session, get_storage(ctx, "media"), member_id=member.id, data=upload.data
    )


@router.post(
    "/content/videos",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 413),
    openapi_extra=upload_body("a video: MP4 or MOV (H.264/H.265), at most 50 MB and 60 s"),
    max_body_size=MAX_VIDEO_CEILING + MULTIPART_OVERHEAD,
)
async def upload_video(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> UploadedVideo:
    """Upload a short video for a post (the multipart field ``file``); pass its ``id`` as
    ``video_id``. Its cover is drawn at about 1 s. 400 ``content.video_unreadable``,
    ``content.video_codec_unsupported``, ``content.video_too_long``; 413
    ``content.video_too_large``."""
    limit = min(ctx.settings.content_video_max_bytes, MAX_VIDEO_CEILING)
    upload = await read_upload(
        request,
        limit,
        too_large=lambda: VideoTooLarge(f"at most {limit // (1024 * 1024)} MB"),
        invalid=VideoUnreadable,
        noun="video",
    )
    return await service.upload_video(
        session,
        get_storage(ctx, "media"),
        member_id=member.id,
        data=upload.data,
        max_seconds=ctx.settings.content_post_video_max_seconds,
    )


@router.get("/topics")
async def topics(session: DbSession) -> list[Topic]:
    """话题: the channels open now."""
    return await service.topics(session, active_only=True)


@router.get("/topics/{topic_id}", responses=problem_responses(404))
async def topic(topic_id: PathId, session: DbSession) -> Topic:
    return await service.topic(session, topic_id)


@router.get("/topics/{topic_id}/challenge", responses=problem_responses(404))
async def topic_challenge(
    topic_id: PathId, session: DbSession, member: OptionalMember, response: Response
) -> Challenge:
    """话题挑战 of a topic: window, rules, prizes, the top 10 (likes of approved posts written
    in the window, counted until the end; ties: the earlier post; one rank per shopper), your
    rank when signed in, and the winners once settled. 404 ``content.challenge_not_found``."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.challenge(session, topic_id, viewer=member.id if member else None)


@router.get("/posts", responses=problem_responses(400, 401, 404))
async def feed(
    *,
    session: DbSession,
    ctx: Ctx,
    member: OptionalMember,
    response: Response,
    topic_id: QueryId = None,
    sort: FeedSort = "latest",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Feed:
    """The feed: 最新 (``latest``) or 热门 (``hot``: engagement with time decay; signed in,
    boosted by your interests: hot × (1 + 4 × affinity)), of a topic or all, pinned posts first
    on the first page; or 关注 (``following``, signed in: 401 otherwise): posts of the authors
    you follow, newest first. A personal 热门 cursor lasts 30 minutes (400
    ``content.feed_expired`` after: reload)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.feed(
        session,
        topic_id=topic_id,
        sort=sort,
        viewer=member.id if member else None,
        cursor=cursor,
        limit=limit,
        ctx=ctx,
    )


@router.post(
    "/posts", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 401, 404)
)
async def create_post(
    body: PostCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> MyPost:
    """种草: text (≤ 1000), images from ``POST /content/images`` (≤ 9), products on sale
    (≤ 6), a topic; public once moderation approves the text and every image."""
    text = service.checked_text("post", body.content)
    screening = await screen(ctx, text=text, openid=member.openid)
    return await service.create_post(
        session, member_id=member.id, openid=member.openid, body=body, screening=screening
    )


@router.get("/posts/{post_id}", responses=problem_responses(404))
async def get_post(
    post_id: PathId, session: DbSession, member: OptionalMember, response: Response
) -> MyPost | Post:
    """A public post with its products (买同款); the author also sees their own under review
    (with ``status`` and ``moderation``)."""
    response.headers["Cache-Control"] = NO_STORE
    view: MyPost | Post = await service.post(session, post_id, member.id if member else None)
    return view


@router.post(
    "/posts/{post_id}/poster",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 404, 429, 503),
)
async def post_poster(
    *,
    post_id: PathId,
    body: PosterRequest,
    member: CurrentMember,
    ctx: Ctx,
    integrations: IntegrationsDep,
    request: Request,
) -> SharePoster:
    """分享海报 (PNG) of a public post: its first image, opening words, author and topic, the
    sharer, and the mini-program code of the post (``client=mp``) or a QR code of its H5 page
    (``client=h5``); drawn once per content. 404 ``content.post_not_found``."""
    return await service.post_poster(
        ctx,
        integrations.wxacode,
        member_id=member.id,
        post_id=post_id,
        platform=body.client,
        h5_origin=str(request.base_url),
    )


@router.put("/posts/{post_id}/like", responses=problem_responses(401, 404, 409))
async def like_post(post_id: PathId, member: CurrentMember, session: DbSession) -> LikeResult:
    """点赞: one like per shopper (again changes nothing)."""
    return await service.like(session, "post", post_id, member.id, liked=True)


@router.delete("/posts/{post_id}/like", responses=problem_responses(401, 404, 409))
async def unlike_post(post_id: PathId, member: CurrentMember, session: DbSession) -> LikeResult:
    return await service.like(session, "post", post_id, member.id, liked=False)


@router.put("/posts/{post_id}/favorite", responses=problem_responses(401, 404))
async def favorite_post(
    post_id: PathId, member: CurrentMember, session: DbSession
) -> FavoriteResult:
    """收藏 a public post: once per shopper (again changes nothing); 404 if not public."""
    return await service.favorite(session, post_id, member.id, favorited=True)


@router.delete("/posts/{post_id}/favorite", responses=problem_responses(401, 404))
async def unfavorite_post(
    post_id: PathId, member: CurrentMember, session: DbSession
) -> FavoriteResult:
    """取消收藏."""
    return await service.favorite(session, post_id, member.id, favorited=False)


@router.put("/content/authors/{member_id}/follow", responses=problem_responses(400, 401, 404))
async def follow_author(
    member_id: PathId, member: CurrentMember, session: DbSession
) -> FollowResult:
    """关注 a post's author (``member_id`` of a post): again changes nothing; 400
    ``content.follow_self`` for yourself, 404 ``content.author_not_found``."""
    return await service.follow(session, member_id, member.id, following=True)


@router.delete("/content/authors/{member_id}/follow", responses=problem_responses(400, 401, 404))
async def unfollow_author(
    member_id: PathId, member: CurrentMember, session: DbSession
) -> FollowResult:
    """取消关注."""
    return await service.follow(session, member_id, member.id, following=False)


@router.get("/posts/{post_id}/comments", responses=problem_responses(400, 404))
async def comments(
    post_id: PathId, session: DbSession, cursor: Cursor = None, limit: Limit = 20
) -> Page[Comment]:
    """Public comments, newest first."""
    items, next_cursor = await service.comments(session, post_id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/posts/{post_id}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 404),
)
async def comment(
    post_id: PathId, body: CommentCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> MyComment:
    """Comment (≤ 300 characters); public once moderation approves it."""
    text = service.checked_text("comment", body.content)
    screening = await screen(ctx, text=text, openid=member.openid)
    return await service.comment(
        session, member_id=member.id, openid=member.openid, post_id=post_id, screening=screening
    )


# -- 我的内容 ---------------------------------------------------------------------------------


@router.get("/content/posts/mine", responses=problem_responses(401))
async def my_posts(member: CurrentMember, session: DbSession, response: Response) -> list[MyPost]:
    """Your posts (latest 50) with where moderation stands."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.my_posts(session, member.id)


@router.get("/content/favorites", responses=problem_responses(400, 401))
async def my_favorites(
    *,
    member: CurrentMember,
    session: DbSession,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Post]:
    """我的收藏: the public posts you favourited, the latest first."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.favorites(session, member.id, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/content/notices", responses=problem_responses(401))
async def notices(member: CurrentMember, session: DbSession, response: Response) -> list[Notice]:
    """回答提醒: answers to your questions (latest 50)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.notices(session, member.id)


@router.post("/content/notices/read", status_code=204, responses=problem_responses(401))
async def read_notices(member: CurrentMember, session: DbSession) -> None:
    """Mark every notice read."""
    await service.read_notices(session, member.id)

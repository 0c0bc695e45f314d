"""What other modules may use from content: the events it publishes, and how many public posts
members wrote (achievements count them)."""

from __future__ import annotations

from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.content.events import POST_PUBLISHED, QUESTION_ANSWERED
from shoplet.modules.content.repository import approved_post_counts
from shoplet.modules.content.repository import move_member as _move_member
from shoplet.modules.members import public as members

__all__ = ["POST_PUBLISHED", "QUESTION_ANSWERED", "approved_post_counts", "startup"]

MERGED_TABLES = (
    "content_question.member_id",
    "content_answer.member_id",
    "content_post.member_id",
    "content_post_image.member_id",
    "content_post_video.member_id",
    "content_comment.member_id",
    "content_notice.member_id",
    "content_like.member_id",
    "content_post_favorite.member_id",
    "content_follow.follower_id",
    "content_follow.followee_id",
    "content_challenge_winner.member_id",
)


async def startup(app: FastAPI, ctx: AppContext) -> None:
    """Members' account merge moves posts, likes, favourites and follows through this hook."""
    members.register_merge_hook(ctx, "content", _move_member, tables=MERGED_TABLES)

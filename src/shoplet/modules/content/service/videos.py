"""Short videos in 种草 posts: uploaded and read (core/video.py: PyAV probes the file and draws
its cover and three sampled frames), kept for the member's next post, claimed once by it. The
cover and the frames go to moderation with the post (WeChat's image check per frame, the human
queue), so a video is public only when its post is."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import video as core_video
from shoplet.core.db import utcnow
from shoplet.core.storage import Storage
from shoplet.core.video import UploadedVideo
from shoplet.modules.content import repository as repo
from shoplet.modules.content.errors import (
    VideoCodecUnsupported,
    VideoTooLong,
    VideoUnknown,
    VideoUnreadable,
)
from shoplet.modules.content.models import PostVideo
from shoplet.modules.members import public as members

REFUSALS = core_video.VideoRefusals(VideoUnreadable, VideoCodecUnsupported, VideoTooLong)


async def upload_video(
    session: AsyncSession, storage: Storage, *, member_id: int, data: bytes, max_seconds: int
) -> UploadedVideo:
    """Read, store and record a video (nothing stored or recorded when it is refused)."""
    stored = await core_video.store_or_refuse(
        storage, data, max_seconds=max_seconds, refusals=REFUSALS
    )
    # Held after the upload (no lock across storage I/O), before the row that a merge moves.
    await members.hold_member(session, member_id)
    row = PostVideo(member_id=member_id, post_id=None, created_at=utcnow(), **stored.row_values())
    await repo.add(session, row)
    return UploadedVideo(id=row.id, **core_video.shown(row))


async def claim_video(
    session: AsyncSession, member_id: int, video_id: int, post_id: int
) -> PostVideo:
    """The member's unused video, now the post's (one post per video, also under races)."""
    claimed = await repo.claim_video(session, member_id, video_id, post_id)
    if claimed is None:
        raise VideoUnknown(video_id=video_id)
    return claimed

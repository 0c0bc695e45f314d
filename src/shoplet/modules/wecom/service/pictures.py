"""Card pictures: kept by Shoplet, uploaded to WeCom (``media/upload``) when a card is sent.

A WeCom media id lives three days, so a typed one is useless a week later. Shoplet keeps the
picture itself (media storage, content addressed: the same bytes are one file and one row) and
the media id it was last uploaded as with WeCom's ``created_at``. Sending a card asks
:func:`fresh_media_id`: an id younger than ``MEDIA_REFRESH_AFTER`` (2.5 days: half a day of
margin for queued sends) is used as it is; otherwise one conditional UPDATE claims the upload,
the winner uploads with no transaction open and records the new id, and senders that lost the
claim wait for it. A failed upload releases the claim.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import short_transaction, utcnow
from shoplet.core.storage import Storage, content_key, get_storage
from shoplet.core.storage_keys import ObjectNotFound
from shoplet.integrations.wecom.client import IMAGE_MAX_BYTES, WeComClient, WeComError
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit
from shoplet.modules.wecom import repository as repo
from shoplet.modules.wecom.errors import (
    PictureDimensions,
    PictureInvalid,
    PictureType,
    PictureUnknown,
)
from shoplet.modules.wecom.models import Picture
from shoplet.modules.wecom.schemas import PictureOut

PICTURE_MAX_BYTES = IMAGE_MAX_BYTES
MIN_SIDE = 100
MAX_SIDE = 4096
MAX_RATIO = 4
MEDIA_REFRESH_AFTER = timedelta(days=2, hours=12)
# A claim older than this is taken to be a sender that died mid-upload.
CLAIM_TTL = timedelta(seconds=60)
WAIT_STEP_SECONDS = 0.05
WAIT_STEPS = 300
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


def inspect_picture(data: bytes) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) of a JPG or PNG, read from its own bytes, or a
    ``wecom.picture_*`` 400. CPU-bound but small: a header and a verify pass."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            if fmt in FORMATS:
                if width * height > MAX_SIDE * MAX_SIDE:
                    raise PictureDimensions(f"{width}×{height} pixels")
                probe.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise PictureInvalid("The file is not a readable image") from exc
    if fmt not in FORMATS:
        raise PictureType(f"{fmt or 'unknown'} is not JPG or PNG")
    short, long = sorted((width, height))
    if short < MIN_SIDE or long > MAX_SIDE or long > short * MAX_RATIO:
        raise PictureDimensions(f"{width}×{height} pixels")
    content_type, extension = FORMATS[fmt]
    return content_type, extension, width, height


def picture_out(row: Picture) -> PictureOut:
    return PictureOut(
        id=row.id,
        url=row.url,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        width=row.width,
        height=row.height,
        media_created_at=row.media_created_at,
    )


async def upload_picture(
    session: AsyncSession,
    storage: Storage,
    data: bytes,
    *,
    staff: StaffIdentity,
    origin: Origin,
) -> PictureOut:
    """Keep a card picture (checked first: nothing is written on a refusal). The same bytes
    uploaded twice are one file and one row."""
    content_type, extension, width, height = await asyncio.to_thread(inspect_picture, data)
    key = content_key("wecom", data, extension)
    await storage.put(key, data)
    row = await repo.add_picture(
        session,
        {
            "sha256": hashlib.sha256(data).hexdigest(),
            "key": key,
            "url": storage.public_url(key) or "",
            "content_type": content_type,
            "size_bytes": len(data),
            "width": width,
            "height": height,
            "media_id": None,
            "media_created_at": None,
            "upload_claimed_at": None,
            "created_by": staff.id,
            "created_at": utcnow(),
        },
    )
    await record_audit(
        session,
        staff,
        "wecom.picture_upload",
        f"wecom_picture:{row.id}",
        {"bytes": len(data), "width": width, "height": height},
        origin,
    )
    return picture_out(row)


async def check_picture(session: AsyncSession, picture_id: int) -> None:
    if await repo.get_picture(session, picture_id) is None:
        raise PictureUnknown(picture_id=picture_id)


async def fresh_media_id(
    ctx: AppContext, client: WeComClient, picture_id: int, *, now: datetime
) -> str:
    """A media id of the picture WeCom still honours at ``now``: the kept one while younger
    than 2.5 days, else a new upload (exactly one among concurrent senders). :class:`WeComError`
    when the upload is refused or the picture is gone. Call with no transaction open."""
    stale_before = now - MEDIA_REFRESH_AFTER
    for _ in range(WAIT_STEPS):
        async with short_transaction(ctx.sessionmaker) as session:
            row = await repo.get_picture(session, picture_id)
            if row is None:
                raise WeComError(-1, f"card picture {picture_id} is gone")
            if row.media_id and row.media_created_at and row.media_created_at > stale_before:
                return row.media_id
            claimed = await repo.claim_picture_upload(
                session,
                picture_id,
                stale_before=stale_before,
                claim_before=now - CLAIM_TTL,
                at=now,
            )
            key, content_type = row.key, row.content_type
        if claimed:
            return await _upload(ctx, client, picture_id, key, content_type, claimed_at=now)
        await asyncio.sleep(WAIT_STEP_SECONDS)
    raise WeComError(-1, f"card picture {picture_id}: another sender's upload did not finish")


async def _upload(
    ctx: AppContext,
    client: WeComClient,
    picture_id: int,
    key: str,
    content_type: str,
    *,
    claimed_at: datetime,
) -> str:
    media_id: str | None = None
    created: datetime | None = None
    try:
        try:
            data = await get_storage(ctx, "media").read(key)
        except ObjectNotFound as exc:
            raise WeComError(-1, f"card picture {picture_id}: its file is gone") from exc
        uploaded = await client.upload_image(
            data, filename=key.rsplit("/", 1)[-1], content_type=content_type
        )
        media_id = uploaded.media_id
        created = datetime.fromtimestamp(uploaded.created_at, tz=UTC)
        return media_id
    finally:
        async with short_transaction(ctx.sessionmaker) as session:
            await repo.finish_picture_upload(
                session,
                picture_id,
                claimed_at=claimed_at,
                media_id=media_id,
                media_created_at=created,
            )

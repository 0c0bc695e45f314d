"""Short videos shoppers upload (种草 posts, reviews), read with PyAV (FFmpeg inside its wheel).

:func:`read_video` probes the container (MP4 or QuickTime MOV), the first video stream's codec,
duration and size, and draws the frames moderation and the storefront need: a cover at about
one second and a few frames sampled across the clip, each a JPEG made by Pillow. It never
writes anything: the caller stores the file and the images (content-addressed) and records
them. Decoding is CPU work: call it in a thread (``asyncio.to_thread``).

Refusals are typed (:class:`VideoUnreadable`, :class:`VideoCodecUnsupported`,
:class:`VideoTooLong`); each module maps them to its own problem codes through
:func:`store_or_refuse` and its :class:`VideoRefusals`.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplet.core.errors import ShopletError
from shoplet.core.media_urls import ServedMediaUrl
from shoplet.core.schemas import ResponseModel
from shoplet.core.storage import MEDIA_URL_PREFIX, Storage, content_key

if TYPE_CHECKING:  # PyAV and Pillow load with the first video, not with the server
    import av
    from PIL.Image import Image as PillowImage

# What H5 browsers and the mini program's <video> both play.
PLAYABLE_CODECS = frozenset({"h264", "hevc"})
COVER_AT_SECONDS = 1.0
FRAME_MAX_SIDE = 720
JPEG_QUALITY = 82
_BRANDS_MOV = (b"qt  ",)


class VideoUnreadable(Exception):
    """Not an MP4/MOV video with a video stream, or too damaged to decode."""


class VideoCodecUnsupported(Exception):
    def __init__(self, codec: str) -> None:
        super().__init__(codec)
        self.codec = codec


class VideoTooLong(Exception):
    def __init__(self, duration_ms: int, limit_seconds: int) -> None:
        super().__init__(duration_ms)
        self.duration_ms = duration_ms
        self.limit_seconds = limit_seconds


@dataclass(frozen=True, slots=True)
class ReadVideo:
    container: str  # "mp4" | "mov"
    content_type: str
    codec: str
    duration_ms: int
    width: int
    height: int
    cover: bytes  # JPEG
    frames: tuple[bytes, ...]  # JPEGs sampled across the clip, for moderation


def container_of(data: bytes) -> str | None:
    """``mp4`` or ``mov`` by the ISO BMFF ``ftyp`` box (MOV files may also start with
    ``moov``/``mdat``/``wide``), None otherwise."""
    box = data[4:8]
    if box == b"ftyp":
        return "mov" if data[8:12] in _BRANDS_MOV else "mp4"
    if box in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "mov"
    return None


def _jpeg(frame: av.VideoFrame) -> bytes:
    image: PillowImage = frame.to_image()  # type: ignore[no-untyped-call]
    image.thumbnail((FRAME_MAX_SIDE, FRAME_MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _frames_at(data: bytes, seconds: list[float]) -> list[bytes]:
    """The first frame at or after each time (decoding on from the key frame before it)."""
    import av

    out: list[bytes] = []
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        base = stream.time_base
        for at in seconds:
            if base is not None:
                container.seek(int(at / base), stream=stream, backward=True, any_frame=False)
            chosen: av.VideoFrame | None = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is None or frame.time >= at - 1e-3:
                    break
            if chosen is None:
                raise VideoUnreadable("no frame could be decoded")
            out.append(_jpeg(chosen))
    return out


def read_video(data: bytes, *, max_seconds: int, sample_frames: int = 3) -> ReadVideo:
    """Probe ``data`` and draw its cover and ``sample_frames`` frames; raises the refusals."""
    import av
    from av.error import FFmpegError

    kind = container_of(data)
    if kind is None:
        raise VideoUnreadable("not an MP4 or MOV file")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise VideoUnreadable("the file has no video stream")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            width, height = stream.codec_context.width, stream.codec_context.height
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                seconds = container.duration / av.time_base
            else:
                raise VideoUnreadable("the video's duration is unknown")
        if codec not in PLAYABLE_CODECS:
            raise VideoCodecUnsupported(codec)
        duration_ms = round(seconds * 1000)
        if duration_ms <= 0 or not width or not height:
            raise VideoUnreadable("the video is empty")
        if duration_ms > max_seconds * 1000:
            raise VideoTooLong(duration_ms, max_seconds)
        cover_at = min(COVER_AT_SECONDS, seconds / 2)
        samples = [seconds * (i + 1) / (sample_frames + 1) for i in range(sample_frames)]
        cover, *frames = _frames_at(data, [cover_at, *samples])
    except FFmpegError as exc:
        raise VideoUnreadable(str(exc)) from exc
    return ReadVideo(
        container=kind,
        content_type="video/quicktime" if kind == "mov" else "video/mp4",
        codec=codec,
        duration_ms=duration_ms,
        width=width,
        height=height,
        cover=cover,
        frames=tuple(frames),
    )


class ShortVideo(ResponseModel):
    """A short video as a post or review shows it: ``url`` plays in ``<video>``, ``cover_url``
    is its poster (a feed card's picture)."""

    url: ServedMediaUrl
    cover_url: ServedMediaUrl
    duration_ms: int
    width: int
    height: int


class UploadedVideo(ShortVideo):
    """A video just uploaded: pass its ``id`` as the post's or review's ``video_id``."""

    id: int


@dataclass(frozen=True, slots=True)
class StoredVideo:
    """Where a read video's file, cover and sampled frames are kept (``/media/<key>``)."""

    video: ReadVideo
    url: str
    cover_url: str
    frame_urls: tuple[str, ...]
    size: int

    def row_values(self) -> dict[str, object]:
        """The columns of a module's uploaded-video table."""
        v = self.video
        return {
            "url": self.url,
            "content_type": v.content_type,
            "cover_url": self.cover_url,
            "frame_urls": list(self.frame_urls),
            "codec": v.codec,
            "duration_ms": v.duration_ms,
            "width": v.width,
            "height": v.height,
            "size": self.size,
        }


def shown(row: Any) -> dict[str, Any]:
    """What a post or review keeps of its claimed video row (its ``video`` column)."""
    return {
        "url": row.url,
        "cover_url": row.cover_url,
        "duration_ms": row.duration_ms,
        "width": row.width,
        "height": row.height,
    }


async def _put(storage: Storage, folder: str, data: bytes, extension: str) -> str:
    key = content_key(folder, data, extension)
    if await storage.size(key) != len(data):  # content-addressed: stored once
        await storage.put(key, data)
    return f"{MEDIA_URL_PREFIX}/{key}"


async def store_video(
    storage: Storage, data: bytes, *, max_seconds: int, sample_frames: int = 3
) -> StoredVideo:
    """Read ``data`` (in a thread; raises the refusals, nothing stored) and store the file, its
    cover and its frames in the media area. The frames are public like any photo a shopper
    uploads: WeChat's ``mediaCheckAsync`` fetches them by URL."""
    video = await asyncio.to_thread(
        read_video, data, max_seconds=max_seconds, sample_frames=sample_frames
    )
    url = await _put(storage, "videos", data, video.container)
    cover_url = await _put(storage, "videos/covers", video.cover, "jpg")
    frame_urls = [await _put(storage, "videos/frames", f, "jpg") for f in video.frames]
    return StoredVideo(video, url, cover_url, tuple(frame_urls), len(data))


@dataclass(frozen=True, slots=True)
class VideoRefusals:
    """A module's own problem types for the three refusals (``review.video_too_long``, …)."""

    unreadable: type[ShopletError]
    codec_unsupported: type[ShopletError]
    too_long: type[ShopletError]


async def store_or_refuse(
    storage: Storage, data: bytes, *, max_seconds: int, refusals: VideoRefusals
) -> StoredVideo:
    """:func:`store_video`, its refusals raised as the module's problems (nothing stored)."""
    try:
        return await store_video(storage, data, max_seconds=max_seconds)
    except VideoUnreadable as exc:
        raise refusals.unreadable(str(exc)) from exc
    except VideoCodecUnsupported as exc:
        raise refusals.codec_unsupported(f"the video is encoded in {exc.codec}") from exc
    except VideoTooLong as exc:
        raise refusals.too_long(
            f"{exc.duration_ms / 1000:.1f} s; at most {exc.limit_seconds} s",
            limit_seconds=exc.limit_seconds,
        ) from exc


def make_test_video(
    *,
    seconds: float,
    codec: str = "libx264",
    container: str = "mp4",
    size: tuple[int, int] = (64, 48),
    fps: int = 10,
    color: tuple[int, int, int] = (30, 160, 90),
) -> bytes:
    """A tiny real video (a coloured clip with a moving bar), for tests and the demo seed."""
    import av
    from PIL import Image

    width, height = size
    # The index first (faststart), so a browser plays while it loads; the muxer rewrites the
    # file for that, hence a real file rather than memory.
    options = {"movflags": "faststart"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"clip.{container}"
        with av.open(str(path), mode="w", format=container, options=options) as muxer:
            stream = muxer.add_stream(codec, rate=fps)
            assert isinstance(stream, av.VideoStream)  # noqa: S101 - a video codec was asked for
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
            for i in range(round(seconds * fps)):
                image = Image.new("RGB", size, color)
                bar = (i * 4) % width
                image.paste((250, 250, 250), (bar, 0, min(bar + 6, width), height))
                frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                for packet in stream.encode(frame):
                    muxer.mux(packet)
            for packet in stream.encode(None):
                muxer.mux(packet)
        return path.read_bytes()

"""The 360° fallback of a 3D model: frames of the model turning, drawn on the server with numpy
and Pillow (servers have no GPU or OpenGL), for the mini program, whose pages cannot run the
WebGL viewer.

Each frame turns the model about its vertical axis (glTF is Y-up) by ``360° / frames``, looks at
it from slightly above with an orthographic camera fitted to its bounding sphere (so it never
leaves the frame while turning), shades every triangle flat (ambient plus one directional light,
both sides lit) and paints the triangles far to near (the painter's algorithm: no depth buffer;
good enough for the convex-ish solids of products). Frames are drawn at twice their size and
reduced (anti-aliasing). Very dense models keep their ``MAX_DRAWN`` largest triangles per frame:
the rest are smaller than a pixel at this size.

The frames go into one sprite sheet (``columns`` x ``rows``, frame 0 top left, row by row), a
WebP with transparency; frame 0 alone is the poster (the 3D viewer shows it while loading).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .model3d import Floats, Geometry

if TYPE_CHECKING:
    from PIL import Image

FRAMES = 24
COLUMNS = 6
FRAME_SIZE = 320
SUPERSAMPLE = 2
ELEVATION_DEG = 20.0
MAX_DRAWN = 40_000
AMBIENT = 0.38
LIGHT = np.array([-0.45, 0.7, 0.55]) / np.linalg.norm([-0.45, 0.7, 0.55])
WEBP_QUALITY = 80
# Changes whenever the output would: what was rendered before may be rendered again.
RENDER_VERSION = f"v1-{FRAMES}-{COLUMNS}-{FRAME_SIZE}-{SUPERSAMPLE}-{ELEVATION_DEG}"


@dataclass(frozen=True, slots=True)
class Sprite:
    """The encoded sprite sheet and poster, and how the viewer cuts the sheet."""

    sheet: bytes
    poster: bytes
    frames: int
    columns: int
    rows: int
    frame_size: int


def _rotation(yaw: float) -> Floats:
    """World -> camera: turn by ``yaw`` about Y, then tilt down by the elevation about X."""
    c, s = math.cos(yaw), math.sin(yaw)
    turn = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    e = math.radians(ELEVATION_DEG)
    tilt = np.array([[1, 0, 0], [0, math.cos(e), -math.sin(e)], [0, math.sin(e), math.cos(e)]])
    return np.asarray(tilt @ turn, dtype=np.float64)


def render_frame(geometry: Geometry, yaw: float, size: int = FRAME_SIZE) -> Image.Image:
    """One RGBA frame (a Pillow image) of ``geometry`` turned by ``yaw`` radians."""
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    points = geometry.triangles.reshape(-1, 3)
    low, high = points.min(axis=0), points.max(axis=0)
    center = (low + high) / 2
    radius = float(np.linalg.norm(high - low) / 2) or 1.0
    view = (geometry.triangles - center) @ _rotation(yaw).T  # (n, 3, 3) camera space
    normals = np.cross(view[:, 1] - view[:, 0], view[:, 2] - view[:, 0])
    lengths = np.linalg.norm(normals, axis=1)
    visible = lengths > 0
    view, colors = view[visible], geometry.colors[visible]
    normals = normals[visible] / lengths[visible, None]
    # Both sides lit: a model's winding is not always consistent.
    shade = AMBIENT + (1 - AMBIENT) * np.abs(normals @ LIGHT)
    rgb = np.clip(colors[:, :3] * shade[:, None], 0, 1)
    scale = big * 0.46 / radius
    xy = np.empty((len(view), 3, 2))
    xy[..., 0] = big / 2 + view[..., 0] * scale
    xy[..., 1] = big / 2 - view[..., 1] * scale
    if len(view) > MAX_DRAWN:
        ab, ac = xy[:, 1] - xy[:, 0], xy[:, 2] - xy[:, 0]
        area = np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
        keep = np.argsort(-area, kind="stable")[:MAX_DRAWN]
        view, xy, rgb = view[keep], xy[keep], rgb[keep]
    # Camera looks down -z: the most negative mean depth is farthest, painted first.
    order = np.argsort(view[..., 2].mean(axis=1), kind="stable")
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    fills = (rgb * 255).round().astype(np.uint8)
    for index in order:
        fill = (*(int(v) for v in fills[index]), 255)
        draw.polygon([(float(x), float(y)) for x, y in xy[index]], fill=fill, outline=fill)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def frame_yaw(index: int, frames: int = FRAMES) -> float:
    """How far frame ``index`` of ``frames`` has turned, in radians."""
    return 2 * math.pi * index / frames


def render_frames(
    geometry: Geometry, indices: range, frames: int = FRAMES, size: int = FRAME_SIZE
) -> list[Image.Image]:
    """Frames ``indices`` of a turn in ``frames`` steps (CPU-bound: run in a thread)."""
    return [render_frame(geometry, frame_yaw(i, frames), size) for i in indices]


def compose_sprite(frames: list[Image.Image], columns: int = COLUMNS) -> Sprite:
    """The sheet and the poster (frame 0) of rendered frames, encoded (CPU-bound)."""
    from PIL import Image

    if not frames:
        raise ValueError("a sprite needs at least one frame")
    size = frames[0].width
    rows = math.ceil(len(frames) / columns)
    sheet = Image.new("RGBA", (columns * size, rows * size), (0, 0, 0, 0))
    for index, frame in enumerate(frames):
        sheet.paste(frame, ((index % columns) * size, (index // columns) * size))
    return Sprite(
        sheet=_webp(sheet),
        poster=_webp(frames[0]),
        frames=len(frames),
        columns=columns,
        rows=rows,
        frame_size=size,
    )


def render_sprite(geometry: Geometry, *, frames: int = FRAMES, size: int = FRAME_SIZE) -> Sprite:
    """Every frame at once, then the sheet (the demo seed; the job renders in steps)."""
    return compose_sprite(render_frames(geometry, range(frames), frames, size))


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=3)
    return out.getvalue()

"""Demo category icons drawn with Pillow, and where the demo stores every picture: content-hashed
files under the media directory (``store_image``). Product pictures are drawn in ``demo.art``."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw

MEDIA_URL = "/media"

RGB = tuple[int, int, int]


def _shade(rgb: RGB, factor: float) -> RGB:
    if factor >= 1:
        return (
            int(rgb[0] + (255 - rgb[0]) * (factor - 1)),
            int(rgb[1] + (255 - rgb[1]) * (factor - 1)),
            int(rgb[2] + (255 - rgb[2]) * (factor - 1)),
        )
    return (int(rgb[0] * factor), int(rgb[1] * factor), int(rgb[2] * factor))


# Shapes in a unit box [-1, 1]²; roles pick the colour: main, dark, light, white.
Primitive = tuple[str, str, tuple[float, ...]]


def _arch(outer: float, inner: float, cy: float, steps: int = 24) -> tuple[float, ...]:
    points: list[float] = []
    for i in range(steps + 1):
        a = math.pi + math.pi * i / steps
        points += [outer * math.cos(a), cy + outer * math.sin(a)]
    for i in range(steps, -1, -1):
        a = math.pi + math.pi * i / steps
        points += [inner * math.cos(a), cy + inner * math.sin(a)]
    return tuple(points)


SHAPES: dict[str, tuple[Primitive, ...]] = {
    "phone": (
        ("rrect", "main", (-0.42, -0.8, 0.42, 0.8, 0.12)),
        ("rrect", "light", (-0.36, -0.7, 0.36, 0.68, 0.06)),
        ("ellipse", "dark", (-0.04, -0.77, 0.04, -0.73)),
    ),
    "shirt": (
        (
            "poly",
            "main",
            (-0.35, -0.7, -0.12, -0.74, 0.0, -0.62, 0.12, -0.74, 0.35, -0.7, 0.78, -0.38,
             0.6, -0.12, 0.38, -0.26, 0.38, 0.76, -0.38, 0.76, -0.38, -0.26, -0.6, -0.12,
             -0.78, -0.38),
        ),
        ("poly", "dark", (-0.12, -0.74, 0.0, -0.62, 0.12, -0.74, 0.0, -0.56)),
    ),
    "bottle": (
        ("rrect", "main", (-0.34, -0.3, 0.34, 0.8, 0.12)),
        ("rrect", "light", (-0.14, -0.52, 0.14, -0.28, 0.02)),
        ("rrect", "dark", (-0.22, -0.84, 0.22, -0.5, 0.05)),
        ("rrect", "white", (-0.24, 0.04, 0.24, 0.46, 0.04)),
    ),
    "food": (
        ("ellipse", "main", (-0.62, -0.5, 0.62, 0.76)),
        ("rrect", "dark", (-0.03, -0.74, 0.04, -0.44, 0.02)),
        ("poly", "green", (0.04, -0.56, 0.36, -0.84, 0.3, -0.5)),
        ("ellipse", "light", (-0.42, -0.3, -0.2, -0.02)),
    ),
    "pot": (
        ("rrect", "dark", (-0.86, -0.2, -0.55, -0.04, 0.05)),
        ("rrect", "dark", (0.55, -0.2, 0.86, -0.04, 0.05)),
        ("rrect", "main", (-0.62, -0.34, 0.62, 0.58, 0.16)),
        ("ellipse", "dark", (-0.66, -0.46, 0.66, -0.22)),
        ("rrect", "dark", (-0.1, -0.6, 0.1, -0.42, 0.04)),
        ("rrect", "light", (-0.5, -0.1, -0.38, 0.4, 0.05)),
    ),
    "baby": (
        ("ellipse", "light", (-0.15, -0.88, 0.15, -0.56)),
        ("rrect", "main", (-0.32, -0.62, 0.32, -0.42, 0.05)),
        ("rrect", "white", (-0.3, -0.42, 0.3, 0.82, 0.14)),
        ("rrect", "main", (-0.22, 0.0, 0.0, 0.04, 0.01)),
        ("rrect", "main", (-0.22, 0.2, 0.0, 0.24, 0.01)),
        ("rrect", "main", (-0.22, 0.4, 0.0, 0.44, 0.01)),
    ),
    "book": (
        ("rrect", "white", (-0.5, -0.72, 0.6, 0.78, 0.03)),
        ("rrect", "main", (-0.56, -0.78, 0.52, 0.74, 0.04)),
        ("rrect", "dark", (-0.56, -0.78, -0.42, 0.74, 0.02)),
        ("rrect", "white", (-0.28, -0.46, 0.38, -0.2, 0.03)),
    ),
    "headphones": (
        ("poly", "dark", _arch(0.66, 0.54, 0.1)),
        ("rrect", "main", (-0.8, -0.02, -0.44, 0.62, 0.14)),
        ("rrect", "main", (0.44, -0.02, 0.8, 0.62, 0.14)),
        ("rrect", "dark", (-0.5, 0.06, -0.4, 0.54, 0.04)),
        ("rrect", "dark", (0.4, 0.06, 0.5, 0.54, 0.04)),
    ),
    "shoe": (
        ("rrect", "dark", (-0.88, 0.3, 0.9, 0.48, 0.08)),
        (
            "poly",
            "main",
            (-0.86, 0.32, -0.84, -0.08, -0.58, -0.18, -0.34, -0.46, 0.02, -0.46, 0.08, -0.12,
             0.56, 0.02, 0.86, 0.16, 0.9, 0.32),
        ),
        ("poly", "light", (-0.6, 0.18, 0.1, -0.02, 0.6, 0.12, 0.0, 0.18)),
        ("rrect", "white", (-0.26, -0.36, -0.16, -0.1, 0.03)),
        ("rrect", "white", (-0.1, -0.3, 0.0, -0.06, 0.03)),
    ),
    "tent": (
        ("rrect", "dark", (-0.92, 0.58, 0.92, 0.68, 0.03)),
        ("poly", "main", (-0.82, 0.6, 0.0, -0.72, 0.82, 0.6)),
        ("poly", "dark", (-0.22, 0.6, 0.0, 0.02, 0.22, 0.6)),
        ("poly", "light", (0.0, -0.72, 0.1, -0.56, -0.52, 0.42, -0.62, 0.42)),
    ),
}  # fmt: skip


def _draw_shape(
    draw: ImageDraw.ImageDraw,
    shape: str,
    *,
    center: tuple[float, float],
    radius: float,
    color: RGB,
    squash: float = 1.0,
) -> None:
    """Draw ``shape`` scaled to ``radius``; ``squash`` scales x (cos of the spin angle, <0 shows
    the back, drawn darker), which is what makes the turntable frames turn."""
    cx, cy = center
    sx = max(abs(squash), 0.06)
    back = squash < 0
    roles = {
        "main": _shade(color, 0.82) if back else color,
        "dark": _shade(color, 0.55),
        "light": _shade(color, 1.55),
        "white": (250, 250, 248),
        "green": (86, 160, 80),
    }

    def x(v: float) -> float:
        return cx + v * radius * sx

    def y(v: float) -> float:
        return cy + v * radius

    for kind, role, args in SHAPES[shape]:
        fill = roles[role]
        if back and role in {"light", "white"}:
            fill = roles["main"]
        if kind == "rrect":
            x0, y0, x1, y1, r = args
            left, right = sorted((x(x0), x(x1)))
            draw.rounded_rectangle(
                (left, y(y0), max(right, left + 1), y(y1)),
                radius=max(1.0, r * radius * min(1.0, sx * 2)),
                fill=fill,
            )
        elif kind == "ellipse":
            x0, y0, x1, y1 = args
            left, right = sorted((x(x0), x(x1)))
            draw.ellipse((left, y(y0), max(right, left + 1), y(y1)), fill=fill)
        else:
            draw.polygon([(x(args[i]), y(args[i + 1])) for i in range(0, len(args), 2)], fill=fill)


@cache
def render_category_icon(shape: str, colors: tuple[RGB, RGB, RGB]) -> bytes:
    size = 192
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=colors[0])
    _draw_shape(draw, shape, center=(size / 2, size / 2), radius=size * 0.3, color=colors[2])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@dataclass
class MediaWriter:
    """Writes content-hashed files under ``media_dir`` and returns their public URLs."""

    media_dir: Path
    written: int = 0
    urls: set[str] = field(default_factory=set)

    def save(self, folder: str, data: bytes, extension: str) -> str:
        name = f"{hashlib.sha1(data, usedforsecurity=False).hexdigest()[:20]}.{extension}"
        path = self.media_dir / folder / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self.written += 1
        url = f"{MEDIA_URL}/{folder}/{name}"
        self.urls.add(url)
        return url


def store_image(media: MediaWriter, data: bytes, *, extension: str = "jpg") -> str:
    """The one place the demo stores a product picture: ``data`` (encoded bytes) in, its public
    URL out. Today it writes a content-hashed file under the media directory."""
    return media.save("products", data, extension)

"""Demo images drawn with Pillow (no downloads): product cards, 360° turntable frames, category
icons; written under the media directory with content-hashed names."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

MEDIA_URL = "/media"
IMAGE_SIZE = 640
FRAME_SIZE = 400

RGB = tuple[int, int, int]


_COLOR_WORDS: tuple[tuple[str, RGB], ...] = (
    ("透明", (214, 222, 228)),
    ("黑", (48, 50, 56)),
    ("白", (236, 236, 232)),
    ("银", (196, 200, 206)),
    ("灰", (150, 152, 160)),
    ("藏青", (36, 52, 96)),
    ("蓝", (64, 112, 196)),
    ("青", (72, 140, 140)),
    ("绿", (76, 150, 90)),
    ("粉", (236, 150, 172)),
    ("红", (200, 60, 60)),
    ("紫", (150, 110, 180)),
    ("金", (212, 170, 90)),
    ("黄", (230, 200, 60)),
    ("卡其", (190, 160, 110)),
    ("沙", (206, 180, 140)),
    ("燕麦", (214, 196, 166)),
    ("宝石", (120, 150, 200)),
    ("骑士", (40, 40, 48)),
)


def color_for(value: str, fallback: RGB) -> RGB:
    for word, rgb in _COLOR_WORDS:
        if word in value:
            return rgb
    return fallback


def _shade(rgb: RGB, factor: float) -> RGB:
    if factor >= 1:
        return (
            int(rgb[0] + (255 - rgb[0]) * (factor - 1)),
            int(rgb[1] + (255 - rgb[1]) * (factor - 1)),
            int(rgb[2] + (255 - rgb[2]) * (factor - 1)),
        )
    return (int(rgb[0] * factor), int(rgb[1] * factor), int(rgb[2] * factor))


_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
_CJK_NAMES = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy-", "DroidSansFallback", "CJK")


@cache
def find_cjk_font() -> Path | None:
    """A font with Chinese glyphs (Noto CJK, Source Han, WenQuanYi…), if one is installed."""
    for root in _FONT_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in {".ttc", ".otf", ".ttf"} and any(
                name.lower() in path.name.lower() for name in _CJK_NAMES
            ):
                return path
    return None


@cache
def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_cjk_font() if cjk else None
    candidates = [path] if path else []
    candidates += [root / "truetype/dejavu/DejaVuSans-Bold.ttf" for root in _FONT_DIRS[:1]]
    for candidate in candidates:
        if candidate is not None and candidate.exists():
            try:
                return ImageFont.truetype(str(candidate), size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


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
def _background(size: int, top: RGB, bottom: RGB) -> Image.Image:
    mask = Image.linear_gradient("L").resize((size, size))
    return Image.composite(
        Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), mask
    )


def _text(draw: ImageDraw.ImageDraw, size: int, text: str, label: str, y: float) -> None:
    cjk = find_cjk_font() is not None
    shown = text if cjk else label
    font_size = size // 14
    font = _font(font_size, cjk)
    while font_size > 12 and draw.textlength(shown, font=font) > size * 0.86:
        font_size -= 2
        font = _font(font_size, cjk)
    draw.text((size / 2, y), shown, font=font, fill=(40, 40, 48), anchor="mm")


@cache
def render_product_image(
    shape: str,
    *,
    colors: tuple[RGB, RGB, RGB],
    color: RGB,
    text: str,
    label: str,
    view: int,
) -> bytes:
    """A product card: category gradient, the drawn product, its name. ``view`` 0 is the hero
    shot, 1 a close-up with a caption band."""
    size = IMAGE_SIZE
    image = _background(size, colors[0], colors[1]).copy()
    draw = ImageDraw.Draw(image)
    if view == 0:
        draw.ellipse(
            (size * 0.2, size * 0.76, size * 0.8, size * 0.84), fill=_shade(colors[1], 0.86)
        )
        _draw_shape(draw, shape, center=(size / 2, size * 0.44), radius=size * 0.34, color=color)
        _text(draw, size, text, label, size * 0.92)
    else:
        _draw_shape(draw, shape, center=(size * 0.5, size * 0.4), radius=size * 0.42, color=color)
        draw.rectangle((0, size * 0.82, size, size), fill=(255, 255, 255))
        draw.rectangle((0, size * 0.82, size * 0.02, size), fill=colors[2])
        _text(draw, size, text, label, size * 0.91)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=84, optimize=True)
    return buffer.getvalue()


@cache
def render_turntable(
    shape: str, colors: tuple[RGB, RGB, RGB], color: RGB, frames: int
) -> tuple[bytes, ...]:
    """``frames`` views evenly spaced around a full turn, starting from the front."""
    out = []
    size = FRAME_SIZE
    background = _background(size, colors[0], colors[1])
    for i in range(frames):
        angle = 2 * math.pi * i / frames
        image = background.copy()
        draw = ImageDraw.Draw(image)
        draw.ellipse(
            (size * 0.22, size * 0.8, size * 0.78, size * 0.88), fill=_shade(colors[1], 0.86)
        )
        _draw_shape(
            draw,
            shape,
            center=(size / 2, size * 0.46),
            radius=size * 0.36,
            color=color,
            squash=math.cos(angle),
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        out.append(buffer.getvalue())
    return tuple(out)


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

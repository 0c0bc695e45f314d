"""Built-in badges and mascot figures, drawn by Shoplet itself (no downloaded art).

A badge is a medal in the definition's colour with a white icon; a locked badge is the same
medal in greys. Icons are a few shapes on a 100 × 100 grid (polygons and circles), so one
description gives both the SVG the storefront shows and the PNG the share card draws (Pillow).
Mascot figures are small SVG drawings in the merchant's colour. Everything here is pure.
"""

from __future__ import annotations

import io
import re
from typing import Final
from xml.sax.saxutils import escape  # nosec B406 - escapes text into SVG; parses nothing

Point = tuple[float, float]
# ("poly", points) or ("circle", (cx, cy), r)
Shape = tuple[str, tuple[Point, ...], float]

COLOR_RE: Final = re.compile(r"^#[0-9A-Fa-f]{6}$")
LOCKED_FILL: Final = "#BDBDBD"
LOCKED_RING: Final = "#9E9E9E"


def _poly(*points: Point) -> Shape:
    return ("poly", points, 0.0)


def _circle(cx: float, cy: float, r: float) -> Shape:
    return ("circle", ((cx, cy),), r)


def _star(cx: float, cy: float, outer: float, inner: float) -> Shape:
    import math

    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append(
            (round(cx + radius * math.cos(angle), 2), round(cy - radius * math.sin(angle), 2))
        )
    return ("poly", tuple(points), 0.0)


ICONS: Final[dict[str, tuple[Shape, ...]]] = {
    "bag": (
        _poly((30, 42), (70, 42), (74, 74), (26, 74)),
        _poly(
            (40, 42),
            (40, 34),
            (44, 28),
            (56, 28),
            (60, 34),
            (60, 42),
            (55, 42),
            (55, 35),
            (45, 35),
            (45, 42),
        ),
    ),
    "star": (_star(50, 52, 26, 11),),
    "flame": (
        _poly(
            (50, 24), (64, 42), (68, 58), (62, 72), (50, 78), (38, 72), (32, 58), (38, 44), (44, 52)
        ),
    ),
    "team": (
        _circle(38, 40, 9),
        _circle(62, 40, 9),
        _poly((24, 72), (26, 58), (38, 52), (50, 58), (62, 52), (74, 58), (76, 72)),
    ),
    "pen": (
        _poly((62, 24), (74, 36), (44, 66), (30, 70), (34, 56)),
        _poly((28, 76), (72, 76), (72, 80), (28, 80)),
    ),
    "crown": (_poly((26, 70), (26, 38), (38, 52), (50, 32), (62, 52), (74, 38), (74, 70)),),
    "heart": (
        _circle(40, 42, 12),
        _circle(60, 42, 12),
        _poly((29, 47), (71, 47), (50, 74)),
    ),
    "gift": (
        _poly((28, 44), (72, 44), (72, 54), (28, 54)),
        _poly((32, 54), (68, 54), (68, 76), (32, 76)),
        _poly((47, 44), (53, 44), (53, 76), (47, 76)),
        _circle(44, 38, 6),
        _circle(56, 38, 6),
    ),
}


def _svg_shape(shape: Shape, fill: str) -> str:
    kind, points, radius = shape
    if kind == "circle":
        (cx, cy) = points[0]
        return f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{fill}"/>'
    coords = " ".join(f"{x},{y}" for x, y in points)
    return f'<polygon points="{coords}" fill="{fill}"/>'


def badge_svg(icon: str, color: str, *, locked: bool, title: str) -> str:
    """The badge as a standalone SVG document (120 × 120 view box, ``title`` for assistive
    technology)."""
    fill = LOCKED_FILL if locked else color
    ring = LOCKED_RING if locked else "#FFD54F"
    shapes = "".join(_svg_shape(s, "#FFFFFF") for s in ICONS[icon])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" height="120" '
        f'role="img"><title>{escape(title)}</title>'
        f'<circle cx="60" cy="60" r="58" fill="{ring}"/>'
        f'<circle cx="60" cy="60" r="50" fill="{fill}"/>'
        f'<g transform="translate(10 10)">{shapes}</g></svg>'
    )


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def badge_png(icon: str, color: str, side: int = 480) -> bytes:
    """The unlocked badge as a PNG (for the share card), drawn from the same shapes."""
    from PIL import Image, ImageDraw

    scale = side / 120
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def box(cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
        return ((cx - r) * scale, (cy - r) * scale, (cx + r) * scale, (cy + r) * scale)

    draw.ellipse(box(60, 60, 58), fill=(255, 213, 79, 255))
    draw.ellipse(box(60, 60, 50), fill=(*rgb(color), 255))
    for kind, points, radius in ICONS[icon]:
        if kind == "circle":
            cx, cy = points[0]
            draw.ellipse(box(cx + 10, cy + 10, radius), fill=(255, 255, 255, 255))
        else:
            draw.polygon(
                [((x + 10) * scale, (y + 10) * scale) for x, y in points], fill=(255, 255, 255, 255)
            )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _figure_parts(figure: str, color: str) -> str:
    """The figure's own parts (ears, antenna) behind its face."""
    if figure == "cat":
        return (
            f'<polygon points="22,38 30,8 50,28" fill="{color}"/>'
            f'<polygon points="98,38 90,8 70,28" fill="{color}"/>'
        )
    if figure == "bear":
        return (
            f'<circle cx="28" cy="26" r="14" fill="{color}"/>'
            f'<circle cx="92" cy="26" r="14" fill="{color}"/>'
        )
    if figure == "rabbit":
        return (
            f'<ellipse cx="42" cy="18" rx="9" ry="24" fill="{color}"/>'
            f'<ellipse cx="78" cy="18" rx="9" ry="24" fill="{color}"/>'
        )
    return (
        f'<rect x="57" y="6" width="6" height="18" fill="{color}"/>'
        f'<circle cx="60" cy="6" r="6" fill="{color}"/>'
    )


def mascot_svg(figure: str, color: str, *, title: str) -> str:
    """A mascot figure in ``color`` (120 × 120), friendly in empty states and celebrations."""
    face = (
        f'<rect x="18" y="26" width="84" height="76" rx="16" fill="{color}"/>'
        if figure == "robot"
        else f'<circle cx="60" cy="64" r="44" fill="{color}"/>'
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" height="120" '
        f'role="img"><title>{escape(title)}</title>'
        f"{_figure_parts(figure, color)}{face}"
        '<circle cx="60" cy="74" r="26" fill="#FFFFFF" opacity="0.9"/>'
        '<circle cx="46" cy="58" r="6" fill="#212121"/>'
        '<circle cx="74" cy="58" r="6" fill="#212121"/>'
        '<circle cx="48" cy="56" r="2" fill="#FFFFFF"/>'
        '<circle cx="76" cy="56" r="2" fill="#FFFFFF"/>'
        '<path d="M50 80 Q60 90 70 80" stroke="#212121" stroke-width="4" fill="none" '
        'stroke-linecap="round"/>'
        '<circle cx="36" cy="76" r="6" fill="#FF8A80" opacity="0.8"/>'
        '<circle cx="84" cy="76" r="6" fill="#FF8A80" opacity="0.8"/></svg>'
    )

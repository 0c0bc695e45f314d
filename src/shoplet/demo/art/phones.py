"""Phones: each model with its own camera module (Mate ring, Leica square, iPhone diagonal pair,
Reno pill, OnePlus disc, RedMagic flush row with a fan, Pocket flip, X Fold book)."""

from __future__ import annotations

import math

from shoplet.demo.art.base import Drawer, ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter, luminance, mix

GLASS: RGB = (24, 26, 34)
LENS: RGB = (18, 20, 28)


def lens(pen: Pen, cx: float, cy: float, r: float, ring: RGB) -> None:
    pen.circle(cx, cy, r, ring, shade=0.25)
    pen.circle(cx, cy, r * 0.78, LENS, shade=0.1)
    pen.circle(cx, cy, r * 0.45, (34, 44, 70), shade=0.3, ramp="r")
    pen.circle(cx - r * 0.2, cy - r * 0.22, r * 0.14, (190, 200, 230), shade=0)


def flash(pen: Pen, cx: float, cy: float, r: float) -> None:
    pen.circle(cx, cy, r, (236, 226, 196), shade=0.2, ramp="r")


def screen(pen: Pen, x0: float, y0: float, x1: float, y1: float, r: float, hue: RGB) -> None:
    """A lit screen: a soft wallpaper of two waves in ``hue``."""
    pen.rrect(x0, y0, x1, y1, r, GLASS, shade=0.05)
    inset = (x1 - x0) * 0.035
    mask = pen.rrect(
        x0 + inset, y0 + inset, x1 - inset, y1 - inset, r * 0.8, lighter(hue, 0.35), ramp="v"
    )
    w, h = x1 - x0, y1 - y0

    def waves(p: Pen) -> None:
        p.poly(
            [
                (x0, y0 + h * 0.55),
                (x0 + w * 0.5, y0 + h * 0.42),
                (x1, y0 + h * 0.5),
                (x1, y1),
                (x0, y1),
            ],
            darker(hue, 0.15),
            ramp="v",
        )
        p.poly(
            [
                (x0, y0 + h * 0.75),
                (x0 + w * 0.6, y0 + h * 0.62),
                (x1, y0 + h * 0.7),
                (x1, y1),
                (x0, y1),
            ],
            darker(hue, 0.4),
            ramp="v",
        )

    pen.clip(mask, waves)
    pen.circle(x0 + w / 2, y0 + inset * 2.2, inset * 0.55, GLASS, shade=0)  # punch-hole camera


def slab(pen: Pen, x0: float, y0: float, x1: float, y1: float, r: float, color: RGB) -> None:
    """The phone body seen from the back, with its metal frame."""
    frame = darker(color, 0.18) if luminance(color) > 0.5 else lighter(color, 0.25)
    pen.rrect(x0, y0, x1, y1, r, frame, shade=0.2, ramp="h")
    e = (x1 - x0) * 0.025
    pen.rrect(x0 + e, y0 + e, x1 - e, y1 - e, r * 0.92, color, shade=0.16)
    pen.glow(x0 + e, y0, x0 + (x1 - x0) * 0.4, y1, alpha=40)


def module(pen: Pen, kind: str, x0: float, y0: float, w: float, color: RGB) -> None:
    """The camera module of the back, ``w`` is the back's width, (x0, y0) its top-left."""
    ring = mix(color, (200, 200, 204), 0.5)
    if kind == "ring":  # Mate 60: the centred star ring
        cx, cy, r = x0 + w / 2, y0 + w * 0.46, w * 0.3
        pen.circle(cx, cy, r, darker(color, 0.25), shade=0.25)
        pen.circle(cx, cy, r * 0.9, lighter(color, 0.1), shade=0.2)
        pen.circle(cx, cy, r * 0.78, (36, 38, 44), shade=0.15)
        for dx, dy in ((-0.36, -0.3), (0.36, -0.3), (0.0, 0.4)):
            lens(pen, cx + dx * r, cy + dy * r, r * 0.28, (70, 72, 80))
        flash(pen, cx - 0.38 * r, cy + 0.36 * r, r * 0.09)
    elif kind == "square":  # Xiaomi 14: a square island, 3 lenses and the red dot
        s = w * 0.46
        pen.rrect(
            x0 + w * 0.1,
            y0 + w * 0.1,
            x0 + w * 0.1 + s,
            y0 + w * 0.1 + s,
            s * 0.2,
            darker(color, 0.12),
            shade=0.25,
        )
        for dx, dy in ((0.28, 0.28), (0.72, 0.28), (0.28, 0.72)):
            lens(pen, x0 + w * 0.1 + s * dx, y0 + w * 0.1 + s * dy, s * 0.17, ring)
        flash(pen, x0 + w * 0.1 + s * 0.72, y0 + w * 0.1 + s * 0.72, s * 0.08)
        pen.circle(x0 + w * 0.1 + s * 0.88, y0 + w * 0.1 + s * 0.5, s * 0.04, (210, 40, 40))
    elif kind == "pair":  # iPhone 15: two lenses on the diagonal of a frosted square
        s = w * 0.42
        pen.rrect(
            x0 + w * 0.08,
            y0 + w * 0.08,
            x0 + w * 0.08 + s,
            y0 + w * 0.08 + s,
            s * 0.26,
            lighter(color, 0.25),
            shade=0.2,
        )
        lens(pen, x0 + w * 0.08 + s * 0.3, y0 + w * 0.08 + s * 0.3, s * 0.22, darker(color, 0.1))
        lens(pen, x0 + w * 0.08 + s * 0.7, y0 + w * 0.08 + s * 0.7, s * 0.22, darker(color, 0.1))
        flash(pen, x0 + w * 0.08 + s * 0.74, y0 + w * 0.08 + s * 0.27, s * 0.07)
    elif kind == "pill":  # Reno11: a vertical pill of three lenses
        pen.rrect(
            x0 + w * 0.1,
            y0 + w * 0.08,
            x0 + w * 0.34,
            y0 + w * 0.68,
            w * 0.12,
            darker(color, 0.15),
            shade=0.25,
        )
        for i in range(3):
            lens(pen, x0 + w * 0.22, y0 + w * (0.2 + i * 0.18), w * 0.085, ring)
        flash(pen, x0 + w * 0.45, y0 + w * 0.16, w * 0.035)
    elif kind == "disc":  # OnePlus Ace 3: a large disc
        cx, cy, r = x0 + w * 0.34, y0 + w * 0.34, w * 0.25
        pen.circle(cx, cy, r, darker(color, 0.2), shade=0.2)
        pen.circle(cx, cy, r * 0.9, (40, 40, 46), shade=0.15)
        for dx, dy in ((-0.4, -0.3), (0.4, -0.3), (0.0, 0.42)):
            lens(pen, cx + dx * r, cy + dy * r, r * 0.27, ring)
        flash(pen, cx + 0.48 * r, cy + 0.4 * r, r * 0.09)
    elif kind == "flush":  # RedMagic: flush lenses in a row, a red-lit fan window
        for i in range(3):
            lens(pen, x0 + w * 0.18, y0 + w * (0.16 + i * 0.17), w * 0.07, (80, 80, 88))
        cx, cy, r = x0 + w * 0.62, y0 + w * 0.5, w * 0.2
        pen.circle(cx, cy, r, (26, 26, 30), shade=0.1)
        for i in range(7):
            a = i * 2 * math.pi / 7
            pen.line(
                [(cx, cy), (cx + r * 0.85 * math.cos(a), cy + r * 0.85 * math.sin(a))],
                r * 0.12,
                (200, 40, 50),
            )
        pen.circle(cx, cy, r * 0.25, (60, 60, 66), shade=0.3)
        pen.line(
            [(x0 + w * 0.1, y0 + w * 1.05), (x0 + w * 0.9, y0 + w * 1.05)], w * 0.012, (210, 40, 50)
        )
    elif kind == "fold":  # vivo X Fold3: a big round island centred high
        cx, cy, r = x0 + w / 2, y0 + w * 0.42, w * 0.3
        pen.circle(cx, cy, r, darker(color, 0.3), shade=0.25)
        pen.circle(cx, cy, r * 0.88, (34, 34, 40), shade=0.1)
        for dx, dy in ((-0.4, -0.35), (0.4, -0.35), (-0.4, 0.38), (0.4, 0.38)):
            if (dx, dy) == (0.4, 0.38):
                flash(pen, cx + dx * r, cy + dy * r, r * 0.1)
            else:
                lens(pen, cx + dx * r, cy + dy * r, r * 0.25, ring)


def bar_phone(kind: str, hue: RGB, radius: float = 0.06) -> Drawer:
    def draw(pen: Pen, color: RGB, view: str) -> None:
        if view == "hero":
            # the screen behind, the back in front
            screen(pen, 0.16, 0.08, 0.52, 0.86, radius, hue)
            slab(pen, 0.44, 0.14, 0.8, 0.92, radius, color)
            module(pen, kind, 0.44, 0.14, 0.36, color)
        else:
            slab(pen, 0.3, 0.05, 0.7, 0.95, radius * 1.1, color)
            module(pen, kind, 0.3, 0.05, 0.4, color)

    return draw


def draw_pocket(pen: Pen, color: RGB, view: str) -> None:
    """Huawei Pocket 2: open (tall, a hinge line) and closed (a square with a disc)."""
    if view == "hero":
        screen(pen, 0.14, 0.1, 0.48, 0.9, 0.05, (230, 190, 200))
        pen.line([(0.15, 0.5), (0.47, 0.5)], 0.004, (150, 150, 160), alpha=120)
        x0, y0, x1 = 0.52, 0.42, 0.86
    else:
        x0, y0, x1 = 0.28, 0.28, 0.72
    w = x1 - x0
    slab(pen, x0, y0, x1, y0 + w * 1.05, 0.05, color)
    pen.rrect(
        x0 + w * 0.02,
        y0 + w * 0.9,
        x1 - w * 0.02,
        y0 + w * 1.03,
        0.02,
        darker(color, 0.12),
        shade=0.2,
    )  # hinge
    cx, cy, r = x0 + w * 0.5, y0 + w * 0.44, w * 0.32
    pen.circle(cx, cy, r, darker(color, 0.2), shade=0.2)
    pen.circle(cx, cy, r * 0.9, (30, 32, 38), shade=0.1)
    for dx, dy in ((-0.4, -0.35), (0.4, -0.35), (-0.4, 0.38), (0.4, 0.38)):
        lens(pen, cx + dx * r, cy + dy * r, r * 0.24, (170, 170, 176))


def draw_xfold(pen: Pen, color: RGB, view: str) -> None:
    """vivo X Fold3: the open book (a square screen with a crease) and the folded phone."""
    if view == "hero":
        screen(pen, 0.08, 0.18, 0.62, 0.84, 0.04, (120, 160, 210))
        pen.line([(0.35, 0.19), (0.35, 0.83)], 0.004, (200, 210, 230), alpha=110)
        slab(pen, 0.56, 0.1, 0.88, 0.9, 0.05, color)
        module(pen, "fold", 0.56, 0.1, 0.32, color)
    else:
        slab(pen, 0.32, 0.05, 0.68, 0.95, 0.05, color)
        module(pen, "fold", 0.32, 0.05, 0.36, color)


ART: dict[str, ProductArt] = {
    "Mate 60 Pro": ProductArt(
        bar_phone("ring", (90, 130, 120)), (214, 222, 236), (60, 60, 66), focus=(0.62, 0.32)
    ),
    "小米 14": ProductArt(
        bar_phone("square", (90, 110, 150)), (218, 220, 230), (60, 60, 66), focus=(0.56, 0.26)
    ),
    "iPhone 15": ProductArt(
        bar_phone("pair", (200, 140, 170), 0.07), (224, 222, 232), (60, 60, 66), focus=(0.56, 0.26)
    ),
    "Reno11": ProductArt(
        bar_phone("pill", (110, 150, 200)), (216, 226, 238), (60, 60, 66), focus=(0.54, 0.3)
    ),
    "一加 Ace 3": ProductArt(
        bar_phone("disc", (200, 150, 90)), (232, 224, 214), (60, 60, 66), focus=(0.57, 0.28)
    ),
    "红魔9 Pro": ProductArt(
        bar_phone("flush", (160, 40, 50), 0.03), (222, 214, 216), (60, 60, 66), focus=(0.66, 0.36)
    ),
    "Pocket 2": ProductArt(draw_pocket, (232, 222, 230), (60, 60, 66), focus=(0.69, 0.6)),
    "X Fold3": ProductArt(draw_xfold, (216, 222, 232), (60, 60, 66), focus=(0.72, 0.26)),
}

"""Books: each with a cover of its own (no lettering): a field under a low sun, a boxed trilogy
of planets, a thread-bound classic, picture books, a thick textbook, a programming book."""

from __future__ import annotations

import math
from collections.abc import Callable

from shoplet.demo.art.base import Drawer, ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter
from shoplet.demo.art.shapes import book

Cover = Callable[[Pen, float, float, float, float], None]  # pen, x0, y0, w, h


def standing(color: RGB, cover: Cover, *, count: int = 1, hardcover: RGB | None = None) -> Drawer:
    """``count`` copies (a set) standing; the alt shot: open on a table."""

    def draw(pen: Pen, _: RGB, view: str) -> None:
        if view == "hero":
            if count == 1:
                if hardcover:
                    book(pen, 0.18, 0.16, 0.5, 0.68, hardcover)
                shape = book(pen, 0.26, 0.12, 0.46, 0.72, color)
                pen.clip(shape, lambda p: cover(p, 0.26, 0.12, 0.46, 0.72))
            else:
                for i in range(count):
                    x = 0.12 + i * 0.22
                    shape = book(pen, x, 0.16 + i * 0.04, 0.38, 0.64, color, d=0.03)
                    pen.clip(shape, lambda p: cover(p, x, 0.16 + i * 0.04, 0.38, 0.64))
            pen.glow(0.3, 0.16, 0.42, 0.8, alpha=50, blur=0.02)
        else:
            # open: two pages and a ribbon, with the cover showing under it
            pen.poly(
                [(0.06, 0.4), (0.5, 0.46), (0.94, 0.4), (0.96, 0.78), (0.5, 0.84), (0.04, 0.78)],
                darker(color, 0.1),
            )
            pen.poly(
                [(0.08, 0.36), (0.5, 0.44), (0.5, 0.8), (0.07, 0.74)],
                (250, 248, 240),
                shade=0.08,
                ramp="h",
            )
            pen.poly(
                [(0.5, 0.44), (0.92, 0.36), (0.93, 0.74), (0.5, 0.8)],
                (246, 244, 236),
                shade=0.08,
                ramp="h",
                flip=True,
            )
            for i in range(9):  # lines of text as grey strokes
                y = 0.45 + i * 0.032
                pen.line([(0.13, y - 0.01 + i * 0.002), (0.45, y + 0.03)], 0.005, (190, 188, 182))
                pen.line([(0.55, y + 0.03), (0.87, y - 0.01 + i * 0.002)], 0.005, (190, 188, 182))
            pen.line([(0.5, 0.44), (0.52, 0.9)], 0.012, darker(color, 0.1))

    return draw


def field_sun(p: Pen, x: float, y: float, w: float, h: float) -> None:
    p.circle(x + w * 0.6, y + h * 0.45, w * 0.16, (206, 70, 50))
    p.poly(
        [
            (x, y + h * 0.62),
            (x + w * 0.5, y + h * 0.56),
            (x + w, y + h * 0.64),
            (x + w, y + h),
            (x, y + h),
        ],
        (150, 130, 90),
    )
    for i in range(12):
        p.line(
            [(x + w * (0.08 + i * 0.08), y + h * 0.7), (x + w * (0.1 + i * 0.08), y + h * 0.62)],
            0.004,
            (90, 80, 60),
        )


def planets(tint: RGB) -> Cover:
    def cover(p: Pen, x: float, y: float, w: float, h: float) -> None:
        p.rrect(x, y, x + w, y + h, 0, (14, 16, 26))
        for i in range(40):
            p.circle(
                x + w * ((i * 37 % 97) / 97), y + h * ((i * 53 % 89) / 89), 0.002, (220, 220, 240)
            )
        for k, (fx, fy, r) in enumerate(((0.3, 0.3, 0.12), (0.7, 0.5, 0.08), (0.45, 0.72, 0.1))):
            p.circle(x + w * fx, y + h * fy, w * r, lighter(tint, 0.1 * k), shade=0.4, ramp="r")
        p.ellipse(x + w * 0.1, y + h * 0.27, x + w * 0.5, y + h * 0.33, tint, alpha=120)

    return cover


def thread_bound(p: Pen, x: float, y: float, w: float, h: float) -> None:
    p.rrect(
        x + w * 0.62, y + h * 0.08, x + w * 0.82, y + h * 0.6, 0.004, (236, 226, 200)
    )  # the title slip
    for i in range(5):
        yy = y + h * (0.1 + i * 0.2)
        p.line([(x, yy), (x + w * 0.1, yy)], 0.004, (230, 224, 210))
    p.line([(x + w * 0.1, y), (x + w * 0.1, y + h)], 0.003, (230, 224, 210))
    p.circle(x + w * 0.4, y + h * 0.76, w * 0.12, (200, 80, 60), alpha=180)  # a seal


def pig(p: Pen, x: float, y: float, w: float, h: float) -> None:
    p.rrect(x, y + h * 0.7, x + w, y + h, 0, (120, 190, 90))
    p.ellipse(
        x + w * 0.2, y + h * 0.34, x + w * 0.8, y + h * 0.72, (246, 170, 190), shade=0.1
    )  # body
    p.ellipse(
        x + w * 0.3, y + h * 0.16, x + w * 0.7, y + h * 0.42, (248, 180, 200), shade=0.1
    )  # head
    p.ellipse(x + w * 0.56, y + h * 0.24, x + w * 0.74, y + h * 0.34, (240, 150, 176))  # snout
    p.circle(x + w * 0.4, y + h * 0.24, w * 0.025, (30, 30, 30))
    p.circle(x + w * 0.52, y + h * 0.22, w * 0.025, (30, 30, 30))
    p.circle(x + w * 0.44, y + h * 0.34, w * 0.04, (236, 120, 140))
    p.rrect(x + w * 0.3, y + h * 0.5, x + w * 0.7, y + h * 0.7, 0.01, (220, 60, 60))  # a red dress


def school_bus(p: Pen, x: float, y: float, w: float, h: float) -> None:
    p.rrect(x, y, x + w, y + h, 0, (110, 180, 230))
    p.rrect(x + w * 0.08, y + h * 0.4, x + w * 0.92, y + h * 0.7, 0.01, (246, 196, 30), shade=0.15)
    for i in range(5):
        p.rrect(
            x + w * (0.12 + i * 0.15),
            y + h * 0.44,
            x + w * (0.22 + i * 0.15),
            y + h * 0.52,
            0.004,
            (200, 230, 250),
        )
    for fx in (0.25, 0.75):
        p.circle(x + w * fx, y + h * 0.72, w * 0.07, (40, 40, 44))
    p.circle(x + w * 0.8, y + h * 0.2, w * 0.1, (250, 230, 120))


def circuits(p: Pen, x: float, y: float, w: float, h: float) -> None:
    for i in range(7):
        yy = y + h * (0.2 + i * 0.08)
        p.line(
            [
                (x + w * 0.1, yy),
                (x + w * (0.4 + 0.07 * (i % 3)), yy),
                (x + w * (0.5 + 0.07 * (i % 3)), yy + h * 0.04),
                (x + w * 0.9, yy + h * 0.04),
            ],
            0.004,
            (170, 200, 230),
        )
        p.circle(x + w * 0.9, yy + h * 0.04, w * 0.015, (230, 240, 250))
    p.rrect(x + w * 0.38, y + h * 0.72, x + w * 0.62, y + h * 0.86, 0.006, (200, 210, 230))


def snake(p: Pen, x: float, y: float, w: float, h: float) -> None:
    pts = [
        (x + w * (0.15 + 0.7 * t), y + h * (0.5 + 0.12 * math.sin(t * 10)))
        for t in [i / 30 for i in range(31)]
    ]
    p.line(pts, 0.03, (60, 110, 170))
    p.line([(a, b - 0.001) for a, b in pts], 0.012, (250, 210, 70))
    p.circle(x + w * 0.85, y + h * (0.5 + 0.12 * math.sin(10)), w * 0.06, (60, 110, 170))
    for i in range(4):
        p.rrect(
            x + w * 0.15,
            y + h * (0.14 + i * 0.04),
            x + w * (0.6 - i * 0.1),
            y + h * (0.16 + i * 0.04),
            0.002,
            (250, 250, 250),
        )


ART: dict[str, ProductArt] = {
    "活着": ProductArt(
        standing((232, 220, 196), field_sun),
        (240, 234, 224),
        (232, 220, 196),
        focus=(0.55, 0.4),
        scene="shelf",
        zoom=1.8,
    ),
    "三体": ProductArt(
        standing((14, 16, 26), planets((120, 160, 220)), count=3),
        (226, 228, 236),
        (14, 16, 26),
        focus=(0.5, 0.42),
        scene="shelf",
        zoom=1.8,
    ),
    "人间词话": ProductArt(
        standing((60, 86, 120), thread_bound),
        (234, 232, 226),
        (60, 86, 120),
        focus=(0.6, 0.35),
        scene="shelf",
        zoom=1.8,
    ),
    "小猪佩奇": ProductArt(
        standing((246, 200, 214), pig, count=3),
        (246, 236, 240),
        (246, 200, 214),
        focus=(0.6, 0.42),
        scene="nursery",
        zoom=1.8,
    ),
    "神奇校车": ProductArt(
        standing((110, 180, 230), school_bus, count=3),
        (234, 240, 246),
        (110, 180, 230),
        focus=(0.62, 0.5),
        scene="nursery",
        zoom=1.8,
    ),
    "深入理解计算机系统": ProductArt(
        standing((30, 60, 110), circuits, hardcover=(20, 40, 80)),
        (226, 230, 238),
        (30, 60, 110),
        focus=(0.5, 0.4),
        scene="desk",
        zoom=1.8,
    ),
    "Python编程": ProductArt(
        standing((240, 240, 236), snake),
        (236, 238, 232),
        (240, 240, 236),
        focus=(0.5, 0.46),
        scene="desk",
        zoom=1.8,
    ),
}

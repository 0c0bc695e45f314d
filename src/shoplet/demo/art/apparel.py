"""Apparel laid flat: tees, jeans, a puffer jacket, a floral dress, a cardigan, wide trousers,
leggings; and the two shoes."""

from __future__ import annotations

import math

from shoplet.demo.art.base import Drawer, ProductArt
from shoplet.demo.art.kit import RGB, Pen, Point, bezier, darker, lighter, luminance, mix

STITCH: RGB = (214, 150, 70)


def _u(points: list[tuple[float, float]], s: float = 0.42) -> list[Point]:
    """From the [-1, 1] box to the unit box."""
    return [(0.5 + x * s, 0.5 + y * s) for x, y in points]


def fold(pen: Pen, points: list[Point], color: RGB, width: float = 0.006, alpha: int = 70) -> None:
    pen.line(points, width, darker(color, 0.35), alpha=alpha)


TEE = [
    (-0.35, -0.72), (-0.13, -0.76), (0.0, -0.66), (0.13, -0.76), (0.35, -0.72), (0.8, -0.42),
    (0.62, -0.12), (0.4, -0.26), (0.4, 0.8), (-0.4, 0.8), (-0.4, -0.26), (-0.62, -0.12),
    (-0.8, -0.42),
]  # fmt: skip


def tee(sport: bool = False) -> Drawer:
    def draw(pen: Pen, color: RGB, view: str) -> None:
        back = view != "hero"
        body = pen.poly(_u(TEE), color, shade=0.1, ramp="v")
        trim = darker(color, 0.12) if luminance(color) > 0.3 else lighter(color, 0.12)
        if back:
            pen.poly(_u([(-0.13, -0.76), (0.0, -0.72), (0.13, -0.76), (0.0, -0.7)]), trim)
        else:
            pen.line(_u([(-0.14, -0.75), (0.0, -0.64), (0.14, -0.75)]), 0.018, trim)
        for sx in (-1, 1):  # sleeve hems and seams
            pen.line(_u([(sx * 0.8, -0.42), (sx * 0.62, -0.12)]), 0.012, trim)
            fold(pen, _u([(sx * 0.4, -0.26), (sx * 0.35, -0.62)]), color)
        pen.line(_u([(-0.4, 0.76), (0.4, 0.76)]), 0.008, trim)
        if sport:

            def panels(p: Pen) -> None:
                accent = (
                    mix(color, (255, 255, 255), 0.35)
                    if luminance(color) < 0.5
                    else darker(color, 0.3)
                )
                for sx in (-1, 1):  # raglan stripes and mesh side panels
                    p.poly(
                        _u(
                            [
                                (sx * 0.13, -0.76),
                                (sx * 0.2, -0.75),
                                (sx * 0.7, -0.28),
                                (sx * 0.64, -0.2),
                            ]
                        ),
                        accent,
                    )
                    for j in range(14):
                        for i in range(3):
                            p.circle(
                                0.5 + sx * (0.135 + i * 0.018),
                                0.47 + j * 0.022,
                                0.004,
                                darker(color, 0.3),
                            )
                p.poly(
                    _u(
                        [
                            (-0.05, -0.35 if not back else -0.5),
                            (0.16, -0.38 if not back else -0.53),
                            (0.12, -0.32 if not back else -0.47),
                            (-0.09, -0.29 if not back else -0.44),
                        ]
                    ),
                    (230, 230, 230),
                )

            pen.clip(body, panels)
        else:
            fold(pen, _u([(-0.1, 0.1), (0.05, 0.45), (0.02, 0.78)]), color)
            fold(pen, _u([(0.25, -0.1), (0.18, 0.2)]), color)
        pen.glow(0.3, 0.2, 0.55, 0.6, alpha=40, blur=0.04)

    return draw


def jeans(pen: Pen, color: RGB, view: str) -> None:
    back = view != "hero"
    outline = [(-0.42, -0.78), (0.42, -0.78), (0.48, 0.82), (0.1, 0.82), (0.0, -0.28),
               (-0.1, 0.82), (-0.48, 0.82)]  # fmt: skip
    legs = pen.poly(_u(outline), color, shade=0.12, ramp="v")

    def fade(p: Pen) -> None:
        for sx in (-1, 1):
            p.ellipse(
                0.5 + sx * 0.06 - 0.07,
                0.4,
                0.5 + sx * 0.16 + 0.02,
                0.66,
                lighter(color, 0.25),
                alpha=90,
            )

    pen.clip(legs, fade)
    pen.poly(
        _u([(-0.42, -0.78), (0.42, -0.78), (0.425, -0.68), (-0.425, -0.68)]), darker(color, 0.1)
    )
    for x in (-0.34, -0.12, 0.12, 0.34):  # belt loops
        pen.rrect(
            0.5 + x * 0.42 - 0.008, 0.17, 0.5 + x * 0.42 + 0.008, 0.225, 0.003, darker(color, 0.2)
        )
    pen.line(_u([(-0.42, -0.68), (0.42, -0.68)]), 0.003, STITCH)
    if back:
        for sx in (-1, 1):
            pts = [
                (sx * 0.08, -0.5),
                (sx * 0.34, -0.52),
                (sx * 0.32, -0.2),
                (sx * 0.21, -0.12),
                (sx * 0.1, -0.2),
            ]
            pen.poly(_u(pts), darker(color, 0.08))
            pen.line(_u([*pts, pts[0]]), 0.003, STITCH)
        pen.rrect(0.5 + 0.18 * 0.42, 0.18, 0.5 + 0.3 * 0.42, 0.215, 0.004, (150, 100, 60))
    else:
        pen.circle(0.5, 0.195, 0.012, (190, 170, 120), shade=0.3)
        pen.line(_u([(0.0, -0.66), (0.0, -0.36), (-0.08, -0.28)]), 0.003, STITCH)
        for sx in (-1, 1):
            pen.line(_u([(sx * 0.36, -0.66), (sx * 0.3, -0.45), (sx * 0.16, -0.66)]), 0.003, STITCH)
    for sx in (-1, 1):
        fold(pen, _u([(sx * 0.2, 0.3), (sx * 0.28, 0.34)]), color)
        fold(pen, _u([(sx * 0.22, 0.55), (sx * 0.3, 0.58)]), color)
        pen.line(_u([(sx * 0.48, 0.78), (sx * 0.1, 0.78)]), 0.003, STITCH)


def puffer(pen: Pen, color: RGB, view: str) -> None:
    back = view != "hero"
    body = [(-0.34, -0.72), (-0.12, -0.8), (0.12, -0.8), (0.34, -0.72), (0.8, -0.3), (0.86, 0.58),
            (0.66, 0.6), (0.58, -0.1), (0.46, -0.2), (0.48, 0.82), (-0.48, 0.82), (-0.46, -0.2),
            (-0.58, -0.1), (-0.66, 0.6), (-0.86, 0.58), (-0.8, -0.3)]  # fmt: skip
    shape = pen.poly(_u(body), color, shade=0.1, ramp="v")

    def baffles(p: Pen) -> None:
        for i in range(9):
            y = -0.66 + i * 0.17
            p.line(_u([(-0.9, y), (0.9, y + 0.02)]), 0.006, darker(color, 0.3))
            p.ellipse(
                0.5 - 0.4,
                0.5 + (y + 0.04) * 0.42,
                0.5 + 0.4,
                0.5 + (y + 0.12) * 0.42,
                lighter(color, 0.14),
                alpha=110,
            )

    pen.clip(shape, baffles)
    pen.rrect(
        0.5 - 0.13 * 0.42,
        0.5 - 0.88 * 0.42,
        0.5 + 0.13 * 0.42,
        0.5 - 0.72 * 0.42,
        0.02,
        darker(color, 0.08),
        shade=0.15,
    )  # stand collar
    if not back:
        pen.line(_u([(0.0, -0.74), (0.0, 0.82)]), 0.008, darker(color, 0.45))
        pen.rrect(0.49, 0.5 - 0.74 * 0.42, 0.51, 0.5 - 0.62 * 0.42, 0.003, (200, 200, 206))
        for sx in (-1, 1):
            pen.line(_u([(sx * 0.18, 0.3), (sx * 0.26, 0.56)]), 0.006, darker(color, 0.45))
    pen.glow(0.3, 0.18, 0.5, 0.55, alpha=45, blur=0.04)


def dress(pen: Pen, color: RGB, view: str) -> None:
    back = view != "hero"
    outline = [(-0.22, -0.82), (-0.08, -0.82), (0.0, -0.6 if not back else -0.78), (0.08, -0.82),
               (0.22, -0.82), (0.3, -0.72), (0.46, -0.6), (0.38, -0.46), (0.26, -0.52),
               (0.22, -0.2), (0.62, 0.86), (-0.62, 0.86), (-0.22, -0.2), (-0.26, -0.52),
               (-0.38, -0.46), (-0.46, -0.6), (-0.3, -0.72)]  # fmt: skip
    shape = pen.poly(_u(outline), color, shade=0.08, ramp="v")
    blossom = (246, 244, 238) if luminance(color) < 0.5 else (70, 110, 180)
    leaf = (120, 170, 130)

    def print_(p: Pen) -> None:
        for j in range(18):
            for i in range(12):
                x = 0.22 + i * 0.05 + (0.025 if j % 2 else 0)
                y = 0.13 + j * 0.045
                k = (i * 7 + j * 3) % 5
                r = 0.008 + k * 0.001
                for a in range(5):
                    ang = a * 2 * math.pi / 5 + k
                    p.circle(x + math.cos(ang) * r, y + math.sin(ang) * r, r * 0.75, blossom)
                p.circle(x, y, r * 0.5, (236, 200, 90))
                p.ellipse(x + r * 1.4, y + r * 0.6, x + r * 3.2, y + r * 1.6, leaf)

    pen.clip(shape, print_)
    waist = 0.5 - 0.2 * 0.42
    pen.poly(
        [
            (0.5 - 0.095, waist - 0.012),
            (0.5 + 0.095, waist - 0.012),
            (0.5 + 0.1, waist + 0.014),
            (0.5 - 0.1, waist + 0.014),
        ],
        darker(color, 0.15),
    )
    if not back:  # the waist tie
        pen.poly(
            [(0.52, waist), (0.6, waist + 0.12), (0.57, waist + 0.125), (0.505, waist + 0.01)],
            darker(color, 0.18),
        )
        pen.poly(
            [(0.51, waist), (0.47, waist + 0.14), (0.44, waist + 0.135), (0.5, waist + 0.005)],
            darker(color, 0.2),
        )
    for x in (-0.3, -0.1, 0.12, 0.32):
        fold(pen, _u([(x * 0.4, -0.15), (x, 0.84)]), color, alpha=50)
    pen.glow(0.34, 0.22, 0.5, 0.55, alpha=40, blur=0.04)


def cardigan(pen: Pen, color: RGB, view: str) -> None:
    back = view != "hero"
    body = [(-0.3, -0.76), (-0.12, -0.8), (0.12, -0.8), (0.3, -0.76), (0.76, -0.36), (0.86, 0.66),
            (0.66, 0.68), (0.56, -0.1), (0.46, -0.2), (0.48, 0.8), (-0.48, 0.8), (-0.46, -0.2),
            (-0.56, -0.1), (-0.66, 0.68), (-0.86, 0.66), (-0.76, -0.36)]  # fmt: skip
    shape = pen.poly(_u(body), color, shade=0.1, ramp="v")

    def knit(p: Pen) -> None:
        for i in range(40):
            x = 0.1 + i * 0.02
            p.line([(x, 0.1), (x, 0.9)], 0.003, darker(color, 0.12))
        for sx in (-1, 1):
            p.poly(
                _u([(sx * 0.86, 0.5), (sx * 0.66, 0.52), (sx * 0.66, 0.68), (sx * 0.86, 0.66)]),
                darker(color, 0.08),
            )
        p.poly(_u([(-0.5, 0.66), (0.5, 0.66), (0.5, 0.82), (-0.5, 0.82)]), darker(color, 0.08))

    pen.clip(shape, knit)
    if not back:
        trim = darker(color, 0.14)
        pen.poly(
            _u([(-0.12, -0.8), (0.0, 0.0), (0.12, -0.8), (0.06, -0.8), (0.0, -0.2), (-0.06, -0.8)]),
            lighter(color, 0.4),
        )
        pen.line(_u([(-0.12, -0.8), (-0.02, 0.1), (-0.02, 0.8)]), 0.014, trim)
        pen.line(_u([(0.12, -0.8), (0.02, 0.1), (0.02, 0.8)]), 0.014, trim)
        for i in range(5):
            pen.circle(0.5 + 0.012, 0.5 + (0.0 + i * 0.17) * 0.42, 0.01, (240, 234, 220), shade=0.3)
    pen.glow(0.3, 0.2, 0.5, 0.55, alpha=40, blur=0.04)


def trousers(pen: Pen, color: RGB, view: str) -> None:
    outline = [(-0.36, -0.8), (0.36, -0.8), (0.6, 0.84), (0.06, 0.84), (0.0, -0.3),
               (-0.06, 0.84), (-0.6, 0.84)]  # fmt: skip
    pen.poly(_u(outline), color, shade=0.12, ramp="v")
    pen.poly(_u([(-0.36, -0.8), (0.36, -0.8), (0.37, -0.66), (-0.37, -0.66)]), darker(color, 0.1))
    if view == "hero":
        pen.circle(0.5, 0.5 - 0.73 * 0.42, 0.012, darker(color, 0.35), shade=0.2)
    for x in (-0.3, -0.1, 0.1, 0.3):
        pen.rrect(
            0.5 + x * 0.42 - 0.007, 0.16, 0.5 + x * 0.42 + 0.007, 0.23, 0.003, darker(color, 0.2)
        )
    for sx in (-1, 1):
        pen.line(_u([(sx * 0.2, -0.62), (sx * 0.33, 0.84)]), 0.004, darker(color, 0.3))
        pen.line(_u([(sx * 0.34, -0.64), (sx * 0.28, -0.4)]), 0.004, darker(color, 0.3))
    pen.glow(0.32, 0.2, 0.48, 0.7, alpha=40, blur=0.04)


def leggings(pen: Pen, color: RGB, view: str) -> None:
    outline = [(-0.3, -0.8), (0.3, -0.8), (0.32, -0.4), (0.24, 0.3), (0.2, 0.84), (0.06, 0.84),
               (0.02, -0.2), (-0.02, -0.2), (-0.06, 0.84), (-0.2, 0.84), (-0.24, 0.3), (-0.32, -0.4)]  # fmt: skip
    pen.poly(_u(outline), color, shade=0.14, ramp="h")
    pen.poly(_u([(-0.3, -0.8), (0.3, -0.8), (0.31, -0.58), (-0.31, -0.58)]), darker(color, 0.06))
    pen.line(_u([(-0.31, -0.58), (0.31, -0.58)]), 0.004, darker(color, 0.25))
    for sx in (-1, 1):
        pen.line(
            _u([(sx * 0.3, -0.45), (sx * 0.22, 0.3), (sx * 0.19, 0.82)]), 0.004, darker(color, 0.25)
        )
        pen.glow(0.5 + sx * 0.07 - 0.03, 0.35, 0.5 + sx * 0.07 + 0.03, 0.8, alpha=55, blur=0.02)
    if view != "hero":
        pen.poly(_u([(-0.12, -0.5), (0.12, -0.5), (0.0, -0.32)]), darker(color, 0.12))


# Shoes -------------------------------------------------------------------------------------
def runner(pen: Pen, color: RGB, view: str) -> None:
    """A racing shoe, side view, toe to the right: a tall rockered foam midsole with a carbon
    plate, a mesh upper with a heel counter, a padded collar, laces and a side stripe."""
    if view != "hero":
        _pair(pen, color, runner)
        return
    foam = (246, 246, 242) if luminance(color) < 0.9 else (226, 232, 238)
    top = bezier([(0.07, 0.56), (0.4, 0.6), (0.7, 0.6), (0.95, 0.56)], 20)
    bottom = bezier(
        [(0.97, 0.56), (0.9, 0.7), (0.5, 0.76), (0.1, 0.75), (0.05, 0.7), (0.06, 0.62)], 24
    )
    pen.poly(top + bottom, foam, shade=0.1, ramp="v")
    outsole = bezier([(0.93, 0.63), (0.6, 0.735), (0.3, 0.745), (0.075, 0.71)], 16)
    pen.line(outsole, 0.022, (44, 44, 50))
    pen.line(
        bezier([(0.1, 0.68), (0.5, 0.7), (0.86, 0.62)], 16), 0.007, (30, 30, 40)
    )  # carbon plate
    upper = [
        *bezier([(0.08, 0.58), (0.06, 0.44), (0.09, 0.3), (0.16, 0.28)], 12),  # heel counter
        *bezier([(0.16, 0.28), (0.22, 0.34), (0.28, 0.34), (0.34, 0.26)], 10),  # collar dip
        *bezier(
            [(0.34, 0.26), (0.5, 0.34), (0.72, 0.42), (0.9, 0.5), (0.96, 0.56)], 20
        ),  # laces, toe
        *bezier([(0.95, 0.57), (0.7, 0.6), (0.4, 0.6), (0.08, 0.58)], 12),
    ]
    shape = pen.poly(upper, color, shade=0.14)
    accent = (230, 70, 50) if luminance(color) > 0.8 else (40, 40, 50)

    def mesh(p: Pen) -> None:
        for j in range(14):
            for i in range(42):
                p.circle(
                    0.06 + i * 0.022 + (0.011 if j % 2 else 0),
                    0.26 + j * 0.025,
                    0.0035,
                    darker(color, 0.1),
                )
        p.poly(
            [*bezier([(0.05, 0.6), (0.05, 0.4), (0.12, 0.3), (0.2, 0.3)], 10), (0.22, 0.6)],
            darker(color, 0.12),
            shade=0.1,
        )  # heel counter
        p.poly([(0.34, 0.58), (0.52, 0.4), (0.6, 0.42), (0.46, 0.59)], accent)  # side stripe
        p.poly([(0.52, 0.59), (0.62, 0.45), (0.66, 0.47), (0.58, 0.59)], accent)
        p.poly([(0.8, 0.6), (0.8, 0.5), (1.0, 0.6)], darker(color, 0.08))  # toe bumper

    pen.clip(shape, mesh)
    pen.poly(
        [
            *bezier([(0.16, 0.28), (0.22, 0.36), (0.3, 0.36), (0.35, 0.27)], 10),
            (0.33, 0.3),
            (0.22, 0.32),
        ],
        darker(color, 0.3),
    )  # the collar lining
    for i in range(6):  # laces
        x = 0.36 + i * 0.062
        y = 0.28 + i * 0.035
        pen.line([(x - 0.01, y + 0.005), (x + 0.05, y + 0.045)], 0.009, lighter(color, 0.6))
        pen.line([(x + 0.04, y + 0.0), (x + 0.0, y + 0.05)], 0.007, darker(color, 0.2))
    pen.glow(0.3, 0.32, 0.75, 0.45, alpha=55, blur=0.02)


def slipon(pen: Pen, color: RGB, view: str) -> None:
    """A soft slip-on: a chunky soft sole, a knit upper, an elastic collar, no laces."""
    if view != "hero":
        _pair(pen, color, slipon)
        return
    pen.poly(
        [
            (0.06, 0.6),
            (0.5, 0.62),
            (0.92, 0.58),
            (0.96, 0.66),
            (0.86, 0.74),
            (0.5, 0.76),
            (0.1, 0.76),
            (0.05, 0.68),
        ],
        (250, 248, 244),
        shade=0.08,
        ramp="v",
    )
    pen.line([(0.07, 0.7), (0.5, 0.72), (0.93, 0.66)], 0.004, (220, 214, 208))
    upper = [(0.08, 0.6), (0.09, 0.42), (0.2, 0.36), (0.34, 0.4), (0.52, 0.4), (0.74, 0.46),
             (0.9, 0.52), (0.93, 0.59), (0.5, 0.62)]  # fmt: skip
    shape = pen.poly(upper, color, shade=0.1)

    def knit(p: Pen) -> None:
        for i in range(50):
            x = 0.05 + i * 0.018
            p.line([(x, 0.35), (x + 0.05, 0.65)], 0.003, darker(color, 0.08))

    pen.clip(shape, knit)
    pen.poly(
        [(0.2, 0.36), (0.34, 0.4), (0.52, 0.4), (0.5, 0.44), (0.34, 0.44), (0.22, 0.4)],
        darker(color, 0.2),
    )
    pen.rrect(0.06, 0.42, 0.12, 0.52, 0.01, mix(color, (236, 150, 170), 0.5))  # pull tab
    pen.glow(0.3, 0.4, 0.7, 0.5, alpha=50, blur=0.02)


def _pair(pen: Pen, color: RGB, single: Drawer) -> None:
    """The pair: one shoe behind, a bit higher and smaller, the other in front."""
    from shoplet.demo.art.kit import Pen as _Pen

    behind = _Pen(pen.w // pen.ss, ss=pen.ss, zoom=0.82, focus=(0.56, 0.58))
    single(behind, darker(color, 0.06), "hero")
    pen.image.alpha_composite(behind.image, (0, -pen.h // 9))
    front = _Pen(pen.w // pen.ss, ss=pen.ss, zoom=0.92, focus=(0.46, 0.46))
    single(front, color, "hero")
    pen.image.alpha_composite(front.image)


def _art(draw: Drawer, tint: RGB, color: RGB, focus: Point, **kw: object) -> ProductArt:
    return ProductArt(draw, tint, color, focus=focus, **kw)  # type: ignore[arg-type]


ART: dict[str, ProductArt] = {
    "纯棉T恤": _art(tee(), (230, 226, 220), (240, 240, 236), (0.5, 0.26), scene="bedroom"),
    "牛仔裤": _art(jeans, (224, 226, 230), (50, 70, 120), (0.58, 0.25), scene="bedroom"),
    "轻薄羽绒服": _art(puffer, (220, 226, 234), (40, 42, 48), (0.5, 0.24), scene="street"),
    "碎花连衣裙": _art(dress, (240, 230, 226), (58, 92, 160), (0.5, 0.3), scene="bedroom"),
    "针织开衫": _art(cardigan, (236, 228, 218), (216, 198, 168), (0.5, 0.34), scene="bedroom"),
    "阔腿裤": _art(trousers, (230, 228, 224), (40, 40, 44), (0.5, 0.22), scene="bedroom"),
    "速干T恤": _art(tee(sport=True), (218, 230, 222), (40, 40, 44), (0.42, 0.28), scene="outdoor"),
    "瑜伽裤": _art(leggings, (234, 226, 230), (40, 40, 44), (0.5, 0.22), scene="bedroom"),
    "赤兔6 Pro": _art(
        runner, (226, 230, 236), (242, 242, 240), (0.5, 0.62), scene="street", zoom=2.0
    ),
    "安踏 C37": _art(
        slipon, (238, 228, 228), (246, 214, 220), (0.5, 0.6), scene="street", zoom=2.0
    ),
}

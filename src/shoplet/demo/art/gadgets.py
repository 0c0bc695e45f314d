"""Gadgets: earbuds in their cases, over-ear headphones, a GaN charger, a power bank, a braided
cable, a MagSafe case, a screen protector."""

from __future__ import annotations

import math

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter, luminance, mix


def bud(pen: Pen, x: float, y: float, s: float, color: RGB, *, stem: bool = True) -> None:
    if stem:
        pen.rrect(x - s * 0.22, y, x + s * 0.22, y + s * 1.5, s * 0.2, color, shade=0.25, ramp="c")
    pen.ellipse(x - s * 0.55, y - s * 0.5, x + s * 0.55, y + s * 0.45, color, shade=0.2, ramp="r")
    pen.ellipse(
        x - s * 0.3,
        y - s * 0.35,
        x + s * 0.25,
        y + s * 0.1,
        darker(color, 0.4) if luminance(color) > 0.4 else (30, 30, 34),
    )


def freebuds(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        pen.ellipse(0.2, 0.26, 0.8, 0.46, lighter(color, 0.1), shade=0.2)  # lid, open
        pen.rrect(0.2, 0.44, 0.8, 0.8, 0.16, color, shade=0.2, ramp="c")
        pen.ellipse(0.24, 0.44, 0.76, 0.54, darker(color, 0.3))
        bud(pen, 0.4, 0.44, 0.07, color)
        bud(pen, 0.6, 0.44, 0.07, color)
        pen.circle(0.5, 0.68, 0.008, (120, 220, 140))
    else:
        pen.rrect(0.16, 0.46, 0.62, 0.78, 0.14, color, shade=0.2, ramp="c")
        pen.line([(0.17, 0.56), (0.61, 0.56)], 0.003, darker(color, 0.2))
        bud(pen, 0.74, 0.38, 0.08, color)
        bud(pen, 0.84, 0.5, 0.08, color)


def over_ear(pen: Pen, color: RGB, view: str) -> None:
    band = darker(color, 0.05)
    cx = 0.5
    pts = [
        (cx + 0.3 * math.cos(a), 0.5 - 0.34 * math.sin(a))
        for a in [math.pi * i / 30 for i in range(31)]
    ]
    pen.line(pts, 0.05, band)
    pen.line([(x, y + 0.012) for x, y in pts[5:26]], 0.018, darker(color, 0.3))  # cushion
    for sx in (-1, 1):
        x = cx + sx * 0.3
        pen.line([(x, 0.48), (x, 0.56)], 0.02, (170, 170, 176))  # sliders
        if view == "hero":
            pen.ellipse(x - 0.11, 0.52, x + 0.11, 0.86, color, shade=0.22, ramp="c")
            pen.ellipse(
                x - 0.08 + sx * 0.03,
                0.55,
                x + 0.08 + sx * 0.03,
                0.83,
                darker(color, 0.35),
                shade=0.1,
            )
        else:
            pen.ellipse(x - 0.13, 0.5, x + 0.13, 0.88, color, shade=0.22, ramp="r")
            pen.glow(x - 0.08, 0.55, x, 0.7, alpha=70, blur=0.02)
            pen.circle(x + 0.06, 0.56, 0.008, (40, 40, 40))
    pen.glow(0.25, 0.18, 0.55, 0.26, alpha=60, blur=0.015)


def lolli(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        pen.ellipse(0.3, 0.2, 0.7, 0.42, lighter(color, 0.1), shade=0.2)
        pen.ellipse(0.28, 0.36, 0.72, 0.84, color, shade=0.2, ramp="r")
        pen.ellipse(0.33, 0.38, 0.67, 0.5, darker(color, 0.3))
        bud(pen, 0.43, 0.44, 0.06, color, stem=False)
        bud(pen, 0.57, 0.44, 0.06, color, stem=False)
        pen.rrect(0.3, 0.36, 0.7, 0.38, 0.004, (200, 200, 204))
    else:
        pen.ellipse(0.16, 0.36, 0.56, 0.82, color, shade=0.2, ramp="r")
        pen.line([(0.16, 0.5), (0.56, 0.5)], 0.004, darker(color, 0.2))
        bud(pen, 0.7, 0.5, 0.09, color, stem=False)
        bud(pen, 0.82, 0.64, 0.09, color, stem=False)


def charger(pen: Pen, color: RGB, view: str) -> None:
    port = (30, 30, 34) if luminance(color) > 0.5 else (200, 200, 204)
    if view == "hero":
        pen.poly([(0.28, 0.3), (0.4, 0.22), (0.78, 0.22), (0.66, 0.3)], lighter(color, 0.2))
        pen.poly([(0.66, 0.3), (0.78, 0.22), (0.78, 0.72), (0.66, 0.8)], darker(color, 0.15))
        pen.rrect(0.28, 0.3, 0.66, 0.8, 0.03, color, shade=0.12)
        for i, w in enumerate((0.1, 0.1, 0.14)):  # two C ports, one A
            pen.rrect(0.47 - w / 2, 0.38 + i * 0.1, 0.47 + w / 2, 0.41 + i * 0.1, 0.012, port)
        pen.rrect(0.48, 0.68, 0.52, 0.72, 0.006, (120, 200, 140))
    else:  # the back: fold-out prongs
        pen.rrect(0.3, 0.3, 0.7, 0.8, 0.03, color, shade=0.12)
        for x in (0.42, 0.56):
            pen.rrect(x, 0.1, x + 0.03, 0.34, 0.006, (200, 200, 206), shade=0.2, ramp="c")
        pen.rrect(0.36, 0.36, 0.64, 0.74, 0.02, darker(color, 0.06))


def power_bank(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        pen.poly([(0.2, 0.38), (0.3, 0.3), (0.86, 0.3), (0.76, 0.38)], lighter(color, 0.15))
        pen.rrect(0.2, 0.38, 0.76, 0.76, 0.04, color, shade=0.14)
        pen.poly([(0.76, 0.38), (0.86, 0.3), (0.86, 0.68), (0.76, 0.76)], darker(color, 0.18))
        for i in range(4):
            pen.circle(0.34 + i * 0.05, 0.66, 0.01, (80, 200, 240) if i < 3 else (120, 120, 126))
    else:  # its end: the ports, and a cable to a phone
        pen.rrect(0.12, 0.4, 0.5, 0.72, 0.04, color, shade=0.14)
        pen.rrect(0.22, 0.52, 0.3, 0.56, 0.01, (40, 40, 44))
        pen.rrect(0.34, 0.52, 0.44, 0.56, 0.006, (40, 40, 44))
        pen.line([(0.26, 0.54), (0.4, 0.84), (0.66, 0.84), (0.7, 0.7)], 0.012, (240, 240, 240))
        pen.rrect(0.6, 0.2, 0.82, 0.7, 0.03, (40, 40, 46), shade=0.12)
        pen.rrect(0.615, 0.22, 0.805, 0.68, 0.025, (90, 140, 200), shade=0.2, ramp="v")


def cable(pen: Pen, color: RGB, view: str) -> None:
    """A braided USB-C cable: a loose coil, both plugs out in front."""
    braid = (60, 62, 70)
    turns = 2.2 if view == "hero" else 1.2
    coil = []
    for i in range(141):
        t = i / 140
        a = math.pi / 2 + t * turns * 2 * math.pi
        coil.append((0.5 + 0.24 * math.cos(a) + 0.16 * (t - 0.5), 0.42 + 0.2 * math.sin(a)))
    left = [(0.16, 0.74), (0.2, 0.7), (0.3, 0.66), coil[0]]
    right = [coil[-1], (0.7, 0.66), (0.8, 0.7), (0.84, 0.74)]
    for part in (left, coil, right):
        pen.line(part, 0.04, braid)
    for part in (left, coil, right):  # the braid
        for k in range(0, len(part) - 1, 2):
            pen.line([part[k], part[k + 1]], 0.022, lighter(braid, 0.22))
    for x in (0.16, 0.84):
        pen.rrect(x - 0.04, 0.72, x + 0.04, 0.86, 0.018, (206, 208, 214), shade=0.25, ramp="c")
        pen.rrect(x - 0.028, 0.86, x + 0.028, 0.92, 0.014, (160, 162, 170), shade=0.2, ramp="c")
        pen.rrect(x - 0.016, 0.875, x + 0.016, 0.9, 0.008, (40, 40, 44))


def phone_case(pen: Pen, color: RGB, view: str) -> None:
    clear = color == (220, 228, 234)
    alpha = 150 if clear else 255
    x = 0.32 if view == "hero" else 0.3
    pen.rrect(x, 0.08, x + 0.36, 0.92, 0.06, color, shade=0.12, alpha=alpha)
    pen.rrect(
        x + 0.03,
        0.11,
        x + 0.33,
        0.89,
        0.05,
        lighter(color, 0.1) if not clear else (236, 240, 244),
        alpha=alpha,
    )
    pen.rrect(x + 0.03, 0.11, x + 0.17, 0.27, 0.035, (30, 30, 34))  # the camera cut-out
    ring = (200, 200, 206) if clear else darker(color, 0.2)
    pen.circle(x + 0.18, 0.55, 0.1, ring)
    pen.circle(
        x + 0.18, 0.55, 0.088, lighter(color, 0.1) if not clear else (236, 240, 244), alpha=alpha
    )
    pen.rrect(x + 0.17, 0.66, x + 0.19, 0.72, 0.006, ring)
    pen.glow(x + 0.04, 0.14, x + 0.12, 0.86, alpha=90, blur=0.01)
    if view != "hero":  # the buttons on the side
        for y0 in (0.24, 0.34):
            pen.rrect(x + 0.355, y0, x + 0.37, y0 + 0.07, 0.004, darker(color, 0.15))


def protector(pen: Pen, color: RGB, view: str) -> None:
    glass = (214, 230, 240)
    for i in range(2):
        dx = i * 0.14
        pen.rrect(
            0.2 + dx, 0.1 + i * 0.06, 0.56 + dx, 0.84 + i * 0.06, 0.06, glass, shade=0.1, alpha=170
        )
        pen.rrect(
            0.22 + dx,
            0.12 + i * 0.06,
            0.54 + dx,
            0.82 + i * 0.06,
            0.05,
            mix(glass, (40, 44, 54), 0.7 if color == (40, 40, 40) else 0.1),
            alpha=120,
        )
        pen.circle(0.38 + dx, 0.14 + i * 0.06, 0.008, (60, 60, 70))
        pen.glow(0.24 + dx, 0.14 + i * 0.06, 0.34 + dx, 0.5 + i * 0.06, alpha=140, blur=0.01)
    if view != "hero":  # the applicator frame
        pen.rrect(0.06, 0.6, 0.4, 0.9, 0.02, (60, 60, 66), shade=0.1)
        pen.rrect(0.1, 0.64, 0.36, 0.86, 0.02, (236, 238, 240))


ART: dict[str, ProductArt] = {
    "FreeBuds Pro 3": ProductArt(
        freebuds, (230, 234, 238), (240, 238, 232), focus=(0.5, 0.48), scene="desk", zoom=2.0
    ),
    "WH-1000XM5": ProductArt(
        over_ear, (228, 228, 234), (42, 43, 48), focus=(0.72, 0.64), scene="desk"
    ),
    "Lolli3": ProductArt(
        lolli, (236, 234, 238), (238, 238, 234), focus=(0.5, 0.46), scene="desk", zoom=2.0
    ),
    "65W 充电器": ProductArt(
        charger, (230, 234, 238), (238, 238, 234), focus=(0.48, 0.5), scene="desk"
    ),
    "充电宝": ProductArt(
        power_bank, (232, 234, 238), (238, 238, 236), focus=(0.4, 0.6), scene="desk"
    ),
    "快充线": ProductArt(cable, (232, 234, 238), (60, 62, 70), focus=(0.22, 0.78), scene="desk"),
    "磁吸手机壳": ProductArt(
        phone_case, (230, 234, 240), (220, 228, 234), focus=(0.5, 0.5), scene="desk"
    ),
    "钢化膜": ProductArt(protector, (230, 236, 242), (40, 40, 40), focus=(0.45, 0.3), scene="desk"),
}

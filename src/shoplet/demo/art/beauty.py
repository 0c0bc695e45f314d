"""Beauty: a dropper serum, a cream jar, a sunscreen tube, loose powder, a slim lipstick, two
perfumes."""

from __future__ import annotations

import math

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter, mix
from shoplet.demo.art.shapes import bottle

GOLD: RGB = (214, 180, 110)


def serum(pen: Pen, color: RGB, view: str) -> None:
    if view != "hero":
        pen.ellipse(0.2, 0.7, 0.8, 0.84, lighter(color, 0.5), alpha=120)  # a drop on the floor
        pen.circle(0.62, 0.62, 0.05, lighter(color, 0.2), alpha=170)
        pen.glow(0.59, 0.58, 0.62, 0.61, alpha=200, blur=0.004)
    cx = 0.42 if view != "hero" else 0.5
    body = bottle(pen, cx, 0.34, 0.86, 0.3, color, neck=0.4, cap=(245, 245, 242), shoulder=0.12)
    pen.clip(body, lambda p: p.rrect(0, 0.56, 1, 0.74, 0, (250, 246, 236), shade=0.06))
    pen.circle(cx, 0.65, 0.04, mix(color, (255, 255, 255), 0.3), shade=0.3)
    pen.rrect(
        cx - 0.035, 0.12, cx + 0.035, 0.36, 0.03, (248, 248, 246), shade=0.25, ramp="c"
    )  # bulb
    pen.rrect(cx - 0.075, 0.3, cx + 0.075, 0.4, 0.01, GOLD, shade=0.25, ramp="c")


def cream(pen: Pen, color: RGB, view: str) -> None:
    if view != "hero":  # lid off: the cream inside
        pen.ellipse(0.12, 0.58, 0.88, 0.86, (246, 246, 244), shade=0.15, ramp="c")
        pen.ellipse(0.12, 0.5, 0.88, 0.66, (236, 236, 232))
        pen.ellipse(0.16, 0.52, 0.84, 0.64, (252, 250, 246), shade=0.08)
        pen.poly([(0.45, 0.58), (0.5, 0.52), (0.56, 0.56), (0.52, 0.6)], (240, 238, 232))
        pen.ellipse(0.55, 0.28, 0.95, 0.44, color, shade=0.2)
        return
    pen.rrect(0.16, 0.52, 0.84, 0.82, 0.06, (248, 248, 246), shade=0.16, ramp="c")
    pen.rrect(0.14, 0.38, 0.86, 0.55, 0.05, color, shade=0.2, ramp="c")
    pen.ellipse(0.14, 0.33, 0.86, 0.43, lighter(color, 0.15))
    pen.rrect(0.34, 0.62, 0.66, 0.7, 0.01, mix(color, (250, 250, 250), 0.4))


def sunscreen(pen: Pen, color: RGB, view: str) -> None:
    turn = view != "hero"
    x = 0.5 if not turn else 0.44
    tube = [(x - 0.16, 0.1), (x + 0.16, 0.1), (x + 0.12, 0.68), (x - 0.12, 0.68)]
    shape = pen.poly(tube, (250, 250, 248), shade=0.16, ramp="c")
    pen.clip(
        shape, lambda p: p.poly([(0, 0.35), (1, 0.25), (1, 0.55), (0, 0.65)], color, shade=0.1)
    )
    pen.rrect(x - 0.165, 0.08, x + 0.165, 0.12, 0.004, (236, 236, 232))
    pen.rrect(x - 0.12, 0.68, x + 0.12, 0.86, 0.03, darker(color, 0.1), shade=0.2, ramp="c")
    if turn:
        pen.ellipse(0.58, 0.76, 0.86, 0.84, (252, 250, 244), shade=0.1)  # a dab of lotion
        pen.glow(0.62, 0.76, 0.72, 0.8, alpha=160, blur=0.005)
    pen.glow(x - 0.12, 0.16, x - 0.06, 0.62, alpha=100, blur=0.01)


def powder(pen: Pen, color: RGB, view: str) -> None:
    if view != "hero":
        pen.ellipse(0.1, 0.5, 0.9, 0.82, (240, 236, 232), shade=0.12, ramp="c")
        pen.ellipse(0.14, 0.48, 0.86, 0.7, color, shade=0.12)
        for i in range(30):
            pen.circle(
                0.2 + (i * 37 % 60) / 100, 0.52 + (i * 13 % 16) / 100, 0.004, lighter(color, 0.4)
            )
        pen.ellipse(0.5, 0.2, 0.9, 0.42, (248, 240, 236), shade=0.15)  # the puff
        pen.rrect(0.66, 0.24, 0.74, 0.3, 0.02, GOLD)
        return
    pen.rrect(0.18, 0.52, 0.82, 0.8, 0.04, (246, 242, 236), shade=0.14, ramp="c")
    pen.rrect(0.16, 0.36, 0.84, 0.54, 0.05, mix(color, (120, 80, 70), 0.35), shade=0.2, ramp="c")
    pen.ellipse(0.16, 0.3, 0.84, 0.42, mix(color, (120, 80, 70), 0.2), shade=0.1)
    for i in range(6):  # a relief flower on the lid
        a = i * math.pi / 3
        pen.circle(0.5 + 0.06 * math.cos(a), 0.36 + 0.02 * math.sin(a), 0.03, GOLD, shade=0.2)
    pen.ellipse(0.3, 0.58, 0.7, 0.74, color, alpha=140)


def lipstick(pen: Pen, color: RGB, view: str) -> None:
    case = (30, 30, 34)
    if view != "hero":  # lying down, cap off, bullet out
        pen.rrect(0.1, 0.56, 0.44, 0.66, 0.012, case, shade=0.25, ramp="v")
        pen.rrect(0.44, 0.565, 0.52, 0.655, 0.006, GOLD, shade=0.25, ramp="v")
        pen.poly([(0.52, 0.57), (0.7, 0.57), (0.76, 0.6), (0.52, 0.65)], color, shade=0.2, ramp="v")
        pen.rrect(0.58, 0.42, 0.9, 0.52, 0.012, case, shade=0.25, ramp="v")
        pen.ellipse(0.2, 0.76, 0.6, 0.8, color, alpha=150)  # a swatch
        return
    pen.rrect(0.44, 0.42, 0.56, 0.88, 0.012, case, shade=0.3, ramp="c")
    pen.rrect(0.44, 0.4, 0.56, 0.46, 0.006, GOLD, shade=0.3, ramp="c")
    pen.poly(
        [(0.455, 0.4), (0.545, 0.4), (0.545, 0.24), (0.455, 0.18)], color, shade=0.25, ramp="c"
    )
    pen.rrect(0.62, 0.32, 0.74, 0.88, 0.012, case, shade=0.3, ramp="c")  # the cap beside
    pen.glow(0.45, 0.44, 0.47, 0.86, alpha=120, blur=0.004)


def perfume_square(pen: Pen, color: RGB, view: str) -> None:
    glass = mix(color, (230, 236, 240), 0.6)
    x = 0.5 if view == "hero" else 0.4
    if view != "hero":  # its box behind
        pen.rrect(0.56, 0.26, 0.9, 0.86, 0.01, (244, 242, 236), shade=0.1)
        pen.rrect(0.56, 0.5, 0.9, 0.56, 0.0, color)
    pen.rrect(x - 0.22, 0.36, x + 0.22, 0.86, 0.04, glass, shade=0.12, ramp="c", alpha=235)
    pen.rrect(x - 0.18, 0.46, x + 0.18, 0.82, 0.03, color, shade=0.2, ramp="v", alpha=200)
    pen.rrect(x - 0.05, 0.28, x + 0.05, 0.37, 0.005, (200, 200, 204), shade=0.2, ramp="c")
    pen.rrect(x - 0.11, 0.12, x + 0.11, 0.3, 0.02, (232, 228, 220), shade=0.2, ramp="c")  # cap
    pen.glow(x - 0.19, 0.4, x - 0.12, 0.82, alpha=140, blur=0.01)


def perfume_round(pen: Pen, color: RGB, view: str) -> None:
    x = 0.5 if view == "hero" else 0.4
    pen.circle(x, 0.6, 0.25, (226, 236, 240), shade=0.12, ramp="r", alpha=235)
    pen.circle(x, 0.63, 0.2, mix(color, (200, 225, 236), 0.5), shade=0.15, alpha=210)
    pen.rrect(x - 0.05, 0.28, x + 0.05, 0.37, 0.005, (196, 198, 204), shade=0.2, ramp="c")
    pen.rrect(x - 0.08, 0.16, x + 0.08, 0.3, 0.015, (206, 208, 214), shade=0.3, ramp="c")
    pen.glow(x - 0.18, 0.45, x - 0.06, 0.62, alpha=150, blur=0.012)
    if view != "hero":
        pen.circle(0.76, 0.72, 0.12, (226, 236, 240), shade=0.12, ramp="r", alpha=235)
        pen.rrect(0.74, 0.54, 0.78, 0.61, 0.004, (196, 198, 204))


ART: dict[str, ProductArt] = {
    "双抗精华": ProductArt(
        serum, (246, 232, 222), (214, 130, 60), focus=(0.5, 0.32), scene="vanity"
    ),
    "修护面霜": ProductArt(
        cream, (228, 238, 236), (90, 160, 150), focus=(0.5, 0.5), scene="vanity", zoom=1.8
    ),
    "清透防晒": ProductArt(
        sunscreen, (236, 236, 226), (240, 160, 60), focus=(0.5, 0.4), scene="outdoor"
    ),
    "空气蜜粉": ProductArt(
        powder, (240, 230, 226), (232, 200, 170), focus=(0.5, 0.42), scene="vanity", zoom=1.8
    ),
    "小细跟口红": ProductArt(
        lipstick, (240, 226, 226), (170, 36, 40), focus=(0.5, 0.3), scene="vanity"
    ),
    "昆仑煮雪": ProductArt(
        perfume_square, (230, 234, 238), (206, 220, 226), focus=(0.5, 0.3), scene="vanity"
    ),
    "凉白开": ProductArt(
        perfume_round, (232, 238, 240), (180, 214, 228), focus=(0.45, 0.35), scene="vanity"
    ),
}

"""Food: nuts, pork jerky, spicy strips, a tea tin, sparkling water, drip coffee, apples,
mangoes, a rice sack, a jug of peanut oil."""

from __future__ import annotations

import math

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter, mix
from shoplet.demo.art.shapes import bottle, box3d, can, label_band, pouch

NUT: RGB = (196, 150, 96)


def almond(pen: Pen, x: float, y: float, s: float, turn: float = 0) -> None:
    pts = []
    for i in range(24):
        a = i * 2 * math.pi / 24
        r = s * (1 - 0.35 * math.sin(a) ** 2) * (1 + 0.25 * math.cos(a))
        pts.append((x + r * math.cos(a + turn) * 0.6, y + r * math.sin(a + turn)))
    pen.poly(pts, (166, 110, 64), shade=0.25)


def cashew(pen: Pen, x: float, y: float, s: float) -> None:
    pen.line(
        [
            (x - s, y - s * 0.4),
            (x - s * 0.3, y + s * 0.5),
            (x + s * 0.6, y + s * 0.3),
            (x + s, y - s * 0.5),
        ],
        s * 0.9,
        (232, 206, 160),
    )


def nuts(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        shape = pouch(pen, 0.48, 0.14, 0.8, 0.46, color)
        pen.clip(shape, lambda p: p.rrect(0.3, 0.42, 0.66, 0.7, 0.04, (250, 244, 232)))
        for i in range(12):
            almond(pen, 0.34 + (i % 6) * 0.056, 0.5 + (i // 6) * 0.1, 0.03, i)
    else:
        for i in range(7):  # the little daily packs fanned out
            x = 0.2 + i * 0.09
            pen.rrect(
                x,
                0.3 + (i % 2) * 0.04,
                x + 0.16,
                0.68 + (i % 2) * 0.04,
                0.02,
                lighter(color, 0.05 * i),
                shade=0.15,
            )
            pen.rrect(
                x + 0.03,
                0.44 + (i % 2) * 0.04,
                x + 0.13,
                0.56 + (i % 2) * 0.04,
                0.01,
                (250, 244, 232),
            )
    for i in range(5):  # a few loose nuts in front
        almond(pen, 0.26 + i * 0.11, 0.84 + (i % 2) * 0.03, 0.03, i * 0.7)
        cashew(pen, 0.3 + i * 0.11, 0.78 - (i % 2) * 0.02, 0.02)


def jerky(pen: Pen, color: RGB, view: str) -> None:
    meat = (150, 60, 40) if color != (200, 60, 40) else (160, 44, 30)
    if view == "hero":
        pack = pen.rrect(0.16, 0.14, 0.84, 0.8, 0.03, mix(color, (250, 240, 220), 0.3), shade=0.14)
        pen.clip(pack, lambda p: p.rrect(0, 0.14, 1, 0.26, 0, color))
        pen.rrect(0.26, 0.34, 0.74, 0.72, 0.03, (246, 236, 220))
        for i in range(3):
            pen.rrect(
                0.3 + i * 0.02,
                0.38 + i * 0.08,
                0.7 + i * 0.01,
                0.52 + i * 0.08,
                0.03,
                lighter(meat, 0.05 * i),
                shade=0.25,
            )
    for i in range(3):  # sheets of jerky in front
        x = 0.14 + i * 0.24
        y = 0.74 if view == "hero" else 0.34 + i * 0.14
        pen.rrect(x, y, x + 0.3, y + 0.16, 0.03, meat, shade=0.3)
        for j in range(12):
            pen.circle(
                x + 0.03 + (j * 37 % 24) / 100,
                y + 0.03 + (j * 11 % 10) / 100,
                0.005,
                (200, 160, 90),
            )
        pen.glow(x + 0.04, y + 0.02, x + 0.2, y + 0.06, alpha=80, blur=0.01)


def spicy(pen: Pen, color: RGB, view: str) -> None:
    red = (206, 40, 34)
    if view == "hero":
        for i, x in enumerate((0.12, 0.4)):
            pack = pen.rrect(x, 0.18 + i * 0.06, x + 0.34, 0.74 + i * 0.06, 0.02, red, shade=0.16)
            pen.clip(
                pack,
                lambda p: p.poly(
                    [(x, 0.5), (x + 0.4, 0.4), (x + 0.4, 0.55), (x, 0.65)], (246, 200, 60)
                ),
            )
        pen.rrect(0.6, 0.3, 0.88, 0.82, 0.02, darker(red, 0.1), shade=0.16)
    for i in range(6):  # the strips
        x = 0.16 + i * 0.11
        pen.poly(
            [(x, 0.8), (x + 0.18, 0.74), (x + 0.2, 0.78), (x + 0.02, 0.84)],
            (170, 50, 30),
            shade=0.2,
        )
        for j in range(4):
            pen.circle(x + 0.04 + j * 0.035, 0.79 - j * 0.01, 0.005, (220, 120, 60))
    if view != "hero":
        for i in range(3):
            pen.rrect(0.14 + i * 0.25, 0.2, 0.36 + i * 0.25, 0.66, 0.02, red, shade=0.16)


def tea(pen: Pen, color: RGB, view: str) -> None:
    green = (70, 120, 80)
    x = 0.4 if view == "hero" else 0.36
    body = can(pen, x, 0.22, 0.76, 0.17, green, lid=(196, 170, 110))
    label_band(pen, body, 0.38, 0.6, (236, 226, 200))
    pen.clip(
        body,
        lambda p: p.poly(
            [
                (x - 0.1, 0.58),
                (x - 0.02, 0.44),
                (x + 0.04, 0.52),
                (x + 0.1, 0.42),
                (x + 0.16, 0.58),
            ],
            (120, 150, 120),
        ),
    )  # hills
    pen.ellipse(0.5, 0.7, 0.9, 0.86, (244, 244, 240), shade=0.15)  # a dish of leaves
    for i in range(9):
        lx, ly = 0.58 + (i % 5) * 0.05, 0.74 + (i // 5) * 0.04
        pen.poly([(lx, ly), (lx + 0.03, ly - 0.015), (lx + 0.06, ly)], (110, 150, 70), shade=0.2)
    if view != "hero":
        pen.rrect(0.6, 0.3, 0.86, 0.66, 0.02, mix(green, (255, 255, 255), 0.1), shade=0.15)


def sparkling(pen: Pen, color: RGB, view: str) -> None:
    xs = (0.5,) if view == "hero" else (0.26, 0.5, 0.74)
    for x in xs:
        w = 0.24 if view == "hero" else 0.18
        body = bottle(
            pen,
            x,
            0.1 if view == "hero" else 0.22,
            0.88,
            w,
            (222, 236, 242),
            neck=0.35,
            cap=color,
            shoulder=0.22,
        )
        label_band(pen, body, 0.5, 0.68, color)
        pen.clip(body, lambda p: p.circle(x, 0.59, 0.04, lighter(color, 0.5)))
        for i in range(6):  # bubbles
            pen.circle(
                x - 0.05 + (i * 37 % 10) / 100, 0.35 + i * 0.025, 0.006, (250, 252, 255), alpha=200
            )


def coffee(pen: Pen, color: RGB, view: str) -> None:
    brown = (110, 70, 44)
    if view == "hero":
        front = box3d(pen, 0.14, 0.36, 0.42, 0.46, 0.12, (236, 226, 208))
        pen.clip(front, lambda p: p.circle(0.35, 0.6, 0.1, brown, shade=0.2))
        pen.clip(front, lambda p: p.rrect(0.14, 0.36, 0.56, 0.42, 0, brown))
    # a drip bag on a cup
    cx = 0.72 if view == "hero" else 0.5
    pen.rrect(cx - 0.14, 0.6, cx + 0.14, 0.86, 0.05, (250, 250, 248), shade=0.16, ramp="c")
    pen.ellipse(cx - 0.14, 0.56, cx + 0.14, 0.64, (90, 56, 36))
    pen.rrect(cx - 0.1, 0.36, cx + 0.1, 0.6, 0.01, (248, 244, 236), shade=0.08)
    pen.line([(cx - 0.1, 0.42), (cx - 0.16, 0.58)], 0.006, (240, 236, 228))
    pen.line([(cx + 0.1, 0.42), (cx + 0.16, 0.58)], 0.006, (240, 236, 228))
    pen.rrect(cx - 0.06, 0.4, cx + 0.06, 0.46, 0.004, brown)
    if view != "hero":
        for i in range(12):
            pen.ellipse(0.14 + i * 0.02, 0.8, 0.17 + i * 0.02, 0.83, (80, 50, 30), shade=0.2)


def apple(pen: Pen, x: float, y: float, r: float) -> None:
    red = (200, 40, 40)
    pts = []
    for i in range(48):
        a = i * 2 * math.pi / 48
        k = 1 - 0.12 * max(0.0, -math.sin(a)) ** 6
        pts.append(
            (
                x + r * math.cos(a) * 1.04 * k,
                y + r * math.sin(a) * (0.95 if math.sin(a) > 0 else 0.9) * k,
            )
        )
    shape = pen.poly(pts, red, shade=0.25, ramp="r")

    def stripes(p: Pen) -> None:
        for i in range(9):
            sx = x - r + i * r * 0.25
            p.fill(
                p.mask_line([(sx, y - r), (sx + r * 0.1, y + r)], r * 0.06),
                (236, 150, 70),
                alpha=70,
            )
        p.ellipse(x - r * 0.6, y - r * 0.8, x + r * 0.1, y - r * 0.1, (240, 120, 90), alpha=120)

    pen.clip(shape, stripes)
    pen.line([(x, y - r * 0.75), (x + r * 0.08, y - r * 1.05)], r * 0.07, (100, 70, 40))
    pen.ellipse(x + r * 0.08, y - r * 1.08, x + r * 0.5, y - r * 0.88, (90, 150, 70), shade=0.2)
    pen.glow(x - r * 0.6, y - r * 0.6, x - r * 0.2, y - r * 0.2, alpha=150, blur=r * 0.1)


def apples(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        for x, y, r in ((0.32, 0.56, 0.16), (0.66, 0.56, 0.16), (0.5, 0.72, 0.17)):
            apple(pen, x, y, r)
    else:  # in a crate
        pen.poly([(0.1, 0.5), (0.9, 0.5), (0.84, 0.86), (0.16, 0.86)], (210, 170, 120), shade=0.15)
        for i, (x, r) in enumerate(((0.24, 0.12), (0.44, 0.13), (0.64, 0.12), (0.82, 0.11))):
            apple(pen, x, 0.46 - (i % 2) * 0.03, r)
        for i in range(3):
            pen.rrect(
                0.1 + i * 0.02,
                0.56 + i * 0.1,
                0.9 - i * 0.02,
                0.6 + i * 0.1,
                0.004,
                (190, 150, 100),
            )


def mango(pen: Pen, x: float, y: float, s: float, turn: float) -> None:
    pts = []
    for i in range(48):
        a = i * 2 * math.pi / 48
        rx = s * (1.0 + 0.18 * math.cos(a))
        ry = s * 0.62 * (1 + 0.2 * math.sin(a) * math.cos(a))
        px, py = rx * math.cos(a), ry * math.sin(a)
        pts.append(
            (
                x + px * math.cos(turn) - py * math.sin(turn),
                y + px * math.sin(turn) + py * math.cos(turn),
            )
        )
    shape = pen.poly(pts, (236, 190, 50), shade=0.2, ramp="r")
    pen.clip(
        shape,
        lambda p: p.ellipse(
            x + s * 0.2, y - s * 0.8, x + s * 1.4, y + s * 0.6, (150, 170, 60), alpha=150
        ),
    )
    pen.clip(
        shape,
        lambda p: p.ellipse(
            x - s * 1.0, y - s * 0.6, x - s * 0.1, y + s * 0.3, (240, 120, 60), alpha=110
        ),
    )
    pen.glow(x - s * 0.6, y - s * 0.5, x - s * 0.1, y - s * 0.2, alpha=130, blur=s * 0.1)


def mangoes(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        mango(pen, 0.38, 0.5, 0.22, -0.3)
        mango(pen, 0.6, 0.66, 0.24, 0.2)
    else:  # one cut open: the hedgehog cubes
        mango(pen, 0.3, 0.56, 0.2, -0.2)
        pen.ellipse(0.48, 0.48, 0.88, 0.82, (248, 180, 40), shade=0.2, ramp="r")
        for i in range(5):
            for j in range(4):
                pen.rrect(
                    0.53 + i * 0.065,
                    0.52 + j * 0.07,
                    0.58 + i * 0.065,
                    0.57 + j * 0.07,
                    0.008,
                    (250, 196, 60),
                    shade=0.2,
                )


def rice(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        sack = pen.poly(
            [(0.22, 0.16), (0.66, 0.16), (0.7, 0.84), (0.18, 0.84)], (246, 242, 232), shade=0.12
        )
        pen.clip(sack, lambda p: p.rrect(0, 0.5, 1, 0.64, 0, (70, 130, 80), shade=0.1))
        pen.clip(sack, lambda p: p.circle(0.44, 0.36, 0.08, (220, 180, 80), shade=0.2))
        pen.rrect(0.22, 0.14, 0.66, 0.2, 0.01, (226, 220, 206))
        pen.line([(0.35, 0.16), (0.53, 0.16)], 0.012, (120, 100, 80))
    bx = 0.74 if view == "hero" else 0.5
    pen.ellipse(bx - 0.18, 0.64, bx + 0.18, 0.7, (250, 250, 248))
    pen.poly(
        [(bx - 0.18, 0.67), (bx + 0.18, 0.67), (bx + 0.1, 0.86), (bx - 0.1, 0.86)],
        (70, 110, 160),
        shade=0.15,
    )
    pen.ellipse(bx - 0.16, 0.6, bx + 0.16, 0.7, (252, 252, 250), shade=0.06)
    for i in range(30):
        pen.ellipse(
            bx - 0.13 + (i * 37 % 26) / 100,
            0.6 + (i * 7 % 8) / 100,
            bx - 0.115 + (i * 37 % 26) / 100,
            0.607 + (i * 7 % 8) / 100,
            (236, 234, 226),
        )


def oil(pen: Pen, color: RGB, view: str) -> None:
    x0 = 0.24 if view == "hero" else 0.3
    jug = pen.poly(
        [
            (x0, 0.3),
            (x0 + 0.14, 0.22),
            (x0 + 0.36, 0.22),
            (x0 + 0.5, 0.3),
            (x0 + 0.52, 0.86),
            (x0 - 0.02, 0.86),
        ],
        (230, 190, 60),
        shade=0.18,
        ramp="c",
        alpha=240,
    )
    pen.clip(
        jug, lambda p: p.poly([(0, 0.52), (1, 0.5), (1, 0.72), (0, 0.74)], (200, 40, 40), shade=0.1)
    )
    pen.clip(jug, lambda p: p.circle(x0 + 0.25, 0.62, 0.06, (240, 210, 90)))
    pen.rrect(x0 + 0.3, 0.16, x0 + 0.46, 0.24, 0.01, (200, 40, 40), shade=0.2, ramp="c")  # cap
    pen.line(
        [(x0 + 0.04, 0.3), (x0 + 0.1, 0.14), (x0 + 0.26, 0.14), (x0 + 0.28, 0.22)],
        0.03,
        (236, 200, 80),
    )
    pen.glow(x0 + 0.03, 0.34, x0 + 0.1, 0.8, alpha=110, blur=0.01)
    if view != "hero":
        for i in range(5):
            pen.ellipse(0.06 + i * 0.04, 0.82, 0.1 + i * 0.04, 0.86, (196, 140, 80), shade=0.2)


ART: dict[str, ProductArt] = {
    "每日坚果": ProductArt(nuts, (244, 234, 216), (230, 120, 50), focus=(0.5, 0.58), scene="desk"),
    "猪肉脯": ProductArt(jerky, (244, 232, 220), (196, 120, 72), focus=(0.42, 0.8), scene="desk"),
    "辣条礼包": ProductArt(spicy, (246, 228, 216), (206, 40, 34), focus=(0.45, 0.78), scene="desk"),
    "明前龙井": ProductArt(tea, (226, 236, 222), (70, 120, 80), focus=(0.68, 0.76), scene="shelf"),
    "气泡水": ProductArt(
        sparkling, (226, 238, 240), (246, 190, 180), focus=(0.5, 0.5), scene="kitchen"
    ),
    "挂耳咖啡": ProductArt(coffee, (238, 230, 220), (110, 70, 44), focus=(0.72, 0.5), scene="desk"),
    "红富士苹果": ProductArt(
        apples, (246, 232, 226), (200, 40, 40), focus=(0.36, 0.5), scene="kitchen"
    ),
    "金煌芒果": ProductArt(
        mangoes, (246, 238, 214), (236, 190, 50), focus=(0.4, 0.48), scene="kitchen"
    ),
    "五常大米": ProductArt(
        rice, (240, 236, 224), (246, 242, 232), focus=(0.74, 0.66), scene="kitchen"
    ),
    "花生油": ProductArt(oil, (244, 238, 220), (230, 190, 60), focus=(0.46, 0.5), scene="kitchen"),
}

"""Home: a non-stick wok, a knife block, an IH rice cooker, a bedding set, a latex pillow,
folding storage boxes, vacuum bags."""

from __future__ import annotations

import math

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter

STEEL: RGB = (196, 200, 206)
WOOD: RGB = (176, 128, 84)


def wok(pen: Pen, color: RGB, view: str) -> None:
    coat = (72, 70, 72)
    if view == "hero":
        pen.poly(
            [(0.12, 0.5), (0.7, 0.5), (0.62, 0.72), (0.2, 0.72)], (60, 60, 64), shade=0.25, ramp="v"
        )
        pen.ellipse(0.1, 0.4, 0.72, 0.6, (90, 90, 94))
        inner = pen.ellipse(0.13, 0.42, 0.69, 0.58, coat, shade=0.15)
        pen.clip(
            inner,
            lambda p: (
                [
                    p.circle(
                        0.15 + (i * 37 % 54) / 100,
                        0.43 + (i * 13 % 15) / 100,
                        0.004,
                        (150, 146, 140),
                    )
                    for i in range(60)
                ]
                and None
            ),
        )
        pen.glow(0.2, 0.44, 0.4, 0.5, alpha=90, blur=0.01)
        pen.line([(0.7, 0.5), (0.92, 0.4)], 0.045, WOOD)
        pen.circle(0.92, 0.4, 0.022, WOOD)
    else:  # top view: the stone coating
        pen.circle(0.44, 0.5, 0.34, (90, 90, 94), shade=0.2)
        inner = pen.circle(0.44, 0.5, 0.31, coat, shade=0.2, ramp="r")
        pen.clip(
            inner,
            lambda p: (
                [
                    p.circle(
                        0.15 + (i * 37 % 60) / 100,
                        0.2 + (i * 53 % 60) / 100,
                        0.005,
                        (150, 146, 140),
                    )
                    for i in range(160)
                ]
                and None
            ),
        )
        pen.line([(0.76, 0.5), (0.96, 0.5)], 0.05, WOOD)


def knives(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        for i, (dx, h) in enumerate(
            ((0.0, 0.2), (0.07, 0.16), (0.14, 0.13), (0.2, 0.1), (0.26, 0.08))
        ):
            x = 0.3 + dx
            pen.rrect(
                x,
                0.16 + i * 0.025,
                x + 0.05,
                0.16 + i * 0.025 + h,
                0.015,
                (36, 36, 40),
                shade=0.25,
                ramp="c",
            )
            pen.circle(x + 0.025, 0.2 + i * 0.025, 0.006, STEEL)
        pen.poly([(0.24, 0.36), (0.64, 0.3), (0.72, 0.84), (0.3, 0.86)], WOOD, shade=0.2)
        pen.poly([(0.64, 0.3), (0.7, 0.34), (0.78, 0.82), (0.72, 0.84)], darker(WOOD, 0.25))
    else:  # laid out
        for i, length in enumerate((0.62, 0.54, 0.46, 0.38, 0.3)):
            y = 0.22 + i * 0.13
            pen.rrect(0.1, y, 0.3, y + 0.06, 0.02, (36, 36, 40), shade=0.25, ramp="v")
            pen.poly(
                [
                    (0.3, y + 0.005),
                    (0.3 + length, y + 0.035),
                    (0.3 + length - 0.04, y + 0.06),
                    (0.3, y + 0.06),
                ],
                STEEL,
                shade=0.25,
                ramp="v",
            )
            pen.glow(0.32, y + 0.01, 0.3 + length * 0.8, y + 0.025, alpha=150, blur=0.003)


def cooker(pen: Pen, color: RGB, view: str) -> None:
    body = (244, 244, 242)
    if view == "hero":
        pen.rrect(0.16, 0.4, 0.84, 0.84, 0.12, body, shade=0.16, ramp="c")
        pen.ellipse(0.14, 0.26, 0.86, 0.52, (236, 236, 232), shade=0.14)
        pen.rrect(0.4, 0.3, 0.6, 0.36, 0.02, (60, 60, 64))
        pen.rrect(0.3, 0.56, 0.7, 0.74, 0.03, (40, 42, 48), shade=0.1)  # panel
        pen.rrect(0.42, 0.6, 0.58, 0.66, 0.01, (240, 130, 60))
        for i in range(3):
            pen.circle(0.37 + i * 0.13, 0.7, 0.012, (200, 200, 206))
    else:  # lid open, the inner pot with rice
        pen.ellipse(0.18, 0.08, 0.82, 0.5, (236, 236, 232), shade=0.14)
        pen.ellipse(0.26, 0.16, 0.74, 0.42, (210, 212, 216))
        pen.rrect(0.16, 0.46, 0.84, 0.86, 0.12, body, shade=0.16, ramp="c")
        pen.ellipse(0.18, 0.4, 0.82, 0.56, (230, 230, 228))
        pen.ellipse(0.22, 0.42, 0.78, 0.54, (60, 60, 64))
        pen.ellipse(0.25, 0.43, 0.75, 0.53, (250, 250, 246), shade=0.06)


def bedding(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":  # a made bed
        pen.rrect(0.06, 0.36, 0.94, 0.78, 0.02, darker(color, 0.35), shade=0.1)  # frame
        pen.rrect(0.04, 0.18, 0.96, 0.42, 0.03, lighter(WOOD, 0.1), shade=0.1)  # headboard
        pen.rrect(0.12, 0.32, 0.44, 0.46, 0.05, lighter(color, 0.5), shade=0.1)
        pen.rrect(0.56, 0.32, 0.88, 0.46, 0.05, lighter(color, 0.5), shade=0.1)
        duvet = pen.poly(
            [(0.06, 0.46), (0.94, 0.46), (0.98, 0.84), (0.02, 0.84)], color, shade=0.12, ramp="v"
        )
        pen.clip(duvet, lambda p: p.rrect(0, 0.46, 1, 0.56, 0, lighter(color, 0.45)))
        pen.line([(0.2, 0.64), (0.4, 0.7)], 0.005, darker(color, 0.25), alpha=80)
    else:  # folded stack: duvet cover, sheet, two pillowcases
        for i, tone in enumerate((0.0, 0.35, 0.5, 0.2)):
            y = 0.74 - i * 0.12
            pen.rrect(
                0.2 + i * 0.02,
                y - 0.12,
                0.8 - i * 0.02,
                y,
                0.02,
                lighter(color, tone),
                shade=0.14,
                ramp="v",
            )
            pen.line(
                [(0.2 + i * 0.02, y - 0.06), (0.8 - i * 0.02, y - 0.06)],
                0.003,
                darker(color, 0.2),
                alpha=90,
            )


def pillow(pen: Pen, color: RGB, view: str) -> None:
    latex = (246, 240, 222)
    pts = [(0.08, 0.6)]
    for i in range(21):
        x = 0.08 + i * 0.042
        pts.append(
            (x, 0.46 - 0.07 * math.sin(i / 20 * 2 * math.pi) - 0.04 * math.sin(i / 20 * math.pi))
        )
    pts += [(0.92, 0.6), (0.9, 0.72), (0.1, 0.72)]
    if view != "hero":
        piping = (150, 170, 196)
        pen.rrect(0.07, 0.39, 0.93, 0.75, 0.07, piping, shade=0.12)  # in its cover
        cover = pen.rrect(0.08, 0.4, 0.92, 0.74, 0.06, (248, 248, 246), shade=0.16, ramp="v")

        def stripes(p: Pen) -> None:
            for i in range(15):
                p.line([(0.08 + i * 0.06, 0.4), (0.08 + i * 0.06, 0.74)], 0.012, (232, 236, 242))

        pen.clip(cover, stripes)
        pen.line([(0.14, 0.45), (0.86, 0.45)], 0.006, darker(piping, 0.2))  # the zip
        pen.rrect(0.8, 0.43, 0.84, 0.49, 0.008, (200, 200, 206))
        pen.line([(0.3, 0.62), (0.44, 0.66)], 0.006, (214, 214, 210), alpha=120)
        return
    shape = pen.poly(pts, latex, shade=0.14, ramp="v")
    pen.clip(
        shape,
        lambda p: (
            [
                p.circle(0.1 + (i % 20) * 0.042, 0.4 + (i // 20) * 0.06, 0.006, darker(latex, 0.12))
                for i in range(100)
            ]
            and None
        ),
    )


def storage(pen: Pen, color: RGB, view: str) -> None:
    grey = (226, 228, 230)
    if view == "hero":
        for i, (x, y, w) in enumerate(((0.1, 0.56, 0.42), (0.5, 0.56, 0.42), (0.28, 0.26, 0.44))):
            pen.rrect(x, y, x + w, y + 0.3, 0.02, grey, shade=0.12)
            pen.rrect(
                x - 0.01, y - 0.02, x + w + 0.01, y + 0.04, 0.01, lighter(grey, 0.3), shade=0.1
            )
            pen.rrect(x + w * 0.4, y + 0.08, x + w * 0.6, y + 0.12, 0.01, darker(grey, 0.2))
            pen.rrect(
                x + 0.03, y + 0.14, x + w - 0.03, y + 0.26, 0.01, darker(grey, 0.06), alpha=150
            )
            _ = i
    else:  # folded flat
        for i in range(3):
            pen.rrect(
                0.16, 0.7 - i * 0.06, 0.84, 0.75 - i * 0.06, 0.01, darker(grey, 0.03 * i), shade=0.1
            )
        pen.rrect(0.2, 0.24, 0.8, 0.52, 0.02, grey, shade=0.12)  # one open
        pen.rrect(0.18, 0.22, 0.82, 0.28, 0.01, lighter(grey, 0.3))


def vacuum(pen: Pen, color: RGB, view: str) -> None:
    clear = (214, 226, 236)
    if view == "hero":
        bag = pen.rrect(0.12, 0.34, 0.72, 0.82, 0.03, clear, shade=0.1, alpha=220)
        pen.clip(
            bag,
            lambda p: (
                [
                    p.rrect(
                        0.15,
                        0.38 + i * 0.1,
                        0.69,
                        0.46 + i * 0.1,
                        0.03,
                        (236, 200, 200 - i * 20),
                        shade=0.2,
                    )
                    for i in range(4)
                ]
                and None
            ),
        )
        pen.circle(0.56, 0.46, 0.05, (60, 100, 170), shade=0.2)
        pen.circle(0.56, 0.46, 0.025, (230, 234, 240))
        # the hand pump
        pen.rrect(0.76, 0.2, 0.86, 0.7, 0.03, (60, 100, 170), shade=0.2, ramp="c")
        pen.rrect(0.78, 0.12, 0.84, 0.22, 0.01, (200, 204, 210))
        pen.rrect(0.74, 0.1, 0.88, 0.14, 0.01, (60, 100, 170))
    else:  # before and after
        pen.rrect(0.06, 0.2, 0.5, 0.8, 0.08, (246, 232, 226), shade=0.2)
        pen.rrect(0.04, 0.18, 0.52, 0.82, 0.06, clear, alpha=120)
        pen.rrect(0.58, 0.56, 0.94, 0.8, 0.02, (236, 214, 206), shade=0.2)
        pen.rrect(0.57, 0.55, 0.95, 0.81, 0.02, clear, alpha=120)
        pen.circle(0.76, 0.62, 0.03, (60, 100, 170))


ART: dict[str, ProductArt] = {
    "不粘炒锅": ProductArt(
        wok, (234, 230, 226), (72, 70, 72), focus=(0.4, 0.5), scene="kitchen", zoom=2.0
    ),
    "刀具套装": ProductArt(
        knives, (232, 230, 226), (176, 128, 84), focus=(0.42, 0.26), scene="kitchen"
    ),
    "IH电饭煲": ProductArt(
        cooker, (232, 236, 236), (244, 244, 242), focus=(0.5, 0.64), scene="kitchen"
    ),
    "四件套": ProductArt(
        bedding, (230, 232, 236), (142, 164, 186), focus=(0.3, 0.42), scene="bedroom"
    ),
    "乳胶枕": ProductArt(
        pillow, (236, 234, 226), (246, 240, 222), focus=(0.5, 0.5), scene="bedroom"
    ),
    "收纳箱": ProductArt(
        storage, (230, 234, 236), (226, 228, 230), focus=(0.5, 0.4), scene="shelf"
    ),
    "真空压缩袋": ProductArt(
        vacuum, (230, 236, 240), (214, 226, 236), focus=(0.62, 0.46), scene="bedroom"
    ),
}

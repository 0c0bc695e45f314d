"""Baby: two formula cans, two packs of nappies, a brick-built train, a wooden fishing game,
a kick scooter."""

from __future__ import annotations

from shoplet.demo.art.base import Drawer, ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter
from shoplet.demo.art.shapes import can, label_band


def formula(band: RGB, lid: RGB) -> Drawer:
    def draw(pen: Pen, color: RGB, view: str) -> None:
        xs = (0.5,) if view == "hero" else (0.34, 0.66)
        for x in xs:
            body = can(pen, x, 0.28, 0.84, 0.2 if view == "hero" else 0.15, color, lid=lid)
            label_band(pen, body, 0.46, 0.7, band)
            pen.clip(body, lambda p: p.circle(x, 0.58, 0.06, (250, 250, 246), shade=0.1))
            pen.clip(body, lambda p: p.circle(x, 0.58, 0.035, lighter(band, 0.3)))
        if view != "hero":  # the scoop
            pen.ellipse(0.4, 0.86, 0.56, 0.92, (246, 246, 244), shade=0.2)
            pen.line([(0.55, 0.89), (0.7, 0.87)], 0.012, (246, 246, 244))

    return draw


def nappies(color: RGB) -> Drawer:
    def draw(pen: Pen, _: RGB, view: str) -> None:
        if view == "hero":
            bag = pen.rrect(0.18, 0.16, 0.82, 0.84, 0.08, color, shade=0.14)
            pen.clip(bag, lambda p: p.circle(0.5, 0.56, 0.2, (250, 250, 252), shade=0.1))
            pen.clip(
                bag, lambda p: p.circle(0.5, 0.54, 0.1, (250, 214, 170), shade=0.15, ramp="r")
            )  # a baby's face
            pen.circle(0.46, 0.53, 0.008, (60, 50, 50))
            pen.circle(0.54, 0.53, 0.008, (60, 50, 50))
            pen.line([(0.47, 0.58), (0.5, 0.59), (0.53, 0.58)], 0.005, (200, 110, 100))
            pen.rrect(0.36, 0.1, 0.64, 0.2, 0.04, darker(color, 0.15))  # the handle
        else:  # one nappy, open
            pen.poly(
                [(0.16, 0.3), (0.84, 0.3), (0.72, 0.5), (0.64, 0.8), (0.36, 0.8), (0.28, 0.5)],
                (250, 250, 252),
                shade=0.12,
            )
            pen.rrect(0.16, 0.3, 0.84, 0.36, 0.02, lighter(color, 0.3))
            pen.rrect(0.12, 0.3, 0.2, 0.4, 0.01, color)
            pen.rrect(0.8, 0.3, 0.88, 0.4, 0.01, color)
            for i in range(8):
                pen.circle(0.4 + (i % 4) * 0.06, 0.5 + (i // 4) * 0.12, 0.012, lighter(color, 0.5))

    return draw


def stud_brick(
    pen: Pen, x0: float, y0: float, x1: float, y1: float, color: RGB, studs: int
) -> None:
    pen.rrect(x0, y0, x1, y1, 0.006, color, shade=0.15)
    step = (x1 - x0) / studs
    for i in range(studs):
        cx = x0 + step * (i + 0.5)
        pen.rrect(
            cx - step * 0.3,
            y0 - 0.02,
            cx + step * 0.3,
            y0 + 0.004,
            0.004,
            lighter(color, 0.15),
            shade=0.2,
            ramp="c",
        )


def car(pen: Pen, x0: float, x1: float, color: RGB, *, engine: bool) -> None:
    stud_brick(pen, x0, 0.58, x1, 0.72, color, 6)
    stud_brick(pen, x0 + 0.02, 0.44, x1 - 0.02, 0.58, (240, 240, 240), 5)
    pen.rrect(x0 + 0.05, 0.47, x1 - 0.05, 0.53, 0.004, (60, 100, 150))  # windows
    for wx in (x0 + 0.06, x1 - 0.06):
        pen.circle(wx, 0.75, 0.04, (40, 40, 44), shade=0.2)
        pen.circle(wx, 0.75, 0.018, (180, 180, 186))
    if engine:
        stud_brick(pen, x0 + 0.02, 0.36, x0 + 0.14, 0.44, (246, 200, 40), 2)
        pen.circle(x0 + 0.02, 0.64, 0.015, (250, 250, 220))
        pen.rrect(x0 + 0.01, 0.7, x1 - 0.01, 0.72, 0.004, (210, 50, 40))


def train(pen: Pen, color: RGB, view: str) -> None:
    if view == "hero":
        car(pen, 0.04, 0.36, color, engine=True)
        car(pen, 0.38, 0.68, color, engine=False)
        car(pen, 0.7, 0.96, (246, 200, 40), engine=False)
        return
    pen.rrect(0.05, 0.8, 0.95, 0.83, 0.004, (120, 120, 126))  # the track
    for i in range(10):
        pen.rrect(0.06 + i * 0.09, 0.79, 0.1 + i * 0.09, 0.84, 0.004, (150, 110, 80))
    car(pen, 0.1, 0.56, color, engine=True)
    car(pen, 0.58, 0.92, color, engine=False)


def fishing(pen: Pen, color: RGB, view: str) -> None:
    wood = (224, 190, 140)
    board = pen.ellipse(0.1, 0.4, 0.9, 0.8, color, shade=0.18)
    pen.clip(board, lambda p: p.ellipse(0.16, 0.44, 0.84, 0.76, lighter(color, 0.3)))
    palette = (
        (240, 120, 60),
        (246, 200, 60),
        (220, 80, 120),
        (80, 170, 120),
        (120, 120, 220),
        (240, 150, 180),
    )
    for i in range(6):
        x, y = 0.25 + (i % 3) * 0.2, 0.52 + (i // 3) * 0.12
        fish = palette[i]
        pen.ellipse(x - 0.06, y - 0.03, x + 0.04, y + 0.03, fish, shade=0.2)
        pen.poly([(x + 0.03, y), (x + 0.07, y - 0.03), (x + 0.07, y + 0.03)], fish)
        pen.circle(x - 0.035, y - 0.008, 0.006, (30, 30, 30))
        pen.circle(x - 0.01, y - 0.03, 0.008, (120, 120, 126))  # the magnet eye
    rods = (
        ((0.2, 0.12, 0.56, 0.4),)
        if view == "hero"
        else ((0.2, 0.12, 0.56, 0.4), (0.9, 0.1, 0.56, 0.36))
    )
    for x0, y0, x1, y1 in rods:
        pen.line([(x0, y0), (x1 - 0.05, y1 - 0.18)], 0.014, wood)
        pen.line([(x1 - 0.05, y1 - 0.18), (x1 - 0.05, y1 - 0.02)], 0.003, (60, 60, 60))
        pen.circle(x1 - 0.05, y1 - 0.01, 0.012, (120, 120, 126))


def scooter(pen: Pen, color: RGB, view: str) -> None:
    folded = view != "hero"
    deck = (40, 40, 46)
    if folded:
        pen.rrect(0.12, 0.66, 0.88, 0.76, 0.03, deck, shade=0.2)
        pen.line([(0.22, 0.64), (0.8, 0.44)], 0.05, color)
        pen.line([(0.8, 0.44), (0.88, 0.52)], 0.05, color)
    else:
        pen.rrect(0.16, 0.66, 0.76, 0.76, 0.03, deck, shade=0.2)
        pen.line([(0.72, 0.7), (0.78, 0.16)], 0.05, color)
        pen.line([(0.62, 0.16), (0.94, 0.16)], 0.045, (60, 60, 66))
        pen.rrect(0.6, 0.13, 0.68, 0.19, 0.02, darker(color, 0.2))
        pen.rrect(0.88, 0.13, 0.96, 0.19, 0.02, darker(color, 0.2))
        pen.poly([(0.16, 0.68), (0.76, 0.68), (0.74, 0.65), (0.18, 0.65)], color)
    for x in (0.2, 0.8) if folded else (0.2, 0.82, 0.74):
        pen.circle(
            x, 0.8, 0.055, (250, 120, 160) if x > 0.5 else (120, 200, 250), shade=0.2, ramp="r"
        )
        pen.circle(x, 0.8, 0.03, (255, 240, 200))
        pen.glow(x - 0.06, 0.74, x + 0.06, 0.86, alpha=120, blur=0.01)


ART: dict[str, ProductArt] = {
    "星飞帆3段": ProductArt(
        formula((200, 40, 50), (236, 200, 120)),
        (242, 236, 226),
        (236, 210, 150),
        focus=(0.5, 0.56),
        scene="nursery",
    ),
    "爱他美卓萃": ProductArt(
        formula((40, 70, 140), (220, 220, 224)),
        (232, 236, 244),
        (246, 246, 244),
        focus=(0.5, 0.56),
        scene="nursery",
    ),
    "一级帮": ProductArt(
        nappies((90, 170, 120)), (232, 242, 236), (90, 170, 120), focus=(0.5, 0.54), scene="nursery"
    ),
    "心钻装拉拉裤": ProductArt(
        nappies((236, 140, 170)),
        (246, 234, 238),
        (236, 140, 170),
        focus=(0.5, 0.54),
        scene="nursery",
    ),
    "乐高列车": ProductArt(
        train, (230, 236, 244), (40, 90, 180), focus=(0.22, 0.52), scene="nursery"
    ),
    "钓鱼玩具": ProductArt(
        fishing, (232, 242, 246), (64, 150, 206), focus=(0.45, 0.56), scene="nursery"
    ),
    "滑板车": ProductArt(
        scooter, (236, 240, 246), (240, 168, 186), focus=(0.78, 0.6), scene="street"
    ),
}

"""Outdoor: a GPS running watch, a running belt, a pop-up tent, a moon chair, a vacuum flask."""

from __future__ import annotations

import math

from shoplet.demo.art.base import ProductArt
from shoplet.demo.art.kit import RGB, Pen, darker, lighter
from shoplet.demo.art.shapes import can


def watch(pen: Pen, color: RGB, view: str) -> None:
    strap = color
    pen.rrect(0.39, 0.04, 0.61, 0.4, 0.05, strap, shade=0.2, ramp="h")
    pen.rrect(0.39, 0.6, 0.61, 0.96, 0.05, strap, shade=0.2, ramp="h")
    for i in range(5):
        pen.circle(0.5, 0.7 + i * 0.05, 0.008, darker(strap, 0.3))
    pen.circle(0.5, 0.5, 0.2, (60, 62, 68), shade=0.3)
    for dx, dy in ((-0.2, -0.1), (-0.2, 0.1), (0.2, -0.1), (0.2, 0.1), (0.21, 0.0)):
        pen.rrect(
            0.5 + dx - 0.015,
            0.5 + dy - 0.02,
            0.5 + dx + 0.015,
            0.5 + dy + 0.02,
            0.006,
            (90, 92, 98),
        )
    pen.circle(0.5, 0.5, 0.17, (12, 14, 18))
    if view == "hero":  # the watch face: a training-readiness ring and a heart-rate graph
        ring = [
            (0.5 + 0.14 * math.cos(a), 0.5 + 0.14 * math.sin(a))
            for a in [math.pi * (0.75 + 1.5 * i / 30) for i in range(31)]
        ]
        pen.line(ring, 0.012, (60, 60, 70))
        pen.line(ring[:21], 0.012, (80, 210, 120))
        graph = [
            (0.4 + i * 0.01, 0.52 - 0.03 * math.sin(i * 0.8) * (1 if i % 3 else 1.8))
            for i in range(21)
        ]
        pen.line(graph, 0.005, (240, 80, 80))
        pen.rrect(0.44, 0.4, 0.56, 0.44, 0.006, (230, 230, 236))
    else:  # the back: the optical sensor
        pen.circle(0.5, 0.5, 0.1, (40, 42, 48), shade=0.2)
        for a in range(4):
            pen.circle(
                0.5 + 0.05 * math.cos(a * math.pi / 2),
                0.5 + 0.05 * math.sin(a * math.pi / 2),
                0.012,
                (120, 220, 140),
            )
    pen.glow(0.36, 0.34, 0.5, 0.44, alpha=60, blur=0.02)


def belt(pen: Pen, color: RGB, view: str) -> None:
    strap = (40, 40, 44)
    pen.line([(0.04, 0.5), (0.2, 0.56), (0.8, 0.56), (0.96, 0.5)], 0.05, strap)
    pen.rrect(0.06, 0.47, 0.12, 0.55, 0.01, (70, 70, 76))  # buckle
    bag = pen.rrect(0.26, 0.42, 0.74, 0.7, 0.06, color, shade=0.18)
    pen.clip(bag, lambda p: p.rrect(0.26, 0.6, 0.74, 0.62, 0, (210, 214, 220)))  # reflective strip
    pen.line([(0.3, 0.47), (0.7, 0.47)], 0.006, (160, 160, 166))  # zip
    pen.rrect(0.68, 0.45, 0.71, 0.5, 0.004, (200, 200, 206))
    if view != "hero":  # a phone in the pouch
        pen.rrect(0.36, 0.26, 0.56, 0.5, 0.02, (30, 30, 36), shade=0.2)


def tent(pen: Pen, color: RGB, view: str) -> None:
    dark = darker(color, 0.3)
    if view == "hero":
        pen.poly([(0.06, 0.78), (0.5, 0.22), (0.94, 0.78)], color, shade=0.15)
        pen.poly([(0.5, 0.22), (0.94, 0.78), (0.7, 0.8)], darker(color, 0.15))
        pen.poly([(0.34, 0.8), (0.5, 0.46), (0.6, 0.8)], dark)  # the door
        pen.poly([(0.5, 0.46), (0.6, 0.8), (0.66, 0.8)], lighter(color, 0.2))  # the flap
        for x in (0.06, 0.94):
            pen.line([(0.5, 0.22), (x, 0.8)], 0.006, darker(color, 0.45))
        pen.circle(0.5, 0.22, 0.012, darker(color, 0.45))
        for x in (0.02, 0.98):
            pen.line([(0.5, 0.24), (x, 0.84)], 0.002, (120, 120, 120))
    else:  # packed in its bag
        pen.rrect(0.18, 0.46, 0.82, 0.78, 0.14, color, shade=0.18, ramp="c")
        pen.rrect(0.4, 0.46, 0.44, 0.78, 0.004, dark)
        pen.rrect(0.56, 0.46, 0.6, 0.78, 0.004, dark)
        pen.ellipse(0.74, 0.46, 0.86, 0.78, darker(color, 0.2))


def moon_chair(pen: Pen, color: RGB, view: str) -> None:
    frame = (60, 62, 68)
    for x0, x1 in ((0.2, 0.74), (0.8, 0.26)):
        pen.line([(x0, 0.86), (x1, 0.44)], 0.016, frame)
    seat = [
        (0.16, 0.2),
        (0.5, 0.14),
        (0.84, 0.2),
        (0.82, 0.5),
        (0.7, 0.66),
        (0.5, 0.7),
        (0.3, 0.66),
        (0.18, 0.5),
    ]
    pen.poly(seat, color, shade=0.2, ramp="r")
    pen.line([seat[i] for i in (0, 7, 6, 5, 4, 3, 2)], 0.01, darker(color, 0.3))
    pen.line([(0.3, 0.28), (0.5, 0.6), (0.7, 0.28)], 0.004, darker(color, 0.25))
    for x0, x1 in ((0.24, 0.8), (0.76, 0.2)):
        pen.line([(x0, 0.86), (x1, 0.52)], 0.016, lighter(frame, 0.15))
    for x in (0.2, 0.8, 0.24, 0.76):
        pen.ellipse(x - 0.03, 0.85, x + 0.03, 0.88, (40, 40, 44))
    if view != "hero":
        pen.rrect(0.84, 0.6, 0.96, 0.88, 0.04, darker(color, 0.1), shade=0.2)  # its bag


def flask(pen: Pen, color: RGB, view: str) -> None:
    x = 0.5 if view == "hero" else 0.4
    body = can(pen, x, 0.22, 0.88, 0.13, color, lid=lighter(color, 0.1))
    pen.clip(body, lambda p: p.rrect(0, 0.76, 1, 0.78, 0, lighter(color, 0.15)))
    pen.rrect(x - 0.125, 0.1, x + 0.125, 0.24, 0.03, (40, 40, 44), shade=0.25, ramp="c")  # the lid
    pen.line(
        [(x + 0.12, 0.13), (x + 0.17, 0.16), (x + 0.17, 0.22), (x + 0.12, 0.22)],
        0.012,
        (40, 40, 44),
    )
    pen.glow(x - 0.1, 0.26, x - 0.06, 0.84, alpha=90, blur=0.008)
    if view != "hero":  # a cup of steaming tea beside it
        pen.rrect(0.62, 0.66, 0.84, 0.88, 0.04, color, shade=0.2, ramp="c")
        pen.ellipse(0.62, 0.63, 0.84, 0.69, (180, 140, 70))
        for i in range(3):
            px = 0.68 + i * 0.05
            pen.line(
                [(px, 0.6), (px + 0.02, 0.54), (px - 0.01, 0.48)], 0.006, (250, 250, 250), alpha=120
            )


ART: dict[str, ProductArt] = {
    "Forerunner 265": ProductArt(
        watch, (228, 232, 236), (42, 43, 48), focus=(0.5, 0.5), scene="outdoor", zoom=2.0
    ),
    "跑步腰包": ProductArt(
        belt, (230, 236, 232), (42, 43, 48), focus=(0.5, 0.55), scene="outdoor", zoom=2.0
    ),
    "速开帐篷": ProductArt(
        tent, (226, 236, 228), (206, 182, 142), focus=(0.5, 0.5), scene="outdoor", zoom=1.8
    ),
    "月亮椅": ProductArt(
        moon_chair, (232, 236, 230), (190, 162, 116), focus=(0.5, 0.4), scene="outdoor"
    ),
    "保温杯": ProductArt(flask, (228, 234, 232), (42, 43, 48), focus=(0.5, 0.2), scene="outdoor"),
}

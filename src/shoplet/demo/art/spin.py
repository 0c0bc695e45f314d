"""360° spin sets rendered from small 3D models: faces of revolved, extruded and tube shapes,
turned about the vertical axis, lit from the camera's upper left (Lambert + a soft specular),
painted back to front, drawn at 2× and downsampled, on the studio backdrop with its floor shadow."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from shoplet.demo.art.kit import RGB, darker, lighter, mix, place, studio

SPIN = 600  # px, square spin frames
Vec = tuple[float, float, float]


@dataclass(frozen=True)
class Face:
    points: tuple[Vec, ...]  # outward winding
    color: RGB
    shine: float = 0.35  # specular strength


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _unit(a: Vec) -> Vec:
    n = math.sqrt(_dot(a, a)) or 1.0
    return (a[0] / n, a[1] / n, a[2] / n)


def _normal(points: Sequence[Vec]) -> Vec:
    """Newell's method: robust for any planar-ish polygon."""
    nx = ny = nz = 0.0
    for i, a in enumerate(points):
        b = points[(i + 1) % len(points)]
        nx += (a[1] - b[1]) * (a[2] + b[2])
        ny += (a[2] - b[2]) * (a[0] + b[0])
        nz += (a[0] - b[0]) * (a[1] + b[1])
    return _unit((nx, ny, nz))


def _outward(points: list[Vec], inside: Vec) -> tuple[Vec, ...]:
    center = tuple(sum(p[i] for p in points) / len(points) for i in range(3))
    if _dot(_normal(points), _sub(center, inside)) < 0:  # type: ignore[arg-type]
        points = points[::-1]
    return tuple(points)


# Shapes ---------------------------------------------------------------------------------------
ColorAt = Callable[[int, int], RGB]  # (segment, ring) -> colour


def revolve(
    profile: Sequence[tuple[float, float]],
    color: RGB | ColorAt,
    *,
    segments: int = 32,
    shine: float = 0.35,
) -> list[Face]:
    """A surface of revolution about the y axis: ``profile`` is (radius, y) from top to bottom
    (y grows downwards, as on screen); radius 0 closes a cap."""
    faces = []
    for j in range(len(profile) - 1):
        (r0, y0), (r1, y1) = profile[j], profile[j + 1]
        for i in range(segments):
            a0, a1 = 2 * math.pi * i / segments, 2 * math.pi * (i + 1) / segments
            pts = [
                (r0 * math.sin(a0), y0, r0 * math.cos(a0)),
                (r0 * math.sin(a1), y0, r0 * math.cos(a1)),
                (r1 * math.sin(a1), y1, r1 * math.cos(a1)),
                (r1 * math.sin(a0), y1, r1 * math.cos(a0)),
            ]
            if r0 == 0:
                pts = pts[1:]
            elif r1 == 0:
                pts = pts[:3]
            c = color(i, j) if callable(color) else color
            inside = (0.0, (y0 + y1) / 2, 0.0)
            if r0 == r1 == 0:
                continue
            # flat rings (a lid's top) face up or down: measure from a point off the plane
            if abs(y0 - y1) < 1e-9:
                inside = (0.0, y0 + (0.1 if j == 0 else -0.1), 0.0)
            faces.append(Face(_outward(pts, inside), c, shine))
    return faces


def disc(r: float, y: float, color: RGB, *, up: bool, segments: int = 32) -> list[Face]:
    pts = [
        (r * math.sin(2 * math.pi * i / segments), y, r * math.cos(2 * math.pi * i / segments))
        for i in range(segments)
    ]
    return [Face(_outward(pts, (0.0, y + (0.1 if up else -0.1), 0.0)), color)]


def extrude(
    outline: Sequence[tuple[float, float]],
    z0: float,
    z1: float,
    *,
    front: RGB,
    back: RGB,
    side: RGB,
    shine: float = 0.35,
) -> list[Face]:
    """A prism: a convex ``outline`` in the x-y plane from z0 (back) to z1 (front)."""
    cx = sum(p[0] for p in outline) / len(outline)
    cy = sum(p[1] for p in outline) / len(outline)
    faces = [
        Face(_orient([(x, y, z1) for x, y in outline], (0.0, 0.0, 1.0)), front, shine),
        Face(_orient([(x, y, z0) for x, y in outline], (0.0, 0.0, -1.0)), back, shine),
    ]
    n = len(outline)
    for i in range(n):
        (xa, ya), (xb, yb) = outline[i], outline[(i + 1) % n]
        pts = [(xa, ya, z0), (xb, yb, z0), (xb, yb, z1), (xa, ya, z1)]
        out = ((xa + xb) / 2 - cx, (ya + yb) / 2 - cy, 0.0)
        faces.append(Face(_orient(pts, out), side, shine))
    return faces


def _orient(points: Sequence[Vec], direction: Vec) -> tuple[Vec, ...]:
    return tuple(points) if _dot(_normal(points), direction) >= 0 else tuple(points[::-1])


def rounded_rect(w: float, h: float, r: float, steps: int = 6) -> list[tuple[float, float]]:
    pts = []
    for cx, cy, start in (
        (w / 2 - r, -h / 2 + r, -90),
        (w / 2 - r, h / 2 - r, 0),
        (-w / 2 + r, h / 2 - r, 90),
        (-w / 2 + r, -h / 2 + r, 180),
    ):
        for i in range(steps + 1):
            a = math.radians(start + 90 * i / steps)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def tube(path: Sequence[Vec], radius: float, color: RGB, *, sides: int = 10) -> list[Face]:
    """A tube along ``path`` (a band, a handle, a cable)."""
    rings: list[list[Vec]] = []
    for k, p in enumerate(path):
        a = path[max(0, k - 1)]
        b = path[min(len(path) - 1, k + 1)]
        t = _unit(_sub(b, a))
        ref = (0.0, 0.0, 1.0) if abs(t[2]) < 0.9 else (1.0, 0.0, 0.0)
        u = _unit(_cross(t, ref))
        v = _cross(t, u)
        rings.append(
            [
                (
                    p[0] + radius * (math.cos(s) * u[0] + math.sin(s) * v[0]),
                    p[1] + radius * (math.cos(s) * u[1] + math.sin(s) * v[1]),
                    p[2] + radius * (math.cos(s) * u[2] + math.sin(s) * v[2]),
                )
                for s in [2 * math.pi * i / sides for i in range(sides)]
            ]
        )
    faces = []
    for k in range(len(rings) - 1):
        for i in range(sides):
            pts = [
                rings[k][i],
                rings[k][(i + 1) % sides],
                rings[k + 1][(i + 1) % sides],
                rings[k + 1][i],
            ]
            faces.append(Face(_outward(pts, path[k]), color))
    return faces


def move(faces: Sequence[Face], fn: Callable[[Vec], Vec]) -> list[Face]:
    return [Face(tuple(fn(p) for p in f.points), f.color, f.shine) for f in faces]


def turn_x(angle: float) -> Callable[[Vec], Vec]:
    """Rotate about the x axis (degrees), e.g. to lay a revolved part along z."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return lambda p: (p[0], p[1] * c - p[2] * s, p[1] * s + p[2] * c)


def turn_z(angle: float) -> Callable[[Vec], Vec]:
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return lambda p: (p[0] * c - p[1] * s, p[0] * s + p[1] * c, p[2])


def shift(dx: float, dy: float, dz: float) -> Callable[[Vec], Vec]:
    return lambda p: (p[0] + dx, p[1] + dy, p[2] + dz)


# Rendering ------------------------------------------------------------------------------------
LIGHT = _unit((-0.55, -0.6, 0.75))  # from the upper left, in front (y grows downwards)
HALF = _unit((LIGHT[0], LIGHT[1], LIGHT[2] + 1.0))


def render_spin(
    faces: Sequence[Face],
    frames: int,
    *,
    tint: RGB,
    scale: float = 0.9,
    elevation: float = 14.0,
    start: float = 0.0,
) -> list[Image.Image]:
    """``frames`` views a full turn apart, front first; the model fits in [-0.5, 0.5]³."""
    ss = 2
    size = SPIN
    px = size * ss * scale
    ce, se = math.cos(math.radians(elevation)), math.sin(math.radians(elevation))
    out = []
    for k in range(frames):
        theta = math.radians(start + 360.0 * k / frames)
        ct, st = math.cos(theta), math.sin(theta)
        drawn = []
        for face in faces:
            pts = []
            for x, y, z in face.points:
                x1, z1 = x * ct + z * st, -x * st + z * ct
                y2, z2 = y * ce + z1 * se, -y * se + z1 * ce  # tilt: we look slightly down
                pts.append((x1, y2, z2))
            n = _normal(pts)
            if n[2] <= 0.0:
                continue  # faces away
            light = max(0.0, _dot(n, LIGHT))
            spec = max(0.0, _dot(n, HALF)) ** 24 * face.shine
            tone = 0.5 + 0.55 * light
            c = face.color
            base = (
                min(255, int(c[0] * tone)),
                min(255, int(c[1] * tone)),
                min(255, int(c[2] * tone)),
            )
            color = mix(base, (255, 255, 255), min(1.0, spec))
            depth = sum(p[2] for p in pts) / len(pts)
            drawn.append(
                (
                    depth,
                    [(size * ss / 2 + p[0] * px, size * ss / 2 + p[1] * px) for p in pts],
                    color,
                )
            )
        drawn.sort(key=lambda d: d[0])
        layer = Image.new("RGBA", (size * ss, size * ss), (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        for _, pts2, color in drawn:
            d.polygon(pts2, fill=(*color, 255), outline=(*color, 255))
        sprite = layer.reduce(ss)
        out.append(place(studio(size, size, tint), sprite, center=(0.5, 0.47)))
    return out


# Models ---------------------------------------------------------------------------------------
def flask_model(color: RGB) -> list[Face]:
    """The vacuum flask: a steel body with a brushed band, a black lid with a carry loop."""
    steel = lighter(color, 0.08)
    band = lighter(color, 0.35)

    def body(i: int, j: int) -> RGB:
        if j in {4, 5}:
            return band
        if j in {2, 3} and 13 <= i <= 19:
            return lighter(color, 0.5)  # the logo plate on the front
        return steel

    profile = [
        (0.0, 0.5),
        (0.12, 0.5),
        (0.135, 0.48),
        (0.135, 0.3),
        (0.135, 0.1),
        (0.135, 0.02),
        (0.135, -0.0),
        (0.135, -0.2),
        (0.125, -0.26),
        (0.12, -0.28),
    ]
    faces = revolve(profile[::-1], lambda i, j: body(i, len(profile) - 2 - j), shine=0.6)
    lid = (36, 36, 40)
    faces += revolve([(0.0, -0.5), (0.11, -0.5), (0.125, -0.48), (0.125, -0.28)], lid, shine=0.25)
    loop = [
        (0.125 + 0.08 * math.sin(a), -0.43 + 0.06 * math.cos(a) - 0.0, 0.0)
        for a in [math.pi * i / 10 for i in range(11)]
    ]
    faces += tube(loop, 0.018, lid, sides=8)
    return faces


def perfume_model(color: RGB) -> list[Face]:
    """The square perfume bottle: a thick glass block, a steel collar and a tall cap."""
    glass = mix(color, (226, 234, 238), 0.5)
    faces = _block(0.46, 0.28, 0.05, glass, 0.0, 0.5)
    label = ((-0.12, 0.16, 0.15), (0.12, 0.16, 0.15), (0.12, 0.34, 0.15), (-0.12, 0.34, 0.15))
    faces.append(Face(_orient(label, (0.0, 0.0, 1.0)), (246, 242, 232), 0.1))  # the paper label
    stripe = ((0.235, 0.06, -0.06), (0.235, 0.06, 0.06), (0.235, 0.44, 0.06), (0.235, 0.44, -0.06))
    faces.append(Face(_orient(stripe, (1.0, 0.0, 0.0)), darker(glass, 0.25), 0.6))  # a side bevel
    faces += revolve([(0.0, -0.06), (0.05, -0.06), (0.05, 0.0)], (200, 200, 206), shine=0.9)
    faces += revolve(
        [(0.0, -0.34), (0.09, -0.34), (0.1, -0.32), (0.1, -0.06)], (232, 226, 214), shine=0.3
    )
    return faces


def _block(w: float, h: float, r: float, color: RGB, y0: float, y1: float) -> list[Face]:
    """A rounded-square block standing from y0 (top) to y1 (bottom)."""
    outline = rounded_rect(w, h, r)
    faces = []
    n = len(outline)
    top = tuple((x, y0, z) for x, z in outline)
    bottom = tuple((x, y1, z) for x, z in outline)
    faces.append(Face(_orient(top, (0.0, -1.0, 0.0)), lighter(color, 0.1), 0.5))
    faces.append(Face(_orient(bottom, (0.0, 1.0, 0.0)), color, 0.5))
    for i in range(n):
        (xa, za), (xb, zb) = outline[i], outline[(i + 1) % n]
        pts = ((xa, y0, za), (xb, y0, zb), (xb, y1, zb), (xa, y1, za))
        mid = ((xa + xb) / 2, 0.0, (za + zb) / 2)
        faces.append(Face(_orient(pts, mid), color, 0.7))
    return faces


def phone_model(color: RGB) -> list[Face]:
    """Mate 60 Pro: a slab with a dark screen, the coloured back and the round camera ring."""
    w, h, t = 0.36, 0.76, 0.045
    body = extrude(
        rounded_rect(w, h, 0.05),
        -t,
        t,
        front=(20, 22, 28),
        back=color,
        side=lighter(color, 0.2) if sum(color) < 300 else darker(color, 0.15),
        shine=0.5,
    )
    faces = body
    ring = revolve(
        [(0.0, 0.0), (0.11, 0.0), (0.11, 0.02), (0.0, 0.02)], darker(color, 0.25), shine=0.6
    )
    faces += move(move(ring, turn_x(-90)), shift(0.0, -0.18, -t))
    inner = revolve([(0.0, 0.0), (0.09, 0.0), (0.09, 0.026), (0.0, 0.026)], (34, 36, 42), shine=0.4)
    faces += move(move(inner, turn_x(-90)), shift(0.0, -0.18, -t))
    for dx, dy in ((-0.035, -0.03), (0.035, -0.03), (0.0, 0.04)):
        lens = revolve(
            [(0.0, 0.0), (0.025, 0.0), (0.025, 0.03), (0.0, 0.03)],
            (14, 16, 24),
            segments=16,
            shine=0.9,
        )
        faces += move(move(lens, turn_x(-90)), shift(dx, -0.18 + dy, -t))
    return faces


def headphones_model(color: RGB) -> list[Face]:
    """Over-ear headphones: a padded band over two oval cups, seen turning on a stand."""
    band = [
        (0.3 * math.cos(a), -0.05 - 0.36 * math.sin(a), 0.0)
        for a in [math.pi * i / 20 for i in range(21)]
    ]
    faces = tube(band, 0.03, darker(color, 0.05), sides=10)
    for sx in (-1, 1):  # the sliders down to the cups
        faces += tube(
            [(sx * 0.3, -0.06, 0.0), (sx * 0.3, 0.0, 0.0)], 0.02, (170, 170, 176), sides=8
        )
    for sx in (-1, 1):
        cup = revolve(
            [(0.0, -0.05), (0.12, -0.05), (0.14, -0.02), (0.14, 0.04), (0.12, 0.07), (0.0, 0.07)],
            lambda i, j: color if j < 3 else darker(color, 0.4),
            segments=24,
            shine=0.4,
        )
        cup = move(cup, lambda p: (p[0], p[1], p[2] * 1.0))
        cup = move(cup, turn_z(90 * sx))
        cup = move(cup, lambda p: (p[0], p[1] * 1.0, p[2] * 0.78))
        faces += move(cup, shift(sx * 0.31, 0.12, 0.0))
    # the right cup's touch panel and the left cup's microphone grille: tells left from right
    panel = revolve(
        [(0.0, 0.0), (0.05, 0.0), (0.05, 0.012), (0.0, 0.012)], lighter(color, 0.3), segments=16
    )
    faces += move(move(panel, turn_z(-90)), shift(0.355, 0.12, 0.0))
    mic = tube([(-0.3, 0.22, 0.09), (-0.3, 0.25, 0.1)], 0.012, lighter(color, 0.45), sides=8)
    faces += mic
    return faces


def _spin(
    model: Callable[[RGB], list[Face]], tint: RGB, **kw: float
) -> Callable[[RGB, int], list[Image.Image]]:
    def frames(color: RGB, count: int) -> list[Image.Image]:
        return render_spin(model(color), count, tint=tint, **kw)

    return frames


SPINS: dict[str, Callable[[RGB, int], list[Image.Image]]] = {
    "保温杯": _spin(flask_model, (228, 234, 232), scale=0.85),
    "昆仑煮雪": _spin(perfume_model, (230, 234, 238), scale=1.0),
    "Mate 60 Pro": _spin(phone_model, (214, 222, 236), scale=1.0, start=180.0),
    "WH-1000XM5": _spin(headphones_model, (228, 228, 234), scale=1.0),
}

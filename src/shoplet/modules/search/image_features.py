"""Image features for search by photo (pure: Pillow + NumPy, no model, no I/O).

No image-embedding model installs offline here (docs/search.md, "Image search"), so a photo is
described by hand-made features of the object in it:

1. **Background and object.** The background colour is the median of the image's border
   pixels; the object is every pixel farther than ``BACKGROUND_DISTANCE`` from it (product
   photos are shot on a plain background). The object's bounding box, with a margin and made
   square, is what the features read — so a closer, farther or off-centre photo of the same
   thing looks the same.
2. **Colour** (``COLOR_BINS`` values): the object's pixels in HSV, ``HUE_BINS`` hues (soft
   binning: a pixel splits between its two nearest hue bins) × 2 saturation levels for the
   coloured ones, and black / grey / white for the rest; square-rooted (Hellinger) so one
   dominant colour does not drown the others.
3. **Silhouette** (``MASK_SIDE``² values): the object mask in its square box, shrunk to
   ``MASK_SIDE`` × ``MASK_SIDE`` and centred (mean removed): circle, square and triangle differ.
4. **Edges** (``EDGE_BINS`` values): the orientation histogram of the grey image's gradients
   in the box, weighted by strength, square-rooted: a square has two directions, a triangle
   three, a circle all.

Each block is L2-normalised and scaled by the square root of its weight (weights sum to 1),
so the cosine of two vectors is the weighted sum of the blocks' cosines. ``VERSION`` names
the recipe: stored vectors of another version are recomputed by the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from shoplet.modules.catalog.public import decode_still_image

if TYPE_CHECKING:
    from PIL import Image

HUE_BINS = 12
COLOR_BINS = HUE_BINS * 2 + 3
MASK_SIDE = 12
EDGE_BINS = 8
DIM = COLOR_BINS + MASK_SIDE * MASK_SIDE + EDGE_BINS
WEIGHTS = {"color": 0.5, "mask": 0.3, "edges": 0.2}
VERSION = f"cse1-{HUE_BINS}-{MASK_SIDE}-{EDGE_BINS}-50-30-20"

# The image is read at this size (longest side) — the list variant of a product image is 360.
WORK_SIDE = 160
BOX_SIDE = 64
BACKGROUND_DISTANCE = 48.0
MIN_OBJECT_SHARE = 0.01
BOX_MARGIN = 0.08
SATURATED = 0.25
DARK = 0.2
MAX_PIXELS = 25_000_000
MAX_SIDE = 12_000

Vector = npt.NDArray[np.float32]


class ImageUnreadable(ValueError):
    """Not a still PNG, JPEG or WebP that decodes within the pixel budget."""


@dataclass(frozen=True, slots=True)
class Decoded:
    rgb: npt.NDArray[np.float32]  # height × width × 3, 0..255


def decode(data: bytes) -> Decoded:
    """Decode a still PNG/JPEG/WebP safely (catalog's checks: magic bytes, size from the header,
    no animation, nothing corrupt or truncated) and shrink it to ``WORK_SIDE``. CPU-bound: run
    in a thread."""
    from PIL import Image

    def shrink(upright: Image.Image, _icc: object) -> npt.NDArray[np.float32]:
        small = _flatten(upright)
        small.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
        return np.asarray(small, dtype=np.float32)

    _, rgb = decode_still_image(
        data,
        shrink,
        invalid=ImageUnreadable,
        max_pixels=MAX_PIXELS,
        max_side=MAX_SIDE,
        draft_side=WORK_SIDE * 2,  # DCT scaling: decode less
    )
    return Decoded(rgb=rgb)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB; transparency composited on white (a cut-out product on a white page)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def features(data: bytes) -> Vector:
    """The feature vector (``DIM`` float32, unit length) of an encoded image."""
    return features_of(decode(data).rgb)


def features_of(rgb: npt.NDArray[np.float32]) -> Vector:
    """The feature vector of an RGB array (height × width × 3, 0..255)."""
    mask = _object_mask(rgb)
    box_rgb, box_mask = _square_box(rgb, mask)
    blocks = {
        "color": _color(box_rgb[box_mask] if box_mask.any() else box_rgb.reshape(-1, 3)),
        "mask": _silhouette(box_mask),
        "edges": _edges(box_rgb),
    }
    out = np.concatenate([_unit(blocks[name]) * np.sqrt(w) for name, w in WEIGHTS.items()])
    return _unit(out.astype(np.float32))


def _unit(v: npt.NDArray[np.floating]) -> Vector:
    norm = float(np.linalg.norm(v))
    return (v / norm if norm > 1e-9 else np.zeros_like(v)).astype(np.float32)


def _object_mask(rgb: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = np.median(border, axis=0)
    distance = np.sqrt(((rgb - background) ** 2).sum(axis=2))
    mask: npt.NDArray[np.bool_] = distance > BACKGROUND_DISTANCE
    if mask.mean() < MIN_OBJECT_SHARE:  # nothing stands out: the whole picture is the object
        mask = np.ones(mask.shape, dtype=np.bool_)
    return mask


def _square_box(
    rgb: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """The object's bounding box with a margin, made square (padded with background), resized
    to ``BOX_SIDE``."""
    from PIL import Image

    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    side = max(bottom - top, right - left)
    side = int(side * (1 + 2 * BOX_MARGIN)) + 1
    cy, cx = (top + bottom) / 2, (left + right) / 2
    y0, x0 = round(cy - side / 2), round(cx - side / 2)
    # Pad by the side so every slice stays inside; padding is background (mask False).
    pad = side
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    fill = np.median(border, axis=0)
    big = np.empty((rgb.shape[0] + 2 * pad, rgb.shape[1] + 2 * pad, 3), dtype=np.float32)
    big[:] = fill
    big[pad : pad + rgb.shape[0], pad : pad + rgb.shape[1]] = rgb
    big_mask = np.zeros(big.shape[:2], dtype=np.bool_)
    big_mask[pad : pad + mask.shape[0], pad : pad + mask.shape[1]] = mask
    crop = big[pad + y0 : pad + y0 + side, pad + x0 : pad + x0 + side]
    crop_mask = big_mask[pad + y0 : pad + y0 + side, pad + x0 : pad + x0 + side]
    img = Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8), "RGB")
    box = np.asarray(img.resize((BOX_SIDE, BOX_SIDE), Image.Resampling.BILINEAR), np.float32)
    m = Image.fromarray(crop_mask.astype(np.uint8) * 255, "L")
    box_mask = np.asarray(m.resize((BOX_SIDE, BOX_SIDE), Image.Resampling.BILINEAR)) >= 128
    return box, box_mask


def _color(pixels: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    rgb = pixels.astype(np.float64) / 255.0
    mx = rgb.max(axis=1)
    mn = rgb.min(axis=1)
    delta = mx - mn
    sat = np.where(mx > 0, delta / np.maximum(mx, 1e-9), 0.0)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    safe = np.maximum(delta, 1e-9)
    hue = (
        np.select(
            [mx == r, mx == g],
            [((g - b) / safe) % 6.0, (b - r) / safe + 2.0],
            (r - g) / safe + 4.0,
        )
        / 6.0
    )  # 0..1
    hist = np.zeros(COLOR_BINS)
    coloured = (sat >= SATURATED) & (mx >= DARK)
    if coloured.any():
        pos = hue[coloured] * HUE_BINS - 0.5
        lower = np.floor(pos)
        frac = pos - lower
        lo_bin = lower.astype(np.int64) % HUE_BINS
        hi_bin = (lo_bin + 1) % HUE_BINS
        level = (sat[coloured] >= 0.6).astype(np.int64) * HUE_BINS
        np.add.at(hist, lo_bin + level, 1.0 - frac)
        np.add.at(hist, hi_bin + level, frac)
    grey = ~coloured
    if grey.any():
        value = mx[grey]
        shade = np.where(value < 0.3, 0, np.where(value < 0.8, 1, 2))
        np.add.at(hist, HUE_BINS * 2 + shade, 1.0)
    total = hist.sum()
    result: npt.NDArray[np.float64] = np.sqrt(hist / total) if total > 0 else hist
    return result


def _silhouette(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    side = mask.shape[0] // MASK_SIDE
    cells = mask[: side * MASK_SIDE, : side * MASK_SIDE].astype(np.float64)
    small = cells.reshape(MASK_SIDE, side, MASK_SIDE, side).mean(axis=(1, 3)).ravel()
    centred: npt.NDArray[np.float64] = small - small.mean()
    return centred


def _edges(rgb: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    gy = np.zeros_like(grey)
    gx = np.zeros_like(grey)
    gy[1:-1] = (grey[2:] - grey[:-2]) / 2
    gx[:, 1:-1] = (grey[:, 2:] - grey[:, :-2]) / 2
    strength = np.hypot(gx, gy)
    angle = np.arctan2(gy, gx) % np.pi  # an edge's direction, not its side
    strong = strength > 8.0
    hist = np.zeros(EDGE_BINS)
    if strong.any():
        # Bins centred on 0°, 22.5°, …: a horizontal edge never splits between first and last.
        bins = np.floor(angle[strong] / np.pi * EDGE_BINS + 0.5).astype(np.int64) % EDGE_BINS
        np.add.at(hist, bins, strength[strong])
    total = hist.sum()
    result: npt.NDArray[np.float64] = np.sqrt(hist / total) if total > 0 else hist
    return result


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)

"""A contact sheet of every demo product's gallery, to review the art at a glance:
``python -m shoplet.demo.art.sheet build/demo-catalog.png`` (uses and fills the art cache)."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from shoplet.demo.art.build import Pictures

CELL = 84  # px per thumbnail
PER_ROW = 3  # products side by side
SLOTS = 5  # gallery pictures per product


def contact_sheet(galleries: Sequence[Pictures]) -> Image.Image:
    rows = (len(galleries) + PER_ROW - 1) // PER_ROW
    gap = CELL // 4
    width = PER_ROW * (SLOTS * CELL + gap) - gap
    sheet = Image.new("RGB", (width, rows * CELL), (255, 255, 255))
    for index, pictures in enumerate(galleries):
        x0 = (index % PER_ROW) * (SLOTS * CELL + gap)
        y0 = (index // PER_ROW) * CELL
        for slot, data in enumerate(pictures.gallery[:SLOTS]):
            thumb = Image.open(io.BytesIO(data)).convert("RGB")
            thumb.thumbnail((CELL - 2, CELL - 2), Image.Resampling.LANCZOS)
            sheet.paste(thumb, (x0 + slot * CELL + 1, y0 + 1))
    return sheet


def main(argv: Sequence[str]) -> None:
    from shoplet.demo.art.build import build_pictures
    from shoplet.demo.catalog import ART_CACHE_ENV, PRODUCTS, art_job

    out = Path(argv[0] if argv else "build/demo-catalog.png")
    jobs = [job for job in (art_job(p) for p in PRODUCTS) if job is not None]
    cache = Path(os.environ.get(ART_CACHE_ENV, "build/demo-art-cache"))
    pictures, _ = build_pictures(jobs, cache)
    sheet = contact_sheet(pictures).quantize(colors=192, dither=Image.Dither.NONE)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Render every demo product's pictures once: encoded bytes cached on disk under a key made of
the art's source code, the product and its colours, so a second seed reads files instead of
drawing; what is missing renders in a small process pool.

The gallery and detail pictures also go through the catalog's image pipeline in that pool
(``catalog.process_image``: WebP list/detail/zoom variants, fallback, dominant colour), and its
results are cached with them (the key includes ``catalog.IMAGE_PIPELINE_VERSION``): the seed
only stores the variants, as a console upload would."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image

from shoplet.demo.art.kit import RGB
from shoplet.modules.catalog import public as catalog

PACKAGE_DIR = Path(__file__).parent
KINDS = ("gallery", "skus", "detail", "spin")
# Files that change no picture (left out of the art version); the encoding is in every key.
NOT_DRAWING = {"build.py", "sheet.py"}
QUALITY = {"gallery": 85, "skus": 85, "detail": 82, "spin": 82}  # JPEG quality per kind


@cache
def art_version() -> str:
    """A hash of the art package's source: any change to a drawing renders afresh."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        if path.name in NOT_DRAWING:
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ArtJob:
    key: str  # the product's short name (``registry.ART``)
    colors: tuple[RGB, ...]  # one per colour SKU, or the product's one colour
    spin_frames: int = 0

    def cache_key(self) -> str:
        text = json.dumps(
            [
                art_version(),
                QUALITY,
                catalog.IMAGE_PIPELINE_VERSION,
                self.key,
                self.colors,
                self.spin_frames,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass
class Pictures:
    """Encoded pictures of one product (JPEG bytes)."""

    gallery: list[bytes] = field(default_factory=list)
    skus: list[bytes] = field(default_factory=list)  # in the order of the job's colours
    detail: list[bytes] = field(default_factory=list)  # tall detail images (长图)
    spin: list[bytes] = field(default_factory=list)  # 360° frames, front first
    # The gallery's, then the detail pictures' results of the catalog's image pipeline.
    processed: list[catalog.ProcessedImage] = field(default_factory=list)


@dataclass
class BuildStats:
    rendered: int = 0
    cached: int = 0


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def render_job(job: ArtJob) -> Pictures:
    """Draw and encode one product's pictures (runs in a worker process)."""
    from shoplet.demo.art.registry import ART, SPINS
    from shoplet.demo.art.render import render_product

    rendered = render_product(ART[job.key], job.colors)
    out = Pictures(
        gallery=[_jpeg(i, QUALITY["gallery"]) for i in rendered.gallery],
        skus=[_jpeg(i, QUALITY["skus"]) for i in rendered.skus],
        detail=[_jpeg(i, QUALITY["detail"]) for i in rendered.detail],
    )
    if job.spin_frames and job.key in SPINS:
        frames = SPINS[job.key](job.colors[0], job.spin_frames)
        out.spin = [_jpeg(i, QUALITY["spin"]) for i in frames]
    out.processed = [catalog.process_image(data) for data in [*out.gallery, *out.detail]]
    return out


_VARIANTS = ("list", "detail", "zoom", "fallback")


def _processed_manifest(image: catalog.ProcessedImage) -> dict[str, object]:
    return {
        "files": {v: [getattr(image, v).key, getattr(image, v).content_type] for v in _VARIANTS},
        "width": image.width,
        "height": image.height,
        "color": image.color,
        "source_format": image.source_format,
        "source_width": image.source_width,
        "source_height": image.source_height,
        "transparent": image.transparent,
    }


def _read_processed(folder: Path, index: int, entry: dict[str, Any]) -> catalog.ProcessedImage:
    files = {
        v: catalog.StoredFile(
            key=entry["files"][v][0],
            data=(folder / f"processed-{index}-{v}.bin").read_bytes(),
            content_type=entry["files"][v][1],
        )
        for v in _VARIANTS
    }
    return catalog.ProcessedImage(
        list=files["list"],
        detail=files["detail"],
        zoom=files["zoom"],
        fallback=files["fallback"],
        width=int(entry["width"]),
        height=int(entry["height"]),
        color=str(entry["color"]),
        source_format=entry["source_format"],
        source_width=int(entry["source_width"]),
        source_height=int(entry["source_height"]),
        transparent=bool(entry["transparent"]),
    )


def _read(folder: Path) -> Pictures | None:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        counts = json.loads(manifest.read_text())
        out = Pictures()
        for kind in KINDS:
            getattr(out, kind).extend(
                (folder / f"{kind}-{i}.jpg").read_bytes() for i in range(counts[kind])
            )
        out.processed = [
            _read_processed(folder, i, entry) for i, entry in enumerate(counts["processed"])
        ]
    except (OSError, ValueError, KeyError):
        return None
    return out


def _write(folder: Path, pictures: Pictures) -> None:
    """Write into a private folder, then rename it into place: a reader sees all or nothing,
    and two seeds writing the same entry at once both succeed."""
    staging = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    staging.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        for i, data in enumerate(getattr(pictures, kind)):
            (staging / f"{kind}-{i}.jpg").write_bytes(data)
    counts: dict[str, object] = {kind: len(getattr(pictures, kind)) for kind in KINDS}
    for i, image in enumerate(pictures.processed):
        for v in _VARIANTS:
            (staging / f"processed-{i}-{v}.bin").write_bytes(getattr(image, v).data)
    counts["processed"] = [_processed_manifest(image) for image in pictures.processed]
    (staging / "manifest.json").write_text(json.dumps(counts))
    if folder.is_dir() and not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)  # an interrupted write of an older seed
    try:
        staging.rename(folder)
    except OSError:  # written by another seed meanwhile: keep theirs
        shutil.rmtree(staging, ignore_errors=True)


def build_pictures(
    jobs: Sequence[ArtJob],
    cache_dir: Path | None,
    *,
    workers: int | None = None,
    prune: bool = False,
) -> tuple[list[Pictures], BuildStats]:
    """Every job's pictures, from ``cache_dir`` when there, else rendered (``workers``
    processes; default: the CPU count, at most 4) and stored there. ``prune``: then drop the
    cache entries of no job (older drawings), so the cache keeps one catalog's worth."""
    stats = BuildStats()
    out: list[Pictures | None] = []
    for job in jobs:
        found = _read(cache_dir / job.cache_key()) if cache_dir else None
        out.append(found)
    missing = [i for i, found in enumerate(out) if found is None]
    stats.cached = len(jobs) - len(missing)
    stats.rendered = len(missing)
    workers = workers or min(4, os.cpu_count() or 1)
    if len(missing) > 1 and workers > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(missing))) as pool:
            done = list(pool.map(render_job, [jobs[i] for i in missing]))
    else:
        done = [render_job(jobs[i]) for i in missing]
    for index, pictures in zip(missing, done, strict=True):
        out[index] = pictures
        if cache_dir:
            _write(cache_dir / jobs[index].cache_key(), pictures)
    if cache_dir and prune:
        keep = {job.cache_key() for job in jobs}
        for entry in cache_dir.iterdir():
            if entry.is_dir() and entry.name not in keep and not entry.name.endswith(".tmp"):
                shutil.rmtree(entry, ignore_errors=True)
    return [p for p in out if p is not None], stats

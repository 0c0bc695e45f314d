"""The demo catalog's pictures (shoplet.demo.art): every product drawn as itself, a gallery of
3-5 distinct pictures, a picture per colour SKU, a tall detail image, 360° spin sets from 3D
models; nothing blank or flat; cached on disk so a second seed draws nothing."""

from __future__ import annotations

import io
import itertools
import os
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from shoplet.demo.art.build import ArtJob, Pictures, art_version, build_pictures
from shoplet.demo.art.registry import ART, SPINS
from shoplet.demo.art.render import DETAIL_WIDTH, GALLERY, SKU
from shoplet.demo.art.spin import SPIN
from shoplet.demo.catalog import ART_CACHE_ENV, PRODUCTS, art_job, color_dimension


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.fixture(scope="module")
def built() -> list[tuple[ArtJob, Pictures]]:
    jobs = [art_job(p) for p in PRODUCTS]
    assert all(job is not None for job in jobs)
    real = [job for job in jobs if job is not None]
    pictures, _ = build_pictures(real, Path(os.environ[ART_CACHE_ENV]))
    return list(zip(real, pictures, strict=True))


def test_every_product_has_its_own_art() -> None:
    assert {p.short for p in PRODUCTS} == set(ART)
    spins = [p for p in PRODUCTS if p.turntable]
    assert {p.short for p in spins} <= set(SPINS)
    assert len(spins) >= 3
    assert all(24 <= p.turntable <= 36 for p in spins)


def test_galleries_skus_and_detail_images(built: list[tuple[ArtJob, Pictures]]) -> None:
    for job, pictures in built:
        assert 3 <= len(pictures.gallery) <= 5, job.key
        assert len(set(pictures.gallery)) == len(pictures.gallery), job.key
        assert all(_open(g).size == (GALLERY, GALLERY) for g in pictures.gallery), job.key
        # one picture per colour SKU, each in its colour
        assert len(pictures.skus) == len(job.colors)
        assert len(set(pictures.skus)) == len(pictures.skus), job.key
        assert all(_open(s).size == (SKU, SKU) for s in pictures.skus)
        # the 长图: 750 wide, tall
        assert 1 <= len(pictures.detail) <= 2
        for data in pictures.detail:
            width, height = _open(data).size
            assert width == DETAIL_WIDTH
            assert height >= 2 * width, job.key


def test_colour_skus_show_the_product_in_that_colour(
    built: list[tuple[ArtJob, Pictures]],
) -> None:
    """Two colours of one product: same drawing, so the pictures differ in hue, not layout."""
    by_key = dict(built)
    phone = next(p for p in PRODUCTS if p.short == "Mate 60 Pro")
    dim = color_dimension(phone)
    assert dim is not None
    assert dim[0] == "颜色"
    job = art_job(phone)
    assert job is not None
    green, black, _ = (_open(s) for s in by_key[job].skus)
    # 雅川青 is greener than 雅丹黑 where the phone is
    g = ImageStat.Stat(green).mean
    k = ImageStat.Stat(black).mean
    assert g[1] - g[0] > k[1] - k[0]
    assert ImageStat.Stat(ImageChops.difference(green, black).convert("L")).mean[0] > 3


def _flatness(image: Image.Image) -> tuple[float, float, int]:
    """(share of the most common colour, grey stddev, colours) of a 64² thumbnail, colours
    counted in 32 steps per channel."""
    small = image.resize((64, 64))
    pixels = list(small.get_flattened_data())
    counts = Counter((r // 32, g // 32, b // 32) for r, g, b in pixels)  # type: ignore[misc]
    share = counts.most_common(1)[0][1] / len(pixels)
    return share, ImageStat.Stat(small.convert("L")).stddev[0], len(counts)


def test_no_picture_is_blank_or_flat(built: list[tuple[ArtJob, Pictures]]) -> None:
    for job, pictures in built:
        for kind in ("gallery", "skus", "detail", "spin"):
            for index, data in enumerate(getattr(pictures, kind)):
                share, spread, colours = _flatness(_open(data))
                where = f"{job.key} {kind}[{index}]"
                assert share < 0.88, where
                assert spread > 8, where
                assert colours >= 6, where


def test_products_look_different(built: list[tuple[ArtJob, Pictures]]) -> None:
    heroes = [(job.key, _open(p.gallery[0]).resize((16, 16))) for job, p in built]
    for (a, ia), (b, ib) in itertools.combinations(heroes, 2):
        difference = ImageStat.Stat(ImageChops.difference(ia, ib)).mean
        assert sum(difference) / 3 > 3, (a, b)


def test_spin_sets_turn(built: list[tuple[ArtJob, Pictures]]) -> None:
    spins = [(job, p.spin) for job, p in built if p.spin]
    assert len(spins) >= 3
    for job, frames in spins:
        assert 24 <= len(frames) == job.spin_frames <= 36
        images = [_open(f) for f in frames]
        assert all(i.size == (SPIN, SPIN) for i in images)
        assert len(set(frames)) == len(frames), job.key
        # a quarter turn moves what is not round (a loop, a label, a camera, the cups)
        quarter = ImageChops.difference(images[0], images[len(images) // 4]).convert("L")
        histogram = quarter.histogram()
        assert sum(histogram[40:]) / sum(histogram) > 0.005, job.key


def test_a_second_build_reads_the_cache(tmp_path: Path) -> None:
    jobs = [ArtJob("快充线", ((60, 62, 70),)), ArtJob("乳胶枕", ((246, 240, 222),))]
    first, stats = build_pictures(jobs, tmp_path, workers=1)
    assert (stats.rendered, stats.cached) == (2, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(j.cache_key() for j in jobs)
    second, stats = build_pictures(jobs, tmp_path, workers=1)
    assert (stats.rendered, stats.cached) == (0, 2)
    assert second == first
    # another colour is another entry; a half-written entry (no manifest) is drawn again
    other = ArtJob("快充线", ((200, 40, 40),))
    assert other.cache_key() != jobs[0].cache_key()
    (tmp_path / jobs[1].cache_key() / "manifest.json").unlink()
    _, stats = build_pictures(jobs, tmp_path, workers=1)
    assert (stats.rendered, stats.cached) == (1, 1)
    assert len(art_version()) == 16
    # a seed prunes what no product uses any more (an older drawing)
    (tmp_path / "0123456789abcdef01234567").mkdir()
    build_pictures(jobs[:1], tmp_path, workers=1, prune=True)
    assert [p.name for p in tmp_path.iterdir()] == [jobs[0].cache_key()]

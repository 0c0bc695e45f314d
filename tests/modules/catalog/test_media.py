"""The image and video pipeline as pure functions, no database."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shoplet.modules.catalog import media
from shoplet.modules.catalog.errors import MediaInvalid, VideoInvalid

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def camera_jpeg(size: tuple[int, int] = (2000, 1000), orientation: int = 6) -> bytes:
    """A photo as phones write them: EXIF orientation, camera make and a GPS position. The
    left half is red, the right half blue (so the rotation can be checked)."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "ShopletCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)})
    return encode(image, "JPEG", exif=exif.tobytes(), quality=95)


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_photo_becomes_upright_webp_variants_and_a_jpeg_fallback_without_metadata() -> None:
    data = camera_jpeg()
    with Image.open(io.BytesIO(data)) as original:  # the test photo does carry GPS
        assert original.getexif().get_ifd(GPS_IFD)

    result = media.process_image(data)

    # Orientation 6: 2000 x 1000 stored, 1000 x 2000 shown; red (left) ends up on top.
    assert (result.source_width, result.source_height) == (1000, 2000)
    expected = {"list": (360, 720), "detail": (750, 1500), "zoom": (1000, 2000)}
    for name, size in expected.items():
        file = getattr(result, name)
        assert file.content_type == "image/webp"
        assert file.key.startswith("catalog/")
        assert file.key.endswith(".webp")
        image = open_image(file.data)
        assert (image.format, image.size) == ("WEBP", size)
        assert image.getexif() == {}
        assert "exif" not in image.info
        assert "xmp" not in image.info
        assert "icc_profile" not in image.info
        top = image.convert("RGB").getpixel((size[0] // 2, size[1] // 8))
        bottom = image.convert("RGB").getpixel((size[0] // 2, size[1] * 7 // 8))
        assert top[0] > 180 > top[2]  # type: ignore[index]
        assert bottom[2] > 180 > bottom[0]  # type: ignore[index]
    fallback = open_image(result.fallback.data)
    assert (fallback.format, fallback.size) == ("JPEG", (750, 1500))
    assert result.fallback.content_type == "image/jpeg"
    assert dict(fallback.getexif()) == {}
    assert "exif" not in fallback.info
    # Zoom is never upscaled: its size (the ImageSet's) is the upload's.
    assert (result.width, result.height) == (1000, 2000)
    assert not result.transparent
    # Half red, half blue: the dominant colour is one of them.
    assert result.color in {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in [(220, 20, 20), (20, 20, 220)]}


def test_large_images_are_resized_by_width_and_tall_detail_images_are_accepted() -> None:
    wide = media.process_image(encode(Image.new("RGB", (3000, 2000), (1, 2, 3)), "PNG"))
    assert [open_image(f.data).size for f in wide.files] == [
        (360, 240),
        (750, 500),
        (1500, 1000),
        (750, 500),
    ]
    assert (wide.width, wide.height) == (1500, 1000)

    tall = media.process_image(encode(Image.new("RGB", (750, 4000), (240, 240, 240)), "JPEG"))
    assert [open_image(f.data).size for f in tall.files] == [
        (360, 1920),
        (750, 4000),
        (750, 4000),
        (750, 4000),
    ]
    assert tall.detail.key == tall.zoom.key  # same bytes, one file
    assert tall.color == "#f0f0f0"


def test_small_images_are_never_upscaled() -> None:
    result = media.process_image(encode(Image.new("RGB", (200, 100), (0, 128, 0)), "PNG"))
    assert {open_image(f.data).size for f in result.files} == {(200, 100)}
    assert (result.width, result.height, result.color) == (200, 100, "#008000")


def test_transparency_gives_a_png_fallback_and_the_page_colour_counts() -> None:
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (150, 150, 250, 250))
    result = media.process_image(encode(image, "PNG"))
    assert result.transparent
    assert result.fallback.content_type == "image/png"
    assert result.fallback.key.endswith(".png")
    assert open_image(result.fallback.data).mode == "RGBA"
    assert open_image(result.list.data).mode == "RGBA"
    assert result.color == "#ffffff"  # mostly transparent: shown on white

    # An alpha channel that hides nothing is dropped: JPEG fallback.
    opaque = media.process_image(encode(Image.new("RGBA", (10, 10), (9, 9, 9, 255)), "PNG"))
    assert (opaque.transparent, opaque.fallback.content_type) == (False, "image/jpeg")


def test_names_are_content_hashes_and_stable() -> None:
    data = encode(Image.new("RGB", (900, 600), (30, 60, 90)), "PNG")
    first, second = media.process_image(data), media.process_image(data)
    assert [f.key for f in first.files] == [f.key for f in second.files]
    other = media.process_image(encode(Image.new("RGB", (900, 600), (200, 160, 90)), "PNG"))
    assert not {f.key for f in first.files} & {f.key for f in other.files}
    # The key names the bytes: catalog/<2 hex>/<32 hex>.<ext>.
    folder, prefix, name = first.list.key.split("/")
    assert (folder, len(prefix), len(name), name[:2]) == ("catalog", 2, 37, prefix)


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (16, 16), c) for c in [(255, 0, 0), (0, 255, 0)]]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not an image at all" * 10, id="text"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "GIF"), id="gif"),
        pytest.param(encode(Image.new("RGB", (64, 64)), "PNG")[:70], id="truncated-png"),
        pytest.param(
            encode(Image.new("RGB", (640, 480), (5, 5, 5)), "JPEG")[:300], id="truncated-jpeg"
        ),
        pytest.param(animated_webp(), id="animated"),
        pytest.param(b"", id="empty"),
    ],
)
def test_what_is_not_a_still_image_is_refused(data: bytes) -> None:
    with pytest.raises(MediaInvalid):
        media.process_image(data)


def test_decompression_bombs_are_refused_before_decoding() -> None:
    from tests.modules.catalog.test_console_media import png_header_only

    for width, height in [(20_000, 20_000), (8_000, 6_000), (12_001, 10)]:
        with pytest.raises(MediaInvalid):
            media.process_image(png_header_only(width, height))


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (len(body) + 4).to_bytes(4, "big") + body


def test_mp4_is_recognised_by_its_ftyp_box() -> None:
    mp4 = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41") + b"\x00\x00\x00\x08free" * 4
    assert media.is_mp4(mp4)
    assert media.is_mp4(ftyp(b"XXXX", b"mp42") + b"\x00" * 8)  # a compatible brand suffices
    video = media.process_video(mp4)
    assert video.file.key.startswith("catalog/")
    assert video.file.key.endswith(".mp4")
    assert video.file.data == mp4
    assert video.file.content_type == "video/mp4"

    for data in [
        ftyp(b"heic", b"mif1", b"heic") + b"\x00" * 8,  # an ISO BMFF image, not a video
        b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 16,
        encode(Image.new("RGB", (8, 8)), "PNG"),
        b"\x00\x00\x00\x18ftyp",  # cut off
        b"",
    ]:
        assert not media.is_mp4(data[:256])
        with pytest.raises(VideoInvalid):
            media.process_video(data)

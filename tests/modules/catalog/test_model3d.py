"""Checking GLB files and drawing their 360° sprite: pure functions, no database."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
from PIL import Image

from shoplet.core.errors import ShopletError
from shoplet.modules.catalog import model3d, turntable
from shoplet.modules.catalog.model3d import box, build_glb, check_glb, cylinder

RED = (0.8, 0.1, 0.1, 1.0)


def chair_glb(scale: float = 1.0) -> bytes:
    parts = [box("seat", (0, 0.45 * scale, 0), (0.5 * scale, 0.06 * scale, 0.5 * scale), RED)]
    for x in (-0.2, 0.2):
        parts.append(
            cylinder("leg", (x * scale, 0, 0), (x * scale, 0.42 * scale, 0), 0.02 * scale, RED)
        )
    return build_glb(parts)


def glb_parts(data: bytes) -> tuple[dict[str, object], bytes]:
    json_length = struct.unpack_from("<I", data, 12)[0]
    document = json.loads(data[20 : 20 + json_length])
    rest = data[20 + json_length :]
    return document, rest[8:] if rest else b""


def glb_of(document: dict[str, object], binary: bytes, *, version: int = 2) -> bytes:
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<I4s", len(text), b"JSON") + text
    if binary:
        body += struct.pack("<I4s", len(binary), b"BIN\x00") + binary
    return struct.pack("<4sII", b"glTF", version, 12 + len(body)) + body


def refused(data: bytes) -> str:
    with pytest.raises(ShopletError) as caught:
        check_glb(data)
    return caught.value.code


def test_a_built_model_passes_with_its_bounds_and_triangles() -> None:
    checked = check_glb(chair_glb())

    assert checked.meshes == 3
    # A box is 12 triangles, a 24-segment capped cylinder 96.
    assert checked.geometry.count == 12 + 2 * 96
    low, high = checked.geometry.bounds
    assert low == pytest.approx([-0.25, 0.0, -0.25])
    assert high == pytest.approx([0.25, 0.48, 0.25])
    assert checked.summary["triangles"] == 204
    assert chair_glb() == chair_glb()  # deterministic bytes


def test_node_transforms_place_the_triangles() -> None:
    document, binary = glb_parts(chair_glb())
    nodes = document["nodes"]
    assert isinstance(nodes, list)
    nodes[-1]["translation"] = [10.0, 0.0, 0.0]
    nodes[-1]["scale"] = [2.0, 2.0, 2.0]

    low, high = check_glb(glb_of(document, binary)).geometry.bounds

    assert low == pytest.approx([9.5, 0.0, -0.5])
    assert high == pytest.approx([10.5, 0.96, 0.5])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "catalog.model_invalid"),
        (b"PK\x03\x04" + b"\x00" * 40, "catalog.model_invalid"),
        (b"glTF" + struct.pack("<II", 1, 40) + b"\x00" * 28, "catalog.model_invalid"),
        (b'{"asset": {"version": "2.0"}}', "catalog.model_invalid"),
    ],
    ids=["empty", "zip", "glb-version-1", "gltf-json-not-binary"],
)
def test_files_that_are_not_glb_v2_are_refused(data: bytes, code: str) -> None:
    assert refused(data) == code


def test_a_truncated_or_corrupt_glb_is_refused() -> None:
    data = chair_glb()
    assert refused(data[: len(data) // 2]) == "catalog.model_invalid"  # length mismatch
    document, binary = glb_parts(data)
    assert refused(glb_of(document, binary[:100])) == "catalog.model_invalid"  # short buffer
    broken = bytearray(data)
    broken[20:21] = b"!"  # the JSON chunk no longer parses
    assert refused(bytes(broken)) == "catalog.model_invalid"
    document["accessors"][1]["count"] = 10**6  # type: ignore[index]
    assert refused(glb_of(document, binary)) == "catalog.model_invalid"


def test_external_uris_are_refused() -> None:
    document, binary = glb_parts(chair_glb())
    document["images"] = [{"uri": "https://cdn.example.com/wood.png"}]
    assert refused(glb_of(document, binary)) == "catalog.model_external_uri"

    document, binary = glb_parts(chair_glb())
    document["buffers"] = [{"byteLength": len(binary), "uri": "chair.bin"}]
    assert refused(glb_of(document, b"")) == "catalog.model_external_uri"


@pytest.mark.parametrize(
    ("key", "extension"),
    [
        ("extensionsRequired", "KHR_draco_mesh_compression"),
        ("extensionsUsed", "EXT_meshopt_compression"),
        ("extensionsUsed", "KHR_texture_basisu"),
    ],
)
def test_compressed_models_are_refused(key: str, extension: str) -> None:
    """Their decoders would come from a CDN the storefront never reaches."""
    document, binary = glb_parts(chair_glb())
    document[key] = [extension]
    assert refused(glb_of(document, binary)) == "catalog.model_compressed"
    document[key] = ["KHR_materials_emissive_strength"]  # a plain material extension is fine
    assert check_glb(glb_of(document, binary)).geometry.count > 0


def test_a_model_without_a_mesh_is_refused() -> None:
    document = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}]}
    document["nodes"] = [{"name": "empty"}]
    assert refused(glb_of(document, b"")) == "catalog.model_no_mesh"


def test_models_of_no_product_size_are_refused() -> None:
    assert refused(chair_glb(scale=1000)) == "catalog.model_bounds"  # millimetres as metres
    assert refused(chair_glb(scale=0.0001)) == "catalog.model_bounds"
    document, binary = glb_parts(chair_glb())
    floats = bytearray(binary)
    floats[0:4] = struct.pack("<f", float("inf"))
    assert refused(glb_of(document, bytes(floats))) == "catalog.model_bounds"


def test_too_many_triangles_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model3d, "MAX_TRIANGLES", 100)
    assert refused(chair_glb()) == "catalog.model_too_complex"


def test_the_sprite_has_every_frame_drawn_and_turning() -> None:
    geometry = check_glb(chair_glb()).geometry

    sprite = turntable.render_sprite(geometry, frames=8, size=64)

    assert (sprite.frames, sprite.columns, sprite.rows, sprite.frame_size) == (8, 6, 2, 64)
    with Image.open(io.BytesIO(sprite.sheet)) as sheet:
        assert sheet.size == (6 * 64, 2 * 64)
        pixels = np.asarray(sheet.convert("RGBA"))
    frames = [
        pixels[(i // 6) * 64 : (i // 6 + 1) * 64, (i % 6) * 64 : (i % 6 + 1) * 64] for i in range(8)
    ]
    drawn = [int((f[..., 3] > 0).sum()) for f in frames]
    assert all(n > 300 for n in drawn), drawn  # every frame shows the chair
    assert int((pixels[64:, 2 * 64 :, 3] > 0).sum()) == 0  # the unused cells stay empty
    # The chair turns: a quarter turn shows it from the side, a different silhouette.
    assert not np.array_equal(frames[0][..., 3] > 0, frames[2][..., 3] > 0)
    # Lit, not black: the seat's red shows through the shading.
    red = frames[0][frames[0][..., 3] == 255][:, 0]
    assert red.max() > 120
    with Image.open(io.BytesIO(sprite.poster)) as poster:
        assert poster.size == (64, 64)


def test_dense_models_draw_their_largest_triangles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turntable, "MAX_DRAWN", 50)
    geometry = check_glb(chair_glb()).geometry

    frame = turntable.render_frame(geometry, 0.0, 64)

    assert int((np.asarray(frame)[..., 3] > 0).sum()) > 300

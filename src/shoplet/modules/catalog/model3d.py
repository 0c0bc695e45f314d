"""3D models of products (glTF binary, ``.glb``): checking an upload, reading its triangles, and
building one from boxes and cylinders (the demo seed).

:mod:`pygltflib` parses the glTF JSON and the binary chunk; the checks and the geometry are
ours and use numpy. An upload is accepted when:

- it starts with the GLB header (magic ``glTF``, container version 2, the declared length is
  the file's length) and its first chunk is JSON (``catalog.model_invalid`` otherwise);
- pygltflib parses it and every accessor a mesh uses reads within its buffer view
  (``catalog.model_invalid``);
- no buffer or image points outside the file (a ``uri`` other than ``data:``):
  ``catalog.model_external_uri``; the storefront serves the file alone, from our own host;
- it uses no compression extension (Draco or meshopt geometry, KTX2/Basis textures):
  ``catalog.model_compressed``. Their decoders are WebAssembly the viewer would fetch from its
  default CDN (the storefront points those at its own host, where none are served, so the model
  would not show), and the turntable renderer reads plain accessors only;
- it has at least one triangle mesh reachable from its scene (``catalog.model_no_mesh``);
- its bounding box, with every node transform applied, is finite and between 1 mm and 100 m
  on its longest side (``catalog.model_bounds``): glTF is in metres, so anything else is a unit
  mistake the viewer would show as a speck or a wall;
- it has at most ``MAX_TRIANGLES`` triangles (``catalog.model_too_complex``).

What the renderer needs (:mod:`shoplet.modules.catalog.turntable`) comes out as one
:class:`Geometry`: world-space triangles with a flat base colour each.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .errors import (
    ModelBoundsInvalid,
    ModelCompressed,
    ModelExternalUri,
    ModelInvalid,
    ModelNoMesh,
    ModelTooComplex,
)

if TYPE_CHECKING:
    from pygltflib import GLTF2

MAX_MODEL_BYTES = 20 * 1024 * 1024
MAX_TRIANGLES = 500_000
MIN_EXTENT_M = 0.001
MAX_EXTENT_M = 100.0
GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
TRIANGLES = 4
DEFAULT_COLOR = (0.8, 0.8, 0.8, 1.0)

Floats = npt.NDArray[np.float64]

_COMPONENTS: dict[int, str] = {
    5120: "i1",
    5121: "u1",
    5122: "<i2",
    5123: "<u2",
    5125: "<u4",
    5126: "<f4",
}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}
# Extensions whose data only a decoder can read (none of which the shop serves).
COMPRESSION_EXTENSIONS = frozenset(
    {"KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_texture_basisu"}
)


@dataclass(frozen=True, slots=True)
class Geometry:
    """World-space triangles: ``triangles`` (n, 3, 3) metres, ``colors`` (n, 4) RGBA 0..1."""

    triangles: Floats
    colors: Floats

    @property
    def count(self) -> int:
        return int(self.triangles.shape[0])

    @property
    def bounds(self) -> tuple[list[float], list[float]]:
        points = self.triangles.reshape(-1, 3)
        return points.min(axis=0).tolist(), points.max(axis=0).tolist()


@dataclass(frozen=True, slots=True)
class CheckedModel:
    """A GLB that passed every check, with what the catalog records of it."""

    data: bytes
    geometry: Geometry
    meshes: int

    @property
    def summary(self) -> dict[str, Any]:
        low, high = self.geometry.bounds
        return {
            "triangles": self.geometry.count,
            "meshes": self.meshes,
            "bounds_min": [round(v, 4) for v in low],
            "bounds_max": [round(v, 4) for v in high],
        }


def check_glb(data: bytes) -> CheckedModel:
    """Check ``data`` as a self-contained GLB and read its geometry (CPU-bound: run in a thread).
    Raises one of the ``catalog.model_*`` errors; nothing is stored by this function."""
    gltf = _parse(data)
    _refuse_external_uris(gltf)
    _refuse_compression(gltf)
    blob = gltf.binary_blob() or b""
    try:
        geometry, meshes = _scene_geometry(gltf, blob)
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ModelInvalid(f"The model's data cannot be read: {exc}") from None
    if geometry is None:
        raise ModelNoMesh("The model has no triangle mesh in its scene")
    if geometry.count > MAX_TRIANGLES:
        raise ModelTooComplex(
            f"The model has {geometry.count} triangles; at most {MAX_TRIANGLES} are accepted"
        )
    points = geometry.triangles.reshape(-1, 3)
    if not np.isfinite(points).all():
        raise ModelBoundsInvalid("The model has vertices that are not finite numbers")
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    if not MIN_EXTENT_M <= extent <= MAX_EXTENT_M:
        raise ModelBoundsInvalid(
            f"The model is {extent:.4g} m on its longest side; glTF is in metres and a "
            f"product must measure {MIN_EXTENT_M * 1000:g} mm to {MAX_EXTENT_M:g} m"
        )
    return CheckedModel(data=data, geometry=geometry, meshes=meshes)


def _parse(data: bytes) -> GLTF2:
    from pygltflib import GLTF2

    if len(data) < 20 or data[:4] != GLB_MAGIC:
        raise ModelInvalid("The file is not a glTF binary (.glb): its magic is not 'glTF'")
    version, length = struct.unpack_from("<II", data, 4)
    if version != 2:
        raise ModelInvalid(f"The GLB container is version {version}; only version 2 is accepted")
    if length != len(data):
        raise ModelInvalid(f"The GLB header says {length} bytes but the file has {len(data)}")
    chunk_length, chunk_type = struct.unpack_from("<II", data, 12)
    if chunk_type != CHUNK_JSON or 20 + chunk_length > len(data):
        raise ModelInvalid("The GLB's first chunk is not its JSON")
    try:
        json.loads(data[20 : 20 + chunk_length])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown chunks: pygltflib warns and skips them
            gltf = GLTF2.load_from_bytes(data)
    except (ValueError, KeyError, TypeError, AttributeError, struct.error, OSError) as exc:
        raise ModelInvalid(f"The glTF cannot be parsed: {type(exc).__name__}") from None
    if gltf is None or not str(getattr(gltf.asset, "version", "")).startswith("2."):
        raise ModelInvalid("The glTF asset version is not 2.x")
    return gltf


def _refuse_external_uris(gltf: GLTF2) -> None:
    for kind, items in (("buffer", gltf.buffers), ("image", gltf.images)):
        for index, item in enumerate(items):
            uri = getattr(item, "uri", None)
            if uri and not str(uri).startswith("data:"):
                raise ModelExternalUri(
                    f"The model's {kind} {index} points to {str(uri)[:80]!r}; "
                    "embed everything in the .glb"
                )


def _refuse_compression(gltf: GLTF2) -> None:
    named = {str(e) for e in (gltf.extensionsUsed or []) + (gltf.extensionsRequired or [])}
    compressed = sorted(named & COMPRESSION_EXTENSIONS)
    if compressed:
        raise ModelCompressed(
            f"The model uses {', '.join(compressed)}; export it without compression "
            "(plain glTF binary)"
        )


def _buffer_bytes(gltf: GLTF2, blob: bytes, index: int) -> bytes:
    buffer = gltf.buffers[index]
    if buffer.uri:  # a data: URI (checked above)
        return base64.b64decode(buffer.uri.split(",", 1)[1], validate=True)
    return blob


def _read_accessor(gltf: GLTF2, blob: bytes, index: int) -> Floats:
    accessor = gltf.accessors[index]
    if accessor.sparse is not None or accessor.bufferView is None:
        raise ValueError(f"accessor {index} is sparse or has no buffer view")
    view = gltf.bufferViews[accessor.bufferView]
    data = _buffer_bytes(gltf, blob, view.buffer)
    dtype = np.dtype(_COMPONENTS[accessor.componentType])
    width = _WIDTHS[accessor.type]
    count = accessor.count
    item = dtype.itemsize * width
    stride = view.byteStride or item
    start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
    end = (view.byteOffset or 0) + view.byteLength
    if count < 0 or end > len(data) or (count and start + stride * (count - 1) + item > end):
        raise ValueError(f"accessor {index} reads beyond its buffer view")
    if count == 0:
        return np.zeros((0, width))
    raw = np.ndarray(
        shape=(count, width),
        dtype=dtype,
        buffer=data,
        offset=start,
        strides=(stride, dtype.itemsize),
    )
    return raw.astype(np.float64)


def _node_matrix(node: Any) -> Floats:
    if node.matrix:
        return np.array(node.matrix, dtype=np.float64).reshape(4, 4).T  # column-major
    translation = np.eye(4)
    translation[:3, 3] = node.translation or (0.0, 0.0, 0.0)
    x, y, z, w = node.rotation or (0.0, 0.0, 0.0, 1.0)
    rotation = np.eye(4)
    rotation[:3, :3] = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    scale = np.diag([*(node.scale or (1.0, 1.0, 1.0)), 1.0])
    return np.asarray(translation @ rotation @ scale, dtype=np.float64)


def _material_color(gltf: GLTF2, index: int | None) -> tuple[float, ...]:
    if index is None:
        return DEFAULT_COLOR
    pbr = gltf.materials[index].pbrMetallicRoughness
    factor = getattr(pbr, "baseColorFactor", None) if pbr is not None else None
    return tuple(float(v) for v in factor) if factor else DEFAULT_COLOR


@dataclass
class _Collected:
    triangles: list[Floats] = field(default_factory=list)
    colors: list[Floats] = field(default_factory=list)
    meshes: set[int] = field(default_factory=set)
    visited: int = 0


def _scene_geometry(gltf: GLTF2, blob: bytes) -> tuple[Geometry | None, int]:
    if gltf.scenes:
        scene = gltf.scenes[gltf.scene or 0]
        roots = list(scene.nodes or [])
    else:
        children = {c for n in gltf.nodes for c in (n.children or [])}
        roots = [i for i in range(len(gltf.nodes)) if i not in children]
    collected = _Collected()
    for root in roots:
        _collect(gltf, blob, root, np.eye(4), collected)
    if not collected.triangles:
        return None, 0
    geometry = Geometry(np.concatenate(collected.triangles), np.concatenate(collected.colors))
    return geometry, len(collected.meshes)


def _collect(gltf: GLTF2, blob: bytes, index: int, parent: Floats, out: _Collected) -> None:
    out.visited += 1
    if out.visited > len(gltf.nodes):  # a node graph with a cycle is not a tree
        raise ValueError("the node hierarchy has a cycle")
    node = gltf.nodes[index]
    world = parent @ _node_matrix(node)
    if node.mesh is not None:
        for primitive in gltf.meshes[node.mesh].primitives:
            triangles = _primitive_triangles(gltf, blob, primitive, world)
            if triangles.shape[0]:
                color = _material_color(gltf, primitive.material)
                out.triangles.append(triangles)
                out.colors.append(np.tile(np.array(color[:4]), (triangles.shape[0], 1)))
                out.meshes.add(node.mesh)
    for child in node.children or []:
        _collect(gltf, blob, child, world, out)


def _primitive_triangles(gltf: GLTF2, blob: bytes, primitive: Any, world: Floats) -> Floats:
    mode = TRIANGLES if primitive.mode is None else primitive.mode
    position = primitive.attributes.POSITION
    if mode != TRIANGLES or position is None:
        return np.zeros((0, 3, 3))
    points = _read_accessor(gltf, blob, position)
    if points.shape[1] != 3:
        raise ValueError("POSITION is not VEC3")
    if primitive.indices is not None:
        indices = _read_accessor(gltf, blob, primitive.indices).astype(np.int64).ravel()
        if indices.size and (indices.min() < 0 or indices.max() >= len(points)):
            raise ValueError("an index points past the vertices")
    else:
        indices = np.arange(len(points))
    indices = indices[: indices.size - indices.size % 3]
    with np.errstate(all="ignore"):  # infinities are refused by the caller (bounds)
        homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ world.T
    placed = homogeneous[:, :3]
    return np.asarray(placed[indices].reshape(-1, 3, 3), dtype=np.float64)


# --- building models (the demo seed) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    """A solid of one colour: vertices (n, 3) metres and triangles (m, 3) vertex indices."""

    name: str
    vertices: Floats
    faces: npt.NDArray[np.int64]
    color: tuple[float, float, float, float]


def box(
    name: str,
    center: Sequence[float],
    size: Sequence[float],
    color: tuple[float, float, float, float],
) -> Part:
    """An axis-aligned box; faces wound counter-clockwise seen from outside."""
    half = np.asarray(size, dtype=np.float64) / 2
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    vertices = corners * half + np.asarray(center, dtype=np.float64)
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    faces = np.array([t for a, b, c, d in quads for t in ((a, b, c), (a, c, d))], dtype=np.int64)
    return Part(name, vertices, faces, color)


def cylinder(
    name: str,
    base: Sequence[float],
    top: Sequence[float],
    radius: float,
    color: tuple[float, float, float, float],
    *,
    segments: int = 24,
    top_radius: float | None = None,
) -> Part:
    """A capped cylinder (or a frustum, with ``top_radius``) from ``base`` to ``top``."""
    start, end = np.asarray(base, float), np.asarray(top, float)
    axis = end - start
    axis /= np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 0, 1.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ring = np.outer(np.cos(angles), u) + np.outer(np.sin(angles), v)
    upper = radius if top_radius is None else top_radius
    vertices = np.vstack([start + ring * radius, end + ring * upper, start, end])
    bottom_center, top_center = 2 * segments, 2 * segments + 1
    faces: list[tuple[int, int, int]] = []
    for i in range(segments):
        j = (i + 1) % segments
        faces += [(i, j, segments + j), (i, segments + j, segments + i)]
        faces += [(bottom_center, j, i), (top_center, segments + i, segments + j)]
    return Part(name, vertices, np.array(faces, dtype=np.int64), color)


def build_glb(parts: Sequence[Part]) -> bytes:
    """One GLB with a mesh per part (its own material) under one root node. Deterministic: the
    same parts give the same bytes."""
    from pygltflib import (
        ARRAY_BUFFER,
        ELEMENT_ARRAY_BUFFER,
        FLOAT,
        GLTF2,
        SCALAR,
        UNSIGNED_INT,
        VEC3,
        Accessor,
        Asset,
        Buffer,
        BufferView,
        Material,
        Mesh,
        Node,
        PbrMetallicRoughness,
        Primitive,
        Scene,
    )

    gltf = GLTF2(asset=Asset(version="2.0", generator="Shoplet"), scene=0)
    blob = bytearray()
    for index, part in enumerate(parts):
        positions = part.vertices.astype(np.float32).tobytes()
        indices = part.faces.astype(np.uint32).tobytes()
        for payload, target in ((positions, ARRAY_BUFFER), (indices, ELEMENT_ARRAY_BUFFER)):
            gltf.bufferViews.append(
                BufferView(buffer=0, byteOffset=len(blob), byteLength=len(payload), target=target)
            )
            blob += payload
            blob += b"\x00" * (-len(blob) % 4)
        low = part.vertices.min(axis=0).astype(np.float32).tolist()
        high = part.vertices.max(axis=0).astype(np.float32).tolist()
        gltf.accessors += [
            Accessor(
                bufferView=2 * index,
                componentType=FLOAT,
                count=len(part.vertices),
                type=VEC3,
                min=low,
                max=high,
            ),
            Accessor(
                bufferView=2 * index + 1,
                componentType=UNSIGNED_INT,
                count=part.faces.size,
                type=SCALAR,
            ),
        ]
        gltf.materials.append(
            Material(
                name=part.name,
                pbrMetallicRoughness=PbrMetallicRoughness(
                    baseColorFactor=list(part.color), metallicFactor=0.0, roughnessFactor=0.8
                ),
            )
        )
        primitive = Primitive(indices=2 * index + 1, material=index, mode=TRIANGLES)
        primitive.attributes.POSITION = 2 * index
        gltf.meshes.append(Mesh(name=part.name, primitives=[primitive]))
        gltf.nodes.append(Node(name=part.name, mesh=index))
    gltf.nodes.append(Node(name="root", children=list(range(len(parts)))))
    gltf.scenes.append(Scene(nodes=[len(parts)]))
    gltf.buffers.append(Buffer(byteLength=len(blob)))
    gltf.set_binary_blob(bytes(blob))
    # pygltflib returns the GLB as its pieces (header, chunk headers, chunks).
    return b"".join(gltf.save_to_bytes())

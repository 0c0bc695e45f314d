"""The search engine: the ``SearchEngine`` protocol and the embedded in-memory implementation.

``MemoryEngine`` is an inverted index held in each server process: words (jieba words, latin
runs) and Chinese bigrams/characters map to sets of product rows, and the words' pinyin keys
map to the words. A query is planned into *clauses* (one per query word, each a list of weighted
alternative index terms: the word itself, its synonyms, the words of the same pinyin, ...);
a product matches when every clause matches (one clause may be dropped when nothing matches
all). Matching, filters, scores, facets, sorts and keyset paging are numpy operations: a
posting becomes a sorted array of rows when a query first reads it, and what filters, facets
and sorts read are columns by row (no Python loop per matched product, but the title test).
Why not tantivy, and the way to OpenSearch/Meilisearch: docs/search.md.

Query planning, no database (``plan``):

- a Chinese run: the homophone table (奶分 → 奶粉), a word of the index, jieba's words of the
  run when they are all words of the index, else the run's pinyin covered by the pinyin of
  index words (电饭包 → dianfanbao → 电饭煲; the reading of what was typed, not its characters),
  else its bigrams/characters (partial words: 饭煲);
- a latin run: a latin word of the index (iphone15), full pinyin (xiyiji → 洗衣机), initials
  (dfb → 电饭煲), pinyin of several words (xiaomishouji), a prefix of a pinyin (dianfanb),
  pinyin typed with spaces (kou hong), then one edit (xiyiij → xiyiji);
- ``corrected_query`` is the query as the index understood it when that differs (洗衣机 for
  xiyiji, 电饭煲 for 电饭包).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from shoplet.modules.search.planner import Clause, Dictionary, QueryPlanner
from shoplet.modules.search.text import (
    MAX_QUERY_CHARS,
    Segmenter,
    document_grams,
    document_words,
    is_han,
    looks_like_initials,
    normalize,
    pinyin_keys,
)

SearchSort = Literal["relevance", "sales", "price_asc", "price_desc", "new"]

# Price facet buckets, fen: [0, 50 元), [50, 100), ... [3000 元, ∞).
PRICE_BUCKETS: tuple[int, ...] = (0, 5_000, 10_000, 30_000, 100_000, 300_000)
FACET_SIZE = 20
RELEVANCE_POOL = 2_000
PLAN_CACHE_SIZE = 1_024
_SALES_CAP = 2**32 - 1
_PRICE_EDGES = np.array(PRICE_BUCKETS[1:], np.int64)

# Rows of the index (sorted unless said otherwise), and a sort key as three columns.
Rows = npt.NDArray[np.int64]
Keys = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]
_EMPTY: Rows = np.zeros(0, np.int64)
_EMPTY.flags.writeable = False


@dataclass(slots=True)
class Doc:
    """A product as search sees it: the card fields of the product list, and what filters,
    facets and sorts need."""

    id: int
    title: str
    subtitle: str
    image: str | None
    image_set: dict[str, Any] | None
    price: int
    original_price: int
    sales_count: int
    category_id: int
    category_ids: tuple[int, ...]
    brand: str
    in_stock: bool
    flash: bool
    created: int
    # Its words in the index (for removal) and its normalised title (ranking).
    words: tuple[str, ...] = ()
    norm_title: str = ""
    # Texts the index reads: title, subtitle, brand, category names, tags.
    texts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Filters:
    category_id: int | None = None
    brand: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    in_stock: bool | None = None
    flash: bool | None = None

    def accepts(self, doc: Doc) -> bool:
        return (
            (self.category_id is None or self.category_id in doc.category_ids)
            and (self.brand is None or doc.brand.lower() == self.brand)
            and (self.price_min is None or doc.price >= self.price_min)
            and (self.price_max is None or doc.price <= self.price_max)
            and (self.in_stock is None or doc.in_stock == self.in_stock)
            and (self.flash is None or doc.flash == self.flash)
        )

    @property
    def empty(self) -> bool:
        return (
            self.category_id is None
            and self.brand is None
            and self.price_min is None
            and self.price_max is None
            and self.in_stock is None
            and self.flash is None
        )


@dataclass(frozen=True, slots=True)
class Boost:
    """Product ids (sorted) and their boost, ×1000 like the lexical score."""

    ids: npt.NDArray[np.int64]
    points: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)

    def of(self, product_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The boost of each of ``product_ids`` (0 for a product without one)."""
        out = np.zeros(len(product_ids), np.int64)
        if not len(self.ids) or not len(product_ids):
            return out
        at = np.minimum(np.searchsorted(self.ids, product_ids), len(self.ids) - 1)
        found = self.ids[at] == product_ids
        out[found] = self.points[at[found]]
        return out


@dataclass(slots=True)
class Hit:
    doc: Doc
    key: tuple[int, int, int]


@dataclass(slots=True)
class Result:
    hits: list[Hit]
    has_more: bool
    total: int
    facets: dict[str, Any] | None
    corrected_query: str | None
    relaxed: bool = False


class SearchEngine(Protocol):
    """What the search module needs from an engine. ``MemoryEngine`` is the embedded one; an
    OpenSearch (IK + pinyin analysers) or Meilisearch adapter implements the same calls
    (docs/search.md, "Scale path")."""

    def upsert(self, docs: Iterable[Doc]) -> None: ...
    def remove(self, ids: Iterable[int]) -> None: ...
    def set_dictionary(self, dictionary: Dictionary) -> None: ...
    def set_popular(self, queries: Sequence[tuple[str, int]]) -> None: ...
    def search(
        self,
        q: str,
        *,
        filters: Filters,
        sort: SearchSort,
        after: tuple[int, int, int] | None,
        limit: int,
        facets: bool,
        boost: Boost | None = None,
    ) -> Result: ...
    def suggest(self, q: str, limit: int) -> list[str]: ...
    def __len__(self) -> int: ...


def _contains(posting: Rows, rows: Rows) -> npt.NDArray[np.bool_]:
    """Which of ``rows`` are in the sorted array ``posting`` (a binary search each)."""
    if not len(posting) or not len(rows):
        return np.zeros(len(rows), np.bool_)
    at = np.searchsorted(posting, rows)
    np.minimum(at, len(posting) - 1, out=at)
    found: npt.NDArray[np.bool_] = posting[at] == rows
    return found


def _after(keys: Keys, after: tuple[int, int, int]) -> npt.NDArray[np.bool_]:
    """Which keys come after the cursor (tuple order)."""
    k0, k1, k2 = keys
    a0, a1, a2 = after
    later: npt.NDArray[np.bool_] = (k0 > a0) | ((k0 == a0) & ((k1 > a1) | ((k1 == a1) & (k2 > a2))))
    return later


def _smallest(keys: Keys, n: int) -> npt.NDArray[np.intp]:
    """Positions of the ``n`` smallest keys, in order: a partition on the first column, then a
    sort of what is left (ties on the first column included)."""
    k0, k1, k2 = keys
    if n <= 0 or not len(k0):
        return np.zeros(0, np.intp)
    within = np.arange(len(k0))
    if len(k0) > n:
        cut = np.partition(k0, n - 1)[n - 1]
        within = np.flatnonzero(k0 <= cut)
    order = np.lexsort((k2[within], k1[within], k0[within]))[:n]
    top: npt.NDArray[np.intp] = within[order]
    return top


def _most_common(counts: npt.NDArray[np.int64], values: Sequence[Any]) -> list[tuple[Any, int]]:
    """(value, count) of the FACET_SIZE largest counts, ties by value; zero counts left out."""
    codes = np.flatnonzero(counts)
    if len(codes) > FACET_SIZE:
        ranked = counts[codes]
        cut = np.partition(ranked, len(codes) - FACET_SIZE)[len(codes) - FACET_SIZE]
        codes = codes[ranked >= cut]
    pairs = [(values[c], n) for c, n in zip(codes.tolist(), counts[codes].tolist(), strict=True)]
    pairs.sort(key=lambda vn: (-vn[1], vn[0]))
    return pairs[:FACET_SIZE]


class MemoryEngine(QueryPlanner):
    """The embedded engine (see module doc). Not thread-safe: build a new one in a thread,
    then use it from the event loop only.

    Each product has a *row*: postings (``words``, ``grams``) hold rows, and what filters,
    facets and sorts read is kept in numpy columns by row, so a query scores, filters and
    counts its matches with array operations instead of a Python loop per product. A row is
    reused once its product left the index (and every posting). A product's fields are read
    into the columns by ``upsert``: change stock and flash-sale flags with ``set_flags``."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter
        # Bumped by every change a search could see (a result cache's key, runtime.py).
        self.generation = 0
        self.docs: dict[int, Doc] = {}
        self.words: dict[str, set[int]] = {}
        self.grams: dict[str, set[int]] = {}
        # pinyin → words: full pinyin (both ü spellings), initials.
        self.full: dict[str, set[str]] = {}
        self.initials: dict[str, set[str]] = {}
        self.dictionary = Dictionary([], {})
        self._synonyms: dict[str, list[str]] = {}
        self._popular: list[tuple[str, int]] = []
        self._sorted: dict[str, list[str]] = {}
        self._fuzzy: dict[str, tuple[list[str], list[str]]] = {}
        self._windows: tuple[list[str], dict[int, list[str]]] = ([], {})
        # Plans by query text, valid until the index or the dictionary changes.
        self._plans: dict[str, list[Clause]] = {}
        # Rows: a product's categories (any of ``category_ids``) → rows, for the filter; the
        # sorted array of a posting, built when a query first reads it, dropped when it changes.
        self._categories: dict[int, set[int]] = {}
        self._arrays: dict[tuple[str, object], Rows] = {}
        self._row_of: dict[int, int] = {}
        self._by_row: list[Doc | None] = []
        self._free: list[int] = []
        # Facet values are counted by code (np.bincount): category ids, brands as written, and
        # brands in lower case (the brand filter).
        self._category_codes: dict[int, int] = {}
        self._brand_codes: dict[str, int] = {}
        self._lower_codes: dict[str, int] = {}
        self._category_values: list[int] = []
        self._brand_values: list[str] = []
        capacity = 1_024
        self._ids = np.zeros(capacity, np.int64)
        self._sales = np.zeros(capacity, np.int64)
        self._price = np.zeros(capacity, np.int64)
        self._created = np.zeros(capacity, np.int64)
        self._category = np.zeros(capacity, np.int64)
        self._brand = np.zeros(capacity, np.int64)
        self._brand_lower = np.zeros(capacity, np.int64)
        self._in_stock = np.zeros(capacity, np.bool_)
        self._flash = np.zeros(capacity, np.bool_)
        self._alive = np.zeros(capacity, np.bool_)

    def __len__(self) -> int:
        return len(self.docs)

    # -- writing --------------------------------------------------------------------------

    def upsert(self, docs: Iterable[Doc]) -> None:
        self._plans.clear()
        self.generation += 1
        arrays = self._arrays
        for doc in docs:
            self._remove(doc.id)
            words, grams = document_words(self.segmenter, *doc.texts)
            doc.words = tuple(words)
            doc.norm_title = normalize(doc.title).replace(" ", "")
            self.docs[doc.id] = doc
            row = self._place(doc)
            for word in words:
                posting = self.words.get(word)
                if posting is None:
                    posting = self.words[word] = set()
                    self._learn(word)
                posting.add(row)
            for gram in grams:
                self.grams.setdefault(gram, set()).add(row)
            for category in doc.category_ids:
                self._categories.setdefault(category, set()).add(row)
            if arrays:
                for word in words:
                    arrays.pop(("w", word), None)
                for gram in grams:
                    arrays.pop(("g", gram), None)
                for category in doc.category_ids:
                    arrays.pop(("c", category), None)

    def remove(self, ids: Iterable[int]) -> None:
        self._plans.clear()
        self.generation += 1
        for doc_id in ids:
            self._remove(doc_id)

    def set_flags(
        self, doc_id: int, *, in_stock: bool | None = None, flash: bool | None = None
    ) -> None:
        """A product's stock and flash-sale flags (the stock sweep), in its ``Doc`` and in the
        columns the filters and facets read."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return
        row = self._row_of[doc_id]
        if (in_stock is not None and in_stock != doc.in_stock) or (
            flash is not None and flash != doc.flash
        ):
            self.generation += 1
        if in_stock is not None:
            doc.in_stock = in_stock
            self._in_stock[row] = in_stock
        if flash is not None:
            doc.flash = flash
            self._flash[row] = flash

    def _place(self, doc: Doc) -> int:
        if self._free:
            row = self._free.pop()
            self._by_row[row] = doc
        else:
            row = len(self._by_row)
            if row == len(self._ids):
                self._grow()
            self._by_row.append(doc)
        self._row_of[doc.id] = row
        self._ids[row] = doc.id
        self._sales[row] = doc.sales_count
        self._price[row] = doc.price
        self._created[row] = doc.created
        self._category[row] = self._code(
            self._category_codes, self._category_values, doc.category_id
        )
        self._brand[row] = self._code(self._brand_codes, self._brand_values, doc.brand)
        lower = doc.brand.lower()
        self._brand_lower[row] = self._lower_codes.setdefault(lower, len(self._lower_codes))
        self._in_stock[row] = doc.in_stock
        self._flash[row] = doc.flash
        self._alive[row] = True
        return row

    @staticmethod
    def _code(codes: dict[Any, int], values: list[Any], value: Any) -> int:
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(values)
            values.append(value)
        return code

    def _grow(self) -> None:
        size = len(self._ids) * 2
        for name in (
            "_ids", "_sales", "_price", "_created", "_category", "_brand", "_brand_lower",
            "_in_stock", "_flash", "_alive",
        ):  # fmt: skip
            old = getattr(self, name)
            new = np.zeros(size, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _remove(self, doc_id: int) -> None:
        doc = self.docs.pop(doc_id, None)
        if doc is None:
            return
        row = self._row_of.pop(doc_id)
        # Bigrams and characters depend on the texts only (not on jieba's dictionary): they are
        # recomputed here rather than kept per product (a third of the index's memory).
        grams = document_grams(*doc.texts)
        tables: tuple[tuple[str, dict[Any, set[int]], Iterable[Any]], ...] = (
            ("w", self.words, doc.words),
            ("g", self.grams, grams),
            ("c", self._categories, doc.category_ids),
        )
        for name, table, terms in tables:
            for term in terms:
                self._arrays.pop((name, term), None)
                posting = table.get(term)
                if posting is not None:
                    posting.discard(row)
                    if not posting:
                        del table[term]
        self._alive[row] = False
        self._by_row[row] = None
        self._free.append(row)

    def _learn(self, word: str) -> None:
        """A new word of the index: its pinyin keys (kept after the word leaves the index; a
        key whose words have no product matches nothing)."""
        fulls, initials = pinyin_keys(word)
        for key in fulls:
            if key not in self.full:
                self.full[key] = set()
                self._sorted.pop("full", None)
            self.full[key].add(word)
        if len(initials) >= 2:
            self.initials.setdefault(initials, set()).add(word)
        keys = self._sorted.get("words")
        if keys is not None:
            at = bisect.bisect_left(keys, word)
            if at == len(keys) or keys[at] != word:
                self._sorted.pop("words", None)

    def set_dictionary(self, dictionary: Dictionary) -> None:
        self._plans.clear()
        self.generation += 1
        self.dictionary = dictionary
        synonyms: dict[str, list[str]] = {}
        for group in dictionary.synonyms:
            words = [normalize(w) for w in group if normalize(w)]
            for word in words:
                synonyms.setdefault(word, []).extend(w for w in words if w != word)
        self._synonyms = synonyms
        self.segmenter.add_words([*synonyms, *dictionary.corrections.values()])

    def set_popular(self, queries: Sequence[tuple[str, int]]) -> None:
        self._popular = [(normalize(q), n) for q, n in queries if normalize(q)]

    # -- planning -------------------------------------------------------------------------

    def plan(self, q: str) -> list[Clause]:
        """``QueryPlanner.plan``, remembered per query text until the index changes (a plan
        reads the index: which words exist, how many products each has)."""
        plans = self._plans
        clauses = plans.get(q)
        if clauses is None:
            clauses = super().plan(q)
            if len(plans) >= PLAN_CACHE_SIZE:
                del plans[next(iter(plans))]
            plans[q] = clauses
        return list(clauses)

    # -- searching ------------------------------------------------------------------------

    def _posting(self, table: str, term: object) -> Rows:
        """The sorted rows of a posting (``w`` words, ``g`` grams, ``c`` categories)."""
        key = (table, term)
        rows = self._arrays.get(key)
        if rows is None:
            source: dict[Any, set[int]] = (
                self._categories if table == "c" else self.words if table == "w" else self.grams
            )
            posting = source.get(term)
            if not posting:
                return _EMPTY
            rows = np.fromiter(posting, np.int64, len(posting))
            rows.sort()
            rows.flags.writeable = False  # shared by every query until the posting changes
            self._arrays[key] = rows
        return rows

    def _clause_rows(self, clause: Clause) -> Rows:
        arrays = [self._posting(table, term) for table, term, _ in clause.alternatives]
        if len(arrays) == 1:
            return arrays[0]
        if not arrays:
            return _EMPTY
        return np.unique(np.concatenate(arrays))

    def match_rows(self, clauses: list[Clause]) -> tuple[Rows, bool]:
        """Rows (sorted) matching every clause; else every clause but one (relaxed)."""
        if not clauses:
            return _EMPTY, False
        arrays = sorted((self._clause_rows(c) for c in clauses), key=len)
        found = arrays[0]
        for other in arrays[1:]:
            found = found[_contains(other, found)]
            if not len(found):
                break
        if len(found) or len(arrays) < 2:
            return found, False
        counts = np.bincount(np.concatenate(arrays), minlength=len(self._ids))
        return np.flatnonzero(counts >= len(arrays) - 1), True

    def match(self, clauses: list[Clause]) -> tuple[set[int], bool]:
        """Product ids matching every clause; else every clause but one (relaxed)."""
        rows, relaxed = self.match_rows(clauses)
        return set(self._ids[rows].tolist()), relaxed

    def rows_of(self, ids: Iterable[int]) -> Rows:
        """The rows of the products of ``ids`` that are in the index, sorted."""
        row_of = self._row_of
        rows = [row for i in ids if (row := row_of.get(i)) is not None]
        return np.unique(np.array(rows, np.int64))

    def product_ids(self, rows: Rows) -> npt.NDArray[np.int64]:
        ids: npt.NDArray[np.int64] = self._ids[rows]
        return ids

    def sales(self, rows: Rows) -> npt.NDArray[np.int64]:
        sales: npt.NDArray[np.int64] = self._sales[rows]
        return sales

    def in_stock(self, rows: Rows) -> npt.NDArray[np.bool_]:
        flags: npt.NDArray[np.bool_] = self._in_stock[rows]
        return flags

    def filter_rows(self, rows: Rows, filters: Filters) -> Rows:
        """The rows of products ``filters`` accepts (``Filters.accepts``, on the columns)."""
        if filters.empty or not len(rows):
            return rows
        keep = np.ones(len(rows), np.bool_)
        if filters.category_id is not None:
            keep &= _contains(self._posting("c", filters.category_id), rows)
        if filters.brand is not None:
            code = self._lower_codes.get(filters.brand)
            if code is None:
                return _EMPTY
            keep &= self._brand_lower[rows] == code
        if filters.price_min is not None:
            keep &= self._price[rows] >= filters.price_min
        if filters.price_max is not None:
            keep &= self._price[rows] <= filters.price_max
        if filters.in_stock is not None:
            keep &= self._in_stock[rows] == filters.in_stock
        if filters.flash is not None:
            keep &= self._flash[rows] == filters.flash
        return rows[keep]

    def best_sellers(self, rows: Rows, n: int) -> Rows:
        """The ``n`` rows of the most sales (ties: the newest id), sorted by row."""
        if len(rows) <= n:
            return rows
        order = np.lexsort((self._ids[rows], self._sales[rows]))
        return np.sort(rows[order[-n:]])

    def scores(self, clauses: list[Clause], text: str, rows: Rows) -> npt.NDArray[np.int64]:
        """The lexical score of each row, ×1000: for each clause the weight of its best
        alternative the product matches (a clause whose alternatives all weigh the same counts
        in full), +700 when the title starts with the query, +500 when it holds it."""
        constant = 0.0
        scores = np.zeros(len(rows), np.int64)
        for clause in clauses:
            weights = {a[2] for a in clause.alternatives}
            if len(weights) <= 1:
                constant += max(weights, default=0.0)
                continue
            pending = np.ones(len(rows), np.bool_)
            for table, term, weight in sorted(clause.alternatives, key=lambda a: -a[2]):
                found = pending & _contains(self._posting(table, term), rows)
                scores[found] += round(weight * 1000)
                pending &= ~found
        scores += round(constant * 1000)
        compact = text.replace(" ", "") or "\0"
        by_row = self._by_row
        titles = [doc.norm_title if (doc := by_row[row]) else "" for row in rows.tolist()]
        bonus = [(700 if t.startswith(compact) else 500) if compact in t else 0 for t in titles]
        scores += np.array(bonus, np.int64)
        return scores

    def sort_keys(self, rows: Rows, sort: SearchSort) -> Keys:
        """The ascending key of ``sort`` of each row, as three columns (ties by id, newest
        first; relevance: score 0, then sales): also the keyset cursor."""
        ids = -self._ids[rows]
        zero = np.zeros(len(rows), np.int64)
        if sort == "relevance":
            return zero, -self._sales[rows], ids
        if sort == "sales":
            return -self._sales[rows], zero, ids
        if sort == "price_asc":
            return self._price[rows], zero, ids
        if sort == "price_desc":
            return -self._price[rows], zero, ids
        return -self._created[rows], zero, ids

    def page(
        self, rows: Rows, keys: Keys, after: tuple[int, int, int] | None, limit: int
    ) -> tuple[list[Hit], bool]:
        """The first ``limit`` rows by ascending key after the cursor, and whether more follow."""
        if after is not None:
            keep = _after(keys, after)
            rows = rows[keep]
            keys = (keys[0][keep], keys[1][keep], keys[2][keep])
        top = _smallest(keys, limit + 1)
        by_row = self._by_row
        hits = [
            Hit(doc, (k0, k1, k2))
            for row, k0, k1, k2 in zip(
                rows[top[:limit]].tolist(),
                keys[0][top[:limit]].tolist(),
                keys[1][top[:limit]].tolist(),
                keys[2][top[:limit]].tolist(),
                strict=True,
            )
            if (doc := by_row[row]) is not None
        ]
        return hits, len(top) > limit

    def search(
        self,
        q: str,
        *,
        filters: Filters,
        sort: SearchSort,
        after: tuple[int, int, int] | None,
        limit: int,
        facets: bool,
        boost: Boost | None = None,
    ) -> Result:
        """``boost``: points (×1000) added to the relevance score of the products it names
        (the shopper's context, ``context.py``); other sorts ignore it."""
        clauses = self.plan(q)
        rows, relaxed = self.match_rows(clauses)
        rows = self.filter_rows(rows, filters)
        text = "".join(c.text if not c.latin else f" {c.text} " for c in clauses)
        if sort == "relevance":
            # Scored over at most RELEVANCE_POOL matches: past that, the best sellers of them
            # (the same pool on every page while the index is unchanged).
            pool = self.best_sellers(rows, RELEVANCE_POOL)
            scores = self.scores(clauses, normalize(q), pool)
            if boost is not None and len(boost):
                scores += boost.of(self._ids[pool])
            keys: Keys = (
                -scores,
                -np.minimum(self._sales[pool], _SALES_CAP),
                -self._ids[pool],
            )
            hits, has_more = self.page(pool, keys, after, limit)
        else:
            hits, has_more = self.page(rows, self.sort_keys(rows, sort), after, limit)
        corrected = " ".join(text.split())
        typed = " ".join(normalize(q).split())
        changed = any(not c.exact for c in clauses) and corrected and corrected != typed
        return Result(
            hits=hits,
            has_more=has_more,
            total=len(rows),
            facets=self.facets(rows) if facets else None,
            corrected_query=corrected if changed else None,
            relaxed=relaxed,
        )

    def browse(
        self,
        *,
        filters: Filters,
        sort: SearchSort,
        after: tuple[int, int, int] | None,
        limit: int,
    ) -> Result:
        """No query: every product passing the filters, in ``sort`` order (relevance: sales)."""
        rows = self.filter_rows(np.flatnonzero(self._alive), filters)
        hits, has_more = self.page(rows, self.sort_keys(rows, sort), after, limit)
        return Result(
            hits=hits, has_more=has_more, total=len(rows), facets=None, corrected_query=None
        )

    def facets(self, rows: Rows) -> dict[str, Any]:
        """Categories and brands (most products first, then by value), price ranges, and how
        many are in stock and in a flash sale, counted over ``rows``."""
        categories = _most_common(
            np.bincount(self._category[rows], minlength=len(self._category_values)),
            self._category_values,
        )
        by_brand = np.bincount(self._brand[rows], minlength=len(self._brand_values))
        no_brand = self._brand_codes.get("")
        if no_brand is not None:
            by_brand[no_brand] = 0
        brands = _most_common(by_brand, self._brand_values)
        buckets = np.searchsorted(_PRICE_EDGES, self._price[rows], side="right")
        prices = np.bincount(buckets, minlength=len(PRICE_BUCKETS)).tolist()
        bounds = [*PRICE_BUCKETS, None]
        return {
            "categories": [{"id": c, "count": n} for c, n in categories],
            "brands": [{"name": b, "count": n} for b, n in brands],
            "price_ranges": [
                {"min": bounds[i], "max": bounds[i + 1], "count": n}
                for i, n in enumerate(prices)
                if n
            ],
            "in_stock": int(np.count_nonzero(self._in_stock[rows])),
            "flash_sale": int(np.count_nonzero(self._flash[rows])),
        }

    def match_ids(self, q: str, limit: int) -> list[int]:
        """Product ids matching ``q``, most relevant first (the product list's ``q``)."""
        result = self.search(
            q, filters=Filters(), sort="relevance", after=None, limit=limit, facets=False
        )
        return [h.doc.id for h in result.hits]

    # -- suggestions ----------------------------------------------------------------------

    def suggest(self, q: str, limit: int) -> list[str]:
        """Words of titles and brands, and popular queries, that start with what was typed —
        in characters, full pinyin (pingg → 苹果) or initials."""
        text = normalize(q)[:MAX_QUERY_CHARS].replace(" ", "")
        if not text:
            return []
        scored: dict[str, float] = {}
        for query, count in self._popular:
            compact = query.replace(" ", "")
            if compact.startswith(text) or any(k.startswith(text) for k in pinyin_keys(compact)[0]):
                scored[query] = max(scored.get(query, 0.0), 1_000_000.0 + count)
        words: list[str] = []
        if is_han(text[:1]):
            keys = self._sorted_keys("words")
            i = bisect.bisect_left(keys, text)
            while i < len(keys) and keys[i].startswith(text) and len(words) < 500:
                words.append(keys[i])
                i += 1
        elif text.isascii():
            keys = self._sorted_keys("full")
            i = bisect.bisect_left(keys, text)
            while i < len(keys) and keys[i].startswith(text) and len(words) < 500:
                words += self._full_words(keys[i])
                i += 1
            if looks_like_initials(text):
                words += [w for w in self.initials.get(text, ()) if w in self.words]
            keys = self._sorted_keys("words")
            i = bisect.bisect_left(keys, text)
            while i < len(keys) and keys[i].startswith(text) and len(words) < 1_000:
                words.append(keys[i])
                i += 1
        for word in words:
            if len(word) >= 2 and not word.isdigit():
                scored[word] = max(scored.get(word, 0.0), float(self._df(word)))
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        return [w for w, _ in ranked[:limit]]

"""Query planning for the embedded engine (no database): a query becomes *clauses*, one per
query word, each a list of weighted alternative index terms (see ``engine.py``'s module doc for
the rules). ``QueryPlanner`` is the half of ``MemoryEngine`` that reads its tables."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from shoplet.modules.search.text import (
    MAX_QUERY_CHARS,
    Segmenter,
    han_bigrams,
    latin_parts,
    looks_like_initials,
    normalize,
    runs,
    syllables,
)

MAX_ALTERNATIVES = 8
FUZZY_MIN_CHARS = 4
FUZZY_CACHE_SIZE = 1_024

EXACT, SYNONYM, PINYIN, INITIALS, PARTIAL, PREFIX, FUZZY = 1.0, 0.9, 0.85, 0.7, 0.6, 0.6, 0.5


@dataclass(slots=True)
class Clause:
    """One query word: alternatives ``(table, term, weight)``, table ``w`` (words) or ``g``
    (bigrams, characters); ``text`` is how the index understood it, ``exact`` whether that is
    what was typed."""

    alternatives: list[tuple[str, str, float]]
    text: str
    exact: bool
    latin: bool = False


@dataclass(slots=True)
class Dictionary:
    """The merchant's tables: synonym groups and homophone/typo corrections (wrong → right)."""

    synonyms: list[list[str]]
    corrections: dict[str, str]


class QueryPlanner:
    """Planning over the engine's tables: words → product ids, pinyin → words."""

    segmenter: Segmenter
    words: dict[str, set[int]]
    grams: dict[str, set[int]]
    full: dict[str, set[str]]
    initials: dict[str, set[str]]
    dictionary: Dictionary
    _synonyms: dict[str, list[str]]
    _sorted: dict[str, list[str]]
    # One-edit keys by typed token, with the sorted key list they were found in; keys of a near
    # length, by length, for that list.
    _fuzzy: dict[str, tuple[list[str], list[str]]]
    _windows: tuple[list[str], dict[int, list[str]]]

    def _sorted_keys(self, name: str) -> list[str]:
        keys = self._sorted.get(name)
        if keys is None:
            keys = sorted(self.full if name == "full" else self.words)
            self._sorted[name] = keys
        return keys

    def _df(self, word: str) -> int:
        return len(self.words.get(word, ()))

    def _best(self, words: Iterable[str]) -> list[str]:
        """Words of the index, most products first (then shortest, then by text)."""
        present = [w for w in words if w in self.words]
        present.sort(key=lambda w: (-self._df(w), len(w), w))
        return present[:MAX_ALTERNATIVES]

    def _word_clause(self, word: str, weight: float, *, exact: bool, latin: bool) -> Clause:
        alternatives = [("w", word, weight)]
        alternatives += [("w", s, SYNONYM * weight) for s in self._synonyms.get(word, ())]
        return Clause(alternatives, word, exact, latin)

    def _words_clause(
        self, words: list[str], weight: float, typed: str, *, latin: bool
    ) -> Clause | None:
        best = self._best(words)
        if not best:
            return None
        alternatives: list[tuple[str, str, float]] = []
        for word in best:
            w = EXACT if word == typed else weight
            alternatives.append(("w", word, w))
            alternatives += [("w", s, SYNONYM * w) for s in self._synonyms.get(word, ())]
        text = typed if typed in best else best[0]
        return Clause(alternatives, text, text == typed, latin)

    def plan(self, q: str) -> list[Clause]:
        text = normalize(q)[:MAX_QUERY_CHARS]
        for wrong, right in self.dictionary.corrections.items():
            if wrong and wrong in text:
                text = text.replace(normalize(wrong), normalize(right))
        clauses: list[Clause] = []
        pending: list[str] = []  # consecutive latin runs: "kou hong"
        for kind, run in runs(text):
            if kind == "lat":
                pending.append(run)
                continue
            clauses += self._latin_group(pending)
            pending = []
            clauses += self._han(run)
        clauses += self._latin_group(pending)
        return clauses

    def _han(self, run: str) -> list[Clause]:
        if run in self.words or run in self._synonyms:
            return [self._word_clause(run, EXACT, exact=True, latin=False)]
        pieces = self.segmenter.query_words(run)
        if len(pieces) > 1 and all(len(p) >= 2 and p in self.words for p in pieces):
            return [self._word_clause(p, EXACT, exact=True, latin=False) for p in pieces]
        by_pinyin = self._han_by_pinyin(run)
        if by_pinyin is not None:
            return by_pinyin
        return self._partial(run)

    def _han_by_pinyin(self, run: str) -> list[Clause] | None:
        """Cover the run's syllables with the pinyin of index words, fewest pieces first; a
        syllable left alone keeps its character (a partial match). None when no piece of two
        syllables or more matched (the run is then matched by its characters)."""
        sounds = syllables(run)
        if len(sounds) != len(run):
            return None
        n = len(sounds)
        best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, start of last piece)
        best[0] = (0, 0)
        for end in range(1, n + 1):
            for start in range(max(0, end - 8), end):
                prev = best[start]
                if prev is None:
                    continue
                if end - start >= 2 and not self._full_words("".join(sounds[start:end])):
                    continue
                cost = prev[0] + (1 if end - start >= 2 else 3)
                current = best[end]
                if current is None or cost < current[0]:
                    best[end] = (cost, start)
        pieces: list[tuple[int, int]] = []
        end = n
        while end > 0:
            entry = best[end]
            if entry is None:  # unreachable: every end walked back to was reached
                return None
            pieces.append((entry[1], end))
            end = entry[1]
        pieces.reverse()
        if not any(e - s >= 2 for s, e in pieces):
            return None
        clauses: list[Clause] = []
        for start, end in pieces:
            typed = run[start:end]
            if end - start == 1:
                clauses += self._partial(typed)
                continue
            clause = self._words_clause(
                self._full_words("".join(sounds[start:end])), PINYIN, typed, latin=False
            )
            if clause is not None:
                clauses.append(clause)
        return clauses

    def _full_words(self, key: str) -> list[str]:
        return [w for w in self.full.get(key, ()) if w in self.words]

    def _partial(self, run: str) -> list[Clause]:
        grams = han_bigrams(run) or [run]
        return [Clause([("g", g, PARTIAL)], g, True) for g in grams if g]

    def _latin_group(self, tokens: list[str]) -> list[Clause]:
        if not tokens:
            return []
        if len(tokens) > 1:
            joined = "".join(tokens)
            whole = self._latin_whole(joined)
            if whole is not None and not all(t in self.words for t in tokens):
                return whole
        clauses: list[Clause] = []
        for token in tokens:
            clauses += self._latin(token)
        return clauses

    def _latin_whole(self, token: str) -> list[Clause] | None:
        """A latin run read as one thing: a word (or a merchant's synonym: iphone → 苹果手机), a
        pinyin, initials, or pinyin of words."""
        if token in self.words or token in self._synonyms:
            return [self._word_clause(token, EXACT, exact=True, latin=True)]
        clause = self._words_clause(self._full_words(token), PINYIN, token, latin=True)
        if clause is not None:
            return [clause]
        if looks_like_initials(token):
            words = [w for w in self.initials.get(token, ()) if w in self.words]
            clause = self._words_clause(words, INITIALS, token, latin=True)
            if clause is not None:
                return [clause]
        return self._latin_split(token)

    def _latin(self, token: str) -> list[Clause]:
        whole = self._latin_whole(token)
        if whole is not None:
            return whole
        parts = latin_parts(token)[1:]
        if parts and all(p in self.words for p in parts):
            return [self._word_clause(p, EXACT, exact=True, latin=True) for p in parts]
        prefix = self._prefix_clause(token)
        if prefix is not None:
            return [prefix]
        fuzzy = self._fuzzy_clause(token)
        if fuzzy is not None:
            return [fuzzy]
        return [Clause([], token, True, latin=True)]

    def _latin_split(self, token: str) -> list[Clause] | None:  # noqa: PLR0912
        """Cover the run with pinyin keys or latin words of the index (xiaomishouji), fewest
        pieces; the last piece may be the start of a pinyin (dianfanb)."""
        n = len(token)
        if n < 4:
            return None
        best: list[tuple[int, int] | None] = [None] * (n + 1)
        best[0] = (0, 0)
        for end in range(2, n + 1):
            for start in range(max(0, end - 24), end - 1):
                prev = best[start]
                if prev is None:
                    continue
                piece = token[start:end]
                if not (self._full_words(piece) or (piece in self.words and not piece.isdigit())):
                    continue
                current = best[end]
                if current is None or prev[0] + 1 < current[0]:
                    best[end] = (prev[0] + 1, start)
        end = n
        tail: Clause | None = None
        if best[n] is None:
            # The last piece typed partly: the longest covered start plus a pinyin prefix.
            for cut in range(n - 2, 1, -1):
                if best[cut] is not None:
                    tail = self._prefix_clause(token[cut:])
                    if tail is not None:
                        end = cut
                        break
            if tail is None:
                return None
        pieces: list[tuple[int, int]] = []
        while end > 0:
            entry = best[end]
            if entry is None:  # unreachable: every end walked back to was reached
                return None
            pieces.append((entry[1], end))
            end = entry[1]
        pieces.reverse()
        if len(pieces) < (1 if tail is not None else 2):
            return None
        clauses: list[Clause] = []
        for start, stop in pieces:
            piece = token[start:stop]
            if piece in self.words:
                clauses.append(self._word_clause(piece, EXACT, exact=True, latin=True))
                continue
            clause = self._words_clause(self._full_words(piece), PINYIN, piece, latin=True)
            if clause is None:
                return None
            clauses.append(clause)
        if tail is not None:
            clauses.append(tail)
        return clauses

    def _prefix_clause(self, token: str) -> Clause | None:
        if len(token) < 2:
            return None
        found: list[str] = []
        for name in ("full", "words"):
            keys = self._sorted_keys(name)
            i = bisect.bisect_left(keys, token)
            while i < len(keys) and keys[i].startswith(token) and len(found) < 200:
                key = keys[i]
                found += self._full_words(key) if name == "full" else [key]
                i += 1
        return self._words_clause(found, PREFIX, token, latin=True)

    def _fuzzy_clause(self, token: str) -> Clause | None:
        if len(token) < FUZZY_MIN_CHARS or not token.isalpha():
            return None
        words = [w for key in self._fuzzy_keys(token) for w in self._full_words(key)]
        return self._words_clause(words, FUZZY, token, latin=True)

    def _fuzzy_keys(self, token: str) -> list[str]:
        """The (at most 5) pinyin keys one edit from ``token``, nearest first, then in key
        order; remembered until a new key enters the index (keys never leave it)."""
        keys = self._sorted_keys("full")
        cached = self._fuzzy.get(token)
        if cached is not None and cached[0] is keys:
            return cached[1]
        # One edit changes the length by one at most: only keys of a near length are compared
        # (in key order, so ties come out as over all keys).
        matches = process.extract(
            token,
            self._near_length(keys, len(token)),
            scorer=OSA.distance,
            score_cutoff=1,
            limit=5,
        )
        found = [key for key, _, _ in matches]
        if len(self._fuzzy) >= FUZZY_CACHE_SIZE:
            del self._fuzzy[next(iter(self._fuzzy))]
        self._fuzzy[token] = (keys, found)
        return found

    def _near_length(self, keys: list[str], size: int) -> list[str]:
        """The keys (of the sorted ``keys``) of ``size`` characters, one fewer or one more."""
        if self._windows[0] is not keys:
            self._windows = (keys, {})
        windows = self._windows[1]
        near = windows.get(size)
        if near is None:
            near = windows[size] = [k for k in keys if abs(len(k) - size) <= 1]
        return near

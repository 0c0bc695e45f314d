"""The sensitive-word filter: pure, no I/O. A :class:`Lexicon` is compiled once from the
merchant's words (three Aho–Corasick automatons, pyahocorasick) and answers :meth:`Lexicon.scan`
for any number of texts.

What a shopper may do to slip a word past, and what undoes it before matching:

- full-width letters and digits (``ＳＢ``), upper case: NFKC, then case folding;
- traditional or variant characters (``傻逼`` written ``儍逼``, ``說``): OpenCC ``t2s``, plus a
  small table of look-alikes OpenCC keeps (``VARIANTS``);
- separators between the characters (``傻*逼``, ``傻 逼``, ``傻_逼``, emoji): every character
  that is not a letter, a digit or a CJK ideograph is dropped before matching (positions are
  kept, so a replacement masks the original span);
- pinyin typed for some or all of the characters (``shabi``, ``sha逼``, ``SHA BI``): the text
  is also read as pinyin, one syllable per ideograph with letters kept, and each word's pinyin
  is matched there on syllable boundaries, only where the match holds a typed letter. Pure
  homophones in characters (``沙比``) are not matched: over a lexicon of thousands of words
  they would hold most innocent texts (``bench/moderation_filter.py`` measured it);
- initials (``nmsl``): a whole run of letters equal to the initials of a word of at least
  ``INITIALS_MIN`` characters (two letters are too common; list ``sb`` as a word itself).

A pinyin or initials match is never more than ``hold``: letters can be innocent, so a person
decides. An exact (normalised) match takes the word's own action. Words made of letters match
only as a whole run of letters (``vx`` in ``加vx`` but not in ``novx``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import ahocorasick
import opencc

Action = Literal["block", "hold", "replace"]
Via = Literal["word", "pinyin", "initials"]
# The stronger action wins when several words match.
SEVERITY: dict[str, int] = {"replace": 1, "hold": 2, "block": 3}
MASK = "*"
INITIALS_MIN = 3
# Look-alikes OpenCC's t2s keeps as they are.
VARIANTS: dict[str, str] = {
    "儍": "傻",
    "煞": "傻",
    "屄": "逼",
    "㊣": "正",
    "〇": "零",
}

_t2s = opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class Word:
    id: int
    word: str
    category: str
    action: Action


@dataclass(frozen=True, slots=True)
class Hit:
    word_id: int
    word: str
    category: str
    action: Action
    via: Via
    start: int  # in the original text
    end: int  # exclusive


@dataclass(frozen=True, slots=True)
class Scan:
    hits: tuple[Hit, ...]
    text: str  # the original, with the spans of ``replace`` hits masked

    @property
    def action(self) -> Action | None:
        """The strongest action among the hits (None: nothing found)."""
        if not self.hits:
            return None
        best = max(self.hits, key=lambda h: SEVERITY[h.action])
        return best.action


def _is_ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_kept(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or _is_ideograph(ch)


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    """What one character becomes for matching: NFKC (full width), case folded, a variant
    replaced, separators gone ("")."""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    folded = VARIANTS.get(folded, folded)
    return "".join(piece for piece in folded if _is_kept(piece))


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as matched (folded, simplified, separators dropped) and, for each of its
    characters, its index in ``text``."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for piece in _fold(ch):
            chars.append(piece)
            where.append(i)
    folded = "".join(chars)
    simplified = _t2s.convert(folded)
    if len(simplified) != len(folded):  # a phrase conversion changed the length: per character
        simplified = "".join(_t2s.convert(c)[:1] or c for c in folded)
    simplified = "".join(VARIANTS.get(c, c) for c in simplified)
    return simplified, where


@lru_cache(maxsize=65536)
def _syllable(ch: str) -> str:
    if not _is_ideograph(ch):
        return ch
    # pypinyin's dictionaries are ~50 MB once parsed: an API process loads them when the first
    # lexicon is built, not at import (most processes never screen a text).
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch, errors="ignore")[0]


def pinyin_of(word: str) -> str:
    """Each character's usual reading (what a shopper types to dodge the word)."""
    return "".join(_syllable(c) for c in word)


def initials_of(word: str) -> str:
    return "".join(_syllable(c)[:1] for c in word)


def _letters_edge_ok(norm: str, start: int, end: int) -> bool:
    """A match that starts (ends) with a letter may not continue a run of letters."""
    if norm[start].isalpha() and norm[start].isascii() and start > 0:
        before = norm[start - 1]
        if before.isascii() and before.isalpha():
            return False
    if norm[end - 1].isalpha() and norm[end - 1].isascii() and end < len(norm):
        after = norm[end]
        if after.isascii() and after.isalpha():
            return False
    return True


class Lexicon:
    """The compiled words; ``version`` is the lexicon version it was built from."""

    def __init__(self, words: Iterable[Word], version: int = 0) -> None:
        self.version = version
        self.words: dict[int, Word] = {}
        self._exact = ahocorasick.Automaton()
        self._pinyin = ahocorasick.Automaton()
        self._initials: dict[str, list[int]] = {}
        exact: dict[str, list[int]] = {}
        pinyin: dict[str, list[int]] = {}
        self._reach = 0  # the longest pinyin key: how far a match reaches from a typed letter
        for w in words:
            key, _ = normalise(w.word)
            if not key:
                continue
            self.words[w.id] = w
            exact.setdefault(key, []).append(w.id)
            ideographs = sum(_is_ideograph(c) for c in key)
            if ideographs >= 2:
                spelled = pinyin_of(key)
                pinyin.setdefault(spelled, []).append(w.id)
                self._reach = max(self._reach, len(spelled))
                # Two letters are too common to stand for a word by themselves (ok, qq, ps):
                # list such abbreviations (sb) as words of their own.
                if ideographs == len(key) >= INITIALS_MIN:
                    self._initials.setdefault(initials_of(key), []).append(w.id)
        for key, ids in exact.items():
            self._exact.add_word(key, (len(key), tuple(ids)))
        for key, ids in pinyin.items():
            self._pinyin.add_word(key, (len(key), tuple(ids)))
        self._has_exact = bool(exact)
        self._has_pinyin = bool(pinyin)
        if exact:
            self._exact.make_automaton()
        if pinyin:
            self._pinyin.make_automaton()

    def __len__(self) -> int:
        return len(self.words)

    def _hit(self, word_id: int, via: Via, start: int, end: int) -> Hit:
        w = self.words[word_id]
        action: Action = w.action if via == "word" else "hold"
        return Hit(w.id, w.word, w.category, action, via, start, end)

    def scan(self, text: str) -> Scan:
        norm, where = normalise(text)
        hits: list[Hit] = []
        seen: set[tuple[int, int]] = set()
        if not norm:
            return Scan((), text)
        if self._has_exact:
            for end, (length, ids) in self._exact.iter(norm):
                start = end - length + 1
                if not _letters_edge_ok(norm, start, end + 1):
                    continue
                for word_id in ids:
                    seen.add((word_id, start))
                    hits.append(self._hit(word_id, "word", where[start], where[end] + 1))
        typed = any(c.isascii() and c.isalpha() for c in norm)
        if self._has_pinyin and typed:
            hits.extend(self._pinyin_hits(norm, where, seen))
        if self._initials:
            hits.extend(self._initials_hits(norm, where))
        return Scan(tuple(hits), _mask(text, hits))

    def _channel(self, norm: str) -> tuple[str, list[int], set[int]]:
        """The pinyin channel: one syllable per ideograph, letters and digits as they are, and
        for each of its characters the index in ``norm``; the syllable boundaries. Only
        characters within reach of a typed letter can be part of a match, so the rest is left
        out (a ``|`` that is in no key marks the gap)."""
        near = bytearray(len(norm))
        for i, ch in enumerate(norm):
            if ch.isascii() and ch.isalpha():
                lo, hi = max(i - self._reach, 0), min(i + self._reach + 1, len(norm))
                near[lo:hi] = b"\x01" * (hi - lo)
        parts: list[str] = []
        owner: list[int] = []
        boundary: set[int] = {0}
        for i, ch in enumerate(norm):
            if not near[i]:
                if parts and parts[-1] != "|":
                    boundary.add(len(owner))
                    parts.append("|")
                    owner.append(i)
                    boundary.add(len(owner))
                continue
            ideograph = _is_ideograph(ch)
            if ideograph:
                boundary.add(len(owner))
            for letter in _syllable(ch):
                parts.append(letter)
                owner.append(i)
            if ideograph:
                boundary.add(len(owner))
            elif not ch.isalpha():
                boundary.add(len(owner) - 1)
                boundary.add(len(owner))
        return "".join(parts), owner, boundary

    def _pinyin_hits(
        self, norm: str, where: Sequence[int], seen: set[tuple[int, int]]
    ) -> list[Hit]:
        # A match must begin and end on an ideograph's syllable boundary; where it begins or
        # ends inside typed letters any position counts (typed pinyin has no visible
        # boundaries).
        channel, owner, boundary = self._channel(norm)
        out: list[Hit] = []
        for end, (length, ids) in self._pinyin.iter(channel):
            start = end - length + 1
            start_ok = start in boundary or not _is_ideograph(norm[owner[start]])
            end_ok = end + 1 in boundary or not _is_ideograph(norm[owner[end]])
            if not (start_ok and end_ok):
                continue
            span = range(owner[start], owner[end] + 1)
            if all(_is_ideograph(norm[k]) for k in span):
                continue  # a homophone in characters only
            all_typed = not any(_is_ideograph(norm[k]) for k in span)
            # All letters: the shopper typed the pinyin; it must be a letter run of its own.
            if all_typed and not _letters_edge_ok(norm, owner[start], owner[end] + 1):
                continue
            a, b = owner[start], owner[end]
            for word_id in ids:
                if (word_id, a) in seen:
                    continue
                out.append(self._hit(word_id, "pinyin", where[a], where[b] + 1))
        return out

    def _initials_hits(self, norm: str, where: Sequence[int]) -> list[Hit]:
        out: list[Hit] = []
        i = 0
        while i < len(norm):
            if norm[i].isascii() and norm[i].isalpha():
                j = i
                while j < len(norm) and norm[j].isascii() and norm[j].isalpha():
                    j += 1
                for word_id in self._initials.get(norm[i:j], ()):
                    out.append(self._hit(word_id, "initials", where[i], where[j - 1] + 1))
                i = j
            else:
                i += 1
        return out


def _mask(text: str, hits: Sequence[Hit]) -> str:
    spans = [(h.start, h.end) for h in hits if h.action == "replace"]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for k in range(start, end):
            if not chars[k].isspace():
                chars[k] = MASK
    return "".join(chars)

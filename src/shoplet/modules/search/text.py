"""Chinese text for search, no database and no index: normalising, splitting into runs,
segmenting with jieba (and the catalog's own words), and the pinyin keys of a word.

Everything here is a pure function of its input (plus the word list a :class:`Segmenter` was
given), tested table-driven in ``tests/modules/search/test_text.py``.

- :func:`normalize`: NFKC (full-width letters and digits become ASCII), lower case, control and
  zero-width characters become spaces, runs of spaces collapse.
- :func:`runs`: the text as ``("han", "电饭煲")`` and ``("lat", "xiyiji")`` runs (latin letters
  and digits together, ``iphone15``); everything else separates runs.
- :func:`pinyin_keys`: full pinyin (``dianfanbao``, and ``nu`` next to ``nv`` for ü) and initials
  (``dfb``) of a word, pypinyin's phrase dictionary choosing the reading (重庆 → chongqing).
- :class:`Segmenter`: jieba with a product dictionary (brands, categories, tags, synonyms), its
  own ``jieba.Tokenizer`` loaded lazily (``load`` takes ~1 s: call it in a thread).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import ChainMap
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# Characters treated as Chinese: CJK unified ideographs and extension A, compatibility ideographs.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{_HAN}]+)|([a-z0-9]+)")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LETTERS_DIGITS = re.compile(r"[a-z]+|[0-9]+")
_SPACES = re.compile(r"\s+")
# The letters a pinyin syllable can start with, for telling initials ("dfb") from other latin.
_VOWELS = set("aeiouv")

MAX_QUERY_CHARS = 50
RUN_CACHE_SIZE = 100_000


def normalize(text: str) -> str:
    """NFKC, lower case; control, format (zero-width, bidi) and other invisible characters
    become spaces; spaces collapse."""
    text = unicodedata.normalize("NFKC", text).lower()
    cleaned = [
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch
        for ch in text
    ]
    return _SPACES.sub(" ", "".join(cleaned)).strip()


def runs(text: str) -> list[tuple[str, str]]:
    """``normalize``d text as ("han" | "lat", run) pairs, in order; punctuation, emoji and
    spaces only separate runs."""
    out: list[tuple[str, str]] = []
    for match in _RUN.finditer(text):
        han, lat = match.group(1), match.group(2)
        out.append(("han", han) if han else ("lat", lat))
    return out


def is_han(text: str) -> bool:
    return bool(text) and all(_HAN_CHAR.fullmatch(ch) for ch in text)


def latin_parts(token: str) -> list[str]:
    """A latin run and its letter and digit parts: ``iphone15`` → iphone15, iphone, 15."""
    parts = _LETTERS_DIGITS.findall(token)
    return [token, *parts] if len(parts) > 1 else [token]


def han_bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=200_000)
def syllables(word: str) -> tuple[str, ...]:
    """The pinyin syllables of a Chinese word, without tones, ü written ``v`` (lüe → lve);
    pypinyin's phrase dictionary picks the reading of polyphonic characters (重庆 → chong qing)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def _u_variants(full: str) -> set[str]:
    """Both spellings users type for ü: ``nv``/``nu``, ``lv``/``lu``, ``lve``/``lue``."""
    return {full, full.replace("v", "u")} if "v" in full else {full}


@lru_cache(maxsize=200_000)
def pinyin_keys(word: str) -> tuple[frozenset[str], str]:
    """(full pinyin spellings, initials) of a Chinese word: ({"nvzhuang", "nuzhuang"}, "nz").
    Empty for a word without Chinese characters."""
    if not is_han(word):
        return frozenset(), ""
    parts = syllables(word)
    if len(parts) != len(word):
        return frozenset(), ""
    return frozenset(_u_variants("".join(parts))), "".join(p[0] for p in parts)


def looks_like_initials(token: str) -> bool:
    """Two to eight letters, at most one of them a vowel: ``dfb``, ``xyj``, ``ysf``, ``aj``."""
    return token.isalpha() and 2 <= len(token) <= 8 and sum(c in _VOWELS for c in token) <= 1


_BASE_LOCK = threading.Lock()
_BASE: list[Any] = []


def _base_tokenizer() -> Any:
    """jieba's dictionary, loaded once per process (~60 MB of prefix table): indexes share it."""
    with _BASE_LOCK:
        if not _BASE:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _BASE.append(tokenizer)
        return _BASE[0]


def _own_tokenizer() -> Any:
    """A tokenizer whose added words are its own: its table reads the shared dictionary through a
    ChainMap and writes (``add_word``) to a small dict of this index alone."""
    import jieba

    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = ChainMap({}, base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    return tokenizer


class Segmenter:
    """jieba with the catalog's own words. ``load`` builds jieba's prefix dictionary (~1 s, the
    first time a process loads it without jieba's cache file) and then adds the product words:
    call it from a thread, never on the event loop during start-up."""

    def __init__(self) -> None:
        self._tokenizer: object | None = None
        self._lock = threading.Lock()
        self._added: set[str] = set()
        # Index words by run: a catalog repeats its runs (brands, categories, tags, title
        # words), and a run's words change only when a word is added.
        self._runs: dict[str, list[str]] = {}

    def load(self, words: Iterable[str] = ()) -> None:
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = _own_tokenizer()
        self.add_words(words)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach jieba product words (brands, categories, tags, synonyms): 手机壳 stays one word."""
        tokenizer = self._tokenizer
        if tokenizer is None:
            return
        for word in words:
            if len(word) >= 2 and word not in self._added and any(_HAN_CHAR.match(c) for c in word):
                self._added.add(word)
                tokenizer.add_word(word, freq=2_000)  # type: ignore[attr-defined]
                self._runs = {}

    @property
    def loaded(self) -> bool:
        return self._tokenizer is not None

    def index_words(self, run: str) -> list[str]:
        """Words of a Chinese run for the index: jieba's search mode (long words and the words
        inside them: 电饭煲 and 饭煲), no HMM guessing (stable across builds)."""
        if self._tokenizer is None:
            return [run]
        cache = self._runs  # replaced, not cleared, by add_words: a cut made before stays out
        cached = cache.get(run)
        if cached is None:
            cut = self._tokenizer.cut_for_search(run, HMM=False)  # type: ignore[attr-defined]
            cached = [w for w in cut if w.strip()]
            if len(cache) >= RUN_CACHE_SIZE:
                cache.clear()
            cache[run] = cached
        return list(cached)

    def query_words(self, run: str) -> list[str]:
        """Words of a Chinese run of a query: jieba's precise mode (longest words), no HMM."""
        if self._tokenizer is None:
            return [run]
        cut = self._tokenizer.cut(run, HMM=False)  # type: ignore[attr-defined]
        return [w for w in cut if w.strip()]


def document_words(segmenter: Segmenter, *texts: str) -> tuple[set[str], set[str]]:
    """(words, han bigrams and characters) of the texts of one product, for the index.

    Words: jieba search-mode words of the Chinese runs, whole Chinese runs of up to 8
    characters, latin runs and their letter/digit parts. Bigrams (``b:``-less here) and single
    characters serve partial words (饭煲, 煲) when a query word is not a word of the index."""
    words: set[str] = set()
    grams: set[str] = set()
    for text in texts:
        if not text:
            continue
        for kind, run in runs(normalize(text)):
            if kind == "lat":
                words.update(latin_parts(run))
                continue
            words.update(segmenter.index_words(run))
            if len(run) <= 8:
                words.add(run)
            grams.update(han_bigrams(run))
            grams.update(run)
    return words, grams


def document_grams(*texts: str) -> set[str]:
    """The bigrams and characters of the Chinese runs of the texts (what ``document_words``
    returns second), without jieba."""
    grams: set[str] = set()
    for text in texts:
        for kind, run in runs(normalize(text)) if text else ():
            if kind == "han":
                grams.update(han_bigrams(run))
                grams.update(run)
    return grams

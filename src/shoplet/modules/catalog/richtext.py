"""Product descriptions as sanitised HTML (the console's rich-text editor, the storefront's
``rich-text``).

Written descriptions go through :func:`sanitize_description` (``nh3``, the Ammonia sanitiser)
with a small allow-list: paragraphs, line breaks, two heading levels, bold/italic/underline/
strike, lists, quotes and images. An image keeps only ``src`` (and only a Shoplet media path,
``/media/...``), ``alt``, ``width`` and ``height``; everything else (scripts, styles, event
handlers, links, frames, ``javascript:`` and outside URLs) is dropped. Plain text (descriptions
written before the editor, or sent by an API client) becomes ``<p>`` paragraphs, one per line,
escaped. :func:`render_description` does the same on read, so a row stored before sanitising
existed is served as HTML too; its result is remembered per description text (a bounded LRU
keyed by the text's BLAKE2b digest), so listing products — console, storefront, partner API —
sanitises a description once per version, not on every call.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections import OrderedDict

import nh3

MAX_DESCRIPTION_CHARS = 50_000
"""The longest sanitised description stored (HTML characters)."""

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "h2", "h3", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote"}
    | {"img"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"img": {"src", "alt", "width", "height"}}
MEDIA_PREFIX = "/media/"
_MEDIA_PATH = re.compile(r"^/media/[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")
_DIMENSION = re.compile(r"^[0-9]{1,5}$")
# Some tag of any name: plain text with a "<" (尺寸<10cm) is not mistaken for HTML.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")
_TRAILING_EMPTY = re.compile(r"(<p>(<br>)?</p>)+$")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag != "img":
        return None
    if attribute == "src":
        ok = _MEDIA_PATH.match(value) is not None and ".." not in value and "//" not in value
        return value if ok else None
    if attribute in ("width", "height"):
        return value if _DIMENSION.match(value) else None
    if attribute == "alt":
        return value[:200]
    return None


def looks_like_html(text: str) -> bool:
    return _TAG.search(text) is not None


def plain_text_to_html(text: str) -> str:
    """One escaped ``<p>`` per non-empty line."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


def clean_html(text: str) -> str:
    cleaned = nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        url_schemes=set(),
        link_rel=None,
    )
    # An image whose only source was refused shows nothing: drop it.
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)


def _render(text: str) -> str:
    return clean_html(text) if looks_like_html(text) else plain_text_to_html(text)


RENDER_CACHE_SIZE = 1024
"""Descriptions remembered by :func:`render_description` (the results only, keyed by a
16-byte digest: at most this many rendered descriptions stay in memory)."""


class _RenderCache:
    """A bounded LRU of rendered descriptions keyed by the digest of the raw text. The key is
    the text itself, so a changed description is a new entry and nothing is ever stale; the
    raw text is not kept. A lock, since the sanitiser may also run in worker threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, text: str) -> str:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        result = _render(text)
        with self._lock:
            self._items[key] = result
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


RENDER_CACHE = _RenderCache(RENDER_CACHE_SIZE)


def render_description(text: str) -> str:
    """A stored description as sanitised HTML (plain text of old rows as paragraphs);
    computed once per distinct text while it stays among the last ``RENDER_CACHE_SIZE``."""
    if not text:
        return ""
    return RENDER_CACHE.render(text)


def sanitize_description(text: str) -> str:
    """What is stored for a description written by the console or an API client; raises
    ``ValueError`` when even the sanitised HTML is longer than ``MAX_DESCRIPTION_CHARS``."""
    # Empty paragraphs an editor leaves at the end (or an emptied editor) are not content.
    result = _TRAILING_EMPTY.sub("", render_description(text).strip())
    if len(result) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"the description is longer than {MAX_DESCRIPTION_CHARS} characters")
    return result

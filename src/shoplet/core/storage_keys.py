"""Storage keys and the errors every storage raises, shared by local files and S3 buckets."""

from __future__ import annotations

import re

KEY_MAX = 512
CHUNK_SIZE = 64 * 1024
# Segments start with a letter or digit, so "." / ".." / hidden files cannot be named.
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class InvalidKey(ValueError):
    """A key that is not a relative path of safe segments."""


class ObjectNotFound(LookupError):
    """No object under that key."""


def check_key(key: str) -> str:
    if len(key) > KEY_MAX or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key

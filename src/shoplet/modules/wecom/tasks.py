"""WeCom has no jobs yet: callbacks are applied as they arrive, and tagging a segment runs in
the request (at most ``service.MAX_TAG_CONTACTS`` customers)."""

from __future__ import annotations

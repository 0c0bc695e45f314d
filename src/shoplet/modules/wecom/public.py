"""WeCom is at the top of the growth layer: no module uses it. The names here are for the
tests and the CLI."""

from __future__ import annotations

from shoplet.modules.wecom.service import make_state, parse_state

__all__ = ["make_state", "parse_state"]

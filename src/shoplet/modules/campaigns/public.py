"""Campaigns are at the top of the growth layer: no module uses them. The names here are
for the CLI and the tests."""

from __future__ import annotations

from shoplet.modules.campaigns.service import results, run

__all__ = ["results", "run"]

"""Ranking presets: the weights of the hybrid score (``hybrid.HybridSettings``) that an A/B test
of search ranking swaps per request.

An experiment in the slot ``search_ranking`` names its arms after these presets; the storefront
sends its arm as ``GET /search?ranking=…`` and logs the exposure when it shows the results, so
orders are attributed to the arm by the experiments module as for any other slot. Each preset
changes the weights of the process's settings (``SHOPLET_SEARCH_*`` and the semantic
thresholds stay as configured):

- ``default`` — the configured weights;
- ``semantic`` — semantic similarity weighs 0.85 instead of 0.6: a close semantic-only product
  (at most 0.85 + popularity + stock) can now pass a lexical one, and meaning counts more between
  lexical matches;
- ``popular`` — popularity weighs 0.4 instead of 0.15: best sellers rise among equal matches;
- ``lexical`` — no semantic term and no semantic recall: the lexical engine's order with
  popularity and stock (the baseline to measure semantic search against).

Pure: no database, no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, Literal, get_args

from shoplet.modules.search.hybrid import HybridSettings

Ranking = Literal["default", "semantic", "popular", "lexical"]
RANKINGS: Final[tuple[str, ...]] = get_args(Ranking)
# The experiments slot whose arms are named after the presets.
EXPERIMENT_SLOT: Final = "search_ranking"


def settings_for(base: HybridSettings, ranking: str) -> HybridSettings:
    """``base`` with the weights of ``ranking`` (an unknown name is the default)."""
    if ranking == "semantic":
        return replace(base, semantic=0.85)
    if ranking == "popular":
        return replace(base, popularity=0.4)
    if ranking == "lexical":
        return replace(base, semantic=0.0, recall_k=0)
    return base

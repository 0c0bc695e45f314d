"""What other modules may use from loyalty.

- checkout: :func:`quote` (the balance, the most an order may use, the value of what it uses, or
  the 4xx saying why not) and :func:`spend` (take the points in the order's transaction);
  ``PointsQuote`` for its preview; ``InsufficientPoints`` (409).

Everything runs in the caller's transaction (flush only).
"""

from __future__ import annotations

from shoplet.modules.loyalty.errors import InsufficientPoints, PointsOverCap, ProgrammeDisabled
from shoplet.modules.loyalty.events import POINTS_CHANGED
from shoplet.modules.loyalty.schemas import PointsQuote
from shoplet.modules.loyalty.service import quote, spend

__all__ = [
    "POINTS_CHANGED",
    "InsufficientPoints",
    "PointsOverCap",
    "PointsQuote",
    "ProgrammeDisabled",
    "quote",
    "spend",
]

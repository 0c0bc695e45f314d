"""Events of the risk module: none (decisions go to its own log, not to other modules)."""

from __future__ import annotations

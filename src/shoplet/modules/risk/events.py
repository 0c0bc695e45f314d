"""Events of the risk module: none (it scores; it changes nothing)."""

from __future__ import annotations

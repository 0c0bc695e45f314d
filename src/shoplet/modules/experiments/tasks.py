"""Experiments has no handlers or jobs yet: analyses are computed when asked."""

from __future__ import annotations

"""Risk has no handlers or jobs."""

from __future__ import annotations

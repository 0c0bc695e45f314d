"""Insights has no handlers or jobs: its reports are computed when asked, in SQL."""

from __future__ import annotations

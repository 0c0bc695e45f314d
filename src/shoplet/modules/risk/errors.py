"""Errors of risk: none (each caller refuses with its own error)."""

from __future__ import annotations

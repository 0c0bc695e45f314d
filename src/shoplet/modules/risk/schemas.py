"""Schemas of risk: none (the score's inputs are dataclasses in service.py)."""

from __future__ import annotations

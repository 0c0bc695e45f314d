"""Support has no event handlers or jobs yet."""

from __future__ import annotations

"""Every query of risk: none (no table)."""

from __future__ import annotations

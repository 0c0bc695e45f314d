"""Every query of experiments: none yet (no table in this slice)."""

from __future__ import annotations

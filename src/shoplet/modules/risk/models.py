"""Risk owns no table: the signals are counted where each play keeps them."""

from __future__ import annotations

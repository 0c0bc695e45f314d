"""Events of KOL discovery: none (runs and invitations are the console's own records)."""

from __future__ import annotations

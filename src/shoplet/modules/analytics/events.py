"""Events of the analytics module: none yet. Segments built on RFM (slice 2) will announce
themselves here."""

from __future__ import annotations

"""Review handlers and jobs: none yet (growth is granted in the review's own transaction)."""

from __future__ import annotations

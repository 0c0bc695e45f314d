"""Experiments' jobs: the gray releases' guardrail check (``flags/tasks.py``)."""

from __future__ import annotations

from shoplet.modules.experiments.flags import tasks as flags_tasks  # noqa: F401

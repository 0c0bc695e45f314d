"""What the rest of insights may use from alerts: the metric registry (a new metric is one
entry) and the job's name."""

from __future__ import annotations

from .metrics import METRICS, Metric
from .tasks import EVALUATE_JOB

__all__ = ["EVALUATE_JOB", "METRICS", "Metric"]

"""What other modules may use from experiments: the analysis of arm counts (analytics will
call it with the counts of Shoplet's own experiments). Pure functions; no database."""

from __future__ import annotations

from .schemas import Analysis, AnalyzeBody, ArmIn, SampleSize, SampleSizeBody
from .service import analyze, sample_size

__all__ = [
    "Analysis",
    "AnalyzeBody",
    "ArmIn",
    "SampleSize",
    "SampleSizeBody",
    "analyze",
    "sample_size",
]

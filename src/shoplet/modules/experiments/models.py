"""Experiments' tables: the feature flags' (``flags/models.py``, ``experiments_flags*``)."""

from __future__ import annotations

from shoplet.modules.experiments.flags import models as flags_models  # noqa: F401

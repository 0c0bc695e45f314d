"""Typed errors of the experiments module (``experiments.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest


class InvalidArms(BadRequest):
    code = "experiments.invalid_arms"
    title = "The arms are not valid"


class InvalidSplit(BadRequest):
    code = "experiments.invalid_split"
    title = "The expected split is not valid"


class InvalidRevenue(BadRequest):
    code = "experiments.invalid_revenue"
    title = "The revenue figures are not valid"


class InvalidParameters(BadRequest):
    code = "experiments.invalid_parameters"
    title = "The sample-size parameters are not valid"

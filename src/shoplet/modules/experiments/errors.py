"""Typed errors of the experiments module (``experiments.*``): status, stable code, title."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


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


class ExperimentNotFound(NotFound):
    code = "experiments.not_found"
    title = "No such experiment"


class LayerUnknown(BadRequest):
    code = "experiments.layer_unknown"
    title = "No such layer"


class LayerTaken(Conflict):
    code = "experiments.layer_taken"
    title = "A layer with this key exists"


class InvalidExperiment(BadRequest):
    code = "experiments.invalid_experiment"
    title = "The experiment is not valid"


class InvalidWeights(BadRequest):
    code = "experiments.invalid_weights"
    title = "The arm weights are not valid"


class BucketsTaken(Conflict):
    code = "experiments.buckets_taken"
    title = "The bucket range overlaps another experiment of the layer"


class InvalidTransition(Conflict):
    code = "experiments.invalid_transition"
    title = "The experiment cannot make this change in its status"


class NotEnrolled(Conflict):
    code = "experiments.not_enrolled"
    title = "The unit is not in this experiment's arm"


class UnitMissing(BadRequest):
    code = "experiments.unit_missing"
    title = "Sign in or send X-Device-Id"

"""Typed errors of feature flags (``experiments.flag_*``, ``experiments.release_*``)."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class FlagNotFound(NotFound):
    code = "experiments.flag_not_found"
    title = "No such flag"


class FlagExists(Conflict):
    code = "experiments.flag_exists"
    title = "A flag with this key exists"


class UnknownVariant(BadRequest):
    code = "experiments.flag_unknown_variant"
    title = "The variant is not one of the flag's"


class InvalidVariants(BadRequest):
    code = "experiments.flag_invalid_variants"
    title = "The variants do not fit the flag's kind"


class InvalidPercentage(BadRequest):
    code = "experiments.flag_invalid_percentage"
    title = "A percentage is out of 0..100"


class InvalidRule(BadRequest):
    code = "experiments.flag_invalid_rule"
    title = "A rule is not valid"


class InvalidRelease(BadRequest):
    code = "experiments.release_invalid"
    title = "The release is not valid"


class ReleaseRunning(Conflict):
    code = "experiments.release_running"
    title = "A release of this flag is already running"


class FlagChanged(Conflict):
    code = "experiments.flag_changed"
    title = "The flag was changed meanwhile"

"""The experiments service, by use case: the calculator (``calculator``), layers and
experiments (``manage``), assignment and exposures (``assigning``), attributed orders and live
results (``metrics``) and the bandit job (``allocating``)."""

from __future__ import annotations

from .allocating import reallocate
from .assigning import CACHE_KEY, current_ruleset, log_exposure, variants_for
from .calculator import analyze, sample_size
from .manage import (
    change_status,
    create_experiment,
    create_layer,
    edit_experiment,
    get_experiment,
    list_experiments,
    list_layers,
    set_traffic,
)
from .metrics import (
    arm_names,
    device_unit,
    exposed_arms,
    member_unit,
    record_order_paid,
    record_refund,
    results,
)

__all__ = [
    "CACHE_KEY",
    "analyze",
    "arm_names",
    "change_status",
    "create_experiment",
    "create_layer",
    "current_ruleset",
    "device_unit",
    "edit_experiment",
    "exposed_arms",
    "get_experiment",
    "list_experiments",
    "list_layers",
    "log_exposure",
    "member_unit",
    "reallocate",
    "record_order_paid",
    "record_refund",
    "results",
    "sample_size",
    "set_traffic",
    "variants_for",
]

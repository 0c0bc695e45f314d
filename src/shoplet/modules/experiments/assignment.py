"""Assignment of a unit (member or device) to the variants of the running experiments: pure
functions of the ruleset and the unit, no database, no write.

A layer hashes every unit to one of ``BUCKETS`` buckets with the layer's salt; an experiment
owns a range ``[bucket_start, bucket_end)`` of its layer, and the ranges of one layer never
overlap, so a unit is in at most one experiment per layer. Layers use different salts, so
they are independent of each other. Inside its range, an experiment hashes the unit again with
its own salt for the ramp (the share of the range enrolled), the holdout and the arm, each a
uniform number in [0, 1) from 64 bits of BLAKE2b: the split follows the weights to within
sampling noise and a unit's answer never changes while the ruleset does not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

BUCKETS = 1000
WEIGHT_TOTAL = 10_000
SLOTS = (
    "home_layout",
    "product_card_style",
    "checkout_button_text",
    "promotion_strategy",
    "search_ranking",
)
# Slots whose arms the shop's code knows by name: an arm named otherwise would silently serve the
# default. ``search_ranking``: the presets of ``search/ranking.py`` (search is above experiments,
# so the names are listed here; a search test checks the two lists agree); the others: what the
# storefront renders (``SLOT_ARMS`` in ``composables/useExperiment.js``, the same lists).
SLOT_ARM_KEYS: dict[str, frozenset[str]] = {
    "home_layout": frozenset({"default", "shelf_first"}),
    "product_card_style": frozenset({"default", "list"}),
    "checkout_button_text": frozenset({"default", "alt"}),
    "promotion_strategy": frozenset({"default", "promo_first"}),
    "search_ranking": frozenset({"default", "semantic", "popular", "lexical"}),
}
PLATFORMS = ("h5", "mp-weixin")

_SCALE = float(1 << 64)


def uniform(salt: str, unit: str, purpose: str = "") -> float:
    """A number in [0, 1) that depends only on (salt, purpose, unit)."""
    digest = hashlib.blake2b(f"{salt}|{purpose}|{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def bucket_of(layer_salt: str, unit: str) -> int:
    """The unit's bucket in a layer, 0 ≤ b < BUCKETS."""
    return int(uniform(layer_salt, unit, "bucket") * BUCKETS)


def pick_arm(u: float, weights: Sequence[int]) -> int:
    """Index of the arm whose share of the cumulative weights holds ``u`` ∈ [0, 1)."""
    total = sum(weights)
    threshold = u * total
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if threshold < running:
            return index
    return len(weights) - 1


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Targeting:
    """Who may enter. Empty fields let everyone in; ``segment_ids``: a signed-in member in at
    least one of these analytics segments (asked of analytics through ``sources``)."""

    platforms: tuple[str, ...] = ()
    app_version_min: str | None = None
    regions: tuple[str, ...] = ()
    members_only: bool = False
    segment_ids: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Targeting:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        segments = data.get("segment_ids") or []
        app_min = data.get("app_version_min")
        return cls(
            platforms=strings("platforms"),
            app_version_min=str(app_min) if app_min else None,
            regions=strings("regions"),
            members_only=bool(data.get("members_only", False)),
            segment_ids=tuple(int(s) for s in segments) if isinstance(segments, list) else (),
        )


@dataclass(frozen=True, slots=True)
class UnitContext:
    """What the request says about the unit: ``unit`` is ``m:<member id>`` or ``d:<device>``."""

    unit: str
    is_member: bool = False
    platform: str | None = None
    app_version: str | None = None
    region: str | None = None
    segments: frozenset[int] = frozenset()
    """The analytics segments the member is in, among those the running experiments target."""


def matches(targeting: Targeting, context: UnitContext) -> bool:
    if targeting.members_only and not context.is_member:
        return False
    if targeting.segment_ids and not context.segments.intersection(targeting.segment_ids):
        return False
    if targeting.platforms and context.platform not in targeting.platforms:
        return False
    if targeting.regions and not (
        context.region and any(context.region.startswith(r) for r in targeting.regions)
    ):
        return False
    if targeting.app_version_min:
        if not context.app_version:
            return False
        if _version_tuple(context.app_version) < _version_tuple(targeting.app_version_min):
            return False
    return True


@dataclass(frozen=True, slots=True)
class RunningArm:
    id: int
    key: str
    weight: int


@dataclass(frozen=True, slots=True)
class RunningExperiment:
    id: int
    slot: str
    layer_id: int
    layer_salt: str
    salt: str
    bucket_start: int
    bucket_end: int
    traffic_percent: int
    holdout_percent: int
    arms: tuple[RunningArm, ...]
    targeting: Targeting = field(default_factory=Targeting)
    is_bandit: bool = False
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Ruleset:
    """The running experiments, as cached by each process, and the version they came from."""

    version: int
    experiments: tuple[RunningExperiment, ...]

    @property
    def segment_ids(self) -> frozenset[int]:
        """Every segment a running experiment targets (the only ones worth asking about)."""
        return frozenset(s for e in self.experiments for s in e.targeting.segment_ids)


@dataclass(frozen=True, slots=True)
class Assignment:
    experiment_id: int
    slot: str
    arm_id: int
    arm_key: str
    is_holdout: bool
    """Held out: shown the control (the first arm) and kept out of the results."""


def assign_one(
    experiment: RunningExperiment, context: UnitContext, *, check_targeting: bool = True
) -> Assignment | None:
    """The unit's arm in one experiment, or None when it is not enrolled (an exposure skips
    the targeting: the request that got the variant was already checked)."""
    unit = context.unit
    if (
        not experiment.bucket_start
        <= bucket_of(experiment.layer_salt, unit)
        < experiment.bucket_end
    ):
        return None
    if check_targeting and not matches(experiment.targeting, context):
        return None
    if uniform(experiment.salt, unit, "ramp") * 100 >= experiment.traffic_percent:
        return None
    control = experiment.arms[0]
    if uniform(experiment.salt, unit, "holdout") * 100 < experiment.holdout_percent:
        return Assignment(experiment.id, experiment.slot, control.id, control.key, True)
    index = pick_arm(uniform(experiment.salt, unit, "arm"), [a.weight for a in experiment.arms])
    arm = experiment.arms[index]
    return Assignment(experiment.id, experiment.slot, arm.id, arm.key, False)


def assign(ruleset: Ruleset, context: UnitContext) -> list[Assignment]:
    """The unit's arm in every running experiment it is enrolled in; one per slot (the
    experiment created first wins a slot shared across layers)."""
    taken: set[str] = set()
    out = []
    for experiment in sorted(ruleset.experiments, key=lambda e: e.id):
        if experiment.slot in taken:
            continue
        found = assign_one(experiment, context)
        if found is not None:
            taken.add(experiment.slot)
            out.append(found)
    return out


def ranges_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two half-open bucket ranges share a bucket."""
    return a[0] < b[1] and b[0] < a[1]

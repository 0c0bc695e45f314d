"""Flag evaluation: a pure function over a compiled ruleset, no I/O.

A flag serves one of its named variants. Off (the kill switch) → its ``off_variant`` for
everyone. On → the first rule that matches the caller serves that rule's variant; when none
matches, the ``default_variant``. Rule kinds, in whatever order the flag lists them:

- ``staff``: the caller is a staff member;
- ``allow`` / ``deny``: the member id is listed (``deny`` serves the off variant);
- ``platform``: the caller's platform (``mp-weixin``, ``h5``, ...) is listed;
- ``app_version``: the caller's app version is within ``[min, max]`` (dotted integers);
- ``segment``: the member is in one of the segments: ``FlagContext.segments`` when the caller
  looked them up (the bootstrap asks analytics through ``experiments.sources``, cached per
  process), else a callback (analytics owns segments; experiments never imports it);
- ``percentage``: the unit's bucket (``blake2b(flag key : unit) mod 10 000``) is below
  ``percent × 100``. Buckets are stable per flag and unit, so growing a rollout keeps everyone
  already in it; two percentage rules in a row split cumulatively (30 then 60 → 30 % / 30 %).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

BUCKETS = 10_000
Reason = Literal["DISABLED", "TARGETING_MATCH", "SPLIT", "DEFAULT"]
FlagValue = bool | str
# (member id, segment id) -> is the member in the segment.
SegmentCheck = Callable[[int, int], bool]


@dataclass(frozen=True, slots=True)
class FlagContext:
    """Who asks: ``unit`` is the hashing key (the member id, else the device id)."""

    unit: str | None = None
    member_id: int | None = None
    is_staff: bool = False
    platform: str | None = None
    app_version: str | None = None
    segments: frozenset[int] | None = None
    """The segments the member is in, among ``Ruleset.segment_ids``; None: ask the callback."""


@dataclass(frozen=True, slots=True)
class Resolution:
    value: FlagValue
    variant: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    variant: str
    members: frozenset[int] = frozenset()
    platforms: frozenset[str] = frozenset()
    segments: tuple[int, ...] = ()
    min_version: tuple[int, ...] | None = None
    max_version: tuple[int, ...] | None = None
    threshold: int = 0  # percentage: buckets below it match


@dataclass(frozen=True, slots=True)
class CompiledFlag:
    key: str
    kind: str
    variants: Mapping[str, FlagValue]
    default_variant: str
    off_variant: str
    is_enabled: bool
    rules: tuple[Rule, ...]
    salt: bytes = field(default=b"")


@dataclass(frozen=True, slots=True)
class Ruleset:
    version: int
    flags: Mapping[str, CompiledFlag]

    @property
    def segment_ids(self) -> frozenset[int]:
        """Every segment a rule targets."""
        return frozenset(s for f in self.flags.values() for r in f.rules for s in r.segments)


EMPTY = Ruleset(version=0, flags={})


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """``"2.10.3"`` -> ``(2, 10, 3)``; anything else -> None (matches no version rule)."""
    if not text:
        return None
    parts = text.strip().split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and len(p) <= 6 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def bucket(salt: bytes, unit: str) -> int:
    """The unit's bucket in ``[0, 10 000)`` for one flag (the salt is the flag key)."""
    digest = hashlib.blake2b(salt + unit.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def compile_rule(raw: Mapping[str, Any], off_variant: str) -> Rule:
    kind = str(raw["type"])
    variant = off_variant if kind == "deny" else str(raw["variant"])
    if kind in ("allow", "deny"):
        return Rule(kind, variant, members=frozenset(int(m) for m in raw["member_ids"]))
    if kind == "platform":
        return Rule(kind, variant, platforms=frozenset(str(p) for p in raw["platforms"]))
    if kind == "segment":
        return Rule(kind, variant, segments=tuple(int(s) for s in raw["segment_ids"]))
    if kind == "app_version":
        return Rule(
            kind,
            variant,
            min_version=parse_version(raw.get("min")),
            max_version=parse_version(raw.get("max")),
        )
    if kind == "percentage":
        return Rule(kind, variant, threshold=round(float(raw["percent"]) * BUCKETS / 100))
    return Rule(kind, variant)  # staff


def compile_flag(
    *,
    key: str,
    kind: str,
    variants: Mapping[str, FlagValue],
    default_variant: str,
    off_variant: str,
    is_enabled: bool,
    rules: Sequence[Mapping[str, Any]],
) -> CompiledFlag:
    return CompiledFlag(
        key=key,
        kind=kind,
        variants=dict(variants),
        default_variant=default_variant,
        off_variant=off_variant,
        is_enabled=is_enabled,
        rules=tuple(compile_rule(r, off_variant) for r in rules),
        salt=f"{key}:".encode(),
    )


def _matches(
    rule: Rule, flag: CompiledFlag, ctx: FlagContext, segment_check: SegmentCheck | None
) -> bool:
    kind = rule.kind
    if kind == "percentage":
        return ctx.unit is not None and bucket(flag.salt, ctx.unit) < rule.threshold
    if kind in ("allow", "deny"):
        return ctx.member_id is not None and ctx.member_id in rule.members
    if kind == "staff":
        return ctx.is_staff
    if kind == "platform":
        return ctx.platform is not None and ctx.platform in rule.platforms
    if kind == "app_version":
        version = parse_version(ctx.app_version)
        if version is None:
            return False
        low_ok = rule.min_version is None or version >= rule.min_version
        return low_ok and (rule.max_version is None or version <= rule.max_version)
    if kind == "segment":
        member = ctx.member_id
        if member is not None and ctx.segments is not None:
            return not ctx.segments.isdisjoint(rule.segments)
        if member is None or segment_check is None:
            return False
        return any(segment_check(member, s) for s in rule.segments)
    return False


def evaluate(
    flag: CompiledFlag, ctx: FlagContext, segment_check: SegmentCheck | None = None
) -> Resolution:
    """The variant ``flag`` serves to ``ctx``."""
    if not flag.is_enabled:
        return Resolution(flag.variants[flag.off_variant], flag.off_variant, "DISABLED")
    for rule in flag.rules:
        if _matches(rule, flag, ctx, segment_check):
            reason: Reason = "SPLIT" if rule.kind == "percentage" else "TARGETING_MATCH"
            return Resolution(flag.variants[rule.variant], rule.variant, reason)
    return Resolution(flag.variants[flag.default_variant], flag.default_variant, "DEFAULT")


def evaluate_all(
    ruleset: Ruleset, ctx: FlagContext, segment_check: SegmentCheck | None = None
) -> dict[str, Resolution]:
    """Every flag for one caller (the storefront's bootstrap)."""
    return {key: evaluate(flag, ctx, segment_check) for key, flag in ruleset.flags.items()}

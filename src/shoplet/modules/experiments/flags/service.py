"""Feature flags: create, edit, kill switch, history, gray releases.

Every change runs in the caller's transaction: lock the flag row, write it, bump the flag's and
the ruleset's versions, append a history row (who, when, before, after), and announce the new
ruleset version once committed (``runtime.FlagBus``). Services flush, never commit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor

from . import repository, schemas
from .errors import (
    FlagExists,
    FlagNotFound,
    InvalidPercentage,
    InvalidRelease,
    InvalidRule,
    InvalidVariants,
    ReleaseRunning,
    UnknownVariant,
)
from .guardrails import GuardrailReading, breaches
from .models import Flag, FlagChange, FlagRelease
from .runtime import FlagBus

RELEASE_ACTOR = "release"


@dataclass(frozen=True, slots=True)
class Actor:
    username: str
    staff_id: int | None = None


# -- validation ----------------------------------------------------------------------------------


def _check_variants(kind: str, variants: Mapping[str, bool | str], *names: str) -> None:
    if kind == "boolean":
        if dict(variants) != {"on": True, "off": False}:
            raise InvalidVariants('A boolean flag has exactly the variants "on" (true) and "off"')
    elif not all(isinstance(v, str) for v in variants.values()):
        raise InvalidVariants("A string flag's variants are strings")
    for name in names:
        if name not in variants:
            raise UnknownVariant(f"{name!r} is not one of {sorted(variants)}", variant=name)


def _check_percent(percent: float) -> None:
    if not math.isfinite(percent) or not 0 <= percent <= 100:
        raise InvalidPercentage(f"{percent} is not within 0..100")


def _rules(
    kind: str, variants: Mapping[str, bool | str], rules: Sequence[schemas.FlagRule]
) -> list[dict[str, Any]]:
    """The rules as stored (release markers dropped: only a release sets them)."""
    out: list[dict[str, Any]] = []
    for rule in rules:
        if not isinstance(rule, schemas.DenyRule):
            _check_variants(kind, variants, rule.variant)
        if isinstance(rule, schemas.PercentageRule):
            _check_percent(rule.percent)
        if isinstance(rule, schemas.AppVersionRule):
            if rule.min is None and rule.max is None:
                raise InvalidRule("An app_version rule needs min, max or both")
            low = tuple(int(p) for p in (rule.min or "0").split("."))
            if rule.max is not None and low > tuple(int(p) for p in rule.max.split(".")):
                raise InvalidRule("An app_version rule's min is above its max")
        dumped = rule.model_dump(mode="json")
        dumped.pop("release", None)
        out.append(dumped)
    return out


def snapshot(flag: Flag) -> dict[str, Any]:
    """The flag as the history records it."""
    return {
        "description": flag.description,
        "variants": dict(flag.variants),
        "default_variant": flag.default_variant,
        "off_variant": flag.off_variant,
        "is_enabled": flag.is_enabled,
        "rules": list(flag.rules),
        "version": flag.version,
    }


async def _record(  # noqa: PLR0917
    session: AsyncSession,
    bus: FlagBus,
    flag: Flag,
    action: str,
    actor: Actor,
    before: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    if before is not None:
        flag.version += 1
        flag.updated_at = utcnow()
    await session.flush()
    await repository.add_change(
        session,
        FlagChange(
            flag_id=flag.id,
            action=action,
            actor=actor.username[:64],
            staff_id=actor.staff_id,
            before=before,
            after=snapshot(flag),
            reason=reason[:500] if reason else None,
        ),
    )
    version = await repository.bump_ruleset_version(session)
    bus.publish_after_commit(session, version)


# -- flags ---------------------------------------------------------------------------------------


async def create_flag(
    session: AsyncSession, bus: FlagBus, body: schemas.FlagCreate, actor: Actor
) -> Flag:
    _check_variants(body.kind, body.variants, body.default_variant, body.off_variant)
    rules = _rules(body.kind, body.variants, body.rules)
    now = utcnow()
    flag_id = await repository.insert_flag(
        session,
        {
            "key": body.key,
            "description": body.description,
            "kind": body.kind,
            "variants": dict(body.variants),
            "default_variant": body.default_variant,
            "off_variant": body.off_variant,
            "is_enabled": body.is_enabled,
            "rules": rules,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    if flag_id is None:
        raise FlagExists(f"A flag {body.key!r} exists", key=body.key)
    flag = await repository.get_flag(session, flag_id)
    if flag is None:  # inserted just now, in this transaction
        raise FlagNotFound(f"No flag {body.key!r}")
    await _record(session, bus, flag, "create", actor, None)
    return flag


async def get_flag(session: AsyncSession, key: str) -> Flag:
    flag = await repository.get_flag_by_key(session, key)
    if flag is None:
        raise FlagNotFound(f"No flag {key!r}")
    return flag


async def _locked(session: AsyncSession, key: str) -> Flag:
    flag = await repository.lock_flag(session, key)
    if flag is None:
        raise FlagNotFound(f"No flag {key!r}")
    return flag


async def update_flag(
    session: AsyncSession, bus: FlagBus, key: str, body: schemas.FlagUpdate, actor: Actor
) -> Flag:
    flag = await _locked(session, key)
    _check_variants(flag.kind, body.variants, body.default_variant, body.off_variant)
    rules = _rules(flag.kind, body.variants, body.rules)
    # A running release keeps driving its own rule, placed last.
    release_rules = [r for r in flag.rules if r.get("release")]
    for rule in release_rules:
        _check_variants(flag.kind, body.variants, str(rule["variant"]))
    before = snapshot(flag)
    flag.description = body.description
    flag.variants = dict(body.variants)
    flag.default_variant = body.default_variant
    flag.off_variant = body.off_variant
    flag.rules = rules + release_rules
    await _record(session, bus, flag, "update", actor, before)
    return flag


async def toggle_flag(
    session: AsyncSession, bus: FlagBus, key: str, body: schemas.FlagToggle, actor: Actor
) -> Flag:
    flag = await _locked(session, key)
    if flag.is_enabled == body.is_enabled:
        return flag
    before = snapshot(flag)
    flag.is_enabled = body.is_enabled
    action = "enable" if body.is_enabled else "disable"
    await _record(session, bus, flag, action, actor, before, body.reason)
    return flag


async def list_flags(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[Flag], str | None]:
    rows = list(
        await repository.list_flags(session, after_id=decode_id_cursor(cursor), limit=limit + 1)
    )
    next_cursor = encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def list_changes(
    session: AsyncSession, key: str, *, cursor: str | None, limit: int
) -> tuple[list[FlagChange], str | None]:
    flag = await get_flag(session, key)
    rows = list(
        await repository.list_changes(
            session, flag.id, before_id=decode_id_cursor(cursor), limit=limit + 1
        )
    )
    next_cursor = encode_id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


# -- gray releases -------------------------------------------------------------------------------


def release_view(release: FlagRelease) -> schemas.Release:
    percent = 0.0 if release.status == "rolled_back" else release.steps[release.step_index]
    return schemas.Release.model_validate(
        {
            **{c: getattr(release, c) for c in schemas.Release.model_fields if c != "percent"},
            "percent": percent,
        }
    )


def _set_release_rule(flag: Flag, variant: str, percent: float) -> None:
    rules = [r for r in flag.rules if not r.get("release")]
    rules.append({"type": "percentage", "percent": percent, "variant": variant, "release": True})
    flag.rules = rules


async def start_release(
    session: AsyncSession, bus: FlagBus, key: str, body: schemas.ReleaseStart, actor: Actor
) -> FlagRelease:
    flag = await _locked(session, key)
    _check_variants(flag.kind, flag.variants, body.variant)
    for percent in body.steps:
        _check_percent(percent)
    if any(b <= a for a, b in zip(body.steps, body.steps[1:], strict=False)) or body.steps[0] <= 0:
        raise InvalidRelease("Steps must grow, from above 0 % up to at most 100 %")
    limits = body.guardrails.model_dump()
    if all(v is None for v in limits.values()):
        raise InvalidRelease("A release needs at least one guardrail")
    if any(v is not None and (not math.isfinite(v) or v < 0) for v in limits.values()):
        raise InvalidRelease("Guardrail limits are non-negative numbers")
    current = await repository.latest_release(session, flag.id)
    if current is not None and current.status == "running":
        raise ReleaseRunning(f"Release {current.id} of {key!r} is running")
    before = snapshot(flag)
    _set_release_rule(flag, body.variant, body.steps[0])
    now = utcnow()
    release = await repository.add_release(
        session,
        FlagRelease(
            flag_id=flag.id,
            variant=body.variant,
            steps=list(body.steps),
            step_index=0,
            hold_seconds=body.hold_seconds,
            guardrails=limits,
            status="running",
            created_by=actor.username[:64],
            step_started_at=now,
            created_at=now,
            updated_at=now,
        ),
    )
    await _record(session, bus, flag, "release_start", actor, before, f"{body.steps[0]:g} %")
    return release


async def get_release(session: AsyncSession, key: str) -> FlagRelease:
    flag = await get_flag(session, key)
    release = await repository.latest_release(session, flag.id)
    if release is None:
        raise FlagNotFound(f"No release of {key!r}")
    return release


async def advance_release(
    session: AsyncSession,
    bus: FlagBus,
    key: str,
    reading: GuardrailReading,
    now: datetime,
) -> FlagRelease | None:
    """One check of a running release: roll back to 0 % on a breach (recording why), else move
    to the next step once the current one has held for ``hold_seconds``. Idempotent: a second
    check finds the release moved (or not yet due)."""
    flag = await _locked(session, key)
    release = await repository.latest_release(session, flag.id)
    if release is None or release.status != "running":
        return None
    actor = Actor(RELEASE_ACTOR)
    broken = breaches(reading, release.guardrails)
    if broken:
        reason = "; ".join(broken)
        before = snapshot(flag)
        _set_release_rule(flag, release.variant, 0)
        release.status = "rolled_back"
        release.reason = reason[:500]
        release.updated_at = now
        await _record(session, bus, flag, "release_rollback", actor, before, reason)
        return release
    if (now - release.step_started_at).total_seconds() < release.hold_seconds:
        return release
    before = snapshot(flag)
    if release.step_index + 1 >= len(release.steps):
        release.status = "completed"
        release.updated_at = now
        await session.flush()
        return release
    release.step_index += 1
    release.step_started_at = now
    release.updated_at = now
    percent = release.steps[release.step_index]
    _set_release_rule(flag, release.variant, percent)
    await _record(session, bus, flag, "release_step", actor, before, f"{percent:g} %")
    return release

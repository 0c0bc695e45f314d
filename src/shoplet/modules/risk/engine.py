"""The risk engine: signals from one velocity round trip, the IP lists and the devices seen per
account, the merchant's rules (or the defaults), the outcome and the decision log (docs/risk.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import keep_writes_on_error, on_commit, read_session, utcnow
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit

from . import challenge, passkey, repository
from .anomaly import ANOMALY_KEY, SAMPLER_KEY, Sampler, flush_samples, sync_model
from .config import risk_settings
from .errors import ChallengeRequired, RiskBlocked
from .iplocation import IpLocator, bundled_database, travel
from .models import RiskDecision, RiskRule
from .rules import (
    DEFAULT_RULES,
    SIGNALS,
    Action,
    Outcome,
    Rule,
    SignalValue,
    first_match,
    parse_conditions,
)
from .velocity import MemoryVelocity, Operation, RedisVelocity, Velocity

# The built-in score's points (``score``): the weights the flash sale's and bargains' own scores
# used before the engine replaced them.
NEW_ACCOUNT = 40
BURST = 30
SHARED_IP = 30
SHARED_DEVICE = 60
FAILURES = 30
DEFAULT_NEW_HOURS = 24
DEFAULT_BURST = 10
DEFAULT_MEMBERS_PER_IP = 5
DEFAULT_MEMBERS_PER_DEVICE = 2
DEFAULT_FAILURES = 3


log = structlog.get_logger("shoplet.risk")
MINUTE, HOUR, DAY = 60, 3600, 86400
VELOCITY_KEY = "risk.velocity"
POLICY_KEY = "risk.policy"
METRIC_KEY = "risk.metric"
POLICY_TTL = 5.0
POLICY_STALE_AFTER = 30.0
LOCATOR_KEY = "risk.ip_locator"


@dataclass(frozen=True, slots=True)
class RiskRequest:
    """What a caller knows about the action it is about to allow.

    ``subject`` names the account (``member:12``, ``staff:3``, or ``phone:<blind index>`` before
    a member exists); ``scope`` narrows the distinct-account counters to one thing being given
    away (a coupon template, a bargain), so fifty shoppers behind one carrier NAT claiming
    fifty different coupons are not a farm. ``region`` is where the caller knows the account is
    (a GB/T 2260 code of any level); without it the engine looks the IP address up
    (iplocation.py). Either is compared with the account's last sighting: impossible travel.
    """

    action: Action
    subject: str
    ip: str
    device_id: str | None = None
    user_agent: str = ""
    scope: str = ""
    member_id: int | None = None
    staff_id: int | None = None
    account_created_at: datetime | None = None
    amount: int = 0
    change_pct: float = 0.0
    region: str | None = None
    challenge_passed: bool = False
    """The caller already verified a challenge (a step-up for staff): a ``challenge`` outcome
    becomes ``allow``, logged as such."""
    grant: str | None = None
    """A shopper's ``X-Risk-Grant`` from a passed challenge: a ``challenge`` outcome spends it
    (once, for this action, subject and device) and becomes ``allow``, logged as such."""


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    outcome: Outcome
    score: int
    rule: str | None
    reasons: list[str]
    signals: dict[str, SignalValue]


AnomalyScorer = Callable[[Mapping[str, SignalValue]], float]


def velocity_of(ctx: AppContext) -> Velocity:
    """The process's velocity store: Redis when configured, else memory."""
    found = ctx.extras.get(VELOCITY_KEY)
    if found is None:
        found = (
            RedisVelocity(ctx.redis, ctx.settings.redis_prefix)
            if ctx.redis is not None
            else MemoryVelocity()
        )
        ctx.extras[VELOCITY_KEY] = found
    return cast(Velocity, found)


def fingerprint(device_id: str | None, user_agent: str) -> str:
    """The device fingerprint: the storefront's device id and a hash of the user agent."""
    if not device_id:
        return ""
    return hashlib.sha256(f"{device_id}\n{user_agent}".encode()).hexdigest()[:32]


def locator_of(ctx: AppContext) -> IpLocator | None:
    """The process's IP locator, opened on first use; None when ``SHOPLET_RISK_IP_REGION_DB`` is
    ``off`` or no xdb file is installed (impossible travel then needs callers' regions)."""
    if LOCATOR_KEY not in ctx.extras:
        setting = risk_settings(ctx).ip_region_db
        path = None if setting == "off" else Path(setting) if setting else bundled_database()
        locator = None
        if path is not None:
            try:
                locator = IpLocator(path)
            except (OSError, ValueError) as exc:
                log.warning("risk.ip_region_db_unusable", path=str(path), error=str(exc))
        ctx.extras[LOCATOR_KEY] = locator
    return cast("IpLocator | None", ctx.extras[LOCATOR_KEY])


def _ops(req: RiskRequest, fp: str, now: float, region: str | None) -> list[tuple[str, Operation]]:
    a = f"{{risk:{req.action}}}"
    m, h, d = int(now // MINUTE), int(now // HOUR), int(now // DAY)
    ops: list[tuple[str, Operation]] = [
        ("account_minute", Operation("incr", f"{a}:a:{req.subject}:m{m}", ttl=2 * MINUTE)),
        ("account_hour", Operation("incr", f"{a}:a:{req.subject}:h{h}", ttl=2 * HOUR)),
        ("account_day", Operation("incr", f"{a}:a:{req.subject}:d{d}", ttl=2 * DAY)),
        ("ip_minute", Operation("incr", f"{a}:i:{req.ip}:m{m}", ttl=2 * MINUTE)),
        ("ip_hour", Operation("incr", f"{a}:i:{req.ip}:h{h}", ttl=2 * HOUR)),
        (
            "accounts_on_ip",
            Operation("add", f"{a}:{req.scope}:ia:{req.ip}:d{d}", req.subject, 2 * DAY),
        ),
        ("account_ips", Operation("add", f"{a}:ai:{req.subject}:h{h}", req.ip, 2 * HOUR)),
        ("accounts_on_ip_all", Operation("add", f"{a}:ia:{req.ip}:d{d}", req.subject, 2 * DAY)),
        ("account_failures", Operation("get", f"{a}:fa:{req.subject}:h{h}", ttl=2 * HOUR)),
        ("ip_failures", Operation("get", f"{a}:fi:{req.ip}:h{h}", ttl=2 * HOUR)),
    ]
    if fp:
        ops += [
            ("device_minute", Operation("incr", f"{a}:d:{req.device_id}:m{m}", ttl=2 * MINUTE)),
            ("device_hour", Operation("incr", f"{a}:d:{req.device_id}:h{h}", ttl=2 * HOUR)),
            ("fingerprint_hour", Operation("incr", f"{a}:f:{fp}:h{h}", ttl=2 * HOUR)),
            (
                "accounts_on_device",
                Operation("add", f"{a}:{req.scope}:da:{req.device_id}:d{d}", req.subject, 2 * DAY),
            ),
            (
                "accounts_on_device_all",
                Operation("add", f"{a}:da:{req.device_id}:d{d}", req.subject, 2 * DAY),
            ),
        ]
    if not req.scope:  # unscoped: the "all scopes" twins are the same sets
        ops = [(n, o) for n, o in ops if not n.endswith("_all")]
    if region:
        ops.append(
            (
                "last_region",
                Operation("region", f"{a}:r:{req.subject}", f"{region}|{int(now)}", DAY),
            )
        )
    return ops


def _travelled(previous: str, region: str, now: float) -> tuple[bool, float]:
    """(impossible travel, implied km/h) from the stored ``region|epoch`` to ``region`` now."""
    where, _, when = previous.partition("|")
    return travel(where, region, now - float(when or now))


def builtin_score(signals: Mapping[str, SignalValue]) -> int:
    """Points that summarise the signals (a rule may use ``score``)."""
    age = signals.get("account_age_hours")
    points = NEW_ACCOUNT if age is None or float(cast(float, age)) < DEFAULT_NEW_HOURS else 0
    if cast(int, signals.get("account_minute", 0)) > DEFAULT_BURST:
        points += BURST
    if cast(int, signals.get("accounts_on_ip", 0)) > DEFAULT_MEMBERS_PER_IP:
        points += SHARED_IP
    if cast(int, signals.get("accounts_on_device", 0)) > DEFAULT_MEMBERS_PER_DEVICE:
        points += SHARED_DEVICE
    if cast(int, signals.get("account_failures", 0)) >= DEFAULT_FAILURES:
        points += FAILURES
    return points


@dataclass(frozen=True, slots=True)
class _Policy:
    """The rules and lists as one process uses them, refreshed in the background every
    ``POLICY_TTL`` seconds (and dropped at once after a change in this process), so an action
    costs no SQL for them. Another process sees a change within the TTL."""

    expires: float
    rules: list[Rule]
    allow: list[IPNetwork]
    deny: list[IPNetwork]


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


async def _policy(session: AsyncSession, ctx: AppContext) -> _Policy:
    found = ctx.extras.get(POLICY_KEY)
    if isinstance(found, _Policy) and found.expires > time.monotonic():
        return found
    return await _load_policy(session, ctx)


async def _load_policy(session: AsyncSession, ctx: AppContext) -> _Policy:
    rows = await repository.list_rules(session)
    entries = await repository.list_entries(session)
    rules = [rule_of(r) for r in rows if r.is_active] if rows else list(DEFAULT_RULES)
    policy = _Policy(
        expires=time.monotonic() + POLICY_STALE_AFTER,
        rules=rules,
        allow=[ipaddress.ip_network(e.network) for e in entries if e.kind == "allow"],
        deny=[ipaddress.ip_network(e.network) for e in entries if e.kind == "deny"],
    )
    ctx.extras[POLICY_KEY] = policy
    return policy


async def start_policy_refresh(ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """Load the rules and lists now and every ``POLICY_TTL`` seconds in the background, so no
    request pays for them (a request reads them itself only when the refresh has stalled for
    ``POLICY_STALE_AFTER`` seconds, or right after a change in this process)."""

    async def refresh() -> None:
        async with read_session(ctx.sessionmaker) as session:
            await _load_policy(session, ctx)
            await sync_model(session, ctx)
        try:
            await flush_samples(ctx)
        except Exception:  # kept for the next refresh; the policy itself is fresh
            log.warning("risk.sample_flush_failed", exc_info=True)

    await refresh()

    async def loop() -> None:
        while True:
            await asyncio.sleep(POLICY_TTL)
            try:
                await refresh()
            except Exception:
                log.warning("risk.policy_refresh_failed", exc_info=True)

    task = asyncio.create_task(loop(), name="risk-policy-refresh")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


def forget_policy(session: AsyncSession, ctx: AppContext) -> None:
    """Drop this process's cached rules and lists once the change commits."""
    on_commit(session, lambda: ctx.extras.pop(POLICY_KEY, None), key=POLICY_KEY)


def rule_of(row: RiskRule) -> Rule:
    return Rule(
        row.id,
        row.name,
        tuple(row.actions),
        tuple(parse_conditions(row.conditions)),
        cast(Outcome, row.outcome),
    )


def _listed(policy: _Policy, ip: str) -> str | None:
    """``"deny"``, ``"allow"`` or ``None``: the deny list wins over the allow list."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if any(address in net for net in policy.deny):
        return "deny"
    return "allow" if any(address in net for net in policy.allow) else None


async def collect_signals(
    session: AsyncSession, ctx: AppContext, req: RiskRequest, *, now: datetime
) -> dict[str, SignalValue]:
    """Every signal of the request, from one velocity round trip and the devices table."""
    at = now.timestamp()
    fp = fingerprint(req.device_id, req.user_agent)
    region = req.region
    place = None
    if not region and (locator := locator_of(ctx)) is not None:
        place = locator.locate(req.ip)
        region = place.key if place is not None else None
    ops = _ops(req, fp, at, region)
    results = await velocity_of(ctx).run([op for _, op in ops])
    signals: dict[str, SignalValue] = {name: 0 for name, spec in SIGNALS.items() if spec[0] is int}
    for (name, _), value in zip(ops, results, strict=True):
        if name == "last_region":
            impossible, kmh = _travelled(str(value), region or "", at)
            signals["impossible_travel"] = impossible
            signals["travel_kmh"] = kmh
        else:
            signals[name] = value
    signals.setdefault("impossible_travel", False)
    signals.setdefault("travel_kmh", 0.0)
    if place is not None:  # shown in the decision log; no rule reads it
        signals["ip_place"] = " ".join(p for p in (place.country, place.city) if p)
    if not req.scope:
        signals["accounts_on_ip_all"] = signals["accounts_on_ip"]
        signals["accounts_on_device_all"] = signals["accounts_on_device"]
    signals["account_age_hours"] = (
        None
        if req.account_created_at is None
        else round((now - req.account_created_at).total_seconds() / HOUR, 2)
    )
    signals["device_missing"] = not fp
    signals["new_device"] = bool(fp) and await repository.note_device(
        session, subject=req.subject, device=fp, now=now
    )
    signals["amount"] = req.amount
    signals["change_pct"] = req.change_pct
    signals["score"] = builtin_score(signals)
    scorer = ctx.extras.get(ANOMALY_KEY)
    signals["anomaly"] = float(scorer(signals)) if callable(scorer) else 0.0
    if callable(scorer):
        signals["anomaly_model"] = str(getattr(scorer, "version", ""))
    return signals


async def assess(
    session: AsyncSession, ctx: AppContext, req: RiskRequest, *, now: datetime | None = None
) -> Decision:
    """Decide one action: the deny list blocks, the allow list allows, else the first active
    rule that matches decides (no match: allow). Every decision that is not ``allow``, and every
    staff decision, is written with its signals and the rule that fired to the decision log in
    the caller's transaction (``id`` 0 otherwise); all are counted in
    ``shoplet_risk_decisions_total``."""
    now = now or utcnow()
    signals = await collect_signals(session, ctx, req, now=now)
    policy = await _policy(session, ctx)
    listed = _listed(policy, req.ip)
    signals["ip_allowed"] = listed == "allow"
    rule: Rule | None = None
    reasons: list[str] = []
    if listed == "deny":
        outcome: Outcome = "block"
        reasons.append("ip_denied")
    elif listed == "allow":
        outcome = "allow"
        reasons.append("ip_allowed")
    else:
        rule = first_match(policy.rules, req.action, signals)
        outcome = rule.outcome if rule is not None else "allow"
        if rule is not None:
            reasons += [c.describe() for c in rule.conditions]
    if outcome == "challenge" and req.challenge_passed:
        outcome = "allow"
        reasons.append("challenge_passed")
    elif outcome == "challenge" and req.grant:
        challenge_id = await challenge.claim_grant(
            session,
            grant=req.grant,
            action=req.action,
            subject=req.subject,
            device=fingerprint(req.device_id, req.user_agent),
            now=now,
        )
        outcome = "allow"
        reasons += ["challenge_passed", f"challenge:{challenge_id}"]
    explained = ([f"rule:{rule.name}"] if rule is not None else []) + reasons
    score = int(cast(int, signals["score"]))
    _count(ctx, req.action, outcome)
    if outcome == "allow" and req.staff_id is None and "challenge_passed" not in reasons:
        # Shoppers' allowed actions are counted, not stored: the log holds what needs a look.
        # A few are sampled (in memory) as ordinary traffic for the anomaly model's next fit.
        sampler = ctx.extras.get(SAMPLER_KEY)
        if isinstance(sampler, Sampler):
            sampler.offer(signals, now)
        return Decision(0, outcome, score, None, explained, signals)
    row = await repository.add_decision(
        session,
        RiskDecision(
            action=req.action,
            subject=req.subject,
            member_id=req.member_id,
            staff_id=req.staff_id,
            ip=req.ip[:45],
            device=fingerprint(req.device_id, req.user_agent),
            outcome=outcome,
            score=score,
            rule_id=rule.id if rule is not None else None,
            reasons=explained,
            signals=signals,
            review_state="pending" if outcome == "review" else None,
            created_at=now,
        ),
    )
    return Decision(
        row.id, outcome, score, rule.name if rule is not None else None, explained, signals
    )


def _count(ctx: AppContext, action: str, outcome: str) -> None:
    counter = ctx.extras.get(METRIC_KEY)
    if counter is None:
        counter = ctx.extras[METRIC_KEY] = Counter(
            "shoplet_risk_decisions_total",
            "Risk decisions by action and outcome",
            ["action", "outcome"],
            registry=ctx.metrics.registry,
        )
    counter.labels(action, outcome).inc()


async def guard(
    session: AsyncSession,
    ctx: AppContext,
    req: RiskRequest,
    *,
    staff: StaffIdentity | None = None,
    now: datetime | None = None,
) -> Decision:
    """Assess and enforce: ``block`` raises 403 ``risk.blocked``, ``challenge`` 403
    ``risk.challenge_required`` (both keep the decision log row although the request fails);
    ``review`` lets the action through and queues it in the console. A staff member's decision
    other than ``allow`` is also an audit-log entry when enforced. In ``monitor`` mode nothing is
    refused (and nothing audited: the decision log has it);
    ``off`` skips the engine (``config.py``)."""
    mode = risk_settings(ctx).mode
    if mode == "off":
        return Decision(id=0, outcome="allow", score=0, rule=None, reasons=["off"], signals={})
    decision = await assess(session, ctx, req, now=now)
    if staff is not None and decision.outcome != "allow" and mode == "enforce":
        await record_audit(
            session,
            staff,
            f"risk.{decision.outcome}",
            f"risk_decision:{decision.id}",
            {"action": req.action, "reasons": decision.reasons},
            Origin(req.ip, req.user_agent),
        )
    if decision.outcome in ("block", "challenge") and mode == "enforce":
        keep_writes_on_error(session)
        if decision.outcome == "block":
            raise RiskBlocked(decision_id=decision.id, reasons=decision.reasons)
        if req.member_id is not None and req.staff_id is None:
            # A shopper can pass it: the 403 names the challenge and how to answer it.
            token = await challenge.open_challenge(
                session,
                action=req.action,
                subject=req.subject,
                member_id=req.member_id,
                device=fingerprint(req.device_id, req.user_agent),
                decision_id=decision.id,
                now=now or utcnow(),
            )
            methods = list(challenge.METHODS)
            if await passkey.has_passkey(session, ctx, req.member_id):
                methods.append("passkey")
            raise ChallengeRequired(
                decision_id=decision.id,
                reasons=decision.reasons,
                challenge_id=token,
                methods=methods,
            )
        raise ChallengeRequired(decision_id=decision.id, reasons=decision.reasons)
    return decision


async def record_failure(
    ctx: AppContext, action: Action, *, subject: str, ip: str, now: datetime | None = None
) -> None:
    """Count a failed attempt (a wrong login code) against the account and the IP this hour."""
    h = int((now or utcnow()).timestamp() // HOUR)
    a = f"{{risk:{action}}}"
    await velocity_of(ctx).incr([f"{a}:fa:{subject}:h{h}", f"{a}:fi:{ip}:h{h}"], 2 * HOUR)


async def guard_staff_signin(
    session: AsyncSession,
    ctx: AppContext,
    staff: StaffIdentity,
    origin: Origin | None,
    second_factor_verified: bool,
) -> None:
    """Staff's sign-in hook (``staff.public.set_signin_guard``): a sign-in from a new browser
    (the fingerprint of its user agent) or an impossible place is a challenge, which the second
    factor of this very sign-in answers; a staff member without one is refused (403
    ``risk.challenge_required``) until an owner allows the network or enrols them."""
    await guard(
        session,
        ctx,
        RiskRequest(
            action="staff_signin",
            subject=f"staff:{staff.id}",
            staff_id=staff.id,
            ip=(origin.ip if origin is not None else None) or "unknown",
            device_id="console",
            user_agent=(origin.user_agent if origin is not None else None) or "",
            challenge_passed=second_factor_verified,
        ),
        staff=staff,
    )

"""The rule language of the risk engine, pure: the signals a rule may read, the validation of a
definition (a stable 400 code naming the path of the first fault) and the evaluation.

A rule is ``{name, actions, conditions, outcome}``; every condition ``{signal, op, value}``
must hold (AND) for the rule to match. An empty ``actions`` list means every action. A signal
that is unknown for a request (``None``: the age of an account that does not exist yet) makes
its condition false, so a rule never fires on a missing fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from .errors import RuleInvalid

Action = Literal[
    "login",
    "checkout",
    "coupon_claim",
    "refund",
    "flash_token",
    "bargain_cut",
    "group_join",
    "staff_signin",
    "price_change",
]
ACTIONS: tuple[str, ...] = get_args(Action)
Outcome = Literal["allow", "challenge", "block", "review"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
SignalValue = int | float | bool | str | None

# name -> (type, meaning). Counts are per action, in fixed windows (velocity.py).
SIGNALS: dict[str, tuple[type, str]] = {
    "score": (int, "points of the built-in score (new account, bursts, shared devices and IPs)"),
    "anomaly": (float, "the anomaly model's score, 0 (usual) to 1 (most unusual)"),
    "account_age_hours": (float, "hours since the account was created (unknown at first login)"),
    "account_minute": (int, "this action by the account in the current minute"),
    "account_hour": (int, "this action by the account in the current hour"),
    "account_day": (int, "this action by the account today"),
    "device_minute": (int, "this action from the device in the current minute"),
    "device_hour": (int, "this action from the device in the current hour"),
    "ip_minute": (int, "this action from the IP address in the current minute"),
    "ip_hour": (int, "this action from the IP address in the current hour"),
    "fingerprint_hour": (int, "this action from the device fingerprint (id + UA) this hour"),
    "accounts_on_device": (int, "distinct accounts doing this action on the device today"),
    "accounts_on_ip": (int, "distinct accounts doing this action from the IP today"),
    "accounts_on_device_all": (
        int,
        "distinct accounts doing this action on the device today, in every scope (all bargains)",
    ),
    "accounts_on_ip_all": (
        int,
        "distinct accounts doing this action from the IP today, in every scope (all bargains)",
    ),
    "account_ips": (int, "distinct IP addresses of the account for this action this hour"),
    "account_failures": (int, "failed attempts of this action on the account this hour"),
    "ip_failures": (int, "failed attempts of this action from the IP this hour"),
    "device_missing": (bool, "the request carried no device id"),
    "new_device": (bool, "the account has never used this device fingerprint before"),
    "impossible_travel": (
        bool,
        "since its last sighting the account moved ≥ 500 km faster than 1,000 km/h (provinces, "
        "from the IP address), or to another country within 2 hours",
    ),
    "travel_kmh": (float, "the speed the move since the account's last sighting implies, km/h"),
    "ip_allowed": (bool, "the IP is on the allow list"),
    "amount": (int, "the amount at stake, in fen (order total, refund)"),
    "change_pct": (float, "a price change, in percent of the old price (-50 = halved)"),
}
NUMERIC_OPS = ("eq", "ne", "gt", "gte", "lt", "lte")
BOOL_OPS = ("eq", "ne")


@dataclass(frozen=True, slots=True)
class Condition:
    signal: str
    op: str
    value: int | float | bool

    def holds(self, signals: Mapping[str, SignalValue]) -> bool:
        got = signals.get(self.signal)
        if got is None or isinstance(got, str):
            return False
        want = self.value
        match self.op:
            case "eq":
                return got == want
            case "ne":
                return got != want
            case "gt":
                return got > want
            case "gte":
                return got >= want
            case "lt":
                return got < want
            case _:
                return got <= want

    def describe(self) -> str:
        return f"{self.signal} {self.op} {self.value}"


@dataclass(frozen=True, slots=True)
class Rule:
    id: int | None
    name: str
    actions: tuple[str, ...]
    conditions: tuple[Condition, ...]
    outcome: Outcome

    def applies_to(self, action: str) -> bool:
        return not self.actions or action in self.actions

    def matches(self, action: str, signals: Mapping[str, SignalValue]) -> bool:
        return self.applies_to(action) and all(c.holds(signals) for c in self.conditions)


def parse_conditions(raw: Sequence[Mapping[str, Any]], path: str = "conditions") -> list[Condition]:
    """Check and build conditions; ``RuleInvalid`` (400, its own code per fault) names the
    path of the first fault: ``conditions[2].value``."""
    if not raw:
        raise RuleInvalid.empty(path)
    out: list[Condition] = []
    for i, item in enumerate(raw):
        at = f"{path}[{i}]"
        signal = item.get("signal")
        if not isinstance(signal, str) or signal not in SIGNALS:
            raise RuleInvalid.unknown_signal(f"{at}.signal", signal)
        kind = SIGNALS[signal][0]
        op = item.get("op")
        ops = BOOL_OPS if kind is bool else NUMERIC_OPS
        if op not in ops:
            raise RuleInvalid.bad_operator(f"{at}.op", signal, ops)
        value = item.get("value")
        if kind is bool:
            ok = isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if kind is int and isinstance(value, float) and not value.is_integer():
                ok = False
        if not ok:
            raise RuleInvalid.bad_value(f"{at}.value", signal, kind.__name__)
        out.append(Condition(signal, cast(str, op), cast(int | float | bool, value)))
    return out


def parse_actions(raw: Sequence[str], path: str = "actions") -> tuple[str, ...]:
    for i, action in enumerate(raw):
        if action not in ACTIONS:
            raise RuleInvalid.unknown_action(f"{path}[{i}]", action)
    return tuple(dict.fromkeys(raw))


def first_match(
    rules: Sequence[Rule], action: str, signals: Mapping[str, SignalValue]
) -> Rule | None:
    for rule in rules:
        if rule.matches(action, signals):
            return rule
    return None


def _c(signal: str, op: str, value: int | float | bool) -> Condition:
    return Condition(signal, op, value)


_GIVEAWAYS = ("coupon_claim", "bargain_cut", "group_join", "flash_token")

# In effect while the merchant has not saved rules of their own (docs/risk.md lists them).
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(None, "一台设备多个账号领取", _GIVEAWAYS, (_c("accounts_on_device", "gte", 4),), "block"),
    Rule(
        None,
        "砍价/拼团 团伙：同设备",
        ("bargain_cut", "group_join"),
        (_c("accounts_on_device", "gte", 2),),
        "block",
    ),
    Rule(
        None,
        "砍价/拼团 团伙：同 IP 新账号",
        ("bargain_cut", "group_join"),
        (_c("accounts_on_ip", "gte", 4), _c("account_age_hours", "lt", 72)),
        "challenge",
    ),
    # What the bargains' own score refused before the engine replaced it: a third account on
    # one phone in a day (across every bargain), a new account cutting in bursts, and bursts or
    # new accounts from an IP crowded with helpers.
    Rule(
        None,
        "砍价：同设备多账号（全天）",
        ("bargain_cut",),
        (_c("accounts_on_device_all", "gte", 3),),
        "block",
    ),
    Rule(
        None,
        "砍价：新账号连刀",
        ("bargain_cut",),
        (_c("account_age_hours", "lt", 24), _c("account_minute", "gt", 5)),
        "block",
    ),
    Rule(
        None,
        "砍价：拥挤 IP 新账号",
        ("bargain_cut",),
        (_c("account_age_hours", "lt", 24), _c("accounts_on_ip_all", "gt", 20)),
        "challenge",
    ),
    Rule(
        None,
        "砍价：拥挤 IP 连刀",
        ("bargain_cut",),
        (_c("account_minute", "gt", 5), _c("accounts_on_ip_all", "gt", 20)),
        "challenge",
    ),
    # What the flash sale's own score challenged before (within one campaign): a third account
    # on one phone, a new account asking in bursts, bursts or new accounts from a crowded IP.
    Rule(
        None,
        "秒杀：同设备多账号",
        ("flash_token",),
        (_c("accounts_on_device", "gte", 3),),
        "challenge",
    ),
    Rule(
        None,
        "秒杀：新账号连抢",
        ("flash_token",),
        (_c("account_age_hours", "lt", 24), _c("account_minute", "gt", 3)),
        "challenge",
    ),
    Rule(
        None,
        "秒杀：拥挤 IP 新账号",
        ("flash_token",),
        (_c("account_age_hours", "lt", 24), _c("accounts_on_ip", "gt", 20)),
        "challenge",
    ),
    Rule(
        None,
        "秒杀：拥挤 IP 连抢",
        ("flash_token",),
        (_c("account_minute", "gt", 3), _c("accounts_on_ip", "gt", 20)),
        "challenge",
    ),
    Rule(
        None,
        "薅券：同设备新账号",
        ("coupon_claim",),
        (_c("accounts_on_device", "gte", 3), _c("account_age_hours", "lt", 72)),
        "block",
    ),
    Rule(
        None,
        "薅券：同 IP 新账号",
        ("coupon_claim",),
        (_c("accounts_on_ip", "gte", 6), _c("account_age_hours", "lt", 24)),
        "challenge",
    ),
    Rule(None, "撞库：账号多次失败", ("login",), (_c("account_failures", "gte", 5),), "challenge"),
    Rule(None, "撞库：账号多 IP", ("login",), (_c("account_ips", "gte", 5),), "challenge"),
    Rule(None, "撞库：IP 多次失败", ("login",), (_c("ip_failures", "gte", 10),), "challenge"),
    Rule(None, "撞库：IP 高频", ("login",), (_c("ip_minute", "gt", 30),), "challenge"),
    Rule(None, "撞库：设备多账号", ("login",), (_c("accounts_on_device", "gte", 6),), "challenge"),
    Rule(
        None,
        "异地登录",
        ("login", "staff_signin"),
        (_c("impossible_travel", "eq", True),),
        "challenge",
    ),
    Rule(None, "员工新设备登录", ("staff_signin",), (_c("new_device", "eq", True),), "challenge"),
    Rule(None, "下单过频", ("checkout",), (_c("account_minute", "gt", 10),), "challenge"),
    Rule(None, "退款过频", ("refund",), (_c("account_day", "gt", 3),), "review"),
    Rule(
        None,
        "新账号大额退款",
        ("refund",),
        (_c("amount", "gte", 100_000), _c("account_age_hours", "lt", 72)),
        "review",
    ),
    Rule(None, "大幅降价", ("price_change",), (_c("change_pct", "lte", -50.0),), "review"),
    Rule(None, "频繁改价", ("price_change",), (_c("account_hour", "gt", 50),), "review"),
    Rule(None, "行为异常", (), (_c("anomaly", "gte", 0.9),), "review"),
)

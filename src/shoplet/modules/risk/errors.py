"""Errors of risk: refusals of the engine (blocked, challenge) and faults in rule definitions
(400, one stable code per fault, ``path`` names where: ``conditions[1].op``)."""

from __future__ import annotations

from collections.abc import Sequence

from shoplet.core.errors import BadRequest, Conflict, Forbidden, NotFound


class RiskBlocked(Forbidden):
    """The risk engine refused the action (a rule or the deny list); the decision id lets
    support find the explanation in the console's decision log."""

    code = "risk.blocked"
    title = "This request was refused for security reasons"


class ChallengeRequired(Forbidden):
    """The action needs a challenge first (a captcha for shoppers, a step-up for staff)."""

    code = "risk.challenge_required"
    title = "Verification required"


class RuleInvalid(BadRequest):
    code = "risk.rule_invalid"
    title = "Invalid risk rule"

    @classmethod
    def empty(cls, path: str) -> RuleInvalid:
        return RuleEmpty(f"{path}: a rule needs at least one condition", path=path)

    @classmethod
    def unknown_signal(cls, path: str, signal: object) -> RuleInvalid:
        return RuleUnknownSignal(f"{path}: unknown signal {signal!r}", path=path)

    @classmethod
    def bad_operator(cls, path: str, signal: str, ops: Sequence[str]) -> RuleInvalid:
        return RuleBadOperator(
            f"{path}: {signal} takes one of {', '.join(ops)}", path=path, allowed=list(ops)
        )

    @classmethod
    def bad_value(cls, path: str, signal: str, kind: str) -> RuleInvalid:
        return RuleBadValue(f"{path}: {signal} compares with a {kind}", path=path, expected=kind)

    @classmethod
    def unknown_action(cls, path: str, action: object) -> RuleInvalid:
        return RuleUnknownAction(f"{path}: unknown action {action!r}", path=path)


class RuleEmpty(RuleInvalid):
    code = "risk.rule_empty"
    title = "A rule needs at least one condition"


class RuleUnknownSignal(RuleInvalid):
    code = "risk.rule_unknown_signal"
    title = "Unknown signal in a risk rule"


class RuleBadOperator(RuleInvalid):
    code = "risk.rule_bad_operator"
    title = "Operator not allowed for this signal"


class RuleBadValue(RuleInvalid):
    code = "risk.rule_bad_value"
    title = "Value of the wrong type for this signal"


class RuleUnknownAction(RuleInvalid):
    code = "risk.rule_unknown_action"
    title = "Unknown action in a risk rule"


class NetworkInvalid(BadRequest):
    code = "risk.network_invalid"
    title = "Not an IP address or CIDR network"


class ListEntryExists(Conflict):
    code = "risk.list_entry_exists"
    title = "This network is already on the list"


class RuleNotFound(NotFound):
    code = "risk.rule_not_found"
    title = "Risk rule not found"


class ListEntryNotFound(NotFound):
    code = "risk.list_entry_not_found"
    title = "List entry not found"


class DecisionNotFound(NotFound):
    code = "risk.decision_not_found"
    title = "Risk decision not found"


class ReviewClosed(Conflict):
    code = "risk.review_closed"
    title = "This decision is not waiting for review"


class ChallengeNotFound(NotFound):
    """No open challenge with this id for this shopper (unknown, another member's, expired)."""

    code = "risk.challenge_not_found"
    title = "Verification not found or expired"


class ChallengeNoPhone(Conflict):
    """The shopper has no bound phone to receive a code."""

    code = "risk.challenge_no_phone"
    title = "No phone number is bound to this account"


class ChallengeCodeInvalid(BadRequest):
    """Wrong, expired or never-sent code (the attempt is counted)."""

    code = "risk.challenge_code_invalid"
    title = "Wrong or expired verification code"


class ChallengeAttemptsExhausted(Conflict):
    code = "risk.challenge_attempts_exhausted"
    title = "Too many wrong codes: start again"


class ChallengeAlreadyPassed(Conflict):
    code = "risk.challenge_already_passed"
    title = "This verification was already passed"


class GrantInvalid(Forbidden):
    """``X-Risk-Grant`` is unknown, spent, expired, or for another action, member or device."""

    code = "risk.grant_invalid"
    title = "Verification expired or already used"


class ChallengeNoPasskey(Conflict):
    """The shopper has no passkey to answer the challenge with (SMS remains)."""

    code = "risk.challenge_no_passkey"
    title = "No passkey is registered for this account"


class ChallengePasskeyInvalid(BadRequest):
    """The passkey assertion does not verify: another origin or relying party, no user
    verification, a passkey that is not this member's, an old counter, no options asked for
    (the attempt is counted, like a wrong code)."""

    code = "risk.challenge_passkey_invalid"
    title = "The passkey could not be verified"


class NotEnoughSamples(Conflict):
    """A refit was asked for before enough ordinary traffic was sampled."""

    code = "risk.not_enough_samples"
    title = "Not enough traffic sampled to fit the anomaly model yet"

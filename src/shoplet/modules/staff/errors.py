"""Staff errors: each has an HTTP status and a stable code. The codes keep their ``console.``
prefix (``console.permission_denied`` …): the console and its tests rely on them."""

from __future__ import annotations

from typing import Any

from shoplet.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ShopletError,
    Unauthorized,
)


class InvalidCredentials(Unauthorized):
    code = "console.invalid_credentials"
    title = "Wrong username or password"


class AccountLocked(ShopletError):
    status = 423
    code = "console.account_locked"
    title = "Account locked after repeated failed sign-ins"

    def __init__(self, detail: str | None = None, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(max(1, retry_after))


class MfaRequired(Unauthorized):
    code = "console.mfa_required"
    title = "A one-time code from the authenticator app is required"


class MfaInvalid(Unauthorized):
    code = "console.mfa_invalid"
    title = "The one-time code is wrong or was already used"


class MfaCodeRejected(BadRequest):
    """Confirming an enrolment with a wrong code: the caller's token is fine, so not a 401."""

    code = "console.mfa_invalid"
    title = "The one-time code does not match the new secret"


class MfaEnrollmentRequired(Forbidden):
    code = "console.mfa_enrollment_required"
    title = "Owners must enrol an authenticator app before using the console"


class MfaAlreadyEnabled(Conflict):
    code = "console.mfa_already_enabled"
    title = "MFA is already enabled; an owner must reset it first"


class MfaNotEnrolling(Conflict):
    code = "console.mfa_not_enrolling"
    title = "No MFA enrolment in progress; start one with /console/auth/mfa/enroll"


class PermissionDenied(Forbidden):
    code = "console.permission_denied"
    title = "Your role does not allow this"


class PiiRevealDenied(Forbidden):
    code = "console.pii_reveal_denied"
    title = "Your role may not see full phone numbers or addresses"


class StaffNotFound(NotFound):
    code = "console.staff_not_found"
    title = "Staff account not found"


class UsernameTaken(Conflict):
    code = "console.username_taken"
    title = "Username already taken"


class InvalidUsername(BadRequest):
    code = "console.invalid_username"
    title = "Usernames are 3 to 32 characters of a-z, 0-9, '_', '.', '-'"


class UnknownRole(BadRequest):
    code = "console.unknown_role"
    title = "Unknown role; use owner, operator or support"


class WeakPassword(BadRequest):
    code = "console.weak_password"
    title = "Password too weak"


class InvalidDisplayName(BadRequest):
    code = "console.invalid_display_name"
    title = "Display names are 1 to 50 characters"


class LastOwner(Conflict):
    code = "console.last_owner"
    title = "The shop must keep at least one active owner"


class ChallengeInvalid(BadRequest):
    code = "console.challenge_invalid"
    title = "This passkey challenge is unknown, expired or already used; ask for a new one"


class PasskeyRejected(BadRequest):
    """A registration the server cannot accept (origin, RP id, attestation, challenge…)."""

    code = "console.passkey_invalid"
    title = "The passkey could not be verified"


class PasskeySignInRejected(Unauthorized):
    code = "console.passkey_invalid"
    title = "The passkey could not be verified"


class PasskeyTaken(Conflict):
    code = "console.passkey_taken"
    title = "This passkey is already registered"


class PasskeyNotFound(NotFound):
    code = "console.passkey_not_found"
    title = "Passkey not found"


class PasswordlessDisabled(Forbidden):
    code = "console.passwordless_disabled"
    title = "Signing in with a passkey alone is off: sign in with your password first"


class StepUpRequired(Forbidden):
    """A sensitive action without a fresh step-up grant. ``methods`` lists what the staff member
    can confirm with (``passkey``, ``totp``); empty: enrol one first."""

    code = "auth.step_up_required"
    title = "Confirm it is you (passkey or authenticator code) before this action"


class StepUpRejected(BadRequest):
    code = "auth.step_up_invalid"
    title = "The passkey or one-time code did not confirm it is you"

"""Staff request and response bodies: sign-in, MFA, passkeys, step-up, staff accounts, the audit
log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

RoleName = Literal["owner", "operator", "support"]
# Bounds here only stop abuse (argon2 over a megabyte); the rules live in the service, so the CLI
# and the API refuse the same things with the same codes.
Username = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=False)]
DisplayName = Annotated[CleanText, StringConstraints(max_length=50)]
OtpCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


# A PublicKeyCredential as JSON (toJSON() of navigator.credentials.create/get); py_webauthn
# checks its structure, the request body only bounds its size.
WebAuthnCredential = Annotated[dict[str, Any], Field(max_length=8)]
PasskeyLoginMode = Literal["second_factor", "passwordless"]


class PasskeyAssertion(RequestModel):
    challenge_id: Id
    credential: WebAuthnCredential


class LoginRequest(RequestModel):
    username: Username
    password: Password
    otp: OtpCode | None = None
    passkey: PasskeyAssertion | None = Field(
        default=None, description="A passkey as the second factor, instead of otp"
    )


class StaffProfile(BaseModel):
    """The signed-in staff member and what their role allows."""

    id: int
    username: str
    display_name: str
    role: RoleName
    mfa_enabled: bool
    permissions: list[str]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth2 token type)
    expires_in: int = Field(description="Seconds until the token expires")
    mfa_enrollment_required: bool = Field(
        description="True: this token can only enrol MFA (owners must enrol before anything else)"
    )
    staff: StaffProfile


class MfaEnrollment(BaseModel):
    secret: str = Field(description="Base32 TOTP secret, for manual entry")
    otpauth_uri: str
    qr_png_base64: str = Field(description="The otpauth URI as a PNG QR code, base64")


class MfaConfirm(RequestModel):
    otp: OtpCode


class StaffCreate(RequestModel):
    username: Username
    password: Password
    role: RoleName
    display_name: DisplayName = ""


class StaffUpdate(RequestModel):
    role: RoleName | None = None
    display_name: DisplayName | None = None
    is_active: bool | None = None


class StaffAccount(ResponseModel):
    """A staff account as owners see it in staff management."""

    id: int
    username: str
    display_name: str
    role: RoleName
    is_active: bool
    mfa_enabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


class AuditEntry(ResponseModel):
    id: int
    staff_id: int | None
    username: str
    action: str
    target: str | None
    detail: dict[str, Any]
    ip: str | None
    user_agent: str | None
    created_at: datetime


class AuditCheckpointInfo(ResponseModel):
    seq: int
    hash: str
    key_id: str
    created_at: datetime
    signature_valid: bool = Field(description="The SM2 signature verifies under a known key")


class AuditChainStatus(ResponseModel):
    """The audit chain as the console shows it: the last signed checkpoint and the entries after
    it, verified when this was asked (docs/audit.md)."""

    head_seq: int = Field(description="seq of the newest entry")
    last_checkpoint: AuditCheckpointInfo | None
    verified_to_seq: int | None = Field(
        description="The chain holds up to here, checked now; null: broken or too long to check"
        " within a request (run shoplet audit verify)"
    )
    intact: bool | None = Field(description="null when not checked live")
    problems: list[str] = Field(description="Up to 20 problems, each naming its seq")
    checked_at: datetime


class WebAuthnOptions(BaseModel):
    """Options for navigator.credentials.create/get (JSON form) and the id of the challenge
    to send back with the answer (single use, expires)."""

    challenge_id: int
    public_key: dict[str, Any]


class PasskeyLoginOptionsRequest(RequestModel):
    username: Username | None = Field(
        default=None, description="Second factor: whose passkeys; none: a passwordless sign-in"
    )


class PasskeyRegister(RequestModel):
    challenge_id: Id
    name: DisplayName = ""
    credential: WebAuthnCredential


class PasskeyOut(ResponseModel):
    id: int
    name: str
    fmt: str
    aaguid: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None


class AuthPolicyOut(BaseModel):
    passkey_login: PasskeyLoginMode
    step_up_ttl_seconds: int
    step_up_refund_threshold: int = Field(description="Refunds from this amount (fen) up")


class AuthPolicyUpdate(RequestModel):
    passkey_login: PasskeyLoginMode


class StepUpRequest(RequestModel):
    otp: OtpCode | None = None
    passkey: PasskeyAssertion | None = None


class StepUpGrant(BaseModel):
    step_up_token: str = Field(description="Send as X-Step-Up-Token with sensitive requests")
    expires_in: int
    method: Literal["passkey", "totp"]

"""WebAuthn (passkeys) ceremonies over py_webauthn, for any module that signs people in.

Modules keep their own credentials and challenges (tables, atomic single-use claims); this file
only builds the options the browser needs and verifies what it answers, against the relying
party id and origins of the settings (``SHOPLET_WEBAUTHN_RP_ID`` / ``SHOPLET_WEBAUTHN_ORIGINS``).

Accepted attestation formats: ``none`` and ``packed`` (self or full; the chain is not checked
against a vendor list, since we ask for ``attestation: "none"`` and keep no allow-list of
authenticator models). Algorithms: ES256 and RS256 (EdDSA where the platform offers it).
Sign counters are checked by :func:`verify_authentication` (a counter that does not grow while
either side is non-zero is refused) and must then be stored with a conditional update.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shoplet.core.settings import Settings

# py_webauthn (with pyasn1, cbor2 and their schemas, ~5 MB and ~120 modules) is imported by the
# functions below on the first passkey ceremony, not when an API process starts.
if TYPE_CHECKING:
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

CHALLENGE_BYTES = 32
TIMEOUT_MS = 120_000
ACCEPTED_FORMATS = frozenset({"none", "packed"})  # AttestationFormat.NONE and .PACKED


def _algorithms() -> list[COSEAlgorithmIdentifier]:
    from webauthn.helpers.cose import COSEAlgorithmIdentifier

    return [
        COSEAlgorithmIdentifier.ECDSA_SHA_256,
        COSEAlgorithmIdentifier.EDDSA,
        COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
    ]


class WebAuthnRejected(Exception):
    """The browser's answer does not verify (origin, RP id, challenge, signature, counter…)."""


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str
    name: str
    origins: list[str]

    @classmethod
    def of(cls, settings: Settings) -> RelyingParty:
        return cls(
            id=settings.resolved_webauthn_rp_id,
            name=settings.webauthn_rp_name,
            origins=settings.resolved_webauthn_origins,
        )


@dataclass(frozen=True, slots=True)
class StoredCredential:
    credential_id: str  # base64url
    transports: list[str]


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: str  # base64url
    public_key: bytes  # COSE
    sign_count: int
    aaguid: str
    fmt: str
    backed_up: bool
    transports: list[str]


@dataclass(frozen=True, slots=True)
class Assertion:
    credential_id: str  # base64url
    user_handle: bytes | None


def new_challenge() -> bytes:
    return secrets.token_bytes(CHALLENGE_BYTES)


def _descriptors(credentials: list[StoredCredential]) -> list[PublicKeyCredentialDescriptor]:
    from webauthn import base64url_to_bytes
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(c.credential_id),
            transports=[AuthenticatorTransport(t) for t in c.transports if t in known],
        )
        for c in credentials
    ]


def registration_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    existing: list[StoredCredential],
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptionsJSON`` for ``navigator.credentials.create``."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
        supported_pub_key_algs=_algorithms(),
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def authentication_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    allowed: list[StoredCredential],
    user_verification: bool,
) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptionsJSON`` for ``navigator.credentials.get``; an empty
    ``allowed`` list asks for a discoverable credential (passwordless)."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(allowed),
        user_verification=(
            UserVerificationRequirement.REQUIRED
            if user_verification
            else UserVerificationRequirement.PREFERRED
        ),
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def verify_registration(
    rp: RelyingParty, *, credential: dict[str, Any], challenge: bytes
) -> NewCredential:
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            supported_pub_key_algs=_algorithms(),
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise WebAuthnRejected(str(exc) or type(exc).__name__) from exc
    fmt = str(getattr(verified.fmt, "value", verified.fmt))
    if fmt not in ACCEPTED_FORMATS:
        raise WebAuthnRejected(f"attestation format {fmt!r} is not accepted")
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        fmt=fmt,
        backed_up=verified.credential_backed_up,
        transports=[t for t in transports if isinstance(t, str)][:8]
        if isinstance(transports, list)
        else [],
    )


def read_assertion(credential: dict[str, Any]) -> Assertion:
    """The credential id (and user handle) an assertion names, to find the stored key."""
    from webauthn import base64url_to_bytes

    raw_id = credential.get("id")
    response = credential.get("response")
    if not isinstance(raw_id, str) or not raw_id or not isinstance(response, dict):
        raise WebAuthnRejected("not a WebAuthn assertion")
    handle = response.get("userHandle")
    try:
        user_handle = base64url_to_bytes(handle) if isinstance(handle, str) and handle else None
    except ValueError as exc:
        raise WebAuthnRejected("malformed user handle") from exc
    return Assertion(credential_id=raw_id, user_handle=user_handle)


def verify_authentication(
    rp: RelyingParty,
    *,
    credential: dict[str, Any],
    challenge: bytes,
    public_key: bytes,
    sign_count: int,
    user_verification: bool,
) -> int:
    """Verify an assertion against the stored key; returns the authenticator's new counter."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise WebAuthnRejected(str(exc) or type(exc).__name__) from exc
    return int(verified.new_sign_count)

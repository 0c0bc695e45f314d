"""A software WebAuthn authenticator for the tests: an EC P-256 key (``cryptography``), the
authenticator data, client data JSON and CBOR attestation objects (``cbor2``) a browser hands a
relying party, with ``none`` or ``packed`` self attestation (WebAuthn Level 3, §6 and §8.2).

It answers the options the server sends (``PublicKeyCredentialCreationOptionsJSON`` /
``…RequestOptionsJSON``) with the JSON form of a ``PublicKeyCredential`` (``toJSON()``); knobs
let a test play a phishing page (another origin), another relying party, a cloned authenticator
(an old counter) or a replay.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ORIGIN = "http://localhost:8000"  # the test settings' default origin (port 8000)
RP_ID = "localhost"

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, aaguid: bytes = bytes(16)) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.aaguid = aaguid
        self.sign_count = 0
        self.user_handle: str | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode()

    def _sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def create(
        self,
        options: dict[str, Any],
        *,
        fmt: str = "none",
        origin: str = ORIGIN,
        rp_id: str | None = None,
    ) -> dict[str, Any]:
        """Answer navigator.credentials.create(options)."""
        rp = rp_id if rp_id is not None else options["rp"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        cred = self.credential_id
        attested = self.aaguid + len(cred).to_bytes(2, "big") + cred + self._cose_public_key()
        auth_data = (
            hashlib.sha256(rp.encode()).digest()
            + bytes([FLAG_UP | FLAG_UV | FLAG_AT])
            + self.sign_count.to_bytes(4, "big")
            + attested
        )
        statement: dict[str, Any] = {}
        if fmt == "packed":  # self attestation: signed by the credential key itself
            signed = auth_data + hashlib.sha256(client_data).digest()
            statement = {"alg": -7, "sig": self._sign(signed)}
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        self.user_handle = options["user"]["id"]
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        counter: int | None = None,
        user_verified: bool = True,
    ) -> dict[str, Any]:
        """Answer navigator.credentials.get(options); the counter grows by one unless given."""
        if counter is None:
            self.sign_count += 1
            counter = self.sign_count
        rp = rp_id if rp_id is not None else options["rpId"]
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = FLAG_UP | (FLAG_UV if user_verified else 0)
        auth_data = (
            hashlib.sha256(rp.encode()).digest() + bytes([flags]) + counter.to_bytes(4, "big")
        )
        signature = self._sign(auth_data + hashlib.sha256(client_data).digest())
        response: dict[str, Any] = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = self.user_handle
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

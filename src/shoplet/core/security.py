"""Security primitives: JWTs, argon2id passwords, SM4-GCM for personal data, masking.

Personal data (phones, addresses, ID numbers) is encrypted at rest with SM4-GCM. Lookups by an
encrypted value use a blind index: HMAC-SM3 of the normalised value under a key derived from the
PII key, so equal values match without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shoplet.core.db import utcnow

JWT_ALGORITHM = "HS256"
Audience = Literal["storefront", "console", "console-mfa"]


class TokenError(Exception):
    """The token is missing, malformed, expired or for another audience."""


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue(
        self,
        *,
        subject: str,
        audience: Audience,
        ttl: timedelta,
        issued_at: datetime | None = None,
        **claims: Any,
    ) -> str:
        """A signed JWT; ``issued_at`` and a ``jti`` claim make it reproducible (same inputs,
        same token), as a refresh retried within its grace window needs."""
        now = issued_at or utcnow()
        payload = {
            "sub": subject,
            "aud": audience,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": secrets.token_hex(8),
            **claims,
        }
        return jwt.encode(payload, self._secret, algorithm=JWT_ALGORITHM)

    def verify(self, token: str, *, audience: Audience) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[JWT_ALGORITHM],
                audience=audience,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from exc
        return claims


_password_hasher = PasswordHasher()  # argon2id with the library's current recommended cost


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _password_hasher.check_needs_rehash(password_hash)


# A constant hash to verify against when the user does not exist, so timing does not tell.
# Precomputed (the hash of a throwaway password, not a secret): hashing it at import cost
# ~0.1-0.5 s of CPU on every process start. Should argon2-cffi's default cost change, it is
# re-hashed at import, so verifying against it still costs what verifying a real hash costs.
DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0oyea2cAEnw3kOZKyR/Hqw$lWscb20gghCtjy2+8e6ssg93xFxJHQLxEiB+wXVtvYk"  # noqa: E501, S105
if _password_hasher.check_needs_rehash(DUMMY_PASSWORD_HASH):  # pragma: no cover - upgrade
    DUMMY_PASSWORD_HASH = _password_hasher.hash("shoplet-dummy-password")


def token_digest(token: str) -> str:
    """Digest for storing opaque tokens (refresh tokens, codes): never store them in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


class PiiCipher:
    """SM4-GCM encryption for personal data, with a blind index for exact lookups."""

    VERSION = b"\x01"
    NONCE_SIZE = 12
    TAG_SIZE = 16

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise ValueError("SM4 key must be 16 bytes")
        self._key = key
        h = hmac.HMAC(key, hashes.SM3())
        h.update(b"shoplet-blind-index")
        self._index_key = h.finalize()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(self.NONCE_SIZE)
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        ciphertext = encryptor.update(plaintext.encode()) + encryptor.finalize()
        blob = self.VERSION + nonce + ciphertext + encryptor.tag
        return base64.b64encode(blob).decode()

    def decrypt(self, token: str) -> str:
        blob = base64.b64decode(token)
        if blob[:1] != self.VERSION:
            raise ValueError("unknown PII cipher version")
        nonce = blob[1 : 1 + self.NONCE_SIZE]
        tag = blob[-self.TAG_SIZE :]
        ciphertext = blob[1 + self.NONCE_SIZE : -self.TAG_SIZE]
        decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        try:
            return (decryptor.update(ciphertext) + decryptor.finalize()).decode()
        except InvalidTag as exc:
            raise ValueError("PII ciphertext failed authentication") from exc

    def blind_index(self, value: str) -> str:
        h = hmac.HMAC(self._index_key, hashes.SM3())
        h.update(value.strip().encode())
        return h.finalize().hex()


def mask_phone(phone: str) -> str:
    """13800000000 -> 138****0000."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_text(text: str, *, keep: int = 6) -> str:
    """Detail addresses: keep the first characters, mask the rest."""
    if len(text) <= keep:
        return text[:1] + "*" * (len(text) - 1)
    return text[:keep] + "*" * min(8, len(text) - keep)


def mask_name(name: str) -> str:
    """张三丰 -> 张**."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)

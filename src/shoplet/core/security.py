"""Security primitives: JWTs, argon2id passwords, SM4-GCM for personal data, masking.

Personal data (phones, addresses, ID numbers) is encrypted at rest with SM4-GCM. Lookups by an
encrypted value use a blind index: HMAC-SM3 of the normalised value under a key derived from the
PII key, so equal values match without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from collections.abc import Sequence
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
Audience = Literal["storefront", "console", "console-mfa", "console-step-up"]


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
DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$0oyea2cAEnw3kOZKyR/Hqw$lWscb20gghCtjy2+8e6ssg93xFxJHQLxEiB+wXVtvYk"  # nosec B105 # noqa: E501, S105
if _password_hasher.check_needs_rehash(DUMMY_PASSWORD_HASH):  # pragma: no cover - upgrade
    DUMMY_PASSWORD_HASH = _password_hasher.hash("shoplet-dummy-password")


def token_digest(token: str) -> str:
    """Digest for storing opaque tokens (refresh tokens, codes): never store them in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


class PiiCipher:
    """SM4-GCM encryption for personal data, with a key ring and a blind index for lookups.

    Ciphertexts name the key that wrote them: ``0x02 | len(id) | id | nonce | ciphertext | tag``
    (base64), the header authenticated as associated data. The first key of the ring encrypts;
    any key decrypts. Version ``0x01`` ciphertexts (``0x01 | nonce | ciphertext | tag``, written
    before the ring) carry no key id and are tried against every key: GCM's tag tells the right
    one. The blind-index key derives from its own root key, which never rotates, so lookups
    keep matching across a rotation.
    """

    LEGACY_VERSION = b"\x01"
    VERSION = b"\x02"
    NONCE_SIZE = 12
    TAG_SIZE = 16

    def __init__(
        self, keys: bytes | Sequence[tuple[str, bytes]], *, index_key: bytes | None = None
    ) -> None:
        ring = [("default", keys)] if isinstance(keys, bytes) else list(keys)
        if not ring:
            raise ValueError("the PII key ring is empty")
        for key_id, key in ring:
            if len(key) != 16:
                raise ValueError(f"SM4 key {key_id!r} must be 16 bytes")
            if not 0 < len(key_id.encode()) < 256:
                raise ValueError("a PII key id is 1-255 bytes")
        self._keys = dict(ring)
        if len(self._keys) != len(ring):
            raise ValueError("PII key ids must be unique")
        self.current_key_id = ring[0][0]
        root = index_key if index_key is not None else ring[-1][1] if len(ring) > 1 else ring[0][1]
        if len(root) != 16:
            raise ValueError("the blind-index root key must be 16 bytes")
        h = hmac.HMAC(root, hashes.SM3())
        h.update(b"shoplet-blind-index")
        self._index_key = h.finalize()

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def encrypt(self, plaintext: str) -> str:
        key_id = self.current_key_id.encode()
        header = self.VERSION + bytes([len(key_id)]) + key_id
        nonce = os.urandom(self.NONCE_SIZE)
        encryptor = Cipher(
            algorithms.SM4(self._keys[self.current_key_id]), modes.GCM(nonce)
        ).encryptor()
        encryptor.authenticate_additional_data(header)
        ciphertext = encryptor.update(plaintext.encode()) + encryptor.finalize()
        return base64.b64encode(header + nonce + ciphertext + encryptor.tag).decode()

    def key_id(self, token: str) -> str | None:
        """The id of the key that wrote ``token``; None for a legacy (version 1) ciphertext."""
        blob = base64.b64decode(token)
        if blob[:1] == self.LEGACY_VERSION:
            return None
        if blob[:1] != self.VERSION or len(blob) < 2:
            raise ValueError("unknown PII cipher version")
        return blob[2 : 2 + blob[1]].decode()

    def needs_rotation(self, token: str) -> bool:
        """Written by another key than the current one (or before key ids existed)."""
        return self.key_id(token) != self.current_key_id

    def decrypt(self, token: str) -> str:
        blob = base64.b64decode(token)
        if blob[:1] == self.LEGACY_VERSION:
            for key in self._keys.values():
                try:
                    return self._open(key, b"", blob[1:])
                except ValueError:
                    continue
            raise ValueError("PII ciphertext failed authentication")
        if blob[:1] != self.VERSION or len(blob) < 2:
            raise ValueError("unknown PII cipher version")
        header_size = 2 + blob[1]
        key_id = blob[2:header_size].decode(errors="replace")
        found = self._keys.get(key_id)
        if found is None:
            raise ValueError(f"PII key {key_id!r} is not configured")
        return self._open(found, blob[:header_size], blob[header_size:])

    def reencrypt(self, token: str) -> str:
        """``token`` under the current key (unchanged when it already is)."""
        return self.encrypt(self.decrypt(token)) if self.needs_rotation(token) else token

    def _open(self, key: bytes, header: bytes, body: bytes) -> str:
        if len(body) < self.NONCE_SIZE + self.TAG_SIZE:
            raise ValueError("PII ciphertext is truncated")
        nonce = body[: self.NONCE_SIZE]
        tag = body[-self.TAG_SIZE :]
        ciphertext = body[self.NONCE_SIZE : -self.TAG_SIZE]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(header)
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


# A mainland mobile number inside free text (not part of a longer run of digits).
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_phones_in(text: str) -> str:
    """Every mainland mobile number in free text masked as ``mask_phone`` does: ``客服
    13800138000`` -> ``客服 138****8000``."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


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

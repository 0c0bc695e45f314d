"""WeChat Pay API v3 cryptography, shared by Shoplet's client and the in-repo simulator.

- Request and response signatures: ``SHA256withRSA`` (RSASSA-PKCS1-v1_5, SHA-256, RSA 2048)
  over newline-terminated lines, base64-encoded. A request signs ``METHOD\\nURL\\nTIMESTAMP\\n
  NONCE\\nBODY\\n`` with the merchant private key; a response or notify signs
  ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the WeChat Pay platform private key ("public-key mode":
  the verifying key is the WeChat Pay public key, identified by its ``PUB_KEY_ID_…`` serial).
- Notify resources are ``AEAD_AES_256_GCM`` encrypted with the 32-byte APIv3 key; the GCM tag is
  the last 16 bytes of the base64 ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_SCHEME = "WECHATPAY2-SHA256-RSA2048"
AEAD_ALGORITHM = "AEAD_AES_256_GCM"
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_NONCE_ALPHABET = string.ascii_uppercase + string.digits

__all__ = [
    "AEAD_ALGORITHM",
    "CHINA_TZ",
    "SIGNATURE_SCHEME",
    "AuthorizationParts",
    "DecryptionFailed",
    "aead_decrypt",
    "aead_encrypt",
    "build_authorization",
    "format_rfc3339",
    "generate_private_key",
    "key_fingerprint_serial",
    "load_private_key",
    "load_public_key",
    "new_nonce",
    "parse_authorization",
    "parse_rfc3339",
    "private_key_pem",
    "public_key_pem",
    "response_message",
    "rsa_sign",
    "rsa_verify",
    "signing_message",
    "write_secret_file",
]


class DecryptionFailed(Exception):
    """The ciphertext, nonce, associated data or key do not match (GCM tag check failed)."""


def new_nonce(length: int = 32) -> str:
    """A random string of upper-case letters and digits (WeChat's own nonces look like this)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def signing_message(*lines: str) -> bytes:
    """Each line followed by ``\\n``, including the last one (the body line may be empty)."""
    return "".join(f"{line}\n" for line in lines).encode()


def response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a response or notify signature covers: ``TIMESTAMP\nNONCE\nBODY\n`` on raw bytes."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def rsa_sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_verify(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class AuthorizationParts:
    mchid: str
    nonce_str: str
    signature: str
    timestamp: str
    serial_no: str


def build_authorization(
    *,
    mchid: str,
    serial_no: str,
    private_key: rsa.RSAPrivateKey,
    method: str,
    url: str,
    body: str,
    timestamp: int,
    nonce: str,
) -> str:
    """The ``Authorization`` header value for one request; ``url`` is the path plus query."""
    message = signing_message(method.upper(), url, str(timestamp), nonce, body)
    signature = rsa_sign(private_key, message)
    return (
        f'{SIGNATURE_SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def parse_authorization(header: str | None) -> AuthorizationParts | None:
    """The five parameters of an ``Authorization`` header, or None when it is malformed."""
    if not header:
        return None
    scheme, _, params = header.strip().partition(" ")
    if scheme != SIGNATURE_SCHEME:
        return None
    values: dict[str, str] = {}
    for item in params.split(","):
        key, sep, raw = item.strip().partition("=")
        if not sep or len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
            return None
        values[key] = raw[1:-1]
    try:
        return AuthorizationParts(
            mchid=values["mchid"],
            nonce_str=values["nonce_str"],
            signature=values["signature"],
            timestamp=values["timestamp"],
            serial_no=values["serial_no"],
        )
    except KeyError:
        return None


def encrypt_sensitive(public_key: rsa.RSAPublicKey, plaintext: str) -> str:
    """A sensitive request field (a payee's name) as WeChat Pay v3 wants it: RSAES-OAEP
    (MGF1 and SHA-1) with the WeChat Pay public key, base64; the request then carries
    ``Wechatpay-Serial`` naming that key."""
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # nosec B303 # noqa: S303
    return base64.b64encode(public_key.encrypt(plaintext.encode(), oaep)).decode()


def decrypt_sensitive(private_key: rsa.RSAPrivateKey, ciphertext: str) -> str:
    """The other side of :func:`encrypt_sensitive` (the simulator holds the private key).
    ``ValueError`` when it was not encrypted for this key."""
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # nosec B303 # noqa: S303
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        return private_key.decrypt(raw, oaep).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not decryptable with this key") from exc


def aead_encrypt(key: bytes, *, nonce: str, associated_data: str, plaintext: bytes) -> str:
    ciphertext = AESGCM(key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    return base64.b64encode(ciphertext).decode("ascii")


def aead_decrypt(key: bytes, *, nonce: str, associated_data: str, ciphertext: str) -> bytes:
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        return AESGCM(key).decrypt(nonce.encode(), raw, associated_data.encode())
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionFailed(type(exc).__name__) from exc


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the WeChat Pay merchant key must be an RSA private key")
    return key


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the WeChat Pay public key must be an RSA public key")
    return key


def key_fingerprint_serial(key: rsa.RSAPublicKey) -> str:
    """A stable 40-hex-digit serial for a key (the simulator's stand-in for a cert serial)."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def format_rfc3339(moment: datetime) -> str:
    """WeChat's time format: RFC 3339 in China time, e.g. ``2024-05-20T13:29:35+08:00``."""
    if moment.tzinfo is None:
        raise ValueError("WeChat Pay times must be timezone-aware")
    return moment.astimezone(CHINA_TZ).isoformat(timespec="seconds")


def parse_rfc3339(value: str) -> datetime:
    """An aware UTC datetime from WeChat's RFC 3339 text (which always carries an offset)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return moment.astimezone(UTC)


def write_secret_file(path: Path, data: bytes) -> None:
    """Write a key file readable only by its owner (created with mode 0600, never wider)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.touch(mode=0o600)
    tmp.write_bytes(data)
    tmp.replace(path)

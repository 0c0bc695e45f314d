"""WeChat's message-push signatures and 安全模式 encryption (the ``WXBizMsgCrypt`` scheme), as
the mini program's 消息推送 uses them.

- URL check and plain mode: ``signature = sha1("".join(sorted([token, timestamp, nonce])))``
  (hex); the URL check echoes ``echostr``.
- 安全模式 (and 兼容模式's encrypted half): the body is ``{"ToUserName", "Encrypt"}`` (JSON, or
  the same in XML) and the query carries ``msg_signature = sha1("".join(sorted([token,
  timestamp, nonce, Encrypt])))``. ``Encrypt`` is base64 of AES-256-CBC over
  ``random(16) + len(msg) (4 bytes, network order) + msg + appid``, PKCS#7-padded to a multiple
  of **32** bytes (not AES's 16); the key is ``base64decode(EncodingAESKey + "=")`` (43
  characters → 32 bytes) and the IV its first 16 bytes.

The merchant sets the token, the EncodingAESKey and the mode in the mini program's admin
(开发管理 → 消息推送); the receiver checks the signature, the timestamp's age and that the
decrypted appid is its own before it trusts a byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
AES_KEY_LENGTH = 43


class PushCryptoError(ValueError):
    """A push that is not ours or not well formed: ``reason`` is ``signature``, ``aes_key``,
    ``decrypt``, ``padding``, ``length`` or ``appid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature(token: str, *parts: str) -> str:
    """SHA1 hex of the sorted, concatenated token and parts (timestamp, nonce[, Encrypt])."""
    joined = "".join(sorted([token, *parts])).encode()
    # SHA-1 is what WeChat signs with; nothing here relies on it for secrecy.
    return hashlib.sha1(joined, usedforsecurity=False).hexdigest()


def signature_matches(expected: str, token: str, *parts: str) -> bool:
    return bool(token) and hmac.compare_digest(expected.lower(), signature(token, *parts))


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    if len(encoding_aes_key) != AES_KEY_LENGTH:
        raise PushCryptoError("aes_key")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise PushCryptoError("aes_key") from exc
    if len(key) != BLOCK:  # pragma: no cover - 43 base64 characters are 32 bytes
        raise PushCryptoError("aes_key")
    return key


def _pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    if not data:
        raise PushCryptoError("padding")
    amount = data[-1]
    if not 1 <= amount <= BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise PushCryptoError("padding")
    return data[:-amount]


def encrypt(key: bytes, message: bytes, appid: str, *, random: bytes | None = None) -> str:
    """``Encrypt`` for ``message`` (``random``: 16 bytes, fixed only in tests)."""
    head = random if random is not None else secrets.token_bytes(16)
    if len(head) != 16:
        raise ValueError("random is 16 bytes")
    plain = head + struct.pack(">I", len(message)) + message + appid.encode()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(_pad(plain)) + encryptor.finalize()).decode()


def decrypt(key: bytes, encrypted: str) -> tuple[bytes, str]:
    """The message and the appid it names."""
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PushCryptoError("decrypt") from exc
    if not data or len(data) % 16:
        raise PushCryptoError("decrypt")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = _unpad(decryptor.update(data) + decryptor.finalize())
    if len(plain) < 20:
        raise PushCryptoError("length")
    (length,) = struct.unpack(">I", plain[16:20])
    if 20 + length > len(plain):
        raise PushCryptoError("length")
    message = plain[20 : 20 + length]
    try:
        appid = plain[20 + length :].decode()
    except UnicodeDecodeError as exc:
        raise PushCryptoError("appid") from exc
    return message, appid


def open_push(
    *,
    token: str,
    key: bytes,
    appid: str,
    msg_signature: str,
    timestamp: str,
    nonce: str,
    encrypted: str,
) -> bytes:
    """The plaintext of an encrypted push, after its ``msg_signature`` and appid are checked."""
    if not signature_matches(msg_signature, token, timestamp, nonce, encrypted):
        raise PushCryptoError("signature")
    message, named = decrypt(key, encrypted)
    if not hmac.compare_digest(named.encode(), appid.encode()):
        raise PushCryptoError("appid")
    return message


def seal_push(
    *, token: str, key: bytes, appid: str, message: bytes, timestamp: str, nonce: str
) -> tuple[str, str]:
    """What WeChat sends in 安全模式: ``(Encrypt, msg_signature)`` (the simulator's side)."""
    encrypted = encrypt(key, message, appid)
    return encrypted, signature(token, timestamp, nonce, encrypted)

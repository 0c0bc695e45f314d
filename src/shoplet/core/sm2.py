"""SM2 signatures (GB/T 32918.2, SM3 digest with the default user id) on top of gmssl.

gmssl does the curve arithmetic; this wrapper fixes what it leaves unsafe:

- the per-signature nonce ``k`` comes from :mod:`secrets` (gmssl's default uses :mod:`random`,
  whose state can be recovered from its output: a predictable ``k`` reveals the private key);
- ``r`` and ``s`` are range-checked before verifying (gmssl accepts any integers);
- public keys are passed as 128 hex characters without the ``04`` prefix (gmssl strips a prefix
  with ``str.lstrip("04")``, which also eats leading ``0``/``4`` digits of the x coordinate).

Keys are hex: a private key is 64 hex characters, a public key 128 (x || y) or 130 with ``04``.
Signatures are 128 hex characters (r || s).
"""

from __future__ import annotations

import base64
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gmssl import sm2  # type: ignore[import-untyped]

CURVE_ORDER = _N = int(sm2.default_ecc_table["n"], 16)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")


class Sm2KeyError(ValueError):
    """A key that is not a valid SM2 key in the expected hex form."""


def _crypt(private_key: str, public_key: str) -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_key, public_key="")
    crypt.public_key = public_key  # set after construction: see the module docstring
    return crypt


def parse_private_key(raw: str) -> str:
    key = raw.strip().lower()
    if not _HEX64.match(key) or not 1 <= int(key, 16) <= _N - 2:
        raise Sm2KeyError("an SM2 private key is 64 hex characters, a number in 1..n-2")
    return key


def parse_public_key(raw: str) -> str:
    key = raw.strip().lower()
    if len(key) == 130 and key.startswith("04"):
        key = key[2:]
    if not _HEX128.match(key):
        raise Sm2KeyError("an SM2 public key is 128 hex characters (x || y), or 130 with 04")
    return key


def generate_private_key() -> str:
    return f"{secrets.randbelow(_N - 2) + 1:064x}"


def public_key_of(private_key: str) -> str:
    key = parse_private_key(private_key)
    crypt = _crypt(key, "")
    point: str = crypt._kg(int(key, 16), sm2.default_ecc_table["g"])
    return point


def public_key_pem(public_key: str) -> str:
    """The public key as a PEM SubjectPublicKeyInfo (id-ecPublicKey on the SM2 curve), for
    OpenSSL: ``openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in message -sigfile sig.der
    -digest sm3 -pkeyopt distid:1234567812345678`` (the signature as DER, see
    :func:`signature_der`)."""
    point = b"\x04" + bytes.fromhex(parse_public_key(public_key))
    algorithm = _der(0x30, _EC_PUBLIC_KEY_OID + _SM2_CURVE_OID)
    info = _der(0x30, algorithm + _der(0x03, b"\x00" + point))
    body = base64.encodebytes(info).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n"


def signature_der(signature: str) -> bytes:
    """An r || s hex signature as the DER SEQUENCE of two INTEGERs other tools expect."""
    return encode_dss_signature(int(signature[:64], 16), int(signature[64:], 16))


_EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
_SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")  # 1.2.156.10197.1.301


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def key_id_of(public_key: str) -> str:
    """A short, stable name of a public key: the first 16 hex characters of its SM3 digest."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(parse_public_key(public_key)))
    return digest.finalize().hex()[:16]


class Sm2Signer:
    def __init__(self, private_key: str) -> None:
        self._private = parse_private_key(private_key)
        self.public_key = public_key_of(self._private)
        self.key_id = key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        crypt = _crypt(self._private, self.public_key)
        while True:
            nonce = f"{secrets.randbelow(_N - 1) + 1:064x}"
            signature: str | None = crypt.sign_with_sm3(message, nonce)
            if signature is not None:  # r == 0 or r + k == n: draw another nonce
                return signature


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """True when ``signature`` (r || s, hex) is ``public_key``'s SM2 signature of ``message``."""
    try:
        key = parse_public_key(public_key)
    except Sm2KeyError:
        return False
    sig = signature.strip().lower()
    if not _HEX128.match(sig):
        return False
    r, s = int(sig[:64], 16), int(sig[64:], 16)
    if not (1 <= r < _N and 1 <= s < _N):
        return False
    return bool(_crypt("0" * 64, key).verify_with_sm3(sig, message))

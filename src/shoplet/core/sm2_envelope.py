"""SM2 envelopes for sensitive request fields (GB/T 32918.4 encryption + SM4-GCM).

The storefront fetches the shop's envelope key (``GET /api/v1/envelope-key``: an SM2 public key
and its id), draws a fresh 16-byte SM4 key, SM2-encrypts it (C1C3C2 order) and encrypts each
sensitive field with SM4-GCM. The request carries, next to its ordinary fields::

    "envelope": {"v": 1, "kid": "<key id>", "id": "<32 hex, random>", "ts": <unix seconds>,
                 "key": "<hex C1 || C3 || C2>", "fields": {"<name>": "<hex nonce || ct || tag>"}}

Each field's AAD is ``shoplet-envelope/v1|<id>|<ts>|<name>``: a ciphertext moved to another
field, another envelope or another time fails its tag.

gmssl does the curve arithmetic; this module does the rest of the standard, because gmssl's
``decrypt`` computes C3 and never compares it, never checks that C1 is on the curve (an invalid
point leaks the private key bit by bit) and draws ``k`` from :mod:`random`. Here C1 is validated,
C3 is compared in constant time, ``k`` comes from :mod:`secrets`, and SM3 and SM4-GCM come from
``cryptography``.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2  # type: ignore[import-untyped]

from shoplet.core.sm2 import key_id_of, parse_private_key, parse_public_key, public_key_of

VERSION = 1
SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
_ID = re.compile(r"^[0-9a-f]{32}$")
_HEX = re.compile(r"^(?:[0-9a-f]{2})+$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 16
MAX_FIELD_HEX = 2 * (GCM_NONCE_BYTES + 1024 + GCM_TAG_BYTES)


@dataclass(frozen=True)
class Curve:
    """Short-Weierstrass curve parameters as gmssl's ``ecc_table`` wants them (hex strings)."""

    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int

    def table(self) -> dict[str, str]:
        return {
            "n": f"{self.n:064x}",
            "p": f"{self.p:064x}",
            "g": f"{self.gx:064x}{self.gy:064x}",
            "a": f"{self.a:064x}",
            "b": f"{self.b:064x}",
        }

    def on_curve(self, x: int, y: int) -> bool:
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0


def _curve_of(table: Mapping[str, str]) -> Curve:
    g = table["g"]
    return Curve(
        p=int(table["p"], 16),
        a=int(table["a"], 16),
        b=int(table["b"], 16),
        n=int(table["n"], 16),
        gx=int(g[:64], 16),
        gy=int(g[64:], 16),
    )


SM2_CURVE = _curve_of(sm2.default_ecc_table)  # GB/T 32918.5, the recommended curve


class EnvelopeError(ValueError):
    """An envelope that cannot be opened; ``reason`` is one of ``malformed``, ``unknown_key``,
    ``expired``, ``invalid`` (a C3, C1 or GCM tag that does not check) and ``replayed``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def sm3_kdf(z: bytes, length: int) -> bytes:
    """GB/T 32918.4 5.4.3: SM3(Z || ct) for ct = 1, 2, … (32-bit big-endian) concatenated."""
    out = b""
    counter = 1
    while len(out) < length:
        digest = hashes.Hash(hashes.SM3())
        digest.update(z + counter.to_bytes(4, "big"))
        out += digest.finalize()
        counter += 1
    return out[:length]


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _multiply(curve: Curve, scalar: int, point: str) -> tuple[int, int]:
    crypt = sm2.CryptSM2(private_key="", public_key="", ecc_table=curve.table())
    xy: str = crypt._kg(scalar, point)
    return int(xy[:64], 16), int(xy[64:], 16)


def sm2_encrypt(
    public_key: str,
    message: bytes,
    *,
    curve: Curve = SM2_CURVE,
    k: int | None = None,
) -> bytes:
    """C1 (04 || x1 || y1) || C3 || C2. ``k`` is fixed only by tests of the standard's vector."""
    key = parse_public_key(public_key)
    px, py = int(key[:64], 16), int(key[64:], 16)
    if not curve.on_curve(px, py):
        raise ValueError("the public key is not a point of the curve")
    while True:
        nonce = k if k is not None else secrets.randbelow(curve.n - 1) + 1
        x1, y1 = _multiply(curve, nonce, f"{curve.gx:064x}{curve.gy:064x}")
        x2, y2 = _multiply(curve, nonce, key)
        x2b, y2b = x2.to_bytes(32, "big"), y2.to_bytes(32, "big")
        t = sm3_kdf(x2b + y2b, len(message))
        if any(t) or not message:
            break
        if k is not None:
            raise ValueError("this k gives an all-zero key stream")
    c1 = b"\x04" + x1.to_bytes(32, "big") + y1.to_bytes(32, "big")
    c2 = bytes(m ^ s for m, s in zip(message, t, strict=True))
    c3 = _sm3(x2b + message + y2b)
    return c1 + c3 + c2


def sm2_decrypt(private_key: str, ciphertext: bytes, *, curve: Curve = SM2_CURVE) -> bytes:
    """The message of a C1C3C2 ciphertext (C1 with or without its 04 byte, as sm-crypto sends
    it); :class:`EnvelopeError` ``invalid`` when C1 is not on the curve or C3 does not match."""
    body = ciphertext
    if ciphertext[:1] == b"\x04" and len(ciphertext) > 97:
        x, y = int.from_bytes(ciphertext[1:33], "big"), int.from_bytes(ciphertext[33:65], "big")
        if curve.on_curve(x, y):
            body = ciphertext[1:]
    if len(body) < 64 + 32 + 1:
        raise EnvelopeError("malformed", "the SM2 ciphertext is too short")
    x1, y1 = int.from_bytes(body[:32], "big"), int.from_bytes(body[32:64], "big")
    c3, c2 = body[64:96], body[96:]
    # The cofactor is 1: a point on the curve other than infinity is a valid C1.
    if not curve.on_curve(x1, y1):
        raise EnvelopeError("invalid", "C1 is not a point of the curve")
    x2, y2 = _multiply(curve, int(parse_private_key(private_key), 16), f"{x1:064x}{y1:064x}")
    x2b, y2b = x2.to_bytes(32, "big"), y2.to_bytes(32, "big")
    t = sm3_kdf(x2b + y2b, len(c2))
    if not any(t):
        raise EnvelopeError("invalid", "the key stream is all zero")
    message = bytes(c ^ s for c, s in zip(c2, t, strict=True))
    if not hmac.compare_digest(_sm3(x2b + message + y2b), c3):
        raise EnvelopeError("invalid", "C3 does not match: the ciphertext was altered")
    return message


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """ciphertext || 16-byte tag."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < GCM_TAG_BYTES:
        raise EnvelopeError("malformed", "an SM4-GCM value is shorter than its tag")
    body, tag = sealed[:-GCM_TAG_BYTES], sealed[-GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise EnvelopeError("invalid", "a field's SM4-GCM tag does not match") from exc


def field_aad(envelope_id: str, timestamp: int, name: str) -> bytes:
    return f"shoplet-envelope/v{VERSION}|{envelope_id}|{timestamp}|{name}".encode()


@dataclass(frozen=True)
class EnvelopeKey:
    private_key: str
    public_key: str
    key_id: str

    @classmethod
    def of(cls, private_key: str) -> EnvelopeKey:
        key = parse_private_key(private_key)
        public = public_key_of(key)
        return cls(private_key=key, public_key=public, key_id=key_id_of(public))


@dataclass(frozen=True)
class Opened:
    envelope_id: str
    key_id: str
    fields: dict[str, str]


class EnvelopeOpener:
    """Opens envelopes made with any key of the ring (the first is the one served: new clients
    use it, while pages that fetched an older one keep working until it is removed)."""

    def __init__(
        self,
        keys: list[EnvelopeKey],
        *,
        window_seconds: int,
        clock: Callable[[], float],
    ) -> None:
        if not keys:
            raise ValueError("an envelope opener needs at least one key")
        self.keys = {key.key_id: key for key in keys}
        self.current = keys[0]
        self.window_seconds = window_seconds
        self._clock = clock

    def open(self, raw: Any) -> Opened:
        """Check and decrypt (no replay check: the caller claims ``envelope_id`` afterwards)."""
        envelope = _shape(raw)
        key = self.keys.get(envelope["kid"])
        if key is None:
            raise EnvelopeError("unknown_key", "the envelope names a key this shop does not hold")
        timestamp: int = envelope["ts"]
        if abs(self._clock() - timestamp) > self.window_seconds:
            raise EnvelopeError(
                "expired", f"the envelope's time is more than {self.window_seconds} s off"
            )
        session_key = sm2_decrypt(key.private_key, bytes.fromhex(envelope["key"]))
        if len(session_key) != SM4_KEY_BYTES:
            raise EnvelopeError("invalid", "the session key is not 16 bytes")
        fields: dict[str, str] = {}
        for name, value in envelope["fields"].items():
            sealed = bytes.fromhex(value)
            plain = sm4_gcm_decrypt(
                session_key,
                sealed[:GCM_NONCE_BYTES],
                sealed[GCM_NONCE_BYTES:],
                field_aad(envelope["id"], timestamp, name),
            )
            try:
                fields[name] = plain.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EnvelopeError("malformed", f"the field {name} is not UTF-8") from exc
        return Opened(envelope_id=envelope["id"], key_id=key.key_id, fields=fields)


def _shape(raw: Any) -> dict[str, Any]:
    def bad(why: str) -> EnvelopeError:
        return EnvelopeError("malformed", why)

    if not isinstance(raw, dict):
        raise bad("the envelope is not an object")
    expected = {"v", "kid", "id", "ts", "key", "fields"}
    if set(raw) != expected:
        raise bad(f"the envelope has exactly the members {sorted(expected)}")
    if raw["v"] != VERSION or isinstance(raw["v"], bool):
        raise bad(f"envelope version {VERSION} is the only one")
    if not isinstance(raw["kid"], str) or not isinstance(raw["id"], str):
        raise bad("kid and id are strings")
    if not _ID.match(raw["id"]):
        raise bad("the envelope id is 32 lowercase hex characters")
    if not isinstance(raw["ts"], int) or isinstance(raw["ts"], bool):
        raise bad("ts is an integer (unix seconds)")
    if not isinstance(raw["key"], str) or not _HEX.match(raw["key"]) or len(raw["key"]) > 400:
        raise bad("key is the SM2 ciphertext in lowercase hex")
    fields = raw["fields"]
    if not isinstance(fields, dict) or not 1 <= len(fields) <= MAX_FIELDS:
        raise bad(f"fields is an object of 1 to {MAX_FIELDS} members")
    for name, value in fields.items():
        if not _FIELD.match(name):
            raise bad(f"{name!r} is not a field name")
        if (
            not isinstance(value, str)
            or not _HEX.match(value)
            or not 2 * (GCM_NONCE_BYTES + GCM_TAG_BYTES) <= len(value) <= MAX_FIELD_HEX
        ):
            raise bad(f"the field {name} is hex nonce || ciphertext || tag")
    return raw


def seal(
    public_key: str,
    key_id: str,
    fields: Mapping[str, str],
    *,
    timestamp: int,
    envelope_id: str | None = None,
) -> dict[str, Any]:
    """What the storefront does (for tests and the Python SDK): an envelope of ``fields``."""
    ident = envelope_id or secrets.token_hex(16)
    session_key = secrets.token_bytes(SM4_KEY_BYTES)
    sealed: dict[str, str] = {}
    for name, value in fields.items():
        nonce = secrets.token_bytes(GCM_NONCE_BYTES)
        body = sm4_gcm_encrypt(
            session_key, nonce, value.encode(), field_aad(ident, timestamp, name)
        )
        sealed[name] = (nonce + body).hex()
    return {
        "v": VERSION,
        "kid": key_id,
        "id": ident,
        "ts": timestamp,
        "key": sm2_encrypt(public_key, session_key).hex(),
        "fields": sealed,
    }


def dumps(envelope: Mapping[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"))

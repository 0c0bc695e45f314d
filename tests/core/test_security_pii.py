"""PiiCipher key ring: key ids in ciphertexts, decryption with any key, legacy ciphertexts."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shoplet.core.security import PiiCipher

OLD = bytes.fromhex("6b1f0e9d2c3a4b5c6d7e8f90a1b2c3d4")
NEW = bytes.fromhex("f0e1d2c3b4a5968778695a4b3c2d1e0f")


def legacy_ciphertext(key: bytes, plaintext: str) -> str:
    """What PiiCipher wrote before key ids: 0x01 | nonce | ciphertext | tag, no AAD."""
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return base64.b64encode(b"\x01" + nonce + body + encryptor.tag).decode()


def test_ciphertext_names_its_key_and_round_trips() -> None:
    pii = PiiCipher([("2026", NEW), ("2025", OLD)])
    token = pii.encrypt("13812345678")

    assert pii.key_id(token) == "2026"
    assert pii.decrypt(token) == "13812345678"
    assert "13812345678" not in token
    assert not pii.needs_rotation(token)
    assert pii.encrypt("13812345678") != token  # fresh nonce each time


def test_any_key_of_the_ring_decrypts_and_only_old_ones_need_rotation() -> None:
    before = PiiCipher([("2025", OLD)])
    token = before.encrypt("广东省深圳市")
    after = PiiCipher([("2026", NEW), ("2025", OLD)])

    assert after.decrypt(token) == "广东省深圳市"
    assert after.needs_rotation(token)
    rotated = after.reencrypt(token)
    assert after.key_id(rotated) == "2026"
    assert after.decrypt(rotated) == "广东省深圳市"
    assert after.reencrypt(rotated) == rotated
    with pytest.raises(ValueError, match="'2026' is not configured"):
        before.decrypt(rotated)


def test_legacy_ciphertexts_without_key_id_still_decrypt() -> None:
    token = legacy_ciphertext(OLD, "张三丰")
    single = PiiCipher(OLD)
    ring = PiiCipher([("2026", NEW), ("default", OLD)])

    assert single.key_id(token) is None
    assert single.decrypt(token) == "张三丰"
    assert ring.decrypt(token) == "张三丰"
    assert ring.needs_rotation(token)
    assert ring.key_id(ring.reencrypt(token)) == "2026"
    with pytest.raises(ValueError, match="failed authentication"):
        PiiCipher(NEW).decrypt(token)


def test_key_id_is_authenticated() -> None:
    # The same key under two ids: relabelling a ciphertext's key id must not decrypt.
    pii = PiiCipher([("aaaa", NEW), ("bbbb", NEW)])
    token = base64.b64decode(pii.encrypt("secret"))
    relabelled = base64.b64encode(token.replace(b"aaaa", b"bbbb", 1)).decode()

    with pytest.raises(ValueError, match="failed authentication"):
        pii.decrypt(relabelled)


def test_tampered_and_unknown_ciphertexts_are_refused() -> None:
    pii = PiiCipher([("2026", NEW)])
    blob = bytearray(base64.b64decode(pii.encrypt("13812345678")))
    blob[-1] ^= 1
    with pytest.raises(ValueError, match="failed authentication"):
        pii.decrypt(base64.b64encode(bytes(blob)).decode())
    with pytest.raises(ValueError, match="unknown PII cipher version"):
        pii.decrypt(base64.b64encode(b"\x07" + bytes(40)).decode())


def test_blind_index_is_stable_across_rotation() -> None:
    single = PiiCipher(OLD)
    rotated = PiiCipher([("2026", NEW), ("default", OLD)], index_key=OLD)
    only_new = PiiCipher([("2026", NEW)], index_key=OLD)

    assert single.blind_index("13812345678") == rotated.blind_index("13812345678")
    assert single.blind_index("13812345678") == only_new.blind_index(" 13812345678 ")
    assert single.blind_index("13812345678") != PiiCipher(NEW).blind_index("13812345678")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "empty"),
        ([("a", b"short")], "16 bytes"),
        ([("a", NEW), ("a", OLD)], "unique"),
        ([("", NEW)], "1-255 bytes"),
    ],
)
def test_malformed_rings_are_refused(keys: list[tuple[str, bytes]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PiiCipher(keys)

"""SM2 encryption (GB/T 32918.4) and SM4-GCM, checked against published vectors; envelopes
refused when C1, C3, a tag, the key, the time or the field name is not what was sealed."""

from __future__ import annotations

import pytest

from shoplet.core.sm2 import generate_private_key
from shoplet.core.sm2_envelope import (
    SM2_CURVE,
    Curve,
    EnvelopeError,
    EnvelopeKey,
    EnvelopeOpener,
    seal,
    sm2_decrypt,
    sm2_encrypt,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

# GB/T 32918.4-2016 Annex C (C.2): the example 256-bit prime curve of the standard.
EXAMPLE_CURVE = Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
)
MESSAGE = b"encryption standard"


def _public(curve: Curve, private: str) -> str:
    from shoplet.core.sm2_envelope import _multiply

    x, y = _multiply(curve, int(private, 16), f"{curve.gx:064x}{curve.gy:064x}")
    return f"{x:064x}{y:064x}"


@pytest.mark.parametrize(
    "vector",
    [
        (  # GB/T 32918.4 Annex C.2, example curve
            EXAMPLE_CURVE,
            "1649ab77a00637bd5e2efe283fbf353534aa7f7cb89463f208ddbc2920bb0da0",
            0x4C62EEFD6ECFC2B95B92FD6C3D9575148AFA17425546D49018E5388D49DD7B4F,
            "245c26fb68b1ddddb12c4b6bf9f2b6d5fe60a383b0d18d1c4144abf17f6252e7"
            "76cb9264c2a7e88e52b19903fdc47378f605e36811f5c07423a24b84400f01b8",
            "9c3d7360c30156fab7c80a0276712da9d8094a634b766d3a285e07480653426d",
            "650053a89b41c418b0c3aad00d886c00286467",
        ),
        (  # GB/T 32918.5 Annex C, the recommended SM2 curve
            SM2_CURVE,
            "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
            0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21,
            "04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
            "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0",
            "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766",
            "21886ca989ca9c7d58087307ca93092d651efa",
        ),
    ],
)
def test_the_standard_vectors_encrypt_and_decrypt(
    vector: tuple[Curve, str, int, str, str, str],
) -> None:
    curve, private, k, c1, c3, c2 = vector
    ciphertext = sm2_encrypt(_public(curve, private), MESSAGE, curve=curve, k=k)
    assert ciphertext.hex() == "04" + c1 + c3 + c2
    assert sm2_decrypt(private, ciphertext, curve=curve) == MESSAGE
    # sm-crypto leaves out C1's 04 byte: accepted too.
    assert sm2_decrypt(private, ciphertext[1:], curve=curve) == MESSAGE


def test_a_tampered_c3_c2_or_c1_is_rejected() -> None:
    private = generate_private_key()
    public = EnvelopeKey.of(private).public_key
    ciphertext = bytearray(sm2_encrypt(public, b"0123456789abcdef"))
    for index, why in ((65 + 5, "C3 does not match"), (97 + 3, "C3 does not match")):
        tampered = bytearray(ciphertext)
        tampered[index] ^= 0x01
        with pytest.raises(EnvelopeError, match=why) as caught:
            sm2_decrypt(private, bytes(tampered))
        assert caught.value.reason == "invalid"
    off_curve = bytearray(ciphertext)
    off_curve[64] ^= 0x01  # y1
    with pytest.raises(EnvelopeError, match="not a point of the curve"):
        sm2_decrypt(private, bytes(off_curve))
    with pytest.raises(EnvelopeError, match="C3 does not match"):
        sm2_decrypt(generate_private_key(), bytes(ciphertext))  # another key


def test_sm4_gcm_matches_rfc_8998() -> None:
    # RFC 8998 Appendix A.1 (SM4-GCM).
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    nonce = bytes.fromhex("00001234567800000000abcd")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plain = bytes.fromhex(
        "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
        "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
    )
    sealed = sm4_gcm_encrypt(key, nonce, plain, aad)
    assert sealed.hex() == (
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
        "83de3541e4c2b58177e065a9bf7b62ec"
    )
    assert sm4_gcm_decrypt(key, nonce, sealed, aad) == plain
    with pytest.raises(EnvelopeError):
        sm4_gcm_decrypt(key, nonce, sealed, aad + b"x")


NOW = 1_800_000_000


def _opener(*keys: EnvelopeKey) -> EnvelopeOpener:
    return EnvelopeOpener(list(keys), window_seconds=300, clock=lambda: NOW)


def test_an_envelope_opens_with_any_key_of_the_ring() -> None:
    current, older = EnvelopeKey.of(generate_private_key()), EnvelopeKey.of(generate_private_key())
    opener = _opener(current, older)
    for key in (current, older):
        envelope = seal(key.public_key, key.key_id, {"phone": "13800138000"}, timestamp=NOW)
        opened = opener.open(envelope)
        assert (opened.fields, opened.key_id) == ({"phone": "13800138000"}, key.key_id)


def test_bad_envelopes_are_refused_with_a_reason() -> None:
    key = EnvelopeKey.of(generate_private_key())
    opener = _opener(key)
    good = seal(key.public_key, key.key_id, {"phone": "13800138000", "name": "张三"}, timestamp=NOW)
    stranger = EnvelopeKey.of(generate_private_key())
    swapped = dict(good, fields={"phone": good["fields"]["name"], "name": good["fields"]["phone"]})
    cases = {
        "malformed": [None, [], {**good, "v": 2}, {**good, "id": "x"}, {**good, "fields": {}}],
        "unknown_key": [seal(stranger.public_key, stranger.key_id, {"a": "b"}, timestamp=NOW)],
        "expired": [
            seal(key.public_key, key.key_id, {"a": "b"}, timestamp=NOW - 301),
            seal(key.public_key, key.key_id, {"a": "b"}, timestamp=NOW + 301),
        ],
        "invalid": [
            # sealed for another key but naming this one: C3 fails
            {**seal(stranger.public_key, key.key_id, {"a": "b"}, timestamp=NOW)},
            swapped,  # the AAD binds each value to its field name
            {**good, "ts": NOW + 1},  # … and to the time
            {**good, "id": "0" * 32},  # … and to the envelope id
        ],
    }
    for reason, envelopes in cases.items():
        for envelope in envelopes:
            with pytest.raises(EnvelopeError) as caught:
                opener.open(envelope)
            assert caught.value.reason == reason, (envelope, caught.value)


def test_gmssl_alone_would_accept_a_tampered_c3() -> None:
    """Why sm2_decrypt does not call gmssl's decrypt: it never compares C3."""
    from gmssl import sm2  # type: ignore[import-untyped]

    private = generate_private_key()
    public = EnvelopeKey.of(private).public_key
    ciphertext = bytearray(sm2_encrypt(public, b"secret"))
    ciphertext[70] ^= 0x01  # inside C3
    crypt = sm2.CryptSM2(private_key=private, public_key=public, mode=1)
    assert crypt.decrypt(bytes(ciphertext[1:])) == b"secret"
    with pytest.raises(EnvelopeError):
        sm2_decrypt(private, bytes(ciphertext))

"""WeChat's message-push crypto (WXBizMsgCrypt): WeChat's own published sample vectors, an
independent computation with ``cryptography`` (no code shared with the module), round trips,
and every way a push is refused."""

from __future__ import annotations

import base64
import hashlib
import struct

import orjson
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shoplet.integrations.wechat import message_crypto as mc
from shoplet.integrations.wechat.customer_service import (
    open_message_push,
    parse_message,
    product_of_page,
)

# WeChat's sample (公众平台 加解密 sample code, "WXBizMsgCryptTest"): fixed random, known output.
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_ENCRYPT_APPID = "wxb11529c136998cb6"
SAMPLE_RANDOM = b"aaaabbbbccccdddd"
SAMPLE_MESSAGE = "我是中文abcd123"
SAMPLE_CIPHERTEXT = (
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)
# WeChat's sample push to decrypt (Sample.py): token, timestamp, nonce, msg_signature, Encrypt.
SAMPLE_DECRYPT_APPID = "wx2c2769f8efd9abc2"
SAMPLE_TOKEN = "spamtest"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)


def test_encrypt_matches_wechats_sample() -> None:
    key = mc.aes_key(SAMPLE_KEY)
    sealed = mc.encrypt(key, SAMPLE_MESSAGE.encode(), SAMPLE_ENCRYPT_APPID, random=SAMPLE_RANDOM)
    assert sealed == SAMPLE_CIPHERTEXT
    assert mc.decrypt(key, sealed) == (SAMPLE_MESSAGE.encode(), SAMPLE_ENCRYPT_APPID)


def test_wechats_sample_push_opens_with_its_signature() -> None:
    plain = mc.open_push(
        token=SAMPLE_TOKEN,
        key=mc.aes_key(SAMPLE_KEY),
        appid=SAMPLE_DECRYPT_APPID,
        msg_signature=SAMPLE_MSG_SIGNATURE,
        timestamp=SAMPLE_TIMESTAMP,
        nonce=SAMPLE_NONCE,
        encrypted=SAMPLE_ENCRYPT,
    )
    assert b"<Content><![CDATA[abcdteT]]></Content>" in plain
    assert b"<MsgId>6054768590064713728</MsgId>" in plain


def _independent_encrypt(encoding_key: str, random: bytes, message: bytes, appid: str) -> str:
    key = base64.b64decode(encoding_key + "=")
    plain = random + struct.pack("!I", len(message)) + message + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad] * pad)
    enc = Cipher(algorithms.AES256(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def test_a_json_push_matches_an_independent_computation() -> None:
    key_text = "Shoplet0TestKey0For0Customer0Service0Push00"
    message = orjson.dumps({"MsgType": "text", "Content": "你好", "FromUserName": "o" * 28})
    fixed = b"0123456789abcdef"
    expected = _independent_encrypt(key_text, fixed, message, "wx-shoplet-sim")
    assert mc.encrypt(mc.aes_key(key_text), message, "wx-shoplet-sim", random=fixed) == expected
    joined = "".join(sorted(["tok", "1700000000", "n1", expected])).encode()
    signed = hashlib.sha1(joined, usedforsecurity=False)
    assert mc.signature("tok", "1700000000", "n1", expected) == signed.hexdigest()


def test_round_trips_with_random_prefixes_and_every_length() -> None:
    key = mc.aes_key(SAMPLE_KEY)
    for size in (0, 1, 11, 12, 31, 32, 33, 500):
        message = bytes(range(256)) * 2
        message = message[:size]
        sealed = mc.encrypt(key, message, "wx-app")
        assert mc.decrypt(key, sealed) == (message, "wx-app")
        assert len(base64.b64decode(sealed)) % 32 == 0
    assert mc.encrypt(key, b"x", "wx-app") != mc.encrypt(key, b"x", "wx-app")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msg_signature": "0" * 40}, "signature"),
        ({"appid": "wx-someone-else"}, "appid"),
        ({"token": "another-token"}, "signature"),
        ({"encrypted": SAMPLE_ENCRYPT[:-8] + "AAAAAAA="}, "signature"),
    ],
)
def test_a_push_that_is_not_ours_is_refused(change: dict[str, str], reason: str) -> None:
    values = {
        "token": SAMPLE_TOKEN,
        "appid": SAMPLE_DECRYPT_APPID,
        "msg_signature": SAMPLE_MSG_SIGNATURE,
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "encrypted": SAMPLE_ENCRYPT,
        **change,
    }
    with pytest.raises(mc.PushCryptoError) as refused:
        mc.open_push(key=mc.aes_key(SAMPLE_KEY), **values)
    assert refused.value.reason == reason


def test_bad_keys_and_bad_ciphertexts() -> None:
    with pytest.raises(mc.PushCryptoError):
        mc.aes_key("short")
    with pytest.raises(mc.PushCryptoError):
        mc.aes_key("!" * 43)
    key = mc.aes_key(SAMPLE_KEY)
    for bad in ("not base64!", base64.b64encode(b"x" * 15).decode(), ""):
        with pytest.raises(mc.PushCryptoError):
            mc.decrypt(key, bad)
    other = mc.aes_key("B" * 43)
    with pytest.raises(mc.PushCryptoError):
        mc.decrypt(other, SAMPLE_ENCRYPT)


def _query(token: str, timestamp: str, nonce: str = "n") -> dict[str, str]:
    return {
        "signature": mc.signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def test_open_message_push_checks_signature_age_and_mode() -> None:
    body = orjson.dumps({"MsgType": "text", "FromUserName": "o1", "Content": "hi"})
    now = 1_700_000_000.0
    fresh = _query("tok", str(int(now)))
    assert open_message_push(fresh, body, token="tok", aes_key=None, appid="a", now=now) == body
    for query, reason in (
        (_query("tok", str(int(now) - 301)), "stale"),
        (_query("tok", str(int(now) + 301)), "stale"),
        (_query("other", str(int(now))), "signature"),
        ({**fresh, "timestamp": "abc"}, "signature"),
    ):
        with pytest.raises(mc.PushCryptoError) as refused:
            open_message_push(query, body, token="tok", aes_key=None, appid="a", now=now)
        assert refused.value.reason == reason
    key = mc.aes_key(SAMPLE_KEY)
    with pytest.raises(mc.PushCryptoError) as plain_refused:
        open_message_push(fresh, body, token="tok", aes_key=key, appid="a", now=now)
    assert plain_refused.value.reason == "plain"
    sealed, msg_signature = mc.seal_push(
        token="tok", key=key, appid="a", message=body, timestamp=str(int(now)), nonce="n"
    )
    query = {**fresh, "encrypt_type": "aes", "msg_signature": msg_signature}
    envelope = orjson.dumps({"ToUserName": "gh", "Encrypt": sealed})
    assert open_message_push(query, envelope, token="tok", aes_key=key, appid="a", now=now) == body


def test_parse_message_and_product_pages() -> None:
    text = parse_message(
        orjson.dumps(
            {
                "ToUserName": "gh",
                "FromUserName": "o1",
                "CreateTime": 1,
                "MsgType": "text",
                "Content": "在吗",
                "MsgId": 42,
            }
        )
    )
    assert text is not None
    assert (text.msg_type, text.openid, text.content, text.msg_id) == ("text", "o1", "在吗", 42)
    enter = parse_message(
        orjson.dumps(
            {
                "FromUserName": "o1",
                "MsgType": "event",
                "Event": "user_enter_tempsession",
                "SessionFrom": "product:7",
            }
        )
    )
    assert enter is not None
    assert enter.session_from == "product:7"
    assert parse_message(orjson.dumps({"FromUserName": "o1", "MsgType": "event"})) is None
    assert parse_message(b"<xml/>") is None
    assert product_of_page("pages/product/detail?id=12") == 12
    assert product_of_page("/pages/product/detail?from=kf&id=3&x=1") == 3
    assert product_of_page("pages/index/index?id=3") is None

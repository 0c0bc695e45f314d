"""The SM2 envelope against the JavaScript libraries, both ways, in Node: sm-crypto (the
original) and sm-crypto-v2 (what the storefront ships) decrypt what Python encrypts and encrypt
what Python decrypts; SM4-GCM both ways; the storefront's seal() opens in Python, and a tampered
C3 of a JavaScript ciphertext is refused."""

from __future__ import annotations

import json
import shutil
import subprocess  # nosec B404 - runs node on a script of this repository
from pathlib import Path
from typing import Any

import pytest

from shoplet.core.sm2 import generate_private_key
from shoplet.core.sm2_envelope import (
    EnvelopeError,
    EnvelopeKey,
    EnvelopeOpener,
    sm2_decrypt,
    sm2_encrypt,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

STOREFRONT = Path(__file__).resolve().parents[2] / "frontends" / "storefront"
SCRIPT = STOREFRONT / "tests" / "interop" / "sm2-interop.mjs"
NOW = 1_800_000_000

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (STOREFRONT / "node_modules" / "sm-crypto").is_dir(),
    reason="needs node and the storefront's node_modules (make frontends)",
)


def run_node(task: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(  # nosec B603 - fixed argument list
        [shutil.which("node") or "node", str(SCRIPT)],
        input=json.dumps(task),
        capture_output=True,
        text=True,
        cwd=STOREFRONT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_python_and_the_javascript_libraries_understand_each_other() -> None:
    key = EnvelopeKey.of(generate_private_key())
    message = "13800138000 张三 深圳市南山区"
    gcm_key, iv = bytes(range(16)), bytes(range(12))
    aad, plain = b"shoplet-envelope/v1|x|1|phone", "科技园 10000 号".encode()
    task = {
        "private_key": key.private_key,
        "public_key": "04" + key.public_key,
        "key_id": key.key_id,
        "message": message,
        "python_ciphertext": sm2_encrypt(key.public_key, message.encode()).hex(),
        "gcm": {
            "key": gcm_key.hex(),
            "iv": iv.hex(),
            "aad": aad.hex(),
            "plaintext": plain.hex(),
            "python_sealed": sm4_gcm_encrypt(gcm_key, iv, plain, aad).hex(),
        },
        "fields": {"phone": "13800138000", "detail": "科技园南区深南大道10000号"},
        "now": NOW,
    }
    answer = run_node(task)

    assert answer["sm_crypto_decrypted"] == message
    assert answer["v2_decrypted"] == message
    for name in ("sm_crypto_ciphertext", "v2_ciphertext"):
        ciphertext = bytes.fromhex(answer[name])
        assert sm2_decrypt(key.private_key, ciphertext).decode() == message
        tampered = bytearray(ciphertext)
        tampered[64 + 3] ^= 0x01  # C3 right after C1 (x || y, no 04 byte)
        with pytest.raises(EnvelopeError) as caught:
            sm2_decrypt(key.private_key, bytes(tampered))
        assert caught.value.reason == "invalid"

    sealed = bytes.fromhex(answer["v2_gcm"]["output"] + answer["v2_gcm"]["tag"])
    assert sealed == sm4_gcm_encrypt(gcm_key, iv, plain, aad)
    assert sm4_gcm_decrypt(gcm_key, iv, sealed, aad) == plain
    assert answer["v2_gcm_opened"] == plain.decode()

    opener = EnvelopeOpener([key], window_seconds=300, clock=lambda: NOW)
    opened = opener.open(answer["envelope"])
    assert opened.fields == task["fields"]
    assert answer["envelope"]["ts"] == NOW

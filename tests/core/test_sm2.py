"""SM2 signatures (core/sm2.py) are the standard ones: OpenSSL verifies them with SM3 and the
default user id, so a regulator can check an audit export without Shoplet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shoplet.core import sm2

KEY = sm2.Sm2Signer("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")


OPENSSL = shutil.which("openssl") or "openssl"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_verifies_shoplet_sm2_signatures(tmp_path: Path) -> None:
    message = tmp_path / "message"
    message.write_bytes(b"shoplet-audit-checkpoint/1\n4\n" + b"ab" * 32)
    signature = tmp_path / "sig.der"
    signature.write_bytes(sm2.signature_der(KEY.sign(message.read_bytes())))
    key = tmp_path / "key.pem"
    key.write_text(sm2.public_key_pem(KEY.public_key))

    def openssl_verify(path: Path) -> int:
        return subprocess.run(
            [
                OPENSSL,
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                str(key),
                "-rawin",
                "-in",
                str(path),
                "-sigfile",
                str(signature),
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
            ],
            capture_output=True,
            check=False,
        ).returncode

    assert openssl_verify(message) == 0
    tampered = tmp_path / "tampered"
    tampered.write_bytes(message.read_bytes() + b"x")
    assert openssl_verify(tampered) == 1

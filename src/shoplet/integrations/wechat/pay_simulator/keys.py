"""The simulator's keys: WeChat Pay's platform key pair and the merchant's, kept in a directory."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from shoplet.integrations.wechat.pay_crypto import (
    generate_private_key,
    key_fingerprint_serial,
    load_private_key,
    private_key_pem,
    public_key_pem,
    write_secret_file,
)

from .state import log

# --- keys ----------------------------------------------------------------------------------

_FILES = {
    "merchant": "apiclient_key.pem",  # what the merchant platform lets a merchant download
    "platform": "wechatpay_private_key.pem",  # only the simulator holds WeChat Pay's private key
    "platform_public": "pub_key.pem",  # the WeChat Pay public key a merchant downloads
    "apiv3": "apiv3_key",
}


@dataclass(frozen=True)
class SimulatorKeys:
    merchant_private_key: rsa.RSAPrivateKey
    platform_private_key: rsa.RSAPrivateKey
    apiv3_key: bytes

    @property
    def merchant_public_key(self) -> rsa.RSAPublicKey:
        return self.merchant_private_key.public_key()

    @property
    def platform_public_key(self) -> rsa.RSAPublicKey:
        return self.platform_private_key.public_key()

    @property
    def merchant_serial(self) -> str:
        return key_fingerprint_serial(self.merchant_public_key)

    @property
    def platform_serial(self) -> str:
        """Shaped like WeChat's public key ids: ``PUB_KEY_ID_`` and 28 digits."""
        digits = str(int(key_fingerprint_serial(self.platform_public_key), 16))
        return "PUB_KEY_ID_" + digits[:28].rjust(28, "0")

    @classmethod
    def generate(cls) -> SimulatorKeys:
        return cls(
            merchant_private_key=generate_private_key(),
            platform_private_key=generate_private_key(),
            apiv3_key=secrets.token_hex(16).encode(),
        )

    @classmethod
    def load(cls, directory: Path) -> SimulatorKeys:
        return cls(
            merchant_private_key=load_private_key((directory / _FILES["merchant"]).read_bytes()),
            platform_private_key=load_private_key((directory / _FILES["platform"]).read_bytes()),
            apiv3_key=(directory / _FILES["apiv3"]).read_bytes().strip(),
        )

    def write(self, directory: Path) -> None:
        write_secret_file(
            directory / _FILES["merchant"], private_key_pem(self.merchant_private_key)
        )
        write_secret_file(
            directory / _FILES["platform"], private_key_pem(self.platform_private_key)
        )
        write_secret_file(
            directory / _FILES["platform_public"], public_key_pem(self.platform_public_key)
        )
        write_secret_file(directory / _FILES["apiv3"], self.apiv3_key)

    @classmethod
    def load_or_create(cls, directory: Path) -> SimulatorKeys:
        """Generate on first run; concurrent first runs (api + worker) agree on one key set
        because the directory appears atomically (rename of a fully written temp dir)."""
        if (directory / _FILES["apiv3"]).exists():
            return cls.load(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.parent / f".{directory.name}.{secrets.token_hex(4)}"
        tmp.mkdir(mode=0o700)
        keys = cls.generate()
        keys.write(tmp)
        try:
            os.rename(tmp, directory)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            return cls.load(directory)
        log.info("wechatpay_simulator_keys_created", directory=str(directory))
        return keys


def lazy_keys(directory: Path) -> Callable[[], SimulatorKeys]:
    """Load or create the keys on first use only (RSA generation costs ~50 ms per key)."""
    cache: list[SimulatorKeys] = []

    def get() -> SimulatorKeys:
        if not cache:
            cache.append(SimulatorKeys.load_or_create(directory))
        return cache[0]

    return get

"""Configuration: pydantic-settings with the ``SHOPLET_`` prefix; defaults are the embedded ones."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["embedded", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPLET_", env_file=".env", extra="ignore")

    env: Environment = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    # One JSON line per request; benchmarks turn it off to measure the app, not the terminal.
    access_log: bool = True
    # Start the outbox relay and scheduled jobs inside the API process (embedded default).
    run_worker_in_process: bool = True
    role: Literal["all", "api", "edge"] = "all"
    # Serve the built H5 storefront at / and the console at /console (embedded default).
    serve_frontends: bool = True

    secret_key: SecretStr | None = None
    # SM4 key for personal data at rest: 32 hex characters (128 bits).
    pii_key: SecretStr | None = None
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    staff_token_ttl_seconds: int = 8 * 3600

    sms_code_ttl_seconds: int = 300
    sms_per_phone_limit: str = "1/minute;5/hour"
    sms_per_ip_limit: str = "20/hour"
    login_attempts_limit: str = "10/15minute"

    wechat_appid: str = "wx-shoplet-sim"
    wechat_secret: SecretStr = SecretStr("shoplet-sim-secret")
    # None: the in-repo simulator (embedded and test); production sets https://api.weixin.qq.com
    wechat_api_base: str | None = None

    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_echo: bool = False

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("SHOPLET_DATABASE_URL", self.database_url),
                    ("SHOPLET_SECRET_KEY", self.secret_key),
                    ("SHOPLET_PII_KEY", self.pii_key),
                    ("SHOPLET_WECHAT_API_BASE", self.wechat_api_base),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)}")
        return self

    @property
    def is_embedded(self) -> bool:
        return self.env != "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'shoplet.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @cached_property
    def resolved_secret_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _local_secret(self.data_dir / "secret_key", lambda: secrets.token_urlsafe(48))

    @cached_property
    def resolved_pii_key(self) -> bytes:
        if self.pii_key is not None:
            raw = self.pii_key.get_secret_value()
        else:
            raw = _local_secret(self.data_dir / "pii_key", lambda: secrets.token_hex(16))
        key = bytes.fromhex(raw)
        if len(key) != 16:
            raise ValueError("SHOPLET_PII_KEY must be 32 hex characters (a 128-bit SM4 key)")
        return key


def _local_secret(path: Path, make: Callable[[], str]) -> str:
    """Embedded mode keeps generated secrets in the data dir so restarts keep sessions and PII."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


__all__ = ["Environment", "Settings", "get_settings"]

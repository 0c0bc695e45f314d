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
    redis_max_connections: int = 256
    redis_pool_timeout_seconds: float = 5.0
    # Prepended to every Redis key, stream and pub/sub channel Shoplet uses (cache, rate limits,
    # events, job leases, payment nonces, flash sales): two shops can share one Redis.
    redis_prefix: str = "shoplet:"
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

    # WeChat Pay API v3 (direct merchant, public-key mode). Embedded and test mode leave these
    # unset and pay against the in-repo simulator with keys generated in data_dir/wechatpay-sim.
    wechatpay_mchid: str | None = None
    wechatpay_appid: str | None = None  # None: the mini program's wechat_appid
    wechatpay_merchant_key_path: Path | None = None  # apiclient_key.pem
    wechatpay_merchant_serial: str | None = None  # merchant API certificate serial number
    wechatpay_apiv3_key: SecretStr | None = None  # 32 bytes
    wechatpay_platform_public_key_path: Path | None = None  # WeChat Pay public key (pub_key.pem)
    wechatpay_platform_serial: str | None = None  # its id, PUB_KEY_ID_…
    # None: the in-repo simulator; production sets https://api.mch.weixin.qq.com
    wechatpay_api_base: str | None = None
    # Public base URL WeChat Pay posts notifies to; None: http://{host}:{port}
    wechatpay_notify_base_url: str | None = None
    # Embedded simulator only: seconds before a PROCESSING refund succeeds (None: never by itself)
    wechatpay_sim_refund_delay_seconds: float | None = 2.0

    # Events (core/events): outbox relay, handler retries, Redis Streams consumers.
    events_poll_seconds: float = 1.0
    events_batch_size: int = 100
    events_max_attempts: int = 10
    events_retry_base_seconds: float = 2.0
    events_retry_max_seconds: float = 600.0
    # The stream's name under ``redis_prefix`` (the key is ``events_stream_key``).
    events_stream: str = "events"
    events_stream_maxlen: int = 1_000_000
    # A pending stream entry idle this long belongs to a dead consumer and is claimed.
    events_claim_idle_seconds: float = 60.0
    events_retention_days: int = 7
    worker_shutdown_grace_seconds: float = 10.0
    # ``shoplet worker`` serves Prometheus /metrics on this port (on ``host``); None: off.
    worker_metrics_port: int | None = None

    # Orders: unpaid orders are cancelled (stock released) this long after they were placed;
    # shipped orders count as received N days after shipping, received ones complete M days
    # later; after-sales can be requested up to K days after receipt.
    order_payment_timeout_seconds: int = 900
    orders_auto_receive_days: int = 10
    orders_auto_complete_days: int = 7
    orders_aftersale_window_days: int = 15

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

    @model_validator(mode="after")
    def _production_pays_for_real(self) -> Settings:
        if self.env == "production" and self.wechatpay_api_base is not None:
            missing = [
                name
                for name, value in (
                    ("SHOPLET_WECHATPAY_MCHID", self.wechatpay_mchid),
                    ("SHOPLET_WECHATPAY_MERCHANT_KEY_PATH", self.wechatpay_merchant_key_path),
                    ("SHOPLET_WECHATPAY_MERCHANT_SERIAL", self.wechatpay_merchant_serial),
                    ("SHOPLET_WECHATPAY_APIV3_KEY", self.wechatpay_apiv3_key),
                    (
                        "SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH",
                        self.wechatpay_platform_public_key_path,
                    ),
                    ("SHOPLET_WECHATPAY_PLATFORM_SERIAL", self.wechatpay_platform_serial),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"WeChat Pay in production needs {', '.join(missing)}")
        apiv3_key = self.wechatpay_apiv3_key
        if apiv3_key is not None and len(apiv3_key.get_secret_value().encode()) != 32:
            raise ValueError("SHOPLET_WECHATPAY_APIV3_KEY must be 32 bytes")
        return self

    def redis_key(self, name: str) -> str:
        """``name`` inside this shop's Redis namespace (``redis_prefix``)."""
        return self.redis_prefix + name

    @property
    def events_stream_key(self) -> str:
        return self.redis_key(self.events_stream)

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

"""Start-up configuration check: every problem at once, one line each, instead of a traceback.

``config_problems`` checks what is malformed in any environment (a key of the wrong length) and,
with ``SHOPLET_ENV=production``, what production needs: real secrets, real providers, PostgreSQL
and Redis. ``shoplet check-config`` prints the report; ``serve``, ``worker``, ``migrate`` and
``seed`` refuse to start (exit code 2) while it lists a problem.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import SecretStr

from shoplet.core.settings import Settings, parse_pii_keys, parse_platform_keys, parse_sm4_key
from shoplet.core.sm2 import parse_private_key, parse_public_key

if TYPE_CHECKING:
    from shoplet.core.storage_s3 import S3Location

EXIT_CONFIG = 2

# The WeChat login simulator's credentials (settings defaults): never valid in production.
SIMULATOR_WECHAT_APPID = "wx-shoplet-sim"
SIMULATOR_WECHAT_SECRET = "shoplet-sim-secret"  # nosec B105 # noqa: S105 - a public default, refused below

# Secret keys seen in examples, docs and tests; refused whatever their length.
KNOWN_SECRET_KEYS = frozenset(
    {
        "changeme",
        "change-me",
        "secret",
        "secret-key",
        "shoplet",
        "test-secret-key-for-shoplet-tests-only-0123456789",
    }
)
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 128.0


def secret_strength_problem(secret: str) -> str | None:
    """Why ``secret`` is weak, or None. Entropy is estimated from the character frequencies
    (length x Shannon entropy per character): ``token_urlsafe(48)`` scores ~350 bits,
    ``"x" * 64`` scores 0."""
    lowered = secret.lower()
    if lowered in KNOWN_SECRET_KEYS or "changeme" in lowered or "change-me" in lowered:
        return "is a known default"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"is {len(secret)} characters, needs at least {MIN_SECRET_LENGTH}"
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    if per_char * len(secret) < MIN_SECRET_BITS:
        return (
            f"is too predictable (~{per_char * len(secret):.0f} bits, needs {MIN_SECRET_BITS:.0f})"
        )
    return None


def trivial_key(key: bytes) -> bool:
    """All zeros, a repeated half or few distinct bytes: a placeholder, not a random key (16
    random bytes have fewer than 10 distinct values with odds below one in a billion)."""
    return len(set(key)) < 10 or key[:8] == key[8:]


def _format_problems(settings: Settings) -> list[str]:
    """Malformed values, in any environment."""
    problems: list[str] = []
    apiv3 = settings.wechatpay_apiv3_key
    if apiv3 is not None and len(apiv3.get_secret_value().encode()) != 32:
        problems.append("SHOPLET_WECHATPAY_APIV3_KEY: must be 32 bytes")
    for name, value in (
        ("SHOPLET_PII_KEY", settings.pii_key),
        ("SHOPLET_PII_INDEX_KEY", settings.pii_index_key),
    ):
        if value is not None:
            problems.extend(_catch(parse_sm4_key, value.get_secret_value(), name))
    if settings.pii_keys is not None:
        problems.extend(_catch(parse_pii_keys, settings.pii_keys.get_secret_value()))
    if settings.audit_signing_key is not None:
        problems.extend(
            f"SHOPLET_AUDIT_SIGNING_KEY: {why}"
            for why in _catch(parse_private_key, settings.audit_signing_key.get_secret_value())
        )
    if settings.envelope_keys is not None:
        for raw in settings.envelope_keys.get_secret_value().split(","):
            problems.extend(
                f"SHOPLET_ENVELOPE_KEYS: {why}" for why in _catch(parse_private_key, raw)
            )
    for raw in filter(None, (k.strip() for k in settings.audit_verify_keys.split(","))):
        problems.extend(
            f"SHOPLET_AUDIT_VERIFY_KEYS: {why}" for why in _catch(parse_public_key, raw)
        )
    if not problems and settings.pii_key is not None:
        # The single key joins the ring as "default": refused if the ring already uses that id.
        problems.extend(_catch(lambda: settings.resolved_pii_keys))
    problems.extend(_replica_problems(settings))
    problems.extend(_storage_problems(settings))
    return problems


def _storage_problems(settings: Settings) -> list[str]:
    """Object storage settings, then (only when a bucket is configured) one HeadBucket per bucket:
    a missing bucket or refused keys is reported here rather than at the first upload."""
    problems: list[str] = []
    base = settings.media_public_base_url
    if base is not None and not base.startswith(("https://", "http://", "/")):
        problems.append("SHOPLET_MEDIA_PUBLIC_BASE_URL: not https://… (or a /path)")
    if not settings.media_storage_url and not settings.private_storage_url:
        return problems
    from shoplet.core.storage import parse_storage_url, s3_location

    for area, url, name in (
        ("media", settings.media_storage_url, "SHOPLET_MEDIA_STORAGE_URL"),
        ("private", settings.private_storage_url, "SHOPLET_PRIVATE_STORAGE_URL"),
    ):
        if not url:
            continue
        try:
            parse_storage_url(url, name)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        location = s3_location(settings, "media" if area == "media" else "private")
        if location is not None and (why := _probe(location)) is not None:
            problems.append(f"{name}: {why}")
    return problems


def _probe(location: S3Location) -> str | None:
    from shoplet.core.storage_s3 import bucket_problem

    # A thread of its own: the check also runs where an event loop is already running (asgi.py
    # under a server that imports the app inside its loop).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bucket_problem(location)).result()


def _replica_problems(settings: Settings) -> list[str]:
    """Read replicas are PostgreSQL hot standbys of a PostgreSQL primary (docs/deploy.md)."""
    if not settings.database_replica_urls:
        return []
    name = "SHOPLET_DATABASE_REPLICA_URLS"
    if not settings.resolved_database_url.startswith("postgresql"):
        return [f"{name}: replicas need a PostgreSQL SHOPLET_DATABASE_URL (the primary)"]
    return [
        # The scheme only: a URL may carry a password.
        f"{name}: {url.partition(':')[0]}: is not postgresql+asyncpg://… (a hot standby)"
        for url in settings.database_replica_urls
        if not url.startswith("postgresql+asyncpg://")
    ]


def _catch(check: Callable[..., object], *args: object) -> list[str]:
    try:
        check(*args)
    except ValueError as exc:
        return [str(exc)]
    return []


def _production_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    add = problems.append

    url = settings.database_url
    if not url:
        add(
            "SHOPLET_DATABASE_URL: not set (production runs on PostgreSQL, not the embedded SQLite)"
        )
    elif url.startswith("sqlite"):
        add("SHOPLET_DATABASE_URL: SQLite is for embedded mode; use postgresql+asyncpg://…")
    if not settings.redis_url:
        add("SHOPLET_REDIS_URL: not set (rate limits, cache and events need a shared Redis)")

    if settings.secret_key is None:
        add("SHOPLET_SECRET_KEY: not set (48+ random bytes: openssl rand -base64 48)")
    elif (why := secret_strength_problem(settings.secret_key.get_secret_value())) is not None:
        add(f"SHOPLET_SECRET_KEY: {why}")

    problems.extend(_pii_problems(settings))
    if settings.audit_signing_key is None:
        add(
            "SHOPLET_AUDIT_SIGNING_KEY: not set (an SM2 private key, 64 hex: signs the audit"
            " chain's checkpoints; keep it in the secret store, docs/audit.md)"
        )

    if settings.resolved_envelope_mode != "off" and settings.envelope_keys is None:
        add(
            f"SHOPLET_ENVELOPE_KEYS: not set while SHOPLET_ENVELOPE_MODE is"
            f" {settings.resolved_envelope_mode!r} (SM2 private keys, 64 hex, comma-separated,"
            " the served one first, the same on every replica: docs/security.md)"
        )

    if settings.wechat_appid == SIMULATOR_WECHAT_APPID:
        add(f"SHOPLET_WECHAT_APPID: still the simulator's {SIMULATOR_WECHAT_APPID!r}")
    if settings.wechat_secret.get_secret_value() == SIMULATOR_WECHAT_SECRET:
        add("SHOPLET_WECHAT_SECRET: still the simulator's secret")
    if settings.wechat_api_base is not None and not settings.wechat_api_base.startswith("https://"):
        add("SHOPLET_WECHAT_API_BASE: must be https:// (default: https://api.weixin.qq.com)")

    problems.extend(_wechatpay_problems(settings))
    problems.extend(_sms_problems(settings))
    problems.extend(_webauthn_problems(settings))
    problems.extend(_wecom_problems(settings))
    return problems


def _wecom_problems(settings: Settings) -> list[str]:
    """WeCom customer contact is off with nothing set; once the corp id or the secret is set,
    everything the API and the callback need must be (omnichannel.md, "WeCom")."""
    secret = settings.wecom_secret.get_secret_value() if settings.wecom_secret else ""
    token = settings.wecom_callback_token
    key = settings.wecom_callback_aes_key
    if not settings.wecom_corp_id and not secret:
        return []
    problems: list[str] = []
    if not settings.wecom_corp_id:
        problems.append("SHOPLET_WECOM_CORP_ID: not set while SHOPLET_WECOM_SECRET is")
    if not secret:
        problems.append("SHOPLET_WECOM_SECRET: not set while SHOPLET_WECOM_CORP_ID is")
    if token is None or not token.get_secret_value():
        problems.append("SHOPLET_WECOM_CALLBACK_TOKEN: not set (接收事件服务器 Token)")
    if key is None or len(key.get_secret_value()) != 43:
        problems.append("SHOPLET_WECOM_CALLBACK_AES_KEY: the 43-character EncodingAESKey")
    base = settings.wecom_api_base
    if base is not None and not base.startswith("https://"):
        problems.append("SHOPLET_WECOM_API_BASE: must be https:// (default: qyapi.weixin.qq.com)")
    return problems


def _webauthn_problems(settings: Settings) -> list[str]:
    """Passkeys are bound to the relying party id and the origins the browser reports."""
    problems: list[str] = []
    rp_id = settings.webauthn_rp_id
    if not rp_id:
        problems.append("SHOPLET_WEBAUTHN_RP_ID: not set (the shop's domain, e.g. shop.example.cn)")
    elif rp_id == "localhost" or "/" in rp_id or ":" in rp_id:
        problems.append("SHOPLET_WEBAUTHN_RP_ID: a bare domain name, not localhost or a URL")
        rp_id = None  # the origins cannot be checked against it
    if not settings.webauthn_origins:
        problems.append(
            'SHOPLET_WEBAUTHN_ORIGINS: not set (JSON list: ["https://shop.example.cn"])'
        )
        return problems
    for origin in settings.webauthn_origins:
        host = urlsplit(origin).hostname or ""
        if not origin.startswith("https://"):
            problems.append(f"SHOPLET_WEBAUTHN_ORIGINS: {origin!r} must be https://")
        elif rp_id and host != rp_id and not host.endswith("." + rp_id):
            problems.append(
                f"SHOPLET_WEBAUTHN_ORIGINS: {origin!r} is not under the RP id {rp_id!r}"
            )
    return problems


def _pii_problems(settings: Settings) -> list[str]:
    if settings.pii_key is None and settings.pii_keys is None:
        return [
            "SHOPLET_PII_KEYS or SHOPLET_PII_KEY: not set (32 hex characters: openssl rand -hex 16)"
        ]
    try:
        ring = settings.resolved_pii_keys
        index_key = settings.resolved_pii_index_key
    except ValueError:
        return []  # already reported as malformed
    problems = [
        f"PII key {key_id!r}: all zeros or trivial; generate one with openssl rand -hex 16"
        for key_id, key in ring
        if trivial_key(key)
    ]
    if settings.pii_index_key is not None and trivial_key(index_key):
        problems.append("SHOPLET_PII_INDEX_KEY: all zeros or trivial")
    return problems


def _wechatpay_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    add = problems.append
    required: tuple[tuple[str, object], ...] = (
        ("SHOPLET_WECHATPAY_MCHID", settings.wechatpay_mchid),
        ("SHOPLET_WECHATPAY_MERCHANT_KEY_PATH", settings.wechatpay_merchant_key_path),
        ("SHOPLET_WECHATPAY_MERCHANT_SERIAL", settings.wechatpay_merchant_serial),
        ("SHOPLET_WECHATPAY_APIV3_KEY", settings.wechatpay_apiv3_key),
        ("SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH", settings.wechatpay_platform_public_key_path),
        ("SHOPLET_WECHATPAY_PLATFORM_SERIAL", settings.wechatpay_platform_serial),
    )
    for name, value in required:
        if value is None:
            add(f"{name}: not set (WeChat Pay)")
        elif isinstance(value, Path) and not value.is_file():
            add(f"{name}: no readable file at {value}")
    try:
        others = parse_platform_keys(settings.wechatpay_platform_keys)
    except ValueError as exc:
        add(str(exc))
        others = {}
    for serial, path in others.items():
        if not path.is_file():
            add(f"SHOPLET_WECHATPAY_PLATFORM_KEYS: no readable file at {path} ({serial})")
    notify = settings.wechatpay_notify_base_url
    if not notify:
        add("SHOPLET_WECHATPAY_NOTIFY_BASE_URL: not set (the public https:// URL of this shop)")
    elif not notify.startswith("https://"):
        add("SHOPLET_WECHATPAY_NOTIFY_BASE_URL: must be https:// (WeChat Pay notifies only https)")
    api_base = settings.wechatpay_api_base
    if api_base is not None and not api_base.startswith("https://"):
        add("SHOPLET_WECHATPAY_API_BASE: must be https:// (default: https://api.mch.weixin.qq.com)")
    return problems


def _sms_problems(settings: Settings) -> list[str]:
    if settings.sms_provider == "log":
        return ["SHOPLET_SMS_PROVIDER: 'log' only writes codes to the log; set tencent"]
    required: tuple[tuple[str, str | SecretStr | None], ...] = (
        ("SHOPLET_SMS_TENCENT_SECRET_ID", settings.sms_tencent_secret_id),
        ("SHOPLET_SMS_TENCENT_SECRET_KEY", settings.sms_tencent_secret_key),
        ("SHOPLET_SMS_TENCENT_SDK_APP_ID", settings.sms_tencent_sdk_app_id),
        ("SHOPLET_SMS_TENCENT_SIGN_NAME", settings.sms_tencent_sign_name),
        ("SHOPLET_SMS_TENCENT_LOGIN_TEMPLATE_ID", settings.sms_tencent_login_template_id),
    )
    problems = [f"{name}: not set (Tencent Cloud SMS)" for name, value in required if not value]
    api_base = settings.sms_api_base
    if api_base is not None and not api_base.startswith("https://"):
        problems.append("SHOPLET_SMS_API_BASE: must be https:// (default: sms.tencentcloudapi.com)")
    return problems


def config_problems(settings: Settings) -> list[str]:
    """Every configuration problem, one line each (empty: the configuration can start)."""
    problems = _format_problems(settings)
    if settings.env == "production":
        problems.extend(_production_problems(settings))
    return problems


def report(problems: list[str], *, env: str) -> str:
    if not problems:
        return f"configuration OK ({env})"
    lines = [f"Shoplet {env} configuration has {len(problems)} problem(s):"]
    lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


def exit_on_problems(settings: Settings) -> None:
    """Refuse to start: print the report to stderr and exit with code 2."""
    problems = config_problems(settings)
    if problems:
        sys.stderr.write(report(problems, env=settings.env) + "\n")
        raise SystemExit(EXIT_CONFIG)

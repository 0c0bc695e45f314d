"""Start-up configuration check: one line per problem; production needs real everything."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from shoplet.core.config_check import config_problems, report, secret_strength_problem
from shoplet.core.settings import Settings

STRONG_SECRET = "Zq3-vN8pXr_T1kLm0aB7cD9eF2gH4iJ6uW5yS8oP1qR3tU"
PII_HEX = "6b1f0e9d2c3a4b5c6d7e8f90a1b2c3d4"
AUDIT_KEY_HEX = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"


# WeCom customer contact, complete (it is off in the base production configuration).
WECOM: dict[str, Any] = {
    "wecom_corp_id": "ww1436e0e65a779aee",
    "wecom_secret": "a-wecom-customer-contact-secret",
    "wecom_callback_token": "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "wecom_callback_aes_key": "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
}


def production(tmp_path: Path, **overrides: Any) -> Settings:
    """A production configuration with nothing missing."""
    (tmp_path / "apiclient_key.pem").write_text("key")
    (tmp_path / "pub_key.pem").write_text("key")
    values: dict[str, Any] = {
        "env": "production",
        "data_dir": tmp_path,
        "database_url": "postgresql+asyncpg://shoplet@db/shoplet",
        "redis_url": "redis://redis:6379/0",
        "secret_key": STRONG_SECRET,
        "pii_key": PII_HEX,
        "audit_signing_key": AUDIT_KEY_HEX,
        "wechat_appid": "wx8f2d4e6a1c3b5d7f",
        "wechat_secret": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "wechatpay_mchid": "1230000109",
        "wechatpay_merchant_key_path": tmp_path / "apiclient_key.pem",
        "wechatpay_merchant_serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "wechatpay_apiv3_key": "a" * 32,
        "wechatpay_platform_public_key_path": tmp_path / "pub_key.pem",
        "wechatpay_platform_serial": "PUB_KEY_ID_0112345678",
        "wechatpay_notify_base_url": "https://shop.example.com",
        "sms_provider": "tencent",
        "sms_tencent_secret_id": "AKIDexample",
        "sms_tencent_secret_key": "example-secret-key",
        "sms_tencent_sdk_app_id": "1400123456",
        "sms_tencent_sign_name": "Shoplet",
        "sms_tencent_login_template_id": "1234567",
        "webauthn_rp_id": "shop.example.com",
        "webauthn_origins": ["https://shop.example.com", "https://console.shop.example.com"],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_a_complete_production_configuration_has_no_problem(tmp_path: Path) -> None:
    assert config_problems(production(tmp_path, **WECOM)) == []
    settings = production(tmp_path)
    assert config_problems(settings) == []
    assert report([], env="production") == "configuration OK (production)"


def test_production_defaults_list_every_problem(tmp_path: Path) -> None:
    problems = config_problems(Settings(_env_file=None, env="production", data_dir=tmp_path))  # type: ignore[call-arg]

    assert [p.split(":")[0] for p in problems] == [
        "SHOPLET_DATABASE_URL",
        "SHOPLET_REDIS_URL",
        "SHOPLET_SECRET_KEY",
        "SHOPLET_PII_KEYS or SHOPLET_PII_KEY",
        "SHOPLET_AUDIT_SIGNING_KEY",
        "SHOPLET_WECHAT_APPID",
        "SHOPLET_WECHAT_SECRET",
        "SHOPLET_WECHATPAY_MCHID",
        "SHOPLET_WECHATPAY_MERCHANT_KEY_PATH",
        "SHOPLET_WECHATPAY_MERCHANT_SERIAL",
        "SHOPLET_WECHATPAY_APIV3_KEY",
        "SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH",
        "SHOPLET_WECHATPAY_PLATFORM_SERIAL",
        "SHOPLET_WECHATPAY_NOTIFY_BASE_URL",
        "SHOPLET_SMS_PROVIDER",
        "SHOPLET_WEBAUTHN_RP_ID",
        "SHOPLET_WEBAUTHN_ORIGINS",
    ]
    assert all("\n" not in p for p in problems)
    text = report(problems, env="production")
    assert text.splitlines()[0] == "Shoplet production configuration has 17 problem(s):"
    # Nothing was generated on the way: production never writes local secrets.
    assert list(tmp_path.iterdir()) == []


def test_embedded_defaults_are_fine() -> None:
    assert config_problems(Settings(_env_file=None)) == []  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"database_url": "sqlite+aiosqlite:///var/shoplet.db"}, "SHOPLET_DATABASE_URL: SQLite"),
        ({"secret_key": "x" * 64}, "SHOPLET_SECRET_KEY: is too predictable"),
        ({"secret_key": "short-but-random-Q7"}, "SHOPLET_SECRET_KEY: is 19 characters"),
        (
            {"secret_key": "test-secret-key-for-shoplet-tests-only-0123456789"},
            "SHOPLET_SECRET_KEY: is a known default",
        ),
        ({"secret_key": "please-changeme-" + "k" * 40}, "SHOPLET_SECRET_KEY: is a known default"),
        ({"pii_key": "0" * 32}, "PII key 'default': all zeros or trivial"),
        ({"pii_key": "0123456789abcdef0123456789abcdef"}, "PII key 'default': all zeros"),
        ({"pii_key": "abc"}, "SHOPLET_PII_KEY must be 32 hex characters"),
        ({"pii_key": "zz" * 16}, "SHOPLET_PII_KEY must be 32 hex characters"),
        ({"pii_key": None, "pii_keys": f"2026:{'0' * 32}"}, "PII key '2026': all zeros"),
        ({"pii_key": None, "pii_keys": "2026"}, "SHOPLET_PII_KEYS entries are id:hexkey"),
        (
            {"pii_key": None, "pii_keys": f"a:{PII_HEX},a:{PII_HEX}"},
            "SHOPLET_PII_KEYS repeats the key id 'a'",
        ),
        ({"pii_index_key": "00" * 16}, "SHOPLET_PII_INDEX_KEY: all zeros or trivial"),
        ({"audit_signing_key": "zz" * 32}, "SHOPLET_AUDIT_SIGNING_KEY: an SM2 private key is 64"),
        ({"audit_signing_key": "0" * 64}, "SHOPLET_AUDIT_SIGNING_KEY: an SM2 private key is 64"),
        ({"audit_verify_keys": "04abc"}, "SHOPLET_AUDIT_VERIFY_KEYS: an SM2 public key is 128"),
        ({"envelope_keys": "zz" * 32}, "SHOPLET_ENVELOPE_KEYS: an SM2 private key is 64"),
        ({"envelope_mode": "require"}, "SHOPLET_ENVELOPE_KEYS: not set while"),
        ({"wechatpay_platform_keys": "PUB_KEY_ID_1"}, "SHOPLET_WECHATPAY_PLATFORM_KEYS entries"),
        (
            {"wechatpay_platform_keys": "PUB_KEY_ID_1=/nowhere/pub.pem"},
            "SHOPLET_WECHATPAY_PLATFORM_KEYS: no readable file at /nowhere/pub.pem",
        ),
        ({"wechat_appid": "wx-shoplet-sim"}, "SHOPLET_WECHAT_APPID: still the simulator's"),
        ({"wechat_secret": "shoplet-sim-secret"}, "SHOPLET_WECHAT_SECRET: still the simulator's"),
        ({"wechat_api_base": "http://api.weixin.qq.com"}, "SHOPLET_WECHAT_API_BASE: must be"),
        (
            {"wechatpay_notify_base_url": "http://shop.example.com"},
            "SHOPLET_WECHATPAY_NOTIFY_BASE_URL: must be https://",
        ),
        ({"wechatpay_apiv3_key": "short"}, "SHOPLET_WECHATPAY_APIV3_KEY: must be 32 bytes"),
        (
            {"wechatpay_merchant_key_path": Path("/nonexistent/key.pem")},
            "SHOPLET_WECHATPAY_MERCHANT_KEY_PATH: no readable file",
        ),
        ({"redis_url": None}, "SHOPLET_REDIS_URL: not set"),
        ({**WECOM, "wecom_secret": None}, "SHOPLET_WECOM_SECRET: not set while"),
        ({**WECOM, "wecom_corp_id": None}, "SHOPLET_WECOM_CORP_ID: not set while"),
        ({**WECOM, "wecom_callback_token": None}, "SHOPLET_WECOM_CALLBACK_TOKEN: not set"),
        ({**WECOM, "wecom_callback_aes_key": "short"}, "SHOPLET_WECOM_CALLBACK_AES_KEY: the 43"),
        ({**WECOM, "wecom_api_base": "http://qyapi.example"}, "SHOPLET_WECOM_API_BASE: must be"),
        ({"sms_provider": "log"}, "SHOPLET_SMS_PROVIDER: 'log'"),
        ({"sms_tencent_secret_key": None}, "SHOPLET_SMS_TENCENT_SECRET_KEY: not set"),
        ({"sms_api_base": "http://sms.example"}, "SHOPLET_SMS_API_BASE: must be https://"),
        ({"webauthn_rp_id": "localhost"}, "SHOPLET_WEBAUTHN_RP_ID: a bare domain name"),
        (
            {"webauthn_origins": ["http://shop.example.com"]},
            "SHOPLET_WEBAUTHN_ORIGINS: 'http://shop.example.com' must be https://",
        ),
        (
            {"webauthn_origins": ["https://evil.example.net"]},
            "SHOPLET_WEBAUTHN_ORIGINS: 'https://evil.example.net' is not under the RP id",
        ),
    ],
)
def test_each_production_problem_is_one_clear_line(
    tmp_path: Path, overrides: dict[str, Any], problem: str
) -> None:
    problems = config_problems(production(tmp_path, **overrides))

    assert len(problems) == 1, problems
    assert problems[0].startswith(problem)


def test_a_pii_key_ring_replaces_the_single_key(tmp_path: Path) -> None:
    new = secrets.token_hex(16)
    settings = production(tmp_path, pii_key=None, pii_keys=f"2026:{new}, 2025:{PII_HEX}")

    assert config_problems(settings) == []
    assert settings.resolved_pii_keys == [
        ("2026", bytes.fromhex(new)),
        ("2025", bytes.fromhex(PII_HEX)),
    ]
    # No index key and no single key: the oldest key of the ring roots the blind index.
    assert settings.resolved_pii_index_key == bytes.fromhex(PII_HEX)


def test_the_single_key_stays_in_the_ring_and_roots_the_blind_index(tmp_path: Path) -> None:
    new = secrets.token_hex(16)
    settings = production(tmp_path, pii_keys=f"2026:{new}")

    assert settings.resolved_pii_keys == [
        ("2026", bytes.fromhex(new)),
        ("default", bytes.fromhex(PII_HEX)),
    ]
    assert settings.resolved_pii_index_key == bytes.fromhex(PII_HEX)


def test_secret_strength() -> None:
    assert secret_strength_problem(secrets.token_urlsafe(48)) is None
    assert secret_strength_problem("ab" * 40) is not None


def test_after_rotation_the_old_single_key_only_roots_the_blind_index(tmp_path: Path) -> None:
    new = secrets.token_hex(16)
    settings = production(tmp_path, pii_key=None, pii_keys=f"2026:{new}", pii_index_key=PII_HEX)

    assert config_problems(settings) == []
    assert settings.resolved_pii_keys == [("2026", bytes.fromhex(new))]
    assert settings.resolved_pii_index_key == bytes.fromhex(PII_HEX)


def test_the_ring_may_not_reuse_the_single_keys_id(tmp_path: Path) -> None:
    settings = production(tmp_path, pii_keys=f"default:{secrets.token_hex(16)}")

    assert config_problems(settings) == [
        "SHOPLET_PII_KEYS uses the id 'default' of SHOPLET_PII_KEY"
    ]


def test_envelopes_are_off_in_production_until_keys_are_given(tmp_path: Path) -> None:
    assert production(tmp_path).resolved_envelope_mode == "off"
    with_keys = production(tmp_path, envelope_keys=f"{'1' * 64},{'2' * 64}")
    assert with_keys.resolved_envelope_mode == "accept"
    assert config_problems(with_keys) == []
    assert with_keys.resolved_envelope_keys == ["1" * 64, "2" * 64]
    assert Settings(_env_file=None, data_dir=tmp_path).resolved_envelope_mode == "accept"  # type: ignore[call-arg]

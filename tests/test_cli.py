"""The ``shoplet`` command refuses a production configuration with problems: one line each on
stderr, exit code 2, no traceback, nothing started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shoplet.core.security import PiiCipher
from tests.core.test_settings import AUDIT_KEY_HEX, PII_HEX, STRONG_SECRET

SRC = str(Path(__file__).resolve().parents[1] / "src")
PRODUCTION_PROBLEMS = 17


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    clean.update(
        {"PYTHONPATH": SRC, "SHOPLET_DATA_DIR": str(tmp_path / "var"), "SHOPLET_LOG_JSON": "false"}
    )
    clean.update(env or {})
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "shoplet.cli", *args]
    # cwd: a directory without a .env file, so only this environment counts.
    return subprocess.run(
        command, cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    """Everything production needs (the database is never reached by these commands)."""
    (tmp_path / "apiclient_key.pem").write_text("key")
    (tmp_path / "pub_key.pem").write_text("key")
    return {
        "SHOPLET_ENV": "production",
        "SHOPLET_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
        "SHOPLET_REDIS_URL": "redis://127.0.0.1:1/0",
        "SHOPLET_SECRET_KEY": STRONG_SECRET,
        "SHOPLET_PII_KEY": PII_HEX,
        "SHOPLET_AUDIT_SIGNING_KEY": AUDIT_KEY_HEX,
        "SHOPLET_WECHAT_APPID": "wx8f2d4e6a1c3b5d7f",
        "SHOPLET_WECHAT_SECRET": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "SHOPLET_WECHATPAY_MCHID": "1230000109",
        "SHOPLET_WECHATPAY_MERCHANT_KEY_PATH": str(tmp_path / "apiclient_key.pem"),
        "SHOPLET_WECHATPAY_MERCHANT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "SHOPLET_WECHATPAY_APIV3_KEY": "a" * 32,
        "SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH": str(tmp_path / "pub_key.pem"),
        "SHOPLET_WECHATPAY_PLATFORM_SERIAL": "PUB_KEY_ID_0112345678",
        "SHOPLET_WECHATPAY_NOTIFY_BASE_URL": "https://shop.example.com",
        "SHOPLET_SMS_PROVIDER": "tencent",
        "SHOPLET_SMS_TENCENT_SECRET_ID": "AKIDexample",
        "SHOPLET_SMS_TENCENT_SECRET_KEY": "example-secret-key",
        "SHOPLET_SMS_TENCENT_SDK_APP_ID": "1400123456",
        "SHOPLET_SMS_TENCENT_SIGN_NAME": "Shoplet",
        "SHOPLET_SMS_TENCENT_LOGIN_TEMPLATE_ID": "1234567",
        "SHOPLET_WEBAUTHN_RP_ID": "shop.example.com",
        "SHOPLET_WEBAUTHN_ORIGINS": '["https://shop.example.com"]',
    }


def assert_refused(result: subprocess.CompletedProcess[str], count: int) -> list[str]:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"Shoplet production configuration has {count} problem(s):"
    assert len(lines) == count + 1
    assert all(line.startswith("  - SHOPLET_") or "PII key" in line for line in lines[1:])
    return lines[1:]


def test_check_config_embedded_is_ok(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "configuration OK (embedded)"


def test_check_config_production_defaults_lists_every_problem(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", env={"SHOPLET_ENV": "production"})

    lines = assert_refused(result, PRODUCTION_PROBLEMS)
    assert lines[0].startswith("  - SHOPLET_DATABASE_URL: not set")
    assert lines[-1].startswith("  - SHOPLET_WEBAUTHN_ORIGINS: not set")
    assert result.stdout == ""


def test_check_config_production_ok(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "configuration OK (production)"


@pytest.mark.parametrize("command", ["serve", "worker", "migrate", "pii-rotate"])
def test_production_commands_refuse_to_start(tmp_path: Path, command: str) -> None:
    env = production_env(tmp_path)
    env["SHOPLET_PII_KEY"] = "0" * 32
    env["SHOPLET_WECHAT_SECRET"] = "shoplet-sim-secret"

    result = run(tmp_path, command, env=env)

    assert assert_refused(result, 2) == [
        "  - PII key 'default': all zeros or trivial; generate one with openssl rand -hex 16",
        "  - SHOPLET_WECHAT_SECRET: still the simulator's secret",
    ]
    assert result.stdout == ""  # nothing started, not even the banner
    assert not (tmp_path / "var").exists()


def test_serve_with_production_defaults_refuses(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", env={"SHOPLET_ENV": "production"})

    assert_refused(result, PRODUCTION_PROBLEMS)


def test_asgi_entry_point_refuses_too(tmp_path: Path) -> None:
    result = run(tmp_path, code="import shoplet.asgi", env={"SHOPLET_ENV": "production"})

    assert_refused(result, PRODUCTION_PROBLEMS)


def test_seed_refuses_demo_data_in_production(tmp_path: Path) -> None:
    result = run(tmp_path, "seed", "--if-empty", env=production_env(tmp_path))

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: shoplet seed writes demo data; it never runs in production"
    )
    assert "Traceback" not in result.stderr


def test_malformed_values_are_one_line_each(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "check-config",
        env={"SHOPLET_PORT": "eighty", "SHOPLET_SMS_PROVIDER": "carrier-pigeon"},
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Shoplet configuration has 2 problem(s):"
    assert lines[1].startswith("  - SHOPLET_PORT: ")
    assert lines[2].startswith("  - SHOPLET_SMS_PROVIDER: ")


def test_pii_rotate_command_reports_progress(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    env = {"SHOPLET_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "SHOPLET_PII_KEY": PII_HEX}
    assert run(tmp_path, "migrate", env=env).returncode == 0
    import sqlite3

    old = PiiCipher(bytes.fromhex(PII_HEX))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO members_member (nickname, phone_encrypted, phone_index, is_active,"
            " created_at, last_login_at) VALUES ('a', ?, ?, 1, '2026-01-01', '2026-01-01')",
            (old.encrypt("13812345678"), old.blind_index("13812345678")),
        )
    env["SHOPLET_PII_KEYS"] = "2026:f0e1d2c3b4a5968778695a4b3c2d1e0f"

    result = run(tmp_path, "pii-rotate", env=env)

    assert result.returncode == 0, result.stderr
    assert "members_member: 1 row(s) read, 1 value(s) re-encrypted" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "re-encrypted 1 value(s) under key '2026'"


def test_make_run_in_production_with_defaults_lists_every_problem(tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    if shutil.which("make") is None or not (venv / "bin" / "shoplet").exists():
        pytest.skip("needs make and a virtualenv with the shoplet command")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPLET_", "MAKE"))}
    clean.update(
        {"PYTHONPATH": SRC, "SHOPLET_ENV": "production", "SHOPLET_DATA_DIR": str(tmp_path / "var")}
    )
    result = subprocess.run(
        # -o: the installed virtualenv counts as up to date (this test must not reinstall it).
        ["make", "-o", f"{venv}/.installed", "run", f"VENV={venv}"],  # noqa: S607
        cwd=Path(SRC).parent,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"Shoplet production configuration has {PRODUCTION_PROBLEMS} problem(s):" in (
        result.stderr
    )
    assert sum(line.startswith("  - ") for line in result.stderr.splitlines()) == (
        PRODUCTION_PROBLEMS
    )
    assert not (tmp_path / "var").exists()


def test_pii_rotate_stops_clearly_on_a_value_no_key_opens(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    env = {"SHOPLET_DATABASE_URL": f"sqlite+aiosqlite:///{db}", "SHOPLET_PII_KEY": PII_HEX}
    assert run(tmp_path, "migrate", env=env).returncode == 0
    import sqlite3

    lost = PiiCipher([("2024", bytes.fromhex("00112233445566778899aabbccddeeff"))])
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO members_member (nickname, phone_encrypted, phone_index, is_active,"
            " created_at, last_login_at) VALUES ('a', ?, 'x', 1, '2026-01-01', '2026-01-01')",
            (lost.encrypt("13812345678"),),
        )

    result = run(tmp_path, "pii-rotate", env=env)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "pii-rotate stopped: members_member.phone_encrypted (1,): PII key '2024' is not configured"
    )

"""A production start with valid settings: ``shoplet migrate`` then ``shoplet serve`` on PostgreSQL
and Redis serve the API with no demo data, no simulators and no public API docs; ``make run`` in
production plans exactly that (no seed, no demo history)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from tests.conftest import PG_URL, REDIS_PREFIX, REDIS_URL, fresh_scratch_database
from tests.core.test_settings import AUDIT_KEY_HEX, PII_HEX, STRONG_SECRET
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def _pem_pair(directory: Path) -> tuple[Path, Path]:
    """A merchant private key and a platform public key, as WeChat Pay hands them out."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = directory / "apiclient_key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    public = directory / "pub_key.pem"
    public.write_bytes(
        platform.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _production_env(tmp_path: Path, database_url: str, port: int) -> dict[str, str]:
    assert REDIS_URL
    private, public = _pem_pair(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    env.update(
        {
            "PYTHONPATH": SRC,
            "SHOPLET_ENV": "production",
            "SHOPLET_PORT": str(port),
            "SHOPLET_DATA_DIR": str(tmp_path / "var"),
            "SHOPLET_DATABASE_URL": database_url,
            "SHOPLET_REDIS_URL": REDIS_URL,
            "SHOPLET_REDIS_PREFIX": f"{REDIS_PREFIX}production:",
            "SHOPLET_SECRET_KEY": STRONG_SECRET,
            "SHOPLET_PII_KEY": PII_HEX,
            "SHOPLET_AUDIT_SIGNING_KEY": AUDIT_KEY_HEX,
            "SHOPLET_WECHAT_APPID": "wx8f2d4e6a1c3b5d7f",
            "SHOPLET_WECHAT_SECRET": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "SHOPLET_WECHATPAY_MCHID": "1230000109",
            "SHOPLET_WECHATPAY_MERCHANT_KEY_PATH": str(private),
            "SHOPLET_WECHATPAY_MERCHANT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "SHOPLET_WECHATPAY_APIV3_KEY": "k" * 32,
            "SHOPLET_WECHATPAY_PLATFORM_PUBLIC_KEY_PATH": str(public),
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
            "SHOPLET_LOG_LEVEL": "WARNING",
            "SHOPLET_SERVE_FRONTENDS": "false",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="production runs on PostgreSQL and Redis")
async def test_valid_production_settings_serve_without_demo_data_simulators_or_docs(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = _production_env(tmp_path, await fresh_scratch_database("production"), port)
    shoplet = [sys.executable, "-m", "shoplet.cli"]
    check = await asyncio.to_thread(_run, [*shoplet, "check-config"], env, tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "configuration OK (production)"
    migrate = await asyncio.to_thread(_run, [*shoplet, "migrate"], env, tmp_path)
    assert migrate.returncode == 0, migrate.stderr

    log = (tmp_path / "serve.log").open("wb")
    server = await asyncio.to_thread(
        subprocess.Popen,
        [*shoplet, "serve"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                await asyncio.sleep(0.2)

            products = await client.get("/api/v1/products")
            assert products.status_code == 200
            assert products.json()["items"] == []  # no demo catalog
            for path in ("/docs", "/redoc", "/openapi.json"):
                assert (await client.get(path)).status_code == 404, path
            for path in ("/_sim/sms/last-code?phone=13800000000", "/_sim/wechatpay/pay"):
                assert (await client.get(path)).status_code == 404, path
            # Metrics only for the allowed networks (loopback by default: this client).
            assert (await client.get("/metrics")).status_code == 200
            headers = (await client.get("/healthz")).headers
            assert headers["x-content-type-options"] == "nosniff"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        await _forget_keys(env["SHOPLET_REDIS_PREFIX"])


async def _forget_keys(prefix: str) -> None:
    """The server's job leases and event stream live under its own prefix: removed with it."""
    assert REDIS_URL
    redis = Redis.from_url(REDIS_URL)
    try:
        async for key in redis.scan_iter(match=f"{prefix}*", count=500):
            await redis.unlink(key)
    finally:
        await redis.aclose()


def test_make_run_in_production_migrates_and_serves_without_demo_data(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPLET_", "MAKE"))}
    env.update({"SHOPLET_ENV": "production", "SHOPLET_DATA_DIR": str(tmp_path / "var")})
    venv = Path(sys.prefix)
    # -n: print the plan; recursive makes run (with -n too), nothing is built or served.
    plan = subprocess.run(
        ["make", "-n", "-o", f"{venv}/.installed", "run", f"VENV={venv}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert plan.returncode == 0, plan.stderr
    assert "check-config" in plan.stdout
    assert "shoplet migrate" in plan.stdout
    assert "shoplet seed" not in plan.stdout
    assert "--demo-history" not in plan.stdout
    assert f"{venv}/bin/shoplet serve" in plan.stdout

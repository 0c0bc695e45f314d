"""Production-like settings for tests: the one place to adapt when production validation changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shoplet.core.settings import Settings
from tests.conftest import BackendDb, make_settings

# Load balancers in the production-like tests; clients use other addresses.
TRUSTED_PROXIES = "10.9.0.0/16"


def production_settings(db: BackendDb, data_dir: Path, **overrides: Any) -> Settings:
    """``env=production`` with what production requires (no WeChat Pay credentials: payments
    are unconfigured unless a test passes them)."""
    values: dict[str, Any] = {
        "env": "production",
        "wechat_api_base": "https://api.weixin.qq.com",
        "trusted_proxies": [TRUSTED_PROXIES],
    }
    values.update(overrides)
    return make_settings(db, data_dir, **values)

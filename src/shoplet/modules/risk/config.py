"""Risk settings: pydantic-settings with the ``SHOPLET_RISK_`` prefix.

``mode``: ``enforce`` (default) refuses blocked and challenged actions; ``monitor`` assesses and
logs every decision but refuses nothing (try new rules on live traffic first); ``off`` skips
the engine. ``ip_region_db``: the ip2region xdb file for impossible travel ("" → the one that
ships with Shoplet's dependencies, ``off`` → none; iplocation.py). ``risk_settings(ctx)``
reads them once per process context; ``use_settings`` replaces
them (tests, scripts).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shoplet.core.context import AppContext

_KEY = "risk.settings"


class RiskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPLET_RISK_", env_file=".env", extra="ignore")

    mode: Literal["enforce", "monitor", "off"] = "enforce"
    ip_region_db: str = ""
    # The share of allowed shopper actions kept as ordinary traffic for the anomaly model.
    sample_rate: float = Field(default=0.05, ge=0.0, le=1.0)


def risk_settings(ctx: AppContext) -> RiskSettings:
    found = ctx.extras.get(_KEY)
    if not isinstance(found, RiskSettings):
        found = ctx.extras[_KEY] = RiskSettings()
    return found


def use_settings(ctx: AppContext, **overrides: Any) -> RiskSettings:
    settings = RiskSettings(**overrides)
    ctx.extras[_KEY] = settings
    return settings

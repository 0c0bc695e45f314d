"""Flash-sale settings: pydantic-settings with the ``SHOPLET_FLASHSALE_`` prefix.

Kept in the module (not ``core.settings``) because nothing else needs them; ``flash_settings(ctx)``
reads them once per process context. Tests replace them with ``use_settings(ctx, ...)``.
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from shoplet.core.context import AppContext

_KEY = "flashsale.settings"


class FlashSaleSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPLET_FLASHSALE_", env_file=".env", extra="ignore"
    )

    # Campaign stock and metadata go to Redis (and the edges' L1) this long before the start.
    warm_lead_seconds: int = 600
    # Buy tokens are issued from this long before the start until the end; each lives this long.
    token_lead_seconds: int = 300
    token_ttl_seconds: int = 600
    # Edits close when buy tokens open: shoppers never see a campaign change under them.

    # Buy attempts per shopper / per client IP in one window, counted inside the buy script (one
    # Redis round trip). IPs are generous: many shoppers share a carrier-grade NAT address.
    buy_per_member: int = 5
    buy_per_ip: int = 200
    buy_window_ms: int = 1000
    # ctx.limiter specs (moving windows) for issuing buy tokens, and for ticket look-ups.
    issue_per_member_limit: str = "10/minute"
    issue_per_ip_limit: str = "300/minute"
    ticket_per_member_limit: str = "120/minute"

    # Risk score (0..100+): at or above the threshold a buy token needs a challenge answered.
    challenge_ttl_seconds: int = 120

    # Order consumers (Redis Streams consumer group, run by the worker's scheduler).
    consume_batch: int = 50
    consume_concurrency: int = 8
    consume_block_ms: int = 200
    # One job run consumes until the stream stays empty, or for at most this long.
    consume_budget_seconds: float = 20.0
    # Entries a dead consumer left pending this long are claimed by a live one.
    claim_idle_ms: int = 30_000

    # An ended campaign is settled (unsold units back to free stock) once its stream is drained
    # and this long has passed; Redis keys are kept this long after that (ticket look-ups).
    settle_grace_seconds: int = 5
    retention_seconds: int = 3 * 24 * 3600
    # The edges keep campaign metadata in process this long (pub/sub invalidates it sooner).
    local_info_ttl_seconds: float = 5.0
    # The hot path's own Redis pool (redis-py's default stops at 100 connections). A command
    # holds a connection for about a tenth of a millisecond, so this is only reached when Redis
    # stalls: then buys are shed with 503 ``flashsale.busy`` rather than queued.
    redis_pool_size: int = 1000
    # Requests this far before the start or after the end are refused without Redis; closer
    # ones are decided by Redis's clock (the buy script), the single authority.
    clock_tolerance_ms: int = 1000


def flash_settings(ctx: AppContext) -> FlashSaleSettings:
    found = ctx.extras.get(_KEY)
    if not isinstance(found, FlashSaleSettings):
        found = ctx.extras[_KEY] = FlashSaleSettings()
    return found


def use_settings(ctx: AppContext, **overrides: Any) -> FlashSaleSettings:
    """Replace this context's flash-sale settings (tests, scripts)."""
    settings = FlashSaleSettings(**overrides)
    ctx.extras[_KEY] = settings
    return settings

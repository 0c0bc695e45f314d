"""The merchant's shipping rules: one row in ``checkout_shipping_rules`` (models.py, queried in
repository.py), defaults when absent.

``get_shipping_rules`` feeds :func:`shoplet.modules.checkout.pricing.price`;
``update_shipping_rules`` is what the console's settings page calls. Both run in the caller's
transaction (flush only).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any, Final

import orjson
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit, read_through
from shoplet.core.db import utcnow
from shoplet.core.schemas import RequestModel, ResponseModel
from shoplet.modules.checkout import repository as repo
from shoplet.modules.checkout.errors import InvalidShippingRules
from shoplet.modules.checkout.pricing import ShippingRules

MAX_FEE = 1_000_000  # ¥10,000: anything above is a typo, not a shipping fee
MAX_THRESHOLD = 100_000_000  # ¥1,000,000
MAX_REGION_FEES = 500
REGION_PREFIX = re.compile(r"^[0-9]{2,6}$")

__all__ = [
    "InvalidShippingRules",
    "ShippingRulesUpdate",
    "ShippingRulesView",
    "get_shipping_rules",
    "shipping_rules_view",
    "update_shipping_rules",
]


Fee = Annotated[int, Field(ge=0, le=MAX_FEE, description="fen")]


class ShippingRulesUpdate(RequestModel):
    """Request body for the console: the complete rules (they replace the current ones)."""

    flat_fee: Fee
    free_threshold: Annotated[int, Field(ge=0, le=MAX_THRESHOLD)] | None = Field(
        description="items total (after discounts, fen) from which shipping is free; null: never"
    )
    region_fees: dict[Annotated[str, Field(pattern=r"^[0-9]{2,6}$")], Fee] = Field(
        default_factory=dict,
        max_length=MAX_REGION_FEES,
        description="region-code prefix (2-6 digits) -> fee replacing flat_fee; longest wins",
    )

    def to_rules(self) -> ShippingRules:
        return ShippingRules(
            flat_fee=self.flat_fee,
            free_threshold=self.free_threshold,
            region_fees=dict(self.region_fees),
        )


class ShippingRulesView(ResponseModel):
    flat_fee: int
    free_threshold: int | None
    region_fees: dict[str, int]


def shipping_rules_view(rules: ShippingRules) -> ShippingRulesView:
    return ShippingRulesView(
        flat_fee=rules.flat_fee,
        free_threshold=rules.free_threshold,
        region_fees=dict(sorted(rules.region_fees.items())),
    )


def validate_shipping_rules(rules: ShippingRules) -> None:
    """Raise :class:`InvalidShippingRules` (400) unless every fee and prefix is sane."""
    if not _is_fen(rules.flat_fee, MAX_FEE):
        raise InvalidShippingRules(f"flat_fee must be an integer 0..{MAX_FEE} fen")
    if rules.free_threshold is not None and not _is_fen(rules.free_threshold, MAX_THRESHOLD):
        raise InvalidShippingRules(f"free_threshold must be null or 0..{MAX_THRESHOLD} fen")
    if len(rules.region_fees) > MAX_REGION_FEES:
        raise InvalidShippingRules(f"at most {MAX_REGION_FEES} region fees")
    for prefix, fee in rules.region_fees.items():
        if not isinstance(prefix, str) or not REGION_PREFIX.fullmatch(prefix):
            raise InvalidShippingRules(
                f"region prefix {prefix!r} must be 2-6 digits of a region code", region=prefix
            )
        if not _is_fen(fee, MAX_FEE):
            raise InvalidShippingRules(
                f"fee for region {prefix} must be an integer 0..{MAX_FEE} fen", region=prefix
            )


def _is_fen(value: Any, upper: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= upper


# Read by every preview and order: cached per process, dropped in every process on a save.
CACHE_RULES: Final = "checkout_shipping"
RULES_KEY: Final = "rules"
RULES_TTL: Final = 60.0


async def _rules_body(session: AsyncSession) -> bytes:
    rules = await _read_shipping_rules(session)
    return orjson.dumps([rules.flat_fee, rules.free_threshold, dict(rules.region_fees)])


@lru_cache(maxsize=4)
def _parse_rules(body: bytes) -> ShippingRules:
    flat_fee, free_threshold, region_fees = orjson.loads(body)
    return ShippingRules(
        flat_fee=flat_fee, free_threshold=free_threshold, region_fees=dict(region_fees)
    )


async def get_shipping_rules(session: AsyncSession) -> ShippingRules:
    """The merchant's rules, or the defaults (¥8 flat, free from ¥99) before any were saved;
    through the process's cache (``update_shipping_rules`` drops it everywhere on commit)."""
    body = await read_through(session, CACHE_RULES, RULES_KEY, _rules_body, ttl=RULES_TTL)
    return _parse_rules(body)


async def _read_shipping_rules(session: AsyncSession) -> ShippingRules:
    row = await repo.get_shipping_rules_row(session)
    if row is None:
        return ShippingRules()
    flat_fee, free_threshold, region_fees = row
    return ShippingRules(
        flat_fee=flat_fee,
        free_threshold=free_threshold,
        region_fees={str(k): int(v) for k, v in (region_fees or {}).items()},
    )


async def update_shipping_rules(
    session: AsyncSession, rules: ShippingRules, *, actor: str
) -> ShippingRules:
    """Replace the rules (validated first: nothing is written when they are refused)."""
    validate_shipping_rules(rules)
    values: dict[str, Any] = {
        "flat_fee": rules.flat_fee,
        "free_threshold": rules.free_threshold,
        "region_fees": dict(sorted(rules.region_fees.items())),
        "updated_at": utcnow(),
        "updated_by": actor[:100],
    }
    await repo.upsert_shipping_rules(session, values)
    invalidate_after_commit(session, CACHE_RULES, RULES_KEY)
    return ShippingRules(
        flat_fee=rules.flat_fee,
        free_threshold=rules.free_threshold,
        region_fees=dict(values["region_fees"]),
    )

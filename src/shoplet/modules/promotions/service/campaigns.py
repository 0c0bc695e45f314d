"""Store-wide promotions in the console: validation, drafts, activation and stop, the stacking
policy, and reading a stored rule (checkout's side and the sample-cart preview:
``applying.py``; the product page's tags: ``tags.py``)."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions import stacking
from shoplet.modules.promotions.errors import (
    InvalidPolicy,
    InvalidPromotion,
    PromotionNotEditable,
    PromotionNotFound,
)
from shoplet.modules.promotions.models import Promotion as PromotionRow
from shoplet.modules.promotions.schemas import (
    Policy,
    PolicyUpdate,
    PromotionCreate,
    PromotionOut,
)

from ._common import MAX_FEN, rules_changed

log = structlog.get_logger("shoplet.promotions")

BROKEN_LABEL = "配置无效"
MAX_UNITS_PER_SHOPPER = 999
MAX_REPEATS = 1000
STACKING_ORDER = ["sku_discount", "bundle | buy_n_get_m | full_reduction", "coupon"]

# -- validation ------------------------------------------------------------------------------


def _unused(body: PromotionCreate, *fields: str) -> None:
    defaults: dict[str, Any] = {
        "tiers": [],
        "repeat": False,
        "max_repeats": None,
        "sku_prices": [],
        "per_shopper_limit": None,
        "buy_n": None,
        "get_m": None,
        "rate_permille": None,
        "product_ids": [],
        "bundle_price": None,
        "amount_off": None,
    }
    for name in fields:
        if getattr(body, name) != defaults[name]:
            raise InvalidPromotion(f"{name} is not used by a {body.kind} promotion", field=name)


def _check_scope(body: PromotionCreate) -> None:
    if body.kind in ("sku_discount", "bundle"):
        if body.scope != "all" or body.scope_ids:
            raise InvalidPromotion(f"a {body.kind} promotion lists its items itself", field="scope")
    elif (body.scope == "all") != (not body.scope_ids):
        raise InvalidPromotion(
            "scope_ids: empty for scope all, the product or category ids otherwise",
            field="scope_ids",
        )


def _check_full_reduction(body: PromotionCreate) -> None:
    _unused(body, "sku_prices", "per_shopper_limit", "buy_n", "get_m", "rate_permille")
    _unused(body, "product_ids", "bundle_price", "amount_off")
    if not body.tiers:
        raise InvalidPromotion("a full reduction needs at least one tier", field="tiers")
    for tier in body.tiers:
        if not 1 <= tier.threshold <= MAX_FEN or not 1 <= tier.amount <= tier.threshold:
            raise InvalidPromotion(
                "each tier: threshold 1..10000000000 fen, amount 1..threshold", field="tiers"
            )
    ordered = sorted(body.tiers, key=lambda t: t.threshold)
    for lower, upper in pairwise(ordered):
        if lower.threshold == upper.threshold or lower.amount >= upper.amount:
            raise InvalidPromotion(
                "tiers: distinct thresholds, a higher threshold takes off more", field="tiers"
            )
    if body.repeat and len(body.tiers) != 1:
        raise InvalidPromotion("每满 (repeat) takes exactly one tier", field="tiers")
    if body.max_repeats is not None and (
        not body.repeat or not 1 <= body.max_repeats <= MAX_REPEATS
    ):
        raise InvalidPromotion("max_repeats: 1..1000, with repeat only", field="max_repeats")


async def _check_sku_discount(session: AsyncSession, body: PromotionCreate) -> dict[int, int]:
    _unused(body, "tiers", "repeat", "max_repeats", "buy_n", "get_m", "rate_permille")
    _unused(body, "product_ids", "bundle_price", "amount_off")
    if not body.sku_prices:
        raise InvalidPromotion("a SKU discount lists at least one SKU", field="sku_prices")
    if len({e.sku_id for e in body.sku_prices}) != len(body.sku_prices):
        raise InvalidPromotion("a SKU is listed twice", field="sku_prices")
    snapshots = await catalog.get_sku_snapshots(session, [e.sku_id for e in body.sku_prices])
    for entry in body.sku_prices:
        snap = snapshots.get(entry.sku_id)
        if snap is None:
            raise InvalidPromotion(f"SKU {entry.sku_id} does not exist", field="sku_prices")
        if (entry.rate_permille is None) == (entry.price is None):
            raise InvalidPromotion(
                "each SKU: rate_permille (1..999) or price, not both", field="sku_prices"
            )
        if entry.rate_permille is not None and not 1 <= entry.rate_permille <= 999:
            raise InvalidPromotion("rate_permille must be 1..999 (800 = 8折)", field="sku_prices")
        if entry.price is not None and not 0 <= entry.price < snap.price:
            raise InvalidPromotion(
                f"SKU {entry.sku_id}: the price must be below its price now", field="sku_prices"
            )
    if body.per_shopper_limit is not None and not (
        1 <= body.per_shopper_limit <= MAX_UNITS_PER_SHOPPER
    ):
        raise InvalidPromotion("per_shopper_limit must be 1..999 units", field="per_shopper_limit")
    return {sku_id: snap.product_id for sku_id, snap in snapshots.items()}


def _check_buy_n_get_m(body: PromotionCreate) -> None:
    _unused(body, "tiers", "repeat", "max_repeats", "sku_prices", "per_shopper_limit")
    _unused(body, "product_ids", "bundle_price", "amount_off")
    if body.buy_n is None or not 2 <= body.buy_n <= 100:
        raise InvalidPromotion("buy_n must be 2..100", field="buy_n")
    if (body.get_m is None) == (body.rate_permille is None):
        raise InvalidPromotion("give get_m (买N免M) or rate_permille (第N件X折)", field="get_m")
    if body.get_m is not None and not 1 <= body.get_m < body.buy_n:
        raise InvalidPromotion("get_m must be 1..buy_n-1", field="get_m")
    if body.rate_permille is not None and not 0 <= body.rate_permille <= 999:
        raise InvalidPromotion("rate_permille must be 0..999", field="rate_permille")


def _check_bundle(body: PromotionCreate) -> None:
    _unused(body, "tiers", "repeat", "max_repeats", "sku_prices", "per_shopper_limit")
    _unused(body, "buy_n", "get_m", "rate_permille")
    if not 2 <= len(set(body.product_ids)) == len(body.product_ids):
        raise InvalidPromotion("a bundle lists 2..10 distinct products", field="product_ids")
    if (body.bundle_price is None) == (body.amount_off is None):
        raise InvalidPromotion("give bundle_price or amount_off", field="bundle_price")
    for name in ("bundle_price", "amount_off"):
        value = getattr(body, name)
        if value is not None and not 1 <= value <= MAX_FEN:
            raise InvalidPromotion(f"{name} must be 1..10000000000 fen", field=name)


async def check_promotion(
    session: AsyncSession, body: PromotionCreate, now: datetime
) -> dict[str, Any]:
    """Validate ``body`` (400 ``promotions.invalid_promotion`` naming the ``field``): the
    stored ``config``."""
    if body.ends_at <= body.starts_at:
        raise InvalidPromotion("ends_at must be after starts_at", field="ends_at")
    if body.ends_at <= now:
        raise InvalidPromotion("ends_at is in the past", field="ends_at")
    _check_scope(body)
    products: dict[int, int] = {}
    if body.kind == "full_reduction":
        _check_full_reduction(body)
    elif body.kind == "sku_discount":
        products = await _check_sku_discount(session, body)
    elif body.kind == "buy_n_get_m":
        _check_buy_n_get_m(body)
    else:
        _check_bundle(body)
    return {
        "tiers": [[t.threshold, t.amount] for t in sorted(body.tiers, key=lambda t: t.threshold)],
        "repeat": body.repeat,
        "max_repeats": body.max_repeats,
        "sku_prices": [
            {
                "sku_id": e.sku_id,
                "product_id": products.get(e.sku_id),
                "rate_permille": e.rate_permille,
                "price": e.price,
            }
            for e in sorted(body.sku_prices, key=lambda e: e.sku_id)
        ],
        "buy_n": body.buy_n,
        "get_m": body.get_m,
        "rate_permille": body.rate_permille,
        "product_ids": sorted(body.product_ids),
        "bundle_price": body.bundle_price,
        "amount_off": body.amount_off,
    }


# -- rows and rules --------------------------------------------------------------------------


class BrokenRuleError(ValueError):
    """A stored promotion whose config cannot be read (edited by hand, or by a bad migration)."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BrokenRuleError(f"not an integer: {value!r}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _ints(values: Any) -> tuple[int, ...]:
    if not isinstance(values, list):
        raise BrokenRuleError(f"not a list: {values!r}")
    return tuple(_int(v) for v in values)


def _tier(pair: Any) -> tuple[int, int]:
    threshold, amount = _ints(pair)
    return threshold, amount


def _sku_price(e: Any) -> stacking.SkuPrice:
    if not isinstance(e, dict):
        raise BrokenRuleError(f"not a SKU price: {e!r}")
    return stacking.SkuPrice(
        sku_id=_int(e.get("sku_id")),
        rate_permille=_opt_int(e.get("rate_permille")),
        price=_opt_int(e.get("price")),
    )


def rule_of(row: PromotionRow, *, allowance: int | None = None) -> stacking.Promotion:
    """The row as a rule; ``BrokenRuleError`` when its stored config has the wrong shape (the
    save validates every config, so only a hand edit gets here: see ``parse_rule``)."""
    c = row.config
    if not isinstance(c, dict):
        raise BrokenRuleError("the config is not an object")
    sku_prices = c.get("sku_prices", [])
    if not isinstance(sku_prices, list):
        raise BrokenRuleError("sku_prices is not a list")
    tiers = c.get("tiers", [])
    if not isinstance(tiers, list):
        raise BrokenRuleError("tiers is not a list")
    rule = stacking.Promotion(
        id=row.id,
        name=row.name,
        kind=row.kind,
        scope=row.scope,
        scope_ids=_ints(list(row.scope_ids)),
        tiers=tuple(_tier(t) for t in tiers),
        repeat=bool(c.get("repeat", False)),
        max_repeats=_opt_int(c.get("max_repeats")),
        sku_prices=tuple(_sku_price(e) for e in sku_prices),
        buy_n=_opt_int(c.get("buy_n")) or 0,
        get_m=_opt_int(c.get("get_m")) or 0,
        rate_permille=_opt_int(c.get("rate_permille")),
        product_ids=_ints(c.get("product_ids", [])),
        bundle_price=_opt_int(c.get("bundle_price")),
        amount_off=_opt_int(c.get("amount_off")),
        per_shopper_limit=row.per_shopper_limit,
        allowance=allowance,
    )
    _check_shape(rule)
    return rule


def _check_shape(rule: stacking.Promotion) -> None:
    """What each kind cannot work without (the planner would fail on it at checkout)."""
    if rule.kind == "full_reduction":
        ok = bool(rule.tiers) and all(1 <= a <= t for t, a in rule.tiers)
    elif rule.kind == "sku_discount":
        ok = bool(rule.sku_prices) and all(
            (e.rate_permille is None) != (e.price is None) for e in rule.sku_prices
        )
    elif rule.kind == "buy_n_get_m":
        ok = rule.buy_n >= 2 and (rule.get_m >= 1) != (rule.rate_permille is not None)
    elif rule.kind == "bundle":
        ok = len(rule.product_ids) >= 2 and (rule.bundle_price is None) != (rule.amount_off is None)
    else:
        ok = False
    if not ok:
        raise BrokenRuleError(f"a {rule.kind} rule missing what it needs")
    stacking.label(rule)


def parse_rule(row: PromotionRow) -> stacking.Promotion | None:
    """``rule_of``, or None (logged) for a broken stored config: checkout, the product tags
    and the preview skip that promotion rather than fail every request."""
    try:
        return rule_of(row)
    except (BrokenRuleError, KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        log.error("promotions.rule_broken", promotion_id=row.id, kind=row.kind, error=str(exc))
        return None


def _view(row: PromotionRow) -> PromotionOut:
    rule = parse_rule(row)
    # A broken config is shown as such (staff stop it and create it again), not as a 500.
    c = row.config if rule is not None else {}
    return PromotionOut.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "kind": row.kind,
            "label": stacking.label(rule) if rule is not None else BROKEN_LABEL,
            "status": row.status,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "scope": row.scope,
            "scope_ids": list(row.scope_ids),
            "tiers": [{"threshold": t, "amount": a} for t, a in c.get("tiers", [])],
            "repeat": c.get("repeat", False),
            "max_repeats": c.get("max_repeats"),
            "sku_prices": [
                {"sku_id": e["sku_id"], "rate_permille": e["rate_permille"], "price": e["price"]}
                for e in c.get("sku_prices", [])
            ],
            "per_shopper_limit": row.per_shopper_limit,
            "buy_n": c.get("buy_n"),
            "get_m": c.get("get_m"),
            "rate_permille": c.get("rate_permille"),
            "product_ids": c.get("product_ids", []),
            "bundle_price": c.get("bundle_price"),
            "amount_off": c.get("amount_off"),
            "created_by": row.created_by,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


async def _row(session: AsyncSession, promotion_id: int) -> PromotionRow:
    row = await repo.get_promotion(session, promotion_id)
    if row is None:
        raise PromotionNotFound(promotion_id=promotion_id)
    return row


def _values(body: PromotionCreate, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": body.name,
        "kind": body.kind,
        "scope": body.scope,
        "scope_ids": sorted(set(body.scope_ids)),
        "config": config,
        "per_shopper_limit": body.per_shopper_limit,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
    }


# -- console ---------------------------------------------------------------------------------


async def create_promotion(
    session: AsyncSession, body: PromotionCreate, *, actor: str
) -> PromotionOut:
    """A draft promotion; nothing applies until it is activated."""
    now = utcnow()
    config = await check_promotion(session, body, now)
    promotion_id = await repo.insert_promotion(
        session,
        {
            **_values(body, config),
            "status": "draft",
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
        },
    )
    return _view(await _row(session, promotion_id))


async def update_promotion(
    session: AsyncSession, promotion_id: int, body: PromotionCreate
) -> PromotionOut:
    now = utcnow()
    await _row(session, promotion_id)
    config = await check_promotion(session, body, now)
    if not await repo.update_promotion_if(
        session, promotion_id, "draft", {**_values(body, config), "updated_at": now}
    ):
        raise PromotionNotEditable("only a draft promotion can be edited")
    return _view(await _row(session, promotion_id))


async def set_promotion_status(
    session: AsyncSession, promotion_id: int, status: str
) -> PromotionOut:
    """draft -> active (applies from ``starts_at`` to ``ends_at``), active -> stopped."""
    await _row(session, promotion_id)
    expected = {"active": "draft", "stopped": "active"}[status]
    if not await repo.update_promotion_if(
        session, promotion_id, expected, {"status": status, "updated_at": utcnow()}
    ):
        raise PromotionNotEditable(f"only a {expected} promotion can become {status}")
    rules_changed(session)
    return _view(await _row(session, promotion_id))


async def get_promotion(session: AsyncSession, promotion_id: int) -> PromotionOut:
    return _view(await _row(session, promotion_id))


async def list_promotions(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[PromotionOut], str | None]:
    rows = await repo.list_promotions(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [_view(r) for r in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None


# -- policy ----------------------------------------------------------------------------------


async def policy_terms(session: AsyncSession) -> stacking.Policy:
    row = await repo.get_policy(session)
    if row is None:
        return stacking.Policy()
    return stacking.Policy(
        sku_discount_stacks=row.sku_discount_stacks,
        combine_order_level=row.combine_order_level,
        max_discount_permille=row.max_discount_permille,
    )


async def get_policy(session: AsyncSession) -> Policy:
    row = await repo.get_policy(session)
    terms = await policy_terms(session)
    return Policy(
        sku_discount_stacks=terms.sku_discount_stacks,
        combine_order_level=terms.combine_order_level,
        max_discount_permille=terms.max_discount_permille,
        order=STACKING_ORDER,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


async def update_policy(session: AsyncSession, body: PolicyUpdate, *, actor: str) -> Policy:
    cap = body.max_discount_permille
    if cap is not None and not 1 <= cap <= 1000:
        raise InvalidPolicy(
            "max_discount_permille must be 1..1000 (500 = at most half off)",
            field="max_discount_permille",
        )
    await repo.save_policy(
        session,
        {
            "sku_discount_stacks": body.sku_discount_stacks,
            "combine_order_level": body.combine_order_level,
            "max_discount_permille": cap,
            "updated_at": utcnow(),
            "updated_by": actor,
        },
    )
    rules_changed(session)
    return await get_policy(session)

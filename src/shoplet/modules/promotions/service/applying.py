"""Store-wide promotions at checkout: the plan of a cart (``stacking.plan`` with the running
promotions, the store's policy and the shopper's per-shopper allowances, the coupon on top),
the snapshot of the applied rules on an order, giving the per-shopper units back when the order
is cancelled or fully refunded, an order's per-line allocation for after-sales, and the
console editor's sample-cart preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import read_through
from shoplet.core.db import utcnow
from shoplet.modules.catalog import public as catalog
from shoplet.modules.members import public as members
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions import rules, stacking
from shoplet.modules.promotions.errors import InvalidPromotion, PromotionLimitReached
from shoplet.modules.promotions.models import Promotion as PromotionRow
from shoplet.modules.promotions.schemas import (
    AppliedPromotion,
    PreviewLineOut,
    PreviewRequest,
    PromotionPreview,
)

from ._common import CACHE_RULES, RULES_KEY, RULES_TTL
from .campaigns import check_promotion, parse_rule, policy_terms, rule_of
from .redeeming import WalletEntry

# -- the live rules, cached ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveRules:
    """The stacking policy and every active promotion not over yet, with its window."""

    policy: stacking.Policy
    promotions: tuple[tuple[datetime, datetime, stacking.Promotion], ...]

    def running(self, now: datetime) -> list[stacking.Promotion]:
        return [p for starts, ends, p in self.promotions if starts <= now < ends]


async def _load_live(session: AsyncSession) -> bytes:
    policy = await policy_terms(session)
    rows = await repo.live_promotions(session, utcnow())
    return orjson.dumps(
        {
            "policy": [
                policy.sku_discount_stacks,
                policy.combine_order_level,
                policy.max_discount_permille,
            ],
            "promotions": [
                {
                    "starts_at": r.starts_at,
                    "ends_at": r.ends_at,
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "scope": r.scope,
                    "scope_ids": r.scope_ids,
                    "config": r.config,
                    "per_shopper_limit": r.per_shopper_limit,
                }
                for r in rows
            ],
        }
    )


@lru_cache(maxsize=4)
def _parse_live(body: bytes) -> LiveRules:
    """Parsed once per cached body: the hits of one process share the rules. A promotion whose
    stored config is broken is left out (logged once per body by ``parse_rule``)."""
    data = orjson.loads(body)
    stacks, combine, cap = data["policy"]
    promotions = []
    for p in data["promotions"]:
        rule = parse_rule(PromotionRow(**{k: v for k, v in p.items() if not k.endswith("_at")}))
        if rule is not None:
            promotions.append(
                (datetime.fromisoformat(p["starts_at"]), datetime.fromisoformat(p["ends_at"]), rule)
            )
    return LiveRules(
        policy=stacking.Policy(
            sku_discount_stacks=stacks, combine_order_level=combine, max_discount_permille=cap
        ),
        promotions=tuple(promotions),
    )


async def live_rules(session: AsyncSession) -> LiveRules:
    """The policy and the live promotions: from the process's cache (``CACHE_RULES``, dropped
    in every process when a promotion starts or stops or the policy is saved), or read."""
    body = await read_through(session, CACHE_RULES, RULES_KEY, _load_live, ttl=RULES_TTL)
    return _parse_live(body)


# -- checkout --------------------------------------------------------------------------------


async def running_rules(
    session: AsyncSession, member_id: int | None, live: LiveRules | None = None
) -> list[stacking.Promotion]:
    """The running promotions, each limited one with what ``member_id`` may still buy."""
    live = live or await live_rules(session)
    rules_now = live.running(utcnow())
    limited = [p.id for p in rules_now if p.per_shopper_limit is not None]
    used = await repo.used_units(session, member_id, limited) if member_id and limited else {}
    return [
        replace(p, allowance=max(p.per_shopper_limit - used.get(p.id, 0), 0))
        if p.per_shopper_limit is not None
        else p
        for p in rules_now
    ]


class _CouponLines:
    """The cart as a coupon sees it after some promotions ({sku_id: fen left} → ``CartLine``s),
    made once per distinct remainder and shared by every coupon of the wallet."""

    def __init__(self, cart: Sequence[stacking.Line]) -> None:
        self.cart = cart
        self.made: dict[tuple[int, ...], list[rules.CartLine]] = {}

    def __call__(self, left: Mapping[int, int]) -> list[rules.CartLine]:
        totals = tuple(left.get(line.sku_id, line.total) for line in self.cart)
        lines = self.made.get(totals)
        if lines is None:
            lines = self.made[totals] = [
                rules.CartLine(
                    sku_id=line.sku_id,
                    product_id=line.product_id,
                    category_id=line.category_id,
                    line_total=total,
                )
                for line, total in zip(self.cart, totals, strict=True)
            ]
        return lines


def _coupon_offer(
    entry: WalletEntry, cart: _CouponLines, shipping_fee: int, now: datetime
) -> stacking.CouponOffer:
    """The coupon priced on what the promotions left of each line."""

    def offer(left: Mapping[int, int]) -> tuple[int, frozenset[int] | None, int] | None:
        result = rules.evaluate(
            entry.rule,
            cart(left),
            valid_from=entry.coupon.valid_from,
            valid_to=entry.coupon.valid_to,
            state="unused",
            now=now,
            shipping_fee=shipping_fee,
            is_new_customer=True,
        )
        if isinstance(result, rules.Refusal):
            return None
        return result.amount, result.sku_ids, result.shipping_off

    return stacking.CouponOffer(
        id=entry.coupon.id, stackable=entry.rule.stackable_with_promotions, offer=offer
    )


@dataclass(frozen=True, slots=True)
class CartPlan:
    """A cart's plan (``stacking.Plan``), the coupon it applies, and the rules it used."""

    plan: stacking.Plan
    coupon: WalletEntry | None
    rules: tuple[stacking.Promotion, ...]

    @property
    def applied(self) -> list[AppliedPromotion]:
        return applied_promotions(self.plan)


def applied_promotions(plan: stacking.Plan) -> list[AppliedPromotion]:
    return [
        AppliedPromotion(
            id=s.id,
            name=s.name,
            kind=s.kind,
            label=s.label,
            saving=s.saving,
            trimmed=s.trimmed,
            lines=dict(s.lines),
        )
        for s in plan.promotion_steps
    ]


async def plan_cart(
    session: AsyncSession,
    *,
    member_id: int | None,
    lines: Sequence[stacking.Line],
    coupons: Sequence[WalletEntry],
    coupon_forced: bool,
    shipping_fee: int,
    base: Mapping[int, int] | None = None,
) -> CartPlan:
    """The best plan for ``lines``: the running promotions under the store's policy and the
    best of ``coupons`` (usable entries of the wallet) on top, or ``coupons``' one entry the
    shopper picked (``coupon_forced``); ``base``: fen the member price took off each line
    first (see ``stacking.plan``). Reads only."""
    live = await live_rules(session)
    running = await running_rules(session, member_id, live)
    policy = live.policy
    now = utcnow()
    cart = _CouponLines(lines)
    offers = [_coupon_offer(e, cart, shipping_fee, now) for e in coupons if e.offer is not None]
    plan = stacking.plan(
        lines, running, policy, coupons=offers, coupon_forced=coupon_forced, base=base
    )
    coupon = next((e for e in coupons if e.coupon.id == plan.coupon_id), None)
    return CartPlan(plan=plan, coupon=coupon, rules=tuple(running))


async def record_order_rules(
    session: AsyncSession, *, member_id: int, order_no: str, cart: CartPlan
) -> None:
    """Snapshot each applied promotion on ``order_no`` and count its units against the
    shopper's limit (409 ``promotions.promotion_limit_reached`` when another order took them
    first: the caller's transaction rolls back)."""
    await members.hold_member(session, member_id)
    now = utcnow()
    by_id = {r.id: r for r in cart.rules}
    rows = []
    for seq, step in enumerate(cart.plan.promotion_steps, start=1):
        rule = by_id[step.id]
        if rule.per_shopper_limit is not None and step.units > 0:
            taken = await repo.take_units(
                session,
                promotion_id=step.id,
                member_id=member_id,
                units=step.units,
                limit=rule.per_shopper_limit,
                now=now,
            )
            if not taken:
                raise PromotionLimitReached(promotion_id=step.id)
        rows.append(
            {
                "order_no": order_no,
                "promotion_id": step.id,
                "member_id": member_id,
                "seq": seq,
                "rule": _snapshot(rule),
                "label": step.label,
                "saving": step.saving,
                "trimmed": step.trimmed,
                "units": step.units,
                "line_discounts": {str(k): v for k, v in sorted(step.lines.items())},
                "created_at": now,
                "returned_at": None,
            }
        )
    await repo.insert_order_rules(session, rows)


def _snapshot(rule: stacking.Promotion) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "scope": rule.scope,
        "scope_ids": list(rule.scope_ids),
        "tiers": [list(t) for t in rule.tiers],
        "repeat": rule.repeat,
        "max_repeats": rule.max_repeats,
        "sku_prices": [
            {"sku_id": e.sku_id, "rate_permille": e.rate_permille, "price": e.price}
            for e in rule.sku_prices
        ],
        "buy_n": rule.buy_n,
        "get_m": rule.get_m,
        "rate_permille": rule.rate_permille,
        "product_ids": list(rule.product_ids),
        "bundle_price": rule.bundle_price,
        "amount_off": rule.amount_off,
        "per_shopper_limit": rule.per_shopper_limit,
    }


async def give_back_units(session: AsyncSession, order_no: str) -> None:
    """``order.cancelled`` / ``order.refunded`` (full): the order's rules are marked returned
    and their units no longer count against the shopper's limits. Idempotent: the rows are
    marked once (``WHERE returned_at IS NULL``)."""
    now = utcnow()
    for promotion_id, member_id, units in await repo.return_order_rules(session, order_no, now):
        if units > 0:
            await repo.give_back_units(
                session, promotion_id=promotion_id, member_id=member_id, units=units, now=now
            )


async def order_allocation(session: AsyncSession, order_no: str) -> list[AppliedPromotion]:
    """Every rule applied to ``order_no`` in order, promotions then the coupon (kind
    ``coupon``, id the coupon's), each with its per-line discount ({sku_id: fen})."""
    out = [
        AppliedPromotion(
            id=r.promotion_id,
            name=str(r.rule.get("name", "")),
            kind=str(r.rule.get("kind", "")),
            label=r.label,
            saving=r.saving,
            trimmed=r.trimmed,
            lines={int(k): int(v) for k, v in r.line_discounts.items()},
        )
        for r in await repo.order_rules(session, order_no)
    ]
    redemption = await repo.get_redemption(session, order_no)
    if redemption is not None and redemption.discount > 0:
        out.append(
            AppliedPromotion(
                id=redemption.coupon_id,
                name=str(redemption.rule.get("name", "")),
                kind="coupon",
                label="优惠券",
                saving=redemption.discount,
                lines={int(k): int(v) for k, v in redemption.line_discounts.items()},
            )
        )
    return out


# -- the editor's sample cart ----------------------------------------------------------------


async def console_preview(session: AsyncSession, body: PreviewRequest) -> PromotionPreview:
    """The breakdown of a sample cart under the store's policy: the running promotions
    (``include_active``) and the draft being edited (validated as on save, id 0)."""
    snapshots = await catalog.get_sku_snapshots(session, [i.sku_id for i in body.items])
    merged: dict[int, int] = {}
    for item in body.items:
        if item.sku_id not in snapshots:
            raise InvalidPromotion(f"SKU {item.sku_id} does not exist", field="items")
        merged[item.sku_id] = merged.get(item.sku_id, 0) + item.quantity
    lines = [
        stacking.Line(
            sku_id=sku_id,
            product_id=snapshots[sku_id].product_id,
            category_id=snapshots[sku_id].category_id,
            unit_price=snapshots[sku_id].price,
            quantity=quantity,
        )
        for sku_id, quantity in sorted(merged.items())
    ]
    promotions = await running_rules(session, None) if body.include_active else []
    if body.promotion is not None:
        config = await check_promotion(session, body.promotion, utcnow())
        draft = PromotionRow(
            id=0,
            name=body.promotion.name,
            kind=body.promotion.kind,
            scope=body.promotion.scope,
            scope_ids=sorted(set(body.promotion.scope_ids)),
            config=config,
            per_shopper_limit=body.promotion.per_shopper_limit,
        )
        promotions = [*promotions, rule_of(draft)]
    plan = stacking.plan(lines, promotions, await policy_terms(session))
    return PromotionPreview(
        lines=[
            PreviewLineOut(
                sku_id=line.sku_id,
                title=snapshots[line.sku_id].product_title,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_total=line.total,
                discount=plan.line_discounts[line.sku_id],
            )
            for line in lines
        ],
        items_total=sum(line.total for line in lines),
        discount_total=plan.total,
        promotions=applied_promotions(plan),
        hints=list(plan.hints),
    )

"""Pure store-wide promotions: what each promotion takes off a cart, which of them combine
(the stacking policy), the coupon on top, and the subsidy cap. No I/O and no clock.

The result is a ``Plan``: the applied steps in order, each with its exact per-line allocation
in fen (``lines``), so checkout hands pricing one discount per (step, line) and an order keeps
each rule's allocation without recomputing. Invariants (property-tested): a step's ``lines``
sum to its ``saving``; no line's discounts pass its ``line_total`` (or its floor); the sum of
every step is the plan's ``total``.

Kinds (money in fen, rates per mille: 800 = 8折):

- ``sku_discount`` 限时折扣: listed SKUs at ``rate_permille``‰ or a fixed ``price`` each; with a
  per-shopper limit only ``allowance`` units (the shopper's remaining quota) are discounted;
- ``bundle`` 组合套餐: one unit of every listed product together at ``bundle_price`` (or
  ``amount_off`` a set), as many sets as the cart completes;
- ``buy_n_get_m`` 买N件免M件: per ``buy_n`` units in scope the cheapest ``get_m`` units are free;
  with ``rate_permille`` (第二件半价: buy_n 2, rate 500) the cheapest unit of each ``buy_n``
  pays ``rate_permille``‰;
- ``full_reduction`` 满减: the highest reached tier ``(threshold, amount)`` of the lines in scope,
  or with ``repeat`` (每满) ``amount`` per ``threshold`` reached, at most ``max_repeats`` times.

Stacking groups: ``sku_discount`` ("item"), then the "order" kinds (bundle, buy_n_get_m,
full_reduction: only the best one unless ``Policy.combine_order_level``), then the coupon
(with the promotions when ``stackable``, else the better of the two). Each step sees what the
earlier ones left of each line. Member prices (tiers) come before ``sku_discount`` as the
``base`` allocation of ``plan``: a price, not a step.

Floors: ``Line.floor`` (the SKU's cost price × quantity, when the catalog knows it) and
``Policy.max_discount_permille`` (at most that share of the items total off the whole order).
A step that would pass a floor is trimmed; steps are trimmed last first, because they are
walked in order and each may take only what the floors leave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from shoplet.core.money import split_proportionally, yuan

ITEM_KINDS = ("sku_discount",)
ORDER_KINDS = ("bundle", "buy_n_get_m", "full_reduction")
KINDS = ITEM_KINDS + ORDER_KINDS
ORDER_KIND_RANK = {kind: i for i, kind in enumerate(ORDER_KINDS)}


@dataclass(frozen=True, slots=True)
class Line:
    sku_id: int
    product_id: int
    category_id: int | None
    unit_price: int
    quantity: int
    # Fen this line may never go below (cost price × quantity); None: no per-line floor.
    floor: int | None = None

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class SkuPrice:
    """A ``sku_discount`` entry: ``rate_permille`` (what is left to pay) or a fixed ``price``."""

    sku_id: int
    rate_permille: int | None = None
    price: int | None = None


@dataclass(frozen=True, slots=True)
class Promotion:
    id: int
    name: str
    kind: str
    scope: str = "all"
    scope_ids: tuple[int, ...] = ()
    tiers: tuple[tuple[int, int], ...] = ()
    repeat: bool = False
    max_repeats: int | None = None
    sku_prices: tuple[SkuPrice, ...] = ()
    buy_n: int = 0
    get_m: int = 0
    rate_permille: int | None = None
    product_ids: tuple[int, ...] = ()
    bundle_price: int | None = None
    amount_off: int | None = None
    per_shopper_limit: int | None = None
    # Units the shopper may still buy at this promotion's price (None: no limit).
    allowance: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """The store's stacking policy and subsidy cap (``promotions_policy``)."""

    sku_discount_stacks: bool = True
    combine_order_level: bool = False
    max_discount_permille: int | None = None


@dataclass(frozen=True, slots=True)
class CouponOffer:
    """A coupon as the plan sees it: ``offer(left)`` prices it on what the promotions left of
    each line ({sku_id: fen}): ``(amount, sku_ids, shipping_off)``, or None when it cannot be
    used then."""

    id: int
    stackable: bool
    offer: Callable[[Mapping[int, int]], tuple[int, frozenset[int] | None, int] | None]


@dataclass(frozen=True, slots=True)
class Step:
    """One applied rule: ``source`` "promotion" or "coupon", its id, what it took off and how
    that was split over the lines ({sku_id: fen}, only lines with a fen). ``trimmed``: fen the
    floors cut off what it offered; ``units``: units counted against a per-shopper limit."""

    source: str
    id: int
    name: str
    kind: str
    label: str
    saving: int
    lines: Mapping[int, int]
    trimmed: int = 0
    units: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]
    shipping_off: int = 0
    hints: tuple[str, ...] = ()
    coupon_id: int | None = None
    line_discounts: Mapping[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(step.saving for step in self.steps)

    @property
    def promotion_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.source == "promotion")

    @property
    def coupon_step(self) -> Step | None:
        return next((s for s in self.steps if s.source == "coupon"), None)


# -- labels ----------------------------------------------------------------------------------


def _rate_text(rate: int) -> str:
    """800 -> "8折", 850 -> "8.5折", 500 -> "5折"."""
    text = f"{rate / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}折"


@lru_cache(maxsize=1024)
def label(p: Promotion) -> str:
    """A short tag: 满300减30 / 每满300减30 / 限时8折 / 限时特价 / 买3免1 / 第2件5折 / 套餐价¥99."""
    if p.kind == "full_reduction":
        if p.repeat and p.tiers:
            t, a = p.tiers[0]
            return f"每满{_yuan_short(t)}减{_yuan_short(a)}"
        return "，".join(f"满{_yuan_short(t)}减{_yuan_short(a)}" for t, a in p.tiers)
    if p.kind == "sku_discount":
        rates = {e.rate_permille for e in p.sku_prices if e.rate_permille is not None}
        if len(rates) == 1 and all(e.price is None for e in p.sku_prices):
            return f"限时{_rate_text(next(iter(rates)))}"
        return "限时特价"
    if p.kind == "buy_n_get_m":
        if p.rate_permille is not None:
            return f"第{p.buy_n}件{_rate_text(p.rate_permille)}"
        return f"买{p.buy_n}免{p.get_m}"
    if p.bundle_price is not None:
        return f"套餐价¥{_yuan_short(p.bundle_price)}"
    return f"套餐立减¥{_yuan_short(p.amount_off or 0)}"


def _yuan_short(fen: int) -> str:
    text = yuan(fen)
    return text[:-3] if text.endswith(".00") else text


def in_scope(p: Promotion, line: Line) -> bool:
    if p.kind == "sku_discount":
        return any(e.sku_id == line.sku_id for e in p.sku_prices)
    if p.kind == "bundle":
        return line.product_id in p.product_ids
    if p.scope == "products":
        return line.product_id in p.scope_ids
    if p.scope == "categories":
        return line.category_id is not None and line.category_id in p.scope_ids
    return True


# -- what one promotion takes off ------------------------------------------------------------


def _split(amount: int, room: Mapping[int, int], sku_ids: Sequence[int]) -> dict[int, int]:
    """``amount`` (at most the room of ``sku_ids``) over those lines, in proportion to room."""
    weights = [room[s] for s in sku_ids]
    amount = min(amount, sum(weights))
    return dict(zip(sku_ids, split_proportionally(amount, weights), strict=True))


def _sku_discount(p: Promotion, lines: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    prices = {e.sku_id: e for e in p.sku_prices}
    left = p.allowance
    out: dict[int, int] = {}
    for line in lines:
        entry = prices.get(line.sku_id)
        if entry is None:
            continue
        units = line.quantity if left is None else min(line.quantity, left)
        if units <= 0:
            continue
        if entry.price is not None:
            off = max(line.unit_price - entry.price, 0) * units
        else:
            off = line.unit_price * units * (1000 - (entry.rate_permille or 1000)) // 1000
        off = min(off, room[line.sku_id])
        if off > 0:
            out[line.sku_id] = off
            if left is not None:
                left -= units
    return out


def _units(lines: Sequence[Line], room: Mapping[int, int]) -> list[tuple[int, int]]:
    """Every unit of ``lines`` as (what is left of its price, sku_id), most expensive first
    (ties: lower SKU id first), so "the cheapest units" are the tail."""
    units: list[tuple[int, int]] = []
    for line in lines:
        # What is left of the line, spread over its units (the first ones take the extra fen).
        base, extra = divmod(room[line.sku_id], line.quantity)
        units += [(base + (1 if i < extra else 0), line.sku_id) for i in range(line.quantity)]
    return sorted(units, key=lambda u: (-u[0], u[1]))


def _buy_n_get_m(p: Promotion, lines: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    units = _units(lines, room)
    if p.buy_n < 1 or len(units) < p.buy_n:
        return {}
    groups = len(units) // p.buy_n
    out: dict[int, int] = {}
    if p.rate_permille is not None:
        # The last (cheapest) unit of each run of buy_n, most expensive first.
        cheap = [units[(g + 1) * p.buy_n - 1] for g in range(groups)]
        for value, sku_id in cheap:
            out[sku_id] = out.get(sku_id, 0) + value * (1000 - p.rate_permille) // 1000
    else:
        free = min(groups * p.get_m, len(units))
        for value, sku_id in units[len(units) - free :]:
            out[sku_id] = out.get(sku_id, 0) + value
    return {s: v for s, v in out.items() if v > 0}


def _bundle(p: Promotion, lines: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    by_product: dict[int, list[tuple[int, int]]] = {pid: [] for pid in p.product_ids}
    for value, sku_id in _units(lines, room):
        product_id = next(line.product_id for line in lines if line.sku_id == sku_id)
        if product_id in by_product:
            by_product[product_id].append((value, sku_id))
    if not by_product or any(not units for units in by_product.values()):
        return {}
    sets = min(len(units) for units in by_product.values())
    # The cheapest units of each product make the sets (the shopper keeps the best value).
    members = [u for units in by_product.values() for u in units[len(units) - sets :]]
    worth = sum(v for v, _ in members)
    if p.bundle_price is not None:
        off = max(worth - p.bundle_price * sets, 0)
    else:
        off = min((p.amount_off or 0) * sets, worth)
    weights: dict[int, int] = {}
    for value, sku_id in members:
        weights[sku_id] = weights.get(sku_id, 0) + value
    order = sorted(weights)
    return {s: v for s, v in _split(off, weights, order).items() if v > 0}


def reached_tier(p: Promotion, subtotal: int) -> int:
    """What a ``full_reduction`` takes off ``subtotal`` (the lines in scope)."""
    if p.repeat:
        if not p.tiers or p.tiers[0][0] <= 0:
            return 0
        threshold, amount = p.tiers[0]
        times = subtotal // threshold
        if p.max_repeats is not None:
            times = min(times, p.max_repeats)
        return amount * times
    best = 0
    for threshold, amount in p.tiers:
        if subtotal >= threshold:
            best = max(best, amount)
    return best


def _full_reduction(p: Promotion, lines: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    skus = [line.sku_id for line in lines]
    subtotal = sum(room[s] for s in skus)
    off = reached_tier(p, subtotal)
    return {s: v for s, v in _split(off, room, skus).items() if v > 0}


_EVALUATORS = {
    "sku_discount": _sku_discount,
    "buy_n_get_m": _buy_n_get_m,
    "bundle": _bundle,
    "full_reduction": _full_reduction,
}


def allocate(p: Promotion, lines: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    """What ``p`` takes off each line ({sku_id: fen}, never past ``room``), given ``room``
    (what the earlier steps left of each line)."""
    return _allocate(p, [line for line in lines if in_scope(p, line)], room)


def _allocate(p: Promotion, scoped: Sequence[Line], room: Mapping[int, int]) -> dict[int, int]:
    """``allocate`` on ``scoped``, the lines already known to be in ``p``'s scope."""
    eligible = [line for line in scoped if room[line.sku_id] > 0]
    if not eligible:
        return {}
    return _EVALUATORS[p.kind](p, eligible, room)


# -- hints -----------------------------------------------------------------------------------


def hints(
    promotions: Sequence[Promotion], lines: Sequence[Line], room: Mapping[int, int]
) -> list[str]:
    """For each ``full_reduction`` with a tier not reached yet: "再买¥20可享满300减30" (the
    nearest next tier), nearest first."""
    found: list[tuple[int, int, str]] = []
    for p in promotions:
        if p.kind != "full_reduction" or not p.tiers:
            continue
        subtotal = sum(room[line.sku_id] for line in lines if in_scope(p, line))
        if p.repeat:
            threshold, amount = p.tiers[0]
            times = subtotal // threshold if threshold > 0 else 0
            if threshold <= 0 or (p.max_repeats is not None and times >= p.max_repeats):
                continue
            gap = threshold * (times + 1) - subtotal
            found.append(
                (
                    gap,
                    p.id,
                    f"再买¥{_yuan_short(gap)}可享每满{_yuan_short(threshold)}减{_yuan_short(amount)}",
                )
            )
            continue
        above = sorted((t, a) for t, a in p.tiers if t > subtotal)
        if above:
            t, a = above[0]
            found.append(
                (
                    t - subtotal,
                    p.id,
                    f"再买¥{_yuan_short(t - subtotal)}可享满{_yuan_short(t)}减{_yuan_short(a)}",
                )
            )
    return [text for _, _, text in sorted(found)]


# -- stacking --------------------------------------------------------------------------------


def _run(
    sequence: Sequence[Promotion],
    lines: Sequence[Line],
    room: dict[int, int],
    scopes: Mapping[int, Sequence[Line]] | None = None,
) -> list[Step]:
    """Apply ``sequence`` in order on ``room`` (changed in place); ``scopes``: each
    promotion's lines in scope (by ``id()`` of the promotion), when the caller has them."""
    steps: list[Step] = []
    for p in sequence:
        scoped = scopes[id(p)] if scopes is not None else [x for x in lines if in_scope(p, x)]
        parts = _allocate(p, scoped, room)
        saving = sum(parts.values())
        if saving <= 0:
            continue
        for sku_id, part in parts.items():
            room[sku_id] -= part
        units = 0
        if p.kind == "sku_discount" and p.per_shopper_limit is not None:
            listed = {e.sku_id for e in p.sku_prices}
            left = p.allowance
            for line in lines:
                if line.sku_id in listed and line.sku_id in parts:
                    n = line.quantity if left is None else min(line.quantity, left)
                    units += n
                    if left is not None:
                        left -= n
        steps.append(
            Step(
                source="promotion",
                id=p.id,
                name=p.name,
                kind=p.kind,
                label=label(p),
                saving=saving,
                lines=dict(sorted(parts.items())),
                units=units,
            )
        )
    return steps


def _candidates(promotions: Sequence[Promotion], policy: Policy) -> list[list[Promotion]]:
    """The combinations the policy allows, each in application order."""
    items = sorted((p for p in promotions if p.kind in ITEM_KINDS), key=lambda p: p.id)
    orders = sorted(
        (p for p in promotions if p.kind in ORDER_KINDS),
        key=lambda p: (ORDER_KIND_RANK[p.kind], p.id),
    )
    if policy.combine_order_level:
        order_sets: list[list[Promotion]] = [orders]
    else:
        order_sets = [[]] + [[p] for p in orders]
    if policy.sku_discount_stacks:
        return [items + chosen for chosen in order_sets]
    return [items] + [chosen for chosen in order_sets if chosen]


def _coupon_step(
    coupon: CouponOffer, lines: Sequence[Line], room: dict[int, int]
) -> tuple[Step | None, int]:
    offered = coupon.offer(dict(room))
    if offered is None:
        return None, 0
    amount, sku_ids, shipping_off = offered
    skus = [line.sku_id for line in lines if sku_ids is None or line.sku_id in sku_ids]
    parts = {s: v for s, v in _split(amount, room, skus).items() if v > 0} if skus else {}
    for sku_id, part in parts.items():
        room[sku_id] -= part
    step = Step(
        source="coupon",
        id=coupon.id,
        name="",
        kind="coupon",
        label="优惠券",
        saving=sum(parts.values()),
        lines=dict(sorted(parts.items())),
    )
    return step, shipping_off


def _cap(
    steps: Sequence[Step],
    lines: Sequence[Line],
    policy: Policy,
    base: Mapping[int, int] | None = None,
) -> list[Step]:
    """Walk the steps in order; each keeps only what the floors leave (so the last ones are
    the ones trimmed). Per line: ``line.floor``; per order: ``max_discount_permille``. The
    ``base`` (member prices) is taken first and counts against both floors: promotions and
    coupons only get what it left under them."""
    if policy.max_discount_permille is None and all(line.floor is None for line in lines):
        return list(steps)
    base = base or {}
    limit = {
        line.sku_id: line.total - min(line.floor, line.total)
        if line.floor is not None
        else line.total
        for line in lines
    }
    order_left = (
        max(
            0,
            sum(line.total for line in lines) * policy.max_discount_permille // 1000
            - sum(base.get(line.sku_id, 0) for line in lines),
        )
        if policy.max_discount_permille is not None
        else None
    )
    taken = {sku_id: base.get(sku_id, 0) for sku_id in limit}
    out: list[Step] = []
    for step in steps:
        kept: dict[int, int] = {}
        for sku_id, part in step.lines.items():
            allowed = max(0, min(part, limit[sku_id] - taken[sku_id]))
            if order_left is not None:
                allowed = min(allowed, order_left)
                order_left -= allowed
            if allowed > 0:
                kept[sku_id] = allowed
                taken[sku_id] += allowed
        saving = sum(kept.values())
        trimmed = step.saving - saving
        if trimmed == 0:
            out.append(step)
        elif saving > 0 or step.source == "coupon":
            out.append(replace(step, saving=saving, lines=kept, trimmed=step.trimmed + trimmed))
    return out


def _coupon_bound(coupons: Sequence[CouponOffer], whole: Mapping[int, int]) -> int:
    """The most any of ``coupons`` offers on the whole lines (items and shipping)."""
    best = 0
    for coupon in coupons:
        offered = coupon.offer(dict(whole))
        if offered is not None:
            best = max(best, offered[0] + offered[2])
    return best


def _with_coupon(
    promoted: tuple[list[Step], dict[int, int]],
    coupon: CouponOffer | None,
    lines: Sequence[Line],
    policy: Policy,
    base: Mapping[int, int] | None = None,
) -> tuple[list[Step], int]:
    """The promotions' steps (and the room they left) with ``coupon`` on top, capped."""
    steps, room = list(promoted[0]), dict(promoted[1])
    shipping_off = 0
    if coupon is not None:
        step, shipping_off = _coupon_step(coupon, lines, room)
        if step is not None:
            steps.append(step)
    return _cap(steps, lines, policy, base), shipping_off


def plan(
    lines: Sequence[Line],
    promotions: Sequence[Promotion],
    policy: Policy,
    *,
    coupons: Sequence[CouponOffer] = (),
    coupon_forced: bool = False,
    base: Mapping[int, int] | None = None,
) -> Plan:
    """The best plan for the shopper: every combination the policy allows, each with the best
    of ``coupons`` on top (or instead, for a coupon not ``stackable``), the largest total saving
    (items and shipping) winning; ties go to fewer steps, then the lower ids (deterministic).
    ``coupon_forced``: ``coupons`` is the shopper's one pick, always applied (alone when it
    does not stack). ``base``: fen already taken off each line before promotions (the member
    price: a price, not a promotion); promotions and the coupon see what it left, and it counts
    first against the line floors and the subsidy cap (it is never trimmed itself: checkout
    keeps it above the cost floor)."""
    base = base or {}
    candidates = _candidates(promotions, policy)
    start = {line.sku_id: line.total - base.get(line.sku_id, 0) for line in lines}
    runs: dict[tuple[int, ...], tuple[list[Step], dict[int, int]]] = {(): ([], start)}
    # Which lines each promotion covers does not change from one combination to the next.
    scopes = {id(p): [line for line in lines if in_scope(p, line)] for p in promotions}

    def promoted(chosen: Sequence[Promotion]) -> tuple[list[Step], dict[int, int]]:
        # Each combination's promotions run once, whatever coupon goes on top, and from the
        # longest run already made of its first ones: the 限时折扣 every combination starts
        # with run once, not once per order-level promotion.
        key = tuple(p.id for p in chosen)
        done = len(key)
        while key[:done] not in runs:
            done -= 1
        for n in range(done + 1, len(key) + 1):
            steps, room = runs[key[: n - 1]]
            room = dict(room)
            runs[key[:n]] = ([*steps, *_run(chosen[n - 1 : n], lines, room, scopes)], room)
        return runs[key]

    def applied(steps: list[Step], ship: int) -> bool:
        return ship > 0 or any(s.source == "coupon" for s in steps)

    # A coupon never offers more on what promotions left than on the whole lines (its
    # threshold and its rate both look at what is left), so a combination whose promotions save
    # less than the best option so far minus the best coupon's whole offer cannot win: it is
    # skipped without pricing its coupons. Combinations go in order of their promotions' saving,
    # so the best is found early; the result is the same as trying every one.
    bound = _coupon_bound(coupons, start)

    def promotions_saving(chosen: Sequence[Promotion]) -> int:
        return sum(s.saving for s in promoted(chosen)[0])

    ordered = sorted(candidates, key=lambda c: -promotions_saving(c))

    def stacked(chosen: Sequence[Promotion]) -> list[tuple[list[Step], int, int | None]]:
        found: list[tuple[list[Step], int, int | None]] = []
        if not coupon_forced:
            steps, ship = _with_coupon(promoted(chosen), None, lines, policy, base)
            found.append((steps, ship, None))
        for c in coupons:
            if c.stackable:
                steps, ship = _with_coupon(promoted(chosen), c, lines, policy, base)
                if applied(steps, ship):
                    found.append((steps, ship, c.id))
        return found

    best = -1
    options: list[tuple[list[Step], int, int | None]] = []
    for chosen in ordered:
        if promotions_saving(chosen) + bound >= best:
            found = stacked(chosen)
            options.extend(found)
            best = max([best, *(sum(s.saving for s in steps) + ship for steps, ship, _ in found)])
    for c in coupons:
        # Alone: the alternative to the promotions for a coupon that does not stack, and for a
        # picked coupon that the promotions leave below its threshold.
        if not c.stackable or coupon_forced:
            steps, ship = _with_coupon(promoted([]), c, lines, policy, base)
            if applied(steps, ship) or coupon_forced:
                options.append((steps, ship, c.id))
    if not options:
        steps, ship = _with_coupon(promoted([]), None, lines, policy, base)
        options.append((steps, ship, None))

    def rank(o: tuple[list[Step], int, int | None]) -> tuple[int, int, tuple[int, ...], int]:
        steps, ship, coupon_id = o
        saving = sum(s.saving for s in steps) + ship
        ids = tuple(s.id for s in steps if s.source == "promotion")
        return (-saving, len(steps), ids, coupon_id or 0)

    steps, ship, coupon_id = min(options, key=rank)
    line_discounts = {line.sku_id: base.get(line.sku_id, 0) for line in lines}
    item_room = {line.sku_id: line.total - base.get(line.sku_id, 0) for line in lines}
    for step in steps:
        for sku_id, part in step.lines.items():
            line_discounts[sku_id] += part
            if step.kind in ITEM_KINDS:
                item_room[sku_id] -= part
    return Plan(
        steps=tuple(steps),
        shipping_off=ship,
        hints=tuple(hints(promotions, lines, item_room)),
        coupon_id=coupon_id,
        line_discounts=line_discounts,
    )

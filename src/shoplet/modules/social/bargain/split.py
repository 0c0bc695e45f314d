"""How much each friend cuts off a bargain (砍价): pure functions, no I/O.

The merchant sets the span to cut (``start_price - floor_price`` fen) and ``helpers_needed``
(N, the number of friends it should take *on average*). Two draws, both from the bargain's own
``seed`` (63 random bits from :mod:`secrets`, stored on the bargain row and never shown):

- :func:`helpers_target` draws how many friends this bargain takes, T, uniformly from
  ``N - s .. N + s`` (``s = min(N - 1, N // 2, span - N)``): symmetric around N, so the expected
  number of helpers is exactly N, never below 1 and never above the span (each cut is at least
  1 fen);
- :func:`cut_amount` draws the k-th cut (k = cuts so far) from ``Random(f"{seed}:{k}")``: a
  fair share of what is left over the helpers still to come, times a factor in [0.5, 1.5),
  clamped so every later helper can still cut at least 1 fen; the T-th cut takes exactly what
  is left, so the price lands on the floor and never below it.

Why a stored seed and per-cut draws rather than a plan drawn up front: a cut depends on the
bargain's state when it lands (cuts so far, fen left, and a new shopper's bonus), and concurrent
helpers race for the row. The service reads ``(helpers, current_price)``, draws the cut for that
state and applies it with one conditional UPDATE that also requires ``helpers`` unchanged; a
helper who lost the race redraws for the new state. The same state always gives the same cut, so
a retry is reproducible and a test can replay a bargain from its seed.

A new shopper's cut (``bonus_pct`` > 100, the merchant's 新用户加倍) is multiplied and clamped to
what is left: the price drops sooner and the floor never takes more helpers than without it.
"""

from __future__ import annotations

import random

# Each cut is a fair share of what is left times a factor drawn from [LOW, LOW + WIDTH).
LOW = 0.5
WIDTH = 1.0


def target_spread(helpers_needed: int, span: int) -> int:
    """How far T may stray from N either way."""
    return max(0, min(helpers_needed - 1, helpers_needed // 2, span - helpers_needed))


def helpers_target(seed: int, *, helpers_needed: int, span: int) -> int:
    """T: how many cuts take this bargain to its floor (without new-shopper bonuses)."""
    if helpers_needed < 1 or span < helpers_needed:
        raise ValueError("the span must leave at least 1 fen for each of N >= 1 helpers")
    spread = target_spread(helpers_needed, span)
    rng = random.Random(f"{seed}:target")  # noqa: S311 (reproducible by design; the seed is secret)
    return helpers_needed - spread + rng.randrange(2 * spread + 1)


def cut_amount(
    seed: int,
    *,
    helpers_needed: int,
    span: int,
    cuts_so_far: int,
    left: int,
    bonus_pct: int = 100,
) -> int:
    """The next cut in fen: ``1 <= cut <= left``; ``cut == left`` on the T-th cut (and whenever
    only 1 fen per remaining helper is left). ``left`` is ``current_price - floor_price`` > 0."""
    if left < 1:
        raise ValueError("nothing left to cut")
    if cuts_so_far < 0 or bonus_pct < 100:
        raise ValueError("cuts_so_far >= 0 and bonus_pct >= 100")
    target = helpers_target(seed, helpers_needed=helpers_needed, span=span)
    # Helpers still to come, this one included; never more than 1 fen each can pay for.
    to_come = max(1, min(target - cuts_so_far, left))
    if to_come == 1:
        return left
    rng = random.Random(f"{seed}:{cuts_so_far}")  # noqa: S311 (as above)
    share = left / to_come * (LOW + WIDTH * rng.random())
    cut = max(1, min(round(share), left - (to_come - 1)))
    if bonus_pct > 100:
        cut = min(left, cut * bonus_pct // 100)
    return cut


def simulate(
    seed: int,
    *,
    helpers_needed: int,
    span: int,
    new_shoppers: frozenset[int] = frozenset(),
    bonus_pct: int = 100,
) -> list[int]:
    """Every cut of a bargain from start to floor (``new_shoppers``: which cut indices are new
    shoppers with the bonus). For tests and the console's preview."""
    cuts: list[int] = []
    left = span
    while left > 0:
        k = len(cuts)
        cut = cut_amount(
            seed,
            helpers_needed=helpers_needed,
            span=span,
            cuts_so_far=k,
            left=left,
            bonus_pct=bonus_pct if k in new_shoppers else 100,
        )
        cuts.append(cut)
        left -= cut
    return cuts

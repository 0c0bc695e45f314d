"""Members' interests as a hook between sibling modules: the module that knows what a member
viewed and bought offers a function, the module that ranks things by it asks for it.

Neither module may import the other (they sit on the same line of the layers), so the offer
goes through the context at start-up, named by this file: ``provide_affinity(ctx, fn)``. The
function answers, for a member and some products, how close each product is to the member's
interests: a number in [0, 1] (0: nothing in common), products it knows nothing about left
out. Nothing registered: nobody is personalised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext

KEY = "core.member_affinity"

ProductAffinity = Callable[[AsyncSession, int, Sequence[int]], Awaitable[dict[int, float]]]


def provide_affinity(ctx: AppContext, fn: ProductAffinity) -> None:
    ctx.extras[KEY] = fn


def affinity_provider(ctx: AppContext) -> ProductAffinity | None:
    found = ctx.extras.get(KEY)
    return found if callable(found) else None

"""Price sources of cart lines: plays above the cart that sell some goods at their own price (a
live session's 直播价) and let a shopper put them in the cart at that price.

The cart sits below those plays and may not import them, so a play registers a
:class:`CartPriceSource` at start-up (``register_price_source(ctx, "live", source)``), the same
pattern as checkout's price sources. A line added from the play keeps its ``price_source``
("live:12"); every read of the cart asks the source which of its lines it still prices, and
shows the catalogue price (with a note) for the others. Checkout never trusts these prices: it
asks checkout's own source of the same kind again, under that source's locks, in the order's
transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.cart.errors import SourceUnknown

SOURCES_KEY = "cart.price_sources"

# What a line shows once its play no longer prices it (session ended, product unpinned).
NOTE_SOURCE_ENDED = "直播已结束，已恢复原价"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A line's ``price_source`` parsed: ``kind`` ("live") and the play's ``id`` (session)."""

    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, ref: str | None) -> SourceRef | None:
        if ref is None or ":" not in ref:
            return None
        kind, _, tail = ref.partition(":")
        return cls(kind, int(tail)) if tail.isdigit() else None


class CartPriceSource(Protocol):
    label: str  # shown beside the price while the play prices the line (直播价)

    async def price_for_add(
        self, session: AsyncSession, *, member_id: int, ref_id: int, product_id: int
    ) -> int:
        """The play's unit price (fen) for ``product_id`` now, or its 4xx problem (the cart
        then writes nothing): unknown play, not running, product not on it, shopper barred."""
        ...

    async def current_prices(
        self,
        session: AsyncSession,
        *,
        member_id: int,
        ref_id: int,
        product_ids: Sequence[int],
    ) -> dict[int, int]:
        """{product_id: unit price} of those the play still prices for this shopper (a read,
        no locks; the others are left out)."""
        ...


Sources = Mapping[str, CartPriceSource]


def register_price_source(ctx: AppContext, kind: str, source: CartPriceSource) -> None:
    """A module above the cart offers its prices to cart lines under ``kind`` (start-up)."""
    sources: dict[str, CartPriceSource] = ctx.extras.setdefault(SOURCES_KEY, {})
    sources[kind] = source


def sources_of(ctx: AppContext) -> Sources:
    found = ctx.extras.get(SOURCES_KEY)
    return found if isinstance(found, dict) else {}


def source_for(sources: Sources, kind: str) -> CartPriceSource:
    """The source registered as ``kind`` (400 ``cart.source_unknown`` when none is)."""
    found = sources.get(kind)
    if found is None:
        raise SourceUnknown(f"no cart price source {kind!r}", kind=kind)
    return found


@dataclass(frozen=True, slots=True)
class LinePrice:
    """What a sourced line shows: the play's ``price`` and ``label`` while it applies."""

    price: int
    label: str


async def line_prices(
    session: AsyncSession,
    sources: Sources,
    *,
    member_id: int | None,
    lines: Sequence[tuple[int, str | None, int]],
) -> dict[int, LinePrice]:
    """{sku_id: LinePrice} of the ``(sku_id, price_source, product_id)`` lines their play still
    prices; one question per play. A source no longer registered prices nothing."""
    groups: dict[SourceRef, list[tuple[int, int]]] = {}
    for sku_id, ref, product_id in lines:
        parsed = SourceRef.parse(ref)
        if parsed is not None and member_id is not None:
            groups.setdefault(parsed, []).append((sku_id, product_id))
    found: dict[int, LinePrice] = {}
    for parsed in sorted(groups, key=lambda r: (r.kind, r.id)):
        source = sources.get(parsed.kind)
        if source is None or member_id is None:
            continue
        members = groups[parsed]
        prices = await source.current_prices(
            session,
            member_id=member_id,
            ref_id=parsed.id,
            product_ids=sorted({product_id for _, product_id in members}),
        )
        for sku_id, product_id in members:
            if product_id in prices:
                found[sku_id] = LinePrice(prices[product_id], source.label)
    return found

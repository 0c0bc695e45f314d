"""Price sources: plays above checkout that sell some goods at their own price inside an ordinary
checkout (a live session's 直播价), with the cart's coupons, promotions, points and delivery.

Checkout sits below those plays and may not import them, so a play registers a
:class:`PriceSource` at start-up (``register_price_source(ctx, "live", source)``) and a
checkout request names it (``activity: {"kind": "live", "id": 12}``). Checkout asks the source
for its prices while pricing, inside the order's transaction, and the source refuses with its
own problem (409 ``live.session_ended`` …) before anything is written. The prices replace the
catalogue's on those lines (``unit_price``), and each line keeps the offer's ``ref`` as its
``price_source``, so the play can count the order as its own later. Once the order row
exists, :meth:`PriceSource.claim` lets the play take what it limits (units, per-shopper counts)
in the same transaction; a refusal there rolls the whole order back."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.errors import ActivityUnknown
from shoplet.modules.checkout.schemas import Activity

SOURCES_KEY = "checkout.price_sources"


@dataclass(frozen=True, slots=True)
class OfferLine:
    """A line the shopper asks the play's price for: the catalogue's ``price`` (fen)."""

    sku_id: int
    product_id: int
    quantity: int
    price: int


@dataclass(frozen=True, slots=True)
class Offer:
    """The play's answer: ``prices`` {sku_id: unit price in fen} for every line asked, the
    order's ``source`` ("live"), each line's ``ref`` ("live:12") and the label shown beside the
    price (直播价)."""

    source: str
    ref: str
    label: str
    prices: Mapping[int, int]


class PriceSource(Protocol):
    async def quote(
        self, session: AsyncSession, *, member_id: int, ref_id: int, lines: Sequence[OfferLine]
    ) -> Offer:
        """The play's prices for ``lines``, or its problem (nothing written)."""
        ...

    async def claim(
        self,
        session: AsyncSession,
        *,
        member_id: int,
        ref_id: int,
        order_no: str,
        lines: Sequence[OfferLine],
    ) -> None:
        """In the order's transaction, after its row: take what the play limits, or raise."""
        ...


def register_price_source(ctx: AppContext, kind: str, source: PriceSource) -> None:
    """A module above checkout offers its prices under ``kind`` (called from its start-up)."""
    sources: dict[str, PriceSource] = ctx.extras.setdefault(SOURCES_KEY, {})
    sources[kind] = source


def price_source(ctx: AppContext, kind: str) -> PriceSource:
    """The source registered as ``kind`` (400 ``checkout.activity_unknown`` when none is)."""
    sources = ctx.extras.get(SOURCES_KEY)
    found = sources.get(kind) if isinstance(sources, dict) else None
    if found is None:
        raise ActivityUnknown(f"no price source {kind!r}", kind=kind)
    return found  # type: ignore[no-any-return]


# -- checkout's side -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offered:
    """The lines at the activity's prices (``priced``), the offer and what it was asked."""

    priced: list[tuple[catalog.SkuSnapshot, int]]
    offer: Offer | None = None
    source: PriceSource | None = None
    asked: tuple[OfferLine, ...] = ()
    ref_id: int = 0

    def list_price(self, sku_id: int, snap: catalog.SkuSnapshot | None) -> int | None:
        """The catalogue price of a line the activity priced (shown struck through)."""
        if self.offer is None or snap is None or sku_id not in self.offer.prices:
            return None
        return snap.price

    def label(self, sku_id: int) -> str | None:
        return self.offer.label if self.offer is not None and sku_id in self.offer.prices else None

    def price_source(self, sku_id: int) -> str | None:
        return self.offer.ref if self.offer is not None and sku_id in self.offer.prices else None

    def order_source(self, default: str) -> str:
        return self.offer.source if self.offer is not None and self.offer.prices else default


async def offered(
    session: AsyncSession,
    ctx: AppContext | None,
    *,
    member_id: int,
    activity: Activity | None,
    priced: list[tuple[catalog.SkuSnapshot, int]],
) -> Offered:
    """Ask the activity's price source for its prices (its 4xx problem when it refuses) and
    put them in the snapshots' place, so member prices, promotions and coupons see them."""
    if activity is None:
        return Offered(priced)
    if ctx is None:
        raise ActivityUnknown(f"no price source {activity.kind!r}", kind=activity.kind)
    source = price_source(ctx, activity.kind)
    asked = tuple(OfferLine(s.sku_id, s.product_id, q, s.price) for s, q in priced)
    offer = await source.quote(session, member_id=member_id, ref_id=activity.id, lines=asked)
    repriced = [
        (dataclasses.replace(s, price=offer.prices[s.sku_id]), q)
        if s.sku_id in offer.prices
        else (s, q)
        for s, q in priced
    ]
    return Offered(repriced, offer, source, asked, activity.id)


async def claim(session: AsyncSession, offered: Offered, *, member_id: int, order_no: str) -> None:
    """The activity takes what it limits, in the order's transaction (its 409 rolls back)."""
    if offered.source is None or offered.offer is None:
        return
    prices = offered.offer.prices
    await offered.source.claim(
        session,
        member_id=member_id,
        ref_id=offered.ref_id,
        order_no=order_no,
        lines=[line for line in offered.asked if line.sku_id in prices],
    )

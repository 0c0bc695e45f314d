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
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout.errors import ActivityUnknown
from shoplet.modules.checkout.schemas import Activity
from shoplet.modules.stores import public as stores

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
class Quoted:
    """One answer of a source: its offer, the lines it was asked and the play's id."""

    source: PriceSource
    offer: Offer
    asked: tuple[OfferLine, ...]
    ref_id: int


@dataclass(frozen=True, slots=True)
class Offered:
    """The lines at the plays' prices (``priced``) and the answers that set them: one for a
    buy-now ``activity``, one per cart line still priced by the play it was added from."""

    priced: list[tuple[catalog.SkuSnapshot, int]]
    quotes: tuple[Quoted, ...] = ()
    from_activity: bool = False

    def _offer(self, sku_id: int) -> Offer | None:
        return next((q.offer for q in self.quotes if sku_id in q.offer.prices), None)

    def list_price(self, sku_id: int, snap: catalog.SkuSnapshot | None) -> int | None:
        """The catalogue price of a line a play priced (shown struck through)."""
        if snap is None or self._offer(sku_id) is None:
            return None
        return snap.price

    def label(self, sku_id: int) -> str | None:
        offer = self._offer(sku_id)
        return offer.label if offer is not None else None

    def price_source(self, sku_id: int) -> str | None:
        offer = self._offer(sku_id)
        return offer.ref if offer is not None else None

    def order_source(self, default: str) -> str:
        """The activity's source ("live") for a buy from the play; a cart order stays a cart
        order (its lines name the plays that priced them)."""
        if self.from_activity and self.quotes and self.quotes[0].offer.prices:
            return self.quotes[0].offer.source
        return default


def _parse_ref(ref: str) -> tuple[str, int] | None:
    kind, _, tail = ref.partition(":")
    return (kind, int(tail)) if kind and tail.isdigit() else None


async def offered(
    session: AsyncSession,
    ctx: AppContext | None,
    *,
    member_id: int,
    activity: Activity | None,
    priced: list[tuple[catalog.SkuSnapshot, int]],
    sources: Mapping[int, str] | None = None,
) -> Offered:
    """Ask the activity's price source for its prices (its 4xx problem when it refuses) and
    put them in the snapshots' place, so member prices, promotions and coupons see them.

    Without an activity, cart lines added from a play (``sources``: {sku_id: "live:12"}) ask
    that play's source again, line by line in (kind, id, SKU) order, under its locks: a line
    it refuses (session ended, product unpinned, shopper banned) is simply at the catalogue
    price, never at a price the play no longer gives."""
    if activity is None:
        return await _cart_offers(session, ctx, member_id=member_id, priced=priced, refs=sources)
    if ctx is None:
        raise ActivityUnknown(f"no price source {activity.kind!r}", kind=activity.kind)
    source = price_source(ctx, activity.kind)
    asked = tuple(OfferLine(s.sku_id, s.product_id, q, s.price) for s, q in priced)
    offer = await source.quote(session, member_id=member_id, ref_id=activity.id, lines=asked)
    quoted = Quoted(source, offer, asked, activity.id)
    return Offered(repriced(priced, offer.prices), (quoted,), from_activity=True)


def repriced(
    priced: list[tuple[catalog.SkuSnapshot, int]], prices: Mapping[int, int]
) -> list[tuple[catalog.SkuSnapshot, int]]:
    return [
        (dataclasses.replace(s, price=prices[s.sku_id]), q) if s.sku_id in prices else (s, q)
        for s, q in priced
    ]


async def _cart_offers(
    session: AsyncSession,
    ctx: AppContext | None,
    *,
    member_id: int,
    priced: list[tuple[catalog.SkuSnapshot, int]],
    refs: Mapping[int, str] | None,
) -> Offered:
    registered = ctx.extras.get(SOURCES_KEY) if ctx is not None else None
    if not refs or not isinstance(registered, dict):
        return Offered(priced)
    asks: list[tuple[str, int, OfferLine]] = []
    for snap, quantity in priced:
        parsed = _parse_ref(refs[snap.sku_id]) if snap.sku_id in refs else None
        if parsed is not None and parsed[0] in registered:
            line = OfferLine(snap.sku_id, snap.product_id, quantity, snap.price)
            asks.append((parsed[0], parsed[1], line))
    quotes: list[Quoted] = []
    prices: dict[int, int] = {}
    for kind, ref_id, line in sorted(asks, key=lambda a: (a[0], a[1], a[2].sku_id)):
        source: PriceSource = registered[kind]
        try:
            offer = await source.quote(session, member_id=member_id, ref_id=ref_id, lines=(line,))
        except ShopletError:
            # The play no longer prices this line (its refusal wrote nothing): catalogue price.
            continue
        quotes.append(Quoted(source, offer, (line,), ref_id))
        prices.update(offer.prices)
    return Offered(repriced(priced, prices), tuple(quotes))


async def claim(session: AsyncSession, offered: Offered, *, member_id: int, order_no: str) -> None:
    """Each play takes what it limits, in the order's transaction (its 409 rolls back)."""
    for quoted in offered.quotes:
        prices = quoted.offer.prices
        await quoted.source.claim(
            session,
            member_id=member_id,
            ref_id=quoted.ref_id,
            order_no=order_no,
            lines=[line for line in quoted.asked if line.sku_id in prices],
        )


# -- the store's own prices (门店价) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtStore:
    """The lines a store's own price (门店价) set in 扫码购, by SKU with their online price."""

    online: Mapping[int, int] = field(default_factory=dict)
    ref: str | None = None

    def list_price(self, sku_id: int, unit_price: int) -> int | None:
        """The online price, struck through beside a different store price."""
        online = self.online.get(sku_id)
        return online if online is not None and online != unit_price else None

    def label(self, sku_id: int) -> str | None:
        return stores.STORE_PRICE_LABEL if sku_id in self.online else None

    def price_source(self, sku_id: int) -> str | None:
        return self.ref if sku_id in self.online else None


async def at_store_prices(
    session: AsyncSession,
    plan: stores.DeliveryPlan | None,
    priced: list[tuple[catalog.SkuSnapshot, int]],
) -> tuple[list[tuple[catalog.SkuSnapshot, int]], AtStore]:
    """A store-priced plan (扫码购) puts the store's current prices in the catalogue's place,
    read in one query for the whole cart, before plays, member prices, promotions and coupons
    see the lines, so every discount applies on top of what the store charges."""
    if plan is None or not plan.store_priced or not priced:
        return priced, AtStore()
    charged = await stores.current_prices(
        session, store_id=plan.store_id, sku_ids=[s.sku_id for s, _ in priced], now=utcnow()
    )
    online = {s.sku_id: s.price for s, _ in priced if s.sku_id in charged}
    return repriced(priced, charged), AtStore(online, stores.price_ref(plan.store_id))

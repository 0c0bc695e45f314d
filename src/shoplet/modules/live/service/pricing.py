"""直播价 at checkout: live's price source for checkout (``checkout.register_price_source``).

A shopper who buys from the room sends ``activity: {"kind": "live", "id": <session>}`` with the
items; checkout asks :meth:`LivePrices.quote` inside the order's transaction. The session must be
live (409 ``live.session_ended`` once 下播, ``live.not_live`` before 开播), the shopper not
banned from it (403 ``live.banned``) and every product pinned on its shelf with a live price
(409 ``live.product_not_on_sale``). The session row and those shelf rows are read under a share
lock, so 下播 or a new shelf waits for an order being placed and an order never commits at a
price the room no longer shows. Live prices have no per-shopper or unit limit (the shelf has
none), so :meth:`LivePrices.claim` takes nothing: the order's stock hold is the only limit.

加入购物车 from the room: :class:`LiveCartPrices` is live's price source for cart lines
(``cart.register_price_source``). Adding checks the same rules without locks (404 unknown
session, 409 ended / not live / not on the shelf, 403 banned) and the line remembers
``live:<session>``; the cart shows the live price while they all still hold, and checkout asks
:class:`LivePrices` again, under its locks, for each such line (the catalogue price once it
refuses)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.checkout import public as checkout
from shoplet.modules.live import repository as repo
from shoplet.modules.live.errors import (
    Banned,
    NotLive,
    ProductNotOnSale,
    SessionEnded,
    SessionNotFound,
)

KIND = "live"
LABEL = "直播价"


def price_ref(session_id: int) -> str:
    """What an order line priced by the session records as its ``price_source``."""
    return f"{KIND}:{session_id}"


def session_of_ref(ref: str | None) -> int | None:
    """The session id of a line's ``price_source`` ("live:12" → 12), None for another."""
    if ref is None or not ref.startswith(f"{KIND}:"):
        return None
    tail = ref[len(KIND) + 1 :]
    return int(tail) if tail.isdigit() else None


async def _running(session: AsyncSession, ref_id: int, member_id: int, *, lock: bool) -> None:
    """The session is live and the shopper not banned from it, or the refusal."""
    row = await (repo.lock_session_shared if lock else repo.get_session)(session, ref_id)
    if row is None:
        raise SessionNotFound(session_id=ref_id)
    if row.status == "ended":
        raise SessionEnded(session_id=ref_id)
    if row.status != "live":
        raise NotLive(session_id=ref_id)
    if "ban" in await repo.restrictions_of(session, ref_id, member_id):
        raise Banned(session_id=ref_id)


class LiveCartPrices:
    """The session's live prices for cart lines added from the room (read, no locks)."""

    label = LABEL

    async def price_for_add(
        self, session: AsyncSession, *, member_id: int, ref_id: int, product_id: int
    ) -> int:
        await _running(session, ref_id, member_id, lock=False)
        prices = await repo.live_prices(session, ref_id, [product_id])
        if product_id not in prices:
            raise ProductNotOnSale(session_id=ref_id, product_id=product_id)
        return prices[product_id]

    async def current_prices(
        self,
        session: AsyncSession,
        *,
        member_id: int,
        ref_id: int,
        product_ids: Sequence[int],
    ) -> dict[int, int]:
        try:
            await _running(session, ref_id, member_id, lock=False)
        except (SessionNotFound, SessionEnded, NotLive, Banned):
            return {}
        return await repo.live_prices(session, ref_id, product_ids)


class LivePrices:
    """The session's live prices, checked at order time."""

    async def quote(
        self,
        session: AsyncSession,
        *,
        member_id: int,
        ref_id: int,
        lines: Sequence[checkout.OfferLine],
    ) -> checkout.Offer:
        await _running(session, ref_id, member_id, lock=True)
        prices = await repo.lock_live_prices(session, ref_id, [ln.product_id for ln in lines])
        for line in lines:
            if line.product_id not in prices:
                raise ProductNotOnSale(session_id=ref_id, product_id=line.product_id)
        return checkout.Offer(
            source=KIND,
            ref=price_ref(ref_id),
            label=LABEL,
            prices={ln.sku_id: prices[ln.product_id] for ln in lines},
        )

    async def claim(
        self,
        session: AsyncSession,
        *,
        member_id: int,
        ref_id: int,
        order_no: str,
        lines: Sequence[checkout.OfferLine],
    ) -> None:
        """Nothing to take: a live price has no limit of its own (see the module's doc)."""
        return

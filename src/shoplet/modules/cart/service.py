"""Cart rules: what may be added, how lines are shown against the live catalog, guest merge,
favourites.

The cart never reserves stock: it checks availability when a shopper adds or raises a quantity,
and shows the live price and stock on every read. A line added from a play (a live room's
直播价, ``sources.py``) shows the play's price while the play still prices it, and the
catalogue price with a note once it no longer does. Checkout re-checks everything when ordering.
Every rejection is raised before the first write, or rolls the request back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.cart import repository as repo
from shoplet.modules.cart.errors import (
    CartFull,
    LineNotFound,
    MemberRequired,
    ProductNotFound,
    QuantityExceedsStock,
    SkuNotFound,
    SkuUnavailable,
)
from shoplet.modules.cart.models import MAX_QUANTITY, CartLine
from shoplet.modules.cart.repository import Owner
from shoplet.modules.cart.schemas import (
    MAX_LINES,
    Cart,
    CartCount,
    CartLineAdded,
    CartMergeResult,
    CartSummary,
    FavoriteItem,
    FavoritePage,
    FavoriteState,
)
from shoplet.modules.cart.schemas import CartLine as CartLineView
from shoplet.modules.cart.sources import (
    NOTE_SOURCE_ENDED,
    LinePrice,
    SourceRef,
    Sources,
    line_prices,
    source_for,
)
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members

GUEST_CART_TTL = timedelta(days=30)

WARNING_OFF_SALE = "商品已下架"
WARNING_GONE = "商品已失效"
WARNING_SOLD_OUT = "已售罄"
WARNING_LOW_STOCK = "库存不足"


def hash_guest_token(token: str) -> str:
    """Guest carts are keyed by SHA-256 of the token, so the table never holds a usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def member_owner(member_id: int) -> Owner:
    return Owner(member_id=member_id)


def guest_owner(token: str) -> Owner:
    return Owner(guest_token_hash=hash_guest_token(token))


# ---- reading -------------------------------------------------------------------------------------


def _warnings(snapshot: catalog.SkuSnapshot | None, available: int, quantity: int) -> list[str]:
    if snapshot is None:
        return [WARNING_GONE]
    if not snapshot.is_purchasable:
        return [WARNING_OFF_SALE]
    if available <= 0:
        return [WARNING_SOLD_OUT]
    if available < quantity:
        return [WARNING_LOW_STOCK]
    return []


def line_view(
    line: CartLine | repo.LineRow,
    snapshot: catalog.SkuSnapshot | None,
    level: inventory.StockLevel | None,
    played: LinePrice | None = None,
) -> CartLineView:
    """``played``: the play's price for a sourced line that it still prices (see module doc)."""
    available = max(level.available, 0) if level is not None else 0
    price = snapshot.price if snapshot is not None else line.price_at_add
    played = played if snapshot is not None and snapshot.is_purchasable else None
    list_price = None
    if played is not None and snapshot is not None:
        price, list_price = played.price, snapshot.price
    return CartLineView(
        sku_id=line.sku_id,
        product_id=snapshot.product_id if snapshot else None,
        title=snapshot.product_title if snapshot else WARNING_GONE,
        spec_text=snapshot.spec_text if snapshot else "",
        image=snapshot.image if snapshot else None,
        quantity=line.quantity,
        selected=line.selected,
        price=price,
        original_price=snapshot.original_price if snapshot else price,
        list_price=list_price,
        price_label=played.label if played is not None else None,
        price_source=line.price_source,
        price_note=NOTE_SOURCE_ENDED if line.price_source and played is None else None,
        price_at_add=line.price_at_add,
        price_changed=price != line.price_at_add,
        price_change=price - line.price_at_add,
        line_total=price * line.quantity,
        available=available,
        is_purchasable=snapshot is not None and snapshot.is_purchasable,
        warnings=_warnings(snapshot, available, line.quantity),
        added_at=line.added_at,
    )


def summarize(lines: Sequence[CartLineView]) -> CartSummary:
    selected = [line for line in lines if line.selected]
    return CartSummary(
        line_count=len(lines),
        max_lines=MAX_LINES,
        selected_count=len(selected),
        selected_quantity=sum(line.quantity for line in selected),
        items_total=sum(line.line_total for line in selected if line.is_purchasable),
        has_issues=any(line.warnings for line in selected),
    )


async def get_cart(session: AsyncSession, owner: Owner, sources: Sources) -> Cart:
    """The cart against the live catalog and stock: one query for the lines, one for their
    snapshots, one for their stock, one question per play that priced some of them."""
    lines = await repo.list_lines(session, owner)
    sku_ids = [line.sku_id for line in lines]
    snapshots = await catalog.get_sku_snapshots(session, sku_ids) if lines else {}
    levels = await inventory.get_levels(session, sku_ids) if lines else {}
    played = await _played(session, sources, owner, lines, snapshots)
    views = [
        line_view(
            line, snapshots.get(line.sku_id), levels.get(line.sku_id), played.get(line.sku_id)
        )
        for line in lines
    ]
    return Cart(lines=views, summary=summarize(views))


async def _played(
    session: AsyncSession,
    sources: Sources,
    owner: Owner,
    lines: Sequence[CartLine | repo.LineRow],
    snapshots: dict[int, catalog.SkuSnapshot],
) -> dict[int, LinePrice]:
    sourced = [
        (line.sku_id, line.price_source, snapshots[line.sku_id].product_id)
        for line in lines
        if line.price_source is not None and line.sku_id in snapshots
    ]
    if not sourced:
        return {}
    return await line_prices(session, sources, member_id=owner.member_id, lines=sourced)


async def count(session: AsyncSession, owner: Owner) -> CartCount:
    lines, units = await repo.count_lines(session, owner)
    return CartCount(line_count=lines, quantity=units)


# ---- writing -------------------------------------------------------------------------------------


async def _purchasable(
    session: AsyncSession, sku_id: int
) -> tuple[catalog.SkuSnapshot, inventory.StockLevel | None]:
    snapshot = (await catalog.get_sku_snapshots(session, [sku_id])).get(sku_id)
    if snapshot is None:
        raise SkuNotFound(f"SKU {sku_id} does not exist", sku_id=sku_id)
    if not snapshot.is_purchasable:
        raise SkuUnavailable(f"SKU {sku_id} is not on sale", sku_id=sku_id)
    level = (await inventory.get_levels(session, [sku_id])).get(sku_id)
    return snapshot, level


def _exceeds(sku_id: int, wanted: int, available: int) -> QuantityExceedsStock:
    return QuantityExceedsStock(
        f"{wanted} units of SKU {sku_id} wanted, {available} available",
        sku_id=sku_id,
        available=available,
    )


async def add_line(
    session: AsyncSession,
    owner: Owner,
    *,
    sku_id: int,
    quantity: int,
    sources: Sources,
    source: SourceRef | None = None,
) -> CartLineAdded:
    """Add units of a SKU; an existing line grows, capped at 99 units. Refused (nothing
    changed) for an unknown or withdrawn SKU, when the line would hold more than the stock
    available, or when a new line would not fit in the cart.

    ``source``: added from a play (a live room) at its price; the play refuses with its own
    problem (unknown session, not live, product not on its shelf, shopper banned) before
    anything is written, and only members may (the play knows shoppers by member). A line
    added again without a source keeps the play that priced it."""
    snapshot, level = await _purchasable(session, sku_id)
    available = max(level.available, 0) if level is not None else 0
    if quantity > available:
        raise _exceeds(sku_id, quantity, available)
    price = snapshot.price
    if source is not None:
        if owner.member_id is None:
            raise MemberRequired("sign in to add an item at a live price")
        price = await source_for(sources, source.kind).price_for_add(
            session, member_id=owner.member_id, ref_id=source.id, product_id=snapshot.product_id
        )
    await _hold(session, owner)
    existing = {line.sku_id: line for line in await repo.lock_lines(session, owner)}
    before = existing.get(sku_id)
    if before is None and len(existing) >= MAX_LINES:
        raise CartFull(f"a cart holds at most {MAX_LINES} different items", max_lines=MAX_LINES)
    ref = str(source) if source is not None else None
    if source is None and before is not None and before.price_source is not None:
        ref = before.price_source
        kept = (await _played(session, sources, owner, [before], {sku_id: snapshot})).get(sku_id)
        price = kept.price if kept is not None else price
    now = utcnow()
    line = await repo.add_units(
        session,
        owner,
        sku_id=sku_id,
        quantity=quantity,
        price=price,
        max_units=available,
        now=now,
        price_source=ref,
    )
    if line is None:
        in_cart = before.quantity if before is not None else 0
        raise _exceeds(sku_id, min(in_cart + quantity, MAX_QUANTITY), available)
    line_count = len(existing) + (before is None)
    if before is None:
        # The lock above cannot see lines that concurrent adds committed after it started;
        # this count can, so the limit holds even then (raising rolls the insert back).
        line_count, _ = await repo.count_lines(session, owner)
        if line_count > MAX_LINES:
            raise CartFull(f"a cart holds at most {MAX_LINES} different items", max_lines=MAX_LINES)
    played = await _played(session, sources, owner, [line], {sku_id: snapshot})
    return CartLineAdded(
        line=line_view(line, snapshot, level, played.get(sku_id)),
        line_count=line_count,
        quantity_capped=(before.quantity if before else 0) + quantity > MAX_QUANTITY,
    )


async def update_line(
    session: AsyncSession,
    owner: Owner,
    sku_id: int,
    *,
    quantity: int | None,
    selected: bool | None,
    sources: Sources,
) -> Cart:
    """Set a line's quantity and/or selection. Raising the quantity checks that the SKU is on
    sale and in stock; lowering it never does (so a shopper can fix a short line)."""
    line = await repo.get_line(session, owner, sku_id)
    if line is None:
        raise LineNotFound(f"SKU {sku_id} is not in the cart", sku_id=sku_id)
    values: dict[str, Any] = {}
    if quantity is not None and quantity != line.quantity:
        if quantity > line.quantity:
            _, level = await _purchasable(session, sku_id)
            available = max(level.available, 0) if level is not None else 0
            if quantity > available:
                raise _exceeds(sku_id, quantity, available)
        values["quantity"] = quantity
    if selected is not None and selected != line.selected:
        values["selected"] = selected
    if values:
        # Held too: a merge summing this line into the survivor's would otherwise drop the
        # change silently (the UPDATE would match no row once the merge moved it).
        await _hold(session, owner)
        values["updated_at"] = utcnow()
        await repo.update_line(session, owner, sku_id, values)
    return await get_cart(session, owner, sources)


async def remove_line(session: AsyncSession, owner: Owner, sku_id: int, sources: Sources) -> Cart:
    """Idempotent: removing a line that is not there leaves the cart as it is."""
    await repo.delete_lines(session, owner, [sku_id])
    return await get_cart(session, owner, sources)


async def select_lines(
    session: AsyncSession,
    owner: Owner,
    *,
    selected: bool,
    sku_ids: Sequence[int] | None,
    sources: Sources,
) -> Cart:
    await repo.set_selected(session, owner, selected=selected, sku_ids=sku_ids, now=utcnow())
    return await get_cart(session, owner, sources)


async def merge_guest_cart(
    session: AsyncSession, *, member_id: int, guest_token: str, sources: Sources
) -> CartMergeResult:
    """Move a guest's lines into the member's cart after login: a SKU in both gets the summed
    quantity (capped at 99); new lines join while the cart has room (the most recently touched
    first) and the rest are dropped; the guest cart is then emptied. Running it again finds no
    guest lines and changes nothing."""
    member = member_owner(member_id)
    guest = guest_owner(guest_token)
    await _hold(session, member)
    locked = await repo.lock_lines(session, member, guest)
    mine = {line.sku_id for line in locked if line.member_id == member_id}
    theirs = [line for line in locked if line.member_id is None]
    if not theirs:
        return CartMergeResult(cart=await get_cart(session, member, sources), merged=0, dropped=0)
    overlapping = [line for line in theirs if line.sku_id in mine]
    new = sorted(
        (line for line in theirs if line.sku_id not in mine),
        key=lambda line: (line.updated_at, line.id),
        reverse=True,
    )
    room = max(MAX_LINES - len(mine), 0)
    taken = overlapping + new[:room]
    await repo.merge_into_member(session, member_id, taken, now=utcnow())
    await repo.delete_lines(session, guest)
    return CartMergeResult(
        cart=await get_cart(session, member, sources),
        merged=len(taken),
        dropped=len(new) - len(new[:room]),
    )


async def selected_items(
    session: AsyncSession, member_id: int
) -> list[tuple[int, int, str | None]]:
    return await repo.selected_lines(session, member_id)


async def remove_items(session: AsyncSession, member_id: int, sku_ids: Sequence[int]) -> None:
    if sku_ids:
        await repo.delete_lines(session, member_owner(member_id), sku_ids)


async def purge_guest_carts(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete guest lines nobody touched for :data:`GUEST_CART_TTL`; returns how many."""
    return await repo.purge_guest_lines(session, updated_before=(now or utcnow()) - GUEST_CART_TTL)


# ---- favourites ----------------------------------------------------------------------------------


async def _hold(session: AsyncSession, owner: Owner) -> None:
    """A member's cart: a merge absorbing the member waits for this write (and moves its lines)
    or has happened (409 ``members.already_merged``). Taken before the lines are locked, in the
    merge's order (member row, then lines), so the two cannot deadlock."""
    if owner.member_id is not None:
        await members.hold_member(session, owner.member_id)


async def add_favorite(session: AsyncSession, member_id: int, product_id: int) -> FavoriteState:
    """Idempotent. Only products on sale can be favourited (others are 404, as on the
    storefront); one already favourited stays so even if it was withdrawn since."""
    if not await repo.is_favorite(session, member_id, product_id):
        product = await _require_on_sale(session, product_id)
        await members.hold_member(session, member_id)
        # 收藏 compares the price now with this one (降 ¥x).
        await repo.insert_favorite(
            session, member_id, product_id, now=utcnow(), price=product.min_price
        )
    return FavoriteState(product_id=product_id, favorited=True)


async def _require_on_sale(session: AsyncSession, product_id: int) -> catalog.ProductAdmin:
    try:
        product = await catalog.get_product_admin(session, product_id)
    except catalog.ProductNotFound as exc:
        raise ProductNotFound(
            f"product {product_id} does not exist", product_id=product_id
        ) from exc
    if product.status != "on_sale":
        raise ProductNotFound(f"product {product_id} is not on sale", product_id=product_id)
    return product


async def remove_favorite(session: AsyncSession, member_id: int, product_id: int) -> FavoriteState:
    await repo.delete_favorite(session, member_id, product_id)
    return FavoriteState(product_id=product_id, favorited=False)


async def favorite_state(session: AsyncSession, member_id: int, product_id: int) -> FavoriteState:
    return FavoriteState(
        product_id=product_id, favorited=await repo.is_favorite(session, member_id, product_id)
    )


async def list_favorites(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> FavoritePage:
    """Newest first, keyset-paged by favourite id, each with the product as it is now."""
    before_id = decode_id_cursor(cursor)
    rows = await repo.list_favorites(session, member_id, before_id=before_id, limit=limit + 1)
    page = rows[:limit]
    items = []
    for favorite in page:
        # catalog.public offers no batch product read yet: one look-up per favourite on the
        # page (the page size is capped at 20 for that reason).
        try:
            product = await catalog.get_product_admin(session, favorite.product_id)
        except catalog.ProductNotFound:
            continue
        items.append(
            FavoriteItem(
                product_id=product.id,
                favorited_at=favorite.created_at,
                title=product.title,
                image=product.images[0] if product.images else None,
                price=product.min_price,
                original_price=product.original_price,
                is_available=product.status == "on_sale",
                price_at_favorite=favorite.price_at_favorite,
                price_drop=max(0, (favorite.price_at_favorite or 0) - product.min_price)
                if favorite.price_at_favorite is not None
                else 0,
            )
        )
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return FavoritePage(items=items, next_cursor=next_cursor)

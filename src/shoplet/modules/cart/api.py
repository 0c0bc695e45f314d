"""HTTP endpoints of the cart module: ``/cart*`` (tags cart) and ``/me/favorites*`` (favorites).

Whose cart: the member of the Bearer token when one is sent, else the guest of the
``X-Cart-Token`` header (a random 16..64-character URL-safe string the client keeps), else 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.modules.cart import service
from shoplet.modules.cart.errors import CartIdentityRequired
from shoplet.modules.cart.repository import Owner
from shoplet.modules.cart.schemas import (
    GUEST_TOKEN_PATTERN,
    Cart,
    CartCount,
    CartLineAdd,
    CartLineAdded,
    CartLineUpdate,
    CartMergeRequest,
    CartMergeResult,
    CartSelection,
    FavoritePage,
    FavoriteState,
)
from shoplet.modules.cart.sources import SourceRef, Sources, sources_of
from shoplet.modules.members.public import CurrentMember, OptionalMember

router = APIRouter()

SkuPath = PathId
ProductPath = PathId


async def _cart_owner(
    member: OptionalMember,
    x_cart_token: Annotated[
        str | None,
        Header(
            pattern=GUEST_TOKEN_PATTERN,
            description="guest cart token (16..64 URL-safe characters); ignored for members",
        ),
    ] = None,
) -> Owner:
    if member is not None:
        return service.member_owner(member.id)
    if x_cart_token is not None:
        return service.guest_owner(x_cart_token)
    raise CartIdentityRequired("Sign in, or send an X-Cart-Token header for a guest cart")


CartOwner = Annotated[Owner, Depends(_cart_owner)]


async def _sources(ctx: Ctx) -> Sources:
    return sources_of(ctx)


# The plays registered to price cart lines (a live room's 直播价): see ``sources.py``.
CartSources = Annotated[Sources, Depends(_sources)]


@router.get("/cart", tags=["cart"], response_model=Cart, responses=problem_responses(401))
async def get_cart(session: DbSession, owner: CartOwner, sources: CartSources) -> Cart:
    """The cart with live prices, stock and warnings, and a summary of the selected lines."""
    return await service.get_cart(session, owner, sources)


@router.get(
    "/cart/count", tags=["cart"], response_model=CartCount, responses=problem_responses(401)
)
async def count_cart(session: DbSession, owner: CartOwner) -> CartCount:
    """Lines and units in the cart (for the tab-bar badge)."""
    return await service.count(session, owner)


@router.post(
    "/cart/lines",
    tags=["cart"],
    response_model=CartLineAdded,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def add_line(
    session: DbSession, owner: CartOwner, sources: CartSources, body: CartLineAdd
) -> CartLineAdded:
    """Add a SKU to the cart (an existing line grows, up to 99 units), from a play at its
    price with ``source`` (a live room's 直播价)."""
    source = SourceRef(body.source.kind, body.source.id) if body.source is not None else None
    return await service.add_line(
        session,
        owner,
        sku_id=body.sku_id,
        quantity=body.quantity,
        sources=sources,
        source=source,
    )


@router.patch(
    "/cart/lines/{sku_id}",
    tags=["cart"],
    response_model=Cart,
    responses=problem_responses(401, 404, 409),
)
async def update_line(
    session: DbSession,
    owner: CartOwner,
    sources: CartSources,
    sku_id: SkuPath,
    body: CartLineUpdate,
) -> Cart:
    """Change a line's quantity and/or selection."""
    return await service.update_line(
        session, owner, sku_id, quantity=body.quantity, selected=body.selected, sources=sources
    )


@router.delete(
    "/cart/lines/{sku_id}", tags=["cart"], response_model=Cart, responses=problem_responses(401)
)
async def remove_line(
    session: DbSession, owner: CartOwner, sources: CartSources, sku_id: SkuPath
) -> Cart:
    """Remove a line (removing one that is not there is not an error)."""
    return await service.remove_line(session, owner, sku_id, sources)


@router.post(
    "/cart/selection", tags=["cart"], response_model=Cart, responses=problem_responses(401)
)
async def select_lines(
    session: DbSession, owner: CartOwner, sources: CartSources, body: CartSelection
) -> Cart:
    """Select or deselect every line (or the lines of ``sku_ids``)."""
    return await service.select_lines(
        session, owner, selected=body.selected, sku_ids=body.sku_ids, sources=sources
    )


@router.post(
    "/cart/merge",
    tags=["cart"],
    response_model=CartMergeResult,
    responses=problem_responses(401),
)
async def merge_cart(
    session: DbSession, member: CurrentMember, sources: CartSources, body: CartMergeRequest
) -> CartMergeResult:
    """After login: move the guest cart of ``guest_token`` into the member's cart."""
    return await service.merge_guest_cart(
        session, member_id=member.id, guest_token=body.guest_token, sources=sources
    )


# ---- favourites --------------------------------------------------------------------------------


@router.get(
    "/me/favorites",
    tags=["favorites"],
    response_model=FavoritePage,
    responses=problem_responses(400, 401),
)
async def list_favorites(
    session: DbSession,
    member: CurrentMember,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> FavoritePage:
    """The member's favourite products, newest first, as they are now."""
    return await service.list_favorites(session, member.id, cursor=cursor, limit=limit)


@router.get(
    "/me/favorites/{product_id}",
    tags=["favorites"],
    response_model=FavoriteState,
    responses=problem_responses(401),
)
async def get_favorite(
    session: DbSession, member: CurrentMember, product_id: ProductPath
) -> FavoriteState:
    """Whether the member has favourited the product."""
    return await service.favorite_state(session, member.id, product_id)


@router.put(
    "/me/favorites/{product_id}",
    tags=["favorites"],
    response_model=FavoriteState,
    responses=problem_responses(401, 404),
)
async def add_favorite(
    session: DbSession, member: CurrentMember, product_id: ProductPath
) -> FavoriteState:
    """Favourite a product on sale (idempotent)."""
    return await service.add_favorite(session, member.id, product_id)


@router.delete(
    "/me/favorites/{product_id}",
    tags=["favorites"],
    response_model=FavoriteState,
    responses=problem_responses(401),
)
async def remove_favorite(
    session: DbSession, member: CurrentMember, product_id: ProductPath
) -> FavoriteState:
    """Un-favourite a product (idempotent)."""
    return await service.remove_favorite(session, member.id, product_id)

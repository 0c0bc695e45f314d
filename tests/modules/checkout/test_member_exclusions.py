"""Goods excluded from the member price (already discounted): pure pricing skips their lines
(tier discount and SVIP alike); through the API, staff save products and categories (a
category covers its subcategories), the checkout preview prices only the other lines at the
member price, the storefront reads the list, and a list naming an unknown product or category
is refused with nothing saved."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.checkout import discounts as terms
from shoplet.modules.membership.public import Benefits, MemberTier, PriceExclusions
from shoplet.modules.orders.models import Order, OrderLine
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, make_product, sku
from tests.modules.checkout.test_member_benefits import preview, staff, v3_shopper
from tests.modules.checkout.test_member_pricing import sku as snap
from tests.modules.membership.factories import CONSOLE
from tests.modules.membership.plan_factories import MY_SVIP, get_json
from tests.modules.orders.factories import add_to_cart, pay, placed

__all__ = ["staff"]

EXCLUSIONS = f"{CONSOLE}/exclusions"
PUBLIC = "/api/v1/membership/price-exclusions"
V3_TIER = MemberTier(code="V3", name="铂金会员", level=3, benefits=Benefits(discount_permille=900))


# -- pure ------------------------------------------------------------------------------------


def test_excluded_lines_get_no_member_price() -> None:
    priced = [(snap(1, 10000), 1), (snap(2, 5000), 2), (snap(3, 3000), 1)]
    by_product = PriceExclusions(product_ids=frozenset({2}))
    assert terms.member_base(V3_TIER.benefits, priced) == {1: 1000, 2: 1000, 3: 300}
    assert terms.member_base(V3_TIER.benefits, priced, by_product) == {1: 1000, 2: 0, 3: 300}
    # Every test SKU is filed under category 1: excluding it leaves nothing at member price.
    by_category = PriceExclusions(category_ids=frozenset({1}))
    made = terms.member_terms_of(V3_TIER, V3_TIER.benefits, priced, by_category)
    assert (made.base, made.goods_discount, made.discounts()) == ({1: 0, 2: 0, 3: 0}, 0, [])


def test_the_free_shipping_threshold_sees_excluded_goods_at_full_price() -> None:
    ships = Benefits(discount_permille=900, free_shipping=True, free_shipping_threshold=10000)
    priced = [(snap(1, 10500), 1)]
    # At member price 9450 is under ¥100; excluded, the line stays at 10500 and ships free.
    assert not terms.member_terms_of(V3_TIER, ships, priced).ships_free
    excluded = PriceExclusions(product_ids=frozenset({1}))
    assert terms.member_terms_of(V3_TIER, ships, priced, excluded).ships_free


def test_no_exclusions_is_falsy_and_covers_nothing() -> None:
    none = PriceExclusions()
    assert not none
    assert not none.covers(1, 1)
    assert PriceExclusions(category_ids=frozenset({7})).covers(99, 7)
    assert not PriceExclusions(category_ids=frozenset({7})).covers(99, None)


# -- API -------------------------------------------------------------------------------------


async def test_staff_exclude_goods_and_the_preview_skips_them(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    clothes = await make_category(ctx, "服饰")
    sale = await make_category(ctx, "清仓", parent_id=clothes)
    shirt = await make_product(ctx, clothes, title="T恤", skus=[sku(2000, ("尺码", "M"))])
    socks = await make_product(ctx, sale, title="袜子", skus=[sku(3000, ("尺码", "M"))])
    alice = await v3_shopper(client, ctx)
    await add_to_cart(client, alice, shirt.skus[0].id, 2)
    await add_to_cart(client, alice, socks.skus[0].id, 1)
    assert (await preview(client, alice))["member"]["goods_discount"] == 350

    saved = await client.put(
        EXCLUSIONS, json={"product_ids": [shirt.id], "category_ids": []}, headers=staff
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["products"] == [{"id": shirt.id, "title": "T恤"}]
    shown = await preview(client, alice)
    # Only the socks at 9.5折: 3000 → 2850.
    assert (shown["member"]["goods_discount"], shown["member"]["lines"]) == (
        150,
        {str(socks.skus[0].id): 150},
    )

    saved = await client.put(EXCLUSIONS, json={"category_ids": [clothes]}, headers=staff)
    assert saved.status_code == 200, saved.text
    assert saved.json()["categories"] == [{"id": clothes, "name": "服饰"}]
    assert (await preview(client, alice))["member"]["goods_discount"] == 0
    public = await client.get(PUBLIC)
    assert public.json() == {"product_ids": [], "category_ids": sorted([clothes, sale])}

    cleared = await client.put(EXCLUSIONS, json={}, headers=staff)
    assert cleared.json() == {"products": [], "categories": [], "updated_at": None}
    assert (await preview(client, alice))["member"]["goods_discount"] == 350


async def test_unknown_goods_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    clothes = await make_category(ctx, "服饰")
    shirt = await make_product(ctx, clothes, title="T恤", skus=[sku(2000, ("尺码", "M"))])
    kept = await client.put(EXCLUSIONS, json={"product_ids": [shirt.id]}, headers=staff)
    assert kept.status_code == 200, kept.text
    before = await snapshot(ctx)
    for body, field in [
        ({"product_ids": [shirt.id, 999999]}, "product_ids"),
        ({"category_ids": [clothes, 888888]}, "category_ids"),
    ]:
        refused = await client.put(EXCLUSIONS, json=body, headers=staff)
        assert refused.status_code == 400, refused.text
        assert (refused.json()["code"], refused.json()["field"]) == (
            "membership.invalid_exclusions",
            field,
        )
    for bad in ({"product_ids": ["x"]}, {"product_ids": [0]}, {"skus": [1]}, {"product_ids": 5}):
        malformed = await client.put(EXCLUSIONS, json=bad, headers=staff)
        assert malformed.status_code == 422, (bad, malformed.text)
    too_many = await client.put(
        EXCLUSIONS, json={"product_ids": list(range(1, 502))}, headers=staff
    )
    assert too_many.status_code == 422
    assert await snapshot(ctx) == before
    assert (await client.get(PUBLIC)).json() == {"product_ids": [shirt.id], "category_ids": []}


async def test_the_svip_saving_hint_counts_only_spend_on_goods_at_member_price(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    """ "开通SVIP省¥xx" rests on the last 90 days' spend: the share that went to excluded goods
    would get no plan discount, so it is left out."""
    clothes = await make_category(ctx, "服饰")
    shirt = await make_product(ctx, clothes, title="T恤", skus=[sku(2000, ("尺码", "M"))])
    socks = await make_product(ctx, clothes, title="袜子", skus=[sku(3000, ("尺码", "M"))])
    alice = await v3_shopper(client, ctx)
    order = await placed(client, alice, [(shirt.skus[0].id, 2), (socks.skus[0].id, 1)])
    await pay(client, ctx, alice, order["order_no"])
    async with ctx.sessionmaker() as s:
        paid = await s.scalar(select(Order).where(Order.order_no == order["order_no"]))
        lines = dict(
            (await s.execute(select(OrderLine.product_id, OrderLine.payable))).tuples().all()
        )
    assert paid is not None
    spent = paid.payable_total
    before = await get_json(client, MY_SVIP, alice.headers)
    assert (before["saving_basis"], before["monthly_spend"]) == ("history", spent * 30 // 90)

    saved = await client.put(EXCLUSIONS, json={"product_ids": [shirt.id]}, headers=staff)
    assert saved.status_code == 200, saved.text
    after = await get_json(client, MY_SVIP, alice.headers)
    share = spent * lines[socks.id] // (lines[socks.id] + lines[shirt.id])
    assert (after["saving_basis"], after["monthly_spend"]) == ("history", share * 30 // 90)

    await client.put(EXCLUSIONS, json={"category_ids": [clothes]}, headers=staff)
    assert (await get_json(client, MY_SVIP, alice.headers))["monthly_spend"] == 0

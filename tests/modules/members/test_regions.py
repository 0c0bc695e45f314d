"""The region tree (members/regions.py) and ``GET /api/v1/regions``."""

from __future__ import annotations

import httpx
import pytest

from shoplet.modules.members.regions import build, tree
from tests.modules.members.conftest import bearer, wechat_login

REGIONS = "/api/v1/regions"
MAINLAND = 31


def test_every_mainland_province_has_cities_and_every_city_has_districts() -> None:
    regions = tree()
    assert len(regions.provinces) == MAINLAND
    for province in regions.provinces:
        assert province.children, province.name
        for city_code in province.children:
            city = regions.city(city_code)
            assert city is not None
            assert city.parent == province.code
            assert city.children, (province.name, city.name)
            for district_code in city.children:
                leaf = regions.leaf(district_code)
                assert leaf is not None
                assert (leaf.province, leaf.city) == (province, city)


def test_hong_kong_macao_and_taiwan_are_left_out() -> None:
    names = {p.name for p in tree().provinces}
    assert not names & {"香港特别行政区", "澳门特别行政区", "台湾省"}


@pytest.mark.parametrize("province", ["110000", "120000", "310000", "500000"])
def test_a_municipality_has_one_city_named_like_it(province: str) -> None:
    regions = tree()
    [city] = regions.children(province) or ()
    assert (city.code, city.name) == (province[:2] + "0100", regions.province(province).name)  # type: ignore[union-attr]


def test_chongqing_counties_sit_in_its_one_city() -> None:
    leaf = tree().leaf("500240")
    assert leaf is not None
    assert (leaf.province.name, leaf.city.name, leaf.district.name) == (
        "重庆市",
        "重庆市",
        "石柱土家族自治县",
    )


@pytest.mark.parametrize(
    ("code", "province", "city"),
    [
        ("429004", "湖北省", "仙桃市"),
        ("419001", "河南省", "济源市"),
        ("469002", "海南省", "琼海市"),
        ("659001", "新疆维吾尔自治区", "石河子市"),
        ("441900", "广东省", "东莞市"),
        ("442000", "广东省", "中山市"),
        ("620200", "甘肃省", "嘉峪关市"),
        ("460400", "海南省", "儋州市"),
    ],
)
def test_a_city_without_districts_is_its_own_only_district(
    code: str, province: str, city: str
) -> None:
    regions = tree()
    leaf = regions.leaf(code)
    assert leaf is not None
    assert (leaf.province.name, leaf.city.name, leaf.district.name) == (province, city, city)
    assert [r.code for r in regions.children(code) or ()] == [code]


def test_build_is_pure_and_the_tree_is_read_only() -> None:
    small = build({"530000": "云南省", "530100": "昆明市", "530102": "五华区", "810000": "香港"})
    assert [p.name for p in small.provinces] == ["云南省"]
    assert small.leaf("530102") is not None
    with pytest.raises(TypeError):
        small.by_level[0]["x"] = small.provinces[0]  # type: ignore[index]


async def test_without_parent_the_provinces_are_listed(client: httpx.AsyncClient) -> None:
    response = await client.get(REGIONS)

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == MAINLAND
    assert {"code": "540000", "name": "西藏自治区", "has_children": True} in items


async def test_children_of_a_province_then_of_a_city(client: httpx.AsyncClient) -> None:
    cities = (await client.get(REGIONS, params={"parent_code": "540000"})).json()["items"]
    assert {"code": "540100", "name": "拉萨市", "has_children": True} in cities

    districts = (await client.get(REGIONS, params={"parent_code": "540100"})).json()["items"]
    assert {"code": "540102", "name": "城关区", "has_children": False} in districts

    leaf = await client.get(REGIONS, params={"parent_code": "540102"})
    assert (leaf.status_code, leaf.json()) == (200, {"items": []})


@pytest.mark.parametrize("code", ["999999", "810000", "710000", "530199"])
async def test_an_unknown_parent_is_a_404(client: httpx.AsyncClient, code: str) -> None:
    response = await client.get(REGIONS, params={"parent_code": code})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "regions.not_found"


@pytest.mark.parametrize("code", ["5301", "53010a", "", "5301000"])
async def test_a_malformed_parent_is_a_422(client: httpx.AsyncClient, code: str) -> None:
    response = await client.get(REGIONS, params={"parent_code": code})

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


async def test_regions_are_cached_a_day_and_revalidate_to_304(client: httpx.AsyncClient) -> None:
    first = await client.get(REGIONS, params={"parent_code": "530000"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=86400")

    again = await client.get(
        REGIONS, params={"parent_code": "530000"}, headers={"If-None-Match": etag}
    )
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag

    other = await client.get(REGIONS, params={"parent_code": "540000"})
    assert other.headers["etag"] != etag


async def test_a_signed_in_request_is_not_kept_by_shared_caches(
    client: httpx.AsyncClient,
) -> None:
    tokens = await wechat_login(client)
    response = await client.get(REGIONS, headers=bearer(tokens))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"


def test_every_leaf_keeps_its_province_prefix_for_shipping_rules() -> None:
    # Shipping rules price by region-code prefix ("65" = 新疆): every leaf, including the
    # directly administered cities (6590xx) and 重庆's counties (5002xx), keeps its province's.
    leaves = tree().leaves()
    assert len(leaves) > 2800
    for leaf in leaves:
        assert leaf.code[:2] == leaf.province.code[:2], leaf
        if leaf.city.code != leaf.code and leaf.province.code[:2] not in {"11", "12", "31", "50"}:
            assert leaf.code[:4] == leaf.city.code[:4], leaf

"""Smart paste: ``members.address_parser.parse`` and ``POST /api/v1/addresses/parse``."""

from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.members.address_parser import parse, short_name
from tests.conftest import snapshot
from tests.modules.members.conftest import bearer, wechat_login

PARSE = "/api/v1/addresses/parse"
KUNMING = ("云南省", "昆明市", "五华区", "530102")
LHASA = ("西藏自治区", "拉萨市", "城关区", "540102")

CASES: list[tuple[str, tuple[str | None, ...]]] = [
    # text -> (recipient, phone, province, city, district, region_code, detail)
    (
        "张三 13800138000 云南省昆明市五华区翠湖南路1号",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "收货人：张三\n手机号码：13800138000\n所在地区：云南省昆明市五华区\n详细地址：翠湖南路1号",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "详细地址：翠湖南路1号 收件人:张三 所在地区: 云南省 昆明市 五华区 电话：138 0013 8000",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "云南省昆明市五华区翠湖南路1号，张三，13800138000",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "13800138000\n云南省昆明市五华区翠湖南路1号\n张三",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "张三 +86 138-0013-8000 云南省 昆明市 五华区 翠湖南路1号",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    ("云南昆明五华 翠湖南路1号 张三", ("张三", None, *KUNMING, "翠湖南路1号")),
    (
        "西藏拉萨城关区北京中路22号 扎西 13900001111",
        ("扎西", "13900001111", *LHASA, "北京中路22号"),
    ),
    (
        "昆明市五华区翠湖南路1号 张三 13800138000",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        "北京市朝阳区建国路88号SOHO现代城 李雷 13800138000",
        ("李雷", "13800138000", "北京市", "北京市", "朝阳区", "110105", "建国路88号SOHO现代城"),
    ),
    (
        "长春市朝阳区人民大街1号 韩梅梅 13800138000",
        ("韩梅梅", "13800138000", "吉林省", "长春市", "朝阳区", "220104", "人民大街1号"),
    ),
    (
        "云南大理洱源县茈碧湖镇1号 段誉 13800138000",
        ("段誉", "13800138000", "云南省", "大理白族自治州", "洱源县", "532930", "茈碧湖镇1号"),
    ),
    (
        "重庆市石柱土家族自治县南宾街道1号 张三 13800138000",
        ("张三", "13800138000", "重庆市", "重庆市", "石柱土家族自治县", "500240", "南宾街道1号"),
    ),
    (
        "湖北省仙桃市沔街1号 张三 13800138000",
        ("张三", "13800138000", "湖北省", "仙桃市", "仙桃市", "429004", "沔街1号"),
    ),
    (
        "广东东莞东城街道东纵路1号 李四 13800138000",
        ("李四", "13800138000", "广东省", "东莞市", "东莞市", "441900", "东城街道东纵路1号"),
    ),
    (
        "内蒙古呼和浩特市新城区新华大街1号, 阿拉坦, 0086 13800138000",
        ("阿拉坦", "13800138000", "内蒙古自治区", "呼和浩特市", "新城区", "150102", "新华大街1号"),
    ),
    (
        "张三13800138000云南省昆明市五华区翠湖南路1号",
        ("张三", "13800138000", *KUNMING, "翠湖南路1号"),
    ),
    (
        # Only a city: no district is guessed.
        "云南省昆明市翠湖南路1号 张三",
        ("张三", None, "云南省", "昆明市", None, None, "翠湖南路1号"),
    ),
    (
        # 朝阳区 alone is in Beijing and in Changchun: the region is left for the shopper.
        "朝阳区建国路88号 李雷 13800138000",
        ("李雷", "13800138000", None, None, None, None, "朝阳区建国路88号"),
    ),
    (
        # Road names that start like a region are not regions.
        "中山路1号 张三",
        ("张三", None, None, None, None, None, "中山路1号"),
    ),
    ("", (None, None, None, None, None, None, None)),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:16] for c in CASES])
def test_parse(text: str, expected: tuple[str | None, ...]) -> None:
    found = parse(text)

    assert (
        found.recipient,
        found.phone,
        found.province,
        found.city,
        found.district,
        found.region_code,
        found.detail,
    ) == expected


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("云南省", "云南"),
        ("新疆维吾尔自治区", "新疆"),
        ("广西壮族自治区", "广西"),
        ("大理白族自治州", "大理"),
        ("恩施土家族苗族自治州", "恩施"),
        ("巴音郭楞蒙古自治州", "巴音郭楞"),
        ("阿拉善盟", "阿拉善"),
        ("城关区", "城关"),
        ("和县", None),
        ("城区", None),
    ],
)
def test_short_names(name: str, short: str | None) -> None:
    assert short_name(name) == short


async def test_the_route_parses_for_a_signed_in_member_and_writes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(PARSE, json={"text": CASES[0][0]}, headers=bearer(tokens))

    assert response.status_code == 200
    assert response.json() == {
        "recipient": "张三",
        "phone": "13800138000",
        "province": "云南省",
        "city": "昆明市",
        "district": "五华区",
        "region_code": "530102",
        "detail": "翠湖南路1号",
    }
    assert await snapshot(ctx) == before


async def test_the_route_needs_a_member(client: httpx.AsyncClient) -> None:
    response = await client.post(PARSE, json={"text": CASES[0][0]})

    assert response.status_code == 401


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "号" * 501}, {"text": 1}, {}])
async def test_bad_parse_requests_are_422(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, object]
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(PARSE, json=body, headers=bearer(tokens))

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before

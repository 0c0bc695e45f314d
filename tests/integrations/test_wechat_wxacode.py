"""The wxacode.getUnlimited client against the in-repo simulator over HTTP (httpx's ASGI
transport): the request's wire format, images that decode back to the scene, WeChat's error
codes for each rule, and the access token (fetched once, refreshed on 40001)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from PIL import Image

from shoplet.integrations.wechat.wxacode import WxacodeClient, WxacodeError
from shoplet.integrations.wechat.wxacode_simulator import WxacodeSimulator, code_content
from tests.integrations import wechat_simulator as shared
from tests.integrations.qr import decode_qr
from tests.integrations.wechat_simulator import APPID, SECRET, Recorder

PAGE = "pkg-social/share/index"

# The simulator, its request recorder and the HTTP client, set up once for the wxacode and
# getPhoneNumber tests (tests/integrations/wechat_simulator.py): fixtures found by name.
simulator = shared.simulator
recorder = shared.recorder
http = shared.http


@pytest.fixture
def client(http: httpx.AsyncClient) -> WxacodeClient:
    return WxacodeClient(http, appid=APPID, secret=SECRET)


async def test_request_format_and_a_code_that_decodes_to_the_scene(
    client: WxacodeClient, recorder: Recorder
) -> None:
    code = await client.get_unlimited("Ab3dE5gH9k", PAGE, width=430)

    [(token_path, _, token_body), (path, query, body)] = recorder.requests
    assert token_path == "/cgi-bin/stable_token"
    assert orjson.loads(token_body) == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }
    assert path == "/wxa/getwxacodeunlimit"
    assert list(parse_qs(query)) == ["access_token"]
    assert orjson.loads(body) == {
        "scene": "Ab3dE5gH9k",
        "page": PAGE,
        "check_path": True,
        "env_version": "release",
        "width": 430,
        "auto_color": False,
        "line_color": {"r": 0, "g": 0, "b": 0},
        "is_hyaline": False,
    }
    assert code.content_type == "image/jpeg"
    with Image.open(io.BytesIO(code.content)) as image:
        assert (image.format, image.size) == ("JPEG", (430, 430))
    [text] = decode_qr(code.content)
    assert text == code_content(APPID, PAGE, "Ab3dE5gH9k")
    assert parse_qs(urlsplit(text).query)["scene"] == ["Ab3dE5gH9k"]


@pytest.mark.parametrize("width", [280, 1280])
async def test_width_sets_the_image_size_and_hyaline_makes_a_transparent_png(
    client: WxacodeClient, width: int
) -> None:
    scene = "a=1&b=2/x?y:z@-._~!$'()*+,;#"
    code = await client.get_unlimited(scene, PAGE, width=width, is_hyaline=True)

    assert code.content_type == "image/png"
    with Image.open(io.BytesIO(code.content)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (width, width), "RGBA")
        assert image.getpixel((0, 0))[3] == 0
    [text] = decode_qr(code.content)
    assert parse_qs(urlsplit(text).query)["scene"] == [scene]


async def test_the_access_token_is_fetched_once_and_refreshed_after_40001(
    client: WxacodeClient, simulator: WxacodeSimulator
) -> None:
    await client.get_unlimited("one", PAGE)
    await client.get_unlimited("two", PAGE)
    assert simulator.token_requests == 1

    simulator.expire_tokens()
    await client.get_unlimited("three", PAGE)

    assert simulator.token_requests == 2
    assert [scene for scene, _, _ in simulator.codes] == ["one", "two", "three"]


BAD_REQUESTS = [
    # (body changes, WeChat's errcode)
    ({"scene": "x" * 33}, 40097),
    ({"scene": ""}, 40097),
    ({"scene": "中文"}, 40097),
    ({"scene": "a b"}, 40097),
    ({"scene": "a%20b"}, 40097),
    ({"page": "/pages/index/index"}, 40159),
    ({"page": "pages//index"}, 40159),
    ({"page": "pages/nowhere/index"}, 41030),
    ({"width": 279}, 40097),
    ({"width": 1281}, 40097),
    ({"env_version": "beta"}, 40097),
]


@pytest.mark.parametrize(("change", "errcode"), BAD_REQUESTS)
async def test_the_simulator_answers_wechats_error_codes(
    http: httpx.AsyncClient, client: WxacodeClient, change: dict[str, object], errcode: int
) -> None:
    token = await client.access_token()
    body = {"scene": "ok", "page": PAGE, "width": 430, **change}

    response = await http.post("/wxa/getwxacodeunlimit", params={"access_token": token}, json=body)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errcode"] == errcode


async def test_unchecked_paths_pass_and_a_bad_token_is_40001(
    http: httpx.AsyncClient, client: WxacodeClient
) -> None:
    code = await client.get_unlimited("ok", "pages/unpublished/index", check_path=False)
    assert decode_qr(code.content)

    response = await http.post(
        "/wxa/getwxacodeunlimit", params={"access_token": "nope"}, json={"scene": "ok"}
    )
    assert response.json()["errcode"] == 40001


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (("x" * 33, PAGE, 430), (40097, "scene")),
        (("含中文", PAGE, 430), (40097, "scene")),
        (("ok", "/" + PAGE, 430), (40159, "page")),
        (("ok", PAGE, 100), (40097, "width")),
    ],
)
async def test_the_client_refuses_before_calling(
    client: WxacodeClient,
    recorder: Recorder,
    call: tuple[str, str, int],
    expected: tuple[int, str],
) -> None:
    scene, page, width = call
    with pytest.raises(WxacodeError) as caught:
        await client.get_unlimited(scene, page, width=width)

    assert (caught.value.errcode, caught.value.field) == expected
    assert recorder.requests == []


async def test_unknown_pages_and_the_quota_come_back_as_errors(
    client: WxacodeClient, simulator: WxacodeSimulator
) -> None:
    with pytest.raises(WxacodeError) as caught:
        await client.get_unlimited("ok", "pages/nowhere/index")
    assert caught.value.errcode == 41030

    simulator.daily_quota = len(simulator.codes)
    with pytest.raises(WxacodeError) as caught:
        await client.get_unlimited("ok", PAGE)
    assert caught.value.errcode == 45009


async def test_wrong_credentials_and_broken_servers() -> None:
    simulator = WxacodeSimulator(appid=APPID, secret=SECRET)
    transport = httpx.ASGITransport(app=simulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wechat.simulator") as http:
        with pytest.raises(WxacodeError) as caught:
            await WxacodeClient(http, appid=APPID, secret="wrong").get_unlimited("ok", PAGE)
        assert caught.value.errcode == 40125

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(broken), base_url="http://wechat.simulator"
    ) as http:
        with pytest.raises(WxacodeError) as caught:
            await WxacodeClient(http, appid=APPID, secret=SECRET).get_unlimited("ok", PAGE)
        assert caught.value.errcode == -1

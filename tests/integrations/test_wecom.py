"""The WeCom client against the in-repo simulator (token caching, refresh on 42001, errcodes as
typed errors) and the callback crypto against WeCom's published WXBizMsgCrypt samples."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest

from shoplet.integrations.wechat.message_crypto import PushCryptoError, aes_key
from shoplet.integrations.wecom.client import (
    MEDIA_TTL_SECONDS,
    ApiForbidden,
    InvalidCredential,
    InvalidParameter,
    InvalidToken,
    MediaRefused,
    MiniProgram,
    UnknownContact,
    UnknownMedia,
    UnknownStaff,
    UnknownTag,
    WeComClient,
    WeComError,
    contact_change,
    error_for,
    open_callback,
    parse_xml,
    verify_url,
)
from shoplet.integrations.wecom.simulator import WeComSimulator

# WeCom's own sample (企业微信 加解密库 Sample.py): token, EncodingAESKey and corp id.
SAMPLE_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
SAMPLE_AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SAMPLE_CORP_ID = "ww1436e0e65a779aee"
SAMPLE_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGz"
    "BhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3J"
    "WcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQH"
    "E7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYu"
    "PDGOCI8jmnKiypE+"
)
SAMPLE_BODY = (
    f"<xml><ToUserName><![CDATA[{SAMPLE_CORP_ID}]]></ToUserName>\n"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt>\n"
    "<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
).encode()
SAMPLE_QUERY = {
    "msg_signature": "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    "timestamp": "1476422779",
    "nonce": "1597212914",
}
KEY = aes_key(SAMPLE_AES_KEY)


def test_the_published_url_check_sample() -> None:
    query = {
        "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
        "timestamp": "1476416373",
        "nonce": "47744683",
        "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/"
        "3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
    }
    plain = verify_url(query, token=SAMPLE_TOKEN, aes_key=KEY, corp_id=SAMPLE_CORP_ID)
    assert plain == "1288432023552776189"
    with pytest.raises(PushCryptoError, match="signature"):
        verify_url(
            {**query, "nonce": "47744684"}, token=SAMPLE_TOKEN, aes_key=KEY, corp_id=SAMPLE_CORP_ID
        )


def test_the_published_message_sample() -> None:
    event = open_callback(
        SAMPLE_QUERY,
        SAMPLE_BODY,
        token=SAMPLE_TOKEN,
        aes_key=KEY,
        corp_id=SAMPLE_CORP_ID,
        now=1476422779,
    )
    assert event == {
        "ToUserName": SAMPLE_CORP_ID,
        "FromUserName": "ChenJiaShun",
        "CreateTime": "1476422779",
        "MsgType": "text",
        "Content": "你好",
        "MsgId": "1456453720",
        "AgentID": "1000002",
    }
    assert contact_change(event) is None  # a message, not a customer-contact change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"msg_signature": "0" * 40}, "signature"),
        ({"nonce": "1597212915"}, "signature"),
        ({"timestamp": "1476422780"}, "signature"),
    ],
)
def test_a_tampered_callback_is_refused(change: dict[str, str], reason: str) -> None:
    with pytest.raises(PushCryptoError, match=reason):
        open_callback(
            {**SAMPLE_QUERY, **change},
            SAMPLE_BODY,
            token=SAMPLE_TOKEN,
            aes_key=KEY,
            corp_id=SAMPLE_CORP_ID,
            now=1476422779,
        )


def test_other_corp_stale_and_entity_bodies_are_refused() -> None:
    def opened(body: bytes = SAMPLE_BODY, **kwargs: object) -> dict[str, str]:
        options: dict[str, object] = {
            "token": SAMPLE_TOKEN,
            "aes_key": KEY,
            "corp_id": SAMPLE_CORP_ID,
            "now": 1476422779,
            **kwargs,
        }
        return open_callback(SAMPLE_QUERY, body, **options)  # type: ignore[arg-type]

    with pytest.raises(PushCryptoError, match="appid"):
        opened(corp_id="ww0000000000000000")
    with pytest.raises(PushCryptoError, match="stale"):
        opened(now=1476422779 + 301)
    with pytest.raises(PushCryptoError, match="signature"):
        opened(token="another-token")
    bomb = b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    with pytest.raises(PushCryptoError, match="xml"):
        opened(bomb)
    with pytest.raises(PushCryptoError, match="xml"):
        parse_xml(b"<xml><Encrypt>")


def test_a_change_event_reads_as_wecom_names_it() -> None:
    sim = WeComSimulator(
        corp_id="wwcorp",
        secret="s",
        callback_token="t",
        encoding_aes_key=SAMPLE_AES_KEY,
        callback_url="http://shop/cb",
    )
    sim.ways["cfg"] = {"user": ["zhangsan"], "state": "sp.s1.cspring"}
    relation = sim.relate("cfg", name="小王", external_userid="wmEXT")
    query, body = sim.sealed(sim.event("add_external_contact", relation, State="sp.s1.cspring"))
    event = open_callback(query, body, token="t", aes_key=KEY, corp_id="wwcorp")
    change = contact_change(event)
    assert change is not None
    assert (change.change_type, change.userid, change.external_userid, change.state) == (
        "add_external_contact",
        "zhangsan",
        "wmEXT",
        "sp.s1.cspring",
    )


def test_errcodes_become_typed_errors() -> None:
    assert isinstance(error_for(60111, "x"), UnknownStaff)
    assert isinstance(error_for(84061, "x"), UnknownContact)
    assert isinstance(error_for(40068, "x"), UnknownTag)
    assert isinstance(error_for(48002, "x"), ApiForbidden)
    assert isinstance(error_for(40013, "x"), InvalidCredential)
    other = error_for(45009, "api freq out of limit")
    assert type(other) is WeComError
    assert other.errcode == 45009


@pytest.fixture
def sim() -> WeComSimulator:
    return WeComSimulator(
        corp_id=SAMPLE_CORP_ID,
        secret="corp-secret",
        callback_token=SAMPLE_TOKEN,
        encoding_aes_key=SAMPLE_AES_KEY,
        callback_url="http://shop.test/api/v1/wecom/callback",
    )


@pytest.fixture
async def http(sim: WeComSimulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wecom.simulator") as c:
        yield c


async def test_the_token_is_cached_and_refreshed_on_42001(
    sim: WeComSimulator, http: httpx.AsyncClient
) -> None:
    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    first = await client.add_contact_way(users=["zhangsan"], state="sp.s1")
    second = await client.add_contact_way(users=["zhangsan", "lisi"], state="sp.cspring")
    assert (client.token_fetches, sim.token_requests) == (1, 1)
    assert sim.ways[first.config_id]["type"] == 1
    assert sim.ways[second.config_id]["type"] == 2
    assert sim.ways[second.config_id]["scene"] == 2
    assert second.qr_code.startswith("https://wework.qpic.cn/")

    sim.expire_tokens()
    third = await client.add_contact_way(users=["wangwu"], state="sp.s2")
    assert third.config_id in sim.ways
    assert (client.token_fetches, sim.token_requests) == (2, 2)


async def test_a_token_refused_twice_is_an_error(
    sim: WeComSimulator, http: httpx.AsyncClient
) -> None:
    """One retry with a fresh token, then WeCom's code: a token that is expired as soon as it is
    issued is refused both times."""
    sim.token_ttl_seconds = 0
    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    with pytest.raises(WeComError) as refused:
        await client.add_contact_way(users=["zhangsan"], state="sp.s1")
    assert refused.value.errcode == 42001
    assert sim.token_requests == 2
    assert sim.ways == {}

    forged = await http.post(
        "/cgi-bin/externalcontact/add_contact_way",
        params={"access_token": "forged"},
        json={"type": 1, "scene": 2, "user": ["zhangsan"]},
    )
    assert forged.json()["errcode"] == 40014
    missing = await http.get("/cgi-bin/externalcontact/get", params={"external_userid": "x"})
    assert missing.json()["errcode"] == 41001


async def test_wecom_refusals_are_typed(sim: WeComSimulator, http: httpx.AsyncClient) -> None:
    bad_secret = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="wrong")
    with pytest.raises(InvalidCredential) as refused:
        await bad_secret.access_token()
    assert refused.value.errcode == 40001
    with pytest.raises(InvalidCredential):
        await WeComClient(http, corp_id="wwother", secret="corp-secret").access_token()

    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    with pytest.raises(UnknownStaff) as unknown:
        await client.add_contact_way(users=["nobody"], state="sp.s1")
    assert unknown.value.errcode == 60111
    calls = sim.token_requests
    with pytest.raises(InvalidParameter):
        await client.add_contact_way(users=["zhangsan"], state="x" * 31)
    with pytest.raises(InvalidParameter):
        await client.add_contact_way(users=[], state="sp.s1")
    assert sim.token_requests == calls  # refused before any call

    way = await client.add_contact_way(users=["lisi"], state="sp.s9.cwinter")
    relation = sim.relate(way.config_id, name="小李", unionid="o6_union_1")
    person = await client.get_external_contact(relation.external_userid)
    assert (person.name, person.unionid) == ("小李", "o6_union_1")
    (follow,) = person.follow_users
    assert (follow.userid, follow.state, follow.add_way) == ("lisi", "sp.s9.cwinter", 1)
    with pytest.raises(UnknownContact):
        await client.get_external_contact("wmnobody")

    await client.mark_tag(
        userid="lisi", external_userid=relation.external_userid, add_tag=["et_vip"]
    )
    assert relation.tags == {"et_vip"}
    with pytest.raises(UnknownTag):
        await client.mark_tag(
            userid="lisi", external_userid=relation.external_userid, add_tag=["et_nope"]
        )
    with pytest.raises(UnknownContact):
        await client.mark_tag(userid="zhangsan", external_userid="wmnobody", add_tag=["et_vip"])


# -- 上传临时素材 -------------------------------------------------------------------------------


def picture(fmt: str = "PNG", size: tuple[int, int] = (520, 416)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the simulator and keeps them, to check the wire format itself."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


async def test_an_image_upload_speaks_wecoms_wire_format(sim: WeComSimulator) -> None:
    recorder = Recorder(httpx.ASGITransport(app=sim.app))
    async with httpx.AsyncClient(transport=recorder, base_url="http://wecom.simulator") as http:
        client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
        data = picture()
        uploaded = await client.upload_image(data, filename="card.png", content_type="image/png")
    request = recorder.requests[-1]
    assert (request.method, request.url.path) == ("POST", "/cgi-bin/media/upload")
    assert request.url.params["type"] == "image"
    assert request.url.params["access_token"] in sim.tokens
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'Content-Disposition: form-data; name="media"; filename="card.png"' in body
    assert b"Content-Type: image/png" in body
    assert data in body
    assert sim.media[uploaded.media_id] == (uploaded.created_at, data)
    assert uploaded.created_at == int(sim.clock())
    assert sim.uploads == 1


@pytest.mark.parametrize(
    ("data", "kind", "errcode"),
    [
        (b"GIF89a" + b"\0" * 64, "image", 40005),  # not JPG or PNG
        (b"%PDF-1.7 not a picture", "image", 40005),
        (b"\x89PNG", "image", 40006),  # 5 bytes or less
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), "image", 40009),  # over 10 MB
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "thumb", 40004),  # not one of WeCom's media types
    ],
)
async def test_refused_uploads_are_typed(
    sim: WeComSimulator, http: httpx.AsyncClient, data: bytes, kind: str, errcode: int
) -> None:
    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    call = client._call(
        "POST",
        "/cgi-bin/media/upload",
        params={"type": kind},
        files={"media": ("x.png", data, "image/png")},
    )
    with pytest.raises(MediaRefused) as refused:
        await call
    assert refused.value.errcode == errcode
    assert (sim.media, sim.uploads) == ({}, 0)


async def test_an_upload_refreshes_an_expired_token_once(
    sim: WeComSimulator, http: httpx.AsyncClient
) -> None:
    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    await client.access_token()
    sim.expire_tokens()
    uploaded = await client.upload_image(
        picture("JPEG"), filename="a.jpg", content_type="image/jpeg"
    )
    assert uploaded.media_id in sim.media
    assert (client.token_fetches, sim.token_requests) == (2, 2)

    sim.token_ttl_seconds = 0
    sim.expire_tokens()
    with pytest.raises(InvalidToken) as refused:
        await client.upload_image(picture(), filename="b.png", content_type="image/png")
    assert refused.value.errcode == 42001
    assert sim.uploads == 1


async def test_a_card_needs_a_live_media_id(sim: WeComSimulator, http: httpx.AsyncClient) -> None:
    """WeCom refuses a card whose picture it does not know or uploaded over three days ago."""
    client = WeComClient(http, corp_id=SAMPLE_CORP_ID, secret="corp-secret")
    start = 1_767_225_600.0
    sim.clock = lambda: start
    uploaded = await client.upload_image(picture(), filename="c.png", content_type="image/png")
    sim.staff.add("zhangsan")

    def card(media_id: str) -> MiniProgram:
        return MiniProgram(title="上新", pic_media_id=media_id, appid="wx1", page="a.html")

    for media_id, at, errcode in (
        ("unknown", start, 40007),
        (uploaded.media_id, start + MEDIA_TTL_SECONDS, 40007),
    ):
        sim.clock = lambda at=at: at  # type: ignore[misc]
        with pytest.raises(UnknownMedia) as refused:
            await client.add_msg_template(
                sender="zhangsan", external_userids=["wm1"], text="hi", miniprogram=card(media_id)
            )
        assert refused.value.errcode == errcode
    sim.clock = lambda: start + MEDIA_TTL_SECONDS - 1
    await client.add_msg_template(
        sender="zhangsan", external_userids=["wm1"], text="hi", miniprogram=card(uploaded.media_id)
    )
    assert len(sim.templates) == 1

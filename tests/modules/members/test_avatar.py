"""A shopper's avatar upload: any PNG, JPEG or WebP becomes an upright 256 px square PNG without
the upload's metadata, served from the shop's media; refusals (not a picture, corrupt, too large,
signed out) change nothing; a share poster then carries it."""

from __future__ import annotations

import io

import httpx
from fastapi import FastAPI
from PIL import Image

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.members.conftest import ME, bearer, wechat_login

AVATAR = f"{ME}/avatar"


def _jpeg_turned_on_its_side() -> bytes:
    """A 300 × 120 JPEG, red on the left, whose EXIF says "rotate 90° clockwise to view"
    (orientation 6), with a GPS tag that must not survive."""
    image = Image.new("RGB", (300, 120), (20, 20, 200))
    image.paste((220, 20, 20), (0, 0, 150, 120))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {2: (22.0, 32.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def test_an_uploaded_avatar_is_an_upright_square_png(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = bearer(await wechat_login(client, app))
    response = await client.post(
        AVATAR,
        files={"file": ("me.jpg", _jpeg_turned_on_its_side(), "image/jpeg")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url.startswith("/media/avatars/")
    assert url.endswith(".png")
    assert (await client.get(ME, headers=headers)).json()["avatar_url"] == url

    served = await client.get(url)
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as image:
        assert (image.format, image.size) == ("PNG", (256, 256))
        assert not image.getexif()
        # Turned upright: the red half of the picture is now on top.
        top, bottom = image.getpixel((128, 20)), image.getpixel((128, 235))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]


async def test_bad_avatars_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    headers = bearer(await wechat_login(client, app))
    before = await snapshot(ctx, "members_member")
    truncated = _jpeg_turned_on_its_side()[:400]
    for name, data, status, code in [
        ("a.png", b"not a picture at all", 400, "members.avatar_invalid"),
        ("a.jpg", truncated, 400, "members.avatar_invalid"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1), 413, None),
    ]:
        response = await client.post(
            AVATAR, files={"file": (name, data, "image/png")}, headers=headers
        )
        assert response.status_code == status, (name, response.text)
        if code is not None:
            assert response.json()["code"] == code
    assert (await client.post(AVATAR, content=b"x", headers=headers)).status_code == 400
    signed_out = await client.post(AVATAR, files={"file": ("a.png", b"x", "image/png")})
    assert signed_out.status_code == 401
    assert await snapshot(ctx, "members_member") == before

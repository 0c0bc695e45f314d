"""Card pictures on both databases, against the in-repo WeCom simulator: a picture is kept by
Shoplet (content addressed, checked with Pillow), uploaded to WeCom (``media/upload``) when a
card is first sent and again once its media id is older than 2.5 days; of eight senders at once
with an expired id exactly one uploads (PostgreSQL). Every refused picture changes nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from shoplet.modules.wecom.models import Picture, WelcomeSend
from shoplet.modules.wecom.service import MEDIA_REFRESH_AFTER, client_of, fresh_media_id
from tests.conftest import snapshot
from tests.modules.staff.conftest import audit_rows
from tests.modules.stores.factories import Console, console

from .test_wecom import CONSOLE, make_way, settings_overrides, sim

__all__ = ["settings_overrides"]

PICTURES = f"{CONSOLE}/wecom/pictures"
START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def image(fmt: str = "PNG", size: tuple[int, int] = (520, 416), colour: int = 200) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (colour, 40, 40)).save(out, format=fmt)
    return out.getvalue()


async def make_picture(
    client: httpx.AsyncClient, staff: Console, data: bytes | None = None
) -> dict[str, Any]:
    response = await client.post(
        PICTURES,
        files={"file": ("card.png", data or image(), "image/png")},
        headers=staff.headers,
    )
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> Console:
    return await console(client, ctx, "olivia")


def media_files(ctx: AppContext) -> list[Path]:
    root = ctx.settings.media_dir / "wecom"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def pictures(ctx: AppContext) -> list[Picture]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Picture).order_by(Picture.id))).all())


async def test_a_picture_is_kept_once_and_served_for_the_preview(
    client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    data = image("JPEG", (500, 400))
    first = await make_picture(client, staff, data)
    again = await make_picture(client, staff, data)
    assert again["id"] == first["id"]
    assert {k: first[k] for k in ("content_type", "size_bytes", "width", "height")} == {
        "content_type": "image/jpeg",
        "size_bytes": len(data),
        "width": 500,
        "height": 400,
    }
    assert first["media_created_at"] is None  # uploaded to WeCom only when a card is sent
    assert first["url"].startswith("/media/wecom/")
    assert first["url"].endswith(".jpg")
    (row,) = await pictures(ctx)
    assert (row.media_id, row.upload_claimed_at) == (None, None)
    (path,) = media_files(ctx)
    assert path.read_bytes() == data
    preview = await client.get(first["url"])
    assert (preview.status_code, preview.content) == (200, data)
    entries = await audit_rows(ctx, "wecom.picture_upload")
    assert [e.target for e in entries] == [f"wecom_picture:{row.id}"] * 2


@pytest.mark.parametrize(
    ("file", "status", "code"),
    [
        (("notes.png", b"just some text", "image/png"), 400, "wecom.picture_invalid"),
        (("truncated.png", image()[:200], "image/png"), 400, "wecom.picture_invalid"),
        (("anim.gif", image("GIF"), "image/gif"), 400, "wecom.picture_type"),
        (("pic.webp", image("WEBP"), "image/webp"), 400, "wecom.picture_type"),
        (("tiny.png", image(size=(60, 60)), "image/png"), 400, "wecom.picture_dimensions"),
        (("strip.png", image(size=(2000, 200)), "image/png"), 400, "wecom.picture_dimensions"),
        (("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), "image/png"), 413, "wecom.picture_too_large"),  # noqa: E501
    ],
)  # fmt: skip
async def test_refused_pictures_change_nothing(  # noqa: PLR0917  (fixtures and parameters)
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: Console,
    file: tuple[str, bytes, str],
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx)
    response = await client.post(PICTURES, files={"file": file}, headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx) == before
    assert media_files(ctx) == []


async def test_a_picture_needs_the_permission(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = await console(client, ctx, "sam", role="support")
    before = await snapshot(ctx)
    response = await client.post(
        PICTURES, files={"file": ("a.png", image(), "image/png")}, headers=support.headers
    )
    assert response.status_code == 403
    assert await snapshot(ctx) == before
    assert media_files(ctx) == []


async def age_media(app: FastAPI, ctx: AppContext, by: timedelta) -> None:
    """Time passes for the picture's media id: it was uploaded ``by`` earlier, as Shoplet and
    WeCom both record it (the callbacks keep real time: WeCom's events must be fresh)."""
    wecom = sim(app)
    async with ctx.sessionmaker() as s, s.begin():
        (row,) = (await s.scalars(select(Picture))).all()
        assert row.media_id is not None
        assert row.media_created_at is not None
        row.media_created_at -= by
        created, data = wecom.media[row.media_id]
        wecom.media[row.media_id] = (created - int(by.total_seconds()), data)


async def test_an_expiring_media_id_is_uploaded_again_before_the_card_is_sent(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    wecom = sim(app)
    picture = await make_picture(client, staff)
    way = await make_way(client, staff, campaign="pic", staff_userids=["zhangsan"])
    card = {"title": "春季上新", "page": "pages/index/index", "picture_id": picture["id"]}
    saved = await client.put(
        f"{CONSOLE}/wecom/contact-ways/{way['id']}/welcome",
        json={"text": "欢迎", "miniprogram": card},
        headers=staff.headers,
    )
    assert saved.status_code == 200, saved.text

    sent: list[str] = []
    # Uploaded at the first send; two days later the id is reused; past 2.5 days (WeCom would
    # still take it for a few hours) it is uploaded again first and the new id is sent.
    for age in (None, timedelta(days=2), MEDIA_REFRESH_AFTER - timedelta(days=2, minutes=-1)):
        if age is not None:
            await age_media(app, ctx, age)
        await wecom.scan(way["config_id"], name=f"客{len(sent)}")
        await run_job(ctx, "wecom.send_welcomes")
        sent.append(wecom.welcomes[-1]["attachments"][0]["miniprogram"]["pic_media_id"])
    assert wecom.uploads == 2
    assert sent[0] == sent[1] != sent[2]
    assert set(sent) == set(wecom.media)
    assert wecom.media_alive(sent[2])
    assert [s.status for s in await _sends(ctx)] == ["sent"] * 3
    (row,) = await pictures(ctx)
    assert (row.media_id, row.upload_claimed_at) == (sent[2], None)
    assert row.media_created_at == datetime.fromtimestamp(wecom.media[sent[2]][0], tz=UTC)


async def _sends(ctx: AppContext) -> list[WelcomeSend]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(WelcomeSend).order_by(WelcomeSend.id))).all())


async def test_a_refused_upload_fails_the_send_and_releases_the_claim(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    picture = await make_picture(client, staff)
    wecom = sim(app)
    client_ = client_of(ctx)
    assert client_ is not None
    # The token cannot be had: the upload fails.
    wecom.secret = "rotated"  # pragma: allowlist secret
    client_._token = None
    with pytest.raises(Exception, match="40001"):
        await fresh_media_id(ctx, client_, picture["id"], now=START)
    (row,) = await pictures(ctx)
    assert (row.media_id, row.upload_claimed_at) == (None, None)
    assert wecom.uploads == 0


RACERS = 8


async def test_concurrent_senders_upload_an_expired_picture_once(
    backend: str, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: Console
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    wecom = sim(app)
    wecom.clock = START.timestamp
    picture = await make_picture(client, staff)
    wecom_client = client_of(ctx)
    assert wecom_client is not None
    first = await fresh_media_id(ctx, wecom_client, picture["id"], now=START)
    assert wecom.uploads == 1

    later = START + timedelta(days=3)
    wecom.clock = later.timestamp
    got = await asyncio.gather(
        *(fresh_media_id(ctx, wecom_client, picture["id"], now=later) for _ in range(RACERS))
    )
    assert wecom.uploads == 2
    assert len(set(got)) == 1
    assert got[0] != first
    assert wecom.media_alive(got[0])
    (row,) = await pictures(ctx)
    assert (row.media_id, row.upload_claimed_at) == (got[0], None)

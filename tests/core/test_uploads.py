"""core.uploads: one bounded file from a multipart body, with the caller's problems."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload


class TooLarge(Exception):
    pass


class Invalid(Exception):
    pass


def _app(limit: int) -> FastAPI:
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, object]:
        try:
            got = await read_upload(request, limit, too_large=TooLarge, invalid=Invalid)
        except TooLarge:
            return {"error": "too_large"}
        except Invalid as exc:
            return {"error": "invalid", "detail": str(exc)}
        return {"size": len(got.data), "filename": got.filename, "fields": got.fields}

    return app


async def _post(limit: int, **kwargs: object) -> dict[str, object]:
    transport = httpx.ASGITransport(app=_app(limit))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/upload", **kwargs)  # type: ignore[arg-type]
        return dict(response.json())


@pytest.mark.asyncio
async def test_a_file_within_the_limit_comes_back_with_its_name_and_text_fields() -> None:
    got = await _post(10, files={"file": ("a.csv", b"x" * 10)}, data={"update": "true"})
    assert got == {"size": 10, "filename": "a.csv", "fields": {"update": "true"}}


@pytest.mark.asyncio
async def test_one_byte_over_the_limit_is_too_large() -> None:
    assert await _post(10, files={"file": ("a.csv", b"x" * 11)}) == {"error": "too_large"}


@pytest.mark.asyncio
async def test_a_declared_length_over_the_limit_is_refused_before_parsing() -> None:
    body = b"x" * 16
    headers = {
        "content-type": "multipart/form-data; boundary=b",
        "content-length": str(10 + MULTIPART_OVERHEAD + 1),
    }
    # The body is never read: the declared length alone refuses it.
    transport = httpx.ASGITransport(app=_app(10))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/upload", content=body, headers=headers)
    assert response.json() == {"error": "too_large"}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        ({"content": b"{}", "headers": {"content-type": "application/json"}}, "as multipart"),
        ({"data": {"other": "1"}, "files": {"photo": ("a", b"x")}}, "field named 'file'"),
        (
            {"files": [("file", ("a", b"x")), ("file", ("b", b"y"))]},
            "could not be read",
        ),
    ],
)
async def test_anything_but_one_file_in_the_field_file_is_invalid(
    kwargs: dict[str, object], detail: str
) -> None:
    got = await _post(10, **kwargs)
    assert got["error"] == "invalid"
    assert detail in str(got["detail"])

"""Input safety: control characters, invisible characters, 64-bit integers and the body limit."""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from pydantic import Field, StringConstraints, ValidationError
from starlette.types import Message

from shoplet.core.context import AppContext
from shoplet.core.schemas import CleanText, RequestModel
from tests.conftest import snapshot
from tests.modules.members.conftest import ADDRESS, ADDRESSES, ME, bearer, wechat_login
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

LIMIT = 4096
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_body_bytes": LIMIT}


class Item(RequestModel):
    sku_id: int
    note: str | None = None


class Body(RequestModel):
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=10)]
    remark: str | None = None
    items: list[Item] = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)


def _error(data: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(data)
    first = caught.value.errors()[0]
    return first["type"], first["msg"]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused_in_every_body_string(char: str) -> None:
    assert _error({"name": f"a{char}b"})[0] == "invalid_characters"
    assert _error({"name": "a", "remark": char})[0] == "invalid_characters"
    assert _error({"name": "a", "items": [{"sku_id": 1, "note": char}]}) == (
        "invalid_characters",
        f"items[0].note contains a control character (U+{ord(char):04X})",
    )
    assert _error({"name": "a", "extra": {f"k{char}": "v"}})[0] == "invalid_characters"


def test_multi_line_text_keeps_its_tabs_and_line_breaks() -> None:
    body = Body.model_validate({"name": "a", "remark": "请周末送货\r\n放门口\t谢谢"})
    assert body.remark == "请周末送货\r\n放门口\t谢谢"


def test_integers_beyond_64_bits_are_refused_at_any_depth() -> None:
    assert _error({"name": "a", "items": [{"sku_id": 2**70}]}) == (
        "int_out_of_range",
        "items[0].sku_id is outside the signed 64-bit integer range",
    )
    assert _error({"name": "a", "items": [{"sku_id": -(2**63) - 1}]})[0] == "int_out_of_range"
    assert Body.model_validate({"name": "a", "items": [{"sku_id": 2**63 - 1}]}).items[0].sku_id


def test_names_lose_invisible_characters_and_line_breaks() -> None:
    cleaned = Body.model_validate({"name": " \u200b张\u200d三\u202e\ufeff\n丰\u2066 "}).name
    assert cleaned == "张三 丰"
    # What is left after cleaning is what the length bounds see.
    assert _error({"name": "\u200b\u200f"})[0] == "too_short"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/products/by-barcode/69%0012345678",
        "/api/v1/products/by-barcode/69%0A12345678",
        "/api/v1/products?q=%00",
        "/api/v1/products?q=a%09b",
        "/api/v1/products?q=%C2%85",
        "/api/v1/products?q%00=1",
        "/api/v1/products?q=a%7Fb",
    ],
)
async def test_control_characters_in_the_path_or_query_are_refused_before_routing(
    client: httpx.AsyncClient, ctx: AppContext, url: str
) -> None:
    before = await snapshot(ctx)

    response = await client.get(url)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["code"] == "request.invalid_characters"
    assert response.headers["x-request-id"]
    assert await snapshot(ctx) == before


async def test_utf8_queries_are_not_mistaken_for_control_characters(
    client: httpx.AsyncClient,
) -> None:
    # "短" is E7 9F AD in UTF-8: 0x9F is a C1 control only when read as Latin-1.
    for url in ("/api/v1/products?q=短袖", "/api/v1/products?q=%E7%9F%AD%E8%A2%96+T%E6%81%A4"):
        response = await client.get(url)
        assert response.status_code == 200, response.text


async def test_a_declared_body_over_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    response = await client.post(
        ADDRESSES, json={**ADDRESS, "detail": "号" * LIMIT}, headers=bearer(tokens)
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert (response.json()["code"], response.json()["max_bytes"]) == (
        "request.body_too_large",
        LIMIT,
    )
    assert await snapshot(ctx) == before


async def test_a_streamed_body_over_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    tokens = await wechat_login(client)
    before = await snapshot(ctx)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"detail": "'
        for _ in range(10):
            yield b"x" * 1024
        yield b'"}'

    response = await client.patch(
        ME,
        content=chunks(),
        headers={**bearer(tokens), "Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["code"] == "request.body_too_large"
    assert await snapshot(ctx) == before


async def test_media_uploads_have_their_own_larger_limit(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(out, format="PNG")
    image = out.getvalue()  # noise does not compress: about 12 KB
    assert len(image) > LIMIT

    response = await client.post(
        "/api/v1/console/media",
        files={"file": ("a.png", image, "image/png")},
        headers=staff_bearer(token),
    )

    assert response.status_code == 201, response.text


async def test_names_and_addresses_are_stored_without_invisible_characters(
    client: httpx.AsyncClient,
) -> None:
    tokens = await wechat_login(client)

    me = await client.patch(ME, json={"nickname": "\u202eAlice\u200b"}, headers=bearer(tokens))
    address = await client.post(
        ADDRESSES,
        json={**ADDRESS, "recipient": "张\u200b三", "detail": "深南大道\n10000号\u2069"},
        headers=bearer(tokens),
    )

    assert me.json()["nickname"] == "Alice"
    created = await client.get(
        f"{ADDRESSES}/{address.json()['id']}", params={"reveal": "true"}, headers=bearer(tokens)
    )
    assert (created.json()["recipient"], created.json()["detail"]) == ("张三", "深南大道 10000号")


@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/v1/products", b"q=a\x01b"), ("/api/v1/products/by-barcode/69\x0012345678", b"")],
)
async def test_raw_control_characters_that_no_client_would_encode_are_refused(
    app: FastAPI, ctx: AppContext, path: str, query: bytes
) -> None:
    """Straight ASGI: what a hand-written client sends without percent-encoding."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    before = await snapshot(ctx)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"shoplet.test")],
        "client": ("127.0.0.1", 1234),
        "server": ("shoplet.test", 80),
        "state": {},
    }

    await app(scope, receive, send)

    assert sent[0]["status"] == 422
    assert json.loads(sent[1]["body"])["code"] == "request.invalid_characters"
    assert await snapshot(ctx) == before

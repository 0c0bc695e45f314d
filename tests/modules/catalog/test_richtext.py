"""Product descriptions: sanitised HTML on write, legacy plain text served as paragraphs."""

from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.modules.catalog.richtext import (
    MAX_DESCRIPTION_CHARS,
    render_description,
    sanitize_description,
)
from tests.conftest import snapshot
from tests.modules.catalog.test_console_api import API, make_category, tee_payload
from tests.modules.staff.conftest import bearer, token_for


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ('<p onclick="alert(1)" onmouseover="x()">hi</p>', "<p>hi</p>"),
        ('<img src="/media/a.png" onerror="alert(1)">', '<img src="/media/a.png">'),
        ('<img src="javascript:alert(1)"><p>x</p>', "<p>x</p>"),
        ('<img src="https://evil.example/x.png"><p>x</p>', "<p>x</p>"),
        ('<img src="//evil.example/x.png"><p>x</p>', "<p>x</p>"),
        ('<img src="/media/../secret"><p>x</p>', "<p>x</p>"),
        ('<a href="javascript:alert(1)">link</a>', "link"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "<p>x</p>"),
        ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
        ('<iframe src="https://evil.example"></iframe><p>x</p>', "<p>x</p>"),
        ("<svg><script>alert(1)</script></svg><p>x</p>", "<p>x</p>"),
        ("<!-- <script>x</script> --><p>x</p>", "<p>x</p>"),
        ('<object data="x.swf"></object><embed src="x"><p>x</p>', "<p>x</p>"),
        ("<h1>大标题</h1><h4>x</h4>", "大标题x"),
        ('<form action="/x"><input name="a"></form><p>x</p>', "<p>x</p>"),
        (
            '<img src="/media/p/a.webp" alt="正面" width="750" height="abc" class="x">',
            '<img src="/media/p/a.webp" alt="正面" width="750">',
        ),
    ],
)
def test_dangerous_markup_is_removed(dirty: str, clean: str) -> None:
    assert sanitize_description(dirty) == clean


def test_allowed_markup_is_kept() -> None:
    html = (
        "<h2>卖点</h2><h3>面料</h3><p><strong>纯棉</strong> <b>b</b> <em>e</em> <i>i</i> "
        "<u>u</u> <s>s</s><br>第二行</p><ul><li>一</li></ul><ol><li>二</li></ol>"
        "<blockquote><p>好评</p></blockquote>"
    )
    assert sanitize_description(html) == html


def test_plain_text_becomes_escaped_paragraphs() -> None:
    assert sanitize_description("尺寸<10cm\r\n\n  洗涤 & 保养  \n") == (
        "<p>尺寸&lt;10cm</p><p>洗涤 &amp; 保养</p>"
    )
    assert render_description("第一行\n第二行") == "<p>第一行</p><p>第二行</p>"
    assert render_description("") == ""
    assert sanitize_description("<p></p>") == ""
    assert sanitize_description("<h2>x</h2><p></p><p><br></p>") == "<h2>x</h2>"


def test_length_is_bounded() -> None:
    sanitize_description("<p>" + "好" * (MAX_DESCRIPTION_CHARS - 7) + "</p>")
    with pytest.raises(ValueError, match="longer than"):
        # Escaping makes it grow past the bound.
        sanitize_description("&" * (MAX_DESCRIPTION_CHARS - 10))


async def test_description_is_sanitised_on_write_and_served_as_html(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    payload = {
        **tee_payload(await make_category(client, token), status="on_sale"),
        "description": '<h2>卖点</h2><p onclick="steal()">纯棉<script>alert(1)</script></p>'
        '<img src="/media/products/d.webp" onerror="x"><img src="https://evil.example/t.png">',
    }
    created = await client.post(f"{API}/products", json=payload, headers=bearer(token))
    assert created.status_code == 201, created.text
    clean = '<h2>卖点</h2><p>纯棉</p><img src="/media/products/d.webp">'
    assert created.json()["description"] == clean
    product_id = created.json()["id"]
    shown = await client.get(f"/api/v1/products/{product_id}")
    assert shown.json()["description"] == clean

    updated = await client.patch(
        f"{API}/products/{product_id}",
        json={"description": "第一行\n第二行 <3"},
        headers=bearer(token),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["description"] == "<p>第一行</p><p>第二行 &lt;3</p>"


async def test_too_long_description_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    token = await token_for(client, ctx, "olivia", role="operator")
    payload = {
        **tee_payload(await make_category(client, token)),
        "description": "<p>" + "x" * MAX_DESCRIPTION_CHARS + "</p>",
    }
    before = await snapshot(ctx)
    response = await client.post(f"{API}/products", json=payload, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


def test_rendering_is_remembered_per_text_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from shoplet.modules.catalog import richtext

    cache = richtext._RenderCache(2)
    monkeypatch.setattr(richtext, "RENDER_CACHE", cache)
    runs: list[str] = []
    original = richtext._render

    def counted(text: str) -> str:
        runs.append(text)
        return original(text)

    monkeypatch.setattr(richtext, "_render", counted)
    texts = ["<p>a<script>x</script></p>", "纯文本\n两行", "<p>c</p>"]
    first = [render_description(t) for t in texts]
    assert first == [original(t) for t in texts]
    assert first == ["<p>a</p>", "<p>纯文本</p><p>两行</p>", "<p>c</p>"]
    assert len(cache) == 2  # the oldest was let go
    assert [render_description(t) for t in texts[1:]] == first[1:]
    assert runs == texts  # the two most recent were not rendered again
    assert render_description(texts[0]) == first[0]
    assert runs == [*texts, texts[0]]
    assert render_description("") == ""

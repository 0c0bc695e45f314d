"""An in-repo stand-in for WeChat's ``cgi-bin/stable_token`` (and ``cgi-bin/token``) and
``wxa/getwxacodeunlimit``, speaking their wire format (see ``wxacode.py``).

It checks what WeChat checks, in the same order: the access token (40001), the JSON body (47001),
the daily quota (45009), the scene (40097), the page (40159 for a malformed path, 41030 for a
page that is not among ``pages`` when ``check_path`` is true), the width and ``env_version``
(40097). A good request gets a real QR code, ``width`` × ``width`` pixels: JPEG on white, or a
PNG on a transparent background with ``is_hyaline``, drawn in ``line_color``. It encodes
:func:`code_content`, a wxacode-like URL carrying the appid, page, scene and env version, so a
test (or a phone) that decodes it reads the scene back.
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Iterable
from urllib.parse import urlencode

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shoplet.integrations.wechat.wxacode import (
    INVALID_ARGS,
    INVALID_PAGE,
    INVALID_PATH,
    PAGE_MAX,
    PAGE_PATTERN,
    QUOTA_EXCEEDED,
    SCENE_PATTERN,
    WIDTH_MAX,
    WIDTH_MIN,
)

# The storefront's pages a code may open (the mini program's published pages that sharing uses).
DEFAULT_PAGES = frozenset(
    {
        "pages/index/index",
        "pages/product/detail",
        "pkg-social/group/index",
        "pkg-social/share/index",
        "pkg-social/code/index",
        "pkg-social/posts/detail",
    }
)
TOKEN_TTL_SECONDS = 7200
ENV_VERSIONS = ("release", "trial", "develop")


def code_content(appid: str, page: str, scene: str, env_version: str = "release") -> str:
    """What the simulator's code encodes (scanning a real wxacode opens ``page`` with
    ``query.scene``; this URL carries the same)."""
    query = urlencode({"appid": appid, "page": page, "scene": scene, "env": env_version})
    return f"https://mp.weixin.qq.com/a/~wxacode?{query}"


def qr_image(
    text: str,
    width: int,
    *,
    color: tuple[int, int, int] = (0, 0, 0),
    transparent: bool = False,
) -> tuple[bytes, str]:
    """``text`` as a QR code ``width`` pixels square: (image bytes, content type)."""
    import qrcode
    from PIL import Image, ImageDraw

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    modules = len(matrix)
    scale = max(width // modules, 1)
    offset = (width - modules * scale) // 2
    background = (255, 255, 255, 0) if transparent else (255, 255, 255, 255)
    image = Image.new("RGBA", (width, width), background)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = offset + x * scale, offset + y * scale
                draw.rectangle((left, top, left + scale - 1, top + scale - 1), fill=(*color, 255))
    out = io.BytesIO()
    if transparent:
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue(), "image/jpeg"


def _error(errcode: int, errmsg: str) -> JSONResponse:
    # WeChat answers errors with HTTP 200 and a JSON body.
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


class WxacodeSimulator:
    """One simulator per app or test: ``app`` is the ASGI application to mount or to reach
    through ``httpx.ASGITransport``. ``daily_quota`` calls succeed before 45009; ``codes`` keeps
    every (scene, page, width) it drew."""

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        pages: Iterable[str] = DEFAULT_PAGES,
        daily_quota: int = 100_000,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.pages = frozenset(pages)
        self.daily_quota = daily_quota
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.codes: list[tuple[str, str, int]] = []
        self.app = Starlette(
            routes=[
                Route("/cgi-bin/stable_token", self._stable_token, methods=["POST"]),
                Route("/cgi-bin/token", self._token, methods=["GET"]),
                Route("/wxa/getwxacodeunlimit", self._unlimited, methods=["POST"]),
            ]
        )

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (WeChat answers 40001)."""
        self.tokens.clear()

    def _issue(self, *, force_refresh: bool) -> JSONResponse:
        self.token_requests += 1
        now = time.monotonic()
        live = [t for t, until in self.tokens.items() if until > now]
        if live and not force_refresh:
            token = live[-1]
            return JSONResponse(
                {"access_token": token, "expires_in": int(self.tokens[token] - now)}
            )
        token = secrets.token_urlsafe(48)
        self.tokens[token] = now + TOKEN_TTL_SECONDS
        return JSONResponse({"access_token": token, "expires_in": TOKEN_TTL_SECONDS})

    def _credentials_error(self, grant_type: object, appid: object, secret: object) -> Response:
        if grant_type != "client_credential":
            return _error(40002, "invalid grant_type")
        if appid != self.appid:
            return _error(40013, "invalid appid")
        return _error(40125, "invalid appsecret")

    async def _stable_token(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error(47001, "data format error")
        if not isinstance(body, dict):
            return _error(47001, "data format error")
        grant, appid, secret = body.get("grant_type"), body.get("appid"), body.get("secret")
        if grant != "client_credential" or appid != self.appid or secret != self.secret:
            return self._credentials_error(grant, appid, secret)
        return self._issue(force_refresh=body.get("force_refresh") is True)

    async def _token(self, request: Request) -> Response:
        q = request.query_params
        grant, appid, secret = q.get("grant_type"), q.get("appid"), q.get("secret")
        if grant != "client_credential" or appid != self.appid or secret != self.secret:
            return self._credentials_error(grant, appid, secret)
        return self._issue(force_refresh=False)

    async def _unlimited(self, request: Request) -> Response:
        token = request.query_params.get("access_token", "")
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error(47001, "data format error")
        if not isinstance(body, dict):
            return _error(47001, "data format error")
        if len(self.codes) >= self.daily_quota:
            return _error(QUOTA_EXCEEDED, "reach max api daily quota limit")
        scene = body.get("scene")
        if not isinstance(scene, str) or not SCENE_PATTERN.fullmatch(scene):
            return _error(INVALID_ARGS, "invalid args: scene")
        page = body.get("page", "pages/index/index")
        if (
            not isinstance(page, str)
            or page.startswith("/")
            or len(page) > PAGE_MAX
            or not PAGE_PATTERN.fullmatch(page)
        ):
            return _error(INVALID_PATH, "invalid length for path, or the data is not json string")
        if body.get("check_path", True) is not False and page not in self.pages:
            return _error(INVALID_PAGE, "invalid page")
        width = body.get("width", 430)
        if not isinstance(width, int) or isinstance(width, bool):
            return _error(INVALID_ARGS, "invalid args: width")
        if not WIDTH_MIN <= width <= WIDTH_MAX:
            return _error(INVALID_ARGS, "invalid args: width")
        env = body.get("env_version", "release")
        if env not in ENV_VERSIONS:
            return _error(INVALID_ARGS, "invalid args: env_version")
        color = (0, 0, 0)
        line = body.get("line_color")
        if isinstance(line, dict) and not body.get("auto_color"):
            r, g, b = line.get("r"), line.get("g"), line.get("b")
            if all(isinstance(c, int) and 0 <= c <= 255 for c in (r, g, b)):
                color = (int(r or 0), int(g or 0), int(b or 0))
        self.codes.append((scene, page, width))
        content, media_type = qr_image(
            code_content(self.appid, page, scene, str(env)),
            width,
            color=color,
            transparent=body.get("is_hyaline") is True,
        )
        return Response(content, media_type=media_type)

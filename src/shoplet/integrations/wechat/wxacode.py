"""WeChat mini-program codes: ``POST /wxa/getwxacodeunlimit?access_token=…`` (wxacode
"unlimited": any number of codes, each carrying a ``scene`` of at most 32 characters).

Wire format (WeChat's own): a JSON body ``{scene, page, check_path, env_version, width,
auto_color, line_color: {r, g, b}, is_hyaline}``; the answer is the image itself
(``Content-Type: image/jpeg``, or ``image/png`` when ``is_hyaline``), or, with HTTP 200 all
the same, a JSON ``{errcode, errmsg}``:

- 40001 / 42001 invalid or expired access token (the client fetches a new one and retries once);
- 40097 invalid args (a scene outside the allowed set or longer than 32, a width outside
  280–1280);
- 40159 invalid path (a page with a leading slash, or longer than 128 characters);
- 41030 invalid page (no such published page; only with ``check_path``);
- 45009 the daily quota is used up.

The access token comes from ``POST /cgi-bin/stable_token`` (``grant_type=client_credential``,
appid, secret), kept until five minutes before it expires. The same rules are checked here before
any call, so a bad scene costs no quota and gets the code WeChat would have answered.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
import orjson

SCENE_MAX = 32
# The characters WeChat allows in a scene: digits, letters and !#$&'()*+,/:;=?@-._~
SCENE_PATTERN = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
PAGE_MAX = 128
PAGE_PATTERN = re.compile(r"^[0-9A-Za-z_\-]+(/[0-9A-Za-z_\-]+)*$")
WIDTH_MIN = 280
WIDTH_MAX = 1280
WIDTH_DEFAULT = 430
TOKEN_MARGIN_SECONDS = 300

EnvVersion = Literal["release", "trial", "develop"]

INVALID_TOKEN = (40001, 42001)
INVALID_ARGS = 40097
INVALID_PATH = 40159
INVALID_PAGE = 41030
QUOTA_EXCEEDED = 45009


class WxacodeError(Exception):
    """WeChat's (or the same check made locally) refusal: ``errcode`` is WeChat's code;
    ``field`` names the argument at fault when known (``scene``, ``page``, ``width``)."""

    def __init__(self, errcode: int, errmsg: str, *, field: str | None = None) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.field = field


@dataclass(frozen=True, slots=True)
class Wxacode:
    """A code's image as WeChat returned it."""

    content: bytes
    content_type: str


def check_scene(scene: str) -> None:
    if not SCENE_PATTERN.fullmatch(scene):
        raise WxacodeError(
            INVALID_ARGS,
            f"invalid scene: 1 to {SCENE_MAX} of 0-9 A-Z a-z !#$&'()*+,/:;=?@-._~",
            field="scene",
        )


def check_page(page: str) -> None:
    if page.startswith("/") or len(page) > PAGE_MAX or not PAGE_PATTERN.fullmatch(page):
        raise WxacodeError(
            INVALID_PATH, "invalid path: a page path without a leading slash", field="page"
        )


def check_width(width: int) -> None:
    if not WIDTH_MIN <= width <= WIDTH_MAX:
        raise WxacodeError(
            INVALID_ARGS, f"invalid width: {WIDTH_MIN} to {WIDTH_MAX} px", field="width"
        )


def check_request(scene: str, page: str, width: int) -> None:
    """What WeChat would refuse, refused before the call (same codes)."""
    check_scene(scene)
    check_page(page)
    check_width(width)


class WxacodeClient:
    """``getUnlimited`` on httpx. ``http``'s base URL is ``https://api.weixin.qq.com`` in
    production, the in-repo simulator otherwise."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        appid: str,
        secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._appid = appid
        self._secret = secret
        self._clock = clock
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = asyncio.Lock()

    async def _post(
        self, path: str, body: dict[str, object], params: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            response = await self._http.post(
                path, params=params, content=orjson.dumps(body), headers=_JSON
            )
        except httpx.HTTPError as exc:
            raise WxacodeError(-1, f"network error: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise WxacodeError(-1, f"HTTP {response.status_code}")
        return response

    async def access_token(self, *, force_refresh: bool = False) -> str:
        """The stable access token, fetched once and kept until shortly before it expires
        (concurrent callers share one fetch)."""
        async with self._lock:
            if not force_refresh and self._token and self._clock() < self._token_until:
                return self._token
            response = await self._post(
                "/cgi-bin/stable_token",
                {
                    "grant_type": "client_credential",
                    "appid": self._appid,
                    "secret": self._secret,
                    "force_refresh": force_refresh,
                },
            )
            data = _json(response.content)
            if _errcode(data) != 0:
                raise WxacodeError(_errcode(data), str(data.get("errmsg", "")))
            token = data.get("access_token")
            expires_in = data.get("expires_in")
            if not isinstance(token, str) or not isinstance(expires_in, int):
                raise WxacodeError(-1, "response lacks access_token or expires_in")
            self._token = token
            self._token_until = self._clock() + max(expires_in - TOKEN_MARGIN_SECONDS, 0)
            return token

    async def get_unlimited(
        self,
        scene: str,
        page: str,
        *,
        width: int = WIDTH_DEFAULT,
        check_path: bool = True,
        env_version: EnvVersion = "release",
        line_color: tuple[int, int, int] = (0, 0, 0),
        is_hyaline: bool = False,
    ) -> Wxacode:
        """The code's image; :class:`WxacodeError` with WeChat's code when refused."""
        check_request(scene, page, width)
        body: dict[str, object] = {
            "scene": scene,
            "page": page,
            "check_path": check_path,
            "env_version": env_version,
            "width": width,
            "auto_color": False,
            "line_color": {"r": line_color[0], "g": line_color[1], "b": line_color[2]},
            "is_hyaline": is_hyaline,
        }
        for attempt in (1, 2):
            token = await self.access_token(force_refresh=attempt == 2)
            response = await self._post(
                "/wxa/getwxacodeunlimit", body, params={"access_token": token}
            )
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if content_type in ("image/jpeg", "image/png"):
                return Wxacode(content=response.content, content_type=content_type)
            data = _json(response.content)
            errcode = _errcode(data) or -1
            if errcode in INVALID_TOKEN and attempt == 1:
                continue
            raise WxacodeError(errcode, str(data.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover


_JSON = {"Content-Type": "application/json"}


def _errcode(data: dict[str, object]) -> int:
    code = data.get("errcode", 0)
    return code if isinstance(code, int) else -1


def _json(content: bytes) -> dict[str, object]:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise WxacodeError(-1, "response is neither an image nor JSON") from exc
    if not isinstance(data, dict):
        raise WxacodeError(-1, "response is not a JSON object")
    return data

"""End-to-end fixtures: a real Shoplet server process and Debian's headless Chromium.

The server runs as the README runs it (``shoplet migrate``, ``shoplet seed``, ``shoplet serve``)
in a temporary data dir on SQLite, embedded mode (WeChat simulators mounted). Playwright drives
``/usr/bin/chromium``; never ``playwright install``. axe-core comes from the npm package in
``tests/e2e/node_modules`` (``make e2e-deps``) and is injected into every page a test visits.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from filelock import FileLock

from tests.servers import free_port

E2E_DIR = Path(__file__).resolve().parent
REPO = E2E_DIR.parents[1]
# Test runs write screenshots to a build folder (git-ignored); ``make docs-screenshots`` copies
# them over the committed ones in docs/screenshots on purpose.
SCREENSHOTS = Path(os.environ.get("SHOPLET_SCREENSHOTS_DIR") or REPO / "build" / "screenshots")
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SHOPLET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Where each storefront page lives in the H5 shop (history mode): the paths of
# frontends/storefront/src/pages.json. The tab pages, search, product detail and login are in the
# main package (pages/); the secondary pages in subpackages (pkg-trade, pkg-user, pkg-flash).
# Every browser test names pages through this table; tests/test_frontends.py checks it against
# pages.json.
STOREFRONT_PAGES: dict[str, str] = {
    "home": "/pages/index/index",
    "category": "/pages/category/index",
    "cart": "/pages/cart/index",
    "me": "/pages/me/index",
    "search": "/pages/search/index",
    "product": "/pages/product/detail",
    "login": "/pages/login/index",
    "checkout": "/pkg-trade/checkout/index",
    "pay": "/pkg-trade/pay/index",
    "pay_result": "/pkg-trade/pay/result",
    "orders": "/pkg-trade/orders/index",
    "order": "/pkg-trade/orders/detail",
    "stores": "/pkg-trade/stores/index",
    "appointment": "/pkg-trade/stores/appointment",
    "scan_to_buy": "/pkg-trade/stores/scan",
    "aftersale": "/pkg-trade/aftersale/apply",
    "review_write": "/pkg-trade/review/write",
    "review_list": "/pkg-trade/review/list",
    "qa_list": "/pkg-trade/qa/list",
    "showroom": "/pkg-trade/showroom/index",
    "addresses": "/pkg-user/address/list",
    "address_edit": "/pkg-user/address/edit",
    "favorites": "/pkg-user/favorites/index",
    "my_coupons": "/pkg-user/coupons/index",
    "coupon_centre": "/pkg-user/coupons/centre",
    "points": "/pkg-user/points/index",
    "signin": "/pkg-user/points/signin",
    "mall": "/pkg-user/points/mall",
    "member_centre": "/pkg-user/member/index",
    "growth": "/pkg-user/member/growth",
    "svip": "/pkg-user/member/svip",
    "settings": "/pkg-user/settings/index",
    "invoice-titles": "/pkg-user/invoice/titles",
    "bind_phone": "/pkg-user/phone/index",
    "legal": "/pkg-user/legal/index",
    "my_content": "/pkg-user/content/index",
    "support": "/pkg-user/support/index",
    "live": "/pkg-live/live/index",
    "live_room": "/pkg-live/live/room",
    "live_replay": "/pkg-live/live/replay",
    "achievements": "/pkg-user/achievements/index",
    "flash": "/pkg-flash/flash/index",
    "flash_detail": "/pkg-flash/flash/detail",
    "group": "/pkg-social/group/index",
    "share": "/pkg-social/share/index",
    "crowdfunding": "/pkg-social/crowdfunding/index",
    "offline-code": "/pkg-social/code/index",
    "bargain": "/pkg-social/bargain/index",
    "bargain_mine": "/pkg-social/bargain/mine",
    "posts": "/pkg-social/posts/index",
    "post_detail": "/pkg-social/posts/detail",
    "post_write": "/pkg-social/posts/write",
    "dist_centre": "/pkg-dist/centre/index",
    "dist_team": "/pkg-dist/centre/team",
    "dist_orders": "/pkg-dist/centre/orders",
    "dist_withdraw": "/pkg-dist/centre/withdraw",
}


def page_url(name: str, **query: object) -> str:
    """The H5 address of a storefront page, with its query (``page_url("product", id=3)``)."""
    path = STOREFRONT_PAGES[name]
    return f"{path}?{urlencode(query, quote_via=quote)}" if query else path


def old_page_url(name: str, **query: object) -> str:
    """The address a page had before the subpackages (every page was under pages/)."""
    folder_and_page = page_url(name, **query).split("/", 2)[2]
    return f"/pages/{folder_and_page}"


def _server_env(data_dir: Path, **extra_env: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SHOPLET_DATA_DIR": str(data_dir),
        "SHOPLET_ENV": "embedded",
        "SHOPLET_ACCESS_LOG": "false",
        "SHOPLET_LOG_LEVEL": "WARNING",
        # Browser tests sign in many times from 127.0.0.1 within minutes.
        "SHOPLET_LOGIN_ATTEMPTS_LIMIT": "1000/15minute",
        "SHOPLET_SMS_PER_IP_LIMIT": "1000/hour",
        # Binding a phone (omnichannel) needs a second code for a number that just signed in.
        "SHOPLET_SMS_PER_PHONE_LIMIT": "1000/hour",
        # A module's owner confirms once (step-up) and keeps the grant for the whole module.
        "SHOPLET_STEP_UP_TTL_SECONDS": "7200",
        **extra_env,
    }
    env.pop("SHOPLET_DATABASE_URL", None)
    env.pop("SHOPLET_REDIS_URL", None)
    return env


SHOPLET_CLI = [sys.executable, "-m", "shoplet.cli"]


def migrate_and_seed(data_dir: Path) -> None:
    """``shoplet migrate`` and ``shoplet seed`` (the catalog and a month of demo orders) into
    ``data_dir``, as the README's first run does."""
    env = _server_env(data_dir)
    subprocess.run([*SHOPLET_CLI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*SHOPLET_CLI, "seed"], env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """One migrated and seeded data directory for the whole run, made by the first worker that
    asks (the others wait on a file lock) and copied by every server: seeding places a month of
    orders through the API (40 s and more on a loaded machine), once instead of per server."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # the run's directory, shared by its xdist workers
    seeded = root / "e2e-seeded"
    with FileLock(str(root / "e2e-seeded.lock")):
        if not (seeded / SEEDED_MARK).exists():
            shutil.rmtree(seeded, ignore_errors=True)
            seeded.mkdir()
            migrate_and_seed(seeded)
            (seeded / SEEDED_MARK).touch()
    return seeded


SEEDED_MARK = ".seeded"


@contextlib.contextmanager
def run_server(data_dir: Path, seeded: Path, **extra_env: str) -> Iterator[str]:
    """Shoplet serving from ``data_dir`` (embedded: SQLite, simulators), a copy of the
    ``seeded_data`` directory; ``extra_env`` adds settings (``SHOPLET_RISK_MODE="enforce"``).
    Yields its base URL."""
    shutil.copytree(
        seeded, data_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(SEEDED_MARK)
    )
    port = free_port()
    env = _server_env(data_dir, SHOPLET_PORT=str(port), **extra_env)
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen([*SHOPLET_CLI, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # A loaded machine can take a while to import and migrate; override to wait longer.
        deadline = time.monotonic() + float(os.environ.get("SHOPLET_E2E_START_TIMEOUT", "90"))
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "server.log").read_text()[-4000:])
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# Each running server's data directory by its base URL (tests reach the files a server wrote,
# and run the CLI against its database, through this).
SERVER_DATA_DIRS: dict[str, Path] = {}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, seeded_data: Path) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    with run_server(data_dir, seeded_data) as base:
        SERVER_DATA_DIRS[base] = data_dir
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make e2e-deps` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def axe_scan(page: Any, *, name: str) -> list[dict[str, Any]]:
    """Inject axe-core and return serious/critical violations (each test asserts none)."""
    if not AXE_JS.exists():
        pytest.fail("axe-core missing: run `make e2e-deps` (npm install in tests/e2e)")
    # Colours are read from the settled page: a toast fading in (uni-app's own, a <p>) has a
    # fraction of its contrast for a few hundred milliseconds.
    wait_for_settled(page)
    # Evaluated through DevTools, not as an inline <script>: the page's CSP forbids those.
    page.evaluate(AXE_JS.read_text() + "\n;0")
    serious = _serious_violations(page)
    if any(_in_toast(v) for v in serious):
        # A toast that began to fade out while axe ran (a scan takes over a second on a loaded
        # machine; uni-app's toast leaves after two): scan again once it has gone. A toast that
        # stands still is scanned like the rest of the page (white on rgba(17,17,17,.7) passes).
        wait_for_js(page, TOAST_GONE_JS, timeout_ms=10_000)
        wait_for_settled(page)
        serious = _serious_violations(page)
    if serious:
        summary = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": [n["target"] for n in v["nodes"][:5]],
                # What axe measured (colours and ratio for color-contrast), to see why.
                "data": [[c.get("data") for c in n.get("any", [])] for n in v["nodes"][:2]],
            }
            for v in serious
        ]
        print(f"axe violations on {name}: {json.dumps(summary, ensure_ascii=False)}")
    return serious


def _serious_violations(page: Any) -> list[dict[str, Any]]:
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def _in_toast(violation: dict[str, Any]) -> bool:
    return all(
        any("uni-toast" in str(target) for target in node["target"])
        or "uni-toast" in node.get("html", "")
        for node in violation["nodes"]
    )


# True once no uni-app toast (uni.showToast) is on the page.
TOAST_GONE_JS = """() => ![...document.querySelectorAll('uni-toast, .uni-toast')]
    .some((e) => e.getClientRects().length > 0)"""


# True once no finite CSS animation or transition is running (endless ones, skeleton shimmer and
# spinners, never finish and are left alone).
SETTLED_JS = """() => document.getAnimations().every(
    (a) => a.playState !== 'running' || a.effect.getComputedTiming().iterations === Infinity)"""


def wait_for_settled(page: Any, timeout_ms: float = 5_000) -> None:
    """Wait (bounded) until finite CSS animations and transitions have finished."""
    # Animations that keep restarting: scan the page as it is after the timeout.
    with contextlib.suppress(AssertionError):
        wait_for_js(page, SETTLED_JS, timeout_ms=timeout_ms)


def wait_for_js(page: Any, expression: str, arg: Any = None, timeout_ms: float = 30_000) -> None:
    """Wait until a JavaScript predicate holds. Playwright's ``wait_for_function`` evaluates a
    string predicate with ``eval`` inside the page, which the Content-Security-Policy forbids (no
    'unsafe-eval'); ``page.evaluate`` runs through the DevTools protocol, outside the policy, so
    the predicate is polled from here (every 50 ms, bounded)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms} ms waiting for {expression}")
        page.wait_for_timeout(50)


def pick_option(page: Any, select: Any, option: str, *, exact: bool = False) -> None:
    """Choose ``option`` in an Element Plus select and wait for its list to close, so the next
    select opened is not clicked while this one's list is still fading out (that click can be
    taken as a click outside and leave the second list shut)."""
    from playwright.sync_api import expect

    select.click(force=True)
    listbox = page.get_by_role("listbox").last
    expect(listbox).to_be_visible()
    page.get_by_role("option", name=option, exact=exact).first.click()
    expect(page.get_by_role("listbox")).to_have_count(0)


def watch_csp(page: Any, errors: list[str]) -> None:
    """Append every Content-Security-Policy violation the browser reports to ``errors``."""

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text:
            errors.append(f"CSP: {text}")

    page.on("console", on_console)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def write_shopper_session(page: Any, tokens: dict[str, Any]) -> None:
    """Sign a shopper in on the H5 store: their session (from ``/auth/wechat-login``) written
    where the app reads it (``uni.setStorageSync`` keeps strings as they are in localStorage),
    from ``/healthz``: a page of the shop's origin that runs no app code, so no app there can
    save its own session over this one. The access token counts as expired (the app refreshes
    it on its first call)."""
    page.goto("/healthz")
    saved = {
        "accessToken": tokens["access_token"],
        "refreshToken": tokens["refresh_token"],
        "expiresAt": 0,
        "member": tokens["member"],
    }
    page.evaluate("(v) => localStorage.setItem('shoplet.auth', v)", json.dumps(saved))

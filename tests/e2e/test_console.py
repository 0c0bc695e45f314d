"""The merchant console in Debian's Chromium against a real Shoplet server.

Staff accounts come from the ``shoplet create-staff`` command run against the server's data dir
(the owner) and from the console API (everyone else). Sign-in goes through the UI once, with a
TOTP code computed by pyotp; other tests put an API-issued token in the console's session storage
so they stay within the server's sign-in rate limit (10 per IP per 15 minutes). Every screen gets
an axe-core scan (no serious or critical violations) and a screenshot for docs/console.md.

``SHOPLET_E2E_CONSOLE_URL`` + ``SHOPLET_E2E_CONSOLE_DATA_DIR`` point these tests at a server you
started yourself (``shoplet serve`` on that data dir) instead of the ``live_server`` fixture.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pyotp
import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import SERVER_DATA_DIRS, axe_scan, screenshot, wait_for_js, watch_csp

CONSOLE = "/console"
API = "/api/v1"
SESSION_KEY = "shoplet.console.session"
STEP_UP_KEY = "shoplet.console.stepUp"
PASSWORD = "e2e-Passw0rd-long"
TIMEOUT_MS = 15_000
# Assertions wait as long as actions do: on a loaded machine a search answers after expect's
# default 5 s.
expect.set_options(timeout=TIMEOUT_MS)
# Usernames unique per run, so the tests also run against a long-lived server.
RUN = format(int(time.time() * 10) % 16**6, "06x")


@dataclass
class Server:
    base: str
    data_dir: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=15)


@dataclass
class Staff:
    username: str
    password: str
    role: str
    token: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    secret: str | None = None
    # A step-up grant (POST /console/auth/step-up) for sensitive actions, bound to ``token``.
    step_up: str = ""
    step_up_expires_in: int = 0

    @property
    def auth(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.step_up:
            headers["X-Step-Up-Token"] = self.step_up
        return headers


class Totp:
    """Codes for one secret that the server has not seen yet (it refuses a replayed 30-s step
    and accepts the next step early, valid_window=1)."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code(self) -> str:
        now = int(time.time())
        step = max(now // 30, self.last_step + 1)
        if step > now // 30 + 1:  # both the current and the next step are used up
            time.sleep((step - 1) * 30 - now + 0.5)
        self.last_step = step
        return str(self.totp.at(step * 30))


TOTPS: dict[str, Totp] = {}


def totp_code(secret: str) -> str:
    return TOTPS.setdefault(secret, Totp(secret)).code()


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Server:
    external = os.environ.get("SHOPLET_E2E_CONSOLE_URL")
    if external:
        return Server(external.rstrip("/"), Path(os.environ["SHOPLET_E2E_CONSOLE_DATA_DIR"]))
    base: str = request.getfixturevalue("live_server")
    return Server(base, SERVER_DATA_DIRS[base])


def create_staff_cli(server: Server, username: str, role: str) -> Staff:
    env = {**os.environ, "SHOPLET_DATA_DIR": str(server.data_dir)}
    env.pop("SHOPLET_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from shoplet.cli import main; main()",
            "create-staff",
            username,
            "--role",
            role,
            "--password",
            PASSWORD,
            "--display-name",
            f"测试{username}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"created {role} '{username}'" in result.stdout
    return Staff(username, PASSWORD, role)


def api_login(server: Server, staff: Staff) -> dict[str, Any]:
    body: dict[str, Any] = {"username": staff.username, "password": staff.password}
    if staff.secret:
        body["otp"] = totp_code(staff.secret)
    response = server.http.post(f"{API}/console/auth/login", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    staff.token = data["access_token"]
    staff.profile = data["staff"]
    if staff.step_up:  # a grant is bound to the token it was asked with: ask again
        step_up_via_api(server, staff)
    return data


def step_up_via_api(server: Server, staff: Staff) -> None:
    """Confirm with the next TOTP code: staff management, keys, reveals and payouts need it."""
    assert staff.secret is not None
    response = server.http.post(
        f"{API}/console/auth/step-up",
        headers={"Authorization": f"Bearer {staff.token}"},
        json={"otp": totp_code(staff.secret)},
    )
    assert response.status_code == 200, response.text
    staff.step_up = response.json()["step_up_token"]
    staff.step_up_expires_in = response.json()["expires_in"]


def enrol_mfa_via_api(server: Server, staff: Staff) -> None:
    enrolment = server.http.post(f"{API}/console/auth/mfa/enroll", headers=staff.auth)
    assert enrolment.status_code == 200, enrolment.text
    staff.secret = enrolment.json()["secret"]
    assert staff.secret is not None
    confirmed = server.http.post(
        f"{API}/console/auth/mfa/confirm", headers=staff.auth, json={"otp": totp_code(staff.secret)}
    )
    assert confirmed.status_code == 200, confirmed.text
    staff.token = confirmed.json()["access_token"]
    staff.profile = confirmed.json()["staff"]
    assert confirmed.json()["mfa_enrollment_required"] is False


@pytest.fixture(scope="module")
def owner(server: Server) -> Staff:
    """An owner with MFA enrolled (through the API) and a full console token."""
    # The first console request imports every console router: on a loaded machine that outlasts
    # a sign-in's 15 s timeout, so load them before the owner signs in.
    server.http.get(f"{API}/console/auth/me", timeout=300)
    # Unique per module: test modules that share this fixture each get their own owner.
    staff = create_staff_cli(server, f"e2e_owner_{RUN}{secrets.token_hex(2)}", "owner")
    first = api_login(server, staff)
    assert first["mfa_enrollment_required"] is True
    enrol_mfa_via_api(server, staff)
    step_up_via_api(server, staff)
    return staff


def create_staff_api(server: Server, owner: Staff, username: str, role: str) -> Staff:
    response = server.http.post(
        f"{API}/console/staff",
        headers=owner.auth,
        json={"username": username, "password": PASSWORD, "role": role, "display_name": username},
    )
    assert response.status_code == 201, response.text
    staff = Staff(username, PASSWORD, role)
    api_login(server, staff)
    return staff


@pytest.fixture
def context(browser: Any, server: Server) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=server.base,
        viewport={"width": 1440, "height": 900},
        locale="zh-CN",
        reduced_motion="reduce",
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


def new_page(context: Any) -> Any:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    watch_csp(page, errors)
    page.errors = errors
    return page


def signed_in_page(context: Any, staff: Staff) -> Any:
    """A page whose console session holds ``staff``'s API-issued token (no UI sign-in)."""
    session = {
        "token": staff.token,
        "expiresAt": int(time.time() * 1000) + 3_600_000,
        "staff": staff.profile,
        "mfaEnrollmentRequired": False,
    }
    context.add_init_script(
        f"sessionStorage.setItem({json.dumps(SESSION_KEY)}, {json.dumps(json.dumps(session))})"
    )
    if staff.step_up:
        grant = {
            "token": staff.step_up,
            "expiresAt": int(time.time() * 1000) + (staff.step_up_expires_in - 60) * 1000,
        }
        context.add_init_script(
            f"sessionStorage.setItem({json.dumps(STEP_UP_KEY)}, {json.dumps(json.dumps(grant))})"
        )
    return new_page(context)


def expect_url(page: Any, pattern: str) -> None:
    """Wait for the SPA to reach ``pattern``; on a timeout, say what the page is showing.

    Up to 45 s: the first sign-in of a module can meet the server's start-up jobs (reports,
    forecasts, reconciliation: seconds of SQLite writes on a loaded machine) and its password
    hash queued behind them."""
    try:
        page.wait_for_url(re.compile(pattern), wait_until="commit", timeout=45_000)
    except Exception as exc:
        alerts = page.get_by_role("alert").all_inner_texts()
        shot = Path(tempfile.gettempdir()) / "shoplet-console-e2e-failure.png"
        page.screenshot(path=str(shot), full_page=True)
        raise AssertionError(f"still at {page.url}; alerts: {alerts}; see {shot}") from exc


def assert_accessible(page: Any, name: str, *, settle: bool = True) -> None:
    """Photograph the page and scan it with axe, once its network has gone quiet (``settle``).
    Pages that rebuild a replay frame (会话回放, 点击热力图) pass ``settle=False`` and wait for
    what they show instead: Playwright's quiet-network state can miss a frame rebuilt after
    the page loaded, and the scan then waits out its timeout with nothing in flight."""
    if settle:
        # Up to 30 s: on a loaded machine a page's pictures and lazy chunks can take a while.
        page.wait_for_load_state("networkidle", timeout=30_000)
    # A toast still fading in has too little contrast for axe; scan once it is fully shown.
    wait_for_js(
        page,
        "() => [...document.querySelectorAll('.el-message')]"
        ".every(m => getComputedStyle(m).opacity === '1')",
    )
    screenshot(page, name)
    assert axe_scan(page, name=name) == []
    assert page.errors == []


def choose(scope: Any, option: str) -> None:
    """Pick an Element Plus radio by its visible label (the native input is visually hidden)."""
    scope.locator("label.el-radio").filter(has_text=option).click()
    assert scope.get_by_role("radio", name=option).is_checked()


def storefront_product(server: Server, product_id: int) -> httpx.Response:
    return server.http.get(f"{API}/products/{product_id}")


# ---------------------------------------------------------------------------------------------


def test_owner_enrols_mfa_then_signs_in_with_totp(server: Server, context: Any) -> None:
    staff = create_staff_cli(server, f"e2e_founder_{RUN}", "owner")
    page = new_page(context)
    page.goto(f"{CONSOLE}/")
    expect_url(page, r"/console/login")
    assert_accessible(page, "console-login")

    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(staff.password)
    page.get_by_role("button", name="登录", exact=True).click()

    # An owner without MFA may only enrol: QR code and the secret for manual entry.
    expect_url(page, r"/console/mfa$")
    qr = page.get_by_test_id("mfa-qr")
    qr.wait_for()
    assert qr.get_attribute("src").startswith("data:image/png;base64,iVBOR")
    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    assert_accessible(page, "console-mfa-enrol")

    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    page.get_by_label("身份验证器验证码").fill(wrong)
    page.get_by_role("button", name="完成绑定").click()
    page.get_by_role("alert").filter(has_text="验证码错误").wait_for()

    page.get_by_label("身份验证器验证码").fill(totp_code(secret))
    page.get_by_role("button", name="完成绑定").click()
    expect_url(page, r"/console/(products|dashboard|orders)")
    assert page.get_by_test_id("staff-role").inner_text().strip() == "店主"
    nav = page.get_by_role("navigation", name="主菜单")
    for entry in ("商品管理", "员工管理", "操作日志", "账户安全"):
        assert nav.get_by_text(entry, exact=True).is_visible()

    # Sign out, then back in: now the password alone is not enough.
    page.get_by_role("button", name="退出登录").click()
    expect_url(page, r"/console/login")
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(staff.password)
    page.get_by_role("button", name="登录", exact=True).click()
    otp = page.get_by_label("身份验证器验证码")
    otp.wait_for()
    assert_accessible(page, "console-login-totp")
    otp.fill(totp_code(secret))
    page.get_by_role("button", name="验证并登录").click()
    expect_url(page, r"/console/(products|dashboard|orders)")

    me = server.http.get(
        f"{API}/console/auth/me",
        headers={"Authorization": f"Bearer {page.evaluate(_TOKEN_JS)}"},
    )
    assert me.status_code == 200
    assert me.json()["username"] == staff.username
    assert me.json()["mfa_enabled"] is True


_TOKEN_JS = f"() => JSON.parse(sessionStorage.getItem({json.dumps(SESSION_KEY)})).token"


def _first_media_image(server: Server) -> str:
    """A seeded product image that the server really serves."""
    listing = server.http.get(f"{API}/products", params={"limit": 20, "sort": "sales"})
    assert listing.status_code == 200
    for item in listing.json()["items"]:
        image: str | None = item["image"]
        if image and image.startswith("/media/") and server.http.get(image).status_code == 200:
            return image
    raise AssertionError("no seeded product image is served")


def _pick_category(page: Any) -> None:
    page.get_by_test_id("category").click()
    menus = page.locator(".el-cascader-menu")
    menus.first.locator(".el-cascader-node").first.click()
    menus.nth(1).locator(".el-cascader-node").first.click()


def test_owner_creates_a_product_with_a_2x2_sku_matrix(
    server: Server, owner: Staff, context: Any, tmp_path: Path
) -> None:
    image = _first_media_image(server)
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/products")
    page.get_by_test_id("product-table").locator("tbody tr").first.wait_for()
    assert_accessible(page, "console-products")

    page.get_by_test_id("new-product").click()
    expect_url(page, r"/console/products/new$")
    title = f"E2E 纯棉圆领T恤 男女同款 {RUN}"
    page.get_by_label("商品标题").fill(title)
    page.get_by_label("副标题").fill("新疆长绒棉 · 不起球")
    _pick_category(page)
    choose(page, "直接上架")
    page.get_by_role("textbox", name="商品描述").fill("端到端测试创建的商品。")
    page.get_by_label("商品图片地址").fill(image)
    page.get_by_role("button", name="添加地址").first.click()
    # And one uploaded from disk (POST /console/media).
    upload = tmp_path / "tee.png"
    Image.new("RGB", (320, 320), (26, 95, 180)).save(upload)
    gallery = page.get_by_role("list", name="商品图片")
    page.locator("input[type=file]:not([data-testid=rte-image-file])").first.set_input_files(
        str(upload)
    )
    expect(gallery.get_by_role("listitem")).to_have_count(2)

    page.get_by_label("规格 1 名称").fill("颜色")
    page.get_by_label("规格 1 的值").fill("黑、白")
    page.get_by_test_id("add-spec").click()
    page.get_by_label("规格 2 名称").fill("尺码")
    page.get_by_label("规格 2 的值").fill("M, L")
    rows = page.get_by_test_id("sku-table").locator("tbody tr")
    rows.nth(3).wait_for()
    assert rows.count() == 4

    page.get_by_label("批量设置售价（元）").fill("99")
    page.get_by_label("批量设置划线价（元）").fill("129")
    page.get_by_label("批量设置库存（新 SKU）").fill("10")
    page.get_by_role("button", name="应用到全部 SKU").click()
    # One SKU a little dearer, and a barcode on each.
    page.get_by_label("颜色:白 / 尺码:L 售价").fill("109.5")
    barcodes = {}
    combos = ("颜色:黑 / 尺码:M", "颜色:黑 / 尺码:L", "颜色:白 / 尺码:M", "颜色:白 / 尺码:L")
    for i, combo in enumerate(combos):
        barcode = f"69{int(time.time()) % 10**9:09d}{i}"
        barcodes[combo] = barcode
        page.get_by_label(f"{combo} 条码").fill(barcode)
    assert_accessible(page, "console-product-edit")

    page.get_by_test_id("save-product").click()
    expect_url(page, r"/console/products/\d+$")
    product_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_test_id("product-status").filter(has_text="在售").wait_for()

    response = storefront_product(server, product_id)
    assert response.status_code == 200, response.text
    product = response.json()
    assert product["title"] == title
    assert product["images"][0] == image
    assert len(product["images"]) == 2
    assert product["images"][1].startswith("/media/")
    # Uploads are stored as their JPEG fallback (the PNG has no transparency) plus WebP variants.
    assert server.http.get(product["images"][1]).headers["content-type"] == "image/jpeg"
    assert product["gallery"][0]["list"].endswith(".webp")
    assert product["specs"] == [
        {"name": "颜色", "values": ["黑", "白"]},
        {"name": "尺码", "values": ["M", "L"]},
    ]
    skus = {" / ".join(f"{s['name']}:{s['value']}" for s in k["specs"]): k for k in product["skus"]}
    assert sorted(skus) == sorted(barcodes)
    for combo, sku in skus.items():
        assert sku["price"] == (10950 if combo == "颜色:白 / 尺码:L" else 9900)
        assert sku["original_price"] == 12900
        assert sku["available"] == 10
        assert sku["barcode"] == barcodes[combo]

    # Stock adjustment with a reason, then the ledger shows it and the storefront sees it.
    page.goto(f"{CONSOLE}/products")
    page.get_by_label("搜索商品").fill(title)
    page.get_by_role("button", name="搜索").click()
    table_rows = page.get_by_test_id("product-table").locator("tbody tr")
    expect(table_rows).to_have_count(1)
    row = table_rows.filter(has_text=title)
    row.get_by_role("button", name="库存").click()
    drawer = page.get_by_role("dialog")
    sku_rows = drawer.get_by_test_id("stock-skus").locator("tbody tr")
    expect(sku_rows).to_have_count(4)
    sku_rows.filter(has_text="颜色:白 / 尺码:L").get_by_role("button", name="查看").click()
    expect(drawer.get_by_role("heading", name="颜色:白 / 尺码:L")).to_be_visible()
    ledger = drawer.get_by_test_id("stock-ledger").locator("tbody tr")
    expect(ledger).to_have_count(1)  # the initial stock
    drawer.get_by_label("调整数量").fill("5")
    drawer.get_by_label("原因").fill("盘点入库")
    drawer.get_by_role("button", name="提交调整").click()
    expect(ledger).to_have_count(2)
    assert "盘点入库" in ledger.first.inner_text()
    assert "+5" in ledger.first.inner_text()
    expect(sku_rows.filter(has_text="颜色:白 / 尺码:L")).to_contain_text("15")
    assert_accessible(page, "console-stock-ledger")
    # The storefront detail caches stock for a few seconds (catalog DETAIL_TTL).
    adjusted = skus["颜色:白 / 尺码:L"]["id"]
    expected = {s["id"]: 15 if s["id"] == adjusted else 10 for s in product["skus"]}
    wait_for(
        lambda: (
            {s["id"]: s["available"] for s in storefront_product(server, product_id).json()["skus"]}
            == expected
        ),
        what="the adjusted stock in the storefront",
    )


def test_support_cannot_reach_product_editing(server: Server, owner: Staff, context: Any) -> None:
    support = create_staff_api(server, owner, f"e2e_support_{RUN}", "support")
    assert support.profile["role"] == "support"
    listing = server.http.get(f"{API}/console/products", headers=support.auth, params={"limit": 1})
    assert listing.status_code == 200
    product = listing.json()["items"][0]

    page = signed_in_page(context, support)
    page.goto(f"{CONSOLE}/products")
    table = page.get_by_test_id("product-table")
    table.locator("tbody tr").first.wait_for()
    assert page.get_by_test_id("new-product").count() == 0
    assert table.get_by_role("button", name="编辑").count() == 0
    assert table.get_by_role("button", name="上架").count() == 0
    nav = page.get_by_role("navigation", name="主菜单")
    assert nav.get_by_text("员工管理", exact=True).count() == 0
    assert_accessible(page, "console-products-support")

    for path in ("/products/new", f"/products/{product['id']}", "/staff"):
        page.goto(f"{CONSOLE}{path}")
        page.get_by_test_id("forbidden").wait_for()
    assert_accessible(page, "console-forbidden")

    # The backend refuses the same, and nothing changes.
    patch = server.http.patch(
        f"{API}/console/products/{product['id']}",
        headers=support.auth,
        json={"title": "客服改的标题"},
    )
    assert patch.status_code == 403
    assert patch.json()["code"] == "console.permission_denied"
    status = server.http.post(
        f"{API}/console/products/{product['id']}/status",
        headers=support.auth,
        json={"status": "off_sale"},
    )
    assert status.status_code == 403
    assert status.json()["code"] == "console.permission_denied"
    again = server.http.get(f"{API}/console/products/{product['id']}", headers=owner.auth)
    assert again.json()["title"] == product["title"]
    assert again.json()["status"] == product["status"]


def test_owner_manages_staff_and_browses_the_audit_log(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/staff")
    page.get_by_test_id("staff-table").locator("tbody tr").first.wait_for()

    username = f"e2e_ops_{RUN}"
    page.get_by_test_id("new-staff").click()
    dialog = page.get_by_role("dialog", name="新建员工")
    dialog.get_by_label("用户名").fill(username)
    dialog.get_by_label("显示名").fill("运营小李")
    choose(dialog, "运营")
    dialog.get_by_label("初始密码").fill(PASSWORD)
    assert_accessible(page, "console-staff-create")
    dialog.get_by_role("button", name="创建").click()
    row = page.get_by_test_id("staff-table").locator("tbody tr").filter(has_text=username)
    row.wait_for()
    assert "运营" in row.inner_text()

    row.get_by_role("button", name="编辑").click()
    edit = page.get_by_role("dialog", name=f"编辑员工 {username}")
    choose(edit, "客服")
    edit.get_by_role("button", name="保存").click()
    row.filter(has_text="客服").wait_for()
    assert_accessible(page, "console-staff")

    accounts = server.http.get(f"{API}/console/staff", headers=owner.auth).json()["items"]
    ops = next(a for a in accounts if a["username"] == username)
    assert ops["role"] == "support"
    assert ops["display_name"] == "运营小李"

    page.goto(f"{CONSOLE}/audit-log")
    page.get_by_label("按动作筛选").fill("staff.update")
    page.get_by_role("button", name="筛选").click()
    entries = page.get_by_test_id("audit-table").locator("tbody tr")
    expect(entries.filter(has_not_text="staff.update")).to_have_count(0)
    expect(entries.filter(has_text=owner.username).first).to_be_visible()
    assert all("staff.update" in text for text in entries.all_inner_texts())
    assert_accessible(page, "console-audit-log")


# ---- trade ----------------------------------------------------------------------------------


@dataclass
class PaidOrder:
    order_no: str
    payable_total: int
    shopper: dict[str, str]


def _sku_in_stock(server: Server, units: int) -> int:
    for item in server.http.get(f"{API}/products", params={"limit": 30}).json()["items"]:
        detail = storefront_product(server, item["id"]).json()
        for sku in detail["skus"]:
            if sku["available"] >= units:
                sku_id: int = sku["id"]
                return sku_id
    raise AssertionError(f"no seeded SKU has {units} units")


def place_paid_order(server: Server, shopper: str) -> PaidOrder:
    """A shopper signs in (WeChat simulator), orders one unit and pays through the WeChat Pay
    simulator, which sends the signed notify that marks the order paid."""
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-{shopper}"})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "张三",
            "phone": "13800138000",
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "region_code": "310115",
            "detail": "世纪大道 100 号",
        },
    )
    assert address.status_code == 201, address.text
    order = server.http.post(
        f"{API}/orders",
        headers={**auth, "Idempotency-Key": f"e2e-{shopper}-{RUN}"},
        json={
            "address_id": address.json()["id"],
            "items": [{"sku_id": _sku_in_stock(server, 5), "quantity": 1}],
        },
    )
    assert order.status_code == 201, order.text
    order_no: str = order.json()["order_no"]
    pay = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_h5"}
    )
    assert pay.status_code == 200, pay.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": pay.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text
    wait_for(
        lambda: (
            server.http.get(f"{API}/orders/{order_no}", headers=auth).json()["status"] == "paid"
        ),
        what=f"order {order_no} paid",
    )
    return PaidOrder(order_no, order.json()["payable_total"], auth)


def wait_for(check: Any, *, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def test_operator_ships_a_paid_order_and_exports_csv(
    server: Server, owner: Staff, context: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_operator_{RUN}", "operator")
    order = place_paid_order(server, f"ship{RUN}")

    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/orders")
    # Operators search by order no. only (phone look-ups need pii:reveal).
    page.get_by_label("搜索订单号", exact=True).fill(order.order_no)
    page.get_by_role("button", name="搜索").click()
    rows = page.get_by_test_id("order-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert "待发货" in rows.first.inner_text()
    assert yuan(order.payable_total) in rows.first.inner_text()
    assert_accessible(page, "console-orders")

    # CSV export with progress, downloaded with the staff token.
    page.get_by_role("button", name="导出 CSV").click()
    expect(page.get_by_test_id("export-status")).to_contain_text("已完成", timeout=30_000)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    csv_text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert order.order_no in csv_text

    # 物流公司: 极兔速递 is added switched off and the operator switches it on there; 京东快递
    # stays switched off. The 发货 dialog offers the shop's enabled carriers only.
    for code in ("jtexpress", "jd"):
        added = server.http.post(
            f"{API}/console/logistics/carriers",
            headers=operator.auth,
            json={"code": code, "is_enabled": False},
        )
        assert added.status_code in (201, 409), added.text
    carriers_page = context.new_page()
    carriers_page.goto(f"{CONSOLE}/logistics/carriers")
    toggle = carriers_page.get_by_role("switch", name="启用极兔速递")
    expect(toggle).not_to_be_checked()
    with carriers_page.expect_response(
        lambda r: r.url.endswith("/logistics/carriers/jtexpress")
    ) as on:
        carriers_page.get_by_test_id("carrier-enabled-jtexpress").click()
    assert on.value.status == 200, on.value.text()
    expect(toggle).to_be_checked()
    carriers_page.close()

    rows.first.get_by_role("button", name="发货").click()
    expect_url(page, rf"/console/orders/{order.order_no}$")
    expect(page.get_by_test_id("order-status")).to_have_text("待发货")
    page.get_by_test_id("carrier").click()
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="极兔速递")).to_be_visible()
    expect(listbox.get_by_role("option", name="顺丰速运")).to_be_visible()
    expect(listbox.get_by_role("option", name="京东快递")).to_have_count(0)
    assert_accessible(page, "console-order-ship-carriers")
    listbox.get_by_role("option", name="极兔速递").click()
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.get_by_label("运单号").fill("JT1234567890")
    assert_accessible(page, "console-order-ship")
    page.get_by_test_id("ship").click()
    expect(page.get_by_test_id("order-status")).to_have_text("待收货")
    expect(page.get_by_test_id("order-shipment")).to_have_text("极兔速递 JT1234567890")
    expect(page.get_by_test_id("order-timeline")).to_contain_text("待发货 → 待收货")
    assert_accessible(page, "console-order-detail")

    shipped = server.http.get(f"{API}/orders/{order.order_no}", headers=order.shopper).json()
    assert shipped["status"] == "shipped"
    assert shipped["carrier"] == "极兔速递"
    assert shipped["tracking_no"] == "JT1234567890"


def test_support_approves_a_refund(server: Server, owner: Staff, context: Any) -> None:
    support = create_staff_api(server, owner, f"e2e_kefu_{RUN}", "support")
    order = place_paid_order(server, f"refund{RUN}")
    request = server.http.post(
        f"{API}/orders/{order.order_no}/aftersales",
        headers=order.shopper,
        json={"kind": "refund_only", "reason": "拍错了，不想要了", "amount": order.payable_total},
    )
    assert request.status_code == 201, request.text
    aftersale_no = request.json()["aftersale_no"]

    page = signed_in_page(context, support)
    page.goto(f"{CONSOLE}/aftersales")
    row = page.get_by_test_id("aftersale-table").locator("tbody tr").filter(has_text=aftersale_no)
    expect(row).to_have_count(1)
    assert "拍错了，不想要了" in row.inner_text()
    assert_accessible(page, "console-aftersales")
    row.get_by_role("button", name="同意").click()
    page.get_by_role("dialog", name="同意售后申请").get_by_role("button", name="同意并退款").click()
    expect(row).not_to_contain_text("待处理")

    def refunded() -> bool:
        detail = server.http.get(f"{API}/console/orders/{order.order_no}", headers=owner.auth)
        return bool(detail.json()["refunded_amount"] == order.payable_total)

    wait_for(refunded, what=f"refund of {order.order_no}")
    page.goto(f"{CONSOLE}/orders/{order.order_no}")
    expect(page.get_by_test_id("order-refunded")).to_have_text(yuan(order.payable_total))
    audit = server.http.get(
        f"{API}/console/audit-log", headers=owner.auth, params={"staff_id": support.profile["id"]}
    ).json()["items"]
    assert any(e["target"] and aftersale_no in e["target"] for e in audit), audit


def test_dashboard_numbers_follow_a_paid_order(server: Server, owner: Staff, context: Any) -> None:
    before = server.http.get(f"{API}/console/dashboard", headers=owner.auth).json()
    order = place_paid_order(server, f"dash{RUN}")
    after = server.http.get(f"{API}/console/dashboard", headers=owner.auth).json()
    assert after["today"]["gmv"] == before["today"]["gmv"] + order.payable_total
    assert after["today"]["orders"] == before["today"]["orders"] + 1
    assert len(after["trend"]) == 30

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/dashboard")
    gmv = page.get_by_test_id("kpi-gmv").get_by_test_id("kpi-today")
    expect(gmv).to_have_text(yuan(after["today"]["gmv"]))
    expect(page.get_by_test_id("kpi-orders").get_by_test_id("kpi-today")).to_have_text(
        str(after["today"]["orders"])
    )
    page.locator(".chart svg").first.wait_for()
    assert_accessible(page, "console-dashboard")


def _upload_image(server: Server, owner: Staff, color: tuple[int, int, int]) -> dict[str, Any]:
    data = io.BytesIO()
    Image.new("RGB", (400, 400), color).save(data, format="PNG")
    response = server.http.post(
        f"{API}/console/media",
        headers=owner.auth,
        files={"file": ("p.png", data.getvalue(), "image/png")},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_owner_reorders_gallery_images_by_dragging_and_with_the_keyboard(
    server: Server, owner: Staff, context: Any
) -> None:
    uploads = [_upload_image(server, owner, c) for c in ((200, 0, 0), (0, 160, 0), (0, 0, 200))]
    urls = [u["url"] for u in uploads]
    categories = server.http.get(f"{API}/console/categories", headers=owner.auth).json()
    leaf = next(c["children"][0]["id"] for c in categories if c["children"])
    created = server.http.post(
        f"{API}/console/products",
        headers=owner.auth,
        json={
            "category_id": leaf,
            "title": f"E2E 拖动排序 {RUN}",
            "images": urls,
            "status": "draft",
            "skus": [{"price": 1000, "stock": 1}],
        },
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/products/{product_id}")
    gallery = page.get_by_role("list", name="商品图片")
    items = gallery.get_by_role("listitem")
    expect(items).to_have_count(3)
    # Thumbnails are the list variants, on their placeholder colour.
    first = items.nth(0).locator("img")
    assert first.get_attribute("src") == uploads[0]["image_set"]["list"]
    assert "background-color" in (first.get_attribute("style") or "")
    assert_accessible(page, "console-product-media")

    # Drag the third image onto the first.
    items.nth(2).drag_to(items.nth(0))
    expected = [urls[2], urls[0], urls[1]]
    lists = [u["image_set"]["list"] for u in uploads]
    wait_for_js(
        page,
        "(srcs) => { const imgs = [...document.querySelectorAll('[data-testid=image-item] img')];"
        " return srcs.every((s, i) => imgs[i] && imgs[i].getAttribute('src') === s) }",
        [lists[2], lists[0], lists[1]],
    )
    # Then move the (now) first image one place right with the keyboard.
    items.nth(0).focus()
    page.keyboard.press("ArrowRight")
    expected = [urls[0], urls[2], urls[1]]
    expect(page.get_by_test_id("image-announcement").first).to_have_text(
        "商品图片：已将第 1 张移到第 2 张，共 3 张"
    )

    page.get_by_test_id("save-product").click()
    page.get_by_text("已保存").first.wait_for()
    saved = server.http.get(f"{API}/console/products/{product_id}", headers=owner.auth).json()
    assert saved["images"] == expected


def test_orders_filter_by_status_and_days_saved_views_and_timeline_names(
    server: Server, owner: Staff, context: Any
) -> None:
    display_name = f"发货员{RUN}"
    created = server.http.post(
        f"{API}/console/staff",
        headers=owner.auth,
        json={
            "username": f"e2e_shipper_{RUN}",
            "password": PASSWORD,
            "role": "operator",
            "display_name": display_name,
        },
    )
    assert created.status_code == 201, created.text
    operator = Staff(f"e2e_shipper_{RUN}", PASSWORD, "operator")
    api_login(server, operator)
    order = place_paid_order(server, f"views{RUN}")
    shipped = server.http.post(
        f"{API}/console/orders/{order.order_no}/ship",
        headers=operator.auth,
        json={"carrier": "顺丰速运", "tracking_no": "SF9876543210"},
    )
    assert shipped.status_code == 200, shipped.text
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/orders")
    rows = page.get_by_test_id("order-table").locator("tbody tr")
    page.get_by_role("tab", name="待收货").click()
    expect_url(page, r"/console/orders\?status=shipped$")
    page.get_by_label("下单开始日期").fill(today)
    page.get_by_label("下单结束日期").fill(today)
    page.get_by_label("下单结束日期").press("Enter")
    expect_url(page, rf"status=shipped&from={today}&to={today}")
    mine = rows.filter(has_text=order.order_no)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("待收货")
    expect(mine.locator(".el-tag")).to_have_attribute("data-tone", "primary")
    assert_accessible(page, "console-orders-filtered")

    # A reload (or a shared link) shows the same list.
    page.reload()
    expect_url(page, rf"status=shipped&from={today}&to={today}")
    expect(page.get_by_role("tab", name="待收货")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("下单开始日期")).to_have_value(today)
    expect(rows.filter(has_text=order.order_no)).to_have_count(1)

    # Save the filters as a view, leave them, and apply the view again.
    page.get_by_test_id("save-view").click()
    dialog = page.get_by_role("dialog", name="保存视图")
    dialog.get_by_role("textbox").fill("今日已发货")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("tab", name="全部").click()
    expect_url(page, rf"/console/orders\?from={today}&to={today}$")
    page.get_by_test_id("saved-view-select").click()
    page.get_by_role("option", name=re.compile("今日已发货")).click()
    expect_url(page, rf"status=shipped&from={today}&to={today}")
    expect(rows.filter(has_text=order.order_no)).to_have_count(1)
    assert_accessible(page, "console-orders-saved-view")

    # The timeline names who acted, never raw ids.
    rows.filter(has_text=order.order_no).get_by_role("link", name=order.order_no).click()
    expect_url(page, rf"/console/orders/{order.order_no}$")
    timeline = page.get_by_test_id("order-timeline")
    expect(timeline).to_contain_text(display_name)
    expect(timeline).to_contain_text("买家")
    expect(timeline).to_contain_text("微信支付")
    expect(timeline).not_to_contain_text("member:")
    expect(timeline).not_to_contain_text("staff:")
    assert_accessible(page, "console-order-timeline")


def test_dashboard_rise_and_fall_colours_switch_and_persist(
    server: Server, owner: Staff, context: Any
) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/dashboard")
    switch = page.get_by_test_id("trend-convention")
    expect(switch.get_by_role("radio", name="红涨绿跌")).to_be_checked()
    # Colours follow the convention: a rise is red (#b3261e) in China, green (#1e7b34) abroad.
    rise = "rgb(179, 38, 30)"
    fall = "rgb(30, 123, 52)"
    changes = page.get_by_test_id("kpi-change")
    changes.first.wait_for()

    def colours() -> dict[str, str]:
        found: dict[str, str] = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('[data-testid=kpi-change]')]"
            ".map(e => [e.className, getComputedStyle(e).color]))"
        )
        return found

    for cls, colour in colours().items():
        if "up" in cls.split():
            assert colour == rise
        elif "down" in cls.split():
            assert colour == fall
    switch.locator("label").filter(has_text="绿涨红跌").click()
    expect(switch.get_by_role("radio", name="绿涨红跌")).to_be_checked()
    # The colours change when Vue re-renders (and any colour transition ends): wait for them.
    wait_for_js(
        page,
        "([rise, fall]) => [...document.querySelectorAll('[data-testid=kpi-change]')].every("
        "(e) => { const c = getComputedStyle(e).color;"
        " return e.classList.contains('up') ? c === fall"
        " : e.classList.contains('down') ? c === rise : true })",
        [rise, fall],
    )
    page.reload()
    expect(
        page.get_by_test_id("trend-convention").get_by_role("radio", name="绿涨红跌")
    ).to_be_checked()
    page.locator(".chart svg").first.wait_for()
    assert_accessible(page, "console-dashboard-intl-colours")

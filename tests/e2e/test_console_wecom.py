"""企业微信 end to end in Debian's Chromium, on a server of its own with WeCom set up against the
in-repo simulator: an owner creates a 渠道活码 for a store and a campaign on the console page (a
bad campaign code refused on the page first), a WeChat user scans it (the simulator posts the
encrypted add_external_contact callback to the server), and the customer shows up under 客户
attributed to the store and campaign, and in 拉新统计. A 欢迎语 gets a mini-program card whose
cover picture is uploaded in the card form (a text file refused with the glossary's message),
previewed, saved and shown again when the welcome is reopened. Each tab is scanned with axe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import pick_option, run_server, wait_for_js

from .test_console import (
    API,
    CONSOLE,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    signed_in_page,
)

__all__ = ["context", "owner"]  # fixtures shared with test_console.py, on this module's server

WECOM_ENV = {
    "SHOPLET_WECOM_CORP_ID": "wwshoplete2e00001",
    "SHOPLET_WECOM_SECRET": "wecom-e2e-secret",
    "SHOPLET_WECOM_CALLBACK_TOKEN": "wecom-e2e-token",
    "SHOPLET_WECOM_CALLBACK_AES_KEY": "Shoplet0WeCom0E2E0Callback0Key0000000000000",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_data: Path) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("wecom")
    with run_server(data_dir, seeded_data, **WECOM_ENV) as base:
        assert httpx.get(f"{base}/openapi.json", timeout=180).status_code == 200
        yield Server(base, data_dir)


def _store(server: Server, owner: Staff) -> str:
    name = "企微测试门店"
    made = server.http.post(
        f"{API}/console/stores",
        headers=owner.auth,
        json={"name": name, "address": "上海市黄浦区南京东路1号", "phone": "021-63210000",
              "lat": 31.232, "lng": 121.475, "staff_ids": [], "pickup_enabled": True,
              "delivery_radius_m": 0, "fee_per_km": 0,
              "hours": [{"closed": False, "open": "09:00", "close": "21:00"}] * 7},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return name


def test_owner_makes_a_contact_way_and_sees_the_customer_it_brings(
    server: Server, owner: Staff, context: Any
) -> None:
    store = _store(server, owner)
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/wecom")
    expect(page.get_by_role("heading", name="企业微信", exact=True)).to_be_visible()
    expect(page.get_by_text("企业 ID：wwshoplete2e00001")).to_be_visible()

    page.get_by_label("活动代码").fill("春季 活动")
    page.get_by_label("员工 UserID").fill("zhangsan, lisi")
    page.get_by_test_id("wecom-create").click()
    expect(page.get_by_test_id("wecom-form-errors")).to_contain_text("活动代码须为")

    pick_option(page, page.get_by_test_id("wecom-store"), store)
    page.get_by_label("活动代码").fill("spring24")
    page.get_by_test_id("wecom-create").click()
    created = page.get_by_test_id("wecom-created")
    expect(created).to_contain_text(".cspring24")
    ways = page.get_by_test_id("wecom-ways")
    expect(ways).to_contain_text(store)
    expect(ways).to_contain_text("zhangsan、lisi")
    assert_accessible(page, "console-wecom-contact-ways")

    listed = server.http.get(f"{API}/console/wecom/contact-ways", headers=owner.auth).json()
    config_id = listed["items"][0]["config_id"]
    scanned = httpx.post(
        f"{server.base}/_sim/wecom/sim/wecom/scan",
        json={"config_id": config_id, "name": "扫码的王先生"},
        timeout=15,
    )
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["status"] == 200

    page.get_by_role("tab", name="客户", exact=True).click()
    customers = page.get_by_test_id("wecom-contacts")
    row = customers.locator("tr").filter(has_text="扫码的王先生")
    expect(row).to_contain_text(f"{store} · 活动 spring24")
    expect(row).to_contain_text("zhangsan")
    expect(row).to_contain_text("未关联")
    assert_accessible(page, "console-wecom-contacts")

    page.get_by_role("tab", name="拉新统计").click()
    stats = page.get_by_test_id("wecom-stats")
    expect(stats).to_contain_text(store)
    expect(stats).to_contain_text("spring24")
    assert_accessible(page, "console-wecom-stats")


def _choose_welcome_way(page: Any, campaign: str) -> None:
    page.get_by_role("tab", name="欢迎语").click()
    pick_option(page, page.get_by_test_id("wecom-welcome-way"), f"活动 {campaign}")


def _save_welcome(page: Any, way_id: int) -> None:
    """Save the 欢迎语 form and wait for that save's own answer.

    The toast of an earlier save can still be on the page, so the toast alone does not say
    that this save has been answered.
    """
    path = f"/console/wecom/contact-ways/{way_id}/welcome"
    with page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith(path)
    ) as answered:
        page.get_by_test_id("wecom-welcome-save").click()
    assert answered.value.ok, answered.value.text()
    expect(page.get_by_text("欢迎语已保存").last).to_be_visible()


def test_owner_sets_a_welcome_makes_a_group_qr_code_and_broadcasts(
    server: Server, owner: Staff, context: Any, tmp_path: Path
) -> None:
    made = server.http.post(
        f"{API}/console/wecom/contact-ways",
        headers=owner.auth,
        json={"campaign": "welcome1", "staff_userids": ["lisi"]},
    )
    assert made.status_code == 201, made.text
    way = made.json()
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/wecom")
    expect(page.get_by_role("heading", name="企业微信", exact=True)).to_be_visible()

    # 欢迎语: a text too long is named on the page, then a good one is saved.
    _choose_welcome_way(page, "welcome1")
    page.get_by_label("欢迎语内容").fill("欢" * 1334)
    page.get_by_test_id("wecom-welcome-save").click()
    expect(page.get_by_test_id("wecom-welcome-error")).to_contain_text("超过 4000 字节")
    page.get_by_label("欢迎语内容").fill("欢迎光临，点击领取新人券")
    _save_welcome(page, way["id"])
    saved = server.http.get(
        f"{API}/console/wecom/contact-ways/{way['id']}/welcome", headers=owner.auth
    ).json()
    assert saved["text"] == "欢迎光临，点击领取新人券"
    assert_accessible(page, "console-wecom-welcome")

    # 小程序卡片: a text file is refused on the page, one calling itself a PNG by the backend
    # (both with the glossary's message); a real PNG is uploaded, previewed and saved.
    page.get_by_test_id("wecom-welcome-card-enabled").click()
    page.get_by_test_id("wecom-welcome-card-title").fill("新人券限时领")
    card_file = page.get_by_test_id("wecom-welcome-card-file")
    card_error = page.get_by_test_id("wecom-welcome-card-error")
    notes = tmp_path / "notes.txt"
    notes.write_text("不是图片", encoding="utf-8")
    card_file.set_input_files(str(notes))
    expect(card_error).to_have_text("封面图须为 JPG 或 PNG")
    card_file.set_input_files(
        files=[{"name": "card.png", "mimeType": "image/png", "buffer": b"not a picture at all"}]
    )
    expect(card_error).to_have_text("封面图无法读取：请上传 JPG 或 PNG 图片")
    expect(page.get_by_test_id("wecom-welcome-card-preview")).to_have_count(0)
    assert_accessible(page, "console-wecom-card-refused")

    picture = tmp_path / "card.png"
    Image.new("RGB", (520, 416), (7, 193, 96)).save(picture)
    card_file.set_input_files(str(picture))
    preview = page.get_by_test_id("wecom-welcome-card-preview")
    expect(preview).to_be_visible()
    expect(card_error).to_have_count(0)
    expect(page.get_by_test_id("wecom-welcome-card-progress")).to_have_count(0)
    preview_loaded = (
        "() => document.querySelector('[data-testid=wecom-welcome-card-preview]')"
        "?.naturalWidth === 520"
    )
    wait_for_js(page, preview_loaded)
    assert_accessible(page, "console-wecom-card-preview")
    _save_welcome(page, way["id"])
    card = server.http.get(
        f"{API}/console/wecom/contact-ways/{way['id']}/welcome", headers=owner.auth
    ).json()["miniprogram"]
    assert card["title"] == "新人券限时领"
    assert isinstance(card["picture_id"], int)
    assert preview.get_attribute("src") == card["picture_url"]

    # Reopened, the saved card shows its picture.
    page.reload()
    expect(page.get_by_role("heading", name="企业微信", exact=True)).to_be_visible()
    _choose_welcome_way(page, "welcome1")
    expect(page.get_by_test_id("wecom-welcome-card-title")).to_have_value("新人券限时领")
    expect(preview).to_have_attribute("src", card["picture_url"])
    wait_for_js(page, preview_loaded)
    assert_accessible(page, "console-wecom-card-saved")

    # 客户群: a staff member's group, a 加入群聊 QR code for it, the group synced.
    chat = httpx.post(
        f"{server.base}/_sim/wecom/sim/wecom/chats",
        json={"owner": "zhangsan", "name": "福利群一号"},
        timeout=15,
    )
    assert chat.status_code == 200, chat.text
    chat_id = chat.json()["chat_id"]
    page.get_by_role("tab", name="客户群").click()
    page.get_by_test_id("wecom-join-campaign").fill("grp1")
    page.get_by_test_id("wecom-join-chats").fill(f"{chat_id}，{chat_id}")
    page.get_by_test_id("wecom-join-create").click()
    expect(page.get_by_test_id("wecom-groups-error")).to_contain_text("不重复的群 ID")
    page.get_by_test_id("wecom-join-chats").fill(chat_id)
    page.get_by_test_id("wecom-join-create").click()
    expect(page.get_by_test_id("wecom-join-ways")).to_contain_text("活动 grp1")
    page.get_by_test_id("wecom-groups-sync").click()
    groups = page.get_by_test_id("wecom-groups")
    expect(groups).to_contain_text("福利群一号")
    expect(groups).to_contain_text("活动 grp1")
    assert_accessible(page, "console-wecom-groups")

    # 群发: a customer added through the contact way, a broadcast to the campaign's customers.
    scanned = httpx.post(
        f"{server.base}/_sim/wecom/sim/wecom/scan",
        json={"config_id": way["config_id"], "name": "群发的赵先生"},
        timeout=15,
    )
    assert scanned.status_code == 200, scanned.text
    # Their 欢迎语 goes out with the card: its picture uploaded to WeCom (media/upload) first.
    deadline = time.monotonic() + 30
    while True:
        sends = server.http.get(
            f"{API}/console/wecom/welcome-sends",
            headers=owner.auth,
            params={"way_id": way["id"]},
        ).json()
        if (sends and sends[0]["status"] != "pending") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [s["status"] for s in sends] == ["sent"], sends
    page.get_by_role("tab", name="群发").click()
    page.get_by_role("radio", name="活动客户").click(force=True)
    page.get_by_test_id("wecom-broadcast-campaign").fill("welcome1")
    page.get_by_test_id("wecom-broadcast-send").click()
    expect(page.get_by_test_id("wecom-broadcast-error")).to_contain_text("请填写文字内容")
    page.get_by_test_id("wecom-broadcast-text").fill("周末全场八折")
    page.get_by_test_id("wecom-broadcast-send").click()
    listed = page.get_by_test_id("wecom-broadcasts")
    row = listed.locator("tr").filter(has_text="周末全场八折")
    expect(row).to_contain_text("待员工发送")
    expect(row).to_contain_text("未发送 1")
    assert_accessible(page, "console-wecom-broadcasts")

    # 客户群群发: to every group (the synced 福利群一号), confirmed by its owner, results per group.
    page.get_by_test_id("wecom-broadcast-target").get_by_role("radio", name="客户群").click(
        force=True
    )
    page.get_by_test_id("wecom-broadcast-text").fill("群里的朋友周末见")
    page.get_by_test_id("wecom-broadcast-send").click()
    row = listed.locator("tr").filter(has_text="群里的朋友周末见")
    expect(row).to_contain_text("客户群")
    expect(row).to_contain_text("未发送 1")
    made = server.http.get(f"{API}/console/wecom/broadcasts", headers=owner.auth).json()
    group_broadcast = next(b for b in made["items"] if b["target"] == "groups")
    assert [m["chat_type"] for m in group_broadcast["msgs"]] == ["group"]
    confirmed = httpx.post(
        f"{server.base}/_sim/wecom/sim/wecom/confirm",
        json={"msgid": group_broadcast["msgs"][0]["msgid"]},
        timeout=15,
    )
    assert confirmed.status_code == 200, confirmed.text
    row.get_by_role("button", name=f"刷新结果 #{group_broadcast['id']}").click()
    results = page.get_by_test_id("wecom-broadcast-groups")
    expect(results).to_contain_text("福利群一号")
    expect(results).to_contain_text("已发送")
    assert_accessible(page, "console-wecom-group-broadcast")

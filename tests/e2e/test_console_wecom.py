"""企业微信 end to end in Debian's Chromium, on a server of its own with WeCom set up against the
in-repo simulator: an owner creates a 渠道活码 for a store and a campaign on the console page (a
bad campaign code refused on the page first), a WeChat user scans it (the simulator posts the
encrypted add_external_contact callback to the server), and the customer shows up under 客户
attributed to the store and campaign, and in 拉新统计. Each tab is scanned with axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import run_server

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

    page.get_by_test_id("wecom-store").click(force=True)
    page.get_by_role("option", name=store).click()
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


def test_owner_sets_a_welcome_makes_a_group_qr_code_and_broadcasts(
    server: Server, owner: Staff, context: Any
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
    page.get_by_role("tab", name="欢迎语").click()
    page.get_by_test_id("wecom-welcome-way").click(force=True)
    page.get_by_role("option").filter(has_text="welcome1").first.click()
    page.get_by_label("欢迎语内容").fill("欢" * 1334)
    page.get_by_test_id("wecom-welcome-save").click()
    expect(page.get_by_test_id("wecom-welcome-error")).to_contain_text("超过 4000 字节")
    page.get_by_label("欢迎语内容").fill("欢迎光临，点击领取新人券")
    page.get_by_test_id("wecom-welcome-save").click()
    expect(page.get_by_text("欢迎语已保存")).to_be_visible()
    saved = server.http.get(
        f"{API}/console/wecom/contact-ways/{way['id']}/welcome", headers=owner.auth
    ).json()
    assert saved["text"] == "欢迎光临，点击领取新人券"
    assert_accessible(page, "console-wecom-welcome")

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

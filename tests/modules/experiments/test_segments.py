"""Targeting by analytics segment: analytics (above experiments) answers membership through
experiments' start-up hook, cached per process for the TTL. A member in the segment gets the
experiment and the flag's variant, one outside does not; taking the member out of the
segment takes effect once the cached answer expires (an injected clock, no sleep)."""

from __future__ import annotations

from typing import Any, cast

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.modules.experiments.public import flag_store, segment_membership
from shoplet.modules.experiments.sources import SegmentMembership
from tests.conftest import snapshot
from tests.modules.experiments.factories import ASSIGN, EXPERIMENTS, TABLES, make_layer
from tests.modules.experiments.factories import experiment_body as base_body
from tests.modules.members.conftest import wechat_login
from tests.modules.staff.conftest import bearer, token_for

ANALYTICS = "/api/v1/console/analytics"
FLAGS = "/api/v1/console/flags"
BOOTSTRAP = "/api/v1/flags/bootstrap"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_cache_asks_once_per_ttl_and_again_for_new_segments() -> None:
    asked: list[tuple[int, frozenset[int]]] = []
    members = {7: frozenset({1, 2})}

    async def source(_: AsyncSession, member_id: int, ids: frozenset[int]) -> frozenset[int]:
        asked.append((member_id, ids))
        return members.get(member_id, frozenset()) & ids

    clock = Clock()
    cache = SegmentMembership(ttl=60, clock=clock)
    session = cast(AsyncSession, None)
    assert await cache.of(session, 7, {1, 3}) == frozenset()  # no source yet: nobody
    cache.source = source
    assert await cache.of(session, 7, {1, 3}) == {1}
    assert await cache.of(session, 7, {1}) == {1}  # covered by the cached answer
    members[7] = frozenset()
    clock.now += 59
    assert await cache.of(session, 7, {1, 3}) == {1}
    assert len(asked) == 1
    assert await cache.of(session, 7, {2}) == frozenset()  # a segment not asked before
    clock.now += 61
    assert await cache.of(session, 7, {1, 3}) == frozenset()
    assert await cache.of(session, 7, set()) == frozenset()
    assert [ids for _, ids in asked] == [{1, 3}, {2}, {1, 3}]


async def member(client: httpx.AsyncClient, name: str) -> tuple[int, dict[str, str]]:
    tokens = await wechat_login(client, name)
    return int(tokens["member"]["id"]), {"Authorization": f"Bearer {tokens['access_token']}"}


async def segment_of(
    client: httpx.AsyncClient, staff: dict[str, str], member_id: int
) -> tuple[int, int]:
    """A manual tag holding ``member_id`` and a segment of that tag: (tag id, segment id)."""
    tag = await client.post(
        f"{ANALYTICS}/tags",
        json={"code": "exp_vip", "name": "实验人群", "kind": "manual"},
        headers=staff,
    )
    assert tag.status_code == 201, tag.text
    tag_id = int(tag.json()["id"])
    added = await client.post(
        f"{ANALYTICS}/tags/{tag_id}/members", json={"member_ids": [member_id]}, headers=staff
    )
    assert added.status_code == 200, added.text
    segment = await client.post(
        f"{ANALYTICS}/segments",
        json={"name": "实验人群", "definition": {"all": [{"tag": "exp_vip"}]}},
        headers=staff,
    )
    assert segment.status_code == 201, segment.text
    return tag_id, int(segment.json()["id"])


def slot_of(response: httpx.Response) -> dict[str, Any] | None:
    assert response.status_code == 200, response.text
    found: dict[str, Any] | None = response.json()["variants"].get("home_layout")
    return found


async def test_experiments_and_flags_target_a_segment(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = bearer(await token_for(client, ctx, "segment-operator"))
    alice_id, alice = await member(client, "alice")
    _, bob = await member(client, "bob")
    tag_id, segment_id = await segment_of(client, staff, alice_id)
    clock = Clock()
    membership = segment_membership(ctx)
    membership.clock = clock
    membership.clear()

    layer = await make_layer(client, staff)
    # A segment id is a positive integer: 422, nothing written.
    before = await snapshot(ctx, *TABLES)
    bad = await client.post(
        EXPERIMENTS, json=base_body(layer, targeting={"segment_ids": [0]}), headers=staff
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "request.invalid")
    assert await snapshot(ctx, *TABLES) == before
    body = base_body(
        layer,
        slot="home_layout",
        arms=[
            {"key": "default", "name": "默认", "weight": 5000},
            {"key": "shelf_first", "name": "推荐在前", "weight": 5000},
        ],
        targeting={"segment_ids": [segment_id]},
    )
    created = await client.post(EXPERIMENTS, json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["targeting"]["segment_ids"] == [segment_id]
    eid = created.json()["id"]
    assert (await client.post(f"{EXPERIMENTS}/{eid}/start", json={}, headers=staff)).is_success

    flag = await client.post(
        FLAGS,
        json={
            "key": "vip_banner",
            "kind": "boolean",
            "description": "会员横幅",
            "variants": {"on": True, "off": False},
            "default_variant": "off",
            "off_variant": "off",
            "is_enabled": True,
            "rules": [{"type": "segment", "segment_ids": [segment_id], "variant": "on"}],
        },
        headers=staff,
    )
    assert flag.status_code == 201, flag.text
    store = flag_store(ctx)
    await store.wait_for_version(flag.json()["version"], timeout=5)

    assert slot_of(await client.post(ASSIGN, json={}, headers=alice)) is not None
    assert slot_of(await client.post(ASSIGN, json={}, headers=bob)) is None
    device = {"X-Device-Id": "segment-device-01"}
    assert slot_of(await client.post(ASSIGN, json={}, headers=device)) is None
    vip = (await client.get(BOOTSTRAP, headers=alice)).json()["flags"]["vip_banner"]
    assert vip == {"value": True, "variant": "on"}
    other = (await client.get(BOOTSTRAP, headers=bob)).json()["flags"]["vip_banner"]
    assert other == {"value": False, "variant": "off"}

    # Alice leaves the segment: the cached answer holds until the TTL, then she is out.
    removed = await client.post(
        f"{ANALYTICS}/tags/{tag_id}/member-removals",
        json={"member_ids": [alice_id]},
        headers=staff,
    )
    assert removed.status_code == 200, removed.text
    before = await snapshot(ctx, *TABLES)  # from here on, assignment writes nothing
    clock.now += ctx.settings.experiments_segment_ttl_seconds - 1
    assert slot_of(await client.post(ASSIGN, json={}, headers=alice)) is not None
    clock.now += 2
    assert slot_of(await client.post(ASSIGN, json={}, headers=alice)) is None
    vip = (await client.get(BOOTSTRAP, headers=alice)).json()["flags"]["vip_banner"]
    assert vip["variant"] == "off"
    assert await snapshot(ctx, *TABLES) == before

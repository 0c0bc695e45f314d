"""Propagation: a change committed in one process reaches another process's ruleset within
5 s, by Redis pub/sub (PostgreSQL run) or the in-process bus (embedded SQLite run), and by
polling when the message is lost. Awaited, never slept on."""

from __future__ import annotations

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.experiments.flags import schemas, service
from shoplet.modules.experiments.flags.evaluate import FlagContext
from shoplet.modules.experiments.flags.runtime import FlagBus, FlagStore, bus_of

ACTOR = service.Actor("ops")


def boolean_flag(key: str) -> schemas.FlagCreate:
    return schemas.FlagCreate(
        key=key,
        kind="boolean",
        variants={"on": True, "off": False},
        default_variant="on",
        off_variant="off",
        is_enabled=True,
    )


async def test_two_processes_hear_a_change(app: object, ctx: AppContext) -> None:
    # Two more "processes": stores with their own Redis subscription (or local-bus membership).
    channel = bus_of(ctx).channel
    first = FlagStore(ctx.sessionmaker, FlagBus(ctx.redis, channel), poll_seconds=300)
    second = FlagStore(ctx.sessionmaker, FlagBus(ctx.redis, channel), poll_seconds=300)
    await first.start()
    await second.start()
    try:
        async with unit_of_work(ctx.sessionmaker) as session:
            await service.create_flag(session, first.bus, boolean_flag("new_checkout"), ACTOR)
        await first.wait_for_version(1, timeout=5)
        ruleset = await second.wait_for_version(1, timeout=5)
        assert second.evaluate("new_checkout", FlagContext(unit="1")) is not None
        assert ruleset.flags["new_checkout"].is_enabled

        # The kill switch, from the first process, reaches the second.
        async with unit_of_work(ctx.sessionmaker) as session:
            await service.toggle_flag(
                session, first.bus, "new_checkout", schemas.FlagToggle(is_enabled=False), ACTOR
            )
        await second.wait_for_version(2, timeout=5)
        resolution = second.evaluate("new_checkout", FlagContext(unit="1"))
        assert resolution is not None
        assert (resolution.value, resolution.reason) == (False, "DISABLED")
    finally:
        await first.stop()
        await second.stop()


async def test_polling_catches_a_lost_message(app: object, ctx: AppContext) -> None:
    channel = ctx.settings.redis_key("experiments:flags-unheard")
    store = FlagStore(ctx.sessionmaker, FlagBus(ctx.redis, channel), poll_seconds=0.05)
    await store.start()
    try:
        # Announced on another channel: this store hears nothing and must poll.
        async with unit_of_work(ctx.sessionmaker) as session:
            await service.create_flag(session, bus_of(ctx), boolean_flag("quiet_flag"), ACTOR)
        ruleset = await store.wait_for_version(1, timeout=5)
        assert "quiet_flag" in ruleset.flags
    finally:
        await store.stop()


async def test_a_rollback_announces_nothing(app: object, ctx: AppContext) -> None:
    bus = bus_of(ctx)

    async def create_then_fail() -> None:
        async with unit_of_work(ctx.sessionmaker) as session:
            await service.create_flag(session, bus, boolean_flag("never_flag"), ACTOR)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await create_then_fail()
    await bus.drain()
    async with ctx.sessionmaker() as session:
        from shoplet.modules.experiments.flags import repository

        assert await repository.ruleset_version(session) == 0


async def test_the_app_store_follows_console_changes(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    from shoplet.modules.experiments.public import flag_store

    async with unit_of_work(ctx.sessionmaker) as session:
        await service.create_flag(session, bus_of(ctx), boolean_flag("app_flag"), ACTOR)
    ruleset = await flag_store(ctx).wait_for_version(1, timeout=5)
    assert "app_flag" in ruleset.flags

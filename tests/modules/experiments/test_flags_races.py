"""Concurrent changes to one flag on PostgreSQL: the row lock serialises them, so versions
count every change once and each history row's "before" is the previous row's "after"."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.experiments.flags import repository, schemas, service
from shoplet.modules.experiments.flags.models import FlagChange
from shoplet.modules.experiments.flags.runtime import bus_of

CHANGES = 12


async def test_concurrent_changes_are_serialised(
    backend: str, app: object, ctx: AppContext
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")
    bus = bus_of(ctx)
    create = schemas.FlagCreate(
        key="new_checkout",
        kind="boolean",
        variants={"on": True, "off": False},
        default_variant="off",
        off_variant="off",
    )
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.create_flag(session, bus, create, service.Actor("ops"))

    async def change(i: int) -> None:
        async with unit_of_work(ctx.sessionmaker) as session:
            if i % 2:
                body = schemas.FlagUpdate(
                    description=f"edit {i}",
                    variants={"on": True, "off": False},
                    default_variant="off",
                    off_variant="off",
                    rules=[schemas.PercentageRule(type="percentage", percent=i, variant="on")],
                )
                await service.update_flag(
                    session, bus, "new_checkout", body, service.Actor(f"s{i}")
                )
            else:
                toggle = schemas.FlagToggle(is_enabled=i % 4 == 0)
                await service.toggle_flag(
                    session, bus, "new_checkout", toggle, service.Actor(f"s{i}")
                )

    await asyncio.gather(*(change(i) for i in range(CHANGES)))
    async with ctx.sessionmaker() as session:
        flag = await repository.get_flag_by_key(session, "new_checkout")
        assert flag is not None
        rows = (await session.scalars(select(FlagChange).order_by(FlagChange.id))).all()
        ruleset = await repository.ruleset_version(session)
    # A toggle to the state the flag is already in changes (and records) nothing.
    assert flag.version == len(rows)
    assert ruleset == len(rows)
    for previous, row in itertools.pairwise(rows):
        assert row.before == previous.after
        assert row.after["version"] == previous.after["version"] + 1

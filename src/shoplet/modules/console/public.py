"""What the rest of Shoplet may call in the console module.

Console is the top layer, so no business module imports it; this is for the ``shoplet`` CLI.
"""

from __future__ import annotations

from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work
from shoplet.core.settings import Settings

from . import service


async def create_staff_account(
    settings: Settings, *, username: str, password: str, role: str, display_name: str
) -> str:
    """Create a console staff account (``shoplet create-staff``); returns a one-line summary.

    Refuses weak passwords (< 10 characters), unknown roles, malformed or taken usernames with a
    :class:`shoplet.core.errors.ShopletError` whose ``detail`` says what is wrong.
    """
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            staff = await service.create_staff(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                actor=None,
                request=None,
            )
            summary = f"created {staff.role} {staff.username!r} (id {staff.id})" + (
                "; sign in and enrol MFA before anything else" if staff.role == "owner" else ""
            )
    finally:
        await engine.dispose()
    return summary

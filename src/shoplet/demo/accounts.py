"""Demo accounts: the console owner of the embedded demo."""

from __future__ import annotations

from shoplet.core.errors import ShopletError
from shoplet.core.settings import Settings
from shoplet.modules.staff import public as staff

DEMO_OWNER_USERNAME = "demo-owner"
# Embedded mode only (a laptop demo), documented in the README; never created in production.
DEMO_OWNER_PASSWORD = "shoplet-demo-owner"  # nosec B105 # noqa: S105


async def seed_demo_owner(settings: Settings) -> str:
    """Embedded mode only: the console owner ``demo-owner`` (password ``shoplet-demo-owner``,
    documented in the README; the first sign-in enrols an authenticator app, as for any owner).
    The password is never printed."""
    if not settings.is_embedded:
        return "demo owner not created outside embedded mode"
    try:
        await staff.create_staff_account(
            settings,
            username=DEMO_OWNER_USERNAME,
            password=DEMO_OWNER_PASSWORD,
            role="owner",
            display_name="演示店主",
        )
    except ShopletError as exc:
        return f"demo owner {DEMO_OWNER_USERNAME!r} not created: {exc.detail}"
    return f"console owner {DEMO_OWNER_USERNAME!r} created (password: see README, embedded only)"

"""物流公司: the carriers the shop ships with, edited in the console.

``fulfillment_carrier`` is empty in a fresh shop: the carriers are then
``settings.logistics_carriers`` (enabled, in that order), and the console's first change writes
that default into the table (``INSERT … ON CONFLICT DO NOTHING``, so two first changes at once
seed it once) before applying itself. From then on the table alone decides.

Shipping and e-waybills ask :func:`require_enabled` on every call: the list is read through the
two-level cache (one SQL read per TTL per process, none on a hit), and every change drops it on
every replica after its commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit, read_through
from shoplet.core.db import utcnow
from shoplet.core.security import PiiCipher
from shoplet.core.settings import Settings
from shoplet.integrations.logistics.carrier import CARRIER_NAMES, carrier_code
from shoplet.modules.fulfillment import repository as repo
from shoplet.modules.fulfillment.errors import (
    CarrierDisabled,
    CarrierExists,
    CarrierNotFound,
    CarrierOrderInvalid,
    CarrierUnsupported,
)
from shoplet.modules.fulfillment.models import Carrier as CarrierRow
from shoplet.modules.fulfillment.schemas import (
    Carrier,
    CarrierCreate,
    CarrierList,
    CarrierOption,
    CarrierUpdate,
    ShippingCarrier,
)

NAMESPACE = "fulfillment_carriers"
CACHE_KEY = "all"
CACHE_TTL = 300.0
SORT_STEP = 10
_FIELDS = (
    "code",
    "name",
    "is_enabled",
    "sort_order",
    "customer_code",
    "account_secret_encrypted",
    "tracking_adapter",
)


@dataclass(frozen=True, slots=True)
class ShopCarrier:
    """A carrier as shipping sees it (no account secret: that is read only when printing)."""

    code: str
    name: str
    is_enabled: bool
    is_tracked: bool = True


def _defaults(settings: Settings, now: datetime) -> list[dict[str, Any]]:
    codes = [c for c in dict.fromkeys(settings.logistics_carriers) if c in CARRIER_NAMES]
    return [
        {
            "code": code,
            "name": CARRIER_NAMES[code],
            "is_enabled": True,
            "sort_order": (i + 1) * SORT_STEP,
            "customer_code": None,
            "account_secret_encrypted": None,  # nosec B105 - no account yet, not a password
            "tracking_adapter": "kuaidi100",
            "created_at": now,
            "updated_at": now,
        }
        for i, code in enumerate(codes)
    ]


async def _load(session: AsyncSession) -> bytes:
    rows = await repo.carriers(session)
    return orjson.dumps(
        [[r.code, r.name, r.is_enabled, r.tracking_adapter != "none"] for r in rows]
    )


async def shop_carriers(session: AsyncSession, settings: Settings) -> list[ShopCarrier]:
    """The shop's carriers in order (the setting's default while the table is empty)."""
    raw = orjson.loads(await read_through(session, NAMESPACE, CACHE_KEY, _load, ttl=CACHE_TTL))
    if not raw:
        return [
            ShopCarrier(code=row["code"], name=row["name"], is_enabled=True)
            for row in _defaults(settings, utcnow())
        ]
    return [
        ShopCarrier(code=c, name=n, is_enabled=bool(e), is_tracked=bool(t)) for c, n, e, t in raw
    ]


async def require_enabled(session: AsyncSession, settings: Settings, code: str) -> ShopCarrier:
    """The carrier if shipping may use it: ``fulfillment.carrier_unsupported`` (400) when the
    shop does not have it, ``fulfillment.carrier_disabled`` (409) when it is switched off."""
    for carrier in await shop_carriers(session, settings):
        if carrier.code == code:
            if not carrier.is_enabled:
                raise CarrierDisabled(carrier_code=code)
            return carrier
    raise CarrierUnsupported(carrier_code=code)


async def check_shipping_carrier(session: AsyncSession, settings: Settings, carrier: str) -> None:
    """A manual shipment's carrier as typed: one Shoplet knows (顺丰, SF, shunfeng…) must be an
    enabled carrier of the shop; one it does not know ships untracked, as before."""
    code = carrier_code(carrier)
    if code is not None:
        await require_enabled(session, settings, code)


async def shipping_carriers(session: AsyncSession, settings: Settings) -> list[ShippingCarrier]:
    """The carriers shipping accepts (enabled, in order), through the cache like
    :func:`require_enabled`, so what the dialogs offer is exactly what the server enforces."""
    return [
        ShippingCarrier(code=c.code, name=c.name, ship_as=CARRIER_NAMES.get(c.code, c.name))
        for c in await shop_carriers(session, settings)
        if c.is_enabled
    ]


async def is_tracked(session: AsyncSession, code: str) -> bool:
    """False when the merchant set the carrier's tracking to 不跟踪轨迹 (every carrier is
    tracked by default, so the setting is not needed here)."""
    raw = orjson.loads(await read_through(session, NAMESPACE, CACHE_KEY, _load, ttl=CACHE_TTL))
    return all(t for c, _n, _e, t in raw if c == code)


# -- console -------------------------------------------------------------------------------


def _shown(row: CarrierRow | dict[str, Any]) -> Carrier:
    data = row if isinstance(row, dict) else {k: getattr(row, k) for k in _FIELDS}
    return Carrier(
        code=data["code"],
        name=data["name"],
        is_enabled=data["is_enabled"],
        sort_order=data["sort_order"],
        customer_code=data["customer_code"],
        is_secret_configured=bool(data["account_secret_encrypted"]),
        tracking_adapter=data["tracking_adapter"],
    )


def _listing(rows: list[Carrier]) -> CarrierList:
    have = {c.code for c in rows}
    return CarrierList(
        carriers=rows,
        available=[
            CarrierOption(code=code, name=name, is_enabled=False)
            for code, name in CARRIER_NAMES.items()
            if code not in have
        ],
    )


async def list_carriers(session: AsyncSession, settings: Settings) -> CarrierList:
    rows = await repo.carriers(session)
    if not rows:
        return _listing([_shown(row) for row in _defaults(settings, utcnow())])
    return _listing([_shown(row) for row in rows])


async def _seeded(session: AsyncSession, settings: Settings, now: datetime) -> None:
    """Write the setting's default into the empty table (the first change from the console)."""
    if not await repo.carriers(session):
        await repo.insert_carriers(session, _defaults(settings, now))


def _secret(pii: PiiCipher, secret: str | None) -> str | None:
    return pii.encrypt(secret) if secret else None


async def create_carrier(
    session: AsyncSession, settings: Settings, pii: PiiCipher, body: CarrierCreate
) -> Carrier:
    if body.code not in CARRIER_NAMES:
        raise CarrierUnsupported(carrier_code=body.code)
    now = utcnow()
    await _seeded(session, settings, now)
    row = {
        "code": body.code,
        "name": body.name or CARRIER_NAMES[body.code],
        "is_enabled": body.is_enabled,
        "sort_order": await repo.next_sort_order(session),
        "customer_code": body.customer_code or None,
        "account_secret_encrypted": _secret(pii, body.account_secret),
        "tracking_adapter": body.tracking_adapter,
        "created_at": now,
        "updated_at": now,
    }
    if not await repo.insert_carriers(session, [row]):
        raise CarrierExists(carrier_code=body.code)
    invalidate_after_commit(session, NAMESPACE)
    return _shown(row)


async def update_carrier(
    session: AsyncSession, settings: Settings, pii: PiiCipher, code: str, body: CarrierUpdate
) -> Carrier:
    now = utcnow()
    values: dict[str, Any] = {"updated_at": now}
    for field in ("name", "is_enabled", "tracking_adapter"):
        value = getattr(body, field)
        if value is not None:
            values[field] = value
    if body.customer_code is not None:
        values["customer_code"] = body.customer_code or None
    if body.account_secret is not None:
        values["account_secret_encrypted"] = _secret(pii, body.account_secret)
    await _seeded(session, settings, now)
    row = await repo.update_carrier(session, code, values)
    if row is None:
        raise CarrierNotFound(carrier_code=code)
    invalidate_after_commit(session, NAMESPACE)
    return _shown(row)


async def reorder_carriers(
    session: AsyncSession, settings: Settings, codes: list[str]
) -> CarrierList:
    now = utcnow()
    current = {c.code for c in (await list_carriers(session, settings)).carriers}
    if len(set(codes)) != len(codes) or set(codes) != current:
        raise CarrierOrderInvalid(codes=codes)
    await _seeded(session, settings, now)
    await repo.set_sort_orders(
        session, {code: (i + 1) * SORT_STEP for i, code in enumerate(codes)}, now=now
    )
    invalidate_after_commit(session, NAMESPACE)
    return await list_carriers(session, settings)


@dataclass(frozen=True, slots=True)
class WaybillAccount:
    """A carrier's e-waybill account for Kuaidi100 (partnerId / partnerKey); empty: none."""

    customer_code: str
    secret: str


async def waybill_account(session: AsyncSession, pii: PiiCipher, code: str) -> WaybillAccount:
    for row in await repo.carriers(session):
        if row.code == code:
            secret = row.account_secret_encrypted
            return WaybillAccount(
                customer_code=row.customer_code or "",
                secret=pii.decrypt(secret) if secret else "",
            )
    return WaybillAccount(customer_code="", secret="")  # nosec B106 - no account

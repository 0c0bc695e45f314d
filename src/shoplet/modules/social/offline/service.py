"""Offline codes (线下码): the shop's own codes for posters, shelves, table tents and receipts.

A code is one row per printed placement, with its store and/or campaign and the page it opens;
its ``code`` (10 characters of 0-9A-Za-z) is the wxacode ``scene`` of the mini program's
``pkg-social/code/index`` page and the ``?c=`` of the H5 shop's QR code. Resolving it
(``GET /offline-codes/{scene}``) returns the page to open and, while the code is active, counts
the scan, the visitor once (``INSERT … ON CONFLICT``) and, for a signed-in shopper, makes the
code the one that brought them (first touch within ``ATTRIBUTION_WINDOW``, as sharing does). An
order the shopper pays within the window (``order.paid``) converts the code once per order. A
disabled code opens the home page and counts nothing.

It is a table of its own, not a share link without a sharer: a share link is a member's (its
stats, merge and KOL scoring are per sharer), a printed code is the shop's and carries a store,
a placement and an on/off switch; and a shopper who scans a shelf code and later opens a
friend's link is credited to both channels, each by its own first touch.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.integrations.wechat import wxacode as wx
from shoplet.modules.catalog import public as catalog
from shoplet.modules.social import repository as social_repo
from shoplet.modules.social.offline import repository as repo
from shoplet.modules.social.offline.errors import (
    OfflineCampaignNotFound,
    OfflineCodeNotFound,
    OfflineInvalidScene,
    OfflineNoStores,
    OfflineStoreNotFound,
    OfflineTargetNotFound,
)
from shoplet.modules.social.offline.models import OfflineCode
from shoplet.modules.social.offline.schemas import OfflineCode as OfflineCodeView
from shoplet.modules.social.offline.schemas import (
    OfflineCodeBulkCreate,
    OfflineCodeCreate,
    OfflineCodePage,
    OfflineCodeResolution,
    OfflineStoreStat,
)
from shoplet.modules.social.sharing import poster
from shoplet.modules.social.sharing.service import mini_program_code
from shoplet.modules.stores import public as stores

log = structlog.get_logger("shoplet.social.offline")

CODE_LENGTH = 10
CODE_ALPHABET = string.ascii_letters + string.digits
SCENE_PATTERN = re.compile(r"[0-9A-Za-z]{10}")
ATTRIBUTION_WINDOW = timedelta(days=7)
CLOCK_SLACK = timedelta(seconds=5)
# The mini-program page a scanned code opens (``onLoad(query.scene)``), no leading slash.
CODE_PAGE = "pkg-social/code/index"
HOME_PATH = "/pages/index/index"
PRINT_WIDTH = 860
VISITOR_ID_MAX = 48


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def h5_url(origin: str, code: str) -> str:
    return f"{origin.rstrip('/')}/{CODE_PAGE}?c={code}"


# -- targets ---------------------------------------------------------------------------------


async def _check_store(session: AsyncSession, store_id: int) -> str:
    names = await stores.store_names(session, [store_id])
    if store_id not in names:
        raise OfflineStoreNotFound(store_id=store_id)
    return names[store_id]


async def _check_campaign(session: AsyncSession, campaign_id: int) -> int:
    """The campaign's product id (404 ``social.offline_campaign_not_found`` when none)."""
    campaign = await social_repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise OfflineCampaignNotFound(campaign_id=campaign_id)
    return int(campaign.product_id)


async def _target_ref(
    session: AsyncSession, kind: str, target_id: int | None, campaign_id: int | None
) -> str:
    """The checked target in decimal ('' for home); a ``campaign`` target defaults to the
    code's campaign. 404 ``social.offline_target_not_found`` when it does not exist."""
    if kind == "home":
        return ""
    if kind == "campaign" and target_id is None:
        target_id = campaign_id
    if target_id is None:
        raise OfflineTargetNotFound("this page needs target_id", target_kind=kind)
    if kind == "product":
        if not await catalog.buyable_cards(session, [target_id]):
            raise OfflineTargetNotFound(target_kind=kind, target_id=target_id)
    elif kind == "store":
        if target_id not in await stores.store_names(session, [target_id]):
            raise OfflineTargetNotFound(target_kind=kind, target_id=target_id)
    elif await social_repo.get_campaign(session, target_id) is None:
        raise OfflineTargetNotFound(target_kind=kind, target_id=target_id)
    return str(target_id)


async def _path_of(session: AsyncSession, code: OfflineCode) -> str:
    """Where an active code leads (home when its campaign is gone)."""
    ref = code.target_ref
    if code.target_kind == "product":
        return f"/pages/product/detail?id={ref}"
    if code.target_kind == "store":
        return f"/pkg-trade/stores/index?id={ref}"
    if code.target_kind == "campaign":
        campaign = await social_repo.get_campaign(session, int(ref))
        if campaign is not None:
            return f"/pages/product/detail?id={campaign.product_id}&campaign={campaign.id}"
    return HOME_PATH


def _view(code: OfflineCode, *, store_name: str | None, path: str, origin: str) -> OfflineCodeView:
    return OfflineCodeView(
        id=code.id,
        code=code.code,
        label=code.label,
        placement=code.placement,  # type: ignore[arg-type]
        store_id=code.store_id,
        store_name=store_name,
        campaign_id=code.campaign_id,
        target_kind=code.target_kind,  # type: ignore[arg-type]
        target_ref=code.target_ref,
        path=path,
        mp_page=CODE_PAGE,
        h5_url=h5_url(origin, code.code),
        is_active=code.is_active,
        scans=code.scans,
        visitors=code.visitors,
        orders=code.orders,
        order_amount=code.order_amount,
        created_at=code.created_at,
    )


async def _views(
    session: AsyncSession, codes: Sequence[OfflineCode], origin: str
) -> list[OfflineCodeView]:
    names = await stores.store_names(
        session, sorted({c.store_id for c in codes if c.store_id is not None})
    )
    return [
        _view(
            c,
            store_name=names.get(c.store_id) if c.store_id is not None else None,
            path=await _path_of(session, c),
            origin=origin,
        )
        for c in codes
    ]


# -- console ---------------------------------------------------------------------------------


async def _insert(session: AsyncSession, values: Mapping[str, Any]) -> OfflineCode:
    for _ in range(5):
        code_id = await repo.insert_code(session, {**values, "code": new_code()})
        if code_id is not None:
            return await get_code(session, code_id)
    raise RuntimeError("could not draw a free offline code in five tries")


def _new_values(
    *,
    label: str,
    placement: str,
    store_id: int | None,
    campaign_id: int | None,
    kind: str,
    ref: str,
    staff_id: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "label": label,
        "placement": placement,
        "store_id": store_id,
        "campaign_id": campaign_id,
        "target_kind": kind,
        "target_ref": ref,
        "is_active": True,
        "scans": 0,
        "visitors": 0,
        "orders": 0,
        "order_amount": 0,
        "created_by": staff_id,
        "created_at": now,
        "updated_at": now,
    }


async def create_code(
    session: AsyncSession, body: OfflineCodeCreate, *, staff_id: int, origin: str
) -> OfflineCodeView:
    """A code for one placement; every reference is checked before anything is written."""
    store_name = await _check_store(session, body.store_id) if body.store_id else None
    if body.campaign_id is not None:
        await _check_campaign(session, body.campaign_id)
    ref = await _target_ref(session, body.target_kind, body.target_id, body.campaign_id)
    code = await _insert(
        session,
        _new_values(
            label=body.label,
            placement=body.placement,
            store_id=body.store_id,
            campaign_id=body.campaign_id,
            kind=body.target_kind,
            ref=ref,
            staff_id=staff_id,
            now=utcnow(),
        ),
    )
    log.info("offline_code_created", code_id=code.id, store_id=code.store_id)
    return _view(code, store_name=store_name, path=await _path_of(session, code), origin=origin)


async def create_for_stores(
    session: AsyncSession, body: OfflineCodeBulkCreate, *, staff_id: int, origin: str
) -> list[OfflineCodeView]:
    """One code per store open for business for ``campaign_id``, in one transaction."""
    await _check_campaign(session, body.campaign_id)
    ref = await _target_ref(session, body.target_kind, body.target_id, body.campaign_id)
    names = await stores.active_store_names(session)
    if not names:
        raise OfflineNoStores()
    now = utcnow()
    made = []
    for store_id, name in names.items():
        label = f"{body.label}·{name}"[:40]
        made.append(
            await _insert(
                session,
                _new_values(
                    label=label,
                    placement=body.placement,
                    store_id=store_id,
                    campaign_id=body.campaign_id,
                    kind=body.target_kind,
                    ref=ref,
                    staff_id=staff_id,
                    now=now,
                ),
            )
        )
    log.info("offline_codes_created", campaign_id=body.campaign_id, codes=len(made))
    return await _views(session, made, origin)


async def list_codes(
    session: AsyncSession, *, store_id: int | None, cursor: str | None, limit: int, origin: str
) -> OfflineCodePage:
    rows = await repo.list_codes(
        session, store_id=store_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    return OfflineCodePage(
        items=await _views(session, page, origin),
        next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None,
    )


async def store_stats(session: AsyncSession) -> list[OfflineStoreStat]:
    rows = await repo.by_store(session)
    names = await stores.store_names(session, [r[0] for r in rows if r[0] is not None])
    return [
        OfflineStoreStat(
            store_id=store_id,
            store_name=names.get(store_id) if store_id is not None else None,
            codes=n,
            scans=scans,
            visitors=visitors,
            orders=orders,
            order_amount=amount,
        )
        for store_id, n, scans, visitors, orders, amount in rows
    ]


async def set_active(
    session: AsyncSession, code_id: int, *, is_active: bool, origin: str
) -> OfflineCodeView:
    if not await repo.set_active(session, code_id, is_active=is_active, now=utcnow()):
        raise OfflineCodeNotFound(code_id=code_id)
    return (await _views(session, [await get_code(session, code_id)], origin))[0]


async def get_code(session: AsyncSession, code_id: int) -> OfflineCode:
    code = await repo.get_code(session, code_id)
    if code is None:
        raise OfflineCodeNotFound(code_id=code_id)
    return code


async def wxacode_png(client: wx.WxacodeClient | None, code: OfflineCode, width: int) -> bytes:
    """The printable mini-program code (WeChat's ``getwxacodeunlimit``; its refusals are
    sharing's ``social.share_*`` problems, the same call)."""
    return await mini_program_code(client, code.code, page=CODE_PAGE, width=width)


async def h5_qr_png(code: OfflineCode, origin: str, side: int) -> bytes:
    return await asyncio.to_thread(poster.qr_png, h5_url(origin, code.code), side)


# -- storefront ------------------------------------------------------------------------------


def _visitor_key(member_id: int | None, visitor_id: str | None) -> str | None:
    if member_id is not None:
        return f"m:{member_id}"
    if visitor_id:
        return f"a:{visitor_id}"
    return None


async def resolve(
    session: AsyncSession, scene: str, *, member_id: int | None, visitor_id: str | None
) -> OfflineCodeResolution:
    """Where a scanned code leads, counting the scan while the code is active (see the module
    docstring). 400 ``social.offline_invalid_scene``, 404 ``social.offline_code_not_found``."""
    if not SCENE_PATTERN.fullmatch(scene):
        raise OfflineInvalidScene(field="scene")
    code = await repo.get_code_by_scene(session, scene)
    if code is None:
        raise OfflineCodeNotFound(scene=scene)
    if not code.is_active:
        return OfflineCodeResolution(
            code=code.code,
            path=HOME_PATH,
            store_id=None,
            counted=False,
            recorded=False,
            first_touch=False,
        )
    now = utcnow()
    key = _visitor_key(member_id, visitor_id)
    recorded = first_touch = False
    if key is not None:
        visit_id = await repo.insert_visit(
            session,
            {
                "code_id": code.id,
                "visitor_key": key,
                "visitor_member_id": member_id,
                "created_at": now,
            },
        )
        recorded = visit_id is not None
    await repo.count_scan(session, code.id, new_visitor=recorded, now=now)
    if member_id is not None:
        first_touch = await repo.attribute(
            session,
            visitor_member_id=member_id,
            code_id=code.id,
            now=now,
            stale_before=now - ATTRIBUTION_WINDOW,
        )
    return OfflineCodeResolution(
        code=code.code,
        path=await _path_of(session, code),
        store_id=code.store_id,
        counted=True,
        recorded=recorded,
        first_touch=first_touch,
    )


def _as_datetime(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return default
        return parsed if parsed.tzinfo is not None else default
    return default


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """An order was paid: if a code brought its shopper within the window before the payment,
    the order converts that code (once per order: the conversion row is unique)."""
    member_id = payload.get("member_id")
    if not isinstance(member_id, int):
        return
    attribution = await repo.get_attribution(session, member_id)
    if attribution is None:
        return
    now = utcnow()
    paid_at = _as_datetime(payload.get("paid_at"), now)
    if not paid_at - ATTRIBUTION_WINDOW <= attribution.attributed_at <= paid_at + CLOCK_SLACK:
        return
    order_no = str(payload["order_no"])
    amount = int(payload.get("payable_total") or 0)
    converted = await repo.insert_conversion(
        session,
        {
            "order_no": order_no,
            "code_id": attribution.code_id,
            "visitor_member_id": member_id,
            "amount": amount,
            "created_at": now,
        },
    )
    if converted is not None:
        await repo.count_order(session, attribution.code_id, amount, now)
        log.info("offline_code_converted", code_id=attribution.code_id, order_no=order_no)

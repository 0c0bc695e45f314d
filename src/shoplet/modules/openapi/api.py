"""The partner REST surface, ``open_router`` under ``/open/v1`` with its own OpenAPI document
(``/open/v1/openapi.json``, ReDoc at ``/open/v1/docs``, assets served locally). The storefront
has nothing here (``router`` is empty).

Every partner route depends on :func:`require_scope`, which authenticates the call (signature
or bearer token), checks the scope and charges the app's rate limit; every write takes an
``Idempotency-Key``. Every call, refused or not, is logged by :class:`LoggedRoute` after its
answer is built (batched inserts, ``service.AccessLogBuffer``)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import importlib.resources
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, cast
from urllib.parse import unquote

import orjson
import structlog
from fastapi import APIRouter, Depends, FastAPI, Form, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from shoplet import __version__
from shoplet.core.context import AppContext, Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import ShopletError, problem_responses
from shoplet.core.net import client_ip
from shoplet.core.params import PathId, QueryId
from shoplet.core.schemas import Page
from shoplet.core.security import PiiCipher
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.openapi import cobrand, egress, service, webhooks
from shoplet.modules.openapi.errors import MemberNotFound
from shoplet.modules.openapi.schemas import (
    SCOPE_TITLES,
    CobrandBundleCreate,
    CobrandCouponIssue,
    CobrandItemOut,
    CobrandRedemptionOut,
    CouponIssue,
    CouponIssueResult,
    OrderShip,
    RevenueShareReport,
    StockAdjust,
    StockOut,
    TokenResponse,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryOut,
    WebhookDeliveryStatus,
    WebhookEventInfo,
    WebhookOut,
    WebhookUpdate,
)
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

log = structlog.get_logger("shoplet.openapi")

OPEN_PREFIX = "/open/v1"
NONCES = "openapi.nonces"
ACCESS_LOG = "openapi.access_log"

# The storefront API of this module: none.
router = APIRouter()


def nonce_store(ctx: AppContext) -> service.NonceStore:
    store = ctx.extras.get(NONCES)
    if store is None:
        store = ctx.extras[NONCES] = service.NonceStore(ctx.redis, ctx.settings.redis_prefix)
    return cast(service.NonceStore, store)


def access_log(ctx: AppContext) -> service.AccessLogBuffer:
    buffer = ctx.extras.get(ACCESS_LOG)
    if buffer is None:
        buffer = ctx.extras[ACCESS_LOG] = service.AccessLogBuffer()
    return cast(service.AccessLogBuffer, buffer)


_flushes: set[asyncio.Task[int]] = set()


def _spawn(coro: Coroutine[Any, Any, int]) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _flushes.add(task)
    task.add_done_callback(_flushes.discard)


class LoggedRoute(APIRoute):
    """Writes every call's access-log row (app, method, path, status, duration, client address,
    request id) to the buffer once its answer is known, refusals included."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def logged(request: Request) -> Response:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status_code
                return response
            except ShopletError as exc:
                status = exc.status
                raise
            except RequestValidationError:
                status = 422
                raise
            except HTTPException as exc:
                status = exc.status_code
                raise
            finally:
                _record(request, status, started)

        return logged


def _record(request: Request, status: int, started: float) -> None:
    ctx: AppContext = request.app.state.ctx
    buffer = access_log(ctx)
    full = buffer.add(
        {
            "app_id": getattr(request.state, "openapi_app_id", None),
            "method": request.method[:10],
            "path": request.url.path[:300],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "ip": client_ip(request)[:64],
            "request_id": str(structlog.contextvars.get_contextvars().get("request_id", ""))[:64],
            "created_at": utcnow(),
        }
    )
    if full:
        _spawn(buffer.flush(ctx.sessionmaker))


# The partner calls (logged); ``open_router`` adds the description routes (not logged).
partner_router = APIRouter(
    route_class=LoggedRoute,
    responses=problem_responses(401, 403, 429),
)


def require_scope(scope: str) -> Callable[..., Awaitable[service.Principal]]:
    async def dependency(request: Request, ctx: Ctx, session: DbSession) -> service.Principal:
        call = service.CallInfo(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=request.headers,
            body=await request.body(),
            ip=client_ip(request),
        )

        def known(app_id: int) -> None:
            # The access log names the app of a refused call too, once its key is known.
            request.state.openapi_app_id = app_id

        return await service.authenticate(
            session, ctx.pii, nonce_store(ctx), ctx.limiter, call, scope=scope, known=known
        )

    return dependency


ProductsRead = Annotated[service.Principal, Depends(require_scope("products:read"))]
StockRead = Annotated[service.Principal, Depends(require_scope("stock:read"))]
StockWrite = Annotated[service.Principal, Depends(require_scope("stock:write"))]
OrdersRead = Annotated[service.Principal, Depends(require_scope("orders:read"))]
OrdersWrite = Annotated[service.Principal, Depends(require_scope("orders:write"))]
MembersRead = Annotated[service.Principal, Depends(require_scope("members:read"))]
CouponsWrite = Annotated[service.Principal, Depends(require_scope("coupons:write"))]
WebhooksManage = Annotated[service.Principal, Depends(require_scope("webhooks:manage"))]
CampaignsWrite = Annotated[service.Principal, Depends(require_scope("campaigns:write"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1-100 visible ASCII characters; a retry with the same key and body "
        "returns the first answer, the same key with another body is refused (422)",
    ),
]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


async def _idempotent(
    request: Request,
    session: DbSession,
    principal: service.Principal,
    key: str | None,
    run: Callable[[], Awaitable[BaseModel]],
    *,
    status_code: int = 200,
    sealed: PiiCipher | None = None,
) -> Response:
    """Run a write once per ``Idempotency-Key``. ``sealed``: the answer carries a secret, so
    it is stored SM4-encrypted (``{"sealed": …}``) and decrypted for a replay."""
    key = service.check_idempotency_key(key)
    digest = service.fingerprint(request.method, request.url.path, await request.body())
    first = await service.replay_or_claim(
        session, app_id=principal.app_id, key=key, fingerprint=digest
    )
    if first is not None:
        stored = first.response
        if sealed is not None and "sealed" in stored:
            stored = orjson.loads(sealed.decrypt(str(stored["sealed"])))
        return JSONResponse(
            stored, status_code=first.status_code, headers={"Idempotent-Replayed": "true"}
        )
    data = (await run()).model_dump(mode="json")
    kept = data if sealed is None else {"sealed": sealed.encrypt(orjson.dumps(data).decode())}
    await service.remember_answer(
        session, app_id=principal.app_id, key=key, status_code=status_code, response=kept
    )
    return JSONResponse(data, status_code=status_code)


# -- OAuth2 ----------------------------------------------------------------------------------


def _basic_credentials(authorization: str | None) -> tuple[str | None, str | None]:
    if not authorization or authorization[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None, None
    # RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(client_id), unquote(secret)


@partner_router.post(
    "/oauth/token",
    tags=["oauth"],
    response_model=TokenResponse,
    responses={
        400: {"description": 'RFC 6749 error: {"error": "invalid_request" | …}'},
        401: {"description": '{"error": "invalid_client"}'},
    },
)
async def token(
    request: Request,
    *,
    ctx: Ctx,
    session: DbSession,
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
) -> Response:
    """OAuth2 client credentials (RFC 6749 section 4.4): the app key and secret by HTTP Basic
    or in the form; the token carries the app's scopes (or the ``scope`` asked, a subset) for
    two hours."""
    basic_id, basic_secret = _basic_credentials(request.headers.get("authorization"))
    try:
        issued = await service.issue_token(
            session,
            ctx.pii,
            grant_type=grant_type,
            client_id=basic_id or client_id,
            client_secret=basic_secret or client_secret,
            scope=scope,
            ip=client_ip(request),
        )
    except service.OAuthError as exc:
        headers = {"Cache-Control": "no-store"}
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="open"'
        body: dict[str, str] = {"error": exc.error, "error_description": exc.description}
        return JSONResponse(body, status_code=exc.status, headers=headers)
    return JSONResponse(
        issued.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


# -- products and stock ----------------------------------------------------------------------


@partner_router.get("/products", tags=["products"], responses=problem_responses(400))
async def list_products(
    _: ProductsRead,
    session: DbSession,
    status: catalog.ProductStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[catalog.ProductAdmin]:
    """Products, newest first (``products:read``); keyset paging by ``next_cursor``."""
    items, next_cursor = await catalog.list_products_admin(
        session, q=None, status=status, category_id=None, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@partner_router.get("/products/{product_id}", tags=["products"], responses=problem_responses(404))
async def get_product(
    product_id: PathId, _: ProductsRead, session: DbSession
) -> catalog.ProductAdmin:
    """One product with its SKUs and their stock (``products:read``)."""
    return await catalog.get_product_admin(session, product_id)


@partner_router.get("/skus/{sku_id}/stock", tags=["stock"], responses=problem_responses(404))
async def get_stock(sku_id: PathId, _: StockRead, session: DbSession) -> StockOut:
    """A SKU's stock: on hand, reserved by orders, available (``stock:read``)."""
    levels = await inventory.get_levels(session, [sku_id])
    level = levels.get(sku_id)
    if level is None:
        raise inventory.StockNotFound(f"SKU {sku_id} has no stock record")
    return StockOut(
        sku_id=sku_id, on_hand=level.on_hand, reserved=level.reserved, available=level.available
    )


@partner_router.post(
    "/skus/{sku_id}/stock-adjustments",
    tags=["stock"],
    response_model=StockOut,
    responses=problem_responses(400, 404, 409, 422),
)
async def adjust_stock(
    sku_id: PathId,
    body: StockAdjust,
    *,
    principal: StockWrite,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add or remove units on hand (``stock:write``): one conditional update, never below the
    units reserved by orders nor below zero; written to the stock ledger as ``app:<key>``."""

    async def run() -> StockOut:
        level = await inventory.adjust_stock(
            session,
            sku_id=sku_id,
            delta=body.delta,
            reason=body.reason,
            actor=f"app:{principal.app_key}",
        )
        return StockOut(
            sku_id=sku_id,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
        )

    return await _idempotent(request, session, principal, idempotency_key, run)


# -- orders ----------------------------------------------------------------------------------


@partner_router.get("/orders", tags=["orders"], responses=problem_responses(400))
async def list_orders(
    _: OrdersRead,
    ctx: Ctx,
    session: DbSession,
    status: orders.ListStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[orders.OrderAdmin]:
    """Orders, newest first (``orders:read``); phone numbers and addresses masked."""
    items, next_cursor = await orders.list_orders_admin(
        session, ctx.pii, status=status, q=None, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@partner_router.get("/orders/{order_no}", tags=["orders"], responses=problem_responses(404))
async def get_order(
    order_no: OrderNo, _: OrdersRead, ctx: Ctx, session: DbSession
) -> orders.OrderAdmin:
    """One order with its lines and shipment (``orders:read``); personal data masked."""
    return await orders.get_order_admin(session, ctx.pii, order_no)


@partner_router.post(
    "/orders/{order_no}/ship",
    tags=["orders"],
    response_model=orders.OrderAdmin,
    responses=problem_responses(400, 404, 409, 422),
)
async def ship_order(
    order_no: OrderNo,
    body: OrderShip,
    *,
    principal: OrdersWrite,
    request: Request,
    ctx: Ctx,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Mark a paid order shipped with the carrier and tracking number (``orders:write``)."""

    async def run() -> orders.OrderAdmin:
        return await orders.ship_order(
            session,
            order_no=order_no,
            carrier=body.carrier,
            tracking_no=body.tracking_no,
            actor=f"app:{principal.app_key}",
            pii=ctx.pii,
            settings=ctx.settings,
        )

    return await _idempotent(request, session, principal, idempotency_key, run)


# -- members and coupons ---------------------------------------------------------------------


@partner_router.get("/members", tags=["members"], responses=problem_responses(400))
async def list_members(
    _: MembersRead,
    ctx: Ctx,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[members.MemberAdmin]:
    """Members, newest first (``members:read``); phone numbers masked (138****0000)."""
    items, next_cursor = await members.list_members_admin(
        session, ctx.pii, q=None, cursor=cursor, limit=limit
    )
    return Page(
        items=[members.MemberAdmin.build_admin(m, ctx.pii, reveal_phone=False) for m in items],
        next_cursor=next_cursor,
    )


@partner_router.get("/members/{member_id}", tags=["members"], responses=problem_responses(404))
async def get_member(
    member_id: PathId, _: MembersRead, ctx: Ctx, session: DbSession
) -> members.MemberAdmin:
    """One member (``members:read``); phone number masked."""
    items, _next = await members.list_members_admin(
        session, ctx.pii, q=str(member_id), cursor=None, limit=1
    )
    if not items or items[0].id != member_id:
        raise MemberNotFound(f"member {member_id} does not exist", member_id=member_id)
    return members.MemberAdmin.build_admin(items[0], ctx.pii, reveal_phone=False)


@partner_router.post(
    "/coupons/issue",
    tags=["coupons"],
    response_model=CouponIssueResult,
    responses=problem_responses(400, 404, 409, 422),
)
async def issue_coupon(
    body: CouponIssue,
    *,
    principal: CouponsWrite,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Give one coupon of an active template to a member (``coupons:write``); the template's
    quota and per-member limit hold (``skipped_code`` says why none was given)."""

    async def run() -> CouponIssueResult:
        report = await promotions.issue(
            session,
            template_id=body.template_id,
            member_ids=[body.member_id],
            actor=f"app:{principal.app_key}",
        )
        skipped = [item for item in report.skipped if item["member_id"] == body.member_id]
        return CouponIssueResult(
            template_id=body.template_id,
            member_id=body.member_id,
            issued=body.member_id in report.issued,
            skipped_code=str(skipped[0]["code"]) if skipped else None,
        )

    return await _idempotent(request, session, principal, idempotency_key, run)


# -- webhook subscriptions -------------------------------------------------------------------
# The console's rules (event types need their scopes, URL checks, SSRF refusal); an app sees
# and changes only its own subscriptions: another app's id is a 404, as if it did not exist.


@partner_router.get("/webhook-events", tags=["webhooks"])
async def list_webhook_events(_: WebhooksManage) -> list[WebhookEventInfo]:
    """The event types an app may subscribe to, with the scope each needs."""
    return webhooks.event_catalogue()


@partner_router.get("/webhooks", tags=["webhooks"])
async def list_webhooks(principal: WebhooksManage, session: DbSession) -> list[WebhookOut]:
    """This app's subscriptions, newest first (``webhooks:manage``)."""
    return await webhooks.list_webhooks(session, principal.app_id)


@partner_router.get("/webhooks/{webhook_id}", tags=["webhooks"], responses=problem_responses(404))
async def get_webhook(
    webhook_id: PathId, principal: WebhooksManage, session: DbSession
) -> WebhookOut:
    """One of this app's subscriptions."""
    return await webhooks.get_webhook(session, webhook_id, app_id=principal.app_id)


@partner_router.post(
    "/webhooks",
    tags=["webhooks"],
    status_code=201,
    response_model=WebhookCreated,
    responses=problem_responses(400, 422),
)
async def create_webhook(
    body: WebhookCreate,
    *,
    principal: WebhooksManage,
    request: Request,
    ctx: Ctx,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Subscribe this app's URL to event types (``webhooks:manage`` and each type's scope);
    the secret is answered this once (a replay of the same ``Idempotency-Key`` answers it
    again: stored encrypted for 24 hours)."""

    async def run() -> WebhookCreated:
        return await webhooks.create_webhook(
            session,
            ctx.pii,
            egress.guard_of(ctx),
            principal.app_id,
            body,
            actor=f"app:{principal.app_key}",
        )

    return await _idempotent(
        request, session, principal, idempotency_key, run, status_code=201, sealed=ctx.pii
    )


@partner_router.patch(
    "/webhooks/{webhook_id}", tags=["webhooks"], responses=problem_responses(400, 404)
)
async def update_webhook(
    webhook_id: PathId,
    body: WebhookUpdate,
    *,
    principal: WebhooksManage,
    ctx: Ctx,
    session: DbSession,
) -> WebhookOut:
    """Change one of this app's subscriptions: URL, event types, ``is_active``."""
    return await webhooks.update_webhook(
        session, egress.guard_of(ctx), webhook_id, body, app_id=principal.app_id
    )


@partner_router.get("/webhook-deliveries", tags=["webhooks"], responses=problem_responses(400))
async def list_webhook_deliveries(
    *,
    principal: WebhooksManage,
    session: DbSession,
    webhook_id: QueryId = None,
    delivery_status: Annotated[WebhookDeliveryStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[WebhookDeliveryOut]:
    """This app's deliveries, newest first: status, attempts, last answer."""
    items, next_cursor = await webhooks.search_deliveries(
        session,
        app_id=principal.app_id,
        webhook_id=webhook_id,
        status=delivery_status,
        event_type=None,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


# -- co-branded campaigns --------------------------------------------------------------------


@partner_router.post(
    "/cobrand/bundles",
    tags=["cobrand"],
    status_code=201,
    response_model=CobrandItemOut,
    responses=problem_responses(400, 404, 422),
)
async def create_cobrand_bundle(
    body: CobrandBundleCreate,
    *,
    principal: CampaignsWrite,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A co-branded bundle (组合套餐, ``campaigns:write``): the products together at the bundle
    price, live from ``starts_at`` to ``ends_at``; orders using it are attributed to the app."""

    async def run() -> CobrandItemOut:
        return await cobrand.create_bundle(
            session, principal.app_id, body, actor=f"app:{principal.app_key}"
        )

    return await _idempotent(request, session, principal, idempotency_key, run, status_code=201)


@partner_router.post(
    "/cobrand/coupons",
    tags=["cobrand"],
    status_code=201,
    response_model=CobrandItemOut,
    responses=problem_responses(400, 422),
)
async def create_cobrand_coupon(
    body: promotions.TemplateCreate,
    *,
    principal: CampaignsWrite,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A co-branded coupon template (``campaigns:write``), issued only by this app
    (``is_claimable`` is forced false); the console's template rules hold."""

    async def run() -> CobrandItemOut:
        return await cobrand.create_coupon(
            session, principal.app_id, body, actor=f"app:{principal.app_key}"
        )

    return await _idempotent(request, session, principal, idempotency_key, run, status_code=201)


@partner_router.get("/cobrand/items", tags=["cobrand"])
async def list_cobrand_items(principal: CampaignsWrite, session: DbSession) -> list[CobrandItemOut]:
    """This app's bundles and coupons, newest first."""
    return await cobrand.list_items(session, principal.app_id)


@partner_router.post(
    "/cobrand/coupons/{item_id}/issue",
    tags=["cobrand"],
    response_model=CouponIssueResult,
    responses=problem_responses(400, 404, 409, 422),
)
async def issue_cobrand_coupon(
    item_id: PathId,
    body: CobrandCouponIssue,
    *,
    principal: CampaignsWrite,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Give one of this app's co-branded coupons to a member: one atomic claim, so the
    template's quota and per-member limit hold under concurrency (``skipped_code`` says why
    none was given)."""

    async def run() -> CouponIssueResult:
        return await cobrand.issue_coupon(
            session, principal.app_id, item_id, body.member_id, actor=f"app:{principal.app_key}"
        )

    return await _idempotent(request, session, principal, idempotency_key, run)


@partner_router.get("/cobrand/redemptions", tags=["cobrand"], responses=problem_responses(400))
async def list_cobrand_redemptions(
    principal: CampaignsWrite, session: DbSession, cursor: Cursor = None, limit: Limit = 50
) -> Page[CobrandRedemptionOut]:
    """Paid orders attributed to this app, newest first."""
    items, next_cursor = await cobrand.list_redemptions(
        session, principal.app_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@partner_router.get("/cobrand/report", tags=["cobrand"], responses=problem_responses(400))
async def cobrand_report(
    principal: CampaignsWrite,
    session: DbSession,
    since: Annotated[AwareDatetime, Query()],
    until: Annotated[AwareDatetime, Query()],
) -> RevenueShareReport:
    """This app's revenue share for orders paid in ``[since, until)`` (at most 366 days)."""
    return await cobrand.revenue_report(session, since=since, until=until, app_id=principal.app_id)


# -- the partner API's own description ---------------------------------------------------------

open_router = APIRouter()
open_router.include_router(partner_router)
DOCS_ASSETS = ("redoc.standalone.js",)
_document: dict[str, Any] = {}


def open_api_document() -> dict[str, Any]:
    """The OpenAPI document of ``/open/v1`` only (built once from ``open_router``)."""
    if not _document:
        doc_app = FastAPI(
            title="Shoplet Open API",
            version=__version__,
            summary="Partner apps: products, stock, orders, members, coupons. "
            "Signed requests (HMAC-SHA256) or OAuth2 client credentials; see "
            "docs/open-platform.md.",
        )
        doc_app.include_router(partner_router, prefix=OPEN_PREFIX)
        document = doc_app.openapi()
        document.setdefault("components", {})["securitySchemes"] = {
            "ShopletSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Shoplet-Signature",
                "description": "HMAC-SHA256 of the canonical request with the app secret, "
                "lower-case hex; with X-Shoplet-App-Key, X-Shoplet-Timestamp, X-Shoplet-Nonce",
            },
            "OAuth2": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": f"{OPEN_PREFIX}/oauth/token",
                        "scopes": dict(SCOPE_TITLES),
                    }
                },
            },
        }
        document["security"] = [{"ShopletSignature": []}, {"OAuth2": []}]
        _document.update(document)
    return _document


@open_router.get("/openapi.json", include_in_schema=False)
async def openapi_json() -> JSONResponse:
    return JSONResponse(open_api_document())


@open_router.get("/docs", include_in_schema=False)
async def docs_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root}{OPEN_PREFIX}/openapi.json",
        title="Shoplet Open API",
        redoc_js_url=f"{root}{OPEN_PREFIX}/docs/assets/redoc.standalone.js",
        redoc_favicon_url=f"{root}/favicon.ico",
        with_google_fonts=False,
    )


@open_router.get("/docs/assets/{name}", include_in_schema=False)
async def docs_asset(name: str) -> FileResponse:
    if name not in DOCS_ASSETS:
        raise HTTPException(404)
    path = importlib.resources.files("fastapi_offline") / "static" / name
    return FileResponse(
        str(path),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )

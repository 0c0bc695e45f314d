"""create_app(settings): mounts routers, front ends and the lifespan that owns resources."""

from __future__ import annotations

import gc
import importlib.resources
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.routing import APIRoute, APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import compile_path
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from shoplet import __version__
from shoplet.background import load_module_tasks, start_in_process
from shoplet.core import tracing
from shoplet.core.context import AppContext
from shoplet.core.envelope import SEALED_EXTRA, EnvelopeMiddleware, Envelopes, SealedRoute
from shoplet.core.envelope import router as envelope_router
from shoplet.core.errors import NotFound, Unauthorized, install_error_handlers, problem_responses
from shoplet.core.headers import SecurityHeadersMiddleware
from shoplet.core.input_safety import InputSafetyMiddleware
from shoplet.core.media_urls import MediaBaseMiddleware
from shoplet.core.net import client_ip, is_trusted, parse_address
from shoplet.core.observability import Metrics, RequestContextMiddleware, configure_logging
from shoplet.core.replicas import ReadYourWritesMiddleware, close_replicas
from shoplet.core.settings import Settings
from shoplet.media import mount_media
from shoplet.modules import MODULES, load

log = structlog.get_logger("shoplet.app")

# Files the API serves itself (favicon); Swagger UI and ReDoc come from the fastapi-offline wheel.
STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCS_ASSETS_URL = "/static/docs"

# Business modules (``shoplet.modules.MODULES``) mount their ``api.router`` under /api/v1.
# Roles (docs/architecture.md): "edge" serves only the flash-sale routes; "api" everything but
# search, which the "search" role serves with its index (docs/deploy.md, "Roles").
EDGE_MODULES: tuple[str, ...] = ("flashsale",)
API_MODULES: tuple[str, ...] = tuple(m for m in MODULES if m != "search")
ROLE_MODULES: dict[str, tuple[str, ...]] = {"edge": EDGE_MODULES, "api": API_MODULES}

# The cyclic collector's generation thresholds for a server process, set after start-up
# (measured with ``python -m bench.flame --gc-modes default,untuned``).
GC_THRESHOLDS: tuple[int, int, int] = (50_000, 20, 100)

# A module's ``public.startup(app, ctx)``, when present, runs in the lifespan after the context is
# built; it may return an async callable that the lifespan awaits on shutdown.
StartupHook = Callable[[FastAPI, AppContext], Awaitable[Callable[[], Awaitable[None]] | None]]


def _startup_hooks(modules: tuple[str, ...]) -> list[StartupHook]:
    hooks: list[StartupHook] = []
    for public in load("public", modules):
        hook = getattr(public, "startup", None)
        if hook is not None:
            hooks.append(hook)
    return hooks


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    settings = settings or (context.settings if context else Settings())
    configure_logging(settings.log_level, json=settings.log_json)
    # Off unless an OTLP endpoint is configured: nothing patched, nothing on the hot path.
    tracing.setup(settings)
    metrics = context.metrics if context else Metrics()
    modules = ROLE_MODULES.get(settings.role, MODULES)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = context or AppContext.build(settings, metrics)
        app.state.ctx = ctx
        app.state.sessionmaker = ctx.sessionmaker
        from shoplet.integrations.setup import open_integrations

        async with AsyncExitStack() as stack:
            if context is None:
                # Registered first so it runs last: hooks and integrations close before the pools.
                stack.push_async_callback(ctx.close)
            stack.push_async_callback(close_replicas, ctx)
            # L1 answers only once subscribed to invalidations; stopped after the hooks and the
            # in-process worker, so invalidations they schedule still run (stop drains them).
            await ctx.cache.start()
            stack.push_async_callback(ctx.cache.stop)
            await stack.enter_async_context(open_integrations(app, ctx))
            for hook in _startup_hooks(modules):
                stop = await hook(app, ctx)
                if stop is not None:
                    stack.push_async_callback(stop)
            # Handlers and jobs register on import; drain_outbox/run_job in tests rely on it.
            load_module_tasks(modules)
            stop_worker = await start_in_process(ctx) if settings.run_worker_in_process else None
            log.info("started", env=settings.env, role=settings.role, version=__version__)
            if context is None:
                # A server's own app (tests and tools inject a context): what startup built lives
                # as long as the process, so it leaves the cyclic GC's view; otherwise every full
                # collection rescans ~170k startup objects, a 100+ ms pause straight into p99.
                gc.freeze()
                # Requests free what they allocate (reference counting does the work); at the
                # default 700 net allocations a young collection ran every ~15 requests under
                # load, a pause each in someone's latency (bench/analysis.md, "Read path").
                gc.set_threshold(*GC_THRESHOLDS)
            # `shoplet serve` keeps the collector off while the modules, models and routes are
            # built (it would rescan them over and over, a quarter of the start-up CPU); on from
            # here, with all of that frozen.
            gc.enable()
            try:
                yield
            finally:
                if stop_worker is not None:
                    await stop_worker()

    # Production hides the API description unless SHOPLET_PUBLIC_API_DOCS says otherwise.
    docs = settings.is_embedded or settings.public_api_docs
    app = FastAPI(
        title="Shoplet API",
        version=__version__,
        summary="Open-source e-commerce for mini programs: storefront, console and open API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    _mount_ops(app, metrics, settings)
    if docs:
        mount_docs(app)
    _mount_favicon(app)
    route_limits = _route_body_limits(
        _mount_envelopes(app, settings, _include_module_routers(app, modules))
    )
    console = (
        None if settings.role == "edge" else ConsoleRoutes(app, modules, route_limits=route_limits)
    )
    mount_media(app, settings)
    if settings.is_embedded:
        from shoplet.integrations.setup import mount_simulators

        mount_simulators(app, settings)
    if settings.serve_frontends and settings.role != "edge":
        # Last: the storefront owns "/", so every API, ops and simulator route matches first.
        from shoplet.frontends import mount_frontends

        mount_frontends(app)
    _add_middleware(
        app,
        settings,
        metrics=metrics,
        route_limits=route_limits,
        console=console,
    )
    return app


def _add_middleware(
    app: FastAPI,
    settings: Settings,
    *,
    metrics: Metrics,
    route_limits: list[tuple[re.Pattern[str], int]],
    console: ConsoleRoutes | None,
) -> None:
    """The request pipeline, innermost first (each ``add_middleware`` wraps the ones before)."""
    if settings.database_replica_urls:
        # Innermost: the caller's write is committed when its answer starts.
        app.add_middleware(ReadYourWritesMiddleware)
    if settings.media_public_base_url:
        # Rows keep /media/<key>; responses name the CDN (core/media_urls.py).
        app.add_middleware(MediaBaseMiddleware, base=settings.media_public_base_url)
    # Inside the input checks: the body it reads is bounded already.
    app.add_middleware(EnvelopeMiddleware, envelopes=app.state.envelopes)
    app.add_middleware(
        InputSafetyMiddleware, max_body_bytes=settings.max_body_bytes, route_limits=route_limits
    )
    if console is not None:
        # Outside the input checks: a console upload's own body limit is known before they run.
        app.add_middleware(ConsoleOnFirstRequest, console=console)
    # Outside the input checks, so refusals carry the security headers too.
    app.add_middleware(SecurityHeadersMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        access_log=settings.access_log,
        role=settings.role,
    )


def _include_module_routers(app: FastAPI, modules: Sequence[str]) -> list[tuple[str, APIRouter]]:
    """Every module's storefront API under /api/v1; (prefix, router) each. A module's
    ``open_router`` (the partner API, docs/open-platform.md) goes under /open/v1, out of this
    app's OpenAPI document: it describes itself at /open/v1/openapi.json."""
    included: list[tuple[str, APIRouter]] = []
    for api in load("api", modules):
        app.include_router(api.router, prefix="/api/v1")
        included.append(("/api/v1", api.router))
        # A module's ``site_router`` answers at the shop's root (/sitemap.xml, /robots.txt).
        site_router: APIRouter | None = getattr(api, "site_router", None)
        if site_router is not None:
            app.include_router(site_router)
            included.append(("", site_router))
        open_router: APIRouter | None = getattr(api, "open_router", None)
        if open_router is not None:
            app.include_router(open_router, prefix=OPEN_PREFIX, include_in_schema=False)
            included.append((OPEN_PREFIX, open_router))
    return included


OPEN_PREFIX = "/open/v1"


CONSOLE_PREFIX = "/api/v1/console"


class ConsoleRoutes:
    """Every module's console API (``console_api.router`` under /api/v1/console), included on
    first use: the first request under the prefix, the OpenAPI document, or ``load()``. Importing
    the console routers builds about half of the app's routes (their dependants and response
    fields), a tenth of a server's start-up CPU that a shopper's first request never needs
    (docs/benchmarks.md, "Start-up"). They take the place in the routing table they had when
    included at assembly: after the storefront API, before the media, simulators and front ends.
    """

    def __init__(
        self,
        app: FastAPI,
        modules: Sequence[str],
        *,
        route_limits: list[tuple[re.Pattern[str], int]],
    ) -> None:
        self.app = app
        self.modules = tuple(modules)
        self.route_limits = route_limits
        self.position = len(app.router.routes)
        self.loaded = False
        app.state.console_routes = self
        build_openapi = app.openapi

        def openapi() -> dict[str, Any]:
            self.load()
            return build_openapi()

        # FastAPI's /openapi.json and every caller of app.openapi() see the console routes.
        app.openapi = openapi  # type: ignore[method-assign]

    def load(self) -> None:
        """Include the console routers (once; synchronous, so no request sees half of them)."""
        if self.loaded:
            return
        routes = self.app.router.routes
        end = len(routes)
        included: list[tuple[str, APIRouter]] = []
        # Console routes live with the module they manage and depend on staff.public for the
        # signed-in staff member and permissions (docs/architecture.md).
        for console_api in load("console_api", self.modules):
            self.app.include_router(
                console_api.router,
                prefix=CONSOLE_PREFIX,
                tags=["console"],
                responses=problem_responses(401, 403),
            )
            included.append((CONSOLE_PREFIX, console_api.router))
        added = routes[end:]
        del routes[end:]
        routes[self.position : self.position] = added
        self.route_limits.extend(_route_body_limits(included))
        self.loaded = True
        log.debug("console routes included", routes=len(added))


class ConsoleOnFirstRequest:
    """Plain ASGI, outside the input checks: a request under /api/v1/console includes the
    console routes first (``ConsoleRoutes``); after that one string test per request."""

    def __init__(self, app: ASGIApp, *, console: ConsoleRoutes) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.console.loaded and scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            if path.startswith(CONSOLE_PREFIX):
                self.console.load()
        await self.app(scope, receive, send)


def load_console_routes(app: FastAPI) -> None:
    """Include the console routes now (tools and tests that walk ``app.routes``)."""
    console: ConsoleRoutes | None = getattr(app.state, "console_routes", None)
    if console is not None:
        console.load()


def _mount_envelopes(
    app: FastAPI, settings: Settings, included: list[tuple[str, APIRouter]]
) -> list[tuple[str, APIRouter]]:
    """The envelope key route, and the routes whose fields a client may seal
    (``core.envelope.sealed``) for the middleware that opens them; ``included`` unchanged."""
    routes: list[SealedRoute] = []
    for prefix, router in included:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.openapi_extra:
                fields = route.openapi_extra.get(SEALED_EXTRA)
                if fields:
                    path = compile_path(prefix + route.path)[0]
                    routes.extend(
                        SealedRoute(method, path, frozenset(fields))
                        for method in route.methods or ()
                    )
    app.state.envelopes = Envelopes(settings, routes=routes)
    app.include_router(envelope_router, prefix="/api/v1")
    return included


def _route_body_limits(
    included: list[tuple[str, APIRouter]],
) -> list[tuple[re.Pattern[str], int]]:
    """Routes declaring their own ``max_body_size`` (media uploads), for the body limit. Read
    from the module routers as included (prefix, router; their routes carry the router's own
    prefix): FastAPI's effective route contexts of the whole app would be built for it at
    start-up, a fifth of ``create_app``, which requests build as they need them."""
    limits = []
    for prefix, router in included:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.max_body_size is not None:
                limits.append((compile_path(prefix + route.path)[0], route.max_body_size))
    return limits


def _mount_ops(app: FastAPI, metrics: Metrics, settings: Settings) -> None:
    @app.get("/healthz", tags=["ops"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz(request: Request) -> Response:
        """The database and, when configured, Redis answer."""
        ctx: AppContext = request.app.state.ctx
        checks: dict[str, Any] = {}
        try:
            async with ctx.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if ctx.redis is not None:
            try:
                await ctx.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text; only for SHOPLET_METRICS_ALLOW networks or SHOPLET_METRICS_TOKEN."""
        _check_metrics_access(request, settings)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def mount_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts and styles served from the
    installed fastapi-offline package under ``/static/docs``: no third-party host, so the pages
    work offline and behind a firewall. Every docs route is set up here, and only here."""
    assets = importlib.resources.files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{oauth2_redirect_url}",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}/favicon.ico",
            # No badge that sends the schema to the public validator.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}/favicon.ico",
            with_google_fonts=False,
        )


def _mount_favicon(app: FastAPI) -> None:
    """``/favicon.ico`` for the API root, the docs and the front ends (which may link it)."""
    icon = STATIC_DIR / "favicon.ico"

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(
            icon, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
        )


def _check_metrics_access(request: Request, settings: Settings) -> None:
    """A wrong bearer token is a 401; any other caller outside the allowed networks sees a 404."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        expected = settings.metrics_token
        if (
            expected is not None
            and scheme.lower() == "bearer"
            and secrets.compare_digest(token.strip().encode(), expected.get_secret_value().encode())
        ):
            return
        raise Unauthorized("A valid metrics token is required")
    if not is_trusted(parse_address(client_ip(request)), settings.metrics_allow):
        raise NotFound("Not Found")

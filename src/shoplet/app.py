"""create_app(settings): mounts routers, front ends and the lifespan that owns resources."""

from __future__ import annotations

import gc
import importlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shoplet import __version__
from shoplet.core.context import AppContext
from shoplet.core.errors import NotFound, Unauthorized, install_error_handlers
from shoplet.core.headers import SecurityHeadersMiddleware
from shoplet.core.net import client_ip, is_trusted, parse_address
from shoplet.core.observability import Metrics, RequestContextMiddleware, configure_logging
from shoplet.core.settings import Settings
from shoplet.media import mount_media
from shoplet.modules import MODULES

log = structlog.get_logger("shoplet.app")

# Business modules (``shoplet.modules.MODULES``) mount their ``api.router`` under /api/v1.
# Roles (DESIGN.md): "edge" serves only the flash-sale routes.
EDGE_MODULES: tuple[str, ...] = ("flashsale",)

# A module's ``public.startup(app, ctx)``, when present, runs in the lifespan after the context is
# built; it may return an async callable that the lifespan awaits on shutdown.
StartupHook = Callable[[FastAPI, AppContext], Awaitable[Callable[[], Awaitable[None]] | None]]


def _module_routers(names: tuple[str, ...]) -> list[APIRouter]:
    routers = []
    for name in names:
        try:
            api = importlib.import_module(f"shoplet.modules.{name}.api")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"shoplet.modules.{name}"):
                continue
            raise
        routers.append(api.router)
    return routers


def _module_startups(names: tuple[str, ...]) -> list[StartupHook]:
    hooks: list[StartupHook] = []
    for name in names:
        try:
            public = importlib.import_module(f"shoplet.modules.{name}.public")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"shoplet.modules.{name}"):
                continue
            raise
        hook = getattr(public, "startup", None)
        if hook is not None:
            hooks.append(hook)
    return hooks


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    settings = settings or (context.settings if context else Settings())
    configure_logging(settings.log_level, json=settings.log_json)
    metrics = context.metrics if context else Metrics()
    modules = EDGE_MODULES if settings.role == "edge" else MODULES

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
            # L1 answers only once subscribed to invalidations; stopped after the hooks and the
            # in-process worker, so invalidations they schedule still run (stop drains them).
            await ctx.cache.start()
            stack.push_async_callback(ctx.cache.stop)
            await stack.enter_async_context(open_integrations(app, ctx))
            for hook in _module_startups(modules):
                stop = await hook(app, ctx)
                if stop is not None:
                    stack.push_async_callback(stop)
            from shoplet.worker import load_module_tasks, start_in_process

            # Handlers and jobs register on import; drain_outbox/run_job in tests rely on it.
            load_module_tasks()
            stop_worker = await start_in_process(ctx) if settings.run_worker_in_process else None
            log.info("started", env=settings.env, role=settings.role, version=__version__)
            if context is None:
                # A server's own app (tests and tools inject a context): what startup built lives
                # as long as the process, so it leaves the cyclic GC's view; otherwise every full
                # collection rescans ~170k startup objects, a 100+ ms pause straight into p99.
                gc.freeze()
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
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    _mount_ops(app, metrics, settings)
    for router in _module_routers(modules):
        app.include_router(router, prefix="/api/v1")
    mount_media(app, settings)
    if settings.is_embedded:
        from shoplet.integrations.setup import mount_simulators

        mount_simulators(app, settings)
    if settings.serve_frontends and settings.role != "edge":
        # Last: the storefront owns "/", so every API, ops and simulator route matches first.
        from shoplet.frontends import mount_frontends

        mount_frontends(app)
    app.add_middleware(SecurityHeadersMiddleware, trusted_proxies=settings.trusted_proxies)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, access_log=settings.access_log)
    return app


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

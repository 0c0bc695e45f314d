"""The ``shoplet`` command: serve, migrate, seed, worker, create-staff, check-config, pii-rotate,
backup, restore, catalog import, reco evaluate|generate, analytics rfm|import-history|compute,
audit verify|checkpoint|export|verify-export.

Commands that start the shop check the configuration first: in production any problem is printed
one line each to stderr and the command exits with code 2, before anything starts.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from shoplet.analytics_cli import analytics_app
from shoplet.audit_cli import audit_app
from shoplet.core.config_check import EXIT_CONFIG, config_problems, exit_on_problems, report
from shoplet.core.settings import Settings
from shoplet.deploy.backup_cli import backup_app, restore_app
from shoplet.deploy.cli import app as deploy_app

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shoplet.core.context import AppContext
    from shoplet.modules.catalog.public import ImportOutcome

app = typer.Typer(help="Shoplet: e-commerce for mini programs.", no_args_is_help=True)


def load_settings() -> Settings:
    """Settings from the environment; a malformed value exits 2 with one line per field."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"Shoplet configuration has {exc.error_count()} problem(s):"]
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            lines.append(f"  - SHOPLET_{field.upper()}: {error['msg']}")
        print("\n".join(lines), file=sys.stderr)
        raise typer.Exit(EXIT_CONFIG) from None


def checked_settings() -> Settings:
    settings = load_settings()
    exit_on_problems(settings)
    return settings


def _environment() -> str:
    """``SHOPLET_ENV`` as the settings read it (environment or ``.env``), nothing else validated."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class EnvOnly(BaseSettings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "extra": "ignore"})
        env: str = "embedded"

    return EnvOnly().env


def _configure_logging(settings: Settings) -> None:
    """Commands that run Shoplet code outside ``create_app`` log at ``SHOPLET_LOG_LEVEL`` too
    (structlog's own default would print every DEBUG line)."""
    from shoplet.core.observability import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)


@app.command()
def serve(
    role: Annotated[str, typer.Option(help="all | api | edge | search")] = "",
    workers: Annotated[int, typer.Option(help="server worker processes")] = 1,
    server: Annotated[str, typer.Option(help="uvicorn | granian")] = "uvicorn",
    demo_history: Annotated[
        bool,
        typer.Option(
            "--demo-history",
            help="embedded: seed the demo orders in the background if the shop has none",
        ),
    ] = False,
) -> None:
    """Serve the API (and, embedded, the front ends and the in-process worker)."""
    import gc
    import os

    if workers == 1 and server == "uvicorn":
        # This process serves: no cyclic collections while start-up builds ~170k objects that
        # live as long as it does; the app's lifespan freezes them and turns the collector
        # back on (app.py). (A supervisor of worker processes never runs the lifespan.)
        gc.disable()

    if role:
        os.environ["SHOPLET_ROLE"] = role
    settings = checked_settings()
    if demo_history and settings.is_embedded and workers == 1 and server == "uvicorn":
        _serve_with_demo_history(settings)
        return
    _print_urls(settings)
    if server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server

        Server(
            "shoplet.asgi:app",
            address=settings.host,
            port=settings.port,
            interface=Interfaces.ASGI,
            workers=workers,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        "shoplet.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        # Shoplet reads forwarding headers itself, from SHOPLET_TRUSTED_PROXIES only.
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


def _print_urls(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    print(f"Shoplet {settings.env} on {base}")
    print(f"  storefront  {base}/")
    print(f"  console     {base}/console/")
    print(f"  API         {base}/api/v1/products")
    print(f"  API docs    {base}/docs  (ReDoc: {base}/redoc)")


def _serve_with_demo_history(settings: Settings) -> None:
    """``make run``: serve at once while ``shoplet seed --history-only`` places the demo orders
    (through the API, with its own WeChat Pay simulator) in a child process; the in-process
    worker starts when it is done, so it never handles the child's payments with this process's
    simulator. SQLite in WAL mode takes both writers."""
    from contextlib import asynccontextmanager

    import uvicorn

    from shoplet.app import create_app
    from shoplet.background import start_in_process

    app = create_app(settings.model_copy(update={"run_worker_in_process": False}))
    lifespan = app.router.lifespan_context

    history_stamp = settings.data_dir / "stamps" / "demo-history"

    async def history_then_worker(ctx: AppContext) -> None:
        # Once the history is in this database, later starts skip the child: a second Python
        # process importing the whole shop would compete with the first requests for the CPU.
        if _read_stamp(history_stamp) != database_identity(settings):
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "shoplet.cli", "seed", "--history-only"
            )
            if await child.wait() == 0:
                _write_stamp(history_stamp, database_identity(settings))
        if settings.run_worker_in_process:
            stops.append(await start_in_process(ctx))

    stops: list[Callable[[], Awaitable[None]]] = []

    @asynccontextmanager
    async def with_history(app_: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app_):
            task = asyncio.create_task(history_then_worker(app_.state.ctx))
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                for stop in stops:
                    await stop()

    app.router.lifespan_context = with_history
    _print_urls(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
    )


def database_identity(settings: Settings) -> str:
    """The database the demo history went into: its URL, for SQLite the file's inode, and when
    ``make run`` last seeded the catalog (tools/stamp.sh), which it does again for a new or
    re-created database (whose file may get the old one's inode)."""
    url = settings.resolved_database_url
    identity = url
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1].split("?", 1)[0])
        try:
            identity += f" inode {path.stat().st_ino}"
        except OSError:
            identity += " missing"
    try:
        seeded = (settings.data_dir / "stamps" / "seed-catalog").stat().st_mtime_ns
    except OSError:
        return identity
    return f"{identity} catalog seeded {seeded}"


def _read_stamp(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _write_stamp(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key, encoding="utf-8")


@app.command()
def migrate(revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: head)."""
    from shoplet.core.migrate import upgrade

    settings = checked_settings()
    _configure_logging(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    print(f"migrated to {revision}")


@app.command()
def seed(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only seed an empty shop")] = False,
    history: Annotated[
        bool, typer.Option(help="also a month of demo orders (embedded mode)")
    ] = True,
    history_only: Annotated[
        bool,
        typer.Option("--history-only", help="only the demo orders, if the shop has none yet"),
    ] = False,
) -> None:
    """Load the demo catalog (products, images, stock), order history and demo accounts."""
    if _environment() == "production":
        # Checked before the full settings, whose production checks would fail first otherwise.
        typer.echo("error: shoplet seed writes demo data; it never runs in production", err=True)
        raise typer.Exit(2)
    settings = checked_settings()
    if "log_level" not in settings.model_fields_set:
        # The seed's own lines say what it did; the simulated shoppers' INFO logs would bury them.
        settings = settings.model_copy(update={"log_level": "WARNING"})
    _configure_logging(settings)
    if history_only:
        from shoplet.demo import seed_order_history

        summary = asyncio.run(seed_order_history(settings, only_if_no_orders=True))
        print(summary.line(), flush=True)
        return
    from shoplet.demo import run_seed

    print(asyncio.run(run_seed(settings, only_if_empty=if_empty, history=history)))


@app.command()
def worker() -> None:
    """Run the outbox relay and scheduled jobs without serving HTTP."""
    from shoplet.worker import run_worker

    settings = checked_settings()
    _configure_logging(settings)
    asyncio.run(run_worker(settings))


@app.command("create-staff")
def create_staff(  # nosec B107 - the password is prompted for; "" is no default
    username: str,
    role: Annotated[str, typer.Option(help="owner | operator | support")] = "operator",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    display_name: Annotated[str, typer.Option(help="shown in the console")] = "",
) -> None:
    """Create a console staff account."""
    from shoplet.core.errors import ShopletError
    from shoplet.modules.staff.public import create_staff_account

    settings = checked_settings()
    _configure_logging(settings)
    try:
        result = asyncio.run(
            create_staff_account(
                settings, username=username, password=password, role=role, display_name=display_name
            )
        )
    except ShopletError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    print(result)


@app.command("check-config")
def check_config() -> None:
    """Check the configuration (production: everything production needs) without starting."""
    settings = load_settings()
    problems = config_problems(settings)
    print(report(problems, env=settings.env), file=sys.stderr if problems else sys.stdout)
    if problems:
        raise typer.Exit(EXIT_CONFIG)


@app.command("pii-rotate")
def pii_rotate(
    batch_size: Annotated[int, typer.Option(min=1, help="rows per transaction")] = 500,
) -> None:
    """Re-encrypt personal data written with an older PII key under the current one."""
    from shoplet.pii_rotate import PiiRotationError, rotate_pii

    settings = checked_settings()

    def progress(line: str) -> None:
        print(line, flush=True)

    try:
        total = asyncio.run(rotate_pii(settings, batch_size=batch_size, progress=progress))
    except PiiRotationError as exc:
        print(f"pii-rotate stopped: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"re-encrypted {total} value(s) under key {settings.resolved_pii_keys[0][0]!r}")


catalog_app = typer.Typer(help="Manage the catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(help="a .csv (UTF-8 or GBK) or .xlsx file")],
    update: Annotated[
        bool,
        typer.Option("--update", help="update SKUs already in the shop instead of skipping them"),
    ] = False,
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", min=1, max=10_000, help="rows per transaction")
    ] = 500,
) -> None:
    """Import products from a CSV or XLSX file (docs/catalog-import.md). Every row is checked
    first: any bad row and nothing is imported (exit code 2, every bad row listed)."""
    from shoplet.core.errors import ShopletError

    settings = checked_settings()
    if "log_level" not in settings.model_fields_set:
        settings = settings.model_copy(update={"log_level": "WARNING"})
    _configure_logging(settings)
    try:
        data = file.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    try:
        outcome = asyncio.run(
            _run_import(settings, file.name, file.resolve().parent, data, update, batch_rows)
        )
    except ShopletError as exc:
        typer.echo(f"error [{exc.code}]: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    if outcome.errors:
        count = len(outcome.errors)
        if outcome.rows_written:
            typer.echo(
                f"写入出错，该批已回滚；前 {outcome.rows_written} 行已导入，修正后重新导入即可"
                f" (the failing batch was rolled back, {outcome.rows_written} rows imported):",
                err=True,
            )
        else:
            typer.echo(f"{count} 处错误，未导入任何商品 (nothing was imported):", err=True)
        for error in outcome.errors:
            column = f" [{error['column']}]" if error.get("column") else ""
            typer.echo(
                f"  第 {error['row']} 行{column}: {error['message']} "
                f"({error['code']}: {error['detail']})",
                err=True,
            )
        raise typer.Exit(2)
    c = outcome.counts
    print(
        f"imported {outcome.rows} rows in {outcome.seconds:.1f} s "
        f"({outcome.rows / max(outcome.seconds, 1e-9):.0f} rows/s): "
        f"products {c.products_created} created ({c.drafts} drafts without image), "
        f"{c.products_updated} updated; SKUs {c.skus_created} created, {c.skus_updated} updated, "
        f"{c.skus_skipped} skipped; categories {c.categories_created} created"
    )


async def _run_import(  # noqa: PLR0917
    settings: Settings, name: str, folder: Path, data: bytes, update: bool, batch_rows: int
) -> ImportOutcome:
    from shoplet.core.context import AppContext
    from shoplet.modules.catalog import public as catalog

    progress = _import_progress()
    ctx = AppContext.build(settings)
    try:
        options = catalog.ImportOptions(
            update=update,
            base_dir=folder,
            image_hosts=catalog.parse_hosts(settings.catalog_import_image_hosts),
        )
        with progress as report:
            return await catalog.import_file(
                ctx,
                name,
                data,
                options,
                actor=f"cli:{name}"[:64],
                rows_per_batch=batch_rows,
                on_progress=report,
            )
    finally:
        await ctx.close()


class _LineProgress:
    """Progress as a line per batch (at most every 2 s) when stdout is not a terminal."""

    def __init__(self) -> None:
        self.last = 0.0

    def __enter__(self) -> Callable[[int, int], None]:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if done >= total or now - self.last >= 2.0:
            self.last = now
            print(f"imported {done}/{total} rows", flush=True)


def _import_progress() -> Any:
    if not sys.stdout.isatty():
        return _LineProgress()
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    @contextmanager
    def bar() -> Iterator[Callable[[int, int], None]]:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as progress:
            task = progress.add_task("importing rows", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            yield report

    return bar()


app.add_typer(deploy_app, name="deploy")
app.add_typer(backup_app, name="backup")
app.add_typer(restore_app, name="restore")
app.add_typer(analytics_app, name="analytics")
app.add_typer(audit_app, name="audit")


@restore_app.command("redis")
def restore_redis(
    flush: Annotated[
        bool, typer.Option(help="first delete every key under SHOPLET_REDIS_PREFIX")
    ] = False,
) -> None:
    """Rebuild Redis state from PostgreSQL (flash-sale counters); --flush after a database
    restore, so the cache and counters no longer describe the data before it."""
    from shoplet.core.context import AppContext
    from shoplet.redis_rebuild import rebuild_redis

    settings = checked_settings()

    async def run() -> None:
        ctx = AppContext.build(settings)
        try:
            await rebuild_redis(ctx, flush=flush, progress=lambda line: print(line, flush=True))
        finally:
            await ctx.close()

    asyncio.run(run())


reco_app = typer.Typer(help="Recommendations: offline evaluation.", no_args_is_help=True)
app.add_typer(reco_app, name="reco")


@reco_app.command("evaluate")
def reco_evaluate(
    interactions: Annotated[
        Path, typer.Option("--interactions", help="CSV with header user_id,item_id,timestamp")
    ],
    k: Annotated[int, typer.Option("--k", min=1, max=1000, help="cut-off of HR@k, NDCG@k")] = 10,
    model: Annotated[
        str, typer.Option("--model", help="ease (what Shoplet serves), cosine or als")
    ] = "ease",
    context_weight: Annotated[
        float | None,
        typer.Option(
            "--context-weight",
            min=0.0,
            max=10.0,
            help="exponent of the context blend (default: the one served; 0: none)",
        ),
    ] = None,
    half_life: Annotated[
        float | None,
        typer.Option(
            "--half-life",
            min=0.0,
            max=1000.0,
            help="recency half-life of a shopper's row, in interactions (default: the one "
            "served; 0: off)",
        ),
    ] = None,
) -> None:
    """Leave-last-out HR@k and NDCG@k of a model and of popularity (docs/recommend.md). The
    last line printed is the JSON summary; a bad file exits with code 2 and its line numbers."""
    import json

    from shoplet.modules.recommend import public as recommend

    if model not in recommend.EVALUATION_MODELS:
        typer.echo(
            f"error: --model must be one of {', '.join(recommend.EVALUATION_MODELS)}", err=True
        )
        raise typer.Exit(2)
    try:
        text = interactions.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read {interactions}: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        rows = recommend.parse_interactions(text)
    except recommend.InteractionsInvalid as exc:
        for error in exc.errors:
            typer.echo(f"error: {interactions}: {error}", err=True)
        raise typer.Exit(2) from None
    weight = recommend.CONTEXT_WEIGHT if context_weight is None else context_weight
    recency = recommend.RECENCY_HALF_LIFE if half_life is None else half_life
    result = recommend.evaluate(rows, k=k, model=model, context_weight=weight, half_life=recency)
    print(
        f"{len(rows)} interactions, {result.users} shoppers evaluated, {result.items} products; "
        f"{result.model_name} trained in {result.train_seconds:.2f} s"
    )
    print(json.dumps(result.as_dict(), ensure_ascii=False))


@reco_app.command("generate")
def reco_generate(
    out: Annotated[Path, typer.Option("--out", help="CSV to write")],
    users: Annotated[int, typer.Option("--users", min=2, max=1_000_000)] = 10_000,
    items: Annotated[int, typer.Option("--items", min=10, max=100_000)] = 5_000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    context: Annotated[
        bool, typer.Option("--context", help="provinces (a region column), seasons and hours")
    ] = False,
) -> None:
    """Write a seeded, shop-like interactions CSV (recommend/synthetic.py explains its shape)."""
    from shoplet.modules.recommend import public as recommend

    count = recommend.write_synthetic_csv(out, users=users, items=items, seed=seed, context=context)
    print(f"wrote {count} interactions to {out}")


@reco_app.command("sessions")
def reco_sessions(
    visitors: Annotated[int, typer.Option("--visitors", min=10, max=1_000_000)] = 10_000,
    items: Annotated[int, typer.Option("--items", min=10, max=100_000)] = 5_000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    k: Annotated[int, typer.Option("--k", min=1, max=1000)] = 10,
) -> None:
    """HR@k of the session model (看了又看) against view popularity, on seeded generated
    product-view sessions (recommend/sessions.py); the last line printed is the JSON summary."""
    import json

    from shoplet.modules.recommend import public as recommend

    views = recommend.generate_views(visitors=visitors, items=items, seed=seed)
    print(json.dumps(recommend.evaluate_sessions(views, k=k).as_dict()))


def main() -> None:
    app()


if __name__ == "__main__":
    main()

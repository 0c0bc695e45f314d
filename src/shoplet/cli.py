"""The ``shoplet`` command: serve, migrate, seed, worker, create-staff, check-config, pii-rotate.

Commands that start the shop check the configuration first: in production any problem is printed
one line each to stderr and the command exits with code 2, before anything starts.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from shoplet.core.config_check import EXIT_CONFIG, config_problems, exit_on_problems, report
from shoplet.core.settings import Settings

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


@app.command()
def serve(
    role: Annotated[str, typer.Option(help="all | api | edge")] = "",
    workers: Annotated[int, typer.Option(help="server worker processes")] = 1,
    server: Annotated[str, typer.Option(help="uvicorn | granian")] = "uvicorn",
) -> None:
    """Serve the API (and, embedded, the front ends and the in-process worker)."""
    import os

    if role:
        os.environ["SHOPLET_ROLE"] = role
    settings = checked_settings()
    base = f"http://{settings.host}:{settings.port}"
    print(f"Shoplet {settings.env} on {base}")
    print(f"  storefront  {base}/")
    print(f"  console     {base}/console/")
    print(f"  API         {base}/api/v1/products")
    print(f"  API docs    {base}/docs")
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
        log_level=settings.log_level.lower(),
    )


@app.command()
def migrate(revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: head)."""
    from shoplet.core.migrate import upgrade

    settings = checked_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    print(f"migrated to {revision}")


@app.command()
def seed(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only seed an empty shop")] = False,
) -> None:
    """Load the demo catalog (products, images, stock) and demo accounts."""
    from shoplet.seed import run_seed

    settings = checked_settings()
    if not settings.is_embedded:
        print("shoplet seed: the demo data is for embedded mode, not production", file=sys.stderr)
        raise typer.Exit(EXIT_CONFIG)
    print(asyncio.run(run_seed(settings, only_if_empty=if_empty)))


@app.command()
def worker() -> None:
    """Run the outbox relay and scheduled jobs without serving HTTP."""
    from shoplet.worker import run_worker

    asyncio.run(run_worker(checked_settings()))


@app.command("create-staff")
def create_staff(
    username: str,
    role: Annotated[str, typer.Option(help="owner | operator | support")] = "operator",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    display_name: Annotated[str, typer.Option(help="shown in the console")] = "",
) -> None:
    """Create a console staff account."""
    from shoplet.core.errors import ShopletError
    from shoplet.modules.console.public import create_staff_account

    settings = checked_settings()
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()

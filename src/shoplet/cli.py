"""The ``shoplet`` command: serve, migrate, seed, worker, create-staff."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from shoplet.core.settings import Settings

app = typer.Typer(help="Shoplet: e-commerce for mini programs.", no_args_is_help=True)


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
    settings = Settings()
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
        # Shoplet reads forwarding headers itself, from SHOPLET_TRUSTED_PROXIES only.
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


@app.command()
def migrate(revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: head)."""
    from shoplet.core.migrate import upgrade

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    print(f"migrated to {revision}")


@app.command()
def seed(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only seed an empty shop")] = False,
) -> None:
    """Load the demo catalog (products, images, stock) and demo accounts."""
    from shoplet.seed import run_seed

    settings = Settings()
    print(asyncio.run(run_seed(settings, only_if_empty=if_empty)))


@app.command()
def worker() -> None:
    """Run the outbox relay and scheduled jobs without serving HTTP."""
    from shoplet.worker import run_worker

    asyncio.run(run_worker(Settings()))


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

    settings = Settings()
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()

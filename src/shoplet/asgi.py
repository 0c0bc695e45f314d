"""ASGI entry point for servers: ``shoplet.asgi:app``."""

from shoplet.app import create_app

app = create_app()

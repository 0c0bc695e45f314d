"""Deployment helpers: the nginx gateway's configuration and its traffic switch (docs/deploy.md).

Plumbing only: nothing here imports a business module or starts the shop.
"""

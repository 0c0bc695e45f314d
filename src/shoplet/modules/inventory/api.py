"""Inventory has no routes of its own: shoppers see stock on the catalog's product detail, and
merchants adjust it through the console, which calls :mod:`shoplet.modules.inventory.public`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["inventory"])

"""Inventory has no storefront routes: shoppers see stock on the catalog's product detail, and
merchants adjust it through the console routes in ``console_api.py``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["inventory"])

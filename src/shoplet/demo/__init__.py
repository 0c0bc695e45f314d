"""Demo data for ``make run`` (``shoplet seed``); no production code imports this package.

- ``catalog``: the demo catalog (categories, products, SKUs, stock) through ``catalog.public``;
- ``art``: every product's pictures drawn as that product (gallery, colour SKUs, detail image,
  360° spins from 3D models), cached on disk by a hash of the drawing code;
- ``images``: category icons, and ``store_image``, where every picture is stored;
- ``shoppers``: simulated shoppers buying through the real storefront API and the WeChat Pay
  simulator; staff shipping and handling after-sales through ``orders.public``;
- ``history``: a month of orders from those shoppers, moved into the past by ``backdate``
  (the only demo code that writes module tables directly);
- ``accounts``: the embedded demo's console owner;
- ``seed``: ``run_seed``, the ``shoplet seed`` command.
"""

from __future__ import annotations

from shoplet.demo.catalog import CATEGORIES, PRODUCTS, ean13, seed_catalog
from shoplet.demo.history import seed_order_history
from shoplet.demo.seed import run_seed

__all__ = ["CATEGORIES", "PRODUCTS", "ean13", "run_seed", "seed_catalog", "seed_order_history"]

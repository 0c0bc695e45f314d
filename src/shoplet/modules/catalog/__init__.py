"""Catalog: categories, products (SPU) and their SKUs, the public product API.

Base layer: may call :mod:`shoplet.modules.inventory.public` for stock. Other modules import
:mod:`shoplet.modules.catalog.public` only.
"""

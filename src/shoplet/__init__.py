"""Shoplet: an open-source e-commerce platform for mini programs."""

__version__ = "0.1.0"

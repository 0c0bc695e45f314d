"""Clearance pricing: price elasticity from price history and sales, and markdown plans."""

"""Checkout: orchestrates a purchase (cart or items -> priced order -> payment)."""

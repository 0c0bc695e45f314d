"""Merchant console: staff accounts, sign-in with TOTP MFA, roles and permissions, the audit log,
and the console routes over the lower modules (catalog, inventory, and later trade).

Console is the top layer: it calls other modules' ``public.py`` and nobody imports it.
"""

"""WeCom publishes no events yet and subscribes to none: a customer's add or delete arrives as
WeCom's callback (``api.py``), and members are linked by unionid when it arrives."""

from __future__ import annotations

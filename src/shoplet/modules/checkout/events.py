"""Checkout publishes no events of its own: the order it places announces itself
(``order.created``, see ``orders/events.py``) and payments announce payments."""

from __future__ import annotations

"""Notification publishes no events. It subscribes (``tasks.py``) to ``order.paid`` (支付成功),
``order.shipped`` (发货), ``inventory.restocked`` (到货提醒) and ``catalog.product_changed``
(降价提醒), and records one pending send per shopper; the worker's ``notification.send_pending``
job sends them. Group-buy results and points expiring are recorded by social and loyalty (above
notification) through ``public.enqueue``."""

from __future__ import annotations

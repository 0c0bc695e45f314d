"""Notification publishes no events. It subscribes (``tasks.py``) to ``order.paid`` (支付成功),
``order.shipped`` (发货), ``groupbuy.group_succeeded`` / ``groupbuy.group_failed`` (拼团结果)
and records one pending send per shopper; the worker's ``notification.send_pending`` job sends
them. Price drops, back-in-stock and points expiring are sent through ``public.enqueue`` by the
module that knows of them."""

from __future__ import annotations

"""Alerts publish no outbox events: an incident's news travels through its own channels
(inbox, robots, e-mail, webhooks), and nothing in Shoplet acts on it."""

from __future__ import annotations

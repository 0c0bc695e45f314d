"""Support publishes no outbox events: what happens in a conversation travels to the open
sockets through ``hub.py`` (Redis pub/sub, or in process when embedded), after commit."""

from __future__ import annotations

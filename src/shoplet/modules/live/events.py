"""Live sessions publish no outbox events yet: what happens in a room travels to the open
sockets through ``hub.py`` (Redis pub/sub, or in process when embedded), after commit."""

from __future__ import annotations

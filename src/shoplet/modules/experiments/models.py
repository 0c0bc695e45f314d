"""Experiments owns no table yet: this slice analyses counts sent with the request."""

from __future__ import annotations

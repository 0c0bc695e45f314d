"""Insights owns no table: its reports compose the subqueries other modules publish."""

from __future__ import annotations

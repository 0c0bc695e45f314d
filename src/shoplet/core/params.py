"""Reusable path and query parameter types: ids fit a signed 64-bit column.

Control characters in any path or query parameter are refused before routing
(``core.input_safety.InputSafetyMiddleware``); these types bound what is left: numbers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from shoplet.core.input_safety import MAX_ID

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

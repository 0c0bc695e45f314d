"""Console route of 智能问数: ``POST /insights/ask`` (any signed-in staff member with
``orders:read``; each metric then needs its own permission). Read-only, from a replica when
one is configured, so nothing is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shoplet.core.db import utcnow
from shoplet.core.errors import problem_responses
from shoplet.core.replicas import ReplicaDbSession
from shoplet.modules.staff.public import StaffIdentity, require_permission

from . import service
from .schemas import Answer, AskBody

router = APIRouter(tags=["console-insights"])

Asker = Annotated[StaffIdentity, Depends(require_permission("orders:read"))]


@router.post("/insights/ask", responses=problem_responses(400, 403))
async def ask(body: AskBody, staff: Asker, session: ReplicaDbSession) -> Answer:
    """Answer a question asked in Chinese ("上周华东地区哪个品类销售额最高"): the query it
    mapped to, its description, the rows and a chart spec; suggestions when it could not be
    mapped (never an error). 400 ``insights.ask_empty`` / ``insights.ask_too_long``; 403
    ``insights.ask_metric_forbidden`` for a metric the staff member's role may not see."""
    return await service.ask(session, staff, body.question, utcnow())

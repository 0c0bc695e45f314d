"""Storefront routes of experiments: the unit's variants, and exposures.

The unit is the signed-in member (``m:<id>``, from the storefront access token, checked by
signature like ``members.public.CurrentMember``; experiments sits below members, so it reads
the token through ``ctx.tokens`` itself) or else the app's ``X-Device-Id`` (``d:<id>``).
A token that is present but bad is a 401, as everywhere on the storefront.

The feature flags' bootstrap lives in ``flags/api.py`` and is mounted here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import Unauthorized, problem_responses
from shoplet.core.security import TokenError
from shoplet.modules.experiments.flags.api import router as flags_router

from . import service
from .assignment import UnitContext
from .errors import UnitMissing
from .schemas import AssignBody, Assignments, ExposureBody, ExposureOut

router = APIRouter(tags=["experiments"])

_bearer = HTTPBearer(auto_error=False, scheme_name="MemberToken")
DeviceId = Annotated[
    str | None,
    Header(alias="X-Device-Id", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$"),
]


async def _unit(
    ctx: Ctx,
    device_id: DeviceId = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> tuple[str, bool]:
    if credentials is not None:
        try:
            claims = ctx.tokens.verify(credentials.credentials, audience="storefront")
            return service.member_unit(int(claims["sub"])), True
        except (TokenError, ValueError, KeyError) as exc:
            raise Unauthorized("The access token is invalid or expired") from exc
    if device_id is None:
        raise UnitMissing("sign in, or send the app's X-Device-Id")
    return f"d:{device_id}", False


Unit = Annotated[tuple[str, bool], Depends(_unit)]


@router.post("/experiments/assign", responses=problem_responses(400, 401))
async def assign(body: AssignBody, unit: Unit, ctx: Ctx, session: DbSession) -> Assignments:
    """The unit's variant of every running experiment it is in, by slot (``home_layout``,
    ``product_card_style``, ``checkout_button_text``, ``promotion_strategy``,
    ``search_ranking``). Writes
    nothing; the same unit gets the same answer while the experiments do not change."""
    context = UnitContext(
        unit=unit[0],
        is_member=unit[1],
        platform=body.platform,
        app_version=body.app_version,
        region=body.region,
    )
    return await service.variants_for(ctx, session, context)


@router.post("/experiments/exposures", responses=problem_responses(400, 401, 409))
async def log_exposure(body: ExposureBody, unit: Unit, ctx: Ctx, session: DbSession) -> ExposureOut:
    """The variant was rendered: logged once per (experiment, unit) (409
    ``experiments.not_enrolled`` when the unit is not in that arm)."""
    context = UnitContext(unit=unit[0], is_member=unit[1])
    return await service.log_exposure(ctx, session, context, body.experiment_id, body.variant)


router.include_router(flags_router)

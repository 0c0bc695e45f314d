"""Storefront route of feature flags: the caller's flags, evaluated in memory (no query, except
a signed-in member's segments when a rule targets one and the cached answer is stale)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shoplet.core.context import Ctx
from shoplet.core.db import read_session
from shoplet.core.errors import Unauthorized, problem_responses
from shoplet.core.security import TokenError
from shoplet.modules.experiments.sources import segment_membership

from .evaluate import FlagContext
from .runtime import store_of
from .schemas import Bootstrap, BootstrapFlag

router = APIRouter(tags=["flags"])

# The member token is read here as members reads it (experiments sits below members and may not
# import it): a bad token is a 401, so the client refreshes instead of becoming a guest.
_bearer = HTTPBearer(auto_error=False, scheme_name="MemberToken")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
DeviceId = Annotated[str | None, Header(alias="X-Device-Id", pattern=r"^[A-Za-z0-9_-]{8,64}$")]
PlatformHeader = Annotated[str | None, Header(alias="X-Platform", pattern=r"^[a-z0-9-]{1,32}$")]
AppVersion = Annotated[
    str | None, Header(alias="X-App-Version", pattern=r"^\d{1,6}(\.\d{1,6}){0,3}$")
]


def _member_id(ctx: Ctx, credentials: HTTPAuthorizationCredentials | None) -> int | None:
    if credentials is None:
        return None
    try:
        return int(ctx.tokens.verify(credentials.credentials, audience="storefront")["sub"])
    except (TokenError, ValueError, KeyError) as exc:
        raise Unauthorized("The access token is invalid or expired") from exc


@router.get("/flags/bootstrap", responses=problem_responses(401))
async def bootstrap(  # noqa: PLR0917 (one header each)
    ctx: Ctx,
    response: Response,
    credentials: Credentials,
    device_id: DeviceId = None,
    platform: PlatformHeader = None,
    app_version: AppVersion = None,
) -> Bootstrap:
    """Every flag's value for the caller (member from the session, else ``X-Device-Id``; rules
    by ``X-Platform`` and ``X-App-Version``), read once per session by the storefront."""
    member_id = _member_id(ctx, credentials)
    unit = str(member_id) if member_id is not None else device_id
    store = store_of(ctx)
    segments = None
    wanted = store.ruleset.segment_ids
    if member_id is not None and wanted:
        # Only when a rule targets a segment: analytics' answer, cached per member for the TTL.
        async with read_session(ctx.sessionmaker) as session:
            segments = await segment_membership(ctx).of(session, member_id, wanted)
    flags = store.evaluate_all(
        FlagContext(
            unit=unit,
            member_id=member_id,
            platform=platform,
            app_version=app_version,
            segments=segments,
        )
    )
    # Per caller: never stored by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return Bootstrap(
        version=store.ruleset.version,
        flags={k: BootstrapFlag(value=r.value, variant=r.variant) for k, r in flags.items()},
    )

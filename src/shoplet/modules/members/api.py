"""HTTP endpoints of the members module: ``/auth/*`` (tags auth) and ``/me*`` (tags me)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, keep_writes_on_error, utcnow
from shoplet.core.envelope import sealed
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import cached_json
from shoplet.core.net import client_ip
from shoplet.core.schemas import Page
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.members import avatar, passkeys, service, wechat_phone
from shoplet.modules.members.errors import (
    AvatarInvalid,
    AvatarTooLarge,
    CodeInvalid,
    PasskeyChallengeInvalid,
    PasskeyRejected,
    PasskeySignInRejected,
    PasskeyTaken,
    RefreshReused,
)
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.members.schemas import (
    Address,
    AddressCreate,
    AddressParseRequest,
    AddressUpdate,
    AuthTokens,
    Member,
    MemberMergeView,
    MemberUpdate,
    ParsedAddress,
    Passkey,
    PasskeyLogin,
    PasskeyOptions,
    PasskeyRegister,
    PhoneBind,
    PhoneBindWeChat,
    PhoneBound,
    RefreshRequest,
    RegionList,
    SmsCodeRequest,
    SmsCodeSent,
    SmsLogin,
    WeChatLogin,
)
from shoplet.modules.risk import public as risk

ChallengeId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,40}$")]

router = APIRouter()

AddressId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# The region list changes with a new release of the division data only: a day's caching.
REGIONS_MAX_AGE = 86400


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def _tokens(issued: service.IssuedTokens, ctx: Ctx, response: Response) -> AuthTokens:
    # Tokens must not be kept by caches or proxies (RFC 6749 §5.1).
    response.headers["Cache-Control"] = "no-store"
    return AuthTokens(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        member=Member.build(issued.member, ctx.pii),
    )


# ---- auth ----------------------------------------------------------------------------------


@router.post(
    "/auth/wechat-login",
    tags=["auth"],
    responses=problem_responses(400, 403, 429, 502),
)
async def wechat_login(
    *,
    body: WeChatLogin,
    request: Request,
    response: Response,
    session: DbSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
) -> AuthTokens:
    """Sign in with a mini-program wx.login() code; creates the member on first login."""
    issued = await service.wechat_login(
        session,
        ctx,
        integrations.wechat_login,
        code=body.code,
        user_agent=_user_agent(request),
    )
    return _tokens(issued, ctx, response)


@router.post(
    "/auth/sms-code",
    tags=["auth"],
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 409, 429, 502, 503),
    openapi_extra=sealed("phone"),
)
async def send_sms_code(
    body: SmsCodeRequest,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
) -> SmsCodeSent:
    """Text a 6-digit login code to a phone (rate-limited per phone and per client)."""
    expires_in = await service.send_login_code(
        session, ctx, integrations.sms, phone=body.phone, client_ip=client_ip(request)
    )
    return SmsCodeSent(expires_in=expires_in)


@router.post(
    "/risk/challenges/{challenge_id}/sms",
    tags=["risk"],
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 404, 409, 429, 502, 503),
)
async def send_risk_challenge_code(
    challenge_id: ChallengeId,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
) -> risk.ChallengeCodeSent:
    """Text a code for a risk challenge (the ``challenge_id`` of a 403
    ``risk.challenge_required``) to the member's bound phone (409 ``risk.challenge_no_phone``,
    404 ``risk.challenge_not_found``)."""
    expires_in, phone = await service.send_challenge_code(
        session, ctx, integrations.sms, member_id=member.id, challenge_id=challenge_id
    )
    return risk.ChallengeCodeSent(expires_in=expires_in, phone=phone)


@router.post(
    "/risk/challenges/{challenge_id}/verify",
    tags=["risk"],
    responses=problem_responses(400, 401, 404, 409),
)
async def verify_risk_challenge(
    challenge_id: ChallengeId,
    body: risk.ChallengeVerify,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
) -> risk.ChallengeGrant:
    """Answer a risk challenge with the texted code: a grant, valid for a few minutes, that lets
    the refused action through once when sent as ``X-Risk-Grant`` by the same member on the
    same device (400 ``risk.challenge_code_invalid``, counted; 409
    ``risk.challenge_attempts_exhausted`` after five)."""
    grant, action, expires_in = await risk.verify_code(
        session, ctx, token=challenge_id, member_id=member.id, code=body.code, now=utcnow()
    )
    return risk.ChallengeGrant(grant=grant, action=action, expires_in=expires_in)


@router.post(
    "/risk/challenges/{challenge_id}/passkey/options",
    tags=["risk"],
    responses=problem_responses(401, 404, 409),
)
async def risk_challenge_passkey_options(
    challenge_id: ChallengeId, member: CurrentMember, session: DbSession, ctx: Ctx
) -> risk.ChallengePasskeyOptions:
    """Options for navigator.credentials.get to answer a risk challenge with one of my passkeys
    (user verification required; valid 5 minutes; 409 ``risk.challenge_no_passkey`` without
    one, 404 ``risk.challenge_not_found``)."""
    options, expires_in = await risk.passkey_options(
        session, ctx, token=challenge_id, member_id=member.id, now=utcnow()
    )
    return risk.ChallengePasskeyOptions(public_key=options, expires_in=expires_in)


@router.post(
    "/risk/challenges/{challenge_id}/passkey/verify",
    tags=["risk"],
    responses=problem_responses(400, 401, 404, 409),
)
async def verify_risk_challenge_passkey(
    challenge_id: ChallengeId,
    body: risk.ChallengePasskeyVerify,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
) -> risk.ChallengeGrant:
    """Answer a risk challenge with a passkey assertion: the same single-use grant as the texted
    code (400 ``risk.challenge_passkey_invalid``, counted like a wrong code; 409
    ``risk.challenge_attempts_exhausted`` after five)."""
    grant, action, expires_in = await risk.verify_passkey(
        session,
        ctx,
        token=challenge_id,
        member_id=member.id,
        credential=body.credential,
        now=utcnow(),
    )
    return risk.ChallengeGrant(grant=grant, action=action, expires_in=expires_in)


@router.post(
    "/auth/sms-login",
    tags=["auth"],
    responses=problem_responses(400, 403, 409, 429),
    openapi_extra=sealed("phone"),
)
async def sms_login(  # noqa: PLR0917  (FastAPI dependencies)
    body: SmsLogin,
    request: Request,
    response: Response,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
) -> AuthTokens:
    """Sign in with a phone and the code texted to it; creates the member on first login
    (403 ``risk.challenge_required`` / ``risk.blocked`` when the risk engine asks: many
    failures on the number, many IPs, a denied network)."""
    # The phone is named by its blind index: the risk log never holds a phone number.
    subject = "phone:" + ctx.pii.blind_index(body.phone)[:40]
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="login",
            subject=subject,
            ip=client.ip,
            device_id=client.device_id,
            user_agent=client.user_agent,
        ),
    )
    try:
        issued = await service.sms_login(
            session,
            ctx,
            phone=body.phone,
            code=body.code,
            client_ip=client_ip(request),
            user_agent=_user_agent(request),
        )
    except CodeInvalid:
        # The wrong guess was counted against the code: keep that count although we fail.
        keep_writes_on_error(session)
        await risk.record_failure(ctx, "login", subject=subject, ip=client.ip)
        raise
    return _tokens(issued, ctx, response)


@router.post(
    "/auth/refresh",
    tags=["auth"],
    responses=problem_responses(401, 403),
)
async def refresh(
    body: RefreshRequest, request: Request, response: Response, session: DbSession, ctx: Ctx
) -> AuthTokens:
    """Exchange a refresh token for new tokens; the presented one can never be used again."""
    try:
        issued = await service.refresh(
            session, ctx, refresh_token=body.refresh_token, user_agent=_user_agent(request)
        )
    except RefreshReused:
        # A replayed token revoked its family: keep the revocation although we fail.
        keep_writes_on_error(session)
        raise
    return _tokens(issued, ctx, response)


@router.post("/auth/logout", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: DbSession) -> None:
    """Sign out: revoke this refresh token and every token rotated from the same login."""
    await service.logout(session, refresh_token=body.refresh_token)


# ---- profile -------------------------------------------------------------------------------


# Refusals that spent a passkey challenge: the spend is kept although the request fails.
_SPENDING_REFUSALS = (PasskeyChallengeInvalid, PasskeyRejected, PasskeySignInRejected, PasskeyTaken)


@router.post("/auth/passkey-options", tags=["auth"], responses=problem_responses(429))
async def passkey_login_options(session: DbSession, ctx: Ctx) -> PasskeyOptions:
    """Options for navigator.credentials.get on H5: any passkey of this shop (the passkey tells
    who it is); the challenge is valid 5 minutes, once."""
    return await passkeys.login_options(session, ctx)


@router.post("/auth/passkey-login", tags=["auth"], responses=problem_responses(400, 401, 429))
async def passkey_login(
    body: PasskeyLogin, request: Request, response: Response, session: DbSession, ctx: Ctx
) -> AuthTokens:
    """Sign in on H5 with a passkey registered from 设置 (user verification required)."""
    try:
        issued = await passkeys.login(
            session,
            ctx,
            challenge_id=body.challenge_id,
            credential=body.credential,
            client_ip=client_ip(request),
            user_agent=_user_agent(request),
        )
    except _SPENDING_REFUSALS:
        keep_writes_on_error(session)
        raise
    return _tokens(issued, ctx, response)


@router.get("/me/passkeys", tags=["me"], responses=problem_responses(401))
async def list_passkeys(member: CurrentMember, session: DbSession) -> list[Passkey]:
    """My passkeys (通行密钥), oldest first."""
    return [Passkey.model_validate(p) for p in await passkeys.list_passkeys(session, member.id)]


@router.post("/me/passkeys/options", tags=["me"], responses=problem_responses(401))
async def passkey_register_options(
    member: CurrentMember, session: DbSession, ctx: Ctx
) -> PasskeyOptions:
    """Options for navigator.credentials.create (a challenge valid 5 minutes, once)."""
    row = await service.get_member(session, member.id)
    return await passkeys.registration_options(session, ctx, row)


@router.post(
    "/me/passkeys",
    tags=["me"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 409),
)
async def register_passkey(
    body: PasskeyRegister, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Passkey:
    """Add a passkey (attestation none or packed) to sign in with on H5."""
    row = await service.get_member(session, member.id)
    try:
        passkey = await passkeys.register(
            session,
            ctx,
            row,
            challenge_id=body.challenge_id,
            name=body.name,
            credential=body.credential,
        )
    except _SPENDING_REFUSALS:
        keep_writes_on_error(session)
        raise
    return Passkey.model_validate(passkey)


@router.delete(
    "/me/passkeys/{passkey_id}",
    tags=["me"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
async def revoke_passkey(
    passkey_id: Annotated[int, Path(ge=1, le=2**63 - 1)], member: CurrentMember, session: DbSession
) -> None:
    """Remove one of my passkeys: it can no longer sign in."""
    await passkeys.revoke(session, member.id, passkey_id)


@router.get("/me", tags=["me"], responses=problem_responses(401))
async def get_me(
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    reveal: Annotated[Literal["phone"] | None, Query(description="Show the phone unmasked")] = None,
) -> Member:
    """The signed-in member's profile (phone masked unless ``reveal=phone``)."""
    row = await service.get_member(session, member.id)
    return Member.build(row, ctx.pii, reveal_phone=reveal == "phone")


@router.post("/me/phone", tags=["me"], responses=problem_responses(400, 401, 404, 409))
async def bind_phone(
    body: PhoneBind, member: CurrentMember, session: DbSession, ctx: Ctx
) -> PhoneBound:
    """Bind a phone proven by its SMS code (``/auth/sms-code`` first). When another account of
    the shopper holds it (H5 or a store counter), that account is merged into this one: every
    member-owned row moves, once (409 ``members.already_merged`` for a second try); 409
    ``members.phone_already_bound`` when this account has another phone, 409
    ``members.identity_conflict`` when the two belong to different WeChat identities, 409
    ``social.merge_same_group`` / ``social.merge_two_promoters`` for conflicts a merge cannot
    settle (nothing changes)."""
    try:
        phone, merge = await service.bind_phone(
            session, ctx, member_id=member.id, phone=body.phone, code=body.code
        )
    except CodeInvalid:
        keep_writes_on_error(session)
        raise
    return PhoneBound(
        phone=phone, merge=MemberMergeView.model_validate(merge) if merge is not None else None
    )


@router.post(
    "/me/phone/wechat", tags=["me"], responses=problem_responses(400, 401, 404, 409, 429, 502)
)
async def bind_phone_wechat(
    body: PhoneBindWeChat,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    integrations: IntegrationsDep,
) -> PhoneBound:
    """Bind the phone WeChat proves (the mini program's ``getPhoneNumber`` code), through the
    same path as ``POST /me/phone``: another account holding it is merged in; the same 409s.
    400 ``members.wechat_phone_code_invalid`` for an invalid, used or expired code, 400
    ``members.wechat_phone_unsupported`` for a number outside mainland China, 502
    ``auth.wechat_unavailable`` when WeChat fails; nothing changes on any refusal."""
    phone, merge = await wechat_phone.bind_wechat_phone(
        session, ctx, integrations.wechat_phone, member_id=member.id, code=body.code
    )
    return PhoneBound(
        phone=phone, merge=MemberMergeView.model_validate(merge) if merge is not None else None
    )


@router.patch("/me", tags=["me"], responses=problem_responses(401))
async def update_me(
    body: MemberUpdate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Member:
    """Change nickname, avatar, gender or birthday; omitted fields stay as they are."""
    row = await service.update_member(session, member.id, body.model_dump(exclude_unset=True))
    return Member.build(row, ctx.pii)


@router.post(
    "/me/avatar",
    tags=["me"],
    responses=problem_responses(400, 401, 413),
    openapi_extra=upload_body("the avatar: PNG, JPEG or WebP, at most 5 MB (cropped square)"),
    max_body_size=avatar.MAX_BYTES + MULTIPART_OVERHEAD,
)
async def upload_avatar(
    request: Request, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Member:
    """Upload a new avatar (the multipart field ``file``): stored as a 256 px square PNG.
    400 ``members.avatar_invalid``, 413 ``members.avatar_too_large``."""
    upload = await read_upload(
        request,
        avatar.MAX_BYTES,
        too_large=AvatarTooLarge,
        invalid=AvatarInvalid,
        noun="picture",
    )
    row = await service.set_avatar(session, get_storage(ctx, "media"), member.id, upload.data)
    return Member.build(row, ctx.pii)


# ---- addresses -----------------------------------------------------------------------------

# What a shopper may send sealed in an SM2 envelope (core/envelope.py, docs/security.md).
ADDRESS_SEALED = ("recipient", "phone", "detail")


@router.get("/me/addresses", tags=["me"], responses=problem_responses(401))
async def list_addresses(member: CurrentMember, session: DbSession, ctx: Ctx) -> Page[Address]:
    """The member's address book in clear (it is their own): default first, then newest first
    (at most 20: one page)."""
    rows = await service.list_addresses(session, member.id)
    return Page[Address](items=[Address.build(row, ctx.pii, reveal=True) for row in rows])


@router.post(
    "/me/addresses",
    tags=["me"],
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 409),
    openapi_extra=sealed(*ADDRESS_SEALED),
)
async def create_address(
    body: AddressCreate, member: CurrentMember, session: DbSession, ctx: Ctx
) -> Address:
    """Add an address; the first one, or one marked ``is_default``, becomes the default.

    ``region_code`` must be a district of ``GET /regions`` and the names its province's,
    city's and district's (400 ``addresses.region_unknown`` / ``addresses.region_mismatch``)."""
    row = await service.create_address(session, ctx.pii, member.id, body.model_dump())
    return Address.build(row, ctx.pii, reveal=True)


@router.get("/me/addresses/{address_id}", tags=["me"], responses=problem_responses(401, 404))
async def get_address(
    address_id: AddressId,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
) -> Address:
    """One of the member's addresses, in clear (for the edit form)."""
    row = await service.get_address(session, member.id, address_id)
    return Address.build(row, ctx.pii, reveal=True)


@router.patch(
    "/me/addresses/{address_id}",
    tags=["me"],
    responses=problem_responses(400, 401, 404, 409),
    openapi_extra=sealed(*ADDRESS_SEALED),
)
async def update_address(
    address_id: AddressId,
    body: AddressUpdate,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
) -> Address:
    """Change an address; ``is_default: true`` moves the default flag here. A changed region
    is checked as on creation (the names and code after the change must agree)."""
    row = await service.update_address(
        session, ctx.pii, member.id, address_id, body.model_dump(exclude_unset=True)
    )
    return Address.build(row, ctx.pii, reveal=True)


@router.delete(
    "/me/addresses/{address_id}",
    tags=["me"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404),
)
async def delete_address(address_id: AddressId, member: CurrentMember, session: DbSession) -> None:
    """Delete an address (orders keep their own copy of it)."""
    await service.delete_address(session, member.id, address_id)


# ---- regions and smart paste ---------------------------------------------------------------


@router.get(
    "/regions",
    tags=["regions"],
    response_model=RegionList,
    responses=problem_responses(404),
)
async def list_regions(
    request: Request,
    parent_code: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$",
            description="A province's or city's code; omitted: the provinces",
        ),
    ] = None,
) -> Response:
    """One level of the mainland region tree (province → city → district), for address forms.

    Public and cacheable: a strong ETag, ``304`` on ``If-None-Match``, a day's
    ``Cache-Control``. A district answers with no items; an unknown code is a 404
    ``regions.not_found``."""
    body = service.region_children_json(parent_code)
    return cached_json(request, body, max_age=REGIONS_MAX_AGE, swr=REGIONS_MAX_AGE)


@router.post(
    "/addresses/parse",
    tags=["me"],
    responses=problem_responses(400, 401, 409),
    openapi_extra=sealed("text"),
)
async def parse_address(body: AddressParseRequest, member: CurrentMember) -> ParsedAddress:
    """Smart paste: find recipient, phone, region and detail in pasted text (null when not
    found) for the address form, where the shopper checks them before saving."""
    found = service.parse_address(body.text)
    return ParsedAddress(
        recipient=found.recipient,
        phone=found.phone,
        province=found.province,
        city=found.city,
        district=found.district,
        region_code=found.region_code,
        detail=found.detail,
    )

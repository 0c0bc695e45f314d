"""Open platform: apps and their secrets, request authentication (HMAC signature or OAuth2
bearer token), idempotent writes, the access log. No HTTP objects here: the routers pass plain
values (:class:`CallInfo`)."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.ratelimit import RateLimiter
from shoplet.core.security import PiiCipher
from shoplet.modules.openapi import repository as repo
from shoplet.modules.openapi import signing, webhooks
from shoplet.modules.openapi.errors import (
    AppDisabled,
    AppNotFound,
    AppRateLimited,
    AppUnknown,
    CredentialsMissing,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    IpAllowlistInvalid,
    IpForbidden,
    NonceInvalid,
    NonceReplayed,
    ScopeMissing,
    SignatureInvalid,
    TimestampStale,
    TokenInvalid,
)
from shoplet.modules.openapi.models import App, IdempotentRequest, Secret, Token
from shoplet.modules.openapi.schemas import (
    SCOPES,
    AccessLogEntry,
    AppCreate,
    AppCredentials,
    AppOut,
    AppUpdate,
    SecretInfo,
    TokenResponse,
)

log = structlog.get_logger("shoplet.openapi")

TOKEN_TTL_SECONDS = 7200
# A nonce is remembered a little longer than a timestamp can be off either way.
NONCE_TTL_SECONDS = 2 * signing.WINDOW_SECONDS + 60
ACCESS_LOG_RETENTION = timedelta(days=30)
IDEMPOTENCY_RETENTION = timedelta(hours=24)
ACCESS_LOG_BATCH = 500


# -- apps ------------------------------------------------------------------------------------


def normalise_allowlist(entries: Sequence[str]) -> list[str]:
    """CIDRs (or single addresses) in canonical form, duplicates dropped, order kept."""
    out: list[str] = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise IpAllowlistInvalid(f"not an address or CIDR: {entry!r}", entry=entry) from None
        text = str(network)
        if text not in out:
            out.append(text)
    return out


def ip_allowed(ip: str, allowlist: Sequence[str]) -> bool:
    """An empty list allows every address."""
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in allowlist)


def _ordered_scopes(scopes: Sequence[str]) -> list[str]:
    return [s for s in SCOPES if s in set(scopes)]


def _app_out(app: App, secret_rows: Sequence[Secret]) -> AppOut:
    out = AppOut.model_validate(app)
    out.secrets = [SecretInfo.model_validate(s) for s in secret_rows if s.app_id == app.id]
    return out


async def _new_secret(
    session: AsyncSession, pii: PiiCipher, app_id: int, now: datetime
) -> tuple[str, Secret]:
    plain = secrets.token_urlsafe(32)
    row = await repo.add_secret(
        session,
        Secret(
            app_id=app_id,
            secret_encrypted=pii.encrypt(plain),
            hint=plain[-4:],
            created_at=now,
            expires_at=None,
        ),
    )
    return plain, row


async def create_app(
    session: AsyncSession, pii: PiiCipher, data: AppCreate, *, actor: str
) -> AppCredentials:
    now = utcnow()
    app = await repo.add_app(
        session,
        App(
            name=data.name,
            app_key="ak_" + secrets.token_hex(12),
            scopes=_ordered_scopes(data.scopes),
            rate_limit_per_minute=data.rate_limit_per_minute,
            ip_allowlist=normalise_allowlist(data.ip_allowlist),
            is_active=True,
            created_by=actor,
            created_at=now,
            updated_at=now,
        ),
    )
    plain, row = await _new_secret(session, pii, app.id, now)
    return AppCredentials(app=_app_out(app, [row]), app_key=app.app_key, app_secret=plain)


async def _require_app(session: AsyncSession, app_id: int) -> App:
    app = await repo.get_app(session, app_id)
    if app is None:
        raise AppNotFound(f"app {app_id} does not exist", app_id=app_id)
    return app


async def list_apps(session: AsyncSession) -> list[AppOut]:
    apps = await repo.list_apps(session)
    rows = await repo.secrets_of(session, [a.id for a in apps])
    return [_app_out(a, rows) for a in apps]


async def get_app(session: AsyncSession, app_id: int) -> AppOut:
    app = await _require_app(session, app_id)
    return _app_out(app, await repo.secrets_of(session, [app_id]))


async def update_app(session: AsyncSession, app_id: int, data: AppUpdate) -> AppOut:
    await _require_app(session, app_id)
    values: dict[str, Any] = {}
    if data.name is not None:
        values["name"] = data.name
    if data.scopes is not None:
        values["scopes"] = _ordered_scopes(data.scopes)
    if data.rate_limit_per_minute is not None:
        values["rate_limit_per_minute"] = data.rate_limit_per_minute
    if data.ip_allowlist is not None:
        values["ip_allowlist"] = normalise_allowlist(data.ip_allowlist)
    if data.is_active is not None:
        values["is_active"] = data.is_active
    if data.revenue_share_bp is not None:
        values["revenue_share_bp"] = data.revenue_share_bp
    if values:
        values["updated_at"] = utcnow()
        await repo.update_app(session, app_id, values)
    session.expire_all()
    return await get_app(session, app_id)


async def rotate_secret(
    session: AsyncSession, pii: PiiCipher, app_id: int, *, old_secret_expires_at: datetime
) -> AppCredentials:
    """Issue a new secret; every current one keeps working until ``old_secret_expires_at``."""
    now = utcnow()
    at = signing.check_overlap_end(old_secret_expires_at, now)
    app = await _require_app(session, app_id)
    await repo.expire_open_secrets(session, app_id, at=at, now=now)
    plain, _ = await _new_secret(session, pii, app_id, now)
    await repo.update_app(session, app_id, {"updated_at": now})
    session.expire_all()
    app = await _require_app(session, app_id)
    return AppCredentials(
        app=_app_out(app, await repo.secrets_of(session, [app_id])),
        app_key=app.app_key,
        app_secret=plain,
    )


# -- authentication --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principal:
    """The app a partner call is made for, with the scopes it holds for this call."""

    app_id: int
    app_key: str
    scopes: frozenset[str]
    rate_limit_per_minute: int


@dataclass(frozen=True, slots=True)
class CallInfo:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    ip: str


class NonceStore:
    """Seen nonces: Redis ``SET NX EX`` shared by every replica, or this process's memory when
    embedded (one process serves everything there)."""

    def __init__(self, redis: Redis | None, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}openapi:nonce:"
        self._seen: dict[str, float] = {}
        self._next_purge = 0.0

    async def claim(self, app_id: int, nonce: str) -> bool:
        key = f"{app_id}:{nonce}"
        if self._redis is not None:
            return bool(
                await self._redis.set(self._prefix + key, b"1", nx=True, ex=NONCE_TTL_SECONDS)
            )
        now = time.monotonic()
        if now >= self._next_purge:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
            self._next_purge = now + 60
        expiry = self._seen.get(key)
        if expiry is not None and expiry > now:
            return False
        self._seen[key] = now + NONCE_TTL_SECONDS
        return True


def _check_app(app: App, ip: str) -> None:
    if not app.is_active:
        raise AppDisabled(f"app {app.app_key} is disabled")
    if not ip_allowed(ip, app.ip_allowlist):
        raise IpForbidden(f"{ip} is not in the app's allow-list", ip=ip)


async def authenticate(
    session: AsyncSession,
    pii: PiiCipher,
    nonces: NonceStore,
    limiter: RateLimiter,
    call: CallInfo,
    *,
    scope: str,
    known: Callable[[int], None] | None = None,
) -> Principal:
    """Who is calling, checked in this order: credentials present, app known, active, client
    address allowed, then the signature (timestamp window, HMAC, unused nonce) or the bearer
    token, the scope, and last the app's rate limit, so a refused call costs no quota. Nothing
    is written to the database (the nonce lives in Redis or memory)."""
    headers = call.headers
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        principal = await _bearer(session, authorization[7:].strip(), call.ip, known)
    elif headers.get("x-shoplet-app-key"):
        principal = await _signed(session, pii, nonces, call, known)
    else:
        raise CredentialsMissing(
            "sign the request (X-Shoplet-App-Key, -Timestamp, -Nonce, -Signature) "
            "or send Authorization: Bearer <token>"
        )
    if scope not in principal.scopes:
        raise ScopeMissing(f"this call needs the scope {scope}", scope=scope)
    per_minute = principal.rate_limit_per_minute
    if not await limiter.acquire(f"{per_minute}/minute", "openapi", str(principal.app_id)):
        raise AppRateLimited(f"the app's limit of {per_minute} requests per minute is reached")
    return principal


async def _signed(
    session: AsyncSession,
    pii: PiiCipher,
    nonces: NonceStore,
    call: CallInfo,
    known: Callable[[int], None] | None,
) -> Principal:
    headers = call.headers
    app_key = headers.get("x-shoplet-app-key", "")
    timestamp = headers.get("x-shoplet-timestamp", "")
    nonce = headers.get("x-shoplet-nonce", "")
    signature = headers.get("x-shoplet-signature", "").lower()
    if not timestamp or not nonce or not signature:
        raise CredentialsMissing(
            "X-Shoplet-Timestamp, X-Shoplet-Nonce and X-Shoplet-Signature are required"
        )
    app = await repo.app_by_key(session, app_key[:40])
    if app is None:
        raise AppUnknown("no app has this key")
    if known is not None:
        known(app.id)
    _check_app(app, call.ip)
    if not signing.is_fresh(timestamp, time.time()):
        raise TimestampStale(
            "X-Shoplet-Timestamp must be unix seconds within 300 s of the server's clock",
            server_time=int(time.time()),
        )
    if not signing.NONCE_PATTERN.match(nonce):
        raise NonceInvalid()
    canonical = signing.string_to_sign(
        call.method, call.path, query=call.query, timestamp=timestamp, nonce=nonce, body=call.body
    )
    valid = signing.SIGNATURE_PATTERN.match(signature) is not None and any(
        signing.matches(pii.decrypt(s.secret_encrypted), canonical, signature)
        for s in await repo.valid_secrets(session, app.id, utcnow())
    )
    if not valid:
        raise SignatureInvalid("the signature does not match the request")
    # Claimed only for a genuine request: a forged one cannot burn a partner's nonce.
    if not await nonces.claim(app.id, nonce):
        raise NonceReplayed("this nonce was already used")
    return Principal(app.id, app.app_key, frozenset(app.scopes), app.rate_limit_per_minute)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _bearer(
    session: AsyncSession, token: str, ip: str, known: Callable[[int], None] | None
) -> Principal:
    row = await repo.token_by_hash(session, token_digest(token)) if token else None
    if row is None or row.expires_at <= utcnow():
        raise TokenInvalid("the bearer token is unknown or expired")
    app = await repo.get_app(session, row.app_id)
    if app is None:
        raise TokenInvalid("the bearer token is unknown or expired")
    if known is not None:
        known(app.id)
    _check_app(app, ip)
    # Scopes taken from the app since the token was issued are gone at once.
    scopes = frozenset(row.scopes) & frozenset(app.scopes)
    return Principal(app.id, app.app_key, scopes, app.rate_limit_per_minute)


# -- OAuth2 client credentials ----------------------------------------------------------------


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error: answered as ``{"error": code}``, not problem+json."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


async def issue_token(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    grant_type: str | None,
    client_id: str | None,
    client_secret: str | None,
    scope: str | None,
    ip: str,
) -> TokenResponse:
    if grant_type != "client_credentials":
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        raise OAuthError("unsupported_grant_type", "only client_credentials is supported")
    if not client_id or not client_secret:
        raise OAuthError("invalid_client", "client authentication is required", 401)
    app = await repo.app_by_key(session, client_id[:40])
    if app is None or not any(
        secrets.compare_digest(pii.decrypt(s.secret_encrypted).encode(), client_secret.encode())
        for s in await repo.valid_secrets(session, app.id, utcnow())
    ):
        raise OAuthError("invalid_client", "client authentication failed", 401)
    if not app.is_active or not ip_allowed(ip, app.ip_allowlist):
        raise OAuthError("invalid_client", "the app is disabled or the address not allowed", 401)
    granted = set(app.scopes)
    if scope is not None and scope.strip():
        wanted = set(scope.split())
        if not wanted <= granted:
            raise OAuthError("invalid_scope", "the app does not hold every scope requested")
        granted = wanted
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ordered = _ordered_scopes(sorted(granted))
    await repo.add_token(
        session,
        Token(
            app_id=app.id,
            token_hash=token_digest(token),
            scopes=ordered,
            created_at=now,
            expires_at=now + timedelta(seconds=TOKEN_TTL_SECONDS),
        ),
    )
    return TokenResponse(access_token=token, expires_in=TOKEN_TTL_SECONDS, scope=" ".join(ordered))


# -- idempotent writes -----------------------------------------------------------------------


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.encode(), path.encode(), body))).hexdigest()


def check_idempotency_key(key: str | None) -> str:
    if key is None or not 1 <= len(key) <= 100 or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyRequired()
    return key


async def replay_or_claim(
    session: AsyncSession, *, app_id: int, key: str, fingerprint: str
) -> IdempotentRequest | None:
    """None: this request holds the key now and runs. Otherwise the first request's stored
    answer (its transaction committed: a concurrent first request is waited for by the
    unique index)."""
    if await repo.claim_idempotency_key(
        session, app_id=app_id, key=key, fingerprint=fingerprint, now=utcnow()
    ):
        return None
    row = await repo.get_idempotent(session, app_id, key)
    if row is None or row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with another request", idempotency_key=key
        )
    return row


async def remember_answer(
    session: AsyncSession, *, app_id: int, key: str, status_code: int, response: dict[str, Any]
) -> None:
    await repo.store_idempotent_answer(
        session, app_id=app_id, key=key, status_code=status_code, response=response
    )


# -- access log ------------------------------------------------------------------------------


@dataclass
class AccessLogBuffer:
    """Rows kept in memory and inserted in batches (every second, or at ``ACCESS_LOG_BATCH``
    rows), so a partner call does not wait for its own log row. A crash loses at most the
    rows of the last second."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer a row; True when a batch is full and should be flushed now."""
        self.rows.append(row)
        return len(self.rows) >= ACCESS_LOG_BATCH

    async def flush(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        async with self.lock:
            rows, self.rows = self.rows, []
            if not rows:
                return 0
            try:
                async with unit_of_work(sessionmaker) as session:
                    for start in range(0, len(rows), ACCESS_LOG_BATCH):
                        await repo.insert_access_log(
                            session, rows[start : start + ACCESS_LOG_BATCH]
                        )
            except Exception:
                log.exception("openapi_access_log_flush_failed", rows=len(rows))
                return 0
            return len(rows)


async def search_access_log(
    session: AsyncSession,
    *,
    app_id: int | None,
    status: int | None,
    path_prefix: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AccessLogEntry], str | None]:
    rows = await repo.search_access_log(
        session,
        app_id=app_id,
        status=status,
        path_prefix=path_prefix,
        since=since,
        until=until,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_id_cursor(rows[-1].id) if more and rows else None
    return [AccessLogEntry.model_validate(r) for r in rows], next_cursor


async def purge_old_records(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime | None = None
) -> dict[str, int]:
    """The retention job: access-log rows after 30 days, idempotency answers after 24 hours,
    expired tokens after a day, finished webhook deliveries after 30 days."""
    now = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        return {
            "access_log": await repo.delete_access_log_before(session, now - ACCESS_LOG_RETENTION),
            "idempotency": await repo.delete_idempotency_before(
                session, now - IDEMPOTENCY_RETENTION
            ),
            "tokens": await repo.delete_tokens_expired_before(session, now - timedelta(days=1)),
            "webhook_deliveries": await webhooks.purge_deliveries(session, now),
        }

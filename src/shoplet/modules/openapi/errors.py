"""Open-platform errors: a stable ``openapi.*`` code each (docs/open-platform.md lists them)."""

from __future__ import annotations

from typing import Any

from shoplet.core.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited, ShopletError


class _Unauthenticated(ShopletError):
    status = 401

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["WWW-Authenticate"] = 'Shoplet-HMAC-SHA256, Bearer realm="open"'


class CredentialsMissing(_Unauthenticated):
    code = "openapi.credentials_missing"
    title = "Signature headers or a bearer token are required"


class AppUnknown(_Unauthenticated):
    code = "openapi.app_unknown"
    title = "Unknown app key"


class SignatureInvalid(_Unauthenticated):
    code = "openapi.signature_invalid"
    title = "Signature does not match"


class TimestampStale(_Unauthenticated):
    code = "openapi.timestamp_stale"
    title = "Timestamp outside the 5-minute window"


class NonceInvalid(_Unauthenticated):
    code = "openapi.nonce_invalid"
    title = "Nonce must be 8-64 characters of A-Z a-z 0-9 - _"


class NonceReplayed(_Unauthenticated):
    code = "openapi.nonce_replayed"
    title = "Nonce already used"


class TokenInvalid(_Unauthenticated):
    code = "openapi.token_invalid"
    title = "Bearer token unknown or expired"


class AppDisabled(Forbidden):
    code = "openapi.app_disabled"
    title = "App is disabled"


class IpForbidden(Forbidden):
    code = "openapi.ip_forbidden"
    title = "Client address not in the app's allow-list"


class ScopeMissing(Forbidden):
    code = "openapi.scope_missing"
    title = "The app lacks the scope this call needs"


class AppRateLimited(RateLimited):
    code = "openapi.rate_limited"
    title = "App rate limit reached"


class IdempotencyKeyRequired(BadRequest):
    code = "openapi.idempotency_key_required"
    title = "Writes need an Idempotency-Key header (1-100 visible ASCII characters)"


class IdempotencyKeyReused(Conflict):
    status = 422
    code = "openapi.idempotency_key_reused"
    title = "Idempotency-Key already used with another request"


class AppNotFound(NotFound):
    code = "openapi.app_not_found"
    title = "App not found"


class MemberNotFound(NotFound):
    code = "openapi.member_not_found"
    title = "Member not found"


class IpAllowlistInvalid(BadRequest):
    code = "openapi.ip_allowlist_invalid"
    title = "IP allow-list entry is not an IPv4/IPv6 address or CIDR"


class RotationInvalid(BadRequest):
    code = "openapi.rotation_invalid"
    title = "The old secret's expiry must be in the future and within 30 days"


class WebhookNotFound(NotFound):
    code = "openapi.webhook_not_found"
    title = "Webhook subscription not found"


class WebhookDeliveryNotFound(NotFound):
    code = "openapi.webhook_delivery_not_found"
    title = "Webhook delivery not found"


class WebhookUrlInvalid(BadRequest):
    code = "openapi.webhook_url_invalid"
    title = "Webhook URL must be an absolute http(s) URL without user info or fragment"


class WebhookEventUnknown(BadRequest):
    code = "openapi.webhook_event_unknown"
    title = "Unknown webhook event type"


class WebhookScopeMissing(BadRequest):
    code = "openapi.webhook_scope_missing"
    title = "The app lacks the scope an event type needs"


class WebhookReplayInvalid(BadRequest):
    code = "openapi.webhook_replay_invalid"
    title = "Replay range must end after it starts and span at most 31 days"


class WebhookDeliveryQueued(Conflict):
    code = "openapi.webhook_delivery_queued"
    title = "This delivery is already queued or being sent"


class WebhookUrlForbidden(BadRequest):
    code = "openapi.webhook_url_forbidden"
    title = (
        "The URL's host resolves to a loopback, private, link-local, multicast or reserved address"
    )


class WebhookUrlUnresolvable(BadRequest):
    code = "openapi.webhook_url_unresolvable"
    title = "The URL's host does not resolve"


class CobrandItemNotFound(NotFound):
    code = "openapi.cobrand_item_not_found"
    title = "Co-branded item not found (or not this app's)"


class ReportRangeInvalid(BadRequest):
    code = "openapi.report_range_invalid"
    title = "Report range must end after it starts and span at most 366 days"

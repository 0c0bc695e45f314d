"""Buy tokens: short-lived, per shopper and campaign, checked with one HMAC on the hot path.

Format ``<campaign>.<member>.<expires epoch s>.<nonce>.<signature>``; the signature is
HMAC-SHA256 (truncated to 128 bits) under a key derived from the app secret, so every edge
replica verifies tokens any replica issued, without the database or Redis.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

_CONTEXT = b"shoplet-flashsale-buy-token-v1"
_SIG_BYTES = 16


class BuyTokens:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, *, campaign_id: int, member_id: int, expires_at: float) -> str:
        body = f"{campaign_id}.{member_id}.{int(expires_at)}.{secrets.token_hex(4)}"
        return f"{body}.{self._sign(body)}"

    def verify(
        self, token: str, *, campaign_id: int, member_id: int, now: float | None = None
    ) -> bool:
        """True only for an untampered token of this campaign and shopper that has not
        expired."""
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 4 or not hmac.compare_digest(signature, self._sign(body)):
            return False
        campaign, member, expires, _nonce = parts
        try:
            expires_at = int(expires)
        except ValueError:
            return False
        current = time.time() if now is None else now
        return campaign == str(campaign_id) and member == str(member_id) and current < expires_at

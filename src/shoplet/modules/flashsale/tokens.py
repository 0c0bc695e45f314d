"""Buy tokens: short-lived, per shopper and campaign, checked with one HMAC per process.

Format ``<campaign>.<member>.<expires epoch s>.<nonce>.<signature>``; the signature is
HMAC-SHA256 (truncated to 128 bits) under a key derived from the app secret, so every edge
replica verifies tokens any replica issued, without the database or Redis.

A shopper retries the same token every second or so during a sale: a token whose signature
verified is kept in a bounded LRU (the whole token string → its campaign, shopper and expiry),
so a retry is a dict look-up. The cache never widens what passes: only tokens that verified are
kept, the key is the exact string (a token differing in any character, the signature included,
is verified afresh), and the campaign, the shopper and the expiry are checked on every use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from typing import Final

_CONTEXT = b"shoplet-flashsale-buy-token-v1"
_SIG_BYTES = 16
CACHE_SIZE: Final = 100_000


class BuyTokens:
    def __init__(self, secret: str, *, cache_size: int = CACHE_SIZE) -> None:
        self._key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
        self._size = cache_size
        # token -> (campaign id, member id, expires at epoch s); least recently used first.
        self._verified: OrderedDict[str, tuple[int, int, int]] = OrderedDict()

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, *, campaign_id: int, member_id: int, expires_at: float) -> str:
        body = f"{campaign_id}.{member_id}.{int(expires_at)}.{secrets.token_hex(4)}"
        return f"{body}.{self._sign(body)}"

    def _claims(self, token: str) -> tuple[int, int, int] | None:
        """Campaign, member and expiry of a token whose signature holds (cached), else None."""
        known = self._verified.get(token)
        if known is not None:
            self._verified.move_to_end(token)
            return known
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 4 or not hmac.compare_digest(signature, self._sign(body)):
            return None
        campaign, member, expires, _nonce = parts
        if not (campaign.isdigit() and member.isdigit() and expires.isdigit()):
            return None
        claims = int(campaign), int(member), int(expires)
        if len(self._verified) >= self._size:
            self._verified.popitem(last=False)
        self._verified[token] = claims
        return claims

    def verify(
        self, token: str, *, campaign_id: int, member_id: int, now: float | None = None
    ) -> bool:
        """True only for an untampered token of this campaign and shopper that has not
        expired."""
        claims = self._claims(token)
        if claims is None:
            return False
        current = time.time() if now is None else now
        if current >= claims[2]:
            self._verified.pop(token, None)
            return False
        return claims[0] == campaign_id and claims[1] == member_id

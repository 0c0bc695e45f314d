"""Anti-bot: the challenge that a high risk score needs (the score is the risk module's; the
signals come from the store, counts per campaign, and from members, account age).

The built-in challenge is an arithmetic question: a stand-in for a real captcha service
(Tencent 天御 / 腾讯云验证码), which replaces :class:`ArithmeticChallenge` behind the same two
calls.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    id: str
    question: str
    # What the store keeps: the shopper it was issued to and a keyed digest of the answer.
    stored: str


class ArithmeticChallenge:
    """ "23 + 58 = ?": bound to one shopper, single use, the answer stored only as an HMAC."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"shoplet-flashsale-challenge", "sha256").digest()

    def _digest(self, challenge_id: str, answer: str) -> str:
        message = f"{challenge_id}:{answer.strip()}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, member_id: int) -> IssuedChallenge:
        challenge_id = secrets.token_hex(16)
        a, b = 10 + secrets.randbelow(40), 10 + secrets.randbelow(40)
        return IssuedChallenge(
            id=challenge_id,
            question=f"{a} + {b} = ?",
            stored=f"{member_id}:{self._digest(challenge_id, str(a + b))}",
        )

    def check(self, stored: str | None, *, challenge_id: str, member_id: int, answer: str) -> bool:
        if stored is None:
            return False
        owner, _, digest = stored.partition(":")
        return owner == str(member_id) and hmac.compare_digest(
            digest, self._digest(challenge_id, answer)
        )

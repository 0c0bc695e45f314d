"""Pure parts: buy tokens (one HMAC), the arithmetic challenge."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import jwt
import orjson
import pytest

from shoplet.core.context import AppContext
from shoplet.core.errors import Unauthorized
from shoplet.core.security import TokenError, TokenSigner
from shoplet.modules.flashsale.risk import ArithmeticChallenge
from shoplet.modules.flashsale.runtime import MemberTokens
from shoplet.modules.flashsale.schemas import TicketRecord
from shoplet.modules.flashsale.tokens import BuyTokens
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)


def test_buy_token_round_trip_and_every_way_to_break_it() -> None:
    tokens = BuyTokens("secret-one")
    expires = NOW.timestamp() + 600
    token = tokens.issue(campaign_id=7, member_id=42, expires_at=expires)
    assert tokens.verify(token, campaign_id=7, member_id=42, now=NOW.timestamp())
    # Another campaign, another shopper, expired, another secret.
    assert not tokens.verify(token, campaign_id=8, member_id=42, now=NOW.timestamp())
    assert not tokens.verify(token, campaign_id=7, member_id=43, now=NOW.timestamp())
    assert not tokens.verify(token, campaign_id=7, member_id=42, now=expires)
    assert not BuyTokens("secret-two").verify(
        token, campaign_id=7, member_id=42, now=NOW.timestamp()
    )
    # Tampered bodies and garbage.
    body, _, signature = token.rpartition(".")
    forged = body.replace("42", "43", 1) + "." + signature
    assert not tokens.verify(forged, campaign_id=7, member_id=43, now=NOW.timestamp())
    later = token.replace(str(int(expires)), str(int(expires) + 9999), 1)
    assert not tokens.verify(later, campaign_id=7, member_id=42, now=NOW.timestamp())
    for junk in ("", ".", "a.b.c.d.e", "7.42.x.nonce.sig", token + "x"):
        assert not tokens.verify(junk, campaign_id=7, member_id=42, now=NOW.timestamp())
    # Two tokens for the same shopper differ (nonce).
    assert token != tokens.issue(campaign_id=7, member_id=42, expires_at=expires)


def test_arithmetic_challenge_is_bound_to_the_shopper_and_the_answer() -> None:
    challenges = ArithmeticChallenge("secret")
    issued = challenges.issue(member_id=5)
    a, _, rest = issued.question.partition(" + ")
    answer = str(int(a) + int(rest.removesuffix(" = ?")))
    check = challenges.check
    assert check(issued.stored, challenge_id=issued.id, member_id=5, answer=answer)
    assert check(issued.stored, challenge_id=issued.id, member_id=5, answer=f" {answer} ")
    assert not check(issued.stored, challenge_id=issued.id, member_id=6, answer=answer)
    assert not check(issued.stored, challenge_id=issued.id, member_id=5, answer=answer + "1")
    assert not check(None, challenge_id=issued.id, member_id=5, answer=answer)
    other = challenges.issue(member_id=5)
    assert not check(other.stored, challenge_id=issued.id, member_id=5, answer=answer)
    # Only the shopper and a keyed digest of the answer are stored.
    owner, _, digest = issued.stored.partition(":")
    assert (owner, len(digest)) == ("5", 64)
    assert int(digest, 16) >= 0


def test_ticket_record_round_trip() -> None:
    record = TicketRecord("created", 42, 7, 2, order_no="202611110001", reason=None)
    assert TicketRecord.decode(record.encode()) == record
    assert TicketRecord.decode(b"queued|42|7|1||") == TicketRecord("queued", 42, 7, 1)
    failed = TicketRecord("failed", 1, 2, 1, reason="members.address_not_found")
    assert TicketRecord.decode(failed.encode()) == failed


async def test_member_tokens_accept_exactly_what_the_signer_accepts(ctx: AppContext) -> None:
    members = MemberTokens(ctx)
    assert members._fast  # the app secret and ctx.tokens agree
    good = ctx.tokens.issue(subject="42", audience="storefront", ttl=timedelta(minutes=5))
    assert members.member_id(f"Bearer {good}") == 42
    assert members.member_id(f"Bearer {good}") == 42  # from the table
    header, payload, signature = good.split(".")
    forged_claims = orjson.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_claims["sub"] = "43"
    forged = ".".join(
        (
            header,
            base64.urlsafe_b64encode(orjson.dumps(forged_claims)).decode().rstrip("="),
            signature,
        )
    )
    unsigned = jwt.encode(
        {"sub": "42", "aud": "storefront", "exp": 9_999_999_999}, "", algorithm="none"
    )
    other_secret = TokenSigner("another-secret-entirely-0123456789abcdef")
    issue = partial(ctx.tokens.issue, subject="42")
    five = timedelta(minutes=5)
    rejected = [
        None,
        "",
        "Token abc",
        "Bearer ",
        "Bearer not-a-jwt",
        f"Bearer {forged}",
        f"Bearer {unsigned}",
        f"Bearer {issue(audience='console', ttl=timedelta(minutes=5))}",
        f"Bearer {issue(audience='storefront', ttl=timedelta(seconds=-5))}",
        f"Bearer {issue(audience='storefront', ttl=five, nbf=int(time.time()) + 60)}",
        f"Bearer {other_secret.issue(subject='42', audience='storefront', ttl=five)}",
    ]
    for authorization in rejected:
        with pytest.raises(Unauthorized):
            members.member_id(authorization)
        # PyJWT agrees.
        token = (authorization or "").removeprefix("Bearer ").strip()
        with pytest.raises(TokenError):
            ctx.tokens.verify(token, audience="storefront")
    # A subject that is no member id is refused (as members.public does), the signature aside.
    odd = ctx.tokens.issue(subject="x", audience="storefront", ttl=timedelta(minutes=5))
    with pytest.raises(Unauthorized):
        members.member_id(f"Bearer {odd}")
    # A context whose signer has another secret: the narrow verifier stays off, PyJWT decides.
    ctx.tokens = other_secret
    try:
        strict = MemberTokens(ctx)
        assert not strict._fast
        with pytest.raises(Unauthorized):
            strict.member_id(f"Bearer {good}")
        theirs = other_secret.issue(subject="7", audience="storefront", ttl=timedelta(minutes=5))
        assert strict.member_id(f"Bearer {theirs}") == 7
    finally:
        ctx.tokens = TokenSigner(TEST_SECRET)

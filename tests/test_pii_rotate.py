"""``shoplet pii-rotate``: personal data moves to the current key; lookups keep working."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.security import PiiCipher
from shoplet.modules.members.models import Address, Member
from shoplet.pii_rotate import encrypted_columns, rotate_pii
from tests.conftest import TEST_PII_KEY, BackendDb, make_settings
from tests.modules.members.conftest import create_address, members, sms_login

NEW_KEY = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def legacy_ciphertext(key: bytes, plaintext: str) -> str:
    """A value written before ciphertexts carried a key id (version 1)."""
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return base64.b64encode(b"\x01" + nonce + body + encryptor.tag).decode()


async def addresses(ctx: AppContext) -> list[Address]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(Address).order_by(Address.id))).all())


def test_every_encrypted_column_is_found() -> None:
    found = {(t.name, c.name) for t, columns in encrypted_columns() for c in columns}
    assert {
        ("members_member", "phone_encrypted"),
        ("members_address", "recipient_encrypted"),
        ("members_address", "phone_encrypted"),
        ("members_address", "detail_encrypted"),
        ("orders_order", "address_encrypted"),
    } <= found


async def test_rotation_reencrypts_member_addresses_under_the_new_key(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext, backend_db: BackendDb, tmp_path: Path
) -> None:
    tokens = await sms_login(client, app)
    for n in range(3):
        await create_address(
            client, tokens, detail=f"科技园南区深南大道{n}号", phone=f"1391234567{n}"
        )
    old_key = bytes.fromhex(TEST_PII_KEY)
    # One member phone written before key ids existed.
    async with ctx.sessionmaker() as s:
        await s.execute(
            update(Member).values(phone_encrypted=legacy_ciphertext(old_key, "13812345678"))
        )
        await s.commit()
    before_addresses = await addresses(ctx)
    [before_member] = await members(ctx)
    assert {ctx.pii.key_id(a.detail_encrypted) for a in before_addresses} == {"default"}

    settings = make_settings(backend_db, tmp_path, pii_keys=f"2026:{NEW_KEY}")
    lines: list[str] = []
    rotated = await rotate_pii(settings, batch_size=2, progress=lines.append)

    assert rotated == 3 * 3 + 1
    assert "members_address: 2 row(s) read, 6 value(s) re-encrypted" in lines
    assert "members_address: 3 row(s) read, 9 value(s) re-encrypted" in lines
    assert "members_member: 1 row(s) read, 1 value(s) re-encrypted" in lines
    new = PiiCipher(settings.resolved_pii_keys, index_key=settings.resolved_pii_index_key)
    only_new = PiiCipher([("2026", bytes.fromhex(NEW_KEY))])
    after_addresses = await addresses(ctx)
    for old_row, row in zip(before_addresses, after_addresses, strict=True):
        for column in ("recipient_encrypted", "phone_encrypted", "detail_encrypted"):
            value = getattr(row, column)
            assert new.key_id(value) == "2026"
            assert only_new.decrypt(value) == ctx.pii.decrypt(getattr(old_row, column))
    [member] = await members(ctx)
    assert member.phone_encrypted is not None
    assert only_new.decrypt(member.phone_encrypted) == "13812345678"
    # Blind indexes are untouched and still match under the ring's (stable) index key.
    assert member.phone_index == before_member.phone_index == new.blind_index("13812345678")

    # Idempotent: a second run has nothing left to do.
    assert await rotate_pii(settings, batch_size=2, progress=lines.append) == 0

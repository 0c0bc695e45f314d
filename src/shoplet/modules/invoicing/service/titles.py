"""Invoice titles (发票抬头) and products' tax profiles (税收分类编码 and rate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.invoicing import repository as repo
from shoplet.modules.invoicing.errors import (
    TaxIdInvalid,
    TitleNotFound,
    TooManyTitles,
)
from shoplet.modules.invoicing.models import InvoiceTitle
from shoplet.modules.invoicing.schemas import (
    TaxProfile,
    TaxProfileInput,
    Title,
    TitleInput,
)
from shoplet.modules.invoicing.service._common import (
    MAX_TITLES,
    _settings,
)
from shoplet.modules.invoicing.tax import (
    is_credit_code,
    normalise_tax_id,
)
from shoplet.modules.members import public as members

# -- titles --------------------------------------------------------------------------------


def _title_values(data: TitleInput) -> dict[str, Any]:
    tax_id = normalise_tax_id(data.tax_id) if data.tax_id else None
    if data.kind == "company":
        if not tax_id or not is_credit_code(tax_id):
            raise TaxIdInvalid(field="tax_id")
    elif tax_id:
        raise TaxIdInvalid("A personal title carries no tax id", field="tax_id")
    company = data.kind == "company"
    return {
        "kind": data.kind,
        "name": data.name,
        "tax_id": tax_id,
        "address": data.address or None if company else None,
        "phone": data.phone or None if company else None,
        "bank": data.bank or None if company else None,
        "bank_account": data.bank_account or None if company else None,
        "email": data.email,
    }


def _title(row: InvoiceTitle) -> Title:
    return Title.model_validate(row)


async def list_titles(session: AsyncSession, member_id: int) -> list[Title]:
    return [_title(r) for r in await repo.titles_of(session, member_id)]


async def create_title(
    session: AsyncSession, member_id: int, data: TitleInput, *, now: datetime | None = None
) -> Title:
    await members.hold_member(session, member_id)
    values = _title_values(data)
    if await repo.count_titles(session, member_id) >= MAX_TITLES:
        raise TooManyTitles()
    now = now or utcnow()
    row = await repo.add_title(
        session, {**values, "member_id": member_id, "created_at": now, "updated_at": now}
    )
    return _title(row)


async def update_title(
    session: AsyncSession, member_id: int, title_id: int, data: TitleInput
) -> Title:
    values = _title_values(data)
    if not await repo.update_title(
        session, member_id, title_id, {**values, "updated_at": utcnow()}
    ):
        raise TitleNotFound()
    row = await repo.title_of(session, member_id, title_id)
    if row is None:
        raise TitleNotFound()
    await session.refresh(row)
    return _title(row)


async def delete_title(session: AsyncSession, member_id: int, title_id: int) -> None:
    if not await repo.delete_title(session, member_id, title_id):
        raise TitleNotFound()


# -- tax profiles --------------------------------------------------------------------------


async def tax_profile(session: AsyncSession, product_id: int) -> TaxProfile:
    found = (await repo.profiles_for(session, [product_id])).get(product_id)
    settings = _settings()
    if found is None:
        return TaxProfile(
            product_id=product_id,
            tax_code=settings.invoice_default_tax_code,
            tax_rate_bp=settings.invoice_default_tax_rate_bp,
            is_default=True,
        )
    return TaxProfile(
        product_id=product_id,
        tax_code=found.tax_code,
        tax_rate_bp=found.tax_rate_bp,
        is_default=False,
    )


async def set_tax_profile(
    session: AsyncSession, product_id: int, data: TaxProfileInput
) -> TaxProfile:
    await repo.upsert_profile(
        session, product_id, tax_code=data.tax_code, tax_rate_bp=data.tax_rate_bp, now=utcnow()
    )
    return await tax_profile(session, product_id)

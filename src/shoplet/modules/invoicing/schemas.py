"""Invoicing's shapes: invoice titles, invoice requests, invoices, tax profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shoplet.core.schemas import CleanText, Id, RequestModel, ResponseModel

TitleKind = Literal["personal", "company"]
InvoiceKind = Literal["blue", "red"]
InvoiceStatus = Literal["pending", "issuing", "issued", "failed", "cancelled", "reversed"]
Name = Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
Optional200 = Annotated[CleanText, StringConstraints(max_length=200)] | None
Email = Annotated[
    str, StringConstraints(max_length=120, pattern=r"^[^@\s]{1,64}@[^@\s]{1,80}\.[A-Za-z]{2,}$")
]


class TitleInput(RequestModel):
    """A title to save: a person's name, or a company's name and tax id (统一社会信用代码,
    18 characters, checked; 400 ``invoicing.tax_id_invalid`` otherwise)."""

    kind: TitleKind
    name: Name
    tax_id: Annotated[str, StringConstraints(max_length=30)] | None = None
    address: Optional200 = None
    phone: Annotated[str, StringConstraints(max_length=30, pattern=r"^[0-9+\- ]*$")] | None = None
    bank: Annotated[CleanText, StringConstraints(max_length=100)] | None = None
    bank_account: Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9 ]*$")] | None = (
        None
    )
    email: Email | None = None


class Title(ResponseModel):
    id: int
    kind: TitleKind
    name: str
    tax_id: str | None
    address: str | None
    phone: str | None
    bank: str | None
    bank_account: str | None
    email: str | None
    created_at: datetime


class InvoiceRequestInput(RequestModel):
    """Ask for an order's invoice with one of the shopper's titles; ``email`` receives it."""

    title_id: Id
    email: Email | None = None


class InvoiceLine(ResponseModel):
    name: str
    spec: str
    quantity: int
    tax_code: str = Field(description="税收分类编码, 19 digits")
    tax_rate_bp: int = Field(description="basis points: 1300 = 13%")
    amount: int = Field(description="tax-inclusive, fen (negative on a red-letter invoice)")
    net: int
    tax: int


class Invoice(ResponseModel):
    invoice_no: str
    order_no: str
    kind: InvoiceKind
    status: InvoiceStatus
    title_kind: TitleKind
    buyer_name: str
    buyer_tax_id: str | None
    amount: int
    net: int
    tax: int
    lines: list[InvoiceLine]
    invoice_code: str | None
    invoice_number: str | None
    issued_at: datetime | None
    reverses: str | None = Field(default=None, description="red-letter: the blue invoice_no")
    error: str | None
    has_pdf: bool
    created_at: datetime


class InvoiceAdmin(Invoice):
    member_id: int
    attempts: int
    provider_serial: str | None


class TaxProfileInput(RequestModel):
    tax_code: Annotated[str, StringConstraints(pattern=r"^\d{19}$")]
    tax_rate_bp: int = Field(ge=0, le=1700, description="basis points: 1300 = 13%")


class TaxProfile(ResponseModel):
    product_id: int
    tax_code: str
    tax_rate_bp: int
    is_default: bool

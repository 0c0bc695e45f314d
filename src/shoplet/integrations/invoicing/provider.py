"""The e-invoice port: what Shoplet asks of an invoicing provider, whoever it is.

A provider adapter (``nuonuo.NuonuoProvider``) accepts an invoice to issue (asynchronously: it
answers with its serial number at once and pushes the result later), reads a signed callback
into an :class:`IssueResult`, and can be asked for an invoice's result when a callback is late.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

InvoiceKind = Literal["blue", "red"]


@dataclass(frozen=True, slots=True)
class IssueLine:
    """One invoice line: amounts in fen, tax-inclusive ``amount`` = ``net`` + ``tax``
    (negative on a red-letter invoice); ``tax_rate_bp`` in basis points (1300 = 13%)."""

    name: str
    tax_code: str
    quantity: int
    amount: int
    net: int
    tax: int
    tax_rate_bp: int
    spec: str = ""
    unit: str = "件"


@dataclass(frozen=True, slots=True)
class IssueRequest:
    """An invoice to issue. ``invoice_no`` is Shoplet's (the provider's ``orderNo``); a
    red-letter invoice names the blue one it reverses (``original_code``/``original_number``)."""

    invoice_no: str
    kind: InvoiceKind
    buyer_name: str
    buyer_tax_id: str | None
    buyer_email: str | None
    seller_tax_id: str
    seller_name: str
    lines: tuple[IssueLine, ...]
    original_code: str | None = None
    original_number: str | None = None


@dataclass(frozen=True, slots=True)
class IssueResult:
    """A verified callback (or query answer): issued with the provider's invoice code and
    number, or failed with its message."""

    invoice_no: str
    serial: str
    ok: bool
    invoice_code: str | None
    invoice_number: str | None
    issued_at: str | None
    message: str


class ProviderError(Exception):
    """The provider's refusal or an outage: ``code`` is the provider's; ``retryable`` tells a
    retry may succeed (outages, rate limits) or not (bad data, a bad key)."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class CallbackRejected(Exception):
    """A callback that is not verifiably the provider's (signature) or cannot be read."""


class InvoiceProvider(Protocol):
    async def issue(self, request: IssueRequest, *, callback_url: str) -> str:
        """Submit an invoice; the provider's serial number (the result comes by callback)."""

    def parse_callback(self, form: dict[str, str], signature: str | None) -> IssueResult:
        """Verify and read a callback (raises :class:`CallbackRejected`)."""

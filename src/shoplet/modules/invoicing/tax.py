"""Pure invoicing rules (no I/O): the GB 32100 unified social credit code (统一社会信用代码)
and the tax lines of an invoice.

An invoice's lines are tax-inclusive amounts in fen; each line's tax is taken out of its own
amount, ``net = round(amount / (1 + rate))`` and ``tax = amount - net``, so every line's net
and tax sum exactly to its amount and the lines to the invoice total.
"""

from __future__ import annotations

from dataclasses import dataclass

from shoplet.core.money import split_proportionally

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check
# character, 31 - (Σ value × weight mod 31), over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# The registration authority codes (1st character) GB 32100 allocates.
CREDIT_CODE_AUTHORITIES = frozenset("123456789ANY")


def credit_code_check_char(first17: str) -> str:
    """The check character of the first 17 characters (ValueError on a foreign character)."""
    total = 0
    for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True):
        value = CREDIT_CODE_ALPHABET.find(ch)
        if value < 0:
            raise ValueError(f"not a credit-code character: {ch!r}")
        total += value * weight
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_credit_code(text: str) -> bool:
    """True for a well-formed 统一社会信用代码: 18 characters of the GB 32100 alphabet, a known
    registration authority, digits for the 6-digit division code, and the right check."""
    if len(text) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in text):
        return False
    if text[0] not in CREDIT_CODE_AUTHORITIES or not text[2:8].isdigit():
        return False
    return credit_code_check_char(text[:17]) == text[17]


def normalise_tax_id(text: str) -> str:
    """Upper case, spaces and dashes removed: how shoppers paste tax ids."""
    return "".join(ch for ch in text.upper() if ch not in " -\u3000")


@dataclass(frozen=True, slots=True)
class Goods:
    """What one invoice line is for: name, quantity, its tax-inclusive share of the total
    (``weight``, fen) and its tax classification."""

    name: str
    spec: str
    quantity: int
    weight: int
    tax_code: str
    tax_rate_bp: int


@dataclass(frozen=True, slots=True)
class TaxLine:
    name: str
    spec: str
    quantity: int
    tax_code: str
    tax_rate_bp: int
    amount: int
    net: int
    tax: int


def split_tax(amount: int, rate_bp: int) -> tuple[int, int]:
    """A tax-inclusive amount's (net, tax) at ``rate_bp``: net rounded half up away from zero,
    tax the rest, so net + tax == amount exactly (negative amounts mirror positive ones)."""
    if rate_bp < 0:
        raise ValueError("tax rate must be non-negative")
    sign = -1 if amount < 0 else 1
    whole = abs(amount)
    net = (whole * 20000 + 10000 + rate_bp) // (2 * (10000 + rate_bp))
    return sign * net, sign * (whole - net)


def tax_lines(total: int, goods: list[Goods]) -> list[TaxLine]:
    """Lines for an invoice of ``total`` fen (tax-inclusive): the total split over the goods by
    their weights (largest remainder, exact), then each line's tax taken from its amount.
    Lines that get 0 fen are left out."""
    if total < 0:
        raise ValueError("total must be non-negative")
    parts = split_proportionally(total, [g.weight for g in goods])
    lines = []
    for g, part in zip(goods, parts, strict=True):
        if part == 0:
            continue
        net, tax = split_tax(part, g.tax_rate_bp)
        lines.append(TaxLine(g.name, g.spec, g.quantity, g.tax_code, g.tax_rate_bp, part, net, tax))
    return lines


def negate(lines: list[TaxLine]) -> list[TaxLine]:
    """The red-letter (冲红) lines reversing ``lines``: every amount negated."""
    return [
        TaxLine(x.name, x.spec, x.quantity, x.tax_code, x.tax_rate_bp, -x.amount, -x.net, -x.tax)
        for x in lines
    ]

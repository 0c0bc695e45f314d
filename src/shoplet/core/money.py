"""Money is an integer number of fen (分), CNY. One place for rounding and splitting."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Display: 1999 -> '19.99'."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def split_proportionally(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` fen over ``weights`` so parts sum exactly to ``total``.

    Largest-remainder method: each part is floor(total * w / sum(w)); the fen left over go to the
    parts with the largest remainders (earliest first on ties), so results are deterministic.
    """
    if total < 0:
        raise ValueError("total must be non-negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights)
    if not weights:
        return []
    if weight_sum == 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    parts = [total * w // weight_sum for w in weights]
    remainders = [(total * w % weight_sum, -i) for i, w in enumerate(weights)]
    left = total - sum(parts)
    for _, neg_i in sorted(remainders, reverse=True)[:left]:
        parts[-neg_i] += 1
    return parts


def percent_of(amount: int, basis_points: int) -> int:
    """``amount`` × basis_points / 10000, rounded half up, in fen."""
    return (amount * basis_points + 5000) // 10000

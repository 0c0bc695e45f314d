"""Customer lifetime value in the lifetimes conventions, pure: BG/NBD (Fader, Hardie & Lee
2005) for repeat purchases and P(alive), Gamma-Gamma (Fader, Hardie & Lee 2005b) for the spend
per purchase, and lifetimes' ``customer_lifetime_value`` (12 months of 30 days, discounted 1 %
a month).

The likelihoods are small and well specified, so they are fitted here with scipy rather than
through lifetimes (unmaintained; its autograd and pandas pins break on current versions). The
fit follows lifetimes: time rescaled so the longest ``T`` is 10 for BG/NBD, log-parameters,
the mean negative log-likelihood minimised (Nelder-Mead, then BFGS to polish); identical
customers are grouped with weights so a shop of many one-order members costs little. The
tests compare the parameters with lifetimes' own on CDNOW.

numpy and scipy are imported inside the functions: the API process never loads them at start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MONTH_DAYS = 30
CLV_MONTHS = 12
MONTHLY_DISCOUNT = 0.01


class FitFailed(ValueError):
    """Too few customers, or no repeat purchase, to fit the model."""


@dataclass(frozen=True, slots=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True, slots=True)
class GammaGammaParams:
    p: float
    q: float
    v: float


def _minimize(nll: Any, x0: Sequence[float]) -> Any:
    import numpy as np
    from scipy.optimize import minimize

    first = minimize(
        nll,
        np.asarray(x0, dtype=float),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000},
    )
    polished = minimize(nll, first.x, method="BFGS", options={"gtol": 1e-9})
    best = polished if np.isfinite(polished.fun) and polished.fun <= first.fun else first
    if not np.all(np.isfinite(best.x)):
        raise FitFailed("the fit did not converge")
    return best.x


def _grouped(*columns: Sequence[float]) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    import numpy as np

    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def bgnbd_log_likelihood(
    params: BgNbdParams,
    frequency: NDArray[np.float64],
    recency: NDArray[np.float64],
    T: NDArray[np.float64],  # noqa: N803
) -> NDArray[np.float64]:
    """Each customer's BG/NBD log-likelihood (lifetimes' ``BetaGeoFitter`` formula)."""
    import numpy as np
    from scipy.special import gammaln

    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = frequency
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + recency),
            -np.inf,
        )
    result: NDArray[np.float64] = a1 + a2 + np.logaddexp(a3, a4)
    return result


def fit_bgnbd(
    frequency: Sequence[float],
    recency: Sequence[float],
    T: Sequence[float],  # noqa: N803
) -> BgNbdParams:
    """BG/NBD parameters (r, alpha in the input's time unit, a, b) by maximum likelihood."""
    import numpy as np

    if len(frequency) < 2 or not any(f > 0 for f in frequency):
        raise FitFailed("BG/NBD needs at least two customers and one repeat purchase")
    (x, tx, t), weights = _grouped(frequency, recency, T)
    scale = 10.0 / float(np.max(t)) if np.max(t) > 0 else 1.0
    tx_s, t_s = tx * scale, t * scale

    def nll(log_params: NDArray[np.float64]) -> float:
        r, alpha, a, b = np.exp(np.clip(log_params, -30, 30))
        ll = bgnbd_log_likelihood(BgNbdParams(r, alpha, a, b), x, tx_s, t_s)
        value = -float(np.sum(ll * weights) / np.sum(weights))
        return value if np.isfinite(value) else 1e300

    r, alpha, a, b = (float(v) for v in np.exp(_minimize(nll, [0.0, 0.0, 0.0, 0.0])))
    return BgNbdParams(r, alpha / scale, a, b)


def p_alive(
    params: BgNbdParams,
    frequency: float,
    recency: float,
    T: float,  # noqa: N803
) -> float:
    """P(the customer has not churned) at ``T`` (lifetimes' ``conditional_probability_alive``)."""
    import math

    if frequency == 0:
        return 1.0
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_ratio = (r + frequency) * (math.log(alpha + T) - math.log(alpha + recency))
    log_odds = math.log(a) - math.log(b + frequency - 1) + log_ratio
    return 1.0 / (1.0 + math.exp(min(log_odds, 700.0)))


def expected_purchases(
    params: BgNbdParams,
    t: float,
    frequency: float,
    recency: float,
    T: float,  # noqa: N803
) -> float:
    """Expected repeat purchases in the next ``t`` time units (lifetimes'
    ``conditional_expected_number_of_purchases_up_to_time``)."""
    import math

    from scipy.special import hyp2f1

    if t <= 0:
        return 0.0
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = frequency
    hyp_term = float(hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    first = (a + b + x - 1) / (a - 1)
    second = 1 - math.exp((r + x) * (math.log(alpha + T) - math.log(alpha + T + t))) * hyp_term
    numerator = first * second
    if x > 0:
        log_ratio = (r + x) * (math.log(alpha + T) - math.log(alpha + recency))
        denominator = 1 + math.exp(min(math.log(a / (b + x - 1)) + log_ratio, 700.0))
    else:
        denominator = 1.0
    return numerator / denominator


def fit_gamma_gamma(
    frequency: Sequence[float], monetary_value: Sequence[float]
) -> GammaGammaParams:
    """Gamma-Gamma parameters on the customers with a repeat purchase (others carry no
    information about their spend per repeat purchase)."""
    import numpy as np
    from scipy.special import gammaln

    pairs = [(f, m) for f, m in zip(frequency, monetary_value, strict=True) if f > 0 and m > 0]
    if len(pairs) < 2:
        raise FitFailed("Gamma-Gamma needs at least two customers with repeat purchases")
    (x, m), weights = _grouped([p[0] for p in pairs], [p[1] for p in pairs])

    def nll(log_params: NDArray[np.float64]) -> float:
        p, q, v = np.exp(np.clip(log_params, -30, 30))
        px = p * x
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(v)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(x * m + v)
        )
        value = -float(np.sum(ll * weights) / np.sum(weights))
        return value if np.isfinite(value) else 1e300

    p, q, v = (float(val) for val in np.exp(_minimize(nll, [0.0, 0.0, 0.0])))
    return GammaGammaParams(p, q, v)


def expected_spend(params: GammaGammaParams, frequency: float, monetary_value: float) -> float:
    """Expected spend per purchase (lifetimes' ``conditional_expected_average_profit``); the
    population mean ``p·v/(q−1)`` for a customer without a repeat purchase."""
    p, q, v = params.p, params.q, params.v
    if q <= 1:
        return monetary_value
    return p * (v + frequency * monetary_value) / (p * frequency + q - 1)


def clv(  # noqa: PLR0917 (lifetimes' argument order)
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency: float,
    recency: float,
    T: float,  # noqa: N803
    monetary_value: float,
    *,
    months: int = CLV_MONTHS,
    monthly_discount: float = MONTHLY_DISCOUNT,
) -> float:
    """Discounted value of the next ``months`` months (time in days; lifetimes'
    ``customer_lifetime_value`` with ``freq="D"``), in the unit of ``monetary_value``."""
    spend = expected_spend(gamma_gamma, frequency, monetary_value)
    total = 0.0
    previous = 0.0
    for i in range(1, months + 1):
        current = expected_purchases(bgnbd, MONTH_DAYS * i, frequency, recency, T)
        total += (current - previous) * spend / (1 + monthly_discount) ** i
        previous = current
    return total


MAX_VALUE = 1e15


def predict(  # noqa: PLR0917
    bgnbd: BgNbdParams | None,
    gamma_gamma: GammaGammaParams | None,
    frequency: float,
    recency: float,
    T: float,  # noqa: N803
    monetary_value: float,
    *,
    days: float = 365,
) -> tuple[float | None, float | None, int | None]:
    """P(alive), expected purchases in ``days`` and the 12-month CLV rounded to a whole unit
    of ``monetary_value``; None where a model is missing or a figure is not finite (a
    degenerate fit on a handful of customers)."""
    import math

    if bgnbd is None or gamma_gamma is None:
        return None, None, None
    try:
        alive = p_alive(bgnbd, frequency, recency, T)
        expected = expected_purchases(bgnbd, days, frequency, recency, T)
        value = clv(bgnbd, gamma_gamma, frequency, recency, T, monetary_value)
    except (ArithmeticError, ValueError):
        return None, None, None
    return (
        alive if math.isfinite(alive) else None,
        expected if math.isfinite(expected) else None,
        round(value) if math.isfinite(value) and abs(value) < MAX_VALUE else None,
    )

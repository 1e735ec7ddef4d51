"""Who is still a customer, and what is each worth: BG/NBD, Gamma-Gamma and CLV for repeat purchases.

For businesses without contracts (retail, e-commerce) a customer never says goodbye: they just stop
buying. The BG/NBD model (Fader, Hardie and Lee 2005, "'Counting your customers' the easy way",
*Marketing Science* 24(2)) explains each customer's purchase history (frequency, recency, age) by a
purchase rate and a chance of dropping out after each purchase, and gives the probability that a
customer is still alive (P(alive)) and the purchases to expect over a horizon. The Gamma-Gamma model
(Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves for customer base analysis",
*Journal of Marketing Research* 42(4)) gives the spend to expect per purchase. Together they give a
customer lifetime value (CLV) over a horizon with a discount rate. :func:`activity_groups` sorts customers
into groups a reader can check against the data: repeat buyers by P(alive) (active, slipping, likely
lapsed) and one-time buyers apart, since BG/NBD gives them P(alive) = 1 by construction.

Both fits are maximum likelihood with scipy (parameters on the log scale, L-BFGS-B from several starts),
numerically stable through :func:`scipy.special.gammaln`, :func:`~scipy.special.betaln` and
:func:`~scipy.special.logsumexp`. On the CDNOW sample's calibration period they reproduce the published
estimates (see ``tests/test_clv_models.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "purchase_summary",
    "BGNBD",
    "fit_bgnbd",
    "bgnbd_log_likelihood",
    "GammaGamma",
    "gamma_gamma_log_likelihood",
    "fit_gamma_gamma",
    "customer_values",
    "activity_groups",
    "ACTIVITY_GROUPS",
    "dormant_customers",
    "UNIT_DAYS",
    "DAYS_PER_MONTH",
]

UNIT_DAYS = {"day": 1.0, "week": 7.0}
ACTIVITY_GROUPS = ("active", "slipping", "lapsed", "one_time")
DAYS_PER_MONTH = 365.25 / 12


def purchase_summary(
    transactions: pd.DataFrame,
    *,
    as_of,
    customer_col: str = "account_id",
    date_col: str = "date",
    value_col: str | None = "amount",
    unit: Literal["day", "week"] = "week",
) -> pd.DataFrame:
    """Each customer's purchase history as the models read it: frequency, recency, age and mean spend.

    Purchases are counted by day (several orders on one day are one purchase, their amounts summed),
    as in Fader, Hardie and Lee (2005). Only purchases on or before ``as_of`` count.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per order: ``customer_col``, ``date_col`` and, when given, ``value_col``.
    as_of : str or pandas.Timestamp
        The end of the observation (calibration) period, a date: purchases after it are ignored and
        ``T`` is measured up to it.
    customer_col, date_col, value_col : str
        The columns naming the customer, the order's date and its amount (None: no spend columns).
    unit : {"day", "week"}, default "week"
        The time unit of ``recency`` and ``T``.

    Returns
    -------
    pandas.DataFrame
        One row per customer (index ``customer_col``, sorted) with ``frequency`` (repeat purchase days:
        purchase days - 1), ``recency`` (first to last purchase day), ``T`` (first purchase day to
        ``as_of``), ``first_purchase``, ``last_purchase``, ``purchase_days`` and, with ``value_col``,
        ``total_spend`` (all purchases) and ``monetary_value`` (mean spend of the repeat purchase days,
        the first one excluded; 0 without repeats) — the Gamma-Gamma model's input.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "a", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-29", "2024-01-22"]),
    ...     "amount": [10.0, 5.0, 20.0, 30.0, 7.0]})
    >>> purchase_summary(tx, as_of="2024-01-29")[["frequency", "recency", "T", "monetary_value"]]
                frequency  recency    T  monetary_value
    account_id
    a                   2      4.0  4.0            25.0
    b                   0      0.0  1.0             0.0
    """
    if unit not in UNIT_DAYS:
        raise ValueError(f"unit={unit!r}: expected one of {sorted(UNIT_DAYS)}")
    missing = [c for c in (customer_col, date_col, value_col) if c is not None and c not in transactions.columns]
    if missing:
        raise KeyError(f"columns {missing} not in transactions; available: {list(transactions.columns)}")
    end = pd.Timestamp(as_of).normalize()
    days = pd.to_datetime(transactions[date_col])
    if days.dt.tz is not None:
        days = days.dt.tz_localize(None)
    cols = {"customer": transactions[customer_col].to_numpy(), "day": days.dt.normalize().to_numpy()}
    if value_col is not None:
        cols["value"] = pd.to_numeric(transactions[value_col]).to_numpy()
    df = pd.DataFrame(cols)
    df = df[df["day"] <= end]
    if value_col is not None:
        by_day = df.groupby(["customer", "day"], sort=True)["value"].sum().reset_index()
    else:
        by_day = df.drop_duplicates(["customer", "day"]).sort_values(["customer", "day"])
    g = by_day.groupby("customer", sort=True)
    first, last, n = g["day"].min(), g["day"].max(), g["day"].size()
    scale = UNIT_DAYS[unit]
    out = pd.DataFrame(
        {
            "frequency": (n - 1).astype("int64"),
            "recency": (last - first).dt.days / scale,
            "T": (end - first).dt.days / scale,
            "first_purchase": first,
            "last_purchase": last,
            "purchase_days": n.astype("int64"),
        }
    )
    if value_col is not None:
        total = g["value"].sum()
        first_value = g["value"].first()
        repeat = total - first_value
        out["total_spend"] = total
        out["monetary_value"] = np.where(out["frequency"] > 0, repeat / out["frequency"].clip(lower=1), 0.0)
    out.index.name = customer_col
    return out


def _arrays(frequency, recency, T):
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    return np.broadcast_arrays(x, tx, big_t)


@dataclass(frozen=True)
class BGNBD:
    """A fitted BG/NBD model: purchase rates ~ gamma(r, alpha), drop-out probabilities ~ beta(a, b).

    Times are in the unit of the summary it was fitted on (``unit``). ``log_likelihood`` is the
    maximised total log-likelihood over ``n`` customers.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n: int = 0
    unit: str = "week"

    @property
    def params(self) -> dict[str, float]:
        """The four parameters by name."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive): the probability a customer with this history has not dropped out by ``T``.

        ``1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``; a customer who
        never bought again (x = 0) cannot have dropped out (BG/NBD drop-outs happen right after a
        purchase), so P(alive) = 1.

        Examples
        --------
        >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> float(m.p_alive(0, 0.0, 30.0)), round(float(m.p_alive(2, 30.43, 38.86)), 3)
        (1.0, 0.727)
        """
        x, tx, big_t = _arrays(frequency, recency, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
            )
        odds = np.where(x > 0, np.exp(np.minimum(log_ratio, 700.0)), 0.0)
        return 1.0 / (1.0 + odds)

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Purchases to expect in the next ``t`` time units from a customer with this history.

        Fader, Hardie and Lee (2005), equation (10): ``(a + b + x - 1) / (a - 1) [1 - ((alpha + T) /
        (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] / (1 + [x > 0]
        a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``. Never negative; 0 for ``t = 0``.

        Examples
        --------
        >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)), 3)  # CDNOW customer 1, next 39 weeks
        1.226
        """
        t, x, tx, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, frequency, recency, T)))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + big_t + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = 1.0 - np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))) * hyp
        value = (a + b + x - 1) / (a - 1) * head * self.p_alive(x, tx, big_t)
        return np.maximum(value, 0.0)

    def p_purchase(self, t, frequency, recency, T) -> np.ndarray:
        """The probability that a customer with this history buys at least once in the next ``t`` time units.

        A customer buys again only if still alive, and an alive customer's purchase rate given the
        history is gamma(r + x, alpha + T), so ``P(X(t) > 0) = P(alive) [1 - ((alpha + T) / (alpha + T +
        t))^(r + x)]``. Unlike P(alive) it is informative for a customer who bought only once (x = 0).

        Examples
        --------
        >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(float(m.p_purchase(52, 0, 0.0, 4.0)), 3), round(float(m.p_purchase(52, 0, 0.0, 78.0)), 3)
        (0.381, 0.112)
        """
        t, x, tx, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, frequency, recency, T)))
        none_if_alive = np.exp((self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + big_t + t)))
        return self.p_alive(x, tx, big_t) * (1.0 - none_if_alive)

    def expected_purchases_new(self, t) -> np.ndarray:
        """Purchases a new customer makes in their first ``t`` time units after the first (E[X(t)]).

        ``(a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]``.

        Examples
        --------
        >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> float(m.expected_purchases_new(0.0))
        0.0
        """
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return np.maximum((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp), 0.0)


def bgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood at ``params`` = (r, alpha, a, b) (FHL 2005, equation 6).

    ``log[Gamma(r + x) alpha^r / Gamma(r) * (B(a, b + x) / B(a, b) (alpha + T)^-(r + x) + [x > 0]
    B(a + 1, b + x - 1) / B(a, b) (alpha + t_x)^-(r + x))]``, summed in log space.

    Parameters
    ----------
    params : sequence of 4 floats
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        Repeat purchases, time of the last one and age, per customer (same time unit).

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    >>> float(bgnbd_log_likelihood((1.0, 1.0, 1.0, 1.0), [0], [0.0], [1.0])[0])  # (1/2)^1 -> log 0.5
    -0.6931471805599453
    """
    r, alpha, a, b = params
    x, tx, big_t = _arrays(frequency, recency, T)
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    first = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        second = (
            special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - special.betaln(a, b) - (r + x) * np.log(alpha + tx)
        )
    second = np.where(x > 0, second, -np.inf)
    return head + np.logaddexp(first, second)


def _fit(neg_ll, starts, n_params: int):
    best = None
    for start in starts:
        res = optimize.minimize(neg_ll, np.log(start), method="L-BFGS-B", bounds=[(-12.0, 12.0)] * n_params)
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        raise ValueError("the fit found no finite log-likelihood; check the summary for negative or missing values")
    # polish with Nelder-Mead from the best point (tight tolerance: golden values are checked to 1e-3)
    res = optimize.minimize(
        neg_ll, best.x, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 8000}
    )
    return res if res.fun <= best.fun else best


def _check_summary(summary: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in summary.columns]
    if missing:
        raise KeyError(f"columns {missing} not in summary; available: {list(summary.columns)}")
    if len(summary) == 0:
        raise ValueError("summary has no customers: nothing to fit")


def fit_bgnbd(
    summary: pd.DataFrame,
    *,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    unit: str = "week",
) -> BGNBD:
    """Maximum-likelihood BG/NBD fit to a purchase summary (:func:`purchase_summary`).

    The four parameters are fitted on the log scale (so they stay positive) with L-BFGS-B from two
    starting points, then polished with Nelder-Mead; customers with the same history are counted once,
    with their number as a weight.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with frequency, recency and age ``T``.
    frequency_col, recency_col, T_col : str
        Their columns.
    unit : str, default "week"
        The time unit of recency and ``T`` (recorded on the result).

    Returns
    -------
    BGNBD
        The fitted model, with its log-likelihood and number of customers.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20, 0, 9, 30],
    ...                   "T": [30, 30, 32, 10, 25, 31.0]})
    >>> m = fit_bgnbd(s)
    >>> m.n, bool(m.log_likelihood < 0)
    (6, True)
    """
    _check_summary(summary, [frequency_col, recency_col, T_col])
    x = summary[frequency_col].to_numpy(dtype=float)
    tx = summary[recency_col].to_numpy(dtype=float)
    big_t = summary[T_col].to_numpy(dtype=float)
    if (x < 0).any() or (tx < 0).any() or (tx > big_t + 1e-9).any() or np.isnan(x + tx + big_t).any():
        raise ValueError("summary: frequency and recency must be >= 0, recency <= T, and no value missing")
    # customers with the same history have the same likelihood: fit on the distinct histories, weighted
    histories, weight = np.unique(np.column_stack([x, tx, big_t]), axis=0, return_counts=True)
    ux, utx, ut = histories.T

    def neg_ll(log_params):
        value = -(weight * bgnbd_log_likelihood(np.exp(log_params), ux, utx, ut)).sum()
        return value if np.isfinite(value) else 1e300

    scale = max(float(np.mean(big_t)), 1e-6)
    starts = [(1.0, scale, 1.0, 1.0), (0.5, scale / 4, 0.5, 2.0)]
    res = _fit(neg_ll, starts, 4)
    r, alpha, a, b = np.exp(res.x)
    return BGNBD(float(r), float(alpha), float(a), float(b), float(-res.fun), len(summary), unit)


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma spend model: spend per purchase ~ gamma(p, nu), nu ~ gamma(q, gamma)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    n: int = 0

    @property
    def params(self) -> dict[str, float]:
        """The three parameters by name."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per purchase, ``p gamma / (q - 1)`` (infinite when q <= 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Spend to expect per future purchase: ``(gamma + m x) p / (p x + q - 1)``.

        A weighted mean of the population mean and the customer's own mean spend ``m`` over ``x``
        repeat purchases; with ``x = 0`` it is the population mean.

        Examples
        --------
        >>> g = GammaGamma(p=6.25, q=3.74, gamma=15.44)
        >>> round(float(g.expected_spend(0, 0.0)), 2), round(g.mean_spend, 2)
        (35.22, 35.22)
        """
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary_value, dtype=float)
        m = np.where(x > 0, m, 0.0)
        return (self.gamma + m * x) * self.p / (self.p * x + self.q - 1)


def gamma_gamma_log_likelihood(params, frequency, monetary_value) -> np.ndarray:
    """Each customer's Gamma-Gamma log-likelihood of their mean spend ``m`` over ``x`` repeat purchases.

    ``log[Gamma(p x + q) / (Gamma(p x) Gamma(q)) gamma^q x^(p x) m^(p x - 1) / (gamma + x m)^(p x + q)]``.

    Parameters
    ----------
    params : sequence of 3 floats
        ``p``, ``q``, ``gamma``.
    frequency, monetary_value : array-like
        Repeat purchases (> 0) and their mean spend (> 0), per customer.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    >>> # p = q = gamma = 1, x = 1, m = 1: Gamma(2)/(Gamma(1)Gamma(1)) * 1 / 2^2 = 1/4
    >>> round(float(gamma_gamma_log_likelihood((1, 1, 1), [1], [1.0])[0]), 6) == round(float(np.log(0.25)), 6)
    True
    """
    p, q, gamma = params
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * np.log(gamma + x * m)
    )


def fit_gamma_gamma(
    summary: pd.DataFrame,
    *,
    frequency_col: str = "frequency",
    monetary_col: str = "monetary_value",
) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma fit on the customers with at least one repeat purchase and spend > 0.

    The model assumes spend is independent of purchase frequency; check the correlation of
    ``frequency`` and ``monetary_value`` among repeat buyers before trusting it. Fitted like
    :func:`fit_bgnbd` (log scale, L-BFGS-B from three starts, Nelder-Mead polish).

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer (:func:`purchase_summary`); customers without a repeat purchase or with
        no spend are left out of the fit.
    frequency_col, monetary_col : str
        The columns of repeat purchases and of their mean spend.

    Returns
    -------
    GammaGamma
        The fitted model, with its log-likelihood and the number of customers fitted on.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [1, 2, 3, 1, 0, 4], "monetary_value": [20.0, 30, 25, 60, 0, 28]})
    >>> g = fit_gamma_gamma(s)
    >>> g.n, bool(g.mean_spend > 0)
    (5, True)
    """
    _check_summary(summary, [frequency_col, monetary_col])
    keep = (summary[frequency_col] > 0) & (summary[monetary_col] > 0)
    x = summary.loc[keep, frequency_col].to_numpy(dtype=float)
    m = summary.loc[keep, monetary_col].to_numpy(dtype=float)
    if len(x) == 0:
        raise ValueError("summary has no customer with a repeat purchase and spend > 0: nothing to fit")

    def neg_ll(log_params):
        value = -gamma_gamma_log_likelihood(np.exp(log_params), x, m).sum()
        return value if np.isfinite(value) else 1e300

    mean = float(np.mean(m))
    starts = [(1.0, 2.0, mean), (5.0, 3.0, mean / 2), (10.0, 5.0, mean * 2)]
    res = _fit(neg_ll, starts, 3)
    p, q, gamma = np.exp(res.x)
    return GammaGamma(float(p), float(q), float(gamma), float(-res.fun), len(x))


def customer_values(
    summary: pd.DataFrame,
    purchases: BGNBD,
    spend: GammaGamma | None = None,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Per customer: P(alive), the chance of buying and purchases expected over the next ``months`` months, spend and CLV.

    CLV over the horizon adds, month by month, the purchases expected in that month times the expected
    spend per purchase times ``margin``, discounted at ``monthly_discount_rate`` to the end of the
    observation: ``sum_{k=1..months} (E[X(k)] - E[X(k-1)]) * spend * margin / (1 + d)^k`` (months of
    365.25 / 12 days, converted to the model's unit).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`purchase_summary`'s table (``frequency``, ``recency``, ``T``; ``monetary_value`` for spend).
    purchases : BGNBD
        The fitted purchase model (its ``unit`` must be the summary's).
    spend : GammaGamma, optional
        The fitted spend model; without it there is no spend or CLV column.
    months : int, default 12
        The horizon.
    monthly_discount_rate : float, default 0.01
        The discount rate per month (0.01 = 1% a month, about 12.7% a year).
    margin : float, default 1.0
        The share of spend kept (gross margin); 1.0 gives revenue, not profit.

    Returns
    -------
    pandas.DataFrame
        The summary's index with ``p_alive``, ``expected_purchases``, ``p_purchase`` (the probability of
        at least one purchase over the horizon, :meth:`BGNBD.p_purchase`) and, with ``spend``,
        ``expected_spend`` (per purchase) and ``clv``.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86],
    ...                   "monetary_value": [0.0, 22.35]})
    >>> v = customer_values(s, BGNBD(0.243, 4.414, 0.793, 2.426), GammaGamma(6.25, 3.74, 15.44), months=12)
    >>> v.round(2)
       p_alive  expected_purchases  p_purchase  expected_spend    clv
    0     1.00                0.25        0.17           35.22   8.37
    1     0.73                1.56        0.60           24.66  36.31
    """
    if months < 1:
        raise ValueError(f"months={months}: expected a horizon of 1 month or more")
    if monthly_discount_rate < 0:
        raise ValueError(f"monthly_discount_rate={monthly_discount_rate}: expected >= 0")
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    big_t = summary["T"].to_numpy(dtype=float)
    per_month = DAYS_PER_MONTH / UNIT_DAYS.get(purchases.unit, 7.0)
    cumulative = np.vstack([purchases.expected_purchases(k * per_month, x, tx, big_t) for k in range(months + 1)])
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = purchases.p_alive(x, tx, big_t)
    out["expected_purchases"] = cumulative[-1]
    out["p_purchase"] = purchases.p_purchase(months * per_month, x, tx, big_t)
    if spend is not None:
        out["expected_spend"] = spend.expected_spend(x, summary["monetary_value"].to_numpy(dtype=float))
        monthly = np.diff(cumulative, axis=0)
        discount = (1 + monthly_discount_rate) ** -np.arange(1, months + 1)
        out["clv"] = (monthly * discount[:, None]).sum(axis=0) * out["expected_spend"].to_numpy() * margin
    return out


def activity_groups(
    values: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    recent_since,
    active_at: float = 0.7,
    lapsed_below: float = 0.3,
) -> pd.Series:
    """Each customer's activity group: repeat buyers by P(alive), one-time buyers on their own.

    BG/NBD gives a customer who bought only once P(alive) = 1 (drop-outs happen right after a purchase),
    however long ago that purchase was, so P(alive) cannot tell whether they are still a customer:
    they form their own group (``"one_time"``), whose risk shows in ``p_purchase`` and
    ``expected_purchases``. Repeat buyers are ``"active"`` with P(alive) >= ``active_at`` and a
    purchase on or after ``recent_since`` (so no one without a recent purchase is called active,
    whatever the fit), ``"lapsed"`` below ``lapsed_below`` (likely lapsed: :func:`dormant_customers`
    lists exactly these), and ``"slipping"`` otherwise.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`customer_values`'s table (``p_alive``).
    summary : pandas.DataFrame
        :func:`purchase_summary`'s table (``frequency``, ``last_purchase``), same index.
    recent_since : str or pandas.Timestamp
        The first day that counts as recent (e.g. the first day of the last 12 months).
    active_at, lapsed_below : float, default 0.7 and 0.3
        The P(alive) bounds of the groups (``0 < lapsed_below <= active_at <= 1``).

    Returns
    -------
    pandas.Series
        One of :data:`ACTIVITY_GROUPS` per customer (``values``'s index), named ``group``.

    Examples
    --------
    >>> # weeks up to 2024-10-02; "once_old" bought once 40 weeks ago, "once_new" 1 week ago
    >>> s = pd.DataFrame({"frequency": [5, 5, 3, 0, 0], "recency": [39.0, 26.0, 5.0, 0.0, 0.0],
    ...     "T": [40.0, 40.0, 40.0, 40.0, 1.0], "last_purchase": pd.to_datetime(["2024-09-25", "2024-06-26",
    ...     "2024-01-31", "2023-12-27", "2024-09-25"])}, index=["weekly", "paused", "gone", "once_old", "once_new"])
    >>> v = customer_values(s, BGNBD(0.243, 4.414, 0.793, 2.426))
    >>> v["p_alive"].round(2).tolist()
    [0.88, 0.53, 0.04, 1.0, 1.0]
    >>> activity_groups(v, s, recent_since="2023-11-01").tolist()
    ['active', 'slipping', 'lapsed', 'one_time', 'one_time']
    """
    if not 0 < lapsed_below <= active_at <= 1:
        raise ValueError(
            f"lapsed_below={lapsed_below}, active_at={active_at}: expected 0 < lapsed_below <= active_at <= 1"
        )
    repeat = summary["frequency"].reindex(values.index).to_numpy() > 0
    recent = (summary["last_purchase"].reindex(values.index) >= pd.Timestamp(recent_since)).to_numpy()
    p = values["p_alive"].to_numpy(dtype=float)
    codes = np.select(
        [~repeat, p < lapsed_below, (p >= active_at) & recent],
        ["one_time", "lapsed", "active"],
        default="slipping",
    )
    return pd.Series(codes, index=values.index, name="group", dtype=object)


def dormant_customers(values: pd.DataFrame, summary: pd.DataFrame, *, threshold: float = 0.3) -> pd.DataFrame:
    """Likely lapsed customers: repeat buyers with P(alive) below ``threshold``, with what they were and may be worth.

    The ``"lapsed"`` group of :func:`activity_groups`. A customer without a repeat purchase is never
    listed (BG/NBD gives them P(alive) = 1: they can only drop out after a purchase); their low
    ``p_purchase`` and expected purchases show their risk instead.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`customer_values`'s table.
    summary : pandas.DataFrame
        :func:`purchase_summary`'s table (same index).
    threshold : float, default 0.3
        Repeat buyers with P(alive) below it are likely lapsed.

    Returns
    -------
    pandas.DataFrame
        The likely lapsed customers, highest past spend first (then lowest P(alive)), with the index as an
        ``account_id`` column, ``p_alive``, ``expected_purchases``, ``clv`` (when present),
        ``total_spend`` (when present), ``purchase_days`` and ``last_purchase``.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [3, 3, 0], "recency": [5.0, 30.0, 0.0], "T": [40.0, 40.0, 40.0],
    ...     "purchase_days": [4, 4, 1], "last_purchase": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-01-01"]),
    ...     "total_spend": [80.0, 90.0, 10.0]}, index=pd.Index(["old", "recent", "once"], name="account_id"))
    >>> v = customer_values(s, BGNBD(0.243, 4.414, 0.793, 2.426))
    >>> dormant_customers(v, s)["account_id"].tolist()
    ['old']
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold={threshold}: expected a probability between 0 and 1")
    cols = [c for c in ("purchase_days", "total_spend", "last_purchase") if c in summary.columns]
    table = values.join(summary[cols])
    lapsed = table["p_alive"] < threshold
    if "frequency" in summary.columns:
        lapsed &= summary["frequency"].reindex(table.index).to_numpy() > 0
    table = table[lapsed]
    if "total_spend" in table.columns:
        table = table.sort_values(["total_spend", "p_alive"], ascending=[False, True], kind="stable")
    else:
        table = table.sort_values("p_alive", kind="stable")
    name = values.index.name or "account_id"
    return table.rename_axis(name).reset_index().rename(columns={name: "account_id"})

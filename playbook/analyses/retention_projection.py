"""Projected retention for subscriptions: the shifted-beta-geometric (sBG) model.

Fader and Hardie (2007), "How to project customer retention", *Journal of Interactive Marketing*
21(1): each customer churns at the end of each period with their own constant probability ``theta``,
and ``theta`` varies across customers as a beta(alpha, beta) distribution. The survival curve is then

    S(t) = B(alpha, beta + t) / B(alpha, beta),   P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),

and the retention rate ``S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)`` rises over time (the
customers who churn easily leave first). Fitted by maximum likelihood (Nelder-Mead on the log scale) to observed survival (one or many
cohorts, each right-censored at its own last observed period), the model projects survival forward;
the projection never rises. Intervals come from a parametric bootstrap (simulate each cohort from the
fitted model, refit, project; percentiles), with a fixed seed so results are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "SBG",
    "fit_sbg",
    "survivors_from_cohorts",
    "project_survival",
    "project_cohorts",
    "cohort_ltv",
]


@dataclass(frozen=True)
class SBG:
    """A fitted sBG model: churn probabilities ~ beta(alpha, beta) across customers.

    ``log_likelihood`` is the maximised log-likelihood, ``n`` the number of customers at k = 0.
    """

    alpha: float
    beta: float
    log_likelihood: float = float("nan")
    n: int = 0

    def survival(self, t) -> np.ndarray:
        """S(t), the share of a cohort still a customer after ``t`` periods (S(0) = 1).

        Examples
        --------
        >>> SBG(1.0, 1.0).survival([0, 1, 3])  # B(1, 1 + t) / B(1, 1) = 1 / (1 + t)
        array([1.  , 0.5 , 0.25])
        """
        t = np.asarray(t, dtype=float)
        return np.exp(special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta))

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), for t >= 1.

        Examples
        --------
        >>> SBG(1.0, 1.0).retention_rate([1, 2])
        array([0.5       , 0.66666667])
        """
        t = np.asarray(t, dtype=float)
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def expected_lifetime(self, *, horizon: int | None = None, discount_rate: float = 0.0, age: int = 0) -> float:
        """Periods a customer of age ``age`` (still a customer) is expected to stay, counting the current one.

        ``sum_{t=age..} S(t) / S(age) / (1 + d)^(t - age)``, over ``horizon`` periods from ``age`` (default:
        10,000 periods, i.e. effectively infinite; with alpha <= 1 and no discount the undiscounted mean
        lifetime is infinite, so the sum then depends on the horizon: give one).

        Examples
        --------
        >>> round(SBG(1.0, 1.0).expected_lifetime(horizon=3), 4)  # 1 + 1/2 + 1/3
        1.8333
        """
        n = 10_000 if horizon is None else int(horizon)
        t = np.arange(age, age + n)
        s = self.survival(t) / self.survival(age)
        return float((s / (1 + discount_rate) ** (t - age)).sum())


#: Bounds of log(alpha) and log(beta): without a difference between customers both grow without bound, and
#: e^25 (7e10) already gives a constant churn to ten digits.
_LOG_BOUND = 25.0


def _neg_ll(log_params, deaths: np.ndarray, alive_end: np.ndarray) -> float:
    a, b = np.exp(np.clip(log_params, -_LOG_BOUND, _LOG_BOUND))
    t = np.arange(1, deaths.shape[0] + 1, dtype=float)
    lb = special.betaln(a, b)
    log_p = special.betaln(a + 1, b + t - 1) - lb  # P(T = t)
    log_s = special.betaln(a, b + t) - lb  # S(t)
    value = -(deaths @ log_p + alive_end @ log_s)
    return float(value) if np.isfinite(value) else 1e300


def _maximise(deaths: np.ndarray, alive_end: np.ndarray, start=None) -> tuple[float, float, float]:
    """The maximum-likelihood (alpha, beta) and log-likelihood: Nelder-Mead on the log scale.

    Without ``start``, from three starting points, the best polished with a tight tolerance; with
    ``start`` (a bootstrap refit near a known optimum) one run from it. (Nelder-Mead: for two parameters
    it is an order of magnitude faster than L-BFGS-B with numerical gradients.)
    """
    args = (deaths, alive_end)

    def run(guess, tol):
        return optimize.minimize(
            _neg_ll, np.log(guess), args=args, method="Nelder-Mead", options={"xatol": tol, "fatol": tol / 100}
        )

    if start is not None:
        res = run(start, 1e-6)
    else:
        res = min((run(g, 1e-6) for g in [(1.0, 1.0), (0.5, 3.0), (2.0, 10.0)]), key=lambda r: r.fun)
        res = run(np.exp(np.clip(res.x, -_LOG_BOUND, _LOG_BOUND)), 1e-10)
    a, b = np.exp(np.clip(res.x, -_LOG_BOUND, _LOG_BOUND))
    return float(a), float(b), -float(res.fun)


def _deaths(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Churns per period t = 1..K (summed over cohorts) and survivors censored at each t."""
    k = counts.shape[1] - 1
    deaths = np.zeros(k)
    alive_end = np.zeros(k)
    for row in counts:
        obs = row[~np.isnan(row)]
        if len(obs) < 2:
            continue
        d = -np.diff(obs)
        deaths[: len(d)] += d
        alive_end[len(d) - 1] += obs[-1]
    return deaths, alive_end, int(np.nansum(counts[:, 0]))


def fit_sbg(survivors) -> SBG:
    """Maximum-likelihood sBG fit to observed survivors of one or more cohorts.

    Parameters
    ----------
    survivors : array-like or pandas.DataFrame
        Customers still active after 0, 1, 2, ... periods: one sequence (one cohort) or a 2-D table with
        one row per cohort and NaN after each cohort's last observed period (as
        :func:`survivors_from_cohorts` gives). Counts never rise along a row.

    Returns
    -------
    SBG
        The fit: ``alpha``, ``beta``, the log-likelihood and the customers at k = 0.

    Examples
    --------
    >>> m = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])  # Fader & Hardie (2007), regular customers
    >>> round(m.alpha, 3), round(m.beta, 3), round(m.log_likelihood, 1)
    (0.704, 1.182, -1680.3)
    """
    counts = np.atleast_2d(np.asarray(survivors, dtype=float))
    if counts.shape[1] < 2:
        raise ValueError("survivors: need at least two periods (k = 0 and k = 1) to fit")
    rows = np.where(np.isnan(counts), -1.0, counts)  # unobserved cells after observed ones: a fall, never a rise
    if (np.nan_to_num(counts, nan=0.0) < 0).any() or (np.diff(rows, axis=1) > 1e-9).any():
        raise ValueError("survivors: counts must be >= 0 and never rise within a cohort")
    deaths, alive_end, n = _deaths(counts)
    if n == 0 or deaths.sum() + alive_end.sum() == 0:
        raise ValueError("survivors: no cohort observed for at least one period after k = 0")
    if deaths.sum() == 0:
        raise ValueError("survivors: nobody churned, so the churn distribution cannot be estimated")
    a, b, ll = _maximise(deaths, alive_end)
    return SBG(a, b, ll, n)


def survivors_from_cohorts(survival: pd.DataFrame) -> pd.DataFrame:
    """Survivor counts per cohort from a ``cohort_matrix(..., view="survival")`` table.

    Parameters
    ----------
    survival : pandas.DataFrame
        :func:`playbook.analyses.cohorts.cohort_matrix`'s survival view: a ``size`` column, then the
        shares surviving at k = 0, 1, ... (NaN where not observed); the weighted-average row, if any, is
        dropped.

    Returns
    -------
    pandas.DataFrame
        The same cohorts and periods as whole numbers of customers (share x size, rounded).

    Examples
    --------
    >>> m = pd.DataFrame({"size": [4, 2], 0: [1.0, 1.0], 1: [0.75, 0.5], 2: [0.5, np.nan]}, index=["2024-01", "2024-02"])
    >>> survivors_from_cohorts(m)
               0    1    2
    2024-01  4.0  3.0  2.0
    2024-02  2.0  1.0  NaN
    """
    from playbook.analyses.cohorts import AVERAGE

    table = survival.drop(index=[AVERAGE], errors="ignore")
    periods = [c for c in table.columns if c != "size"]
    size = table["size"].to_numpy(dtype=float)
    return (table[periods].astype(float).mul(size, axis=0)).round()


def project_survival(
    survivors,
    *,
    periods: int = 24,
    interval: float = 0.9,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Observed survival of a group of cohorts, the sBG fit, and the projection past the data with a band.

    The observed curve is the product-limit estimate over the cohorts (each counts while observed). The
    model S(t) is fitted to the same counts. The projection continues the observed curve from its last
    point ``n`` with the model's conditional survival: ``observed(n) * S(t) / S(n)`` for the next
    ``periods`` periods, so it starts where the data ends and never rises. The band is a parametric
    bootstrap: each of ``n_boot`` replicates draws every cohort's churn times from the fitted model
    (censored where that cohort's observation ends), refits, and projects the same way; the band holds
    the central ``interval`` share of the replicates (the uncertainty of the model's shape, with the
    starting point held at the observed value).

    Parameters
    ----------
    survivors : array-like or pandas.DataFrame
        As :func:`fit_sbg` takes.
    periods : int, default 24
        Periods to project beyond the last observed one.
    interval : float, default 0.9
        Coverage of the band.
    n_boot : int, default 200
        Bootstrap replicates (0: no band).
    seed : int, default 0
        Seed of the random draws.

    Returns
    -------
    pandas.DataFrame
        One row per k = 0 .. n + ``periods`` (index ``k``) with ``observed`` (NaN past ``n``), ``model``
        (the fitted S(t), every k), ``projection``, ``lower`` and ``upper`` (NaN up to ``n``) and
        ``projected`` (True past ``n``). ``attrs["model"]`` holds the :class:`SBG` fit, ``attrs["level"]``
        the band's coverage (``"90%"``; absent without a band).

    Examples
    --------
    >>> p = project_survival([1000, 631, 468, 382, 326, 289, 262, 241], periods=5, n_boot=0)
    >>> p.loc[[7, 8, 12], ["observed", "model", "projection", "projected"]].round(3)  # the paper's years 8, 12: 0.223, 0.173
        observed  model  projection  projected
    k
    7      0.241  0.239         NaN      False
    8        NaN  0.220       0.222       True
    12       NaN  0.170       0.171       True
    """
    if periods < 1:
        raise ValueError(f"periods={periods}: expected 1 or more periods to project")
    if not 0 < interval < 1:
        raise ValueError(f"interval={interval}: expected a coverage between 0 and 1")
    counts = np.atleast_2d(np.asarray(survivors, dtype=float))
    model = fit_sbg(counts)
    km = _product_limit(counts)
    last = int(np.max(np.nonzero(~np.isnan(km))[0]))
    k = np.arange(0, last + periods + 1)
    future = k > last
    observed = np.full(len(k), np.nan)
    observed[: last + 1] = km[: last + 1]
    start = observed[last]

    def projection(m: SBG) -> np.ndarray:
        return np.where(future, start * m.survival(k) / m.survival(last), np.nan)

    out = pd.DataFrame({"k": k, "observed": observed, "model": model.survival(k), "projection": projection(model)})
    lower = np.full(len(k), np.nan)
    upper = np.full(len(k), np.nan)
    if n_boot > 0:
        fits = _bootstrap(counts, model, n_boot=n_boot, seed=seed)
        if fits:
            curves = np.array([projection(m) for m in fits])
            tail = (1 - interval) / 2
            lower, upper = np.quantile(curves, [tail, 1 - tail], axis=0)
            lower, upper = np.where(future, lower, np.nan), np.where(future, upper, np.nan)
    out["lower"] = lower
    out["upper"] = upper
    out["projected"] = future
    out = out.set_index("k")
    out.attrs["model"] = model
    if n_boot > 0:
        out.attrs["level"] = f"{interval:.0%}"
    return out


def _product_limit(counts: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival over cohorts: at each k, survivors / those at risk among cohorts observed at k."""
    s = [1.0]
    for j in range(1, counts.shape[1]):
        seen = ~np.isnan(counts[:, j])
        at_risk = counts[seen, j - 1].sum()
        if not seen.any() or at_risk == 0:
            break
        s.append(s[-1] * counts[seen, j].sum() / at_risk)
    out = np.full(counts.shape[1], np.nan)
    out[: len(s)] = s
    return out


def _bootstrap(counts: np.ndarray, model: SBG, *, n_boot: int, seed: int) -> list[SBG]:
    rng = np.random.default_rng(seed)
    horizon = counts.shape[1] - 1
    t = np.arange(1, horizon + 1)
    # P(T = t) for t = 1..horizon, then the rest (alive at the end of the longest observation)
    pmf = model.survival(t - 1) - model.survival(t)
    probs = np.append(pmf, max(0.0, 1.0 - pmf.sum()))
    probs = probs / probs.sum()
    last_seen = [int(np.max(np.nonzero(~np.isnan(row))[0])) for row in counts]
    sizes = np.nan_to_num(counts[:, 0]).astype(int)
    curves = []
    for _ in range(n_boot):
        deaths = np.zeros(horizon)
        alive_end = np.zeros(horizon)
        for size, n_obs in zip(sizes, last_seen, strict=True):
            if n_obs == 0 or size == 0:
                continue
            # churn times of this cohort's customers; those beyond its last observed period are censored
            drawn = rng.multinomial(size, probs)
            deaths[:n_obs] += drawn[:n_obs]
            alive_end[n_obs - 1] += size - drawn[:n_obs].sum()
        if deaths.sum() == 0:  # a replicate without any churn says nothing about the churn distribution
            continue
        a, b, _ = _maximise(deaths, alive_end, start=(model.alpha, model.beta))
        curves.append(SBG(a, b))
    return curves


def project_cohorts(survivors: pd.DataFrame, model: SBG, *, periods: int = 12) -> pd.DataFrame:
    """Each cohort's survival, observed cells then projected ones, as one long table.

    A cohort seen up to age ``n`` with ``c_n`` customers left is projected as ``c_n / size * S(t) /
    S(n)`` for t = n + 1 .. n + ``periods``: the population curve from the cohort's own last observed
    point.

    Parameters
    ----------
    survivors : pandas.DataFrame
        :func:`survivors_from_cohorts`'s table (cohorts as rows, k as columns, NaN where not observed).
    model : SBG
        The fitted model.
    periods : int, default 12
        Periods to project per cohort.

    Returns
    -------
    pandas.DataFrame
        Columns ``cohort``, ``k``, ``survival`` and ``projected`` (bool); the observed cells come
        first within a cohort.

    Examples
    --------
    >>> s = pd.DataFrame({0: [4.0], 1: [2.0], 2: [np.nan]}, index=["2024-01"])
    >>> project_cohorts(s, SBG(1.0, 1.0), periods=2)  # from 0.5 at k=1: 0.5 * (1/3)/(1/2), 0.5 * (1/4)/(1/2)
        cohort  k  survival  projected
    0  2024-01  0  1.000000      False
    1  2024-01  1  0.500000      False
    2  2024-01  2  0.333333       True
    3  2024-01  3  0.250000       True
    """
    rows = []
    for cohort, row in survivors.iterrows():
        values = row.to_numpy(dtype=float)
        seen = np.nonzero(~np.isnan(values))[0]
        if len(seen) == 0 or values[0] <= 0:
            continue
        size = values[0]
        ks = [int(c) for c in survivors.columns]
        for j in seen:
            rows.append((cohort, ks[j], values[j] / size, False))
        n = ks[seen[-1]]
        base = values[seen[-1]] / size
        future = np.arange(n + 1, n + periods + 1)
        for t, s in zip(future, base * model.survival(future) / model.survival(n), strict=True):
            rows.append((cohort, int(t), float(s), True))
    return pd.DataFrame(rows, columns=["cohort", "k", "survival", "projected"])


def cohort_ltv(
    model: SBG,
    arpa: float,
    *,
    margin: float = 1.0,
    horizon: int = 60,
    discount_rate: float = 0.0,
) -> dict[str, float]:
    """The model's LTV of a new customer: ARPA x margin x expected (discounted) months as a customer.

    ``LTV = arpa * margin * sum_{t=0..horizon-1} S(t) / (1 + d)^t`` (paid at the start of each month it is
    still a customer). The formula LTV (ARPA x margin / churn) assumes a constant churn, i.e. a
    lifetime of 1 / churn; the sBG curve lets churn fall as the easily lost customers leave.

    Parameters
    ----------
    model : SBG
        The fitted model (periods in months).
    arpa : float
        Revenue per customer per month.
    margin : float, default 1.0
        Gross margin.
    horizon : int, default 60
        Months counted.
    discount_rate : float, default 0.0
        Monthly discount rate.

    Returns
    -------
    dict
        ``expected_lifetime`` (months within the horizon, discounted if asked) and ``ltv``.

    Examples
    --------
    >>> cohort_ltv(SBG(1.0, 1.0), 100.0, horizon=2)  # 100 * (1 + 1/2)
    {'expected_lifetime': 1.5, 'ltv': 150.0}
    """
    life = model.expected_lifetime(horizon=horizon, discount_rate=discount_rate)
    return {"expected_lifetime": life, "ltv": float(arpa * margin * life)}

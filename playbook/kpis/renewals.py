"""Contract renewals: the contract terms of the subscriptions, their ends, and the renewal rates by contract-end month.

A contract runs in terms of ``term_months`` months (an optional column: 24 or 36 for a
multi-year contract; 12 when absent or empty). A subscription row has contract terms
when it has a ``contract_end_date`` (the last day of the term in force), a
``term_months``, or is billed annually. Its terms end on the ``contract_end_date``
and every ``term_months`` months before and after it; without one, the day before
the start date moved by each multiple of ``term_months`` months (the start's day
clipped to the month's length: a 29 February start renews on 28 February in other
years, a 31 August start with a 6-month term on the last day of February). Monthly
rows without a contract end or a term renew every month and have no term worth
planning for.

**Renewal outcome.** The contracts whose end fell in month M are judged at the
end of M+1: an account *renewed* when it still pays then (MRR > 0 at the end of
M+1). Its ARR *before* is its ARR at the end of M-1 (before any notice or
churn), its ARR *after* the ARR at the end of M+1. The **logo renewal rate** of
M is renewed accounts / accounts whose contract ended in M (paying at the end of
M-1); the **ARR renewal rate** is the sum over those accounts of min(ARR after,
ARR before) / the sum of ARR before: *capped* at each account's ARR before, so
an upsell at renewal cannot hide a lost contract (a gross rate, like GRR). The
uncapped ratio (after / before, like NRR) is given beside it. As catalog KPIs,
the value of review month m is the rate of the contracts that ended in m-1 (the
latest end month whose outcome is known at the end of m), named in ``note``
("cohort 2026-09").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import ratio_table, with_cohort_note

__all__ = [
    "TERM_MONTHS",
    "has_contract_terms",
    "contract_terms",
    "contract_ends",
    "renewal_outcomes",
    "renewal_rates",
    "logo_renewal_rate",
    "arr_renewal_rate",
]

#: The length of a contract term, in months, when ``term_months`` does not say.
TERM_MONTHS = 12

_OUTCOME_COLUMNS = [
    "account_id",
    "end_month",
    "contract_end",
    "renewing_mrr",
    "mrr_before",
    "mrr_after",
    "renewed",
]


def has_contract_terms(subscriptions: pd.DataFrame | None) -> bool:
    """Whether the subscriptions can tell contract terms: a ``contract_end_date``, ``term_months`` or ``billing_period`` column.

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        The subscriptions table.

    Returns
    -------
    bool
        True when the table is given and has any of these columns.

    Examples
    --------
    >>> has_contract_terms(pd.DataFrame({"billing_period": ["annual"]})), has_contract_terms(None)
    (True, False)
    """
    cols = {"contract_end_date", "term_months", "billing_period"}
    return subscriptions is not None and bool(cols & set(subscriptions.columns))


def contract_terms(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Per subscription row: whether it has contract terms, and the length of its term in months.

    A row has terms when it has a ``contract_end_date``, a ``term_months``, or ``billing_period == "annual"``.
    Its term is ``term_months`` when given (a whole number of months, at least 1), else :data:`TERM_MONTHS`.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        Subscriptions, with any of ``contract_end_date``, ``term_months`` and ``billing_period``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``subscriptions``: ``has_terms`` (bool) and ``term_months`` (int64; 12 where not given).

    Examples
    --------
    >>> subs = pd.DataFrame({"billing_period": ["annual", "monthly", "monthly", "annual"],
    ...     "term_months": [36, None, 24, None]})
    >>> contract_terms(subs)
       has_terms  term_months
    0       True           36
    1      False           12
    2       True           24
    3       True           12
    """
    s = subscriptions
    none = pd.Series(False, index=s.index)
    given = pd.to_datetime(s["contract_end_date"]).notna() if "contract_end_date" in s.columns else none
    annual = (s["billing_period"] == "annual").fillna(False).astype(bool) if "billing_period" in s.columns else none
    term = pd.to_numeric(s["term_months"], errors="coerce") if "term_months" in s.columns else None
    term = term.where(term >= 1) if term is not None else pd.Series(np.nan, index=s.index)
    return pd.DataFrame(
        {
            "has_terms": (given | annual | term.notna()).astype(bool),
            "term_months": term.fillna(TERM_MONTHS).round().astype("int64"),
        },
        index=s.index,
    )


def _shift_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Each date moved by whole months, its day clipped to the month's length (31 August + 6 -> 28 February)."""
    d = dates.astype("datetime64[D]")
    start = d.astype("datetime64[M]")
    day = (d - start.astype("datetime64[D]")).astype(np.int64)
    target = start + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    last = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64) - 1
    return target.astype("datetime64[D]") + np.minimum(day, last).astype("timedelta64[D]")


def contract_ends(subscriptions: pd.DataFrame | None, start, end) -> pd.DataFrame:
    """Every contract-term end from ``start`` to ``end`` (inclusive) of a subscription row still running on that day.

    A row's terms (:func:`contract_terms`) are anchored on its ``contract_end_date`` when given (the day after it
    is a renewal date, and so is the same day every ``term_months`` months before and after), else on its start
    date (the renewal dates are the start moved by each multiple of ``term_months``: its anniversaries for a
    12-month term). A term end counts when it falls between the row's start date and
    its end date (inclusive; an open row runs on): a row replaced in the middle of a term (a plan change) has no
    end in that term.

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        Subscriptions: ``account_id``, ``start_date``, ``end_date``, ``mrr`` and any of ``billing_period``,
        ``contract_end_date`` and ``term_months``; ``auto_renew`` and ``notice_days`` are carried when present.
    start, end : str or pandas.Timestamp
        The first and last day of the period.

    Returns
    -------
    pandas.DataFrame
        One row per subscription row and term end, sorted by ``contract_end`` and ``account_id``: ``account_id``,
        ``contract_end`` (Timestamp), ``mrr`` (the row's MRR), ``auto_renew`` (nullable boolean) and
        ``notice_days`` (nullable integer), missing when the data does not say, ``term_months`` (the row's term)
        and ``row`` (the row's index in ``subscriptions``).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b", "c"], "billing_period": ["annual", "monthly", "annual"],
    ...     "start_date": pd.to_datetime(["2024-02-29", "2026-01-01", "2025-03-15"]),
    ...     "end_date": pd.to_datetime([None, None, "2026-03-14"]), "mrr": [50_000.0, 9_000.0, 20_000.0]})
    >>> contract_ends(subs, "2025-01-01", "2026-12-31")[["account_id", "contract_end", "mrr"]]
      account_id contract_end      mrr
    0          a   2025-02-27  50000.0
    1          a   2026-02-27  50000.0
    2          c   2026-03-14  20000.0
    """
    out = pd.DataFrame(
        {
            "account_id": pd.Series(dtype="str"),
            "contract_end": pd.Series(dtype="datetime64[ns]"),
            "mrr": pd.Series(dtype="float64"),
            "auto_renew": pd.Series(dtype="boolean"),
            "notice_days": pd.Series(dtype="Int64"),
            "term_months": pd.Series(dtype="int64"),
            "row": pd.Series(dtype="int64"),
        }
    )
    if not has_contract_terms(subscriptions) or not len(subscriptions):
        return out
    terms = contract_terms(subscriptions)
    has = terms["has_terms"].to_numpy()
    if not has.any():
        return out
    s, term = subscriptions[has], terms["term_months"].to_numpy()[has]
    given = s["contract_end_date"] if "contract_end_date" in s.columns else pd.Series(pd.NaT, index=s.index)
    given = pd.to_datetime(given)
    # the renewal date a term end is the day before: the day after the given end, else the start date
    base = np.where(
        given.notna().to_numpy(),
        (given + pd.Timedelta(days=1)).to_numpy().astype("datetime64[D]"),
        s["start_date"].to_numpy().astype("datetime64[D]"),
    )
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    # the multiples k of the term that can land in [lo, hi]: one term of margin either side
    base_m = base.astype("datetime64[M]").astype(np.int64)
    lo_m, hi_m = 12 * (lo.year - 1970) + lo.month - 1, 12 * (hi.year - 1970) + hi.month - 1
    k_lo = np.floor_divide(lo_m - base_m, term) - 1
    k_hi = -np.floor_divide(base_m - hi_m, term) + 1
    n = (k_hi - k_lo + 1).clip(min=0)
    rows = np.repeat(np.arange(len(s)), n)
    k = k_lo[rows] + (np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n))
    ends = _shift_months(base[rows], k * term[rows]) - np.timedelta64(1, "D")
    ends = pd.DatetimeIndex(ends.astype("datetime64[ns]"))
    first = s["start_date"].to_numpy()[rows]
    last = s["end_date"].to_numpy()[rows]
    keep = (ends >= lo) & (ends <= hi) & (ends >= first) & (pd.isna(last) | (ends <= last))
    rows, ends = rows[keep], ends[keep]
    picked = s.iloc[rows]
    out = pd.DataFrame(
        {
            "account_id": picked["account_id"].astype("str").to_numpy(),
            "contract_end": ends,
            "mrr": picked["mrr"].to_numpy(dtype="float64"),
            "auto_renew": pd.array(picked["auto_renew"], dtype="boolean")
            if "auto_renew" in s.columns
            else pd.array([pd.NA] * len(rows), dtype="boolean"),
            "notice_days": pd.array(picked["notice_days"], dtype="Int64")
            if "notice_days" in s.columns
            else pd.array([pd.NA] * len(rows), dtype="Int64"),
            "term_months": term[rows].astype("int64"),
            "row": picked.index.to_numpy(dtype="int64"),
        }
    )
    return out.sort_values(["contract_end", "account_id", "row"], kind="stable").reset_index(drop=True)


def _mrr_at(snapshots: pd.DataFrame, accounts: np.ndarray, months: pd.PeriodIndex) -> np.ndarray:
    """Each account's MRR at the end of its month (0 when it has no snapshot then)."""
    mrr = snapshots.groupby(["account_id", "month"])["mrr"].sum()
    key = pd.MultiIndex.from_arrays([pd.Index(accounts, dtype="str"), pd.PeriodIndex(months, freq="M")])
    return mrr.reindex(key).fillna(0.0).to_numpy(dtype="float64")


def renewal_outcomes(subscriptions: pd.DataFrame | None, snapshots: pd.DataFrame, end_months) -> pd.DataFrame:
    """Per account and contract-end month: the MRR renewing, the MRR before and after, and whether it renewed.

    An account counts in month M when a contract term of its ends in M (:func:`contract_ends`) and it pays at the
    end of M-1. ``mrr_after`` and ``renewed`` are missing while M+1 is later than the last month of ``snapshots``
    (the outcome is not known yet).

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        Subscriptions (see :func:`contract_ends`).
    snapshots : pandas.DataFrame
        Month-end MRR per account (``account_id``, ``month``, ``mrr``), as from
        :func:`~playbook.kpis.snapshots.dataset_snapshots`.
    end_months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The contract-end months.

    Returns
    -------
    pandas.DataFrame
        One row per account and end month, sorted by ``end_month`` and ``account_id``: ``account_id``,
        ``end_month`` (Period), ``contract_end`` (its earliest term end in the month), ``renewing_mrr`` (the MRR
        of its rows whose term ends in the month), ``mrr_before`` (account MRR at the end of M-1), ``mrr_after``
        (at the end of M+1) and ``renewed`` (nullable boolean: ``mrr_after > 0``).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b"], "billing_period": ["annual", "annual"],
    ...     "start_date": pd.to_datetime(["2025-03-15", "2025-03-01"]),
    ...     "end_date": pd.to_datetime([None, "2026-02-28"]), "mrr": [100.0, 50.0]})
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "b"], "mrr": [100.0, 120.0, 50.0],
    ...     "month": pd.PeriodIndex(["2026-02", "2026-03", "2026-01"], freq="M")})
    >>> renewal_outcomes(subs, snaps, ["2026-02", "2026-03"])[["account_id", "end_month", "mrr_before", "mrr_after", "renewed"]]
      account_id end_month  mrr_before  mrr_after  renewed
    0          b   2026-02        50.0        0.0    False
    1          a   2026-03       100.0        NaN     <NA>
    """
    end_months = pd.PeriodIndex(end_months, freq="M")
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in _OUTCOME_COLUMNS})
    if not len(end_months):
        return empty
    ends = contract_ends(subscriptions, end_months.min().start_time, end_months.max().end_time.normalize())
    ends["end_month"] = ends["contract_end"].dt.to_period("M")
    ends = ends[ends["end_month"].isin(end_months)]
    acc = ends.groupby(["end_month", "account_id"], as_index=False).agg(
        contract_end=("contract_end", "min"), renewing_mrr=("mrr", "sum")
    )
    ids = acc["account_id"].to_numpy()
    months = pd.PeriodIndex(acc["end_month"], freq="M")
    acc["mrr_before"] = _mrr_at(snapshots, ids, months - 1)
    after = _mrr_at(snapshots, ids, months + 1)
    last = snapshots["month"].max() if len(snapshots) else None
    known = np.asarray(months + 1 <= last) if last is not None else np.zeros(len(acc), bool)
    acc["mrr_after"] = np.where(known, after, np.nan)
    acc["renewed"] = pd.array(np.where(known, after > 0, False), dtype="boolean")
    acc.loc[~known, "renewed"] = pd.NA
    acc = acc[acc["mrr_before"] > 0]
    return acc[_OUTCOME_COLUMNS].sort_values(["end_month", "account_id"]).reset_index(drop=True)


def renewal_rates(outcomes: pd.DataFrame, end_months) -> pd.DataFrame:
    """Logo and ARR renewal rates per contract-end month, from :func:`renewal_outcomes`.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        As from :func:`renewal_outcomes`.
    end_months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The contract-end months to report.

    Returns
    -------
    pandas.DataFrame
        One row per end month: ``end_month``, ``contracts`` (accounts whose contract ended, paying at the end of
        M-1), ``renewed`` (of those, paying at the end of M+1), ``logo_rate`` (renewed / contracts),
        ``arr_before`` (12 x their MRR at the end of M-1), ``arr_kept`` (12 x the sum of min(after, before)),
        ``arr_after`` (12 x their MRR at the end of M+1), ``arr_rate`` (arr_kept / arr_before, capped) and
        ``arr_rate_uncapped`` (arr_after / arr_before). Rates are NaN without contracts, and every outcome is NaN
        while it is not known yet.

    Examples
    --------
    >>> o = pd.DataFrame({"account_id": ["a", "b", "c"], "end_month": pd.PeriodIndex(["2026-02"] * 3, freq="M"),
    ...     "mrr_before": [100.0, 50.0, 50.0], "mrr_after": [0.0, 60.0, 40.0],
    ...     "renewed": pd.array([False, True, True], dtype="boolean")})
    >>> r = renewal_rates(o, ["2026-02"])
    >>> r[["contracts", "renewed", "logo_rate", "arr_before", "arr_kept"]].round(3)
       contracts  renewed  logo_rate  arr_before  arr_kept
    0          3        2      0.667      2400.0    1080.0
    >>> r[["arr_rate", "arr_rate_uncapped"]]
       arr_rate  arr_rate_uncapped
    0      0.45                0.5
    """
    end_months = pd.PeriodIndex(end_months, freq="M")
    o = outcomes[outcomes["mrr_before"] > 0] if len(outcomes) else outcomes
    rows = []
    for m in end_months:
        part = o[o["end_month"] == m] if len(o) else o
        n = len(part)
        known = n > 0 and bool(part["renewed"].notna().all())
        before = 12 * float(part["mrr_before"].sum()) if n else 0.0
        after = 12 * float(part["mrr_after"].sum()) if known else np.nan
        kept = 12 * float(np.minimum(part["mrr_after"], part["mrr_before"]).sum()) if known else np.nan
        renewed = int(part["renewed"].sum()) if known else pd.NA
        rows.append(
            {
                "end_month": m,
                "contracts": n,
                "renewed": renewed,
                "logo_rate": renewed / n if known else np.nan,
                "arr_before": before,
                "arr_kept": kept,
                "arr_after": after,
                "arr_rate": kept / before if known and before > 0 else np.nan,
                "arr_rate_uncapped": after / before if known and before > 0 else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["end_month"])
    if len(out):
        out["end_month"] = pd.PeriodIndex(out["end_month"], freq="M")
        out["renewed"] = pd.array(out["renewed"], dtype="Int64")
    return out


def _kpi(outcomes: pd.DataFrame, months, numerator: str, denominator: str) -> pd.DataFrame:
    months = pd.PeriodIndex(months, freq="M")
    rates = renewal_rates(outcomes, months - 1)
    table = ratio_table(
        months,
        rates[numerator].fillna(0).to_numpy(dtype="float64"),
        rates[denominator].to_numpy(dtype="float64"),
        rates["contracts"].to_numpy(),
        zero_reason="no accounts in the cohort",
    )
    return with_cohort_note(table, months - 1)


def logo_renewal_rate(outcomes: pd.DataFrame, months) -> pd.DataFrame:
    """Logo renewal rate per review month: of the accounts whose contract ended last month, the share still paying.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        As from :func:`renewal_outcomes`, covering the months before ``months``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The review months; month m reports the contracts that ended in m-1, judged at the end of m.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator`` (renewed accounts), ``denominator`` and ``n``
        (accounts whose contract ended in m-1), ``note`` (``"cohort <m-1>"``; with "no accounts in the cohort"
        when none ended).

    Examples
    --------
    >>> o = pd.DataFrame({"account_id": ["a", "b", "c"], "end_month": pd.PeriodIndex(["2026-02"] * 3, freq="M"),
    ...     "mrr_before": [100.0, 50.0, 50.0], "mrr_after": [0.0, 60.0, 40.0],
    ...     "renewed": pd.array([False, True, True], dtype="boolean")})
    >>> logo_renewal_rate(o, ["2026-03", "2026-04"]).round({"value": 3})[["month", "value", "n", "note"]]
         month  value  n                                         note
    0  2026-03  0.667  3                               cohort 2026-02
    1  2026-04    NaN  0  no accounts in the cohort (cohort 2026-03)
    """
    return _kpi(outcomes, months, "renewed", "contracts")


def arr_renewal_rate(outcomes: pd.DataFrame, months) -> pd.DataFrame:
    """ARR renewal rate per review month, capped: the ARR kept of the contracts that ended last month / their ARR before.

    Each account's ARR after is capped at its ARR before (min(after, before)), so an upsell at renewal cannot
    hide a lost contract; see :func:`renewal_rates` for the uncapped ratio.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        As from :func:`renewal_outcomes`, covering the months before ``months``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The review months; month m reports the contracts that ended in m-1, judged at the end of m.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator`` (ARR kept), ``denominator`` (ARR before), ``n``
        (accounts whose contract ended in m-1), ``note`` (``"cohort <m-1>"``).

    Examples
    --------
    >>> o = pd.DataFrame({"account_id": ["a", "b", "c"], "end_month": pd.PeriodIndex(["2026-02"] * 3, freq="M"),
    ...     "mrr_before": [100.0, 50.0, 50.0], "mrr_after": [0.0, 60.0, 40.0],
    ...     "renewed": pd.array([False, True, True], dtype="boolean")})
    >>> arr_renewal_rate(o, ["2026-03"])[["value", "numerator", "denominator", "n"]]
       value  numerator  denominator  n
    0   0.45     1080.0       2400.0  3
    """
    return _kpi(outcomes, months, "arr_kept", "arr_before")

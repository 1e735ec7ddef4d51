"""The data check: what tables there are, what they cover, and which KPI families they allow."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from playbook.data.dataset import Dataset, month_of
from playbook.data.schema import TABLES
from playbook.kpis import purchases
from playbook.kpis.families import FAMILIES, SUBS, describe_needs, missing_tables
from playbook.kpis.revenue import month_end_mrr, month_end_mrr_from_monthly, mrr_by_month
from playbook.kpis.usage import usage_volume

__all__ = [
    "table_inventory",
    "kpi_family_availability",
    "monthly_row_counts",
    "monthly_overview",
    "DataCheckSummary",
    "data_check_summary",
    "purchase_review",
    "PURCHASE_REVIEW_FAMILIES",
]

#: The subscription families a purchase review (accounts + transactions, no subscriptions) answers from purchases
#: instead: revenue by purchase revenue and buyers (03), retention by new and repeat buyers and purchase cohorts (03,
#: 04), value by order value and realised and modelled customer value (03-05), health by RFM and P(alive) (05).
PURCHASE_REVIEW_FAMILIES = ("revenue", "retention", "value", "health")


def purchase_review(tables) -> bool:
    """Whether a dataset of these tables is reviewed by purchases: ``transactions`` and no subscription table.

    ``transactions`` may replace ``subscriptions`` (:data:`playbook.data.schema.TABLES`, ``replaces``): accounts and
    transactions alone are a valid dataset, the review of a repeat-purchase business.

    Parameters
    ----------
    tables : iterable of str
        The tables a dataset has (``ds.tables``).

    Returns
    -------
    bool
        True with ``transactions`` and neither ``subscriptions`` nor ``mrr_monthly``.

    Examples
    --------
    >>> purchase_review(["accounts", "transactions"]), purchase_review(["accounts", "subscriptions", "transactions"])
    (True, False)
    """
    tables = set(tables)
    return "transactions" in tables and not tables & set(SUBS)


def _required(name: str, present) -> bool:
    """Whether the dataset needs table ``name``: a required table unless a table standing in for it (or replacing
    it) is given, and such a stand-in when the table itself is absent."""
    table = TABLES[name]
    alternatives = [t.name for t in TABLES.values() if table.name in (t.stands_in_for, t.replaces)]
    if table.required:
        return name in present or not any(a in present for a in alternatives)
    target = table.stands_in_for or table.replaces
    if target is None or target in present:
        return False
    # the first alternative given stands in (mrr_monthly before transactions: a subscription review)
    given = [t.name for t in TABLES.values() if target in (t.stands_in_for, t.replaces) and t.name in present]
    return bool(given) and given[0] == name


def table_inventory(ds: Dataset) -> pd.DataFrame:
    """One row per table of the contract: file, rows, date range and accounts covered.

    Tables that were not provided are listed with empty counts, so the reader
    sees what is missing as well as what is there.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).

    Returns
    -------
    pandas.DataFrame
        One row per table, in contract order: ``table``, ``file`` (a folder ends
        with ``/``; empty when absent), ``required`` (for this dataset: ``accounts``, and
        ``subscriptions`` unless ``mrr_monthly`` or ``transactions`` stands in for it, then
        that table), ``rows`` (sessions for
        usage), ``columns``, ``first_date`` and ``last_date`` (text:
        ``YYYY-MM-DD``, or ``YYYY-MM`` for a month column), ``accounts``
        (distinct account ids) and ``account_coverage`` (``accounts`` / the rows
        of ``accounts``). Counts are missing and dates empty for an absent
        table; ``accounts`` and ``account_coverage`` too for a table without
        ``account_id``.
    """
    n_accounts = len(ds.accounts)
    present = set(ds.tables)
    rows = []
    for name, table in TABLES.items():
        df = getattr(ds, name)
        row = {
            "table": name,
            "file": ds.label(name) if df is not None else "",
            "required": _required(name, present),
            "rows": pd.NA,
            "columns": pd.NA,
            "first_date": "",
            "last_date": "",
            "accounts": pd.NA,
            "account_coverage": float("nan"),
        }
        if name == "usage" and df is not None:  # a summary: rows per day and month, not the rows themselves
            first, last = df.date_range()
            n = len(df.account_ids())
            row.update(
                rows=len(df),
                columns=len(df.columns),
                first_date=f"{first:%Y-%m-%d}",
                last_date=f"{last:%Y-%m-%d}",
                accounts=n,
                account_coverage=n / n_accounts,
            )
        elif df is not None:
            row.update(rows=len(df), columns=df.shape[1])
            if table.date_col:
                s = df[table.date_col].dropna()
                fmt = (lambda v: str(v)) if isinstance(s.dtype, pd.PeriodDtype) else (lambda v: v.strftime("%Y-%m-%d"))
                row.update(first_date=fmt(s.min()), last_date=fmt(s.max()))
            if "account_id" in df.columns:
                n = df["account_id"].dropna().nunique()
                row.update(accounts=n, account_coverage=n / n_accounts)
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("rows", "columns", "accounts"):
        out[col] = out[col].astype("Int64")
    return out


def kpi_family_availability(ds: Dataset, lang: str = "en") -> pd.DataFrame:
    """Which KPI families the tables present allow, and what is missing for the others.

    Columns: ``family`` (its name in ``lang``), ``needs``, ``available``, ``missing``.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    lang : {"en", "ja"}, default "en"
        The language of the family's scope and of the words joining table names (the KPI families' own texts,
        :mod:`playbook.kpis.families`); the table names stay as they are.

    Returns
    -------
    pandas.DataFrame
        One row per KPI family: ``family``, ``needs`` (the tables it needs, as
        text), ``available`` (bool) and ``missing`` (the tables lacking, listed;
        empty when available).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ds = SimpleNamespace(tables={"accounts": None, "subscriptions": None})
    >>> value = kpi_family_availability(ds, "ja").loc[2]
    >>> value["needs"], bool(value["available"]), value["missing"]
    ('subscriptions または mrr_monthly、costs', False, 'costs')
    """
    rows = []
    for fam in FAMILIES:
        missing = missing_tables(fam.needs, ds.tables, lang)
        rows.append(
            {
                "family": fam.scope(lang),
                "needs": describe_needs(fam.needs, lang),
                "available": not missing,
                "missing": describe_needs(tuple(missing), lang),
            }
        )
    return pd.DataFrame(rows)


def monthly_row_counts(ds: Dataset, months: pd.PeriodIndex) -> pd.DataFrame:
    """Rows per table (index) and calendar month (columns) for tables that place rows in time.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    months : pandas.PeriodIndex
        The months to count (monthly periods).

    Returns
    -------
    pandas.DataFrame
        Integer counts, one row per table present (indexed by table name) and
        one column per month, named as text (``2026-10``). Rows outside
        ``months`` are not counted.
    """
    counts = {}
    for name, df in ds.tables.items():
        col = TABLES[name].date_col
        if col is None:
            continue
        counts[name] = (
            df.rows_per_month(months)
            if name == "usage"
            else month_of(df[col]).value_counts().reindex(months, fill_value=0)
        )
    out = pd.DataFrame(counts).T
    out.columns = pd.PeriodIndex(months, freq="M").astype(str)
    return out.astype("int64")


def monthly_overview(ds: Dataset, months: pd.PeriodIndex) -> pd.DataFrame:
    """Month-end MRR and paying customers, purchases, and usage volume, for each month.

    Usage columns are NaN when the usage table is absent; the MRR columns are NaN for a
    dataset without subscriptions, and the purchase columns for a dataset without transactions.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    months : pandas.PeriodIndex
        The months to show (monthly periods).

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``mrr`` (total month-end MRR, from
        ``subscriptions`` or else ``mrr_monthly``), ``paying_customers``,
        ``sessions``, ``active_users`` and ``active_accounts``, then ``revenue``, ``buyers`` and ``orders`` (from
        ``transactions``).
    """
    if ds.subscriptions is not None:
        out = mrr_by_month(month_end_mrr(ds.subscriptions, months), months)
    elif ds.mrr_monthly is not None:
        out = mrr_by_month(month_end_mrr_from_monthly(ds.mrr_monthly, months), months)
    else:  # a transactions-only dataset
        out = pd.DataFrame({"month": pd.PeriodIndex(months, freq="M"), "mrr": float("nan")})
        out["paying_customers"] = float("nan")
    if ds.usage is not None:
        out = out.merge(usage_volume(ds.usage, months=months), on="month", how="left")
    else:
        for col in ("sessions", "active_users", "active_accounts"):
            out[col] = float("nan")
    if ds.transactions is not None:
        tx = ds.transactions
        out["revenue"] = purchases.revenue(tx, months)["value"].to_numpy()
        out["buyers"] = purchases.buyers(tx, months)["value"].to_numpy()
        out["orders"] = purchases.orders(tx, months)["value"].to_numpy()
    else:
        for col in ("revenue", "buyers", "orders"):
            out[col] = float("nan")
    return out


@dataclass(frozen=True)
class DataCheckSummary:
    """What the data check found, as numbers and codes: the report layer writes the verdict in words.

    Parameters
    ----------
    tables_read : int
        The tables of the contract the dataset has.
    tables_total : int
        The tables of the contract.
    as_of : pandas.Timestamp
        The date the data runs to.
    last_complete_month : pandas.Period
        The latest month whose data is complete.
    warnings : int
        The rows of the warnings table (none of them stops the review).
    unavailable_families : tuple of str
        The ids of the KPI families the tables do not allow (:data:`playbook.kpis.families.FAMILIES`), in order;
        in a purchase review, not those it answers from purchases.
    purchase_review : bool
        Accounts and transactions without subscriptions (:func:`purchase_review`): a valid dataset, reviewed by
        purchases.
    answered_by_purchases : tuple of str
        In a purchase review, the subscription families it answers from purchases instead
        (:data:`PURCHASE_REVIEW_FAMILIES`); empty otherwise.
    """

    tables_read: int
    tables_total: int
    as_of: pd.Timestamp
    last_complete_month: pd.Period
    warnings: int
    unavailable_families: tuple[str, ...]
    purchase_review: bool = False
    answered_by_purchases: tuple[str, ...] = ()


def data_check_summary(ds: Dataset, warnings: pd.DataFrame) -> DataCheckSummary:
    """Whether the data is ready for the review, as numbers and codes.

    The verdict in words is :func:`playbook.report.display.describe_data_check`.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    warnings : pandas.DataFrame
        The warnings table (:func:`playbook.data.dataset.data_warnings`); only
        its rows are counted.

    Returns
    -------
    DataCheckSummary
        The tables read (of the contract's), the as-of date, the latest complete
        month, the number of warnings, the ids of the KPI families not available and, for a
        dataset of accounts and transactions, the families a purchase review answers instead.
    """
    purchases_only = purchase_review(ds.tables)
    missing = [fam.id for fam in FAMILIES if missing_tables(fam.needs, ds.tables)]
    answered = tuple(f for f in missing if f in PURCHASE_REVIEW_FAMILIES) if purchases_only else ()
    return DataCheckSummary(
        tables_read=len(ds.tables),
        tables_total=len(TABLES),
        as_of=pd.Timestamp(ds.as_of),
        last_complete_month=pd.Period(ds.last_complete_month, freq="M"),
        warnings=len(warnings),
        unavailable_families=tuple(f for f in missing if f not in answered),
        purchase_review=purchases_only,
        answered_by_purchases=answered,
    )

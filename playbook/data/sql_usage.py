"""The usage log checked and summarised inside the database: only per-day, per-account-month and per-feature counts travel.

The SQL is written once, in SQLGlot's dialect, and transpiled to the database's (DuckDB and PostgreSQL are
tested; Snowflake, BigQuery, Trino, Spark and the other dialects SQLGlot writes are expected to work). Every
query aggregates (``GROUP BY`` or an aggregate over the whole table), so a session row never crosses the wire:

- the checks of :func:`~playbook.data.usage_log.validate_parquet` (required columns, empty ids and dates, a
  date that does not read as one, a negative, non-finite or non-numeric ``session_seconds``/``events``), as
  one ``SUM(CASE ...)`` per rule, then a few offending values per broken rule (``GROUP BY`` the value);
- the rows per day, the per account and month counts (sessions, distinct users, user-days, session seconds)
  and the distinct users per account, month and feature, from which every part of a
  :class:`~playbook.data.usage_log.UsageSummary` follows.

A timestamp is cut into days as the file path does: with a zone (a ``TIMESTAMP WITH TIME ZONE`` column, or
text ending in ``Z``/``+09:00``) in the dataset's timezone; without a zone as written.
"""

from __future__ import annotations

import pandas as pd
import sqlglot

from playbook.data.errors import Problem
from playbook.data.usage_log import UsageSummary, _months, summary_from_parts

__all__ = ["DatabaseUsage", "usage_problems", "summarise_usage", "transpile"]

MAX_EXAMPLES = 5
SOURCE = "__playbook_source__"  # stands for the table or query in the SQL written once
#: Text that reads as a date or a date-time, after '/' -> '-' (what the file path's ISO 8601 parser takes).
_DATE_TEXT = r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$"
_ZONED_TEXT = (
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
)
_NUMBER_TEXT = r"^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$"


def transpile(sql: str, dialect: str, source: str) -> str:
    """SQL written in SQLGlot's dialect, in ``dialect``, reading ``source`` (a table or ``(query) AS src``).

    Parameters
    ----------
    sql : str
        The query, written once, reading ``__playbook_source__``.
    dialect : str
        A SQLGlot dialect: ``duckdb``, ``postgres``, ``snowflake``, ``bigquery``, ``trino``, ``spark``, ...
    source : str
        The table or subquery, already in ``dialect``.

    Returns
    -------
    str

    Examples
    --------
    >>> transpile('SELECT COUNT(DISTINCT "user_id") AS n FROM __playbook_source__', "bigquery", "logs.sessions")
    'SELECT COUNT(DISTINCT `user_id`) AS n FROM logs.sessions'
    """
    return sqlglot.transpile(sql, write=dialect)[0].replace(SOURCE, source)


def _q(name: str) -> str:
    return sqlglot.exp.to_identifier(name, quoted=True).sql()


def _lit(text: str) -> str:
    return sqlglot.exp.Literal.string(text).sql()


def _text(col: str) -> str:
    return f"TRIM(CAST({col} AS VARCHAR))"


def _day(col: str, kind: str, tz: str) -> str:
    """The SQL of a usage row's day, in the dataset timezone for a timestamp with a zone."""
    if kind == "date":
        return f"CAST({col} AS DATE)"
    if kind == "timestamp":
        return f"CAST(CAST({col} AS TIMESTAMP) AS DATE)"
    if kind == "timestamptz":
        return f"CAST(CAST({col} AS TIMESTAMPTZ) AT TIME ZONE {_lit(tz)} AS DATE)"
    text = f"REPLACE({_text(col)}, '/', '-')"
    return (
        f"CASE WHEN REGEXP_LIKE({text}, {_lit(_ZONED_TEXT)}) "
        f"THEN CAST(CAST({text} AS TIMESTAMPTZ) AT TIME ZONE {_lit(tz)} AS DATE) "
        f"WHEN REGEXP_LIKE({text}, {_lit(_DATE_TEXT)}) THEN CAST(CAST({text} AS TIMESTAMP) AS DATE) END"
    )


def _number(col: str, kind: str) -> str:
    if kind == "number":
        return f"CAST({col} AS DOUBLE)"
    return f"CASE WHEN REGEXP_LIKE({_text(col)}, {_lit(_NUMBER_TEXT)}) THEN CAST({_text(col)} AS DOUBLE) END"


def _empty(col: str, kind: str) -> str:
    return f"{col} IS NULL" if kind != "text" else f"({col} IS NULL OR {_text(col)} = '')"


class _Usage:
    """The usage table or query in one database: its columns (contract name -> source column) and their kinds."""

    def __init__(self, db, source: str, label: str, columns: dict[str, str], kinds: dict[str, str], tz: str):
        self.db, self.source, self.label, self.tz = db, source, label, tz
        self.col = {contract: _q(src) for contract, src in columns.items()}
        self.kind = {contract: kinds[src] for contract, src in columns.items()}

    def run(self, sql: str, *, frame: bool = False):
        text = transpile(sql, self.db.dialect, self.source)
        return self.db.frame(text) if frame else self.db.rows(text)

    def day(self) -> str:
        return _day(self.col["date"], self.kind["date"], self.tz)

    def rows(self) -> str:
        """The sessions with the contract's columns, ids as text and the day (a subquery, never fetched)."""
        cols = [
            f"CAST({self.col['account_id']} AS VARCHAR) AS a",
            f"CAST({self.col['user_id']} AS VARCHAR) AS u",
            f"{self.day()} AS d",
            (f"NULLIF(CAST({self.col['feature']} AS VARCHAR), '') AS f" if "feature" in self.col else "NULL AS f"),
            (
                f"{_number(self.col['session_seconds'], self.kind['session_seconds'])} AS s"
                if "session_seconds" in self.col
                else "CAST(0 AS DOUBLE) AS s"
            ),
        ]
        return f"(SELECT {', '.join(cols)} FROM {SOURCE}) AS r"


def usage_problems(
    db, source: str, label: str, columns: dict[str, str], kinds: dict[str, str], tz: str
) -> list[Problem]:
    """The data contract's rules for the usage table, checked in the database with aggregate queries.

    Parameters
    ----------
    db : playbook.data.sql_engines.Database
        The open database.
    source : str
        The table (``public.usage``) or ``(query) AS src``, in the database's dialect.
    label : str
        How messages name the source (``table public.usage``).
    columns : dict of str to str
        Contract column -> the source's column, for the usage columns the source has.
    kinds : dict of str to str
        The source's columns and their kinds (:meth:`Database.describe`).
    tz : str
        The dataset's timezone.

    Returns
    -------
    list of Problem
        Empty when the table is valid; the same rules and messages as a folder of usage Parquet files, the
        examples being the offending values and how many rows hold each.
    """
    missing = [c for c in ("account_id", "user_id", "date") if c not in columns]
    if missing:
        found = [next((k for k, v in columns.items() if v == s), s) for s in kinds]
        return [Problem(label, c, f"missing required column; found columns: {found}") for c in missing]
    u = _Usage(db, source, label, columns, kinds, tz)
    rules = [
        ("account_id", "empty value in a required column", _empty(u.col["account_id"], "text"), None),
        ("user_id", "empty value in a required column", _empty(u.col["user_id"], "text"), None),
        ("date", "empty value in a required column", _empty(u.col["date"], u.kind["date"]), None),
    ]
    if u.kind["date"] not in ("date", "timestamp", "timestamptz"):
        rules.append(
            (
                "date",
                "not a date (expected YYYY-MM-DD)",
                f"NOT {_empty(u.col['date'], 'text')} AND ({u.day()}) IS NULL",
                u.col["date"],
            )
        )
    for name, whole in (("session_seconds", False), ("events", True)):
        if name not in u.col:
            continue
        col, kind = u.col[name], u.kind[name]
        num = _number(col, kind)
        if kind != "number":
            rules.append(
                (
                    name,
                    "not a whole number" if whole else "not a number",
                    f"NOT {_empty(col, 'text')} AND ({num}) IS NULL",
                    col,
                )
            )
        if whole:
            rules.append((name, "not a whole number", f"({num}) <> FLOOR({num}) AND NOT ABS({num}) > 1e308", col))
        rules.append((name, "not a finite number", f"ABS({num}) > 1e308", col))
        rules.append((name, "negative value (must be >= 0)", f"({num}) < 0 AND NOT ABS({num}) > 1e308", col))
    sums = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS c{i}" for i, (_c, _r, cond, _v) in enumerate(rules))
    total, *counts = u.run(f"SELECT COUNT(*) AS n, {sums} FROM {SOURCE}")[0]
    if not total:
        return [Problem(label, None, "empty table (a header but no rows)")]
    problems = []
    for (name, rule, cond, value), n in zip(rules, counts):
        n = int(n or 0)
        if not n:
            continue
        examples: tuple[str, ...] = ()
        if value is not None:
            shown = f"CAST({value} AS VARCHAR)"
            found = u.run(
                f"SELECT {shown} AS v, COUNT(*) AS n FROM {SOURCE} WHERE {cond} GROUP BY {shown} "
                f"ORDER BY v LIMIT {MAX_EXAMPLES}"
            )
            examples = tuple(f"'{v}' ({int(k)} row{'s' if int(k) != 1 else ''})" for v, k in found)
        problems.append(Problem(label, name, rule, n, examples))
    return problems


def _month_sql(day: str) -> str:
    return f"(EXTRACT(YEAR FROM {day}) - 1970) * 12 + EXTRACT(MONTH FROM {day}) - 1"


def summarise_usage(
    db, source: str, label: str, columns: dict[str, str], kinds: dict[str, str], tz: str
) -> DatabaseUsage:
    """The usage summary computed in the database (three ``GROUP BY`` queries); the table must be valid.

    Parameters
    ----------
    db, source, label, columns, kinds, tz
        As for :func:`usage_problems`.

    Returns
    -------
    DatabaseUsage
        Every part made at once, equal to :func:`~playbook.data.usage_log.summarise_frame` on the same rows.
    """
    u = _Usage(db, source, label, columns, kinds, tz)
    days = u.run(f"SELECT d AS day, COUNT(*) AS n FROM {u.rows()} GROUP BY d", frame=True)
    month = _month_sql("d")
    am = u.run(
        f"SELECT a AS account_id, {month} AS month, SUM(n) AS sessions, COUNT(DISTINCT u) AS users, "
        f"COUNT(*) AS user_days, COALESCE(SUM(s), 0) AS seconds "
        f"FROM (SELECT a, u, d, COUNT(*) AS n, SUM(s) AS s FROM {u.rows()} GROUP BY a, u, d) AS g "
        f"GROUP BY a, {month}",
        frame=True,
    )
    afu = None
    if "feature" in columns:
        afu = u.run(
            f"SELECT a AS account_id, {_month_sql('d')} AS month, f AS feature, COUNT(DISTINCT u) AS users "
            f"FROM {u.rows()} WHERE f IS NOT NULL GROUP BY a, {_month_sql('d')}, f",
            frame=True,
        )
    day_rows = pd.Series(
        days["n"].to_numpy(dtype="int64"),
        index=pd.DatetimeIndex(pd.to_datetime(days["day"]).astype("datetime64[ns]"), name="date"),
        name="rows",
    ).sort_index()
    account_month = pd.DataFrame(
        {
            "account_id": pd.array(am["account_id"].astype(object), dtype="str"),
            "month": _months(am["month"].to_numpy(dtype="int64")),
            **{c: am[c].to_numpy(dtype="int64") for c in ("sessions", "users", "user_days")},
            "seconds": am["seconds"].to_numpy(dtype="float64"),
        }
    )
    if afu is not None:
        afu = pd.DataFrame(
            {
                "account_id": pd.array(afu["account_id"].astype(object), dtype="str"),
                "month": _months(afu["month"].to_numpy(dtype="int64")),
                "feature": pd.array(afu["feature"].astype(object), dtype="str"),
                "users": afu["users"].to_numpy(dtype="int64"),
            }
        )
    kept = tuple(c for c in ("account_id", "user_id", "date", "feature", "session_seconds", "events") if c in columns)
    return DatabaseUsage.from_parts(account_month, afu, kept, label, day_rows=day_rows)


class DatabaseUsage(UsageSummary):
    """A usage summary made in a database: every part in memory, restricted to accounts without asking again.

    :meth:`for_accounts` rebuilds ``feature_month`` from ``account_features`` (distinct users per account,
    month and feature).
    """

    @classmethod
    def from_parts(
        cls, account_month: pd.DataFrame, afu: pd.DataFrame | None, columns, source: str, day_rows=None
    ) -> DatabaseUsage:
        """The summary from its per account-month and per account-month-feature counts.

        Examples
        --------
        >>> am = pd.DataFrame({"account_id": ["a", "b"], "month": pd.PeriodIndex(["2026-01", "2026-01"], freq="M"),
        ...                    "sessions": [3, 1], "users": [2, 1], "user_days": [2, 1], "seconds": [0.0, 0.0]})
        >>> s = DatabaseUsage.from_parts(am, None, ("account_id", "user_id", "date"), "table usage")
        >>> s.monthly(["2026-01"])[["sessions", "mau", "active_accounts"]].to_dict("records")
        [{'sessions': 4, 'mau': 3, 'active_accounts': 2}]
        >>> s.for_accounts(["b"]).account_month["sessions"].tolist()
        [1]
        """
        return summary_from_parts(account_month, afu, columns, source, day_rows=day_rows, cls=cls)

    def for_accounts(self, ids) -> DatabaseUsage:
        """The summary of some accounts' sessions (without ``day_rows``), from the parts already fetched."""
        ids = set(ids)
        am = self._parts["account_month"]
        afu = self._parts.get("account_features")
        return DatabaseUsage.from_parts(
            am[am["account_id"].isin(ids)],
            None if afu is None else afu[afu["account_id"].isin(ids)],
            self.columns,
            self.source,
        )

"""The usage log, reduced once to small per-account, per-month frames that every usage KPI reads.

A usage table can be tens of millions of sessions. Nothing in the playbook needs
the sessions themselves: MAU, DAU, stickiness, session time, feature adoption,
the health score's inputs and the early warnings all follow from

- ``account_month``: per account and month, sessions, active users, active
  user-days and session seconds;
- ``feature_month``: per month and feature, the active users who used it;
- ``account_features``: which features each account used in each month, by how many of its users;
- ``day_rows``: the rows per calendar day (for the data check).

:func:`summarise_frame` builds a :class:`UsageSummary` from a pandas table and
:func:`summarise_parquet` from a folder of Parquet files; both with the same DuckDB
queries (a pandas table is read in place, as Arrow, without a copy), whole months per
query, so the sessions are never expanded into per-session frames and memory stays
bounded by a batch's distinct users. Each query groups on the keys its part needs,
with one DISTINCT per level and the day computed once per row;
:func:`check_and_summarise_parquet` checks a folder in the scan that counts its rows
per day.

A *user* is the pair (``account_id``, ``user_id``), so exports that number users
per customer (1, 2, 3, ... in every account) are counted correctly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.data.errors import DataValidationError, Problem
from playbook.data.ids import arrow_text

__all__ = [
    "UsageSummary",
    "summary_from_parts",
    "frame_summary",
    "summarise_frame",
    "summarise_parquet",
    "check_and_summarise_parquet",
    "validate_parquet",
    "parquet_files",
    "folder_sha256",
    "cache_dir",
]

AM_COLUMNS = ["account_id", "month", "sessions", "users", "user_days", "seconds"]
SUMMARY_VERSION = 4
MAX_EXAMPLES = 5


class UsageSummary:
    """The usage log reduced to small frames (see the module docstring), each made when first needed.

    ``parts`` holds the frames already made; ``compute(name)`` makes a missing one
    (DuckDB queries for a Parquet folder). The parts:

    - ``day_rows``: rows per day (Series indexed by day);
    - ``account_ids``: the distinct accounts;
    - ``monthly``: per month with sessions: ``sessions``, ``mau``, ``user_days``,
      ``active_accounts``, ``seconds``;
    - ``account_month``: per account and month with sessions: ``sessions``,
      ``users``, ``user_days``, ``seconds``;
    - ``feature_month``: per month and feature, the active users who used it (``users``);
    - ``account_features``: the distinct (account, month, feature) used, with the
      account's active users of the feature that month (``users``).

    ``columns`` are the log's columns; ``source`` names the file or folder.
    A summary restricted to some accounts (:meth:`for_accounts`) has no ``day_rows``.
    """

    def __init__(self, parts: dict, columns: tuple[str, ...], source: str = "usage", compute=None):
        self._parts = dict(parts)
        self.columns = tuple(columns)
        self.source = source
        self._compute = compute

    def _part(self, name: str):
        if name not in self._parts:
            if self._compute is None:
                raise ValueError(f"this usage summary has no {name} (it covers some accounts only)")
            self._parts[name] = self._compute(name)
        return self._parts[name]

    @property
    def day_rows(self) -> pd.Series:
        """Rows (sessions) per calendar day: an ``int64`` Series named ``rows``, indexed by ``date``."""
        return self._part("day_rows")

    @property
    def account_month(self) -> pd.DataFrame:
        """Per account and month with sessions: sessions, active users, active user-days and session time.

        Columns ``account_id``, ``month``, ``sessions``, ``users``, ``user_days``
        and ``seconds`` (0 when the log has no ``session_seconds`` column), sorted
        by month, then account.
        """
        return self._part("account_month")

    @property
    def feature_month(self) -> pd.DataFrame | None:
        """Per month and feature, the active users who used it (``users``); None without a ``feature`` column."""
        return self._part("feature_month") if "feature" in self.columns else None

    @property
    def account_features(self) -> pd.DataFrame | None:
        """The distinct (``account_id``, ``month``, ``feature``) used and the account's ``users`` of it; None without a ``feature`` column."""
        return self._part("account_features") if "feature" in self.columns else None

    def _has(self, name: str) -> bool:
        return name in self._parts or self._compute is not None

    def __len__(self) -> int:
        """Rows of the usage log (sessions)."""
        return int(self.day_rows.sum() if self._has("day_rows") else self._part("monthly")["sessions"].sum())

    def __repr__(self) -> str:
        return f"UsageSummary({self.source}, {len(self)} sessions)"

    @property
    def has_seconds(self) -> bool:
        """Whether the log has a ``session_seconds`` column."""
        return "session_seconds" in self.columns

    @property
    def features(self) -> list[str]:
        """The distinct features used, sorted."""
        if self.feature_month is None:
            return []
        return sorted(self.feature_month["feature"].unique())

    def monthly(self, months) -> pd.DataFrame:
        """Per month of ``months``: sessions, active users (``mau``), active user-days, active accounts, session seconds and days.

        Parameters
        ----------
        months : sequence of str or pandas.Period
            The months to report, in the order wanted.

        Returns
        -------
        pandas.DataFrame
            One row per month: ``month``, ``sessions``, ``mau`` (distinct active
            users), ``user_days``, ``active_accounts`` (all four 0 in a month
            without sessions), ``seconds`` (total session seconds; NaN when the
            log has no ``session_seconds`` column) and ``days`` (days in the
            month).

        Examples
        --------
        >>> u = pd.DataFrame({"account_id": ["a", "a", "b"], "user_id": ["u1", "u1", "u1"],
        ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-31"])})
        >>> summarise_frame(u).monthly(pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))
             month  sessions  mau  user_days  active_accounts  seconds  days
        0  2026-01         3    2          2                2      NaN    31
        1  2026-02         0    0          0                0      NaN    28
        """
        months = pd.PeriodIndex(months, freq="M")
        g = self._part("monthly").set_index("month").reindex(months, fill_value=0)
        out = pd.DataFrame(
            {
                "month": months,
                **{c: g[c].to_numpy(dtype="int64") for c in ("sessions", "mau", "user_days", "active_accounts")},
                "seconds": g["seconds"].to_numpy(dtype="float64") if self.has_seconds else np.nan,
                "days": np.asarray(months.days_in_month, dtype="int64"),
            }
        )
        return out

    def feature_users(self, months) -> pd.DataFrame:
        """Per month of ``months`` and feature: active users who used the feature (0 where none did).

        Parameters
        ----------
        months : sequence of str or pandas.Period
            The months to report.

        Returns
        -------
        pandas.DataFrame
            One row per month and feature (every feature seen in the log, in
            every month): ``month``, ``feature``, ``users``. No rows when the log
            has no features.
        """
        months = pd.PeriodIndex(months, freq="M")
        features = self.features
        grid = pd.MultiIndex.from_product([months, features], names=["month", "feature"])
        if not features:
            return pd.DataFrame(
                {
                    "month": pd.PeriodIndex([], freq="M"),
                    "feature": pd.array([], dtype="str"),
                    "users": np.array([], dtype="int64"),
                }
            )
        n = self.feature_month.set_index(["month", "feature"])["users"].reindex(grid, fill_value=0)
        return pd.DataFrame(
            {
                "month": grid.get_level_values("month"),
                "feature": pd.array(grid.get_level_values("feature"), dtype="str"),
                "users": n.to_numpy(dtype="int64"),
            }
        )

    def account_ids(self) -> np.ndarray:
        """The distinct account ids in the log, sorted.

        Returns
        -------
        numpy.ndarray
            The account ids (object dtype).
        """
        return np.asarray(self._part("account_ids")["account_id"], dtype=object)

    def rows_per_month(self, months=None) -> pd.Series:
        """Rows (sessions) per calendar month, indexed by month.

        Parameters
        ----------
        months : sequence of str or pandas.Period, optional
            The months to report, 0 for a month without sessions. By default the
            months with sessions.

        Returns
        -------
        pandas.Series
            Integer counts indexed by month (``Period[M]``).
        """
        if self._has("day_rows"):
            n = self.day_rows.groupby(self.day_rows.index.to_period("M")).sum()
            n.index.name = "month"
        else:
            n = self._part("monthly").set_index("month")["sessions"].rename("rows")
        return n if months is None else n.reindex(pd.PeriodIndex(months, freq="M"), fill_value=0)

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last day with a session.

        Returns
        -------
        tuple of pandas.Timestamp
            ``(first, last)``; both NaT when the log has no sessions.
        """
        return self.day_rows.index.min(), self.day_rows.index.max()

    def to_frame(self) -> pd.DataFrame | None:
        """The session rows themselves when the log was read into memory from one file; None for a Parquet folder.

        Analyses use the summary's parts; this is for inspecting the rows in a notebook.

        Returns
        -------
        pandas.DataFrame or None
            The validated usage table, or None for a summary of a Parquet folder.
        """
        return self._parts.get("usage_frame")

    def for_accounts(self, ids) -> UsageSummary:
        """The summary of the sessions of some accounts only (without ``day_rows``).

        Parameters
        ----------
        ids : iterable of str
            Account ids to keep.

        Returns
        -------
        UsageSummary
            A new summary; this one is unchanged. For a Parquet folder it is cut
            from this summary's per-account parts (``account_month``,
            ``account_features``), without reading the folder again: a run's
            CSM books share the company's summary.

        Raises
        ------
        ValueError
            If the summary was made neither from a usage table nor from a Parquet
            folder, so it cannot be restricted.
        """
        ids = sorted(set(ids))
        if isinstance(self._compute, _Parts) and "usage_frame" not in self._parts:  # the parts, cut to the accounts
            am = self.account_month
            af = self.account_features
            return summary_from_parts(
                am[am["account_id"].isin(ids)],
                None if af is None else af[af["account_id"].isin(ids)],
                self.columns,
                self.source,
            )
        if "usage_frame" in self._parts:
            frame = self._parts["usage_frame"]
            return summarise_frame(frame[frame["account_id"].isin(ids)], source=self.source)
        raise ValueError("this usage summary cannot be restricted to accounts")


def summary_from_parts(
    account_month: pd.DataFrame, account_features: pd.DataFrame | None, columns, source: str, day_rows=None, cls=None
) -> UsageSummary:
    """A summary whose every part follows from its per account-month and per account-month-feature counts.

    ``monthly`` and ``account_ids`` follow from ``account_month``, ``feature_month`` from
    ``account_features``' users (a user belongs to one account). Without ``day_rows`` the summary
    has none.

    Parameters
    ----------
    account_month : pandas.DataFrame
        The ``account_month`` part (see :class:`UsageSummary`).
    account_features : pandas.DataFrame or None
        The ``account_features`` part with its ``users``; None without a ``feature`` column.
    columns : sequence of str
        The usage log's columns.
    source : str
        The file, folder or table it came from, for messages.
    day_rows : pandas.Series, optional
        Rows per day, when known.
    cls : type, optional
        The summary class to make (a subclass of :class:`UsageSummary`); by default UsageSummary.

    Returns
    -------
    UsageSummary
        Every part made; no more queries.

    Examples
    --------
    >>> am = pd.DataFrame({"account_id": ["a", "b"], "month": pd.PeriodIndex(["2026-01", "2026-01"], freq="M"),
    ...                    "sessions": [3, 1], "users": [2, 1], "user_days": [2, 1], "seconds": [0.0, 0.0]})
    >>> s = summary_from_parts(am, None, ("account_id", "user_id", "date"), "usage")
    >>> s.monthly(["2026-01"])[["sessions", "mau", "active_accounts"]].to_dict("records")
    [{'sessions': 4, 'mau': 3, 'active_accounts': 2}]
    """
    am = account_month.sort_values(["month", "account_id"]).reset_index(drop=True)
    parts = {"account_month": am, "monthly": _monthly_from(am), "account_ids": _ids_from(am)}
    if day_rows is not None:
        parts["day_rows"] = day_rows
    afu = account_features
    if afu is not None:
        afu = afu.sort_values(["month", "account_id", "feature"]).reset_index(drop=True)
        fm = afu.groupby(["month", "feature"], sort=True)["users"].sum().reset_index()
        parts["feature_month"] = _typed_fm(fm)
        parts["account_features"] = afu[["account_id", "month", "feature", "users"]]
    return (cls or UsageSummary)(parts, tuple(columns), source)


def _ids_from(am: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"account_id": pd.array(np.sort(pd.unique(am["account_id"].to_numpy(dtype=object))), dtype="str")}
    )


def _monthly_from(am: pd.DataFrame) -> pd.DataFrame:
    """The ``monthly`` part from the ``account_month`` part (a user belongs to one account)."""
    g = (
        am.groupby("month", sort=True)
        .agg(
            sessions=("sessions", "sum"),
            mau=("users", "sum"),
            user_days=("user_days", "sum"),
            active_accounts=("account_id", "size"),
            seconds=("seconds", "sum"),
        )
        .reset_index()
    )
    return _typed_monthly(g)


def _typed_monthly(g: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": _months(g["month"]),
            **{c: g[c].to_numpy(dtype="int64") for c in ("sessions", "mau", "user_days", "active_accounts")},
            "seconds": g["seconds"].to_numpy(dtype="float64"),
        }
    )


# --------------------------------------------------------------------------- from a pandas table


def frame_summary(usage: pd.DataFrame, source: str = "usage") -> UsageSummary:
    """The summary of a validated usage table, its parts made when first needed.

    The parts are made by DuckDB reading the table's columns in place (as Arrow, without copying them), the
    same queries as for a Parquet folder: a usage table of tens of millions of sessions is never expanded into
    per-session intermediate frames.

    Parameters
    ----------
    usage : pandas.DataFrame
        A validated usage table.
    source : str
        The file it came from, for messages.

    Returns
    -------
    UsageSummary
    """
    parts = _Parts(_FrameSource(usage), _Cache(None, None, False))
    return UsageSummary({"usage_frame": usage}, tuple(usage.columns), source, compute=parts)


def summarise_frame(usage: pd.DataFrame, source: str = "usage") -> UsageSummary:
    """Summarise a validated usage table (``account_id``, ``user_id``, ``date`` and optionally ``feature``, ``session_seconds``), every part at once.

    DuckDB reads the columns in place and groups them (see :func:`frame_summary`): no loop over rows or accounts,
    and no per-session copy of the table.

    Parameters
    ----------
    usage : pandas.DataFrame
        A validated usage table: ``account_id``, ``user_id``, ``date``
        (``datetime64``) and optionally ``feature`` and ``session_seconds``.
    source : str, default "usage"
        The file it came from, for messages.

    Returns
    -------
    UsageSummary
        Every part made at once (``feature_month`` and ``account_features`` only
        with a ``feature`` column); :meth:`UsageSummary.to_frame` returns
        ``usage``.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a", "a", "a"], "user_id": ["u1", "u1", "u2"], "feature": ["tasks", "chat", "tasks"],
    ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-09"])})
    >>> s = summarise_frame(u)
    >>> s.account_month
      account_id    month  sessions  users  user_days  seconds
    0          a  2026-01         3      2          2      0.0
    >>> s.feature_month
         month feature  users
    0  2026-01    chat      1
    1  2026-01   tasks      2
    """
    summary = frame_summary(usage, source)
    names = ["day_rows", "account_month", "monthly", "account_ids"]
    names += ["feature_month", "account_features"] if "feature" in usage.columns else []
    for name in names:
        summary._part(name)
    summary._compute = None  # every part is made: the DuckDB view of the table is no longer needed
    return summary


class _FrameSource:
    """A validated usage table as DuckDB sees it: its columns as an Arrow table registered on a connection (no copy)."""

    def __init__(self, usage: pd.DataFrame):
        import pyarrow as pa

        cols = {
            "account_id": arrow_text(usage["account_id"]),
            "user_id": arrow_text(usage["user_id"]),
            "date": pa.array(_naive_dates(usage["date"])),
        }
        if "feature" in usage.columns:
            cols["feature"] = arrow_text(usage["feature"])
        if "session_seconds" in usage.columns:
            seconds = pd.to_numeric(usage["session_seconds"]).to_numpy(dtype="float64", na_value=np.nan)
            cols["session_seconds"] = pa.array(seconds, from_pandas=True)  # NaN -> null: sums skip it, as pandas did
        self.con = _connect()
        self.name = "_usage_frame"
        self.con.register(self.name, pa.table(cols))
        self.scan = self.name
        self.types = {c: "" for c in cols}
        self.columns = tuple(usage.columns)
        self.day = "CAST(date AS DATE)"
        self.typed_date = True

    def rows(self, lo=None, hi=None) -> str:
        return _rows_sql(self, lo, hi)

    def day_bounds(self, lo, hi) -> str:
        return f"date >= TIMESTAMP '{lo}' AND date < TIMESTAMP '{hi}' + INTERVAL 1 DAY"


def _naive_dates(values: pd.Series) -> np.ndarray:
    """The dates as ``datetime64`` wall times (an aware column keeps its local times, as the day they fall on)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    return values.to_numpy()


# --------------------------------------------------------------------------- from a Parquet folder, with DuckDB


def parquet_files(folder: Path) -> list[Path]:
    """The Parquet files under ``folder`` (any depth, e.g. ``month=2026-10/part-0.parquet``), sorted.

    Parameters
    ----------
    folder : str or Path
        A folder of usage Parquet files.

    Returns
    -------
    list of Path
        Every file whose name ends in ``.parquet``, leaving out hidden files and
        those in hidden folders (a name starting with ``.``); empty when there
        are none.
    """
    return sorted(
        p
        for p in Path(folder).rglob("*.parquet")
        if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)
    )


def folder_sha256(folder: Path) -> str:
    """One sha256 over the relative paths and bytes of every Parquet file in ``folder``.

    Parameters
    ----------
    folder : str or Path
        A folder of Parquet files (as listed by :func:`parquet_files`).

    Returns
    -------
    str
        The digest as 64 hexadecimal characters; it changes when a file is
        added, removed, renamed or edited.
    """
    digest = hashlib.sha256()
    for path in parquet_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _connect():
    import duckdb

    tmp = Path(tempfile.gettempdir()) / "cs-kpi-playbook-duckdb"
    tmp.mkdir(exist_ok=True)
    con = duckdb.connect(
        config={
            "threads": os.cpu_count() or 1,
            "memory_limit": os.environ.get("PLAYBOOK_DUCKDB_MEMORY", "1GB"),
            "temp_directory": str(tmp),
        }
    )
    con.execute("SET TimeZone = 'UTC'")  # strings without an offset are read as written, whatever the machine's zone
    # in a terminal the bar would print to stderr; in Jupyter without ipywidgets DuckDB shows none and refuses the setting
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    return con


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Source:
    """The SQL that reads a usage folder with columns cast to the contract's kinds and the day in the dataset's timezone."""

    def __init__(self, con, folder: Path, tz: str):
        self.folder = Path(folder)
        self.con = con
        files = parquet_files(self.folder)
        if not files:
            raise DataValidationError(Problem(f"{self.folder.name}/", None, "folder holds no .parquet files"))
        self.files = files
        listing = "[" + ", ".join(_sql_str(str(p)) for p in files) + "]"
        self.scan = f"read_parquet({listing}, union_by_name = true, hive_partitioning = false, filename = true, file_row_number = true)"
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {self.scan}").fetchall()}
        self.types = {k: v for k, v in types.items() if k not in ("filename", "file_row_number")}
        self.columns = tuple(self.types)
        self.tz = tz
        date_type = self.types.get("date", "")
        self.date_type = date_type
        if date_type == "DATE":
            self.day = "date"
        elif date_type.startswith("TIMESTAMP WITH TIME ZONE"):
            self.day = f"CAST(timezone({_sql_str(tz)}, date) AS DATE)"
        elif date_type.startswith("TIMESTAMP"):
            self.day = "CAST(date AS DATE)"
        else:  # text: ISO dates or timestamps, with or without an offset, '/' allowed
            text = "replace(trim(CAST(date AS VARCHAR)), '/', '-')"
            self.day = (
                f"CASE WHEN regexp_matches({text}, '(Z|[+-]\\d{{2}}:?\\d{{2}})$') "
                f"THEN CAST(timezone({_sql_str(tz)}, try_cast({text} AS TIMESTAMPTZ)) AS DATE) "
                f"ELSE CAST(try_cast({text} AS TIMESTAMP) AS DATE) END"
            )
        self.typed_date = date_type in ("DATE",) or date_type.startswith("TIMESTAMP")

    def rows(self, lo=None, hi=None) -> str:
        """Rows with the derived ``day`` (optionally between two days, inclusive), ids as text."""
        return _rows_sql(self, lo, hi)

    def day_bounds(self, lo, hi) -> str:
        """A condition on the stored ``date`` equal to ``lo <= day <= hi``, without converting each row's date.

        For a typed column the bounds are turned into the column's type once (a zone's midnight as an instant), so
        the rows are compared as stored and DuckDB can skip the files and row groups of other months; a text column
        has to be read first (its day expression in the condition).
        """
        if self.date_type == "DATE":
            return f"date BETWEEN DATE '{lo}' AND DATE '{hi}'"
        if self.date_type.startswith("TIMESTAMP WITH TIME ZONE"):
            tz = _sql_str(self.tz)
            return (
                f"date >= timezone({tz}, TIMESTAMP '{lo}') AND date < timezone({tz}, TIMESTAMP '{hi}' + INTERVAL 1 DAY)"
            )
        if self.date_type.startswith("TIMESTAMP"):
            return f"date >= TIMESTAMP '{lo}' AND date < TIMESTAMP '{hi}' + INTERVAL 1 DAY"
        return f"({self.day}) BETWEEN DATE '{lo}' AND DATE '{hi}'"


def _rows_sql(src, lo=None, hi=None) -> str:
    """The rows of ``src`` with the derived ``day`` computed once per row (optionally only the days ``lo``..``hi``)."""
    cols = [
        "CAST(account_id AS VARCHAR) AS account_id",
        "CAST(user_id AS VARCHAR) AS user_id",
        f"{src.day} AS day",
    ]
    if "feature" in src.types:
        cols.append("CAST(feature AS VARCHAR) AS feature")
    cols.append(
        "try_cast(session_seconds AS DOUBLE) AS session_seconds"
        if "session_seconds" in src.types
        else "0.0 AS session_seconds"
    )
    where = "" if lo is None else f" WHERE {src.day_bounds(lo, hi)}"
    return f"(SELECT {', '.join(cols)} FROM {src.scan}{where})"


def _where(folder: Path, rows: list[tuple]) -> tuple[str, ...]:
    out = []
    for filename, row, value in rows[:MAX_EXAMPLES]:
        rel = Path(filename).relative_to(folder).as_posix()
        out.append(f"{rel} row index {row}" + ("" if value is None else f": '{value}'"))
    return tuple(out)


def validate_parquet(folder: Path, tz: str, *, con=None, cache: bool = True) -> list[Problem]:
    """The data contract's rules for the usage table, checked by DuckDB over the folder (one scan, then examples).

    Returns the problems (file = the folder, examples = file and row index inside it).
    A folder found valid is remembered in the cache (same key as its summary), with the
    rows per day counted by the same scan (the summary's ``day_rows``), so summarising it
    afterwards does not read the files for them again. :func:`check_and_summarise_parquet`
    does both in one call, also without the cache.

    Parameters
    ----------
    folder : str or Path
        A folder of usage Parquet files.
    tz : str
        The dataset's timezone: a timestamp with an offset is placed on its day
        in this zone.
    con : duckdb.DuckDBPyConnection, optional
        The DuckDB connection to use; by default a new one.
    cache : bool, default True
        Skip the check for a folder found valid before, and remember a valid
        one under :func:`cache_dir`.

    Returns
    -------
    list of Problem
        Empty when the folder is valid. The rules: the columns ``account_id``,
        ``user_id`` and ``date`` are present and never empty, every ``date``
        reads as a date, and ``session_seconds`` (a number) and ``events`` (a
        whole number), when present, are not negative.

    Raises
    ------
    DataValidationError
        If the folder holds no ``.parquet`` files.
    """
    return check_and_summarise_parquet(folder, tz=tz, con=con, cache=cache)[0]


def check_and_summarise_parquet(
    folder: str | Path, *, tz: str = "Asia/Tokyo", cache: bool = True, con=None
) -> tuple[list[Problem], UsageSummary | None]:
    """Check a usage folder and start its summary in one scan: the rules' counts and the rows per day together.

    Parameters
    ----------
    folder : str or Path
        A folder of usage Parquet files.
    tz : str, default "Asia/Tokyo"
        The dataset's timezone.
    cache : bool, default True
        As for :func:`validate_parquet` and :func:`summarise_parquet`.
    con : duckdb.DuckDBPyConnection, optional
        The DuckDB connection to use; by default a new one.

    Returns
    -------
    problems : list of Problem
        As :func:`validate_parquet` returns them.
    summary : UsageSummary or None
        The folder's summary (as :func:`summarise_parquet` makes it, its ``day_rows`` already counted), or None
        when there are problems.

    Raises
    ------
    DataValidationError
        If the folder holds no ``.parquet`` files.
    """
    folder = Path(folder)
    con = con or _connect()
    store = _Cache(folder, tz, cache)
    parts = _Parts(_Source(con, folder, tz), store)
    if store.path is None or not (store.path / "valid").exists():
        problems = parts.check()
        if problems:
            return problems, None
        if store.path is not None:
            store.path.mkdir(parents=True, exist_ok=True)
            (store.path / "valid").write_text("ok\n", encoding="utf-8")
    return [], UsageSummary({}, parts.src.columns, f"{folder.name}/", compute=parts)


def _rules(src) -> list[tuple]:
    """The contract's rules as (column, rule, SQL condition on the stored columns, column shown in examples)."""
    rules = [
        (
            "account_id",
            "empty value in a required column",
            "account_id IS NULL OR trim(CAST(account_id AS VARCHAR)) = ''",
            None,
        ),
        ("user_id", "empty value in a required column", "user_id IS NULL OR trim(CAST(user_id AS VARCHAR)) = ''", None),
        ("date", "empty value in a required column", "date IS NULL", None),
        ("date", "not a date (expected YYYY-MM-DD)", "date IS NOT NULL AND day IS NULL", "date"),
    ]
    for col, kind in (("session_seconds", "number"), ("events", "int")):
        if col in src.types:
            num = f"try_cast({col} AS DOUBLE)"
            rules.append(
                (
                    col,
                    "not a number" if kind == "number" else "not a whole number",
                    f"{col} IS NOT NULL AND ({num} IS NULL" + (f" OR {num} % 1 <> 0)" if kind == "int" else ")"),
                    col,
                )
            )
            rules.append((col, "not a finite number", f"isinf({num})", col))
            rules.append((col, "negative value (must be >= 0)", f"{num} < 0 AND NOT isinf({num})", col))
    return rules


def cache_dir() -> Path:
    """Where usage summaries of Parquet folders are kept: ``$PLAYBOOK_CACHE_DIR``, else ``~/.cache/cs-kpi-playbook``.

    Returns
    -------
    Path
        The folder (not created here).
    """
    return Path(os.environ.get("PLAYBOOK_CACHE_DIR") or Path.home() / ".cache" / "cs-kpi-playbook")


def _fingerprint(folder: Path, tz: str) -> str:
    entries = [
        (p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in parquet_files(folder)
    ]
    text = json.dumps({"folder": str(Path(folder).resolve()), "tz": tz, "files": entries, "version": SUMMARY_VERSION})
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _months(values) -> pd.PeriodIndex:
    """Period[M] from periods or from month ordinals (months since 1970-01), without parsing text."""
    if isinstance(getattr(values, "dtype", None), pd.PeriodDtype):
        return pd.PeriodIndex(values, freq="M")
    return pd.PeriodIndex.from_ordinals(np.asarray(values, dtype="int64"), freq="M")


def _typed_am(am: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.array(am["account_id"], dtype="str"),
            "month": _months(am["month"]),
            **{c: am[c].to_numpy(dtype="int64") for c in ("sessions", "users", "user_days")},
            "seconds": am["seconds"].to_numpy(dtype="float64"),
        }
    )


def _typed_fm(fm: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": _months(fm["month"]),
            "feature": pd.array(fm["feature"], dtype="str"),
            "users": fm["users"].to_numpy(dtype="int64"),
        }
    )


def _typed_af(af: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.array(af["account_id"], dtype="str"),
            "month": _months(af["month"]),
            "feature": pd.array(af["feature"], dtype="str"),
            "users": af["users"].to_numpy(dtype="int64"),
        }
    )


class _Cache:
    """One folder per (usage folder, its files' sizes and times, timezone) under :func:`cache_dir`; one Parquet file per part."""

    def __init__(self, folder: Path | None, tz: str | None, enabled: bool):
        self.path = cache_dir() / f"usage-{_fingerprint(folder, tz)}" if enabled else None

    def get(self, name: str):
        if self.path is None or not (self.path / f"{name}.parquet").exists():
            return None
        df = pd.read_parquet(self.path / f"{name}.parquet")
        if name == "day_rows":
            return pd.Series(
                df["rows"].to_numpy(dtype="int64"),
                index=pd.DatetimeIndex(df["date"].astype("datetime64[ns]"), name="date"),
                name="rows",
            )
        if "month" in df.columns:
            df["month"] = _months(df["month"])
        return df

    def put(self, name: str, value) -> None:
        if self.path is None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        df = value.reset_index() if isinstance(value, pd.Series) else value
        if "month" in df.columns:
            df = df.assign(month=df["month"].array.asi8)
        tmp = self.path / f".{name}.{os.getpid()}.parquet"
        df.to_parquet(tmp, index=False)
        tmp.replace(self.path / f"{name}.parquet")  # atomic: a reader never sees half a file


BATCH_ROWS = (
    4_000_000  # sessions per query: whole months, as many as fit (memory stays bounded by a batch's distinct users)
)
MONTH = "((year(day) - 1970) * 12 + month(day) - 1)"  # the Period[M] ordinal of a day


class _Parts:
    """Makes each part of a usage summary with DuckDB (a Parquet folder, or a pandas table read in place).

    Three kinds of scan, each grouping on the keys it needs and computing the day once per row:

    - the check (:meth:`check`): the contract's rule counts and the rows per day, in one ``GROUP BY day``;
    - per batch of whole months, ``account_month``: one ``GROUP BY account, month`` with the distinct users and
      user-days of each group (``monthly`` and ``account_ids`` follow from it: a user belongs to one account);
    - per batch, the features: one ``GROUP BY account, month, feature`` counting distinct users, which is both
      ``account_features`` (its keys) and ``feature_month`` (its counts summed over the accounts).
    """

    def __init__(self, src, cache: _Cache):
        self.src, self.con, self.cache = src, src.con, cache
        self._made: dict = {}  # the parts made, some with another (the check's day_rows, the features' pair)
        self._batch_list = None

    def __call__(self, name: str):
        if name not in self._made:  # the parts are small: each is made (or read from the cache) once
            found = self.cache.get(name)
            if found is None:
                found = getattr(self, f"_make_{name}")()
                self.cache.put(name, found)
            self._made[name] = found
        return self._made[name]

    # ----------------------------------------------------------------------- the check, with the rows per day

    def check(self) -> list[Problem]:
        """The contract's rules over every row, counted in the scan that counts the rows per day (kept as ``day_rows``)."""
        src = self.src
        label = f"{src.folder.name}/"
        missing = [c for c in ("account_id", "user_id", "date") if c not in src.types]
        if missing:
            return [Problem(label, c, f"missing required column; found columns: {list(src.columns)}") for c in missing]
        rules = _rules(src)
        cols = [c for c in ("account_id", "user_id", "date", "session_seconds", "events") if c in src.types]
        rows = f"(SELECT {', '.join(cols)}, {src.day} AS day FROM {src.scan})"
        counts = self.con.execute(
            "SELECT day, count(*) AS n, "
            + ", ".join(f"count(*) FILTER (WHERE {cond}) AS r{i}" for i, (_c, _r, cond, _v) in enumerate(rules))
            + f" FROM {rows} GROUP BY day"
        ).df()
        problems = []
        for i, (col, rule, cond, value) in enumerate(rules):
            n = int(counts[f"r{i}"].sum())
            if n:
                shown = f"CAST({value} AS VARCHAR)" if value else "NULL"
                examples = f"(SELECT filename, file_row_number, {', '.join(cols)}, {src.day} AS day FROM {src.scan})"
                ex = self.con.execute(
                    f"SELECT filename, file_row_number, {shown} FROM {examples} WHERE {cond} "
                    f"ORDER BY filename, file_row_number LIMIT {MAX_EXAMPLES}"
                ).fetchall()
                problems.append(Problem(label, col, rule, n, _where(src.folder, ex)))
        if not problems:
            days = counts[counts["day"].notna()].sort_values("day")
            self._made["day_rows"] = _day_series(days["day"], days["n"])
            self.cache.put("day_rows", self._made["day_rows"])
        return problems

    # ----------------------------------------------------------------------- the parts

    def _batches(self):
        """(first day, last day) of consecutive whole months holding at most BATCH_ROWS sessions (or one month)."""
        if self._batch_list is not None:
            return self._batch_list
        self._batch_list = self._batches_of(self("day_rows"))
        return self._batch_list

    @staticmethod
    def _batches_of(days: pd.Series) -> list:
        if not len(days):
            return []
        per = days.groupby(days.index.to_period("M")).sum()
        per = per.reindex(pd.period_range(per.index.min(), per.index.max(), freq="M"), fill_value=0)
        batches, start, total = [], per.index[0], 0
        for month, n in per.items():  # a loop over months, not rows
            if total and total + n > BATCH_ROWS:
                batches.append((start, month - 1))
                start, total = month, 0
            total += n
        batches.append((start, per.index[-1]))
        if len(batches) == 1:
            return [(None, None)]  # everything in one query: no filter on the dates at all
        return [(a.start_time.date(), b.end_time.date()) for a, b in batches]

    def _each_batch(self, sql: str, typed=lambda df: df) -> list:
        """``typed`` of ``sql``'s result (``{rows}`` = a batch's sessions, ``{month}`` = the month ordinal of ``day``) per batch.

        Each batch's result is typed as soon as it arrives, so DuckDB's raw frames are never all held at once.
        """
        return [
            typed(self.con.execute(sql.format(rows=self.src.rows(lo, hi), month=MONTH)).df())
            for lo, hi in self._batches()
        ]

    def _make_day_rows(self) -> pd.Series:
        days = self.con.execute(
            f"SELECT day, count(*) AS n FROM {self.src.rows()} WHERE day IS NOT NULL GROUP BY day ORDER BY day"
        ).df()
        return _day_series(days["day"], days["n"])

    def _make_account_ids(self) -> pd.DataFrame:
        return _ids_from(self("account_month"))

    def _make_monthly(self) -> pd.DataFrame:
        return _monthly_from(self("account_month"))

    def _make_account_month(self) -> pd.DataFrame:
        parts = self._each_batch(
            """
            SELECT account_id, {month} AS month, count(*) AS sessions, count(DISTINCT user_id) AS users,
                   count(DISTINCT (user_id, day)) AS user_days, coalesce(sum(session_seconds), 0) AS seconds
            FROM {rows} WHERE day IS NOT NULL GROUP BY ALL ORDER BY month, account_id""",
            _typed_am,
        )
        # sorted by DuckDB within each batch of whole months, the batches in order
        return pd.concat(parts, ignore_index=True) if parts else _typed_am(pd.DataFrame({c: [] for c in AM_COLUMNS}))

    def _features(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``feature_month`` and ``account_features`` from one grouping: per account, month and feature, its users."""

        def typed(g: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:  # a batch holds whole months
            fm = g.groupby(["month", "feature"], sort=True)["users"].sum().reset_index()
            return _typed_fm(fm), _typed_af(g)

        parts = self._each_batch(
            """
            SELECT account_id, {month} AS month, feature, count(DISTINCT user_id) AS users
            FROM {rows} WHERE feature IS NOT NULL AND day IS NOT NULL GROUP BY ALL ORDER BY month, account_id, feature""",
            typed,
        )
        if not parts:
            parts = [typed(pd.DataFrame({c: [] for c in ("account_id", "month", "feature", "users")}))]
        # sorted by DuckDB within each batch of whole months, the batches in order: no sort of every row in pandas
        return pd.concat([fm for fm, _ in parts], ignore_index=True), pd.concat(
            [af for _, af in parts], ignore_index=True
        )

    def _make_feature_month(self) -> pd.DataFrame:
        fm, af = self._features()
        self._made["account_features"] = af
        self.cache.put("account_features", af)
        return fm

    def _make_account_features(self) -> pd.DataFrame:
        fm, af = self._features()
        self._made["feature_month"] = fm
        self.cache.put("feature_month", fm)
        return af


def _day_series(day, n) -> pd.Series:
    return pd.Series(
        np.asarray(n, dtype="int64"),
        index=pd.DatetimeIndex(pd.to_datetime(day).astype("datetime64[ns]"), name="date"),
        name="rows",
    )


def summarise_parquet(folder: str | Path, *, tz: str = "Asia/Tokyo", cache: bool = True, con=None) -> UsageSummary:
    """Summarise a folder of usage Parquet files with DuckDB, whole calendar months per query, each part when first needed.

    The sessions never reach pandas: a query covers whole months (up to
    ``BATCH_ROWS`` sessions) and returns one row per active account and month
    (``account_month``, from which ``monthly`` follows) or per account, month and
    feature used (``account_features`` and ``feature_month``). Each part is kept under
    :func:`cache_dir`, keyed by the folder, its files' sizes and modification
    times and the timezone, so the next notebook that opens the same data reads
    it in a fraction of a second; ``cache=False`` recomputes.

    The files are not checked here; :func:`validate_parquet` does that (and
    :func:`check_and_summarise_parquet` does both with one scan).

    Parameters
    ----------
    folder : str or Path
        A folder of usage Parquet files.
    tz : str, default "Asia/Tokyo"
        The dataset's timezone: a timestamp with an offset is placed on its day
        in this zone.
    cache : bool, default True
        Read and keep the parts under :func:`cache_dir`; False recomputes them
        and writes nothing.
    con : duckdb.DuckDBPyConnection, optional
        The DuckDB connection to use; by default a new one.

    Returns
    -------
    UsageSummary
        A summary whose parts are queried when first needed;
        :meth:`UsageSummary.to_frame` returns None.

    Raises
    ------
    DataValidationError
        If the folder holds no ``.parquet`` files.
    """
    folder = Path(folder)
    con = con or _connect()
    parts = _Parts(_Source(con, folder, tz), _Cache(folder, tz, cache))
    return UsageSummary({}, parts.src.columns, f"{folder.name}/", compute=parts)

"""The usage log, reduced once to small per-account, per-month frames that every usage KPI reads.

A usage table can be tens of millions of sessions. Nothing in the playbook needs
the sessions themselves: MAU, DAU, stickiness, session time, feature adoption,
the health score's inputs and the early warnings all follow from

- ``account_month``: per account and month, sessions, active users, active
  user-days and session seconds;
- ``feature_month``: per month and feature, the active users who used it;
- ``account_features``: which features each account used in each month;
- ``day_rows``: the rows per calendar day (for the data check).

:func:`summarise_frame` builds a :class:`UsageSummary` from a pandas table (small
data, or tests); :func:`summarise_parquet` builds the same summary with DuckDB
over a folder of Parquet files, one month at a time, so the sessions are never
loaded into pandas and memory stays bounded by a month's distinct users.

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

__all__ = [
    "UsageSummary",
    "frame_summary",
    "summarise_frame",
    "summarise_parquet",
    "validate_parquet",
    "parquet_files",
    "folder_sha256",
    "cache_dir",
]

AM_COLUMNS = ["account_id", "month", "sessions", "users", "user_days", "seconds"]
SUMMARY_VERSION = 3
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
    - ``account_features``: the distinct (account, month, feature) used.

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
        """The distinct (``account_id``, ``month``, ``feature``) used; None without a ``feature`` column."""
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
            n = self._part("monthly").set_index("month")["sessions"]
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
            A new summary; this one is unchanged. For a Parquet folder the parts
            are queried again with the accounts as a filter, and not cached on
            disk.

        Raises
        ------
        ValueError
            If the summary was made neither from a usage table nor from a Parquet
            folder, so it cannot be restricted.
        """
        ids = sorted(set(ids))
        if isinstance(self._compute, _FolderParts):  # asks DuckDB again, with the accounts as a filter
            return UsageSummary({}, self.columns, self.source, compute=self._compute.restricted(ids))
        if "usage_frame" in self._parts:
            frame = self._parts["usage_frame"]
            return summarise_frame(frame[frame["account_id"].isin(ids)], source=self.source)
        raise ValueError("this usage summary cannot be restricted to accounts")


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


class _FrameParts:
    """The parts of an in-memory usage table's summary, all made together when the first is needed."""

    def __init__(self, frame: pd.DataFrame, source: str):
        self.frame, self.source, self._parts = frame, source, None

    def __call__(self, name: str):
        if self._parts is None:
            self._parts = summarise_frame(self.frame, source=self.source)._parts
        return self._parts[name]


def frame_summary(usage: pd.DataFrame, source: str = "usage") -> UsageSummary:
    """The summary of a validated usage table, its parts made when first needed.

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
    return UsageSummary({"usage_frame": usage}, tuple(usage.columns), source, compute=_FrameParts(usage, source))


def summarise_frame(usage: pd.DataFrame, source: str = "usage") -> UsageSummary:
    """Summarise a validated usage table (``account_id``, ``user_id``, ``date`` and optionally ``feature``, ``session_seconds``), every part at once.

    Vectorised: integer codes and group-bys, no loop over rows or accounts.

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
    acc_codes, accounts = pd.factorize(usage["account_id"], sort=True)
    user_codes, _ = pd.factorize(usage["user_id"])
    day = usage["date"].to_numpy().astype("datetime64[D]")
    month = day.astype("datetime64[M]").astype(np.int64)
    seconds = (
        pd.to_numeric(usage["session_seconds"]).to_numpy(dtype="float64", na_value=np.nan)
        if "session_seconds" in usage.columns
        else np.zeros(len(usage))
    )
    rows = pd.DataFrame({"a": acc_codes, "u": user_codes, "m": month, "d": day.astype(np.int64), "s": seconds})
    aud = rows.groupby(["a", "u", "m", "d"], sort=False).agg(n=("s", "size"), s=("s", "sum")).reset_index()
    au = aud.groupby(["a", "u", "m"], sort=False).agg(days=("d", "size"), n=("n", "sum"), s=("s", "sum")).reset_index()
    am = (
        au.groupby(["m", "a"], sort=True)
        .agg(sessions=("n", "sum"), users=("u", "size"), user_days=("days", "sum"), seconds=("s", "sum"))
        .reset_index()
    )
    account_month = pd.DataFrame(
        {
            "account_id": pd.array(np.asarray(accounts)[am["a"].to_numpy()], dtype="str"),
            "month": pd.PeriodIndex.from_ordinals(am["m"].to_numpy(), freq="M"),
            "sessions": am["sessions"].to_numpy(dtype="int64"),
            "users": am["users"].to_numpy(dtype="int64"),
            "user_days": am["user_days"].to_numpy(dtype="int64"),
            "seconds": am["seconds"].to_numpy(dtype="float64"),
        }
    )
    parts = {
        "account_month": account_month,
        "monthly": _monthly_from(account_month),
        "account_ids": _ids_from(account_month),
        "usage_frame": usage,
    }
    if "feature" in usage.columns:
        f_codes, names = pd.factorize(usage["feature"], sort=True)
        used = f_codes >= 0
        fr = pd.DataFrame(
            {"m": month[used], "a": acc_codes[used], "f": f_codes[used], "u": user_codes[used]}
        ).drop_duplicates()
        fm = fr.groupby(["m", "f"], sort=True).size().reset_index(name="users")
        parts["feature_month"] = _typed_fm(
            pd.DataFrame({"month": fm["m"], "feature": np.asarray(names)[fm["f"].to_numpy()], "users": fm["users"]})
        )
        af = fr[["m", "a", "f"]].drop_duplicates().sort_values(["m", "a", "f"])
        parts["account_features"] = _typed_af(
            pd.DataFrame(
                {
                    "account_id": np.asarray(accounts)[af["a"].to_numpy()],
                    "month": af["m"],
                    "feature": np.asarray(names)[af["f"].to_numpy()],
                }
            )
        )
    day_rows = pd.Series(day).value_counts().sort_index()
    day_rows.index = pd.DatetimeIndex(day_rows.index.astype("datetime64[ns]"), name="date")
    parts["day_rows"] = day_rows.rename("rows").astype("int64")
    return UsageSummary(parts, tuple(usage.columns), source)


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
        cols = [
            "CAST(account_id AS VARCHAR) AS account_id",
            "CAST(user_id AS VARCHAR) AS user_id",
            f"{self.day} AS day",
        ]
        if "feature" in self.types:
            cols.append("CAST(feature AS VARCHAR) AS feature")
        cols.append(
            "try_cast(session_seconds AS DOUBLE) AS session_seconds"
            if "session_seconds" in self.types
            else "0.0 AS session_seconds"
        )
        where = ""
        if lo is not None:
            where = f" WHERE {self.day} BETWEEN DATE '{lo}' AND DATE '{hi}'"
            if self.typed_date:  # a range on the stored column lets DuckDB skip files and row groups of other months
                where += f" AND date >= DATE '{lo}' - INTERVAL 2 DAY AND date < DATE '{hi}' + INTERVAL 2 DAY"
        return f"(SELECT {', '.join(cols)} FROM {self.scan}{where})"


def _where(folder: Path, rows: list[tuple]) -> tuple[str, ...]:
    out = []
    for filename, row, value in rows[:MAX_EXAMPLES]:
        rel = Path(filename).relative_to(folder).as_posix()
        out.append(f"{rel} row index {row}" + ("" if value is None else f": '{value}'"))
    return tuple(out)


def validate_parquet(folder: Path, tz: str, *, con=None, cache: bool = True) -> list[Problem]:
    """The data contract's rules for the usage table, checked by DuckDB over the folder (one scan, then examples).

    Returns the problems (file = the folder, examples = file and row index inside it).
    A folder found valid is remembered in the cache (same key as its summary).

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
    marker = _Cache(Path(folder), tz, cache).path
    if marker is not None and (marker / "valid").exists():
        return []
    problems = _check_rows(Path(folder), tz, con or _connect())
    if marker is not None and not problems:
        marker.mkdir(parents=True, exist_ok=True)
        (marker / "valid").write_text("ok\n", encoding="utf-8")
    return problems


def _check_rows(folder: Path, tz: str, con) -> list[Problem]:
    label = f"{Path(folder).name}/"
    src = _Source(con, folder, tz)
    missing = [c for c in ("account_id", "user_id", "date") if c not in src.types]
    if missing:
        return [Problem(label, c, f"missing required column; found columns: {list(src.columns)}") for c in missing]
    rules = [
        (
            "account_id",
            "empty value in a required column",
            "account_id IS NULL OR trim(CAST(account_id AS VARCHAR)) = ''",
            None,
        ),
        ("user_id", "empty value in a required column", "user_id IS NULL OR trim(CAST(user_id AS VARCHAR)) = ''", None),
        ("date", "empty value in a required column", "date IS NULL", None),
        ("date", "not a date (expected YYYY-MM-DD)", f"date IS NOT NULL AND ({src.day}) IS NULL", "date"),
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
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for _c, _r, cond, _v in rules) + f" FROM {src.scan}"
    ).fetchone()
    problems = []
    for (col, rule, cond, value), n in zip(rules, counts):
        if n:
            shown = f"CAST({value} AS VARCHAR)" if value else "NULL"
            ex = con.execute(
                f"SELECT filename, file_row_number, {shown} FROM {src.scan} WHERE {cond} "
                f"ORDER BY filename, file_row_number LIMIT {MAX_EXAMPLES}"
            ).fetchall()
            problems.append(Problem(label, col, rule, int(n), _where(Path(folder), ex)))
    return problems


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
        }
    )


class _Cache:
    """One folder per (usage folder, its files' sizes and times, timezone) under :func:`cache_dir`; one Parquet file per part."""

    def __init__(self, folder: Path, tz: str, enabled: bool):
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


class _FolderParts:
    """Makes each part of a folder's summary with DuckDB, a batch of whole calendar months per query."""

    def __init__(self, folder: Path, tz: str, con, cache: _Cache, accounts: list[str] | None = None):
        self.folder, self.tz, self.con, self.cache, self.accounts = Path(folder), tz, con, cache, accounts
        self.src = _Source(con, folder, tz)

    def restricted(self, accounts: list[str]) -> _FolderParts:
        """The same folder, only these accounts' sessions (not cached on disk)."""
        return _FolderParts(self.folder, self.tz, self.con, _Cache(self.folder, self.tz, False), accounts)

    def __call__(self, name: str):
        found = self.cache.get(name)
        if found is not None:
            return found
        value = getattr(self, name)()
        self.cache.put(name, value)
        return value

    def _rows(self, lo=None, hi=None) -> str:
        rows = self.src.rows(lo, hi)
        if self.accounts is None:
            return rows
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _accounts AS SELECT unnest(?::VARCHAR[]) AS account_id", [self.accounts]
        )
        return f"(SELECT * FROM {rows} WHERE account_id IN (SELECT account_id FROM _accounts))"

    def _batches(self):
        """(first day, last day) of consecutive whole months holding at most BATCH_ROWS sessions (or one month)."""
        days = self("day_rows") if self.accounts is None else self._day_rows_all()
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
        return [(a.start_time.date(), b.end_time.date()) for a, b in batches]

    def _day_rows_all(self) -> pd.Series:
        return _FolderParts(self.folder, self.tz, self.con, _Cache(self.folder, self.tz, False))("day_rows")

    def _each_batch(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` (``{rows}`` = a batch's sessions, ``{month}`` = the month ordinal of ``day``) for every batch."""
        out = [self.con.execute(sql.format(rows=self._rows(lo, hi), month=MONTH)).df() for lo, hi in self._batches()]
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def day_rows(self) -> pd.Series:
        days = self.con.execute(
            f"SELECT day AS date, count(*) AS rows FROM {self._rows()} WHERE day IS NOT NULL GROUP BY day ORDER BY day"
        ).df()
        return pd.Series(
            days["rows"].to_numpy(dtype="int64"),
            index=pd.DatetimeIndex(days["date"].astype("datetime64[ns]"), name="date"),
            name="rows",
        )

    def account_ids(self) -> pd.DataFrame:
        ids = self.con.execute(
            f"SELECT DISTINCT account_id FROM {self._rows()} WHERE day IS NOT NULL ORDER BY account_id"
        ).df()
        return pd.DataFrame({"account_id": pd.array(ids["account_id"], dtype="str")})

    def monthly(self) -> pd.DataFrame:
        g = self._each_batch("""
            SELECT {month} AS month, count(*) AS sessions, count(DISTINCT (account_id, user_id)) AS mau,
                   count(DISTINCT (account_id, user_id, day)) AS user_days, count(DISTINCT account_id) AS active_accounts,
                   coalesce(sum(session_seconds), 0) AS seconds
            FROM {rows} GROUP BY ALL""")
        if g.empty:
            g = pd.DataFrame({c: [] for c in ("month", "sessions", "mau", "user_days", "active_accounts", "seconds")})
        return _typed_monthly(g.sort_values("month"))

    def account_month(self) -> pd.DataFrame:
        am = self._each_batch("""
            SELECT account_id, {month} AS month, count(*) AS sessions, count(DISTINCT user_id) AS users,
                   count(DISTINCT (user_id, day)) AS user_days, coalesce(sum(session_seconds), 0) AS seconds
            FROM {rows} GROUP BY ALL""")
        am = am if len(am) else pd.DataFrame({c: [] for c in AM_COLUMNS})
        return _typed_am(am).sort_values(["month", "account_id"]).reset_index(drop=True)

    def feature_month(self) -> pd.DataFrame:
        fm = self._each_batch("""
            SELECT {month} AS month, feature, count(DISTINCT (account_id, user_id)) AS users
            FROM {rows} WHERE feature IS NOT NULL GROUP BY ALL""")
        fm = fm if len(fm) else pd.DataFrame({c: [] for c in ("month", "feature", "users")})
        return _typed_fm(fm).sort_values(["month", "feature"]).reset_index(drop=True)

    def account_features(self) -> pd.DataFrame:
        af = self._each_batch(
            """SELECT DISTINCT account_id, {month} AS month, feature FROM {rows} WHERE feature IS NOT NULL"""
        )
        af = af if len(af) else pd.DataFrame({c: [] for c in ("account_id", "month", "feature")})
        return _typed_af(af).sort_values(["month", "account_id", "feature"]).reset_index(drop=True)


def summarise_parquet(folder: str | Path, *, tz: str = "Asia/Tokyo", cache: bool = True, con=None) -> UsageSummary:
    """Summarise a folder of usage Parquet files with DuckDB, whole calendar months per query, each part when first needed.

    The sessions never reach pandas: a query covers whole months (up to
    ``BATCH_ROWS`` sessions) and returns one row per month (``monthly``), per
    active account (``account_month``), per feature (``feature_month``) or per
    account and feature used (``account_features``). Each part is kept under
    :func:`cache_dir`, keyed by the folder, its files' sizes and modification
    times and the timezone, so the next notebook that opens the same data reads
    it in a fraction of a second; ``cache=False`` recomputes.

    The files are not checked here; :func:`validate_parquet` does that.

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
    parts = _FolderParts(folder, tz, con, _Cache(folder, tz, cache))
    return UsageSummary({}, parts.src.columns, f"{folder.name}/", compute=parts)

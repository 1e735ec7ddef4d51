"""The usage log, reduced once to small per-account, per-month frames that every usage KPI reads.

A usage table can be tens of millions of sessions. Nothing in the playbook needs
the sessions themselves: MAU, DAU, stickiness, session time, feature adoption,
the health score's inputs and the early warnings all follow from

- ``account_month``: per account and month, sessions, active users, active
  user-days and session seconds;
- ``account_feature_month``: per account, month and feature, the active users
  who used the feature;
- ``day_rows``: the rows per calendar day (for the data check).

:func:`summarise_frame` builds a :class:`UsageSummary` from a pandas table (small
data, or tests); :func:`summarise_parquet` builds the same summary with DuckDB
over a folder of Parquet files, one month at a time, so the sessions are never
loaded into pandas and memory stays bounded by a month's distinct users.

A *user* is the pair (``account_id``, ``user_id``), so exports that number users
per customer (1, 2, 3, ... in every account) are counted correctly.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.errors import DataValidationError, Problem

__all__ = ["UsageSummary", "summarise_frame", "summarise_parquet", "validate_parquet", "parquet_files", "folder_sha256",
           "cache_dir"]

AM_COLUMNS = ["account_id", "month", "sessions", "users", "user_days", "seconds"]
AF_COLUMNS = ["account_id", "month", "feature", "users"]
SUMMARY_VERSION = 1
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class UsageSummary:
    """The usage log reduced to per-account, per-month frames (see the module docstring).

    ``columns`` are the log's columns; ``source`` names the file or folder;
    ``day_rows`` is None for a summary restricted to some accounts.
    """

    account_month: pd.DataFrame
    account_feature_month: pd.DataFrame | None
    day_rows: pd.Series | None
    columns: tuple[str, ...]
    source: str = "usage"

    def __len__(self) -> int:
        """Rows of the usage log (sessions)."""
        return int(self.account_month["sessions"].sum())

    @property
    def has_seconds(self) -> bool:
        return "session_seconds" in self.columns

    @property
    def features(self) -> list[str]:
        """The distinct features used, sorted."""
        if self.account_feature_month is None:
            return []
        return sorted(self.account_feature_month["feature"].unique())

    def monthly(self, months) -> pd.DataFrame:
        """Per month of ``months``: sessions, active users (``mau``), active user-days, active accounts, session seconds and days.

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
        am = self.account_month
        g = am.groupby("month").agg(sessions=("sessions", "sum"), mau=("users", "sum"), user_days=("user_days", "sum"),
                                    active_accounts=("account_id", "size"), seconds=("seconds", "sum"))
        g = g.reindex(months, fill_value=0)
        out = pd.DataFrame({"month": months, **{c: g[c].to_numpy(dtype="int64") for c in ("sessions", "mau", "user_days", "active_accounts")},
                            "seconds": g["seconds"].to_numpy(dtype="float64") if self.has_seconds else np.nan,
                            "days": np.asarray(months.days_in_month, dtype="int64")})
        return out

    def feature_users(self, months) -> pd.DataFrame:
        """Per month of ``months`` and feature: active users who used the feature (0 where none did)."""
        months = pd.PeriodIndex(months, freq="M")
        features = self.features
        grid = pd.MultiIndex.from_product([months, features], names=["month", "feature"])
        if not features:
            return pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "feature": pd.array([], dtype="str"), "users": np.array([], dtype="int64")})
        af = self.account_feature_month
        n = af.groupby(["month", "feature"])["users"].sum().reindex(grid, fill_value=0)
        return pd.DataFrame({"month": grid.get_level_values("month"), "feature": pd.array(grid.get_level_values("feature"), dtype="str"),
                             "users": n.to_numpy(dtype="int64")})

    def account_ids(self) -> np.ndarray:
        """The distinct account ids in the log."""
        return np.asarray(pd.unique(self.account_month["account_id"]))

    def rows_per_month(self, months=None) -> pd.Series:
        """Rows (sessions) per calendar month, indexed by month."""
        n = self.account_month.groupby("month")["sessions"].sum()
        return n if months is None else n.reindex(pd.PeriodIndex(months, freq="M"), fill_value=0)

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last day with a session."""
        if self.day_rows is None:
            raise ValueError("this usage summary covers some accounts only; it has no rows per day")
        return self.day_rows.index.min(), self.day_rows.index.max()

    def for_accounts(self, ids) -> UsageSummary:
        """The summary of the sessions of some accounts only (``day_rows`` becomes None)."""
        ids = set(ids)
        af = self.account_feature_month
        return replace(self, account_month=self.account_month[self.account_month["account_id"].isin(ids)].reset_index(drop=True),
                       account_feature_month=None if af is None else af[af["account_id"].isin(ids)].reset_index(drop=True),
                       day_rows=None)


# --------------------------------------------------------------------------- from a pandas table


def summarise_frame(usage: pd.DataFrame, source: str = "usage") -> UsageSummary:
    """Summarise a validated usage table (``account_id``, ``user_id``, ``date`` and optionally ``feature``, ``session_seconds``).

    Vectorised: integer codes and group-bys, no loop over rows or accounts.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a", "a", "a"], "user_id": ["u1", "u1", "u2"], "feature": ["tasks", "chat", "tasks"],
    ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-09"])})
    >>> s = summarise_frame(u)
    >>> s.account_month
      account_id    month  sessions  users  user_days  seconds
    0          a  2026-01         3      2          2      0.0
    >>> s.account_feature_month
      account_id    month feature  users
    0          a  2026-01    chat      1
    1          a  2026-01   tasks      2
    """
    acc_codes, accounts = pd.factorize(usage["account_id"], sort=True)
    user_codes, _ = pd.factorize(usage["user_id"])
    day = usage["date"].to_numpy().astype("datetime64[D]")
    month = day.astype("datetime64[M]").astype(np.int64)
    seconds = (pd.to_numeric(usage["session_seconds"]).to_numpy(dtype="float64", na_value=np.nan)
               if "session_seconds" in usage.columns else np.zeros(len(usage)))
    rows = pd.DataFrame({"a": acc_codes, "u": user_codes, "m": month, "d": day.astype(np.int64), "s": seconds})
    aud = rows.groupby(["a", "u", "m", "d"], sort=False).agg(n=("s", "size"), s=("s", "sum")).reset_index()
    au = aud.groupby(["a", "u", "m"], sort=False).agg(days=("d", "size"), n=("n", "sum"), s=("s", "sum")).reset_index()
    am = au.groupby(["m", "a"], sort=True).agg(sessions=("n", "sum"), users=("u", "size"), user_days=("days", "sum"),
                                               seconds=("s", "sum")).reset_index()
    account_month = pd.DataFrame({
        "account_id": pd.array(np.asarray(accounts)[am["a"].to_numpy()], dtype="str"),
        "month": pd.PeriodIndex.from_ordinals(am["m"].to_numpy(), freq="M"),
        "sessions": am["sessions"].to_numpy(dtype="int64"), "users": am["users"].to_numpy(dtype="int64"),
        "user_days": am["user_days"].to_numpy(dtype="int64"), "seconds": am["seconds"].to_numpy(dtype="float64")})
    features = None
    if "feature" in usage.columns:
        f_codes, names = pd.factorize(usage["feature"], sort=True)
        used = f_codes >= 0
        fr = pd.DataFrame({"m": month[used], "a": acc_codes[used], "f": f_codes[used], "u": user_codes[used]}).drop_duplicates()
        af = fr.groupby(["m", "a", "f"], sort=True).size().reset_index(name="users")
        features = pd.DataFrame({
            "account_id": pd.array(np.asarray(accounts)[af["a"].to_numpy()], dtype="str"),
            "month": pd.PeriodIndex.from_ordinals(af["m"].to_numpy(), freq="M"),
            "feature": pd.array(np.asarray(names)[af["f"].to_numpy()], dtype="str"),
            "users": af["users"].to_numpy(dtype="int64")})
    day_rows = pd.Series(day).value_counts().sort_index()
    day_rows.index = pd.DatetimeIndex(day_rows.index.astype("datetime64[ns]"), name="date")
    return UsageSummary(account_month, features, day_rows.rename("rows").astype("int64"), tuple(usage.columns), source)


# --------------------------------------------------------------------------- from a Parquet folder, with DuckDB


def parquet_files(folder: Path) -> list[Path]:
    """The Parquet files under ``folder`` (any depth, e.g. ``month=2026-10/part-0.parquet``), sorted."""
    return sorted(p for p in Path(folder).rglob("*.parquet") if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts))


def folder_sha256(folder: Path) -> str:
    """One sha256 over the relative paths and bytes of every Parquet file in ``folder``."""
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
    con = duckdb.connect(config={"threads": os.cpu_count() or 1, "memory_limit": os.environ.get("PLAYBOOK_DUCKDB_MEMORY", "1GB"),
                                  "temp_directory": str(tmp)})
    con.execute("SET TimeZone = 'UTC'")  # strings without an offset are read as written, whatever the machine's zone
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
            self.day = (f"CASE WHEN regexp_matches({text}, '(Z|[+-]\\d{{2}}:?\\d{{2}})$') "
                        f"THEN CAST(timezone({_sql_str(tz)}, try_cast({text} AS TIMESTAMPTZ)) AS DATE) "
                        f"ELSE CAST(try_cast({text} AS TIMESTAMP) AS DATE) END")
        self.typed_date = date_type in ("DATE",) or date_type.startswith("TIMESTAMP")

    def rows(self, lo=None, hi=None) -> str:
        """Rows with the derived ``day`` (optionally between two days, inclusive), ids as text."""
        cols = ["CAST(account_id AS VARCHAR) AS account_id", "CAST(user_id AS VARCHAR) AS user_id", f"{self.day} AS day"]
        if "feature" in self.types:
            cols.append("CAST(feature AS VARCHAR) AS feature")
        cols.append("try_cast(session_seconds AS DOUBLE) AS session_seconds" if "session_seconds" in self.types else "0.0 AS session_seconds")
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


def validate_parquet(folder: Path, tz: str, *, con=None) -> list[Problem]:
    """The data contract's rules for the usage table, checked by DuckDB over the folder (one scan, then examples).

    Returns the problems (file = the folder, examples = file and row index inside it).
    """
    con = con or _connect()
    label = f"{Path(folder).name}/"
    src = _Source(con, folder, tz)
    missing = [c for c in ("account_id", "user_id", "date") if c not in src.types]
    if missing:
        return [Problem(label, c, f"missing required column; found columns: {list(src.columns)}") for c in missing]
    rules = [
        ("account_id", "empty value in a required column", "account_id IS NULL OR trim(CAST(account_id AS VARCHAR)) = ''", None),
        ("user_id", "empty value in a required column", "user_id IS NULL OR trim(CAST(user_id AS VARCHAR)) = ''", None),
        ("date", "empty value in a required column", "date IS NULL", None),
        ("date", "not a date (expected YYYY-MM-DD)", f"date IS NOT NULL AND ({src.day}) IS NULL", "date"),
    ]
    for col, kind in (("session_seconds", "number"), ("events", "int")):
        if col in src.types:
            num = f"try_cast({col} AS DOUBLE)"
            rules.append((col, "not a number" if kind == "number" else "not a whole number",
                          f"{col} IS NOT NULL AND ({num} IS NULL" + (f" OR {num} % 1 <> 0)" if kind == "int" else ")"), col))
            rules.append((col, "negative value (must be >= 0)", f"{num} < 0", col))
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for _c, _r, cond, _v in rules)
                         + f" FROM {src.scan}").fetchone()
    problems = []
    for (col, rule, cond, value), n in zip(rules, counts):
        if n:
            shown = f"CAST({value} AS VARCHAR)" if value else "NULL"
            ex = con.execute(f"SELECT filename, file_row_number, {shown} FROM {src.scan} WHERE {cond} "
                             f"ORDER BY filename, file_row_number LIMIT {MAX_EXAMPLES}").fetchall()
            problems.append(Problem(label, col, rule, int(n), _where(Path(folder), ex)))
    return problems


def cache_dir() -> Path:
    """Where usage summaries of Parquet folders are kept: ``$PLAYBOOK_CACHE_DIR``, else ``~/.cache/cs-kpi-playbook``."""
    return Path(os.environ.get("PLAYBOOK_CACHE_DIR") or Path.home() / ".cache" / "cs-kpi-playbook")


def _fingerprint(folder: Path, tz: str) -> str:
    entries = [(p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in parquet_files(folder)]
    text = json.dumps({"folder": str(Path(folder).resolve()), "tz": tz, "files": entries, "version": SUMMARY_VERSION})
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _read_cache(path: Path, columns: tuple[str, ...], source: str) -> UsageSummary:
    am = pd.read_parquet(path / "account_month.parquet")
    am["month"] = pd.PeriodIndex(am["month"], freq="M")
    af = None
    if (path / "account_feature_month.parquet").exists():
        af = pd.read_parquet(path / "account_feature_month.parquet")
        af["month"] = pd.PeriodIndex(af["month"], freq="M")
    days = pd.read_parquet(path / "day_rows.parquet")
    day_rows = pd.Series(days["rows"].to_numpy(dtype="int64"), index=pd.DatetimeIndex(days["date"].astype("datetime64[ns]"), name="date"), name="rows")
    return UsageSummary(_typed_am(am), None if af is None else _typed_af(af), day_rows, columns, source)


def _write_cache(path: Path, summary: UsageSummary) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    summary.account_month.assign(month=summary.account_month["month"].astype("str")).to_parquet(tmp / "account_month.parquet", index=False)
    if summary.account_feature_month is not None:
        af = summary.account_feature_month
        af.assign(month=af["month"].astype("str")).to_parquet(tmp / "account_feature_month.parquet", index=False)
    summary.day_rows.reset_index().to_parquet(tmp / "day_rows.parquet", index=False)
    (tmp / "meta.json").write_text(json.dumps({"columns": list(summary.columns)}), encoding="utf-8")
    try:
        tmp.rename(path)
    except OSError:  # another process wrote it first
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def _typed_am(am: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"account_id": pd.array(am["account_id"], dtype="str"), "month": pd.PeriodIndex(am["month"], freq="M"),
                         **{c: am[c].to_numpy(dtype="int64") for c in ("sessions", "users", "user_days")},
                         "seconds": am["seconds"].to_numpy(dtype="float64")})


def _typed_af(af: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"account_id": pd.array(af["account_id"], dtype="str"), "month": pd.PeriodIndex(af["month"], freq="M"),
                         "feature": pd.array(af["feature"], dtype="str"), "users": af["users"].to_numpy(dtype="int64")})


def summarise_parquet(folder: str | Path, *, tz: str = "Asia/Tokyo", cache: bool = True, con=None) -> UsageSummary:
    """Summarise a folder of usage Parquet files with DuckDB, one calendar month per query.

    The sessions never reach pandas: each month's query returns one row per
    active account (and per account and feature). The result is kept under
    :func:`cache_dir`, keyed by the folder, its files' sizes and modification
    times and the timezone, so the next notebook that opens the same data reads
    it in a fraction of a second; ``cache=False`` recomputes.
    """
    folder = Path(folder)
    key = _fingerprint(folder, tz)
    source = f"{folder.name}/"
    path = cache_dir() / f"usage-{key}"
    con = con or _connect()
    src = _Source(con, folder, tz)
    if cache and (path / "meta.json").exists():
        return _read_cache(path, src.columns, source)
    days = con.execute(f"SELECT day AS date, count(*) AS rows FROM {src.rows()} WHERE day IS NOT NULL GROUP BY day ORDER BY day").df()
    day_rows = pd.Series(days["rows"].to_numpy(dtype="int64"), index=pd.DatetimeIndex(days["date"].astype("datetime64[ns]"), name="date"), name="rows")
    ams, afs = [], []
    if len(day_rows):
        for month in pd.period_range(day_rows.index.min(), day_rows.index.max(), freq="M"):
            rows = src.rows(month.start_time.date(), month.end_time.date())
            ams.append(con.execute(f"""
                WITH aud AS (SELECT account_id, user_id, day, count(*) AS n, sum(session_seconds) AS s FROM {rows} GROUP BY ALL),
                     au AS (SELECT account_id, user_id, count(*) AS days, sum(n) AS n, sum(s) AS s FROM aud GROUP BY ALL)
                SELECT account_id, '{month}' AS month, sum(n) AS sessions, count(*) AS users, sum(days) AS user_days,
                       coalesce(sum(s), 0) AS seconds
                FROM au GROUP BY account_id""").df())
            if "feature" in src.types:
                afs.append(con.execute(f"""
                    WITH d AS (SELECT DISTINCT account_id, feature, user_id FROM {rows} WHERE feature IS NOT NULL)
                    SELECT account_id, '{month}' AS month, feature, count(*) AS users FROM d GROUP BY ALL""").df())
    am = pd.concat(ams, ignore_index=True) if ams else pd.DataFrame({c: [] for c in AM_COLUMNS})
    am = _typed_am(am).sort_values(["month", "account_id"]).reset_index(drop=True)
    af = None
    if "feature" in src.types:
        af = pd.concat(afs, ignore_index=True) if afs else pd.DataFrame({c: [] for c in AF_COLUMNS})
        af = _typed_af(af).sort_values(["month", "account_id", "feature"]).reset_index(drop=True)
    summary = UsageSummary(am, af, day_rows, src.columns, source)
    if cache:
        _write_cache(path, summary)
    return summary

"""Connections to the databases a dataset can be read from: DuckDB files, PostgreSQL, other SQLAlchemy URLs.

One small interface over each driver (:class:`Database`): run a query and get a DataFrame or rows, describe a
query's columns, the SQLGlot dialect the SQL must be written in. Every query and the number of rows it
returned is recorded in :attr:`Database.queries`, so a test can check that no raw session rows travel.

The password of a URL never leaves this module: :func:`safe_url` is what messages, labels and datasets see,
and driver errors are scrubbed of it.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pandas as pd

from playbook.data.errors import DataValidationError, Problem

__all__ = ["Database", "connect", "safe_url", "is_database_url"]

_SCHEMES = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
#: SQLAlchemy dialect names -> SQLGlot dialect names (the same name when not listed).
_DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def is_database_url(text) -> bool:
    """Whether ``text`` is a database URL (``scheme://...``) rather than a folder path.

    Parameters
    ----------
    text : object
        What the user gave as ``--data``.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_database_url("duckdb:///tmp/x.duckdb"), is_database_url("postgresql://u@h/db"), is_database_url("data/own")
    (True, True, False)
    """
    return isinstance(text, str) and bool(_SCHEMES.match(text))


def safe_url(url: str) -> str:
    """The URL without its password (and without query parameters, which may hold one).

    Parameters
    ----------
    url : str
        A database URL.

    Returns
    -------
    str
        What messages, labels and outputs may show.

    Examples
    --------
    >>> safe_url("postgresql://cs:s3cret@db.example:5432/crm?sslmode=require&password=x")
    'postgresql://cs@db.example:5432/crm'
    >>> safe_url("duckdb:///tmp/company.duckdb")
    'duckdb:///tmp/company.duckdb'
    """
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        auth, host = netloc.rsplit("@", 1)
        netloc = auth.split(":", 1)[0] + "@" + host
    return f"{parts.scheme}://{netloc}{parts.path}"


def _secrets(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [v for k, v in urllib.parse.parse_qsl(parts.query) if "password" in k.lower() and v]
    return [s for s in found + [urllib.parse.unquote(s) for s in found] if s]


def _kind(type_name: str) -> str:
    """A column's kind from a driver's type name: date, timestamptz, timestamp, number, bool or text."""
    t = str(type_name).lower()
    if "timestamptz" in t or "with time zone" in t or "timestamp_tz" in t:
        return "timestamptz"
    if "timestamp" in t or "datetime" in t:
        return "timestamp"
    if t == "date" or t.startswith("date ") or t == "dbdate":
        return "date"
    if t in ("bool", "boolean"):
        return "bool"
    if any(w in t for w in ("int", "float", "double", "numeric", "decimal", "real", "number", "hugeint")):
        return "number"
    return "text"


class Database:
    """An open connection: :meth:`frame`, :meth:`rows` and :meth:`describe` run SQL in :attr:`dialect`.

    Parameters
    ----------
    url : str
        ``duckdb:///path/file.duckdb`` (opened read-only; the path absolute, or relative to the current
        folder), ``postgresql://user:password@host:port/db`` (psycopg), or any SQLAlchemy URL whose driver is
        installed.
    """

    def __init__(self, url: str):
        self.url = safe_url(url)
        self.queries: list[tuple[str, int]] = []  # every query run and the rows it returned
        self._secrets = _secrets(url)
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        try:
            if scheme == "duckdb":
                self._open_duckdb(url)
            elif scheme in ("postgresql", "postgres", "postgresql+psycopg"):
                self._open_postgres(url)
            else:
                self._open_sqlalchemy(url)
        except DataValidationError:
            raise
        except Exception as exc:  # a driver's error: shown without the password
            raise DataValidationError(Problem(self.url, None, f"cannot connect: {self.scrub(exc)}")) from None

    # ------------------------------------------------------------------ drivers
    def _open_duckdb(self, url: str) -> None:
        import duckdb

        rest = url.split("://", 1)[1]
        path = Path(rest)
        if not path.exists() and rest.startswith("/") and Path(rest[1:]).exists():  # duckdb:///relative.duckdb
            path = Path(rest[1:])
        if not path.is_file():
            raise DataValidationError(Problem(self.url, None, "database file not found"))
        self.kind, self.dialect = "duckdb", "duckdb"
        self._con = duckdb.connect(str(path), read_only=True)
        self._con.execute("SET TimeZone = 'UTC'")

    def _open_postgres(self, url: str) -> None:
        import psycopg

        conninfo = re.sub(r"^[^:]+://", "postgresql://", url)
        self.kind, self.dialect = "postgres", "postgres"
        self._con = psycopg.connect(conninfo, autocommit=True, connect_timeout=15)
        self._con.execute("SET TIME ZONE 'UTC'")
        self._con.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")  # never writes

    def _open_sqlalchemy(self, url: str) -> None:
        try:
            import sqlalchemy
        except ImportError:
            raise DataValidationError(
                Problem(
                    self.url, None, "this kind of database URL needs SQLAlchemy and its driver: pip install sqlalchemy"
                )
            ) from None
        engine = sqlalchemy.create_engine(url)
        self.kind = "sqlalchemy"
        self.dialect = _DIALECTS.get(engine.dialect.name, engine.dialect.name)
        self._engine = engine
        self._con = engine.connect()

    # ------------------------------------------------------------------ queries
    def scrub(self, exc) -> str:
        """An error's text without the password; one line."""
        text = " ".join(str(exc).split())
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _cursor(self, sql: str):
        if self.kind in ("duckdb", "postgres"):
            return self._con.execute(sql)
        import sqlalchemy

        return self._con.execute(sqlalchemy.text(sql)).cursor

    def describe(self, source_sql: str) -> dict[str, str]:
        """The columns of ``SELECT * FROM <source_sql>`` and their kinds, asked with ``LIMIT 0`` (no row travels)."""
        sql = f"SELECT * FROM {source_sql} WHERE 1 = 0"
        cur = self._cursor(sql)
        self.queries.append((sql, 0))
        out = {}
        for col in cur.description:
            name, code = col[0], col[1]
            if self.kind == "postgres":
                info = self._con.adapters.types.get(code)
                code = info.name if info is not None else "text"
            out[str(name)] = _kind(code)
        if self.kind == "duckdb":
            cur.fetchall()
        return out

    def rows(self, sql: str) -> list[tuple]:
        """The result's rows as tuples."""
        out = self._cursor(sql).fetchall()
        self.queries.append((sql, len(out)))
        return [tuple(r) for r in out]

    def frame(self, sql: str) -> pd.DataFrame:
        """The result as a DataFrame: dates as ``datetime64``, timestamps with a zone in UTC, decimals as floats."""
        cur = self._cursor(sql)
        names = [str(c[0]) for c in cur.description]
        kinds = [self._code_kind(c[1]) for c in cur.description]
        data = cur.fetchall()
        df = pd.DataFrame.from_records([tuple(r) for r in data], columns=names)
        for name, kind in zip(names, kinds):
            col = df[name]
            if kind == "timestamptz":
                df[name] = pd.to_datetime(col, utc=True)
            elif kind in ("date", "timestamp"):
                df[name] = pd.to_datetime(col)
            elif kind == "number" and col.dtype == object:
                df[name] = pd.to_numeric(col.map(lambda v: None if v is None else float(v)))
        self.queries.append((sql, len(df)))
        return df

    def _code_kind(self, code) -> str:
        if self.kind == "postgres":
            info = self._con.adapters.types.get(code)
            return _kind(info.name if info is not None else "text")
        return _kind(code)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()
        if self.kind == "sqlalchemy":
            self._engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.url})"


def connect(url: str) -> Database:
    """Open a database by URL (see :class:`Database`); the caller closes it.

    Parameters
    ----------
    url : str
        ``duckdb:///path/file.duckdb``, ``postgresql://user:password@host:port/db`` or a SQLAlchemy URL.

    Returns
    -------
    Database
        The open connection; :attr:`Database.queries` records every query and its row count.

    Raises
    ------
    DataValidationError
        When the database cannot be opened (the message shows the URL without its password).
    """
    return Database(url)

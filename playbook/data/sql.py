"""A dataset read from a database: DuckDB files, PostgreSQL, or any SQLAlchemy URL whose driver is installed.

``load_database(url, spec)`` reads each contract table from a table or a query named in a small YAML spec,
validates it exactly as a file is validated (same rules and messages, naming the table and the column), and
summarises the usage log **inside the database** (:mod:`playbook.data.sql_usage`): only per-day,
per-account-month and per-feature counts travel, never the sessions.

The spec (a YAML file, YAML text or a dict)::

    tables:
      accounts: public.accounts                 # a table (schema.table, or table)
      subscriptions:
        query: "SELECT customer_id AS account_id, started AS start_date, amount / 12.0 AS mrr FROM billing.subs"
      usage:
        table: events.sessions
        columns: {account_id: customer, date: seen_at}   # the contract's column: yours (as in mapping files)
    settings:                                   # as in dataset.yaml
      timezone: Asia/Tokyo
      as_of: 2026-10-31

Without a spec (or without ``tables``), every contract table is looked for under its own name (``accounts``,
``subscriptions``, ``usage``, ...). A query is written in the database's own SQL. The URL's password is never
shown: messages, labels and the dataset's ``source`` carry the URL without it. Nothing is written to the
database (DuckDB files are opened read-only, PostgreSQL sessions are read-only).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlglot

from playbook.data.config import read_yaml
from playbook.data.dataset import Dataset, load_tables
from playbook.data.errors import DataValidationError, Problem
from playbook.data.schema import DEFAULT_SETTINGS, TABLES
from playbook.data.sql_engines import Database, connect, is_database_url, safe_url
from playbook.data.sql_usage import summarise_usage, usage_problems

__all__ = ["load_database", "read_spec", "is_database_url", "safe_url", "connect"]

_SOURCE_KEYS = {"table", "query"}
#: The keys of a table entry: its source, and the per-table options of a mapping file (playbook.data.mapping).
_ENTRY_KEYS = {"table", "query", "columns", "where", "timezone", "group_by", "currency"}
_USAGE_KEYS = {"table", "query", "columns"}
_TOP_KEYS = {"tables", "settings", "include", "description"}


def _column_problems(label: str, name: str, columns: dict) -> list[Problem]:
    """The column specs of one entry: the contract's columns, each a name, an expression, a constant or a spec."""
    from playbook.data.mapping import _AGGS, _SPEC_KEYS

    known = [c.name for c in TABLES[name].columns]
    problems = []
    for col, cs in columns.items():
        where = f"{name}.columns.{col}"
        if col not in known:
            problems.append(Problem(label, where, f"not a column of {name} (known: {', '.join(known)})", label="entry"))
        elif isinstance(cs, dict):
            extra = sorted(set(cs) - _SPEC_KEYS)
            if extra or not ({"column", "expr", "value"} & set(cs)):
                problems.append(
                    Problem(
                        label,
                        where,
                        f"a column spec needs column, expr or value, and only the keys {', '.join(sorted(_SPEC_KEYS))}",
                        label="entry",
                    )
                )
            elif cs.get("agg", "first") not in _AGGS or ("values" in cs and not isinstance(cs["values"], dict)):
                problems.append(
                    Problem(
                        label,
                        where,
                        f"agg must be one of {', '.join(_AGGS)}, and values a mapping (from: to)",
                        label="entry",
                    )
                )
        elif cs is None or isinstance(cs, list):
            problems.append(
                Problem(label, where, "give a column name, an expression, a constant or a column spec", label="entry")
            )
    return problems


def _includes(loaded: dict, label: str) -> tuple[dict[str, dict], dict, list[Problem]]:
    """The tables and settings of the mapping files and presets a spec includes, read by :mod:`playbook.data.mapping`."""
    from playbook.data.mapping import read_mapping

    try:
        included = read_mapping({"include": loaded["include"]}, name=label)
    except DataValidationError as exc:
        return {}, {}, list(exc.problems)
    tables = {}
    for name, entry in included.tables.items():
        entry = {k: v for k, v in entry.items() if k not in ("file", "encoding")}
        entry["columns"] = dict(entry.get("columns") or {})
        tables[name] = entry
    return tables, dict(included.settings), []


def read_spec(spec: str | Path | dict | None) -> tuple[dict[str, dict], dict, str]:
    """The tables and settings of a database spec, checked.

    Parameters
    ----------
    spec : str, Path, dict or None
        A YAML file, YAML text, or the mapping itself: ``tables`` (per contract table a table name, or a
        mapping with ``table`` or ``query`` and optionally ``columns``: the contract's column -> a column of
        yours, an expression, a constant or a column spec, and ``where``, ``timezone``, ``group_by``,
        ``currency``, all as in :mod:`playbook.data.mapping` files), ``settings`` (as in ``dataset.yaml``) and
        ``include`` (mapping files or presets whose column definitions are used; the spec names their tables).
        None: every contract table under its own name. The usage table's ``columns`` may only rename.

    Returns
    -------
    tuple
        ``(tables, settings, label)``: per contract table ``{"table": ...}`` or ``{"query": ...}`` with
        ``columns`` and any options; the settings; how messages name the spec.

    Raises
    ------
    DataValidationError
        For an unknown table, key or column, an entry with neither or both of ``table`` and ``query``, a bad
        column spec, a usage entry that does more than rename.

    Examples
    --------
    >>> tables, settings, _ = read_spec({"tables": {"accounts": "crm.accounts", "usage": {"query": "SELECT 1"}},
    ...                                  "settings": {"timezone": "UTC"}})
    >>> tables["accounts"], tables["usage"]["query"], settings
    ({'table': 'crm.accounts', 'columns': {}}, 'SELECT 1', {'timezone': 'UTC'})
    >>> tables, _, _ = read_spec({"tables": {"subscriptions": {"table": "subs", "where": "status != 'void'",
    ...     "columns": {"mrr": "amount / (12 if interval == 'year' else 1)"}}}})
    >>> tables["subscriptions"]["where"], tables["subscriptions"]["columns"]["mrr"]
    ("status != 'void'", "amount / (12 if interval == 'year' else 1)")
    >>> read_spec({"tables": {"customers": "crm.accounts"}})
    Traceback (most recent call last):
    ...
    playbook.data.errors.DataValidationError: database spec, entry 'customers': not a table of the data contract (known: accounts, subscriptions, ...)
    """
    label = "database spec"
    if spec is None:
        loaded: dict = {}
    elif isinstance(spec, dict):
        loaded = spec
    else:
        if isinstance(spec, Path) or str(spec).endswith((".yaml", ".yml")):
            label = Path(spec).name
        loaded = read_yaml(spec, file=label, what="database spec file") or {}
    if not isinstance(loaded, dict):
        raise DataValidationError(Problem(label, None, "not a mapping with 'tables' and 'settings'"))
    unknown = sorted(set(loaded) - _TOP_KEYS)
    problems = [Problem(label, k, "unknown key (expected tables, settings, include)", label="entry") for k in unknown]
    base, settings, found = _includes(loaded, label) if loaded.get("include") else ({}, {}, [])
    problems += found
    tables: dict[str, dict] = {}
    own = loaded.get("tables") or {}
    if not isinstance(own, dict):
        problems.append(Problem(label, "tables", "not a mapping of contract tables", label="entry"))
        own = {}
    for name, entry in own.items():
        if name not in TABLES:
            problems.append(
                Problem(
                    label,
                    str(name),
                    "not a table of the data contract (known: accounts, subscriptions, ...)",
                    label="entry",
                )
            )
            continue
        if isinstance(entry, str):
            entry = {"table": entry}
        if not isinstance(entry, dict) or set(entry) - _ENTRY_KEYS or len(_SOURCE_KEYS & set(entry)) != 1:
            problems.append(
                Problem(
                    label,
                    name,
                    "give a table name, or a mapping with 'table' or 'query' (and 'columns', 'where', ...)",
                    label="entry",
                )
            )
            continue
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            problems.append(
                Problem(label, name, "'columns' must map the contract's column names to yours", label="entry")
            )
            continue
        if name == "usage" and (set(entry) - _USAGE_KEYS or not all(isinstance(v, str) for v in columns.values())):
            problems.append(
                Problem(
                    label,
                    name,
                    "the usage table is summarised in the database: its 'columns' may only rename "
                    "(the contract's column: yours); compute anything else in a 'query'",
                    label="entry",
                )
            )
            continue
        problems += _column_problems(label, name, columns)
        included = base.pop(name, {})
        source = {k: str(entry[k]) for k in _SOURCE_KEYS & set(entry)}
        options = {k: v for k, v in {**included, **entry}.items() if k not in {"columns", "_mapping", *_SOURCE_KEYS}}
        tables[name] = {**source, **options, "columns": {**(included.get("columns") or {}), **columns}}
    for name in base:
        problems.append(
            Problem(label, name, "included, but no 'table' or 'query' names where it is in the database", label="entry")
        )
    group = {n: e["group_by"] for n, e in tables.items() if e.get("group_by") not in (None, *e["columns"])}
    problems += [
        Problem(label, n, f"group_by {g!r} is not one of the entry's columns", label="entry") for n, g in group.items()
    ]
    own_settings = loaded.get("settings") or {}
    if not isinstance(own_settings, dict):
        problems.append(Problem(label, "settings", "not a mapping of settings", label="entry"))
        own_settings = {}
    if problems:
        raise DataValidationError(problems)
    return tables, {**settings, **own_settings}, label


def _source(db: Database, entry: dict) -> tuple[str, str]:
    """The SQL of the table or query in the database's dialect, and how messages name it."""
    if "query" in entry:
        return f"({entry['query'].strip().rstrip(';')}) AS src", "query"
    table = sqlglot.exp.to_table(entry["table"], dialect=db.dialect)
    return table.sql(dialect=db.dialect), f"table {entry['table']}"


def _timezone(settings: dict) -> str | None:
    tz = str(settings.get("timezone") or DEFAULT_SETTINGS["timezone"])
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # reported by the settings check
    return tz


def load_database(url: str | Database, spec: str | Path | dict | None = None, *, as_of: str | None = None) -> Dataset:
    """Read, validate and summarise a dataset from a database.

    Parameters
    ----------
    url : str or Database
        ``duckdb:///path/file.duckdb``, ``postgresql://user:password@host:port/db``, another SQLAlchemy URL, or
        an open :class:`~playbook.data.sql_engines.Database` (left open).
    spec : str, Path or dict, optional
        The tables and settings (see :func:`read_spec`). Default: every contract table under its own name.
    as_of : str, optional
        The date the data runs to (default: the ``as_of`` setting, else the latest activity found).

    Returns
    -------
    Dataset
        Validated as a folder is; ``source`` is the URL without its password, each table's label is
        ``table <name>`` (or ``query`` for a query), ``usage`` a summary made in the database.

    Raises
    ------
    DataValidationError
        Every problem found: the database cannot be opened, a table cannot be read, and every rule a table
        breaks (named by the table and the column).

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.duckdb"
    >>> with duckdb.connect(str(path)) as con:
    ...     _ = con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, DATE '2026-01-05' AS signup_date")
    ...     _ = con.execute("CREATE TABLE subs AS SELECT 'A1' AS customer, DATE '2026-01-05' AS start_date, 1200 AS mrr")
    ...     _ = con.execute("CREATE TABLE usage AS SELECT 'A1' AS account_id, 'u1' AS user_id, "
    ...                     "TIMESTAMPTZ '2026-01-31 16:00:00+00' AS date")  # 1 February 01:00 in Tokyo
    >>> ds = load_database(f"duckdb:///{path}", {"tables": {"accounts": "accounts", "usage": "usage",
    ...                    "subscriptions": {"table": "subs", "columns": {"account_id": "customer"}}}})
    >>> float(ds.subscriptions["mrr"].sum()), str(ds.usage.account_month["month"].iloc[0]), ds.label("subscriptions")
    (1200.0, '2026-02', 'table subs')
    """
    tables, settings, spec_label = read_spec(spec)
    db = url if isinstance(url, Database) else connect(url)
    try:
        return _load(db, tables, settings, spec_label, as_of)
    finally:
        if not isinstance(url, Database):
            db.close()


def _renames_only(entry: dict, kinds: dict[str, str]) -> bool:
    """Whether an entry only renames columns of the table (then its other columns keep their names)."""
    return set(entry) <= _USAGE_KEYS and all(isinstance(v, str) and v in kinds for v in entry["columns"].values())


def _mapped(frame, name: str, entry: dict, kinds: dict, label: str, spec_label: str, settings: dict, tz: str):
    """A table made by the mapping language (:func:`playbook.data.mapping.apply_mapping`) from the rows fetched.

    The contract's columns the entry does not name are taken from the table's columns of the same name.
    """
    from playbook.data.mapping import _text, apply_mapping

    columns = dict(entry["columns"])
    for col in TABLES[name].columns:
        if col.name not in columns and col.name in kinds:
            columns[col.name] = col.name
    spec = {**entry, "columns": columns, "_mapping": spec_label}
    code = entry.get("currency")
    if code and "currency" not in settings and code in frame.columns:  # the table's one currency is the dataset's
        codes = _text(frame[code]).dropna().str.strip().str.upper().unique()
        if len(codes) == 1:
            settings["currency"] = codes[0]
    return apply_mapping(frame, name, spec, source=label, dataset_tz=tz, currency=settings.get("currency"))


def _load(db: Database, tables: dict, settings: dict, spec_label: str, as_of) -> Dataset:  # noqa: C901
    from playbook.data.mapping import _with_origin

    problems: list[Problem] = []
    raw: dict = {}
    labels: dict[str, str] = {}
    origins: dict[str, dict[str, str]] = {}
    settings = dict(settings)
    given = bool(tables)
    entries = tables or {name: {"table": name, "columns": {}} for name in TABLES}
    tz = _timezone(settings)
    for name, entry in entries.items():
        source, label = _source(db, entry)
        if label == "query":
            label = f"query for {name}"
        try:
            kinds = db.describe(source)
        except Exception as exc:  # a missing table, a query that fails: the driver's words, without the password
            if given:
                problems.append(Problem(label, None, f"cannot read: {db.scrub(exc)}"))
            continue
        labels[name] = label
        renames = {src: contract for contract, src in entry["columns"].items() if isinstance(src, str)}
        if name == "usage":
            unknown = sorted(set(renames) - set(kinds))
            if unknown:
                problems.append(
                    Problem(
                        label,
                        None,
                        f"columns {unknown} named in the spec are not in the table; found columns: {list(kinds)}",
                    )
                )
                continue
            columns = {renames.get(c, c): c for c in kinds}
            columns = {c: s for c, s in columns.items() if c in {col.name for col in TABLES["usage"].columns}}
            if tz is None:
                continue
            try:
                found = usage_problems(db, source, label, columns, kinds, tz)
                if not found:
                    raw[name] = summarise_usage(db, source, label, columns, kinds, tz)
            except Exception as exc:
                found = [Problem(label, None, f"cannot summarise: {db.scrub(exc)}")]
            problems += found
            continue
        try:
            frame = db.frame(f"SELECT * FROM {source}")
        except Exception as exc:
            problems.append(Problem(label, None, f"cannot read: {db.scrub(exc)}"))
            continue
        if _renames_only(entry, kinds):
            raw[name] = frame.rename(columns=renames) if renames else frame
            continue
        if tz is None:  # reported by the settings check
            continue
        out, found, origins[name] = _mapped(frame, name, entry, kinds, label, spec_label, settings, tz)
        problems += found
        if out is not None:
            raw[name] = out
    if "usage" in labels and "usage" not in raw and not problems:  # a timezone the settings check refuses
        labels.pop("usage")
    try:
        return load_tables(
            raw,
            labels=labels,
            settings=settings,
            source=db.url,
            as_of=as_of,
            settings_label=spec_label,
            problems=problems,
        )
    except DataValidationError as exc:  # a column made by the spec is named with what it was made from
        raise DataValidationError([_with_origin(p, labels, origins) for p in exc.problems]) from None

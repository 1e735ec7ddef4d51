"""Mapping files: export files (Stripe, HubSpot, Salesforce, Zendesk, ...) turned into the contract's tables.

A mapping is a small YAML file that says, per table of the data contract, which export file holds it and how
each contract column is made from the file's columns; the result is then validated exactly as a data folder is
(:func:`~playbook.data.dataset.load_tables`). ::

    include: [stripe_subscriptions]        # presets (playbook/data/mappings/) or other mapping files, applied first
    settings: {currency: USD, timezone: America/New_York}   # dataset settings, as in dataset.yaml
    tables:
      subscriptions:
        file: subscriptions.csv           # in the data folder (--data); a database source uses table: or query:
        timezone: UTC                     # the zone of the file's timestamps that carry no offset
        where: "Status != 'incomplete_expired'"          # keep only the rows where this holds
        columns:                          # contract column: how to make it
          account_id: Customer ID         # a column of the file (renamed)
          billing_period: {column: Interval, values: {month: monthly, year: annual}}
          mrr: "money(Amount, Currency) * Quantity / (12 if Interval == 'year' else 1)"
          start_date: {column: Created, format: "%m/%d/%Y %H:%M"}
          product: {value: Base plan}     # a constant

A column spec is a source column name, an expression, a constant (a number or flag), or a mapping with
``column`` (a name, or a list: the first the file has), ``expr`` or ``value``, and optionally ``values`` (a value
map: every value met must be listed, unless ``default`` is given), ``format`` (a ``strptime`` date format),
``timezone`` (the zone of timestamps without offset), ``agg`` (with the table's ``group_by``: ``first``, ``min``,
``max``, ``sum``, ``count``) and ``optional: true`` (left out when the file lacks its columns).

**Expressions** are parsed, never executed: only column names (bare, or in backticks when they hold spaces:
```Start Date (UTC)```), literals (``'text'``, numbers, ``true``/``false``/``None``), arithmetic
(``+ - * / // %``), comparisons (``== != < <= > >= in``, ``not in`` a list), ``and``/``or``/``not``,
``A if CONDITION else B`` and the functions of :data:`FUNCTIONS` are allowed.

**Table options:** ``file`` (or ``table:``/``query:``, read by the database source, not here), ``encoding``,
``timezone``, ``where``, ``group_by`` (a contract column: one row per value, e.g. accounts from a subscriptions
export), ``currency`` (a column of currency codes: every row must hold the dataset's currency; without a
``currency`` setting, the one code found becomes it).

**Combining files:** ``include`` takes names or paths, or ``{mapping: NAME, tables: [..]}`` to take some tables
only. A later definition of a table replaces an included one when it names a ``file`` (or ``table``/``query``);
without one it changes only the columns and options it lists. ``tables: {name: null}`` drops an included table.

Errors are :class:`~playbook.data.errors.DataValidationError` problems naming the source file and column,
the contract's table and column, and the mapping file.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.data.config import read_yaml
from playbook.data.errors import DataValidationError, Problem

__all__ = [
    "PRESETS_DIR",
    "FUNCTIONS",
    "presets",
    "resolve_mapping",
    "read_mapping",
    "apply_mapping",
    "Expression",
    "DATA_URL_ENV",
]

#: The environment variable through which a run hands its notebooks a database URL with its password.
DATA_URL_ENV = "PLAYBOOK_DATA_URL"

#: The ready mappings for common exports (``--mapping stripe_subscriptions``).
PRESETS_DIR = Path(__file__).with_name("mappings")
#: Short names of the presets.
ALIASES = {"stripe": "stripe_subscriptions", "zendesk": "zendesk_tickets"}
MAX_EXAMPLES = 5
MAX_INCLUDE_DEPTH = 5
_TABLE_KEYS = {
    "file",
    "table",
    "query",
    "encoding",
    "timezone",
    "where",
    "group_by",
    "currency",
    "columns",
}
_SPEC_KEYS = {"column", "expr", "value", "values", "default", "format", "timezone", "agg", "optional"}
_AGGS = ("first", "last", "min", "max", "sum", "count")
_TOP_KEYS = {"include", "settings", "tables", "description"}
#: ISO 4217 currencies with no minor unit, and those with three decimals (the rest have two).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


def presets() -> list[str]:
    """The names of the ready mappings.

    Returns
    -------
    list of str
        Sorted names, usable as ``--mapping NAME``.

    Examples
    --------
    >>> presets()
    ['hubspot', 'salesforce', 'stripe_subscriptions', 'zendesk_tickets']
    """
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def resolve_mapping(mapping: str | Path, *, base: Path | None = None) -> Path:
    """The mapping file a user named: an existing path, else a preset name (``stripe``, ``hubspot``, ...).

    Parameters
    ----------
    mapping : str or Path
        A path (relative ones from ``base``, default the current folder) or a preset name.
    base : Path, optional
        The folder relative paths start from.

    Returns
    -------
    Path
        The absolute path of the mapping file.

    Raises
    ------
    DataValidationError
        Neither a file nor a preset.

    Examples
    --------
    >>> resolve_mapping("stripe").name
    'stripe_subscriptions.yaml'
    """
    text = str(mapping).strip()
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    if path.is_file():
        return path
    name = ALIASES.get(text.lower(), text.lower()).removesuffix(".yaml")
    preset = PRESETS_DIR / f"{name}.yaml"
    if re.fullmatch(r"\w+", name) and preset.is_file():
        return preset
    raise DataValidationError(
        Problem(
            "parameters",
            "mapping",
            f"mapping {text!r} is neither a file nor a preset (presets: {', '.join(presets())})",
        )
    )


# --------------------------------------------------------------------------- reading the mapping


@dataclass
class Mapping:
    """A mapping read and merged with its includes: per table its definition, and the settings."""

    name: str  # the mapping file's name, for messages
    tables: dict[str, dict]
    settings: dict
    files: tuple[Path, ...]  # the mapping files read (for the run manifest)


def _entry(name: str, where: str, rule: str) -> Problem:
    return Problem(name, where, rule, label="entry")


def read_mapping(mapping: str | Path | dict, *, name: str | None = None, _depth: int = 0) -> Mapping:  # noqa: C901
    """Read a mapping file (or preset name, or parsed YAML) and merge its includes.

    Parameters
    ----------
    mapping : str, Path or dict
        A path or a preset name (:func:`resolve_mapping`), or the YAML already parsed.
    name : str, optional
        How messages name a dict mapping (default ``mapping``).

    Returns
    -------
    Mapping

    Raises
    ------
    DataValidationError
        Not a mapping, unknown keys, a table that is not in the data contract, a bad include.

    Examples
    --------
    >>> cols = {"account_id": "Id", "signup_date": "Since"}
    >>> m = read_mapping({"tables": {"accounts": {"file": "crm.csv", "columns": cols}}})
    >>> m.tables["accounts"]["columns"]
    {'account_id': 'Id', 'signup_date': 'Since'}
    """
    from playbook.data.schema import DEFAULT_SETTINGS, TABLES

    if isinstance(mapping, dict):
        raw, label, files = mapping, name or "mapping", ()
    else:
        path = resolve_mapping(mapping)
        raw, label, files = read_yaml(path, what="mapping file"), path.name, (path,)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DataValidationError(_entry(label, None, "a mapping file must be a mapping (include, settings, tables)"))
    problems = []
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        problems.append(_entry(label, None, f"unknown key(s) {unknown}; known: {sorted(_TOP_KEYS)}"))
    tables: dict[str, dict] = {}
    settings: dict = {}
    includes = raw.get("include") or []
    if isinstance(includes, str | dict):
        includes = [includes]
    if not isinstance(includes, list):
        problems.append(_entry(label, "include", "include must be a list of mapping names or files"))
        includes = []
    if includes and _depth >= MAX_INCLUDE_DEPTH:
        raise DataValidationError(_entry(label, "include", f"includes nested deeper than {MAX_INCLUDE_DEPTH}"))
    for item in includes:
        only = None
        if isinstance(item, dict):
            only, item = item.get("tables"), item.get("mapping") or item.get("preset") or item.get("file")
        if not isinstance(item, str):
            problems.append(_entry(label, "include", f"{item!r} is not a mapping name or file"))
            continue
        base = files[0].parent if files else None
        try:
            inner = read_mapping(resolve_mapping(item, base=base), _depth=_depth + 1)
        except DataValidationError as exc:
            problems += exc.problems
            continue
        for t, spec in inner.tables.items():
            if only is None or t in only:
                tables[t] = spec
        settings.update(inner.settings)
        files += inner.files
    own = raw.get("settings") or {}
    if not isinstance(own, dict):
        problems.append(_entry(label, "settings", "settings must be a mapping (currency, timezone, ...)"))
        own = {}
    bad = sorted(set(own) - set(DEFAULT_SETTINGS) - {"as_of"})
    if bad:
        known = sorted(DEFAULT_SETTINGS) + ["as_of"]
        problems.append(_entry(label, "settings", f"unknown setting(s) {bad}; known: {known}"))
    settings.update(own)
    own_tables = raw.get("tables") or {}
    if not isinstance(own_tables, dict):
        problems.append(_entry(label, "tables", "tables must be a mapping of contract table names"))
        own_tables = {}
    for t, spec in own_tables.items():
        where = f"tables.{t}"
        if t not in TABLES:
            problems.append(_entry(label, where, f"'{t}' is not a table of the data contract; known: {list(TABLES)}"))
            continue
        if spec is None:
            tables.pop(t, None)
            continue
        if not isinstance(spec, dict):
            problems.append(_entry(label, where, "a table must be a mapping (file, columns, where, ...)"))
            continue
        extra = sorted(set(spec) - _TABLE_KEYS)
        if extra:
            problems.append(_entry(label, where, f"unknown key(s) {extra}; known: {sorted(_TABLE_KEYS)}"))
            continue
        spec = copy.deepcopy(spec)
        spec["_mapping"] = label
        if t in tables and not ({"file", "table", "query"} & set(spec)):
            merged = copy.deepcopy(tables[t])
            merged["columns"] = {**(merged.get("columns") or {}), **(spec.pop("columns", None) or {})}
            merged.update({k: v for k, v in spec.items() if k != "_mapping"})
            spec = merged
        tables[t] = spec
    for t, spec in tables.items():
        problems += _check_table(t, spec)
    if problems:
        raise DataValidationError(problems)
    return Mapping(label, tables, settings, files)


def _check_table(table: str, spec: dict) -> list[Problem]:
    """The definition of one table: a source, columns that are the contract's, specs of known keys."""
    from playbook.data.schema import TABLES

    label = spec.get("_mapping", "mapping")
    where = f"tables.{table}"
    problems = []
    if not ({"file", "table", "query"} & set(spec)):
        problems.append(_entry(label, where, "no source: give file (or table or query for a database)"))
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict) or not columns:
        return problems + [_entry(label, f"{where}.columns", "columns must map contract columns to source columns")]
    known = [c.name for c in TABLES[table].columns]
    for col, cs in columns.items():
        if col not in known:
            problems.append(
                _entry(label, f"{where}.columns.{col}", f"'{col}' is not a column of {table}; known: {known}")
            )
        elif isinstance(cs, dict):
            extra = sorted(set(cs) - _SPEC_KEYS)
            if extra:
                problems.append(
                    _entry(label, f"{where}.columns.{col}", f"unknown key(s) {extra}; known: {sorted(_SPEC_KEYS)}")
                )
            if cs.get("agg", "first") not in _AGGS:
                problems.append(_entry(label, f"{where}.columns.{col}", f"agg must be one of {list(_AGGS)}"))
            if "values" in cs and not isinstance(cs["values"], dict):
                problems.append(_entry(label, f"{where}.columns.{col}", "values must be a mapping (from: to)"))
    missing = [c for c in TABLES[table].required_columns if c not in columns]
    if missing:
        problems.append(
            _entry(label, f"{where}.columns", f"required column(s) of {table} not mapped: {', '.join(missing)}")
        )
    group = spec.get("group_by")
    if group is not None and group not in columns:
        problems.append(_entry(label, f"{where}.group_by", f"group_by {group!r} is not one of the mapped columns"))
    return problems


# --------------------------------------------------------------------------- expressions


class _MissingColumn(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _ExprError(Exception):
    pass


_BIN = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
}
_CMP = {
    ast.Eq: "__eq__",
    ast.NotEq: "__ne__",
    ast.Lt: "__lt__",
    ast.LtE: "__le__",
    ast.Gt: "__gt__",
    ast.GtE: "__ge__",
}
_CONSTANTS = {"true": True, "false": False, "True": True, "False": False, "None": None, "null": None}
#: The functions an expression may call, and what they do.
FUNCTIONS = {
    "coalesce": "the first value present, row by row; an argument that names a column the file lacks is skipped",
    "lower": "text in lower case",
    "upper": "text in upper case",
    "strip": "text without surrounding spaces",
    "text": "the value as text",
    "concat": "the values as text, joined",
    "number": "the value as a number (12,000 is 12000)",
    "money": "money(amount, currency): a whole number is the currency's minor unit (cents: 1999 USD = 19.99; "
    "JPY has none: 1999 = 1999), a number written with a decimal point is in units",
    "date": "date(value[, format]): the value as a date-time in the dataset timezone",
    "days": "days(n): a duration to add to or subtract from a date",
    "months": "months(n): calendar months to add to or subtract from a date",
    "minutes": "minutes(n): a duration in minutes (n may be a column)",
    "present": "true where the value is not empty",
    "missing": "true where the value is empty",
    "contains": "contains(text, part): true where text holds part (case-insensitive)",
    "startswith": "startswith(text, part): true where text starts with part (case-insensitive)",
    "round": "round(x[, digits])",
    "abs": "abs(x)",
    "min": "min(a, b, ...): the smallest, row by row",
    "max": "max(a, b, ...): the largest, row by row",
}
_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.In,
    ast.NotIn,
    *_BIN,
    *_CMP,
)


class Expression:
    """A safe expression over the columns of a source table, parsed with :mod:`ast` and never executed.

    Parameters
    ----------
    text : str
        The expression: column names (in backticks when they are not plain words), literals, arithmetic,
        comparisons, ``and``/``or``/``not``, ``A if C else B`` and the calls of :data:`FUNCTIONS`.

    Raises
    ------
    ValueError
        Not a valid expression, or one using anything else (attributes, subscripts, lambdas, other calls).

    Examples
    --------
    >>> df = pd.DataFrame({"Amount": ["120000", "10000"], "Interval": ["year", "month"]})
    >>> Expression("Amount / 12 if Interval == 'year' else Amount").evaluate(df).tolist()
    [10000.0, 10000.0]
    >>> Expression("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: unknown function '__import__' (known: coalesce, lower, ...)
    """

    def __init__(self, text: str):
        self.text = str(text)
        self.quoted: dict[str, str] = {}

        def quote(m: re.Match) -> str:
            key = f"__col{len(self.quoted)}"
            self.quoted[key] = m.group(1)
            return key

        source = re.sub(r"`([^`]+)`", quote, self.text)
        try:
            self.tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise ValueError(f"not a valid expression ({exc.msg})") from None
        for node in ast.walk(self.tree):
            if not isinstance(node, _ALLOWED_NODES):
                raise ValueError(f"'{type(node).__name__}' is not allowed in an expression")
            if isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.keywords:
                    raise ValueError("only calls such as lower(x) of the listed functions are allowed")
                if node.func.id not in FUNCTIONS:
                    raise ValueError(f"unknown function {node.func.id!r} (known: coalesce, lower, ...)")
            if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool | type(None)):
                raise ValueError(f"the literal {node.value!r} is not allowed")

    def columns(self) -> list[str]:
        """The source columns the expression names."""
        out = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id not in _CONSTANTS and node.id not in FUNCTIONS:
                out.append(self.quoted.get(node.id, node.id))
        return list(dict.fromkeys(out))

    def evaluate(self, frame: pd.DataFrame, ctx: _Context | None = None) -> pd.Series:
        """The expression's value on every row of ``frame`` (a Series with its index)."""
        ctx = ctx or _Context()
        value = self._eval(self.tree.body, frame, ctx)
        return _broadcast(value, frame.index)

    # evaluation: every node gives a Series aligned on the frame's index, or a scalar
    def _eval(self, node, frame: pd.DataFrame, ctx: _Context):  # noqa: C901
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            name = self.quoted.get(node.id, node.id)
            if name not in frame.columns:
                raise _MissingColumn(name)
            return frame[name]
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, frame, ctx) for e in node.elts]
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, frame, ctx)
            if isinstance(node.op, ast.Not):
                return ~_truth(v, frame.index)
            v = ctx.number(v, self._name(node.operand))
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BoolOp):
            values = [_truth(self._eval(v, frame, ctx), frame.index) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = (out & v) if isinstance(node.op, ast.And) else (out | v)
            return out
        if isinstance(node, ast.BinOp):
            return self._binop(node, frame, ctx)
        if isinstance(node, ast.Compare):
            out = None
            left = self._eval(node.left, frame, ctx)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, frame, ctx)
                part = _compare(op, left, right, frame.index, ctx)
                out = part if out is None else (out & part)
                left = right
            return out
        if isinstance(node, ast.IfExp):
            cond = _truth(self._eval(node.test, frame, ctx), frame.index)
            a = _broadcast(self._eval(node.body, frame, ctx), frame.index)
            b = _broadcast(self._eval(node.orelse, frame, ctx), frame.index)
            if a.dtype != b.dtype and not (_is_number(a) and _is_number(b)):
                if _is_number(a) or _is_number(b):  # a number and text: read the text as numbers
                    a, b = ctx.number(a, self._name(node.body)), ctx.number(b, self._name(node.orelse))
                elif not (pd.api.types.is_datetime64_any_dtype(a) and pd.api.types.is_datetime64_any_dtype(b)):
                    a, b = a.astype(object), b.astype(object)
            return a.where(cond.to_numpy(), b)
        if isinstance(node, ast.Call):
            return self._call(node, frame, ctx)
        raise _ExprError(f"'{type(node).__name__}' is not allowed")  # pragma: no cover - refused when parsed

    def _name(self, node) -> str:
        """The source column a node names (for messages), else the expression."""
        if isinstance(node, ast.Name):
            return self.quoted.get(node.id, node.id)
        return self.text

    def _binop(self, node, frame, ctx):
        left = self._eval(node.left, frame, ctx)
        right = self._eval(node.right, frame, ctx)
        offset = (pd.Timedelta, pd.DateOffset)
        if isinstance(right, offset) or isinstance(left, offset):
            if isinstance(left, offset):
                left, right = right, left
            dates = ctx.dates(left, self._name(node.left))
            if isinstance(node.op, ast.Add):
                return _shift(dates, right, 1)
            if isinstance(node.op, ast.Sub):
                return _shift(dates, right, -1)
            raise _ExprError("only + and - apply to dates")
        if isinstance(right, pd.Series) and pd.api.types.is_timedelta64_dtype(right):
            dates = ctx.dates(left, self._name(node.left))
            return dates + right if isinstance(node.op, ast.Add) else dates - right
        a = ctx.number(left, self._name(node.left))
        b = ctx.number(right, self._name(node.right))
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _BIN[type(node.op)](a, b)
        if isinstance(out, pd.Series):
            out = out.replace([np.inf, -np.inf], np.nan)
        return out

    def _call(self, node, frame, ctx):  # noqa: C901
        fn = node.func.id
        if fn == "coalesce":
            out = None
            for arg in node.args:
                try:
                    v = _broadcast(self._eval(arg, frame, ctx), frame.index)
                except _MissingColumn:
                    continue
                out = v if out is None else _combine(out, v)
            if out is None:
                raise _MissingColumn(", ".join(Expression(ast.unparse(a)).columns()[0] for a in node.args[:1]))
            return out
        args = [self._eval(a, frame, ctx) for a in node.args]
        names = [self._name(a) for a in node.args]
        if fn in ("lower", "upper", "strip", "text"):
            s = _text(_broadcast(_one(fn, args), frame.index))
            return s if fn == "text" else getattr(s.str, fn)()
        if fn == "concat":
            parts = [_text(_broadcast(a, frame.index)) for a in args]
            out = parts[0]
            for p in parts[1:]:
                out = out + p
            return out
        if fn == "number":
            return ctx.number(_one(fn, args), names[0])
        if fn == "money":
            if len(args) != 2:
                raise _ExprError("money takes two arguments: money(amount, currency)")
            return _money(_broadcast(args[0], frame.index), args[1], ctx, names[0])
        if fn == "date":
            fmt = args[1] if len(args) > 1 else None
            return ctx.dates(args[0], names[0], fmt)
        if fn in ("days", "minutes"):
            n = _one(fn, args)
            unit = "D" if fn == "days" else "min"
            if isinstance(n, pd.Series):
                return pd.to_timedelta(ctx.number(n, names[0]), unit=unit)
            return pd.Timedelta(float(n), unit=unit)
        if fn == "months":
            n = _one(fn, args)
            if not isinstance(n, int):
                raise _ExprError("months(n) takes a whole number")
            return pd.DateOffset(months=n)
        if fn in ("present", "missing"):
            s = _broadcast(_one(fn, args), frame.index)
            return s.notna() if fn == "present" else s.isna()
        if fn in ("contains", "startswith"):
            if len(args) != 2:
                raise _ExprError(f"{fn} takes two arguments")
            s = _text(_broadcast(args[0], frame.index)).str.lower()
            part = str(args[1]).lower()
            out = s.str.contains(part, regex=False) if fn == "contains" else s.str.startswith(part)
            return out.fillna(False).astype(bool)
        if fn == "round":
            digits = int(args[1]) if len(args) > 1 else 0
            return np.round(ctx.number(args[0], names[0]), digits)
        if fn == "abs":
            return np.abs(ctx.number(_one(fn, args), names[0]))
        if fn in ("min", "max"):
            cols = pd.concat(
                [_broadcast(ctx.number(a, n), frame.index) for a, n in zip(args, names, strict=True)], axis=1
            )
            return cols.min(axis=1) if fn == "min" else cols.max(axis=1)
        raise _ExprError(f"unknown function {fn!r}")  # pragma: no cover - refused when parsed


def _one(fn: str, args: list):
    if len(args) != 1:
        raise _ExprError(f"{fn} takes one argument")
    return args[0]


def _broadcast(value, index) -> pd.Series:
    if isinstance(value, pd.Series):
        return value
    if isinstance(value, list):
        raise _ExprError("a list is allowed only after 'in'")
    if value is None:
        return pd.Series(np.nan, index=index, dtype=object)
    return pd.Series([value] * len(index), index=index)


def _is_number(s) -> bool:
    if isinstance(s, pd.Series):
        return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    return isinstance(s, int | float) and not isinstance(s, bool)


def _text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        s = s.astype("Int64")
    return s.astype("str").where(s.notna())


def _truth(value, index) -> pd.Series:
    s = _broadcast(value, index)
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    if _is_number(s):
        return s.fillna(0).astype(bool)
    return s.notna() & _text(s).str.lower().isin(["true", "t", "yes", "y", "1"]).fillna(False)


def _combine(a: pd.Series, b: pd.Series) -> pd.Series:
    if a.dtype != b.dtype:
        a, b = a.astype(object), b.astype(object)
    return a.where(a.notna(), b)


def _shift(dates: pd.Series, offset, sign: int) -> pd.Series:
    if isinstance(offset, pd.DateOffset):
        present = dates.notna()
        out = dates.copy()
        out[present] = dates[present] + (offset if sign > 0 else -offset)
        return out
    return dates + offset if sign > 0 else dates - offset


def _compare(op, left, right, index, ctx) -> pd.Series:
    if isinstance(op, ast.In | ast.NotIn):
        if not isinstance(right, list):
            raise _ExprError("'in' needs a list: x in ('a', 'b')")
        s = _broadcast(left, index)
        if all(_is_number(v) for v in right):
            hit = ctx.number(s, None).isin(right)
        else:
            hit = _text(s).isin([str(v) for v in right])
        hit = hit.fillna(False).astype(bool)
        return ~hit if isinstance(op, ast.NotIn) else hit
    name = _CMP[type(op)]
    a, b = left, right
    if a is None or b is None:  # x == None: missing
        s = _broadcast(b if a is None else a, index)
        if name in ("__eq__", "__ne__"):
            return s.isna() if name == "__eq__" else s.notna()
        raise _ExprError("None can only be compared with == or !=")
    sa, sb = isinstance(a, pd.Series), isinstance(b, pd.Series)
    if (sa and pd.api.types.is_datetime64_any_dtype(a)) or (sb and pd.api.types.is_datetime64_any_dtype(b)):
        a, b = ctx.dates(a, None), ctx.dates(b, None)
    elif _is_number(a) or _is_number(b):
        a, b = ctx.number(a, None), ctx.number(b, None)
    else:
        a = _text(a) if sa else str(a)
        b = _text(b) if sb else str(b)
    out = getattr(_broadcast(a, index), name)(b if not isinstance(b, pd.Series) else b)
    return out.fillna(name == "__ne__").astype(bool)


_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _money(amount: pd.Series, currency, ctx: _Context, name: str) -> pd.Series:
    codes = _broadcast(currency, amount.index)
    codes = _text(codes).str.strip().str.upper()
    exponent = codes.map(lambda c: 0 if c in ZERO_DECIMAL else 3 if c in THREE_DECIMAL else 2)
    if _is_number(amount):
        whole = pd.api.types.is_integer_dtype(amount)
        values = amount.astype("float64")
        minor = pd.Series(whole, index=amount.index)
    else:
        text = _text(amount).str.strip()
        values = ctx.number(text, name)
        minor = ~text.str.contains(".", regex=False).fillna(False)
    factor = np.power(10.0, exponent.fillna(2).astype("float64"))
    return values.where(~minor.to_numpy(), values / factor)


class _Context:
    """What an evaluation needs besides the rows: the time zones, and where bad values are recorded."""

    def __init__(self, source_tz: str | None = None, dataset_tz: str = "Asia/Tokyo", fmt: str | None = None):
        self.source_tz, self.dataset_tz, self.fmt = source_tz, dataset_tz, fmt
        self.bad: dict[tuple[str, str], np.ndarray] = {}  # (column, what) -> rows unreadable
        self.raw: dict[str, pd.Series] = {}

    def _record(self, name: str | None, what: str, mask: pd.Series, values: pd.Series) -> None:
        if name is None or not mask.any():
            return
        key = (name, what)
        prev = self.bad.get(key)
        m = mask.to_numpy()
        self.bad[key] = m if prev is None or len(prev) != len(m) else (prev | m)
        self.raw[name] = values

    def number(self, value, name: str | None):
        if not isinstance(value, pd.Series):
            if isinstance(value, bool) or value is None:
                return np.nan if value is None else float(value)
            try:
                return float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
            except ValueError:
                raise _ExprError(f"{value!r} is not a number") from None
        if _is_number(value):
            return value.astype("float64")
        if pd.api.types.is_bool_dtype(value):
            return value.astype("float64")
        text = _text(value).str.strip()
        text = text.where(~text.str.fullmatch(_THOUSANDS).fillna(False), text.str.replace(",", "", regex=False))
        out = pd.to_numeric(text, errors="coerce").astype("float64")
        self._record(name, "number", value.notna() & out.isna(), value)
        return out

    def dates(self, value, name: str | None, fmt: str | None = None) -> pd.Series:
        """Dates in the dataset timezone (naive); text parsed with ``fmt`` (or ISO 8601), offsets honoured."""
        if not isinstance(value, pd.Series):
            return pd.Timestamp(value)
        return _to_dataset_time(value, fmt or self.fmt, self.source_tz, self.dataset_tz, self, name)


def _to_dataset_time(value: pd.Series, fmt, source_tz, dataset_tz, ctx: _Context | None, name) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(value):
        out = value
        if getattr(out.dt, "tz", None) is None and source_tz and source_tz != dataset_tz:
            out = out.dt.tz_localize(source_tz, ambiguous="NaT", nonexistent="shift_forward")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(dataset_tz).dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    text = _text(value).str.strip()
    if fmt:
        aware = "%z" in fmt or "%Z" in fmt  # offsets that may differ by row: read as UTC
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
    else:
        parsed = pd.Series(pd.NaT, index=value.index, dtype=object)
        for i, v in text.dropna().items():  # one value at a time: offsets may differ by row
            try:
                parsed[i] = pd.Timestamp(v.replace("/", "-") if re.match(r"^\d{4}/", v) else v)
            except ValueError:
                parsed[i] = pd.NaT
    if ctx is not None:
        ctx._record(name, "date" if not fmt else f"date:{fmt}", value.notna() & pd.isna(parsed), value)
    if pd.api.types.is_datetime64_any_dtype(parsed):
        return _to_dataset_time(parsed, None, source_tz, dataset_tz, None, None)
    out = pd.Series(pd.NaT, index=value.index, dtype="datetime64[ns]")
    for i, ts in parsed.dropna().items():
        ts = pd.Timestamp(ts)
        if ts.tzinfo is None and source_tz and source_tz != dataset_tz:
            ts = ts.tz_localize(source_tz, ambiguous="NaT", nonexistent="shift_forward")
        if ts is not pd.NaT and ts.tzinfo is not None:
            ts = ts.tz_convert(dataset_tz).tz_localize(None)
        out[i] = ts
    return out


# --------------------------------------------------------------------------- applying a mapping


def _where_rows(label: str, positions) -> tuple[str, ...]:
    csv = label.lower().endswith((".csv", ".gz", ".tsv", ".txt"))
    return tuple((f"line {int(p) + 2}" if csv else f"row index {int(p)}") for p in positions[:MAX_EXAMPLES])


def _examples(label: str, mask: np.ndarray, index: pd.Index, values: pd.Series | None = None) -> tuple[str, ...]:
    rows = np.flatnonzero(mask)[:MAX_EXAMPLES]
    out = []
    for r, text in zip(rows, _where_rows(label, index.to_numpy()[rows]), strict=True):
        if values is not None:
            v = values.iloc[r]
            text += f": '{v}'" if isinstance(v, str) else f": {v}"
        out.append(text)
    return tuple(out)


def _spec(cs) -> dict:
    """A column spec as a mapping: a name or expression (str), or a constant."""
    if isinstance(cs, dict):
        return cs
    if isinstance(cs, str):
        return {"column": cs}
    return {"value": cs}


def _key_text(k) -> str:
    return ("true" if k else "false") if isinstance(k, bool) else str(k).strip().lower()


def apply_mapping(  # noqa: C901
    frame: pd.DataFrame,
    table: str,
    spec: dict,
    *,
    source: str,
    dataset_tz: str = "Asia/Tokyo",
    currency: str | None = None,
) -> tuple[pd.DataFrame | None, list[Problem], dict[str, str]]:
    """One contract table made from one source frame by its mapping definition.

    Parameters
    ----------
    frame : pandas.DataFrame
        The source rows as read (text columns from CSV; typed from Parquet or a database).
    table : str
        The contract table.
    spec : dict
        Its definition in the mapping (``columns``, ``where``, ``timezone``, ``group_by``, ``currency``).
    source : str
        How messages name the source (``subscriptions.csv``, ``table public.subs``).
    dataset_tz : str
        The dataset timezone, which timestamps are converted to.
    currency : str, optional
        The dataset currency, checked against the ``currency`` column.

    Returns
    -------
    frame : pandas.DataFrame or None
        The contract columns (None when a problem was found); the index keeps the source row of each row.
    problems : list of Problem
    origins : dict of str to str
        Per contract column, what it was made from (for messages of the validation that follows).

    Examples
    --------
    >>> src = pd.DataFrame({"Id": ["a", "b"], "Interval": ["month", "year"], "Amount": ["100", "1200"]})
    >>> out, problems, _ = apply_mapping(src, "subscriptions", {"columns": {
    ...     "account_id": "Id", "billing_period": {"column": "Interval", "values": {"month": "monthly", "year": "annual"}},
    ...     "mrr": "Amount / (12 if Interval == 'year' else 1)", "start_date": {"value": "2026-01-01"}}},
    ...     source="billing.csv")
    >>> out["billing_period"].tolist(), out["mrr"].tolist(), problems
    (['monthly', 'annual'], [100.0, 100.0], [])
    """
    mapping = spec.get("_mapping", "mapping")
    problems: list[Problem] = []
    origins: dict[str, str] = {}
    found = list(frame.columns)
    table_tz = spec.get("timezone")

    def target(col: str) -> str:
        return f"{table}.{col}"

    def expr_problem(col: str | None, where: str, exc: Exception) -> Problem:
        return Problem(mapping, where, f"{exc}", label="entry")

    # rows kept by the filter
    rows = frame
    where_text = spec.get("where")
    if where_text:
        try:
            ctx = _Context(table_tz, dataset_tz)
            keep = _truth(Expression(str(where_text)).evaluate(frame, ctx), frame.index)
            problems += _bad_values(ctx, source, f"the filter of {table} (where: {where_text})", mapping, frame.index)
            rows = frame[keep.to_numpy()]
        except _MissingColumn as exc:
            problems.append(_missing(source, exc.name, f"the filter of {table} (where)", mapping, found))
        except (ValueError, _ExprError) as exc:
            problems.append(expr_problem(None, f"tables.{table}.where", exc))
    if problems:
        return None, problems, origins
    out = pd.DataFrame(index=rows.index)
    from playbook.data.schema import TABLES

    kinds = {c.name: c.kind for c in TABLES[table].columns}
    aggs: dict[str, str] = {}
    for col, raw_spec in (spec.get("columns") or {}).items():
        cs = _spec(raw_spec)
        entry = f"tables.{table}.columns.{col}"
        tz = cs.get("timezone", table_tz)
        fmt = cs.get("format")
        ctx = _Context(tz, dataset_tz, fmt)
        aggs[col] = cs.get("agg", "first")
        try:
            if "value" in cs:
                value = _broadcast(cs["value"], rows.index)
                origins[col] = f"constant {cs['value']!r}"
            elif "expr" in cs or ("column" in cs and not _is_column(cs["column"], found)):
                text = cs.get("expr", cs.get("column"))
                if isinstance(text, list):
                    if cs.get("optional"):
                        continue
                    problems.append(_missing(source, " or ".join(map(str, text)), target(col), mapping, found))
                    continue
                expr = Expression(str(text))
                value = expr.evaluate(rows, ctx)
                origins[col] = str(text)
            else:
                name = _first_column(cs["column"], found)
                value = rows[name]
                origins[col] = name
        except _MissingColumn as exc:
            if cs.get("optional"):
                continue
            problems.append(_missing(source, exc.name, target(col), mapping, found))
            continue
        except (ValueError, _ExprError) as exc:
            if "expr" not in cs and "column" in cs and isinstance(exc, ValueError):  # a name the file lacks
                problems.append(_missing(source, str(cs["column"]), target(col), mapping, found))
            else:
                problems.append(expr_problem(col, entry, exc))
            continue
        problems += _bad_values(ctx, source, f"{target(col)} = {origins[col]}", mapping, rows.index)
        if "values" in cs:
            value, p = _value_map(value, cs, source, origins[col], target(col), mapping, rows.index)
            problems += p
        if kinds.get(col) in ("date", "timestamp") and (fmt or tz) and not pd.api.types.is_datetime64_any_dtype(value):
            ctx = _Context(tz, dataset_tz, fmt)
            value = ctx.dates(value, origins[col], fmt)
            problems += _bad_values(ctx, source, f"{target(col)} = {origins[col]}", mapping, rows.index)
        elif kinds.get(col) in ("date", "timestamp") and pd.api.types.is_datetime64_any_dtype(value) and tz:
            value = _to_dataset_time(value, None, tz, dataset_tz, None, None)
        out[col] = value
    currency_col = spec.get("currency")
    if currency_col and not problems:
        if currency_col not in found:
            problems.append(_missing(source, currency_col, f"the currency check of {table}", mapping, found))
        elif currency:
            codes = _text(rows[currency_col]).str.strip().str.upper()
            bad = (codes.notna() & (codes != currency.upper())).to_numpy()
            if bad.any():
                seen = ", ".join(repr(v) for v in pd.unique(rows[currency_col][bad])[:MAX_EXAMPLES])
                problems.append(
                    Problem(
                        source,
                        currency_col,
                        f"currency other than the dataset's {currency.upper()} (mapping {mapping}): {seen}; "
                        "one currency per dataset: export one currency, or set currency in the mapping's settings",
                        int(bad.sum()),
                        _examples(source, bad, rows.index, rows[currency_col]),
                    )
                )
    if problems:
        return None, problems, origins
    group = spec.get("group_by")
    if group:
        out = _group(out, group, aggs)
    return out, problems, origins


def _is_column(ref, found: list[str]) -> bool:
    if isinstance(ref, list):
        return any(r in found for r in ref)
    return ref in found


def _first_column(ref, found: list[str]) -> str:
    return next(r for r in ref if r in found) if isinstance(ref, list) else ref


def _missing(source: str, name: str, target: str, mapping: str, found: list[str]) -> Problem:
    return Problem(source, name, f"column not found (for {target}; mapping {mapping}); found columns: {found}")


def _bad_values(ctx: _Context, source: str, target: str, mapping: str, index: pd.Index) -> list[Problem]:
    problems = []
    for (name, what), mask in ctx.bad.items():
        values = ctx.raw[name]
        if len(mask) != len(index):
            continue
        if what == "number":
            rule = f"not a number (for {target}; mapping {mapping})"
        elif what == "date":
            rule = f"not a date (for {target}; mapping {mapping})"
        else:
            rule = f"not a date in the format {what[5:]} (for {target}; mapping {mapping})"
        problems.append(Problem(source, name, rule, int(mask.sum()), _examples(source, mask, index, values)))
    return problems


def _value_map(value: pd.Series, cs: dict, source, origin, target, mapping, index) -> tuple[pd.Series, list]:
    table = {_key_text(k): v for k, v in cs["values"].items()}
    text = _text(value).str.strip().str.lower()
    mapped = text.map(lambda v: table.get(v, np.nan) if isinstance(v, str) else np.nan)
    unmatched = (text.notna() & ~text.isin(list(table))).to_numpy()
    if unmatched.any():
        if "default" in cs:
            fill = cs["default"]
            mapped = mapped.astype(object)
            mapped[unmatched] = np.nan if fill is None else fill
            return mapped, []
        seen = ", ".join(repr(v) for v in pd.unique(value[unmatched])[:MAX_EXAMPLES])
        keys = ", ".join(repr(k) for k in table)
        rule = f"value(s) with no entry in the value map of {target} (mapping {mapping}): {seen}; the map has {keys}"
        return value, [Problem(source, origin, rule, int(unmatched.sum()), _examples(source, unmatched, index, value))]
    return mapped, []


def _group(out: pd.DataFrame, key: str, aggs: dict[str, str]) -> pd.DataFrame:
    """One row per value of ``key``; each other column aggregated by its ``agg``. The index: each group's first row."""
    keyed = out[out[key].notna()]
    groups = keyed.groupby(key, sort=False)
    first_rows = groups.apply(lambda g: g.index[0], include_groups=False)
    result = pd.DataFrame({key: first_rows.index}, index=first_rows.to_numpy())
    for col in out.columns:
        if col == key:
            continue
        how = aggs.get(col, "first")
        agg = groups[col].agg(how if how != "count" else "count")
        result[col] = agg.reindex(first_rows.index).to_numpy()
    return result.sort_index()


# --------------------------------------------------------------------------- loading


def _with_origin(p: Problem, labels: dict[str, str], origins: dict[str, dict[str, str]]) -> Problem:
    """A problem of the validation, its column followed by what the mapping made it from (``mrr ← Amount / 12``)."""
    table = next((t for t, lab in labels.items() if lab == p.file), None)
    if table is None or p.column is None or p.label != "column":
        return p
    origin = origins.get(table, {}).get(p.column)
    if origin is None or origin == p.column:
        return p
    return Problem(p.file, f"{p.column} ← {origin}", p.rule, p.count, p.examples, p.label)

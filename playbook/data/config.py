"""Settings files: YAML read safely, and entries checked against fields declared once.

Every YAML file the playbook reads (the KPI tree, the health score and RFM segment
configurations) declares its entries' fields as :class:`Field` records; :func:`read_fields`
checks an entry against them and words each broken rule the same way everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml

from playbook.data.errors import DataValidationError
from playbook.data.errors import Problem as _Problem

__all__ = [
    "MAX_YAML_BYTES",
    "Field",
    "read_fields",
    "read_yaml",
    "parse_month",
    "parse_number",
    "parse_fiscal_year_start",
]

EntryProblem = partial(_Problem, label="entry")  # problems of a settings file name its entries
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MESSAGES = {
    "number": "{key} {value!r} is not a number",
    "choice": "{key} {value!r} is not one of {choices}",
    "mapping": "{key} must be a mapping",
}


def parse_month(value, key: str) -> tuple[pd.Period | None, list[str]]:
    """A ``YYYY-MM`` value as a month, or None and the rule it breaks.

    Parameters
    ----------
    value : object
        The value as read from YAML.
    key : str
        Its key, for the message.

    Returns
    -------
    month : pandas.Period or None
    rules : list of str
        Empty, or the broken rule.

    Examples
    --------
    >>> parse_month("2026-13", "deadline")
    (None, ["deadline '2026-13' is not a month (expected YYYY-MM)"])
    """
    text = str(value).strip() if value is not None else ""
    if not _MONTH.match(text):
        return None, [f"{key} {value!r} is not a month (expected YYYY-MM)"]
    return pd.Period(text, freq="M"), []


def parse_number(value, key: str) -> tuple[float | None, list[str]]:
    """A number (not a bool) as a float, or None and the rule it breaks.

    Parameters
    ----------
    value : object
        The value as read from YAML.
    key : str
        Its key, for the message.

    Returns
    -------
    number : float or None
    rules : list of str
        Empty, or the broken rule.

    Examples
    --------
    >>> parse_number("high", "target")
    (None, ["target 'high' is not a number"])
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, [_MESSAGES["number"].format(key=key, value=value)]
    if not math.isfinite(value):
        return None, [f"{key} {value!r} is not a finite number"]
    return float(value), []


def parse_fiscal_year_start(value, key: str = "fiscal_year_start") -> tuple[int | None, list[str]]:
    """The first month of the fiscal year (1-12, ``fiscal_year_start`` in ``dataset.yaml``), or None and the rule.

    ``4`` is a fiscal year starting in April (2026年度 = April 2026 to March 2027); ``1`` the calendar year.
    Settings arrive as text, so ``"4"`` is read as 4; a month name, 0, 13 or ``4.5`` is refused.

    Parameters
    ----------
    value : object
        The value as read (a whole number, or its digits as text).
    key : str, default "fiscal_year_start"
        Its key, for the message.

    Returns
    -------
    month : int or None
    rules : list of str
        Empty, or the broken rule.

    Examples
    --------
    >>> parse_fiscal_year_start("4"), parse_fiscal_year_start(1)
    ((4, []), (1, []))
    >>> parse_fiscal_year_start("April")
    (None, ["fiscal_year_start 'April' is not a month number 1-12 (e.g. 4 for a fiscal year starting in April)"])
    """
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 12:
        return int(text), []
    return None, [f"{key} {value!r} is not a month number 1-12 (e.g. 4 for a fiscal year starting in April)"]


@dataclass(frozen=True)
class Field:
    """One field of a settings entry: its key, kind and whether it must be there.

    Parameters
    ----------
    key : str
        The YAML key.
    kind : {"text", "number", "month", "choice", "mapping", "custom"}
        How the value is checked: ``text`` is read as it is; ``choice`` must be one of
        ``choices``; ``custom`` is checked by ``check``.
    required : bool
        Absent -> "missing <key>".
    checked_when_absent : bool
        Check the value even when the key is absent (it is then None).
    choices : tuple
        The allowed values of a ``choice``.
    message : str
        How a broken rule reads, with ``{key}``, ``{value!r}`` and ``{choices}``; each kind has a default.
    check : callable, optional
        For ``custom``: ``check(key, value, entry)`` returns the broken rules (a list of str).
    """

    key: str
    kind: Literal["text", "number", "month", "choice", "mapping", "custom"] = "text"
    required: bool = False
    checked_when_absent: bool = False
    choices: tuple = ()
    message: str = ""
    check: Callable[[str, object, dict], list[str]] | None = None

    def parse(self, value, entry: dict) -> tuple[object, list[str]]:
        """The field's value (None when broken) and the rules it breaks.

        Parameters
        ----------
        value : object
            The value as read from YAML (None when absent).
        entry : dict
            The whole entry, for checks that look at other fields.

        Returns
        -------
        value : object
        rules : list of str
        """
        if self.kind == "number":
            number, rules = parse_number(value, self.key)
            return number, [self._word(value)] if rules and self.message else rules
        if self.kind == "month":
            return parse_month(value, self.key)
        if self.kind == "choice":
            ok = value in self.choices
            return (value if ok else None), [] if ok else [self._word(value)]
        if self.kind == "mapping":
            ok = value is None or isinstance(value, dict)
            return (value if ok else None), [] if ok else [self._word(value)]
        if self.kind == "custom":
            rules = self.check(self.key, value, entry)
            return (None if rules else value), rules
        return value, []

    def _word(self, value) -> str:
        template = self.message or _MESSAGES[self.kind]
        return template.format(key=self.key, value=value, choices=list(self.choices))


def read_fields(entry: dict, fields: tuple[Field, ...], *, file: str, where: str) -> tuple[dict, list[_Problem]]:
    """Check one entry against its declared fields.

    Parameters
    ----------
    entry : dict
        The entry as parsed from YAML.
    fields : tuple of Field
        Its declaration.
    file, where : str
        The file and the entry, for messages.

    Returns
    -------
    values : dict
        Each field present (or checked when absent), by key; a broken one is None.
    problems : list of Problem
        "missing <key>" for each required field that is absent, then each broken rule, in the
        declaration's order.

    Examples
    --------
    >>> fields = (Field("id", required=True), Field("target", "number", required=True))
    >>> values, problems = read_fields({"target": "high"}, fields, file="t.yaml", where="kpis[0]")
    >>> values, [str(p) for p in problems]
    ({'target': None}, ["t.yaml, entry 'kpis[0]': missing id", "t.yaml, entry 'kpis[0]': target 'high' is not a number"])
    """
    problems = [EntryProblem(file, where, f"missing {f.key}") for f in fields if f.required and f.key not in entry]
    values = {}
    for f in fields:
        if f.key not in entry and not f.checked_when_absent:
            continue
        values[f.key], rules = f.parse(entry.get(f.key), entry)
        problems += [EntryProblem(file, where, rule) for rule in rules]
    return values, problems


#: The largest settings file read (a KPI tree or a configuration is a few kB).
MAX_YAML_BYTES = 1_000_000


class _AliasRefused(yaml.YAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (``*name``): a few lines of them expand to billions of nodes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not allowed in "
                "settings files (a few lines of them can expand to billions of values); write the values out"
            )
        return super().compose_node(parent, index)


def read_yaml(source: str | Path, *, file: str | None = None, what: str = "file"):
    """The content of a YAML file, or of YAML text, read with the safe loader.

    Parameters
    ----------
    source : str or Path
        A path (a ``Path``, or a string ending in ``.yaml`` or ``.yml``), or YAML text.
    file : str, optional
        How messages name YAML text (default "YAML text"); a file is named by its name.
    what : str
        What the file is, for the message when it is missing ("KPI tree file").

    Returns
    -------
    object
        What the YAML holds (a dict or list for a settings file).

    Raises
    ------
    DataValidationError
        The file does not exist, is larger than ``MAX_YAML_BYTES``, is not UTF-8 or not valid YAML, or
        uses aliases (``*name``; refused so that a few lines cannot expand to billions of nodes).

    Examples
    --------
    >>> read_yaml("components: {voice: {weight: 1}}")
    {'components': {'voice': {'weight': 1}}}
    """
    is_path = isinstance(source, Path) or str(source).endswith((".yaml", ".yml"))
    name = Path(source).name if is_path else (file or "YAML text")
    try:
        if is_path and Path(source).is_file() and Path(source).stat().st_size > MAX_YAML_BYTES:
            raise DataValidationError(
                EntryProblem(name, None, f"larger than {MAX_YAML_BYTES:,} bytes; not a settings file")
            )
        text = Path(source).read_text(encoding="utf-8") if is_path else source
        if len(text) > MAX_YAML_BYTES:
            raise DataValidationError(
                EntryProblem(name, None, f"larger than {MAX_YAML_BYTES:,} bytes; not a settings file")
            )
        return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader that also refuses aliases
    except UnicodeDecodeError:
        raise DataValidationError(EntryProblem(name, None, "not UTF-8 text; save the file as UTF-8")) from None
    except FileNotFoundError:
        raise DataValidationError(EntryProblem(name, None, f"{what} not found")) from None
    except _AliasRefused as exc:
        raise DataValidationError(EntryProblem(name, None, str(exc))) from None
    except yaml.YAMLError as exc:
        raise DataValidationError(EntryProblem(name, None, f"not valid YAML ({exc})")) from None

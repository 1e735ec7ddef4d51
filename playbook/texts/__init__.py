"""Every word a report shows, one catalog per language: ``playbook/texts/en/*.yaml`` and ``ja/*.yaml``.

Each language is a folder of YAML files with the same names. A file's keys are prefixed with
its name, and nested mappings are joined with dots, so ``labels.yaml``'s ``red`` is the key
``labels.red`` and ``kpis.yaml``'s ``nrr: {name: ...}`` is ``kpis.nrr.name``. A text may hold
``str.format`` fields (``{month}``, ``{n:,}``); both languages use the same fields (a test checks
that every key and every field exists in both).

Analysis code never writes prose: it returns data and codes, and the report layer turns a
code into words with :func:`text`. To change a wording, edit the YAML; nothing else.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import yaml

__all__ = ["LANGS", "text", "has_text", "text_keys", "fields", "english_forms", "english_names"]

LANGS: tuple[str, ...] = ("en", "ja")
_HERE = Path(__file__).parent


def _flatten(prefix: str, node, out: dict[str, str], source: Path) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}", v, out, source)
    elif isinstance(node, str):
        out[prefix] = node
    else:
        raise TypeError(f"{source}: the text of {prefix!r} must be a string, not {type(node).__name__}")


@cache
def _catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((_HERE / lang).glob("*.yaml")):
        _flatten(path.stem, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, out, path)
    return out


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def text(key: str, lang: str = "en", /, *args, **values) -> str:
    """The text of ``key`` in ``lang``, with ``args`` and ``values`` filled into its fields.

    Parameters
    ----------
    key : str
        ``file.key`` (dots for nesting), e.g. ``"labels.red"``.
    lang : {"en", "ja"}, default "en"
        The language; anything else gives English.
    *args, **values
        Values for the text's ``str.format`` fields; without them the text comes back as written.

    Returns
    -------
    str
        The text.

    Raises
    ------
    KeyError
        When ``key`` is in neither catalog (a typo in code, caught by the tests).

    Examples
    --------
    >>> text("labels.red", "ja")
    '赤'
    >>> text("labels.axis_starts_at", "en", "¥1M")
    'Broken axis: the y axis starts at ¥1M, not at 0'
    """
    cat = _catalog(_lang(lang))
    if key not in cat:
        raise KeyError(f"no text {key!r} in the {_lang(lang)!r} catalog (playbook/texts/{_lang(lang)}/)")
    s = cat[key]
    return s.format(*args, **values) if (args or values) else s


def has_text(key: str) -> bool:
    """Whether ``key`` has a text (in English; the parity test keeps Japanese the same).

    Parameters
    ----------
    key : str
        ``file.key``.

    Returns
    -------
    bool
        True when the catalogs hold the key.

    Examples
    --------
    >>> has_text("labels.red"), has_text("labels.no_such_key")
    (True, False)
    """
    return key in _catalog("en")


def text_keys(lang: str) -> set[str]:
    """Every key of ``lang``'s catalog.

    Parameters
    ----------
    lang : {"en", "ja"}
        The language.

    Returns
    -------
    set of str
        The keys.

    Examples
    --------
    >>> text_keys("en") == text_keys("ja")
    True
    """
    return set(_catalog(_lang(lang)))


def fields(key: str, lang: str) -> set[str]:
    """The ``str.format`` field names of a text (positional fields as ``""`` or their index).

    Parameters
    ----------
    key : str
        ``file.key``.
    lang : {"en", "ja"}
        The language.

    Returns
    -------
    set of str
        The field names.

    Examples
    --------
    >>> sorted(fields("labels.axis_starts_at", "ja"))
    ['']
    """
    return {f for _, f, _, _ in string.Formatter().parse(_catalog(_lang(lang))[key]) if f is not None}


@cache
def _forms(prefix: str, patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern], ...]:
    wanted = dict(patterns)
    forms = []
    for key in (k for k in text_keys("en") if k.startswith(prefix)):
        pattern, seen, n_literal = "", set(), 0
        for literal, name, _, _ in string.Formatter().parse(text(key, "en")):
            pattern += re.escape(literal)
            n_literal += len(literal)
            if name is None:
                continue
            if name in seen:  # a field written twice matches the same text both times
                pattern += f"(?P={name})"
            else:
                pattern += f"(?P<{name}>{wanted.get(name, '.+?')})"
                seen.add(name)
        forms.append((len(seen), -n_literal, key, re.compile(pattern, re.DOTALL)))
    return tuple((key, rx) for *_, key, rx in sorted(forms))


def english_forms(prefix: str, patterns: dict[str, str] | None = None) -> tuple[tuple[str, re.Pattern], ...]:
    r"""Each ``<prefix>*`` key with the regex of its English text: a message written in English is read back.

    Lower layers write some messages in English (KPI notes, data errors); their English form in the catalog
    is also the parser: each ``{field}`` captures a value, which fills the same form in another language.
    The most specific forms come first: fewer fields, then longer fixed text, so that "no orders in the
    month" is itself and not "no {stage} in the month".

    Parameters
    ----------
    prefix : str
        The keys to read, e.g. ``"notes.form."``.
    patterns : dict of str to str, optional
        The regex each field matches (a month, a number); any other field matches the shortest text that fits.

    Returns
    -------
    tuple of (str, re.Pattern)
        The keys with their compiled patterns, to ``fullmatch`` against a message.

    Examples
    --------
    >>> key, rx = english_forms("notes.form.", {"month": r"\d{4}-\d{2}"})[0]
    >>> key.startswith("notes.form.") and rx.pattern != ""
    True
    """
    return _forms(prefix, tuple(sorted((patterns or {}).items())))


@cache
def english_names(prefix: str) -> dict[str, str]:
    """The English text of each ``<prefix>*`` key, mapped to its key (to name a value in another language).

    Parameters
    ----------
    prefix : str
        The keys to read, e.g. ``"notes.part."``.

    Returns
    -------
    dict of str to str
        English text -> key.

    Examples
    --------
    >>> english_names("labels.")["red"]
    'labels.red'
    """
    return {text(k, "en"): k for k in text_keys("en") if k.startswith(prefix)}

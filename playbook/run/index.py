"""The index pages of the runs: ``<month>/index.html`` (every report of a month) and ``<out>/index.html`` (every month).

Plain HTML with no script, every name escaped (CSM names and file names come from the user's data),
words from the text catalogs in the run's language.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from playbook.report.formatting import format_month
from playbook.report.labels import label
from playbook.texts import text

__all__ = ["write_month_index", "write_run_index", "notebook_title"]

_STYLE = (
    "body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;color:#222;line-height:1.6}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}"
    "li{margin:.15rem 0}.muted{color:#666}"
)


def _page(title: str, body: list[str], lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head><meta charset="utf-8"/>'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _link(href: str, label: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>'


def notebook_title(nb: dict, lang: str) -> str | None:
    """A notebook's title in ``lang``: the first heading of its first narrative cell in that language.

    Parameters
    ----------
    nb : dict
        The notebook (as read from JSON, or an ``nbformat`` node).
    lang : {"en", "ja"}
        The language: a cell tagged ``lang-<lang>``, or an untagged one.

    Returns
    -------
    str or None
        The heading without its ``#``, or None when the notebook has none.

    Examples
    --------
    >>> cells = [{"cell_type": "markdown", "metadata": {"tags": ["lang-en"]}, "source": "# 06 · Review"},
    ...          {"cell_type": "markdown", "metadata": {"tags": ["lang-ja"]}, "source": "# 06 · 月次レビュー"}]
    >>> notebook_title({"cells": cells}, "ja")
    '06 · 月次レビュー'
    """
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "markdown":
            continue
        if f"lang-{lang}" in tags or not any(t.startswith("lang-") for t in tags):
            source = "".join(cell.get("source", ""))
            first = source.lstrip().splitlines()[0] if source.strip() else ""
            if first.startswith("#"):
                return first.lstrip("#").strip()
    return None


def _title(folder: Path, page: str, lang: str) -> str:
    """A report's title: its notebook's heading in ``lang``, else its file name."""
    try:
        nb = json.loads((folder / page).with_suffix(".ipynb").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Path(page).stem
    return notebook_title(nb, lang) or Path(page).stem


def _list(items: list[str]) -> str:
    return "<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>"


def write_month_index(folder: Path, manifest: dict, lang: str) -> Path:
    """Write ``index.html`` of a month folder: the company reports, each book's reports, account pages, tables.

    Parameters
    ----------
    folder : Path
        The month's (staging) folder.
    manifest : dict
        The run's manifest (its ``outputs``, ``books`` and ``headline`` are read).
    lang : {"en", "ja"}
        The language of the page.

    Returns
    -------
    Path
        The page written.
    """
    month = format_month(manifest["month"], lang)
    outputs = manifest["outputs"]
    body = []
    if manifest.get("headline"):
        body.append(f'<p class="muted">{html.escape(manifest["headline"])}</p>')
    company = [o for o in outputs if o.endswith(".html") and "/" not in o and o != "index.html"]
    body += [
        f"<h2>{html.escape(text('run.company', lang))}</h2>",
        _list([_link(o, _title(folder, o, lang)) for o in company]),
    ]
    if manifest.get("books"):
        body.append(f"<h2>{html.escape(text('run.books', lang, column=label(manifest['by'], lang)))}</h2>")
        items = []
        for book in manifest["books"]:
            pages = [o for o in outputs if o.startswith(book["folder"] + "/") and o.endswith(".html")]
            links = " · ".join(_link(o, _title(folder, o, lang)) for o in pages)
            items.append(f"{html.escape(book['value'])}: {links}")
        body.append(_list(items))
    accounts = [o for o in outputs if o.startswith("accounts/") and o.endswith(".html")]
    if accounts:
        body.append(f"<h2>{html.escape(text('run.accounts', lang))}</h2>")
        listed = (manifest.get("accounts") or {}).get("at_risk", len(accounts))
        if listed > len(accounts):  # the default run pages the highest-MRR accounts of a long list
            line = text("run.accounts_capped", lang, pages=len(accounts), total=listed)
            body.append(f'<p class="muted">{html.escape(line)}</p>')
        body.append(_list([_link(o, Path(o).stem) for o in accounts]))
    tables = [o for o in outputs if o.endswith((".csv", ".xlsx")) and "/" not in o]
    if tables:
        body += [f"<h2>{html.escape(text('run.tables', lang))}</h2>", _list([_link(o, o) for o in tables])]
    path = folder / "index.html"
    path.write_text(_page(text("run.month_title", lang, month=month), body, lang), encoding="utf-8")
    return path


def write_run_index(out_root: Path, lang: str) -> Path:
    """Write ``<out>/index.html``: every published month, newest first, with its headline and reports.

    Parameters
    ----------
    out_root : Path
        The folder holding the month folders.
    lang : {"en", "ja"}
        The language of the page (each month's links keep the language it was run in).

    Returns
    -------
    Path
        The page written.
    """
    items = []
    for manifest_path in sorted(out_root.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/manifest.json"), reverse=True):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("status") != "ok":
            continue
        month = manifest_path.parent.name
        reports = [o for o in manifest.get("outputs", []) if o.endswith(".html") and "/" not in o and o != "index.html"]
        short = lambda o, m=month: _title(out_root / m, o, lang).split("：")[0].split(":")[0]  # "01 · データチェック"
        links = " · ".join(_link(f"{month}/{o}", short(o)) for o in reports)
        headline = (
            f'<br/><span class="muted">{html.escape(manifest["headline"])}</span>' if manifest.get("headline") else ""
        )
        items.append(f"{_link(f'{month}/index.html', format_month(month, lang))}: {links}{headline}")
    body = [_list(items)] if items else [f"<p>{html.escape(text('run.no_runs', lang))}</p>"]
    path = out_root / "index.html"
    path.write_text(_page(text("run.index_title", lang), body, lang), encoding="utf-8")
    return path

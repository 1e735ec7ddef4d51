"""Command line: ``python -m playbook {sample,validate,run,notebooks}``.

Exit codes: 0 success, 1 invalid data or parameters, 2 wrong command usage,
3 refused to overwrite an earlier run, 4 a notebook failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from playbook.data.errors import DataValidationError
from playbook.data.paths import PROJECT_ROOT, SAMPLE_DIR
from playbook.run.params import ACCOUNT_PAGES
from playbook.texts import text

__all__ = ["main"]

_MAPPING_HELP = (
    "mapping file (or preset: stripe, hubspot, salesforce, zendesk) that turns the export files in --data "
    "into the data contract's tables"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m playbook", description="cs-kpi-playbook: Customer Success KPIs and the monthly PDCA review."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser(
        "sample",
        help="generate the sample company's data folder",
        description="Generate the sample company (every table of the data contract, kpi_tree.yaml, dataset.yaml).",
    )
    s.add_argument("--out", required=True, help="folder to write (must be empty unless --force)")
    s.add_argument("--seed", type=int, default=7, help="random seed (default 7, the committed sample)")
    s.add_argument("--scale", type=float, default=1.0, help="size multiplier: 10 = ten times the accounts (default 1)")
    s.add_argument("--format", choices=["csv", "parquet"], default="csv", help="file format (default csv)")
    s.add_argument("--force", action="store_true", help="write into a folder that already holds files")

    v = sub.add_parser(
        "validate",
        help="check a data folder and print a readable report",
        description="Check a data folder against the data contract. Exit 1 if anything is invalid.",
    )
    v.add_argument("--data", default=None, help="data folder (default: the bundled sample, data/sample)")
    v.add_argument("--month", default=None, help="review month YYYY-MM, to also warn about rows dated after it")
    v.add_argument("--encoding", default=None, help="text encoding of the CSV files if not UTF-8 or CP932")
    v.add_argument("--lang", default="en", choices=["en", "ja"], help="language of the report: en or ja (default en)")
    v.add_argument("--mapping", default=None, help=_MAPPING_HELP)

    r = sub.add_parser(
        "run",
        help="run the monthly review notebooks into outputs/<month>/",
        description="Execute the review notebooks 01-06 for a month with papermill, export HTML reports "
        "and write manifest.json into <out>/<month>/.",
    )
    r.add_argument(
        "--month", required=True, help="review month YYYY-MM, or 'latest' for the last complete month in the data"
    )
    r.add_argument("--data", default=None, help="data folder (default: the bundled sample, data/sample)")
    r.add_argument("--mapping", default=None, help=_MAPPING_HELP)
    r.add_argument("--kpi-tree", default=None, help="KPI tree YAML (default: kpi_tree.yaml in the data folder, if any)")
    r.add_argument("--lang", default="en", help="language of the reports, tables and messages: en or ja (default en)")
    r.add_argument("--out", default=None, help="folder for the results (default: outputs/ of the project)")
    r.add_argument("--force", action="store_true", help="replace the results of an earlier run of the same month")
    r.add_argument(
        "--by",
        default=None,
        metavar="COLUMN",
        help="also review each book of accounts by this accounts column (owner: one review per CSM)",
    )
    r.add_argument(
        "--accounts",
        default=str(ACCOUNT_PAGES),
        type=_account_count,
        metavar="N|all",
        help=f"account pages (顧客カルテ) for the first N accounts of the at-risk list, highest MRR first "
        f"(default {ACCOUNT_PAGES}), all for every one, 0 for none",
    )

    a = sub.add_parser(
        "account",
        help="one account's page (顧客カルテ): notebook 07 as HTML",
        description="Execute notebook 07 for one account with papermill and export its HTML page.",
    )
    a.add_argument("account_id", help="account id as in accounts.csv (kept as text: 00123 keeps its zeros)")
    a.add_argument("--month", default="latest", help="review month YYYY-MM, or 'latest' (default)")
    a.add_argument("--data", default=None, help="data folder (default: the bundled sample, data/sample)")
    a.add_argument("--lang", default="en", help="language of the page: en or ja (default en)")
    a.add_argument("--mapping", default=None, help=_MAPPING_HELP)
    a.add_argument(
        "--out", default=None, help="folder for <id>.ipynb and <id>.html (default: outputs/accounts/<month>/)"
    )

    sub.add_parser(
        "glossary",
        help="print the KPI glossary (Markdown) from the catalog",
        description="Print the KPI catalog as the Markdown table used in the README.",
    )

    sub.add_parser(
        "notebooks",
        help="(developers) re-execute the committed notebooks in place",
        description="Re-execute every notebook in notebooks/ with its default parameters and strip volatile metadata.",
    )
    return p


def _account_count(value: str) -> int | None:
    """``--accounts``: a count of account pages, or ``all`` (None)."""
    if value.strip().lower() == "all":
        return None
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of accounts or 'all', not {value!r}")
    return int(value)


def _user_path(value: str | None, default: Path | None) -> Path | str | None:
    """A path typed on the command line: relative to the current folder, as a shell user expects (a database URL
    is kept as it is)."""
    if value is None:
        return default
    from playbook.data.sql_engines import is_database_url

    if is_database_url(value):
        return value
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def _user_mapping(value: str | None) -> str | None:
    """``--mapping``: a file typed on the command line (absolute, from the current folder), or a preset name."""
    if value is None or not value.strip():
        return None
    from playbook.data.mapping import resolve_mapping

    path = resolve_mapping(value, base=Path.cwd())
    return str(path) if path.parent != _presets_dir() else path.stem


def _presets_dir() -> Path:
    from playbook.data.mapping import PRESETS_DIR

    return PRESETS_DIR


def _with_mapping(args) -> dict:
    """The ``mapping`` keyword for run_review / account_page, only when one was given."""
    mapping = _user_mapping(getattr(args, "mapping", None))
    return {"mapping": mapping} if mapping else {}


def _validate(args) -> int:
    from playbook.analyses.inventory import table_inventory
    from playbook.data.dataset import data_warnings
    from playbook.data.paths import display_path
    from playbook.data.schema import optional_tables
    from playbook.data.source import load_source
    from playbook.report.formatting import format_month
    from playbook.report.labels import translate_columns
    from playbook.report.messages import render_warning

    lang = args.lang
    folder = _user_path(args.data, SAMPLE_DIR)
    mapping = _user_mapping(args.mapping)
    if isinstance(folder, str):  # a database URL: shown without its password
        from playbook.data.sql_engines import safe_url

        print(text("cli.checking", lang, folder=safe_url(folder)))
    else:
        print(text("cli.checking", lang, folder=display_path(folder)))
    if mapping:
        print(text("cli.mapping", lang, mapping=display_path(mapping) if "/" in mapping else mapping))
    ds = load_source(folder, mapping, encoding=args.encoding)
    if mapping:  # what the mapping made: the first rows of each table
        for name, df in ds.tables.items():
            if name == "usage":
                continue
            print("\n" + text("cli.mapped_rows", lang, label=ds.label(name), rows=len(df)))
            print(df.head(3).to_string(index=False))
    inv = table_inventory(ds)
    inv = inv[inv["file"] != ""][["table", "file", "rows", "first_date", "last_date", "accounts"]]
    month = format_month(ds.last_complete_month, lang)
    print("\n" + text("cli.ok", lang, tables=len(ds.tables), as_of=f"{ds.as_of:%Y-%m-%d}", month=month) + "\n")
    print(translate_columns(inv, lang).to_string(index=False))
    missing = [t for t in optional_tables() if t not in ds.tables]
    if missing:
        print("\n" + text("cli.optional_missing", lang, tables=", ".join(missing)))
    warnings = data_warnings(ds, month=args.month)
    if len(warnings):
        print("\n" + text("cli.warnings", lang, count=len(warnings)))
        for w in warnings.itertuples():
            rows = "" if pd.isna(w.rows) else text("cli.rows", lang, rows=w.rows)
            column = text("cli.column", lang, column=w.column) if w.column else ""
            print(f"  - {w.file}{column}{text('data.frame.colon', lang)}{render_warning(w.warning, lang)}{rows}")
    else:
        print("\n" + text("cli.no_warnings", lang))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line (``python -m playbook COMMAND ...``) and return its exit code.

    Errors the user can fix (invalid data or parameters, an existing output folder, a failed notebook)
    are printed to stderr as one ``error:`` line instead of a traceback.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; None reads them from ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0 success, 1 invalid data or parameters (or a run that could not start), 3 refused
        to overwrite an earlier run or a non-empty sample folder, 4 a notebook failed.

    Raises
    ------
    SystemExit
        From the argument parser: code 2 for wrong usage (unknown command or option, missing argument),
        0 after ``--help``.
    """
    args = _parser().parse_args(argv)
    lang = getattr(args, "lang", "en")
    try:
        if args.command == "sample":
            from playbook.run.sample import generator

            write_sample = generator().write_sample

            files = write_sample(args.out, seed=args.seed, scale=args.scale, fmt=args.format, force=args.force)
            size = sum(
                sum(p.stat().st_size for p in f.rglob("*") if p.is_file()) if f.is_dir() else f.stat().st_size
                for f in files
            )
            print(text("cli.sample_written", "en", count=len(files), mb=size / 1e6, folder=args.out))
            return 0
        if args.command == "validate":
            return _validate(args)
        if args.command == "run":
            from playbook.run.runs import run_review

            run_review(
                month=args.month,
                data_dir=_user_path(args.data, SAMPLE_DIR),
                kpi_tree=_user_path(args.kpi_tree, None),
                lang=args.lang,
                out_dir=_user_path(args.out, PROJECT_ROOT / "outputs"),
                force=args.force,
                by=args.by,
                account_limit=args.accounts,
                echo=lambda m: print(m, flush=True),
                **_with_mapping(args),
            )
            return 0
        if args.command == "account":
            from playbook.run.accounts import account_page

            account_page(
                args.account_id,
                month=args.month,
                data_dir=_user_path(args.data, SAMPLE_DIR),
                lang=args.lang,
                out_dir=_user_path(args.out, None),
                echo=lambda m: print(m, flush=True),
                **_with_mapping(args),
            )
            return 0
        if args.command == "glossary":
            from playbook.kpis.catalog import glossary_markdown

            print(glossary_markdown(), end="")
            return 0
        if args.command == "notebooks":
            from playbook.run.runs import refresh_notebooks

            refresh_notebooks()
            return 0
    except DataValidationError as exc:
        from playbook.report.messages import render_error

        print(text("cli.error", lang, message=render_error(exc, lang)), file=sys.stderr)
        return 1
    except FileExistsError as exc:
        print(text("cli.error", lang, message=exc), file=sys.stderr)
        return 3
    except Exception as exc:
        from playbook.run.runs import RunError

        if isinstance(exc, RunError):
            print(text("cli.error", lang, message=exc), file=sys.stderr)
            return exc.exit_code
        raise
    return 2


if __name__ == "__main__":
    sys.exit(main())

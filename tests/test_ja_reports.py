"""A Japanese run reads as Japanese: no English sentence on any report page, ja tables, files Excel opens.

The check reads the visible text of each HTML report (no script or style), and counts the words in
Latin letters that are not allowed. Allowed: acronyms Japanese CS teams use as they are, units and
symbols, ids, file names, and every word of the company's own data (account and CSM names, plans,
features, milestones, the KPI tree's names) — these are the reader's own words.

``python tests/test_ja_reports.py outputs/2026-10/*.html --data data/sample`` prints the count per page.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest


#: Acronyms and names kept in Latin letters in Japanese CS writing.
def _words(line: str) -> list[str]:
    return line.split()


ALLOWED = {
    *_words("MRR ARR NRR NDR GRR NPS CSAT CES LTV CAC ARPA ARPU KGI KFS KPI KPIs PDCA SMART RFM CSM QBR DAU MAU AUC"),
    *_words("CSV Excel ID IDs FY Q1 Q2 Q3 Q4 CRC FCR SaaS CS R F M N n x pt h min"),
    *_words("Jupyter JupyterLab HTML YAML kpi_tree yaml csv xlsx"),
}
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’.-]*[A-Za-z]|[A-Za-z]")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees on the page."""
    p = _Visible()
    p.feed(html)
    return "\n".join(p.parts)


#: English function words: never "the company's own words", even when its free text (comments) holds them.
FUNCTION_WORDS = set(
    _words(
        "a an the and or but not no nor so if then than that this these those it its is are was were be been being "
        "of to in on at by for with from as into over under about after before per each every all any some what which "
        "who how when where why can could should would will may might must do does did has have had they them their "
        "we our you your he she his her there here one only also just very more most less much many"
    )
)


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [str(k), *_strings(v)]]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)]


def data_words(data_dir: Path) -> set[str]:
    """The Latin words of the company's own data (text cells, the KPI tree's names), less English function words."""
    import yaml

    words: set[str] = set()
    for f in sorted(data_dir.iterdir()):
        if f.suffix in (".yaml", ".yml"):  # values and keys, not the comments
            words |= set(_WORD.findall(" ".join(_strings(yaml.safe_load(f.read_text(encoding="utf-8"))))))
        elif f.name.endswith((".csv", ".csv.gz")):
            words.add(f.name.split(".")[0])  # the table's name, as the data contract spells it
            df = pd.read_csv(f, dtype=str, nrows=200_000)
            for col in df.columns:
                words |= set(_WORD.findall(" ".join(df[col].dropna().unique()[:5000])))
                words.add(col)
    return {w for w in words if w.lower() not in FUNCTION_WORDS}


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The Latin words of ``text`` that are not allowed (ids like A000123 and file names are skipped)."""
    text = re.sub(r"\b[\w.-]+\.(csv|html|ipynb|xlsx|yaml|json|gz)\b", " ", text)
    text = re.sub(r"\b[A-Z]+-?\d+\b", " ", text)  # ids: A000123, ACT-1
    return [w for w in _WORD.findall(text) if w not in allowed and w.strip("'’.-") not in allowed]


def english_runs(text: str, allowed: set[str], length: int = 3) -> list[str]:
    """Runs of ``length`` or more not-allowed English words in a row: sentences or phrases left in English."""
    runs, current = [], []
    for token in re.findall(r"[A-Za-z][A-Za-z_'’.-]*|[^\sA-Za-z]+", text):
        if _WORD.fullmatch(token.strip(".")) and token.strip(".") not in allowed:
            current.append(token)
        else:
            if len(current) >= length:
                runs.append(" ".join(current))
            current = []
    if len(current) >= length:
        runs.append(" ".join(current))
    return runs


@pytest.fixture(scope="module")
def ja_run(tmp_path_factory):
    from playbook.data.paths import SAMPLE_DIR
    from playbook.run.runs import run_review

    out = tmp_path_factory.mktemp("ja")
    lines: list[str] = []
    folder = run_review(
        month="2026-10", data_dir=SAMPLE_DIR, lang="ja", out_dir=out, account_limit=1, echo=lines.append
    )
    return folder, lines, data_words(SAMPLE_DIR) | ALLOWED


@pytest.mark.notebook
def test_every_ja_page_is_japanese_with_no_english_sentence(ja_run):
    folder, _, allowed = ja_run
    pages = sorted(p for p in folder.glob("*.html") if p.name != "index.html") + sorted(folder.glob("accounts/*.html"))
    assert len(pages) == 7  # six reports and the page of the first account at risk
    report = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="ja">' in html, page.name
        text = visible_text(html)
        report[page.name] = (len(english_words(text, allowed)), english_runs(text, allowed))
        assert len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", text)) > 300, page.name
    print("\nEnglish words left per ja page:", {k: v[0] for k, v in report.items()})
    assert {k: v[1] for k, v in report.items() if v[1]} == {}


@pytest.mark.notebook
def test_ja_pages_write_months_the_japanese_way(ja_run):
    folder, _, _ = ja_run
    for page in sorted(folder.glob("*.html")):
        text = visible_text(page.read_text(encoding="utf-8"))
        assert "2026年10月" in text, page.name
        assert not re.search(r"cohort \d{4}-\d{2}", text), page.name


@pytest.mark.notebook
def test_ja_run_progress_lines_are_japanese(ja_run):
    _, lines, _ = ja_run
    assert lines[0].startswith("2026年10月のレビュー")
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line) for line in lines), lines


@pytest.mark.notebook
def test_ja_run_csvs_start_with_the_bom_and_round_trip_into_the_workbook(ja_run):
    from openpyxl import load_workbook

    from playbook.report.export import read_written_csv
    from playbook.texts import text

    folder, _, _ = ja_run
    book = load_workbook(folder / "tables.xlsx")
    csvs = sorted(folder.glob("*.csv"))
    assert csvs
    for path in csvs:
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf", path.name
        table = read_written_csv(path)
        sheet = book[text(f"run.sheet.{path.stem}", "ja")]
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == len(table) + 1, path.name
        for j, col in enumerate(table.columns):
            if pd.api.types.is_numeric_dtype(table[col]):
                xl = pd.Series([r[j] for r in rows[1:]], dtype="float64")
                assert xl.round(9).equals(table[col].astype("float64").round(9)), (path.name, col)


if __name__ == "__main__":  # measure: python tests/test_ja_reports.py PAGE.html ... --data data/sample
    args = sys.argv[1:]
    data = Path(args[args.index("--data") + 1]) if "--data" in args else Path("data/sample")
    allowed = data_words(data) | ALLOWED
    for page in [a for a in args if a.endswith(".html")]:
        text = visible_text(Path(page).read_text(encoding="utf-8"))
        words = english_words(text, allowed)
        print(f"{page}: {len(words)} English words; most common {Counter(words).most_common(25)}")
        for run in english_runs(text, allowed)[:8]:
            print("   run:", run[:120])


@pytest.mark.notebook
def test_the_index_says_how_many_accounts_at_risk_have_a_page(ja_run):
    import json

    from playbook.run.accounts import at_risk_ids

    folder, _, _ = ja_run
    listed = len(at_risk_ids(folder))  # the sample's at-risk list (104 accounts in October)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert listed > 1 and manifest["accounts"]["pages"] == 1 and manifest["accounts"]["at_risk"] == listed
    text = visible_text((folder / "index.html").read_text(encoding="utf-8"))
    assert f"要注意顧客{listed:,}件のうち、MRRの大きい1件のカルテです" in text

"""Notebook narrative in both languages: each English markdown cell has its Japanese twin right after it.

A notebook is kept single: every markdown cell is tagged ``lang-en`` or ``lang-ja``, the Japanese twin
follows its English cell, and the run's HTML export keeps only the cells of the run's language. Code
cells are shared and carry no language tag. The twins must agree: the same headings at the same
levels, and every number quoted in English also in Japanese. The Japanese cell is Japanese: no run of
three English words, and code spans (in backticks) only for ids, file names and options.

The primers (``00_kpi_primer*.ipynb``) are whole editions per language and are not checked here.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from playbook.run.runs import NOTEBOOKS_DIR

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.glob("*.ipynb") if not p.name.startswith("00_kpi_primer"))
LANG_TAGS = {"lang-en", "lang-ja"}

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: what a code span in Japanese may hold: one id, file name, path or option, no words with spaces
_ID_LIKE = re.compile(r"[A-Za-z0-9_.*/<>:-]+")
_WORD = r"[A-Za-z]+(?:['’][A-Za-z]+)?"
_ENGLISH_RUN = re.compile(rf"(?<![A-Za-z]){_WORD}(?:\s+{_WORD}){{2}}(?![A-Za-z])")
_HEADING = re.compile(r"^(#{1,6})\s+\S", re.M)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _cells(path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _twins(path) -> list[tuple[dict, dict]]:
    """The (English, Japanese) cell pairs of a notebook: each ``lang-en`` cell and the cell right after it."""
    cells = _cells(path)
    return [(c, cells[i + 1]) for i, c in enumerate(cells[:-1]) if "lang-en" in _tags(c)]


def _pair_id(pair: tuple[dict, dict]) -> str:
    return pair[0].get("id", "?")


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words in a row, outside code spans and code blocks.

    >>> english_runs("対象月の MRR ARR NRR です")  # acronyms are words too: write them with 、 or ・
    ['MRR ARR NRR']
    >>> english_runs("`--month`（対象月）と `data/README.md` を指定します")
    []
    >>> english_runs("これは the data is です")
    ['the data is']
    """
    text = _CODE_SPAN.sub(" ", _FENCE.sub(" ", text))
    return _ENGLISH_RUN.findall(text)


def code_spans_that_are_not_ids(text: str) -> list[str]:
    """The code spans of ``text`` that hold more than one id, file name or option (words in English).

    >>> code_spans_that_are_not_ids("`accounts` と `data/README.md`、`--month`")
    []
    >>> code_spans_that_are_not_ids("`python -m playbook run` で実行します")
    ['python -m playbook run']
    """
    return [span for span in _CODE_SPAN.findall(text) if not _ID_LIKE.fullmatch(span.strip())]


def heading_levels(text: str) -> list[int]:
    """The levels of the markdown headings of ``text``, in order (lines in code blocks are not headings).

    >>> heading_levels("## 2. Revenue\\n\\n### MRR and ARR\\n\\nText # not a heading")
    [2, 3]
    """
    return [len(m.group(1)) for m in _HEADING.finditer(_FENCE.sub(" ", text))]


def numbers(text: str) -> set[str]:
    """The numbers written in digits in ``text``, normalised: no thousands separator, no leading zero.

    ``2026-08`` and ``2026年8月`` hold the same numbers; so do ``1,227`` and ``1227``.

    >>> sorted(numbers("cohort 2026-08, 1,227 rows, 95% of 3.50"))
    ['1227', '2026', '3.50', '8', '95']
    >>> sorted(numbers("2026年8月のコホート、1,227行")) == sorted(numbers("cohort 2026-08, 1227 rows"))
    True
    """
    out = set()
    for n in _NUMBER.findall(unicodedata.normalize("NFKC", text)):
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", n):
            n = n.replace(",", "")
        whole, dot, frac = n.partition(".")
        out.add(f"{int(whole)}{dot}{frac}" if whole.isdigit() else n)
    return out


def test_there_are_notebooks_with_a_narrative_to_check():
    names = [p.name for p in NOTEBOOKS]
    assert "01_data_check.ipynb" in names and "06_pdca_review.ipynb" in names
    assert not any(n.startswith("00_kpi_primer") for n in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_cells_carry_exactly_one_language_tag(path):
    wrong = {
        c.get("id"): sorted(_tags(c) & LANG_TAGS)
        for c in _cells(path)
        if c["cell_type"] == "markdown" and len(_tags(c) & LANG_TAGS) != 1
    }
    assert wrong == {}, "markdown cells need exactly one of lang-en / lang-ja"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_carry_no_language_tag(path):
    tagged = [c.get("id") for c in _cells(path) if c["cell_type"] != "markdown" and _tags(c) & LANG_TAGS]
    assert tagged == [], "code cells are shared by both languages"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_english_cell_is_followed_by_its_japanese_twin(path):
    cells = _cells(path)
    ids = [c.get("id") for c in cells]
    assert None not in ids and len(set(ids)) == len(ids), "every cell needs its own id"
    assert any("lang-en" in _tags(c) for c in cells), "no narrative cell tagged lang-en"
    for i, cell in enumerate(cells):
        if "lang-en" in _tags(cell):
            nxt = cells[i + 1] if i + 1 < len(cells) else {}
            assert nxt.get("cell_type") == "markdown" and "lang-ja" in _tags(nxt), (
                f"{cell['id']}: no lang-ja twin after it"
            )
        if "lang-ja" in _tags(cell):
            assert i > 0 and "lang-en" in _tags(cells[i - 1]), f"{cell['id']}: a lang-ja cell without its English cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_japanese_cells_are_japanese(path):
    problems = {}
    for en, ja in _twins(path):
        text = _source(ja)
        found = english_runs(text) + code_spans_that_are_not_ids(text)
        if len(_JAPANESE.findall(text)) < 2 or text.strip() == _source(en).strip():
            found.append("not written in Japanese")
        if found:
            problems[ja.get("id")] = found
    assert problems == {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_twins_have_the_same_headings_at_the_same_levels(path):
    differ = {
        _pair_id(pair): (heading_levels(_source(pair[0])), heading_levels(_source(pair[1])))
        for pair in _twins(path)
        if heading_levels(_source(pair[0])) != heading_levels(_source(pair[1]))
    }
    assert differ == {}, "(English levels, Japanese levels) per cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_of_an_english_cell_is_in_its_twin(path):
    missing = {
        _pair_id(pair): sorted(numbers(_source(pair[0])) - numbers(_source(pair[1])))
        for pair in _twins(path)
        if numbers(_source(pair[0])) - numbers(_source(pair[1]))
    }
    assert missing == {}, "numbers quoted in English and not in Japanese"

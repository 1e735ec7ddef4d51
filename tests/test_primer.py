"""The KPI primer: its worked examples, the exercise checker, the quiz, the sample's numbers, its HTML editions.

The primer is two notebooks (``00_kpi_primer.ipynb`` in English, ``00_kpi_primer_ja.ipynb`` in Japanese)
that share their code cells; ``make primer`` writes each as an HTML page without code.
"""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import papermill as pm
import pytest

from playbook.report import primer as ex
from playbook.run.primer import PRIMERS, build_primers
from playbook.run.runs import KERNEL_ARGS, NOTEBOOKS_DIR
from playbook.texts import text, text_keys

EDITIONS = {lang: NOTEBOOKS_DIR / f"{name}.ipynb" for name, lang in PRIMERS.items()}
ENGLISH_RUN = re.compile(r"\b[a-z]+\s+[a-z]+\s+[a-z]+\b", re.IGNORECASE)


def _notebook(lang: str):
    return nbformat.read(EDITIONS[lang], as_version=4)


# --- the worked examples ---------------------------------------------------------------------------


def test_agree_stops_when_hand_and_library_differ():
    assert ex.agree(52_000, 52_000.0, what="MRR").endswith("they agree ✓")
    assert ex.agree(52_000, 52_000.0, what="MRR", lang="ja").endswith("一致 ✓")
    with pytest.raises(AssertionError, match="MRR: the hand result 52000 and the library's 51000 differ"):
        ex.agree(52_000, 51_000, what="MRR")


def test_kgi_breakdown_of_the_seed_example_in_both_languages():
    table = ex.kgi_breakdown(30_000_000, target_arr=480_000_000, month="2026-10", deadline="2027-03")
    # 480M ARR = 40M MRR; 10M more in 5 months = 2M a month
    assert table.loc["net new MRR needed per month", "2026-10"] == "¥2.0M"
    assert table.loc["months to the deadline", "2026-10"] == "5 (2027-03)"
    ja = ex.kgi_breakdown(30_000_000, target_arr=480_000_000, month="2026-10", deadline="2027-03", lang="ja")
    assert ja.loc["必要な月次純増MRR", "2026年10月"] == "200万円"
    assert ja.loc["期限までの月数", "2026年10月"] == "5か月（2027年3月まで）"


# --- reading and marking answers -------------------------------------------------------------------

NATURAL = {
    1: [25, 25.0, "25", "25点", "25 points", "+25", "２５", "２５点", "25pts"],
    2: [0.03, "0.03", "3%", "3 %", 3, "３％", "３", "０．０３"],
    3: [1.03, "1.03", "103%", 103, "１０３％"],
    4: [
        900_000,
        "900,000",
        "900000",
        "¥900,000",
        "￥９００，０００",
        "900,000円",
        "90万",
        "90万円",
        "９０万",
        "0.9M",
        "900k",
    ],
    5: [0.785, "78.5%", "78%", 78.5, "0.78"],
    6: [5000, "5,000", "¥5,000", "5000円", "5千", "５０００"],
    7: [7.5, "7.5", "7.5日", "7.5 days", "8", 7, "８日"],
}
# how the right answer may be written, which no feedback on a wrong answer may contain
SPELLED = {
    1: ["25"],
    2: ["3%", "0.03", "３"],
    3: ["1.03", "103"],
    4: ["900,000", "900000", "90万"],
    5: ["78", "0.78"],
    6: ["5,000", "5000"],
    7: ["7.5", "7 ", "8 ", "8日", "7日"],
}
WRONG = {
    1: [0.25, 50, 33.3, 30, 10, -25, "abc"],
    2: [6 / 210, "2.9%", -0.02, 0.05, "5%", 0.3],
    3: [1.13, 0.95, "95%", 1.1, 0.93],
    4: [1_200_000, 22_500, "120万", 600_000, 2_000_000],
    5: [0.76, "98%", 0.98, 0.5, "88.6%"],
    6: [60_000, 12, 50_000, 500],
    7: [0.25, 4, 25, 15, 2],
}


def test_every_exercise_has_natural_answers_and_wrong_ones():
    assert set(ex.exercises()) == set(NATURAL) == set(WRONG) == set(SPELLED)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("number", sorted(NATURAL))
def test_exercises_accept_answers_written_the_natural_way(number, lang):
    correct = text("primer.check.correct", lang)
    for answer in NATURAL[number]:
        assert ex.check(number, answer, lang) == correct, (number, answer)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("number", sorted(WRONG))
def test_a_wrong_answer_is_explained_without_the_answer(number, lang):
    hint = text(f"primer.exercise_{number}.hint", lang)
    for answer in WRONG[number]:
        feedback = ex.check(number, answer, lang)
        assert feedback.startswith(("❌", "✏️")), (answer, feedback)
        said = feedback.replace(f"`{answer}`", "")  # an unreadable answer is quoted back
        for spelled in SPELLED[number]:
            assert spelled not in said, (number, answer, feedback)
        if feedback.startswith("❌"):
            assert hint in feedback or feedback != text("primer.check.mistake", lang, why="")


def test_a_known_mistake_gets_its_own_explanation():
    assert "denominator" in ex.check(2, 6 / 210)  # new customers put into the denominator
    assert "分母" in ex.check(2, 6 / 210, "ja")
    assert "GRR" in ex.check(3, 0.95)  # expansion left out
    assert "compound" in ex.check(5, 0.76)  # 12 x 2% instead of 0.98^12
    assert "ARPA" in ex.check(6, 60_000)  # divided by customers, not users
    assert "too high" in ex.check(1, 30) and "小さすぎ" in ex.check(1, 10, "ja")


def test_unanswered_and_unreadable_answers_are_told_apart():
    assert ex.check(1, None) == text("primer.check.none", "en")
    assert "`abc`" in ex.check(1, "abc") and "`abc`" in ex.check(1, "abc", "ja")
    with pytest.raises(ValueError):
        ex.parse_answer("twenty-five")
    with pytest.raises(ValueError):
        ex.parse_answer(True)


@pytest.mark.parametrize(
    "typed,value",
    [
        ("¥900,000", (900_000.0, False)),
        ("90万円", (900_000.0, False)),
        ("３％", (3.0, True)),
        ("1.2億", (1.2e8, False)),
    ],
)
def test_parse_answer_reads_the_forms_people_write(typed, value):
    assert ex.parse_answer(typed) == pytest.approx(value)


def test_exercise_answers_come_from_the_library():
    answers = {n: e.expected for n, e in ex.exercises().items()}
    assert answers == pytest.approx({1: 25.0, 2: 0.03, 3: 1.03, 4: 900_000.0, 5: 0.98**12, 6: 5_000.0, 7: 7.5})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_quiz_accepts_the_letter_in_any_form_and_explains_a_wrong_choice(lang):
    correct = text("primer.check.correct", lang)
    for number, (right, options) in ex.QUIZ.items():
        for form in (right, right.upper(), f"({right})", chr(ord(right.upper()) + 0xFEE0)):
            assert ex.quiz(number, form, lang) == correct
        for wrong in set(options) - {right}:
            feedback = ex.quiz(number, wrong, lang)
            assert feedback.startswith("❌") and f"({right})" not in feedback
            assert text(f"primer.quiz_{number}.{wrong}", lang) in feedback
        assert ex.quiz(number, "z", lang).startswith("✏️")


def test_every_wrong_quiz_option_has_an_explanation_and_the_right_one_none():
    keys = set(text_keys("en"))
    for number, (right, options) in ex.QUIZ.items():
        assert {o for o in options if f"primer.quiz_{number}.{o}" in keys} == set(options) - {right}


# --- the notebooks: every exercise has its solution, both editions teach the same ---------------------


def _after(nb, pattern: str) -> dict[int, str]:
    """Number -> the source of the Markdown cell that follows the code cell calling ``pattern(<number>``."""
    out = {}
    for i, cell in enumerate(nb.cells):
        m = re.search(rf"{pattern}\((\d+),", cell.source) if cell.cell_type == "code" else None
        if m:
            out[int(m.group(1))] = nb.cells[i + 1].source if i + 1 < len(nb.cells) else ""
    return out


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_exercise_has_a_worked_solution_that_gives_the_right_answer(lang):
    solutions = _after(_notebook(lang), r"ex\.check")
    assert set(solutions) == set(ex.exercises())
    for number, source in solutions.items():
        assert source.startswith("<details>") and source.rstrip().endswith("</details>"), number
        # the last bold figure of the solution is its result, and the checker marks it correct
        result = re.findall(r"\*\*(.+?)\*\*", source)[-1]
        result = re.sub(r"(JPY|days)$", "", result).strip()
        assert ex.check(number, result, lang) == text("primer.check.correct", lang), (number, result)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_quiz_has_its_answers_behind_a_details_block(lang):
    nb = _notebook(lang)
    asked = _after(nb, r"ex\.quiz")
    assert set(asked) == set(ex.QUIZ)
    answers = next(
        c.source
        for c in nb.cells
        if c.cell_type == "markdown"
        and "<details>" in c.source
        and all(f"**({r})**" in c.source for r, _ in ex.QUIZ.values())
    )
    assert answers.rstrip().endswith("</details>")


def test_both_editions_share_their_code_and_their_structure():
    en, ja = _notebook("en"), _notebook("ja")
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in ja.cells]

    def shape(src: str) -> str:  # the code without the labels of agree() lines, the comments and the language
        src = re.sub(r'what="[^"]*"', 'what=""', src)
        src = re.sub(r"#.*", "", src)
        return src.replace('"ja"', '"en"')

    for a, b in zip(en.cells, ja.cells, strict=True):
        if a.cell_type == "code":
            assert shape(a.source) == shape(b.source)


def test_japanese_edition_narrative_has_no_english_sentence():
    for cell in _notebook("ja").cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`|\([^)]*[A-Za-z][^)]*\)|（[^）]*）|<[^>]+>", "", cell.source)
            assert not ENGLISH_RUN.search(prose), ENGLISH_RUN.search(prose).group(0)
            assert "平均客単価" not in cell.source and not re.search(r"\b20\d\d-\d\d\b", prose)


def test_primer_texts_in_japanese_hold_no_english_sentence():
    for key in text_keys("ja"):
        if key.startswith("primer."):
            assert not ENGLISH_RUN.search(re.sub(r"`[^`]*`", "", text(key, "ja"))), key


# --- the sample company's numbers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    import playbook as pb

    ctx = pb.open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="en")
    return ctx, ex.sample_kpis(ctx.ds, ctx.month)


def test_sample_numbers_the_primer_explains(sample):
    ctx, kpis = sample
    now = kpis.loc[pd.Period("2026-10", freq="M")]
    assert round(now["nrr"], 3) == 0.996 and round(now["nrr_12m"], 3) == 0.720
    assert round(now["ltv"] / 1e4) == 192 and round(now["ltv_purchase"] / 1e4) == 467
    nrr = ex.nrr_table(kpis, ctx.month, "en").iloc[:, 0]
    assert nrr["NRR of the month"] == "99.6%" and nrr["NRR over 12 months (annual, NDR)"] == "72.0%"
    ltv = ex.ltv_table(ctx.ds, kpis, ctx.month, "ja")
    assert ltv.loc["顧客生涯価値（LTV）"].tolist() == ["192万円", "467万円"]


def test_story_and_readings_in_japanese_use_japanese_months(sample):
    ctx, kpis = sample
    story = ex.story(ctx.ds, kpis, ctx.month, "ja")
    assert "2026年10月" in story and "2026年8月" in story and "72.0%" in story and "99.6%" in story
    usage = ex.usage_reading(kpis, ctx.month, "ja")
    assert "2026年8月に契約したコホート" in usage and "31日のうちおよそ 3.1日" in usage
    for words in (story, usage, ex.value_reading(kpis, ctx.month, "ja"), ex.ces_reading(kpis, ctx.month, "ja")):
        assert not re.search(r"\b20\d\d-\d\d\b", words) and not ENGLISH_RUN.search(words)
    per = ex.revenue_per_table(kpis, ctx.month, "ja")
    assert "平均客単価" not in "".join(per.index) and any(label.startswith("客単価") for label in per.index)


# --- the HTML editions --------------------------------------------------------------------------------


def test_html_editions_have_no_code_and_declare_their_language(tmp_path):
    pages = build_primers(tmp_path, echo=lambda _: None)
    assert [p.name for p in pages] == ["00_kpi_primer.html", "00_kpi_primer_ja.html"]
    for page, lang in zip(pages, ["en", "ja"], strict=True):
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html
        assert "ex.check(" not in html and "import playbook" not in html and 'class="jp-InputPrompt' not in html
        assert html.count("<details>") == len(ex.exercises()) + 1
    assert "売上継続率（NRR）" in pages[1].read_text(encoding="utf-8")


@pytest.mark.notebook
@pytest.mark.parametrize("lang,agrees", [("en", "they agree ✓"), ("ja", "一致 ✓")])
def test_primer_runs_and_every_hand_calculation_agrees_with_the_library(tmp_path, lang, agrees):
    out = tmp_path / EDITIONS[lang].name
    pm.execute_notebook(
        str(EDITIONS[lang]),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
        extra_arguments=KERNEL_ARGS,
    )
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("name") == "stderr"]
    every = "\n".join(str(o.get("data", {})) + "".join(o.get("text", "")) for o in outputs)
    assert every.count(agrees) >= 30
    assert "AssertionError" not in every

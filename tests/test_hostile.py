"""Hostile input: nothing from a user file runs in a report, opens as a formula, or explodes in memory."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from playbook import DataValidationError, load_dataset, load_kpi_tree
from playbook.analyses.health import load_config
from playbook.analyses.rfm import load_segments
from playbook.data.config import read_yaml
from playbook.report.export import neutralise_cells, write_csv
from playbook.report.text import Markdown, safe_markdown
from tests.conftest import SAMPLE

SCRIPT = "<script>alert('pwned')</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"
FORMULAS = [
    '=HYPERLINK("http://evil.example","Sato")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "+1+cmd|'/C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
kgi: {id: x, name: *i}
"""


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("payload", [SCRIPT, IMG, LINK, "<b onmouseover=alert(1)>x</b>", "&lt;script&gt;"], ids=str)
def test_no_user_text_can_become_a_tag_an_entity_or_a_link(payload):
    shown = safe_markdown(f"**KFS:** {payload} — owner {payload}")
    assert "<" not in shown and ">" not in shown
    assert "](" not in shown.replace("\\](", "")  # a bracket pair can no longer open a link
    if "&" in payload:  # an entity written by a user stays text
        assert "&amp;lt;script&amp;gt;" in shown


def test_a_dollar_sign_in_a_name_is_drawn_as_text_not_mathtext(tmp_path):
    import matplotlib.pyplot as plt

    from playbook.report.plots import use_theme

    use_theme("en")
    fig, ax = plt.subplots()
    ax.set_title(r"KFS: grow $\undefined{ revenue $")
    fig.savefig(tmp_path / "chart.png")  # mathtext would raise: Unknown symbol \undefined
    plt.close(fig)


def test_report_text_is_escaped_whatever_the_call_site():
    cell = Markdown(f"The KGI {SCRIPT} is on course")
    assert cell._repr_markdown_() == "The KGI &lt;script&gt;alert('pwned')&lt;/script&gt; is on course"
    assert repr(cell) == cell._repr_markdown_()


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    """The sample company with scripts, tags, links and formulas in every user-written text field."""
    folder = tmp_path_factory.mktemp("hostile")
    for path in SAMPLE.iterdir():
        shutil.copy(path, folder / path.name)
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    tree["kgi"]["name"] = f"ARR goal {SCRIPT}"
    tree["kgi"]["name_ja"] = f"ARR目標 {IMG}"
    for i, kfs in enumerate(tree["kfs"]):
        kfs["name"] = f"{IMG} {LINK} KFS {i} costs $\\undefined{{ 5 $"  # mathtext would fail to render
        kfs["name_ja"] = f"{SCRIPT} KFS {i}"
        for j, k in enumerate(kfs["kpis"]):
            k["owner"] = FORMULAS[(i + j) % len(FORMULAS)]
    (folder / "kpi_tree.yaml").write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    settings = (SAMPLE / "dataset.yaml").read_text(encoding="utf-8")
    (folder / "dataset.yaml").write_text(
        settings.replace("Sakura Works K.K. (sample company)", f"'{IMG} Co'"), encoding="utf-8"
    )
    accounts = pd.read_csv(SAMPLE / "accounts.csv", dtype=str, keep_default_na=False)
    accounts["name"] = SCRIPT
    accounts["owner"] = np.where(np.arange(len(accounts)) % 2, "<b onmouseover=alert(1)>Ito</b>", "=1+1")
    accounts.to_csv(folder / "accounts.csv", index=False)
    actions = pd.read_csv(SAMPLE / "actions.csv", dtype=str, keep_default_na=False)
    actions["action"] = actions["action"] + " " + SCRIPT
    actions["owner"] = "@SUM(1+1)"
    actions["note"] = IMG
    actions.to_csv(folder / "actions.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def hostile_run(hostile_folder, tmp_path_factory):
    from playbook.run.runs import run_review

    out = tmp_path_factory.mktemp("hostile-out")
    return run_review(
        month="2026-10", data_dir=hostile_folder, out_dir=out, lang="en", account_limit=2, echo=lambda m: None
    )


@pytest.mark.notebook
def test_no_unescaped_tag_from_user_input_in_any_report_of_a_full_run(hostile_run):
    # the six reports, the month's index and the account pages of the at-risk list
    pages = sorted(hostile_run.glob("*.html")) + sorted(hostile_run.glob("accounts/*.html"))
    assert len(pages) >= 7
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for payload in (SCRIPT, IMG, "<b onmouseover", 'javascript:alert(1)">', 'href="javascript:'):
            assert payload not in html, f"{page.name} carries {payload!r}"
    goal_setting = (hostile_run / "02_goal_setting.html").read_text(encoding="utf-8")
    assert "ARR goal &lt;script&gt;alert('pwned')&lt;/script&gt;" in goal_setting.replace("&#39;", "'")


@pytest.mark.notebook
def test_a_formula_in_the_kpi_tree_comes_out_of_scorecard_csv_neutralised(hostile_run):
    card = pd.read_csv(hostile_run / "scorecard.csv", dtype=str, keep_default_na=False)
    assert all(owner.startswith("'") for owner in card["owner"]), card["owner"].tolist()
    assert {owner[1:] for owner in card["owner"]} <= set(FORMULAS)
    numbers = pd.read_csv(hostile_run / "scorecard.csv")["actual"]  # numbers stay numbers
    assert numbers.dtype == "float64" and numbers.notna().all()


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("cell", FORMULAS, ids=repr)
def test_every_formula_start_is_neutralised_in_a_csv(cell, tmp_path):
    path = write_csv(pd.DataFrame({"owner": [cell, "Sato"], "gap": [-0.5, 1.0]}), tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["owner"].tolist() == ["'" + cell, "Sato"]
    assert back["gap"].tolist() == ["-0.5", "1.0"]  # numbers are not touched


def test_neutralising_leaves_numbers_dates_and_plain_text_alone():
    t = pd.DataFrame(
        {
            "n": [-1, 2],
            "x": [-0.5, float("nan")],
            "d": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "s": ["Sato", "−0.8 pts"],
        }
    )
    pd.testing.assert_frame_equal(neutralise_cells(t), t)


# --------------------------------------------------------------------------- YAML


@pytest.mark.parametrize("reader", [load_kpi_tree, load_config, load_segments], ids=lambda f: f.__name__)
def test_a_billion_laughs_yaml_is_refused_at_once_by_every_reader(reader, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"bomb.yaml: line 2: YAML aliases \(\*a\) are not allowed"):
        reader(path if reader is load_kpi_tree else str(path))


def test_dataset_settings_refuse_aliases_too(tmp_path):
    for path in SAMPLE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "dataset.yaml").write_text("name: &n x\ncurrency: *n\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"dataset.yaml: line 2: YAML aliases \(\*n\) are not allowed"):
        load_dataset(tmp_path)


def test_an_oversized_settings_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "a" * 1_100_000, encoding="utf-8")
    with pytest.raises(DataValidationError, match="big.yaml: larger than 1,000,000 bytes"):
        read_yaml(path)


# --------------------------------------------------------------------------- non-finite numbers


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_number_names_file_column_and_line(text, tmp_path):
    for path in SAMPLE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    subs = pd.read_csv(SAMPLE / "subscriptions.csv", dtype=str, keep_default_na=False)
    subs.loc[2, "mrr"] = text  # line 4 of the file (the header is line 1)
    subs.to_csv(tmp_path / "subscriptions.csv", index=False)
    with pytest.raises(DataValidationError) as err:
        load_dataset(tmp_path)
    assert f"subscriptions.csv, column 'mrr': not a finite number - 1 row; first: line 4: '{text}'" in str(err.value)


def test_a_non_finite_number_in_a_usage_parquet_folder_is_refused(tmp_path):
    for path in SAMPLE.iterdir():
        if not path.name.startswith("usage"):
            shutil.copy(path, tmp_path / path.name)
    usage = load_dataset(SAMPLE).usage.to_frame()
    part = usage[usage["date"] < "2024-01-01"].copy()
    part["session_seconds"] = part["session_seconds"].astype("float64")
    part.iloc[5, part.columns.get_loc("session_seconds")] = math.inf
    (tmp_path / "usage").mkdir()
    part.to_parquet(tmp_path / "usage" / "part-0.parquet", index=False)
    with pytest.raises(DataValidationError, match=r"usage/, column 'session_seconds': not a finite number - 1 row"):
        load_dataset(tmp_path)


def test_a_non_finite_target_in_the_kpi_tree_is_refused(tmp_path):
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    tree["kfs"][0]["kpis"][0]["target"] = math.inf
    path = tmp_path / "kpi_tree.yaml"
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    with pytest.raises(DataValidationError, match="target inf is not a finite number"):
        load_kpi_tree(path)

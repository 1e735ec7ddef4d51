"""One account's page (顧客カルテ): the pure parts on tiny data, the view on the sample, notebook 07 and its runner.

The committed notebook's account, A000241, is on the sample's 2026-10 at-risk list and has every MRR movement (new
2025-03, contraction 2025-11, expansion 2025-12, churn 2026-05, reactivation 2026-09), survey answers with a comment,
tickets, onboarding milestones, usage and a health score. A000165 (Enterprise, annual contract until 2025-09, then
monthly, escalated tickets) is run in Japanese. A000664 signed up on 2026-10-30 (one day of usage, no surveys or
tickets) and A000685 never paid: the page must say what is missing instead of failing.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from playbook.data.errors import DataValidationError
from playbook.report.account_views import (
    AccountView,
    milestone_status,
    movement_rows,
    resolve_account_id,
    risk_drivers,
    ticket_hours,
)
from playbook.run.accounts import ACCOUNT_NOTEBOOK, account_page, at_risk_ids
from playbook.run.runs import KERNEL_ARGS, review_notebooks
from tests.conftest import SAMPLE

DEFAULT = "A000241"


# --------------------------------------------------------------------------- pure functions on tiny data


def test_an_id_is_text_and_a_number_from_papermill_finds_its_zeros():
    acc = pd.DataFrame({"account_id": ["00123", "A9", "0042"]})
    assert resolve_account_id(acc, "00123") == "00123"
    assert resolve_account_id(acc, 123) == "00123"  # papermill -p account_id 00123 passes 123
    assert resolve_account_id(acc, 42.0) == "0042"
    assert resolve_account_id(acc, " A9 ") == "A9"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_unknown_or_empty_id_is_a_validation_error_naming_it(lang):
    acc = pd.DataFrame({"account_id": ["00123", "A9"]})
    with pytest.raises(DataValidationError) as info:
        resolve_account_id(acc, "B77", lang)
    assert "'B77'" in str(info.value) and "-r account_id" in str(info.value)
    with pytest.raises(DataValidationError) as info:
        resolve_account_id(acc, "", lang)
    assert "00123" in str(info.value)  # an example id


def test_every_movement_kind_with_its_signed_change():
    # MRR at month ends: 0 -> 100 (new) -> 150 (expansion +50) -> 120 (contraction -30) -> 0 (churn -120)
    # -> 0 (nothing) -> 80 (reactivation +80)
    months = pd.period_range("2026-01", "2026-06", freq="M")
    snaps = pd.DataFrame(
        {
            "account_id": "a",
            "month": months.delete(4),
            "mrr": [100.0, 150.0, 120.0, 0.0, 80.0],
        }
    )
    snaps = snaps[snaps["mrr"] > 0]
    from playbook.kpis.revenue import mrr_movements

    rows = movement_rows(mrr_movements(snaps, months))
    assert rows["kind"].tolist() == ["new", "expansion", "contraction", "churned", "reactivation"]
    assert rows["change"].tolist() == [100.0, 50.0, -30.0, -120.0, 80.0]
    assert [str(m) for m in rows["month"]] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-06"]


def test_milestones_done_late_overdue_pending_and_without_due_days():
    ob = pd.DataFrame(
        {
            "milestone": ["setup", "setup", "project", "invite", "connect"],
            # setup done twice (first completion counts), project done 2026-10-20 but due 10-08 (signup + 7)
            "completed_date": pd.to_datetime(["2026-10-03", "2026-10-02", "2026-10-20", None, "2026-11-03"]),
            "due_days": [3, 3, 7, 14, 60],
        }
    )
    m = milestone_status(ob, pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))
    assert m.set_index("milestone")["status"].to_dict() == {
        "setup": "done",
        "project": "done_late",
        "invite": "overdue",  # due 2026-10-15, not done by 10-31
        "connect": "pending",  # done 11-03: after the month end, so not done yet; due 11-30
    }
    assert m.loc[m["milestone"] == "setup", "completed"].iloc[0] == pd.Timestamp("2026-10-02")
    plain = milestone_status(ob.drop(columns="due_days"), pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31"))
    assert plain.set_index("milestone")["status"].to_dict()["invite"] == "not_done"


def test_ticket_hours():
    t = pd.DataFrame(
        {
            "opened_at": pd.to_datetime(["2026-10-01 09:00", "2026-10-02 09:00"]),
            "first_response_at": pd.to_datetime(["2026-10-01 09:45", None]),
        }
    )
    h = ticket_hours(t)  # 45 minutes = 0.75 h; no resolved_at column: NaN
    assert h["first_response_hours"].tolist()[0] == 0.75 and h["resolution_hours"].isna().all()


def test_risk_drivers_add_up_to_the_log_odds_gap_with_the_average_account():
    coef = pd.DataFrame(
        {
            "feature": ["intercept", "breadth_score", "annual", "tenure_months"],
            "scale": [1.0, 100.0, 1.0, 12.0],
            "coefficient": [-2.0, -3.0, -1.0, 0.6],
        }
    )
    X = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "breadth_score": [10.0, 70.0, 100.0],  # mean 60: a is 50 points below -> -3 x -0.5 = +1.5
            "annual": [0.0, 1.0, 1.0],  # mean 2/3: -1 x (0 - 2/3) = +0.667
            "tenure_months": [6.0, 18.0, 30.0],  # mean 18: 0.6 x (6 - 18) / 12 = -0.6
        }
    )
    d = risk_drivers(coef, X, "a")
    assert d["feature"].tolist() == ["breadth_score", "annual", "tenure_months"]
    assert np.allclose(d["effect"], [1.5, 2 / 3, -0.6])
    # linear in log-odds: the account's log-odds minus those at the mean inputs is the sum of the effects
    lin = lambda row: -2.0 - 3.0 * row[0] / 100 - 1.0 * row[1] + 0.6 * row[2] / 12
    gap = lin(X.iloc[0, 1:].to_numpy()) - lin(X.iloc[:, 1:].mean().to_numpy())
    assert np.isclose(d["effect"].sum(), gap)
    assert risk_drivers(coef, X, "zz").empty


def test_at_risk_ids_keep_leading_zeros(tmp_path):
    (tmp_path / "at_risk.csv").write_text("account_id,account\n00123,A\nA9,B\n", encoding="utf-8-sig")
    assert at_risk_ids(tmp_path) == ["00123", "A9"]


def test_the_account_notebook_is_not_a_review_notebook():
    assert ACCOUNT_NOTEBOOK.is_file() and ACCOUNT_NOTEBOOK not in review_notebooks()


# --------------------------------------------------------------------------- the view on tiny and sample data


def test_a_tiny_folder_without_optional_tables_says_what_is_missing(make_folder):
    import playbook as pb

    folder = make_folder({"dataset.yaml": "as_of: 2026-02-28\n"})
    ctx = pb.open_review(month="2026-02", data_dir=str(folder), kpi_tree="", lang="ja")
    page = AccountView(ctx, 123)  # the id 00123, given as papermill's number
    assert page.id == "00123"
    text = page.summary()
    assert "利用状況のテーブル（usage）がない" in text and "問い合わせのテーブル（tickets）がない" in text
    assert "2026年2月" in text and "2026-02" not in text
    assert "年間契約" in page.contract_text()
    assert "施策のテーブル（actions）がない" in page.actions().iloc[0, 0]
    for table in (page.usage_table(), page.surveys(), page.tickets(), page.onboarding(), page.health_table()):
        assert table.shape == (1, 1)  # a note, not an error


def test_actions_that_name_the_account_are_listed_open_first(make_folder):
    import playbook as pb

    actions = (
        "action_id,kpi,action,owner,start_date,due_date,status,note,account_id\n"
        "X1,nps,Call the sponsor,Sato,2026-01-10,2026-02-10,done,,A3\n"
        "X2,logo_churn_rate,Health-check call,Sato,2026-02-01,2026-04-30,open,,A3\n"
        "X3,nps,Someone else,Ito,2026-02-01,,open,,A2\n"
    )
    folder = make_folder({"dataset.yaml": "as_of: 2026-02-28\n", "actions.csv": actions})
    ctx = pb.open_review(month="2026-02", data_dir=str(folder), kpi_tree="", lang="en")
    table = AccountView(ctx, "A3").actions()
    if table.shape == (1, 1):  # the loader keeps only contract columns: then the page says so
        assert "does not name accounts" in table.iloc[0, 0]
    else:
        assert table.index.tolist() == ["X2", "X1"]
        assert table["status"].tolist() == ["open", "done"]


@pytest.fixture(scope="module")
def sample_health():
    import playbook as pb
    from playbook.report.customer_views import HealthView

    ctx = pb.open_review(month="2026-10", data_dir=str(SAMPLE), kpi_tree="", lang="en")
    return ctx, HealthView(ctx)


def test_the_default_account_has_every_kind_of_history(sample_health):
    ctx, health = sample_health
    page = AccountView(ctx, DEFAULT, health=health)
    kinds = movement_rows(page.movements)["kind"].tolist()
    assert sorted(kinds) == sorted(["new", "expansion", "contraction", "churned", "reactivation"])
    assert page.missing() == []
    assert DEFAULT in health.at_risk_accounts().index  # on the 2026-10 at-risk list
    assert "On the at-risk list of 2026-10" in page.summary()
    assert page.surveys()["comment"].str.len().gt(0).any()
    assert not np.isnan(page.risk_now) and len(page.risk_drivers()) == 8


def test_the_page_in_japanese_has_japanese_months_and_no_english_sentence(sample_health):
    from dataclasses import replace

    ctx, health = sample_health
    ja = replace(ctx, lang="ja")
    page = AccountView(ja, "A000165", health=health)
    parts = [page.summary(), page.mrr_text(), page.contract_text(), page.usage_text(), page.voice_text()]
    parts += [page.tickets_text(), page.onboarding_text(), page.health_text(), page.risk_text()]
    text = "\n".join(parts)
    assert "2026年10月" in text and not re.search(r"\b20\d\d-\d\d\b", text)
    assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", text.replace("Sakura Works K.K.", ""))
    assert "復帰" in page.mrr_movements().to_string() and "年払い" in page.contract().to_string()


# --------------------------------------------------------------------------- notebook 07 and its runner


def _execute(tmp_path, **parameters):
    out = tmp_path / "07.ipynb"
    pm.execute_notebook(
        str(ACCOUNT_NOTEBOOK),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(ACCOUNT_NOTEBOOK.parent),
        extra_arguments=KERNEL_ARGS,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("name") == "stderr"] == []
    return "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs)


@pytest.mark.notebook
def test_notebook_runs_in_english_for_the_default_account(tmp_path):
    text = _execute(tmp_path)
    assert "株式会社ツバサPartners" in text and "Reactivation" in text and "Contraction" in text
    assert "On the at-risk list of 2026-10" in text


@pytest.mark.notebook
def test_notebook_runs_in_japanese(tmp_path):
    text = _execute(tmp_path, lang="ja", account_id="A000165")
    assert "2026年10月の要注意顧客リストに入っています" in text and "復帰" in text and "エスカレーション" in text


@pytest.mark.notebook
def test_notebook_for_an_account_signed_up_at_the_end_of_the_month(tmp_path):
    text = _execute(tmp_path, account_id="A000664")  # signed up 2026-10-30
    assert "What this page cannot show" in text and "no support ticket" in text
    assert "In onboarding in 2026-10" in text


@pytest.mark.notebook
def test_notebook_stops_on_an_unknown_account_naming_it(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as info:
        _execute(tmp_path, account_id="A999999")
    assert info.value.ename == "DataValidationError" and "'A999999'" in info.value.evalue


def test_account_page_refuses_an_unknown_id_before_running(tmp_path):
    with pytest.raises(DataValidationError, match="'Z1'"):
        account_page("Z1", month="2026-10", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.notebook
def test_account_page_writes_the_notebook_and_html_for_an_account_that_never_paid(tmp_path):
    html = account_page("A000685", month="2026-10", lang="ja", out_dir=tmp_path)
    assert html == tmp_path / "A000685.html" and (tmp_path / "A000685.ipynb").is_file()
    page = html.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "支払い実績なし" in page
    assert "What this page cannot show" not in page  # the English narrative cells are dropped


def test_tables_are_keyed_by_month_date_or_name_not_row_numbers(sample_health):
    from dataclasses import replace

    ctx, health = sample_health
    for lang, months in (("en", ["2025-03", "2025-11"]), ("ja", ["2025年3月", "2025年11月"])):
        page = AccountView(replace(ctx, lang=lang), DEFAULT, health=health)
        mrr = page.mrr_movements()
        # A000241: new in 2025-03, contraction in 2025-11, ... : one row per month with a movement, indexed by it
        assert mrr.index.tolist()[:2] == months and mrr.index.name is None
        for table in (mrr, page.surveys(), page.onboarding(), page.contract(), page.tickets(), page.actions()):
            assert not isinstance(table.index, pd.RangeIndex), table
    # a one-cell note has an empty row label, not 0
    assert AccountView(ctx, "A000001", health=health).actions().index.tolist() == [""]


def test_the_movement_labels_stay_inside_the_mrr_chart_under_its_title(sample_health):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx, health = sample_health
    fig, ax = plt.subplots(figsize=(9, 3.4))
    AccountView(ctx, DEFAULT, health=health).plot_mrr(ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = ax.get_window_extent(renderer).y1
    title = ax.title.get_window_extent(renderer)
    labels = [t for t in ax.texts if t.get_text()]
    assert len(labels) == 5  # new, contraction, expansion, churned, reactivation
    for t in labels:
        box = t.get_window_extent(renderer)
        assert box.y1 <= top and not box.overlaps(title), t.get_text()
    plt.close(fig)

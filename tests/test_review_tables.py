"""The review's tables say what the data says: the 3-month trend, numbers in their unit, one Act row per KPI, no-tree notes."""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook import DataValidationError
from playbook.report.formatting import format_change, format_delta
from playbook.report.goal_views import GoalReport
from playbook.report.text import Markdown
from playbook.review.codes import NONE, NoProjection, Recommendation, Trend
from playbook.review.goals import (
    KPIGoal,
    best_sustained_change,
    kgi_projection,
    parse_kpi_tree,
    smart_check,
    target_path,
    tree_checks,
)
from playbook.review.scorecard import act_plan, act_recommendations, open_actions, status_history, three_month_trend
from tests.conftest import SAMPLE

matplotlib.use("Agg")

MONTHS = pd.period_range("2025-10", "2026-10", freq="M")  # 13 months: 12 monthly changes


def tree_dict(**changes) -> dict:
    """The sample KPI tree as a dict, with ``changes`` to its top-level keys."""
    return yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8")) | changes


def kpi_entry(**fields) -> dict:
    base = {"id": "k1", "metric": "logo_churn_rate", "target": 0.02, "owner": "Sato", "deadline": "2027-03"}
    return base | {"cadence": "monthly"} | fields


def _history(goal_values: dict, kgi_values, months) -> pd.DataFrame:
    """A goal history: each goal's values and the KGI (``arr_goal``) over ``months``."""
    rows = [(m, g, v) for g, vals in goal_values.items() for m, v in zip(months, vals)]
    rows += [(m, "arr_goal", v) for m, v in zip(months, kgi_values)]
    h = pd.DataFrame(rows, columns=["month", "goal", "value"])
    return h.assign(metric="", numerator=np.nan, denominator=np.nan, n=1, note="")


def series(values, months=MONTHS) -> pd.Series:
    return pd.Series(values, index=months[-len(values) :], dtype="float64")


@pytest.fixture(scope="module")
def sample_report():
    from playbook.run.notebook import open_review

    ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="en")
    return GoalReport.build(ctx)


# ----------------------------------------------------------------------------- the 3-month trend


def test_the_trend_compares_the_value_with_three_months_before_against_the_usual_move():
    # monthly changes: +1 six times, -1 three times, then +1, +2, +3 -> |changes| median = 1
    v = series([10, 11, 12, 13, 14, 15, 16, 15, 14, 13, 14, 16, 19])
    t = three_month_trend(v, "higher", "2026-10")
    # 19 (2026-10) - 13 (2026-07) = +6, more than the usual move of 1: improving
    assert (t["trend"], t["change"], str(t["since"]), t["band"], t["n_changes"]) == (
        "improving",
        6.0,
        "2026-07",
        1.0,
        12,
    )
    # the same numbers for a lower-is-better KPI are a worsening
    assert three_month_trend(v, "lower", "2026-10")["trend"] == "worsening"
    # 2026-09: 16 - 14 (2026-06)... = +2 against a usual move of 1 (changes Sep 2025 to Sep 2026 have median 1)
    assert three_month_trend(v, "higher", "2026-09")["change"] == 2.0


def test_a_change_no_bigger_than_the_usual_move_is_flat():
    # the KPI swings by 2 every month; it ends 1 above where it was 3 months ago
    v = series([50, 52, 50, 52, 50, 52, 50, 52, 50, 50, 52, 50, 51])
    t = three_month_trend(v, "higher", "2026-10")
    assert t["change"] == 1.0 and t["band"] == 2.0 and t["trend"] == "flat"


def test_nps_surveyed_twice_a_year_has_no_trend():
    nps = pd.Series([-8.6, 8.4, 12.4], index=pd.PeriodIndex(["2025-10", "2026-04", "2026-10"], freq="M"))
    t = three_month_trend(nps, "higher", "2026-10")
    assert t["trend"] == NONE and np.isnan(t["change"])  # no value in 2026-07: nothing is carried over the gap
    # a value 3 months before but too few monthly changes to know the usual move
    few = pd.Series([1.0, 2.0, 5.0], index=pd.PeriodIndex(["2026-06", "2026-07", "2026-10"], freq="M"))
    assert three_month_trend(few, "higher", "2026-10")["trend"] == NONE


monthly_values = st.lists(st.floats(-100, 100, allow_nan=False, allow_infinity=False), min_size=13, max_size=13)


@settings(max_examples=300, deadline=None)
@given(values=monthly_values, direction=st.sampled_from(["higher", "lower"]))
def test_the_trend_never_contradicts_the_last_three_months(values, direction):
    v = series(values)
    t = three_month_trend(v, direction, "2026-10")
    better = 1 if direction == "higher" else -1
    last3 = better * np.diff(v.to_numpy())[-3:]  # the last 3 monthly changes, positive = better
    tol = t["band"] / 3  # the tolerance of one monthly change
    if (last3 > tol).all():
        assert t["trend"] == Trend.IMPROVING
    if (last3 < -tol).all():
        assert t["trend"] == Trend.WORSENING
    if (last3 >= 0).all():
        assert t["trend"] != Trend.WORSENING  # no month got worse: never "worsening"
    if (last3 <= 0).all():
        assert t["trend"] != Trend.IMPROVING
    # the word always agrees with the change it shows
    if t["trend"] == Trend.IMPROVING:
        assert better * t["change"] > t["band"]
    if t["trend"] == Trend.WORSENING:
        assert better * t["change"] < -t["band"]


def test_on_the_sample_the_trend_agrees_with_the_months_shown(sample_report):
    card = sample_report.card.set_index("id")
    h = sample_report.history.pivot(index="month", columns="goal", values="value")
    oct_, jul = pd.Period("2026-10", "M"), pd.Period("2026-07", "M")
    for goal, row in card.iterrows():
        if row["trend"] == NONE:
            continue
        assert row["trend_change"] == pytest.approx(h.loc[oct_, goal] - h.loc[jul, goal])
    # cross-sell 2.1% (Jul) -> 3.4% (Oct): +1.3 pts against a usual move of 0.7 pts
    assert card.loc["cross_sell", "trend"] == "improving" and card.loc["cross_sell", "change_1m"] > 0
    # GRR 97.2% -> 97.6%: +0.4 pts, inside its usual monthly move of 1.9 pts
    assert card.loc["grr", "trend"] == "flat"
    assert card.loc["onboarding_done", "trend"] == "worsening"  # 76.9% -> 62.5%
    assert card.loc["nps", "trend"] == NONE  # surveyed in 2026-04 and 2026-10 only
    table = sample_report.scorecard_table()
    assert table.loc["Cross-sell rate", "3-month trend"] == (
        "improving: +1.3 pts since 2026-07 (usual monthly move 0.7 pts)"
    )
    assert table.loc["Gross revenue retention", "3-month trend"].startswith("flat: +0.4 pts since 2026-07")
    assert table.loc["NPS", "3-month trend"] == "–"


# ----------------------------------------------------------------------------- every number in its unit


def test_changes_are_written_in_the_units_of_the_kpi_and_the_language():
    assert format_change(0.976, 0.984, "ratio", lang="ja") == "−0.8ポイント"
    assert format_change(0.976, 0.976, "ratio", lang="ja") == "±0ポイント"
    assert format_delta(0.0875, "ratio") == "+8.8 pts" and format_delta(-0.00245, "ratio") == "−0.2 pts"
    assert format_delta(0.342, "hours", lang="ja") == "+0.3時間"
    assert format_delta(1_834_000, "currency", signed=False) == "¥1.8M"


RAW_FRACTION = re.compile(r"(?<![\d.])0\.\d{3,}")  # 0.0875, 0.03226: a ratio written as a bare fraction


def test_goal_setting_tables_show_no_raw_fractions(sample_report):
    base = sample_report.baselines_table()
    smart = sample_report.smart_table()
    for table in (base, smart):
        cells = table.to_numpy().ravel().tolist()
        assert not [c for c in cells if RAW_FRACTION.search(str(c))]
    # onboarding 62.5% -> 80% by 2026-12 (2 months): +8.75 pts a month; logo churn 3.23% -> 2% in 5: -0.25 pts
    assert base.loc["Onboarding completion", "needed per month"] == "+8.8 pts"
    assert base.loc["Logo churn rate", "needed per month"] == "−0.2 pts"
    assert base.loc["Cross-sell rate", "needed per month"] == "already reached"
    assert base.loc["First response time", "best 3-month pace (per month)"].endswith(" h")
    assert smart.loc["Logo churn rate", "M (why)"] == "baseline 3.2% in 2026-10"
    assert smart.loc["Onboarding completion", "A (why)"] == (
        "needs +8.8 pts a month; best 3-month pace +13.5 pts a month"
    )


def test_an_unbounded_attainment_reads_in_the_report_language():
    ja = GoalReport(ctx=SimpleNamespace(lang="ja"), tree=None)
    en = GoalReport(ctx=SimpleNamespace(lang="en"), tree=None)
    assert ja._attainment(np.inf) == "目標以上" and en._attainment(np.inf) == "≥ target"


def test_the_best_pace_needs_values_three_calendar_months_apart():
    nps = pd.Series([-8.6, 8.4, 12.4], index=pd.PeriodIndex(["2025-10", "2026-04", "2026-10"], freq="M"))
    assert np.isnan(best_sustained_change(nps))  # six months apart: no 3-month pace
    # Jan 10, Feb (none), Mar 11, Apr 16: the only 3-month pair is Jan -> Apr, +2 a month
    gap = pd.Series([10.0, np.nan, 11.0, 16.0], index=pd.period_range("2026-01", periods=4, freq="M"))
    assert best_sustained_change(gap) == 2.0


def test_related_looks_at_the_last_twelve_calendar_months(sample_ds):
    months = pd.period_range("2023-10", "2026-10", freq="M")  # 37 months
    # NPS every 6 months for 3 years (7 values), only 2 of them in the last 12 months
    nps = [float(i) if i % 6 == 0 else np.nan for i in range(37)]
    tree = parse_kpi_tree(
        tree_dict(kfs=[{"id": "f", "name": "F", "kpis": [kpi_entry(id="n", metric="nps", target=40)]}])
    )
    smart = smart_check(tree, sample_ds, _history({"n": nps}, np.arange(37.0), months), "2026-10").iloc[0]
    assert np.isnan(smart["correlation"]) and smart["correlation_n"] == 2 and smart["R"] == "warn"


# ----------------------------------------------------------------------------- the Act plan


def _plan(values, target, *, direction="higher", kgi=None, actions=None):
    """One KPI ``k`` over 2026-01..2026-10 with a flat target, through the Act rules and the plan."""
    months = pd.period_range("2026-01", "2026-10", freq="M")
    metric = "onboarding_completion_rate" if direction == "higher" else "first_response_hours"
    tree = parse_kpi_tree(
        tree_dict(
            kfs=[
                {"id": "f", "name": "F", "kpis": [kpi_entry(id="k", metric=metric, target=target, direction=direction)]}
            ]
        )
    )
    kgi = np.arange(10.0) if kgi is None else kgi
    h = _history({"k": values}, kgi, months)
    targets = pd.DataFrame({"k": [target] * 10}, index=months)
    smart = pd.DataFrame(
        {"goal": ["k"], "correlation": [np.corrcoef(values, kgi)[0, 1]], "correlation_n": [10], "R_reason": ["r"]}
    )
    statuses = status_history(tree, h, targets)
    rules = act_recommendations(tree, statuses, smart, tree_checks(tree), "2026-10")
    return act_plan(tree, rules, statuses, smart, actions, "2026-10").set_index("goal").loc["k"]


def _actions(status="open", start="2026-05-01", kpi="onboarding_completion_rate"):
    return pd.DataFrame({"action_id": ["A1"], "kpi": [kpi], "status": [status], "start_date": pd.to_datetime([start])})


def test_a_kpi_beaten_by_a_wide_margin_that_does_not_move_with_the_kgi_gets_one_recommendation():
    # attainment 112%, 115%, 120% (>= 110%) but zig-zagging against a steadily rising KGI (|r| small)
    row = _plan([1.2, 1.15, 1.2, 1.15, 1.2, 1.15, 1.2, 1.12, 1.15, 1.2], 1.0)
    assert row["rules"] == ("not moving with the KGI", "wide margin 3 months")
    assert row["recommendation"] == Recommendation.REPLACE  # one recommendation, both rules kept as evidence


def test_off_track_for_three_months_revises_the_open_plan_or_starts_one():
    values = [1.0] * 7 + [0.80, 0.79, 0.78]  # attainment 80%, 79%, 78%: off track (below 85%) 3 months
    kgi = np.array([5, 5, 5, 5, 5, 5, 5, 3, 2, 1], dtype=float)  # falls with the KPI (r = 0.96): related
    assert _plan(values, 1.0, kgi=kgi, actions=_actions())["recommendation"] == Recommendation.REVISE
    without = _plan(values, 1.0, kgi=kgi, actions=None)
    assert without["recommendation"] == Recommendation.START and without["no_open_action"]


@pytest.mark.parametrize(
    "actions,flagged",
    [
        (None, True),
        (_actions(), False),
        (_actions(status="done"), True),
        (_actions(start="2026-11-03"), True),  # not started by the review month
        (_actions(kpi="k"), False),  # an action may name the KPI goal's id
        (_actions(kpi="nps"), True),  # an action on another KPI
    ],
    ids=["no log", "open", "done", "starts later", "by goal id", "other KPI"],
)
def test_an_off_track_kpi_without_an_open_action_is_flagged(actions, flagged):
    # on track until September, off track in October only (attainment 70%): no 3-month rule
    values = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.70]
    row = _plan(values, 1.0, actions=actions)
    assert row["status"] == "off track" and bool(row["no_open_action"]) is flagged
    assert row["recommendation"] == (Recommendation.START if flagged else Recommendation.KEEP)


def test_open_actions_need_the_open_status_and_a_start_by_the_month():
    a = pd.DataFrame(
        {
            "action_id": ["A1", "A2", "A3", "A4"],
            "kpi": ["nps"] * 4,
            "status": ["open", " Open ", "dropped", "open"],
            "start_date": pd.to_datetime(["2026-01-01", "2026-10-31", "2026-01-01", "2026-11-01"]),
        }
    )
    assert open_actions(a, "2026-10")["action_id"].tolist() == ["A1", "A2"]
    assert open_actions(a.drop(columns="status"), "2026-10")["action_id"].tolist() == ["A1", "A2", "A3"]


def test_the_act_table_has_one_named_row_per_kpi_with_units(sample_report):
    act = sample_report.act_table()
    names = [g.name("en") for g in sample_report.tree.kpis]
    assert act.index.tolist() == names  # no 0/1/2, no ids; one row per KPI
    fr = act.loc["First response time"]
    assert fr["recommendation"] == "consider replacing this KPI"
    assert "r = +0.22 in its better direction (n = 12)" in fr["why"] and "attainment 130%, 110%, 142%" in fr["why"]
    assert "target 2.0 h by 2026-12" in fr["why"] and "(target 2)" not in fr["why"]
    # the advice against the data it summarises: flagged = below target now (at risk or off track) and no open
    # action on the KPI
    actions = sample_report.ctx.ds.actions
    under_way = set(actions.loc[actions["status"] == "open", "kpi"])
    card = sample_report.card.set_index("kpi")
    for name, row in act.iterrows():
        below = card.loc[name, "status"] in ("at risk", "off track")
        assert bool(row["flag"]) == (below and card.loc[name, "metric"] not in under_way), name
    # NPS ramps from its last survey before the plan (2025-10, -8.6) and is at risk with no open action: flagged,
    # and an action is to be started
    assert card.loc["NPS", "status"] == "at risk" and act.loc["NPS", "flag"] == "below target with no open action"
    assert act.loc["NPS", "recommendation"] == "start an action"
    assert act.loc["NPS", "why"] == "below target this month (at risk)"


# ----------------------------------------------------------------------------- without a tree, and edge cases


def test_without_a_kpi_tree_each_section_says_so_once(make_folder):
    from playbook import plot_goal_trends, plot_kgi_projection, plot_kpi_tree
    from playbook.run.notebook import open_review

    ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="", lang="en")
    rep = GoalReport.build(ctx)
    plt.close("all")
    # the cells of notebook 06's Check and Act sections, in order
    shown = [rep.headline(), rep.scorecard_table(), rep.projection_text(), rep.act_table()]
    texts = [s.data if isinstance(s, Markdown) else s for s in shown]
    assert sum("No KPI tree was given" in t for t in texts) == 1  # the full note, once
    assert all(isinstance(t, str) and t.count(".") == 1 for t in texts[1:])  # one sentence each
    assert len(set(texts)) == len(texts)
    # the charts draw nothing: no empty frame saying a table is missing
    assert plot_goal_trends(rep.history, rep.targets, rep.tree).size == 0
    assert plot_kgi_projection(rep.kpis, rep.projection(), rep.tree, ctx.month) is None
    assert plot_kpi_tree(rep.card, rep.tree) is None
    assert plt.get_fignums() == []
    assert rep.tree_checks_table() is None  # notebook 02: the SMART table above already said it


def test_a_path_start_without_a_month_is_a_clear_error():
    g = KPIGoal("x", "nps", 30.0, "higher", "me", pd.Period("2026-07", "M"), "monthly", "f", path={"start": 10})
    with pytest.raises(DataValidationError, match=r"x\.path.*path start 10 has no month: give path start_month"):
        target_path(g, pd.period_range("2026-01", "2026-08", freq="M"))
    # with the tree's plan_start the ramp starts there
    ramp = target_path(g, pd.period_range("2026-03", "2026-07", freq="M"), plan_start=pd.Period("2026-03", "M"))
    assert ramp.tolist() == [10.0, 15.0, 20.0, 25.0, 30.0]


def test_the_kgi_projection_without_the_review_month_in_the_bridge_says_so(sample_report):
    tree, bridge = sample_report.tree, sample_report.bridge
    short = bridge[bridge["month"] < pd.Period("2026-10", "M")]
    assert kgi_projection(tree, short, "2026-10") == {
        "applicable": False,
        "reason": NoProjection.NO_BRIDGE_ROW,
        "metric": "arr",
        "month": pd.Period("2026-10", "M"),
    }
    assert not kgi_projection(tree, bridge.iloc[0:0], "2026-10")["applicable"]
    # one month of history: the run rate is that month's net new MRR
    one = kgi_projection(tree, bridge.tail(1), "2026-10")
    last = bridge.iloc[-1]
    assert one["run_rate_net_new_mrr"] == pytest.approx(last["mrr_end"] - last["mrr_start"])


# ----------------------------------------------------------------------------- the Japanese review

ENGLISH_RUN = re.compile(r"[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+")  # three English words in a row
RAW_MONTH = re.compile(r"\b\d{4}-\d{2}\b")  # 2026-10: a ja text writes 2026年10月


@pytest.fixture(scope="module")
def ja_report():
    from playbook.run.notebook import open_review

    ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="ja")
    return GoalReport.build(ctx)


def _texts(value) -> list[str]:
    if isinstance(value, pd.DataFrame):
        cells = [str(v) for v in value.to_numpy().ravel() if isinstance(v, str)]
        return [str(c) for c in value.columns] + [str(i) for i in value.index] + cells
    return [str(value)]


def test_the_japanese_review_holds_no_english_sentence_and_no_raw_month(ja_report):
    actions = ja_report.actions_table()
    company_data = actions.pop("施策")  # the actions log's own wording is the company's data
    assert company_data.str.contains("onboarding webinar").any()
    views = {
        "headline": ja_report.headline(),
        "scorecard_table": ja_report.scorecard_table(),
        "act_table": ja_report.act_table(),
        "actions_table": actions,
        "smart_table": ja_report.smart_table(),
        "projection_text": ja_report.projection_text(),
        "tree_checks_table": ja_report.tree_checks_table(),
        "baselines_table": ja_report.baselines_table(),
        "tree_summary": ja_report.tree_summary(),
        "moves_table": ja_report.moves_table(),
        "segment_table": ja_report.segment_table("onboarding"),
    }
    for name, view in views.items():
        bad = [t for t in _texts(view) if ENGLISH_RUN.search(t) or RAW_MONTH.search(t)]
        assert bad == [], name


def test_the_japanese_review_reads_as_a_japanese_monthly_review(ja_report):
    assert ja_report.headline().startswith("**2026年10月のKPI 7件**：達成 2件、順調 2件、要注意 1件、未達 2件。")
    assert "オンボーディング完了率（要注意 → 未達）" in ja_report.headline()
    card = ja_report.scorecard_table()
    assert set(card["ステータス"]) == {"達成", "順調", "要注意", "未達"}
    assert card.iloc[0]["3か月の傾向"] == "悪化：2026年7月比 −14.4ポイント（通常の月次変動 7.9ポイント）"
    assert card.iloc[0]["注記"] == "2026年8月コホート"  # the note "cohort 2026-08", worded
    act = ja_report.act_table()
    why = act.loc["初回応答時間", "根拠"]
    assert act.loc["初回応答時間", "提案"] == "KPIの入れ替えを検討"
    assert "2026年8月〜2026年10月の3か月連続" in why and "達成率 130%、110%、142%" in why
    assert "目標 2.0時間（2026年12月まで）" in why
    smart = ja_report.smart_table()
    assert smart.loc["オンボーディング完了率", "M（理由）"] == "2026年10月の基準値 62.5%"
    assert smart.loc["クロスセル率", "A"] == "要確認"
    actions = ja_report.actions_table()
    assert actions.loc["ACT-01", ["状態", "開始日", "評価"]].tolist() == ["完了", "2025年9月1日", "改善"]
    assert "残り5か月で毎月 **175万円** の純増MRRが必要です" in ja_report.projection_text()
    assert ja_report.segment_table("onboarding").index.tolist() == ["オンボーディング完了", "オンボーディング未完了"]


def test_without_a_tree_the_japanese_review_says_so_in_japanese():
    from playbook.run.notebook import open_review

    rep = GoalReport.build(open_review(month="2026-10", data_dir="data/sample", kpi_tree=None, lang="ja"))
    texts = [rep.headline(), str(rep.smart_table()), str(rep.act_table()), rep.projection_text()]
    texts += [str(rep.scorecard_table()), str(rep.baselines_table()), rep.projection()["reason"]]
    assert all(not ENGLISH_RUN.search(t) for t in texts) and "KPIツリー" in texts[0]


def test_the_scorecard_csv_is_in_the_run_language(sample_report, ja_report, tmp_path):
    from playbook.report.export import read_written_csv
    from playbook.report.goal_views import SCORECARD_COLUMNS

    en = sample_report.scorecard_rows()
    assert en.columns.tolist() == list(SCORECARD_COLUMNS)  # English: the codes, as before
    assert set(en["status"]) == {"achieved", "on track", "at risk", "off track"}
    assert en.loc[0, "note"] == "cohort 2026-08" and en.loc[0, "trend_since"] == "2026-07"
    ja = ja_report.scorecard_rows()
    assert ja.columns[:3].tolist() == ["KPI ID", "KPI名", "KFS"] and "ステータス" in ja.columns
    assert set(ja["ステータス"]) == {"達成", "順調", "要注意", "未達"}
    assert ja.loc[0, ["望ましい方向", "単位", "3か月の傾向", "比較した月", "期限"]].tolist() == [
        "高いほど良い",
        "比率",
        "悪化",
        "2026年7月",
        "2026年12月",
    ]
    assert ja["実績"].tolist() == en["actual"].tolist()  # numbers stay numbers
    path = tmp_path / "scorecard.csv"
    ja_report.save_scorecard(path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_written_csv(path)
    assert back.columns.tolist() == ja.columns.tolist() and back["ステータス"].tolist() == ja["ステータス"].tolist()


def test_the_scorecard_summary_reads_in_the_run_language(sample_report, ja_report, tmp_path):
    from playbook.report.goal_views import scorecard_summary_lines

    en = scorecard_summary_lines(sample_report.scorecard_rows(), "en")
    # the KGI (ARR 500M JPY by 2027-03) lands at 478M at the current pace: 96% of its target, off course
    kgi = ". KGI “ARR reaches 500M JPY by the end of FY2026”: off course (96% of its target by the deadline at the current pace)"
    assert en == [
        "Scorecard: 2 off track, 2 on track, 2 achieved, 1 at risk" + kgi,
        "  Onboarding completion: at risk -> off track",
        "  Cross-sell rate: at risk -> achieved",
        "  NPS: no data -> at risk",
    ]
    # a ja run writes scorecard.csv in Japanese and the run reads it back
    path = tmp_path / "scorecard.csv"
    ja_report.save_scorecard(path)
    card = pd.read_csv(path, keep_default_na=False)  # as runs.py reads it: the BOM stays in the first header
    ja = scorecard_summary_lines(card, "ja")
    assert (
        ja[0]
        == "スコアカード：未達 2件、順調 2件、達成 2件、要注意 1件。KGI「2027年3月までにARR 5億円」：未達の見込み（今のペースでは期限時点で目標の96%）"
    )
    assert ja[1:] == [
        "  オンボーディング完了率：要注意 → 未達",
        "  クロスセル率：要注意 → 達成",
        "  顧客推奨度（NPS）：データなし → 要注意",
    ]
    unchanged = sample_report.scorecard_rows().assign(previous_status=lambda d: d["status"])
    assert scorecard_summary_lines(unchanged, "en") == [
        "Scorecard: 2 off track, 2 on track, 2 achieved, 1 at risk (no status changed since last month)" + kgi
    ]


def test_warning_signs_are_worded_by_the_report(sample_ds):
    from playbook.review.scorecard import early_warnings

    w = early_warnings(sample_ds, "2026-10").head(20)
    for lang in ("en", "ja"):
        rep = GoalReport(ctx=SimpleNamespace(lang=lang), tree=None)
        words = [rep._signs(r) for r in w.itertuples(index=False)]
        assert all(words) and len(words) == len(w)
        if lang == "ja":
            assert not [t for t in words if ENGLISH_RUN.search(t)]
        else:
            assert any("NPS detractor (" in t for t in words)


def test_a_default_segmentation_the_data_lacks_is_one_sentence_not_an_error(sample_report):
    # a Stripe + HubSpot export has no accounts.plan: notebook 06 asks for it with optional=True
    import dataclasses

    from playbook.data.errors import DataValidationError

    ds = sample_report.ctx.ds
    bare = dataclasses.replace(ds, accounts=ds.accounts.drop(columns=["plan"]))
    report = GoalReport.build(dataclasses.replace(sample_report.ctx, ds=bare, lang="ja"))
    note = report.segment_table("plan", optional=True)
    assert str(note) == "accounts テーブルに `plan` 列がないため、プラン別の解約率とNRRは表示できません。"
    with pytest.raises(DataValidationError, match="no accounts column 'plan'"):
        report.segment_table("plan")  # asked for by name in Python: an error naming the columns there are
    assert len(sample_report.segment_table("plan", optional=True)) == len(sample_report.segment_table("plan"))

"""The KGI's verdict (on or off course, the shortfall with its sign), KPIs that move with a falling KGI, and the
"no open action" flag of a KPI below its target: known answers on hand-built trees and histories."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from playbook.report.goal_views import GoalReport, scorecard_summary_lines
from playbook.review.codes import KGIOutlook, Recommendation, Status
from playbook.review.goals import kgi_projection, parse_kpi_tree, plan_baselines, smart_check
from playbook.review.scorecard import act_plan, act_recommendations
from tests.conftest import SAMPLE


def purchase_tree(target: float = 1000.0, deadline: str = "2026-06", **kpi_fields) -> object:
    """A KGI on annual revenue (revenue_12m) with one KPI (returning buyers)."""
    kpi = {"id": "ret", "metric": "returning_buyers", "target": 1800, "owner": "CRM team", "deadline": deadline}
    kpi |= {"cadence": "monthly"} | kpi_fields
    return parse_kpi_tree(
        {
            "kgi": {"id": "rev", "name": "Revenue", "name_ja": "売上", "metric": "revenue_12m", "target": target,
                    "deadline": deadline},
            "kfs": [{"id": "f", "name": "F", "kpis": [kpi]}],
        }
    )  # fmt: skip


def report(tree, values, month: str, lang: str) -> GoalReport:
    """A GoalReport over a hand-built revenue_12m history (no data set needed to word the KGI)."""
    months = pd.period_range(end=month, periods=len(values), freq="M")
    kpis = pd.DataFrame({"month": months, "kpi": "revenue_12m", "value": values})
    ctx = SimpleNamespace(lang=lang, month=pd.Period(month, "M"), ds=SimpleNamespace(currency="USD"))
    card = pd.DataFrame({"kpi": ["Returning buyers"], "status": ["on track"], "previous_status": ["on track"]})
    return GoalReport(ctx=ctx, tree=tree, kpis=kpis, bridge=pd.DataFrame(), card=card)


# ----------------------------------------------------------------------------- the KGI's verdict


def test_a_projection_short_of_its_target_says_so_with_the_right_sign():
    # revenue_12m 1,150 -> 1,000 over 3 months: -50 a month; 3 months left: 1,000 - 150 = 850, 150 short of 1,000
    rep = report(purchase_tree(), [1150.0, 1100.0, 1050.0, 1000.0], "2026-03", "ja")
    p = rep.projection()
    assert (p["projected"], p["gap"], p["outlook"]) == (850.0, 150.0, KGIOutlook.OFF_COURSE)
    ja = rep.projection_text()
    assert ja.startswith("**今のペースでは、KGIは期限までに達成できません**。")
    assert "**$850** となり、目標に **$150** 不足します。" in ja and "+$150" not in ja
    en = report(purchase_tree(), [1150.0, 1100.0, 1050.0, 1000.0], "2026-03", "en").projection_text()
    assert en.startswith("**At the current pace the KGI is off course.**") and "short of the target by **$150**" in en
    # the verdict is in the headline of 06 as well
    head = rep.headline()
    assert "KGI（2026年6月まで）：**未達の見込み**。今のペースでは $850 となり、目標に $150 不足します。" in head


def test_a_projection_above_its_target_is_on_course():
    # 900 -> 1,050 over 3 months: +50 a month; 3 months left: 1,200, 200 above 1,000
    rep = report(purchase_tree(), [900.0, 950.0, 1000.0, 1050.0], "2026-03", "en")
    p = rep.projection()
    assert (p["projected"], p["outlook"]) == (1200.0, KGIOutlook.ON_COURSE)
    assert "ahead of the target by **$200**" in rep.projection_text()
    assert "KGI (by 2026-06): **on course**" in rep.headline()


def test_a_passed_deadline_says_reached_or_missed():
    # the deadline 2026-03 is the review month: 980 against 1,000 is missed by 20
    rep = report(purchase_tree(deadline="2026-03"), [1000.0, 990.0, 985.0, 980.0], "2026-03", "ja")
    assert rep.projection()["outlook"] == KGIOutlook.MISSED
    assert "**$980** で、目標 $1.0k に対して **$20** 届きませんでした。" in rep.projection_text()


def test_an_arr_kgi_short_of_its_target_is_off_course():
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    tree["kgi"] |= {"target": 14_400, "deadline": "2026-12"}  # MRR 1,200 by 2026-12
    tree = parse_kpi_tree(tree)
    # MRR 850 -> 1,000 over 3 months: +50 a month; 2 months left: MRR 1,100, ARR 13,200, 1,200 short of 14,400
    bridge = pd.DataFrame(
        {
            "month": pd.period_range("2026-08", "2026-10", freq="M"),
            "mrr_start": [850.0, 900.0, 950.0],
            "mrr_end": [900.0, 950.0, 1000.0],
            "new": [60.0] * 3,
            "reactivation": [0.0] * 3,
            "expansion": [0.0] * 3,
            "contraction": [0.0] * 3,
            "churned": [10.0] * 3,
        }
    )
    p = kgi_projection(tree, bridge, "2026-10")
    assert (p["projected"], p["gap"], p["outlook"]) == (13_200.0, 1_200.0, KGIOutlook.OFF_COURSE)


def test_the_run_summary_line_carries_the_kgi_verdict_in_both_languages():
    rep = report(purchase_tree(), [1150.0, 1100.0, 1050.0, 1000.0], "2026-03", "en")
    cols = rep.kgi_columns("en")
    assert cols == {"kgi": "Revenue", "kgi_target": 1000.0, "kgi_projected": 850.0, "kgi_outlook": "off course"}
    card = pd.DataFrame({"id": ["ret"], "status": ["on track"], "previous_status": ["on track"]}).assign(**cols)
    # 850 / 1,000 = 85% of the target at the deadline
    line = scorecard_summary_lines(card, "en")[0]
    assert line.endswith(". KGI “Revenue”: off course (85% of its target by the deadline at the current pace)")
    ja_card = card.assign(kgi="売上", kgi_outlook="未達の見込み")  # as a Japanese scorecard.csv writes it
    assert scorecard_summary_lines(ja_card, "ja")[0].endswith(
        "。KGI「売上」：未達の見込み（今のペースでは期限時点で目標の85%）"
    )
    # an older scorecard without the KGI columns still reads
    assert scorecard_summary_lines(card[["id", "status", "previous_status"]], "en") == [
        "Scorecard: 1 on track (no status changed since last month)"
    ]


# ----------------------------------------------------------------------------- moving with a falling KGI


def _history(kpi_values, kgi_values) -> pd.DataFrame:
    months = pd.period_range("2026-01", periods=len(kgi_values), freq="M")
    rows = [(m, "ret", v) for m, v in zip(months, kpi_values)] + [(m, "rev", v) for m, v in zip(months, kgi_values)]
    return pd.DataFrame(rows, columns=["month", "goal", "value"]).assign(note="")


def test_a_kpi_falling_with_a_falling_kgi_moved_with_it_and_is_not_replaced(sample_ds):
    tree = purchase_tree(deadline="2026-12")
    # both fall in step for 10 months: r = +1 in the KPI's better direction, the KGI fell by 90 (1,000 -> 910)
    h = _history(np.linspace(2000, 1500, 10), np.linspace(1000, 910, 10))
    smart = smart_check(tree, sample_ds, h, "2026-10")
    row = smart.iloc[0]
    assert (row["R"], row["R_code"], round(row["correlation"], 2)) == ("pass", "related", 1.0)
    assert row["kgi_change"] == pytest.approx(-90.0)  # the KGI worsened: the KPI moved with it, it did not improve
    rules = act_recommendations(tree, pd.DataFrame(columns=["goal", "month", "status", "attainment"]), smart,
                                pd.DataFrame(columns=["check", "status"]), "2026-10")  # fmt: skip
    assert rules.empty  # no "consider replacing" for a KPI that moved with the KGI


# ----------------------------------------------------------------------------- below target with no action


def _statuses(status: str, attainment: float) -> pd.DataFrame:
    months = pd.period_range("2026-08", "2026-10", freq="M")
    return pd.DataFrame({"goal": "ret", "month": months, "status": status, "attainment": attainment})


@pytest.mark.parametrize(
    ("status", "attainment", "flagged"),
    [("at risk", 0.949, True), ("off track", 0.80, True), ("on track", 0.99, False), ("achieved", 1.02, False)],
)
def test_a_kpi_below_its_target_with_no_open_action_is_flagged(status, attainment, flagged):
    tree = purchase_tree(deadline="2026-12")
    smart = pd.DataFrame({"goal": ["ret"], "correlation": [0.8], "correlation_n": [12]})
    rules = pd.DataFrame(columns=["rule", "goal", "recommendation", "evidence"])
    plan = act_plan(tree, rules, _statuses(status, attainment), smart, None, "2026-10").iloc[0]
    assert bool(plan["no_open_action"]) is flagged
    assert plan["recommendation"] == (Recommendation.START if flagged else Recommendation.KEEP)
    # an open action on the KPI takes the flag away
    actions = pd.DataFrame({"action_id": ["A1"], "kpi": ["returning_buyers"], "status": ["open"],
                            "start_date": pd.to_datetime(["2026-09-01"])})  # fmt: skip
    plan = act_plan(tree, rules, _statuses(status, attainment), smart, actions, "2026-10").iloc[0]
    assert not plan["no_open_action"] and plan["recommendation"] == Recommendation.KEEP
    assert Status(status)  # the statuses above are the review's codes


# ----------------------------------------------------------------------------- the plan's anchor, owners in Japanese


def test_the_baseline_is_the_anchor_the_tree_declares():
    tree = purchase_tree(deadline="1998-12", path={"start": 1450, "start_month": "1998-04"})
    tree = parse_kpi_tree(
        {"kgi": {"id": "rev", "name": "R", "metric": "revenue_12m", "target": 1e6, "deadline": "1998-12"},
         "plan_start": "1998-04",
         "kfs": [{"id": "f", "name": "F", "kpis": [
             {"id": "ret", "metric": "returning_buyers", "target": 1800, "owner": "CRM team", "owner_ja": "CRM担当",
              "deadline": "1998-12", "cadence": "monthly", "path": {"start": 1450, "start_month": "1998-04"}},
             {"id": "rate", "metric": "repeat_purchase_rate", "target": 0.65, "owner": "CRM team",
              "deadline": "1998-12", "cadence": "monthly"}]}]}
    )  # fmt: skip
    # March 1998 (2,058) was a one-off peak: the tree anchors returning buyers at 1,450 in April
    h = pd.DataFrame(
        {"month": pd.PeriodIndex(["1998-03", "1998-03"], freq="M"), "goal": ["ret", "rate"], "value": [2058.0, 0.613]}
    )
    b = plan_baselines(tree, h)
    assert (str(b.loc["ret", "month"]), b.loc["ret", "value"], b.loc["ret", "source"]) == ("1998-04", 1450.0, "path")
    assert (str(b.loc["rate", "month"]), b.loc["rate", "value"], b.loc["rate", "source"]) == ("1998-03", 0.613, "data")
    ret = tree.kpi("ret")
    assert (ret.display_owner("ja"), ret.display_owner("en"), tree.kpi("rate").display_owner("ja")) == (
        "CRM担当",
        "CRM team",
        "CRM team",
    )

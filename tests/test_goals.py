"""Goals and the review: KPI tree errors, target paths, SMART known answers, attainment, status, Act rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from playbook import DataValidationError
from playbook.review.codes import TreeCheck
from playbook.review.goals import (
    KPIGoal,
    best_sustained_change,
    goal_history,
    load_kpi_tree,
    parse_kpi_tree,
    smart_check,
    target_path,
    target_paths,
    tree_checks,
)
from playbook.review.scorecard import act_recommendations, action_effects, attainment, scorecard, status, status_history
from tests.conftest import SAMPLE

TH = {"achieved": 1.0, "on_track": 0.95, "at_risk": 0.85}


def tree_dict(**changes) -> dict:
    data = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = value
    return data


def kpi_entry(**fields) -> dict:
    base = {
        "id": "k1",
        "metric": "logo_churn_rate",
        "target": 0.02,
        "owner": "Sato",
        "deadline": "2027-03",
        "cadence": "monthly",
    }
    return base | fields


def error(data) -> str:
    with pytest.raises(DataValidationError) as info:
        parse_kpi_tree(data)
    return str(info.value)


# ----------------------------------------------------------------------------- the YAML


def test_the_sample_tree_loads():
    tree = load_kpi_tree(SAMPLE / "kpi_tree.yaml")
    assert tree.kgi.target == 500_000_000 and str(tree.kgi.deadline) == "2027-03"
    assert [k.id for k in tree.kpis] == [
        "onboarding_done",
        "logo_churn",
        "grr",
        "nrr",
        "cross_sell",
        "first_response",
        "nps",
    ]
    assert str(tree.plan_start) == "2026-04" and tree.thresholds["on_track"] == 0.95


def test_an_unknown_metric_id_lists_the_known_ids():
    message = error(tree_dict(kfs=[{"id": "f", "name": "F", "kpis": [kpi_entry(metric="churn")]}]))
    assert message.startswith(
        "kpi_tree.yaml, entry 'kfs[0].kpis[0] (k1)': unknown metric id 'churn'; known ids: mrr, arr,"
    )
    assert "\n" not in message  # one error for one bad entry


def test_a_kpi_without_a_kfs_is_refused():
    message = error(tree_dict(kpis=[kpi_entry(id="orphan")]))
    assert (
        "entry 'kpis[0] (orphan)': KPI 'orphan' is not under a KFS (known KFS: ['expansion', 'onboarding', 'retention', 'voice'])"
        in message
    )


def test_a_malformed_deadline_is_refused():
    message = error(tree_dict(kfs=[{"id": "f", "kpis": [kpi_entry(deadline="March 2027")]}]))
    assert "deadline 'March 2027' is not a month (expected YYYY-MM)" in message


def test_a_duplicate_id_is_refused():
    message = error(tree_dict(kfs=[{"id": "f", "kpis": [kpi_entry(), kpi_entry(metric="nrr", target=1.0)]}]))
    assert "duplicate id 'k1' (also kfs[0].kpis[0] (k1))" in message


def test_a_non_numeric_target_is_refused():
    message = error(tree_dict(kfs=[{"id": "f", "kpis": [kpi_entry(target="two percent")]}]))
    assert "target 'two percent' is not a number" in message


def test_every_bad_entry_is_reported_at_once():
    message = error(
        tree_dict(kfs=[{"id": "f", "kpis": [kpi_entry(target="x"), kpi_entry(id="k2", cadence="daily")]}], colour="red")
    )
    assert message.startswith("3 problems in the input")
    assert "unknown key 'colour'" in message and "cadence 'daily' is not one of ['weekly', 'monthly']" in message


def test_yaml_is_read_safely(tmp_path):
    bad = tmp_path / "tree.yaml"
    bad.write_text("kgi: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="not valid YAML"):
        load_kpi_tree(bad)


# ----------------------------------------------------------------------------- targets


def test_target_paths_from_a_list_a_ramp_the_baseline_or_flat():
    months = pd.period_range("2026-03", "2026-07", freq="M")
    g = KPIGoal("x", "nps", 30.0, "higher", "me", pd.Period("2026-06", "M"), "monthly", "f")
    assert target_path(g, months).tolist() == [30.0] * 5  # no path, no plan start: flat
    # from the baseline 10 in 2026-03 (the month before the plan starts) to 30 in 2026-06
    ramp = target_path(g, months, plan_start=pd.Period("2026-04", "M"), baseline=10.0).round(4).tolist()
    assert ramp == [10.0, 16.6667, 23.3333, 30.0, 30.0]
    listed = KPIGoal("x", "nps", 30.0, "higher", "me", pd.Period("2026-06", "M"), "monthly", "f", path=[12, 18, 25])
    assert target_path(listed, months, plan_start=pd.Period("2026-04", "M")).tolist()[1:] == [12.0, 18.0, 25.0, 30.0]


# ----------------------------------------------------------------------------- SMART


def _history(goal_values: dict, kgi_values, months) -> pd.DataFrame:
    rows = [(m, g, v) for g, vals in goal_values.items() for m, v in zip(months, vals)]
    rows += [(m, "arr_goal", v) for m, v in zip(months, kgi_values)]
    h = pd.DataFrame(rows, columns=["month", "goal", "value"])
    return h.assign(metric="", numerator=np.nan, denominator=np.nan, n=1, note="")


def _tree(*entries, **extra):
    return parse_kpi_tree(tree_dict(kfs=[{"id": "f", "name": "F", "kpis": list(entries)}], **extra))


def test_smart_flags_a_target_that_needs_three_times_the_best_pace(make_folder, sample_ds):
    months = pd.period_range("2026-01", "2026-10", freq="M")
    # NPS rose exactly 1 point a month; from 9 to 39 by 2027-01 needs 10 a month: 10x the best 3-month pace
    nps = list(range(10))
    tree = _tree(
        kpi_entry(id="n", metric="nps", target=39, deadline="2027-01"),
        kpi_entry(id="m", metric="nps", target=12, deadline="2027-01"),
    )
    smart = smart_check(tree, sample_ds, _history({"n": nps, "m": nps}, np.arange(10), months), "2026-10").set_index(
        "goal"
    )
    n = smart.loc["n"]
    assert (n["A"], n["A_code"], n["needed"], n["best_pace"], n["months_left"]) == ("warn", "stretch", 10.0, 1.0, 3)
    # 9 -> 12 in 3 months needs 1 a month: the best pace, so achievable
    assert smart.loc["m", "A"] == "pass"


def test_smart_flags_a_target_already_met_as_too_easy(sample_ds):
    months = pd.period_range("2026-01", "2026-10", freq="M")
    tree = _tree(kpi_entry(id="c", metric="logo_churn_rate", target=0.05))
    smart = smart_check(tree, sample_ds, _history({"c": [0.03] * 10}, np.arange(10), months), "2026-10").set_index(
        "goal"
    )
    assert (smart.loc["c", "A"], smart.loc["c", "A_code"], smart.loc["c", "baseline"]) == ("warn", "too easy", 0.03)


def test_smart_measurable_time_bound_and_related(make_folder, sample_ds):
    from playbook import load_dataset

    months = pd.period_range("2026-01", "2026-10", freq="M")
    tree = _tree(kpi_entry(id="u", metric="mau", target=100, deadline="2026-09"))
    smart = smart_check(
        tree, load_dataset(make_folder()), _history({"u": [np.nan] * 10}, np.arange(10), months), "2026-10"
    )
    row = smart.iloc[0]
    assert (row["M"], row["M_code"], row["missing_tables"]) == ("fail", "missing table", ("usage",))
    assert (row["T"], row["T_code"]) == ("fail", "passed")
    # a KPI that moves against the KGI in step is related (|r| = 1)
    tree = _tree(kpi_entry(id="c", metric="logo_churn_rate", target=0.01))
    smart = smart_check(tree, sample_ds, _history({"c": np.linspace(0.05, 0.02, 10)}, np.arange(10), months), "2026-10")
    row = smart.iloc[0]  # logo churn falls (better) while the ARR KGI rises: +1 in its better direction
    assert (row["R"], row["R_code"], round(row["correlation"], 2), row["correlation_n"]) == ("pass", "related", 1.0, 10)


def test_best_sustained_change_respects_the_direction():
    s = pd.Series([0.05, 0.04, 0.045, 0.03, 0.035])
    # lower is better: the best 3-month fall is 0.05 -> 0.03, 0.00667 a month
    assert round(best_sustained_change(s, direction="lower"), 5) == 0.00667


def test_tree_checks_warn_about_too_many_kpis_and_no_short_horizon_kpi():
    long_horizon = [
        kpi_entry(id=f"k{i}", metric=m, target=1.0)
        for i, m in enumerate(["nrr", "grr", "arr", "mrr", "arpa", "ltv", "cac", "crc"])
    ]
    checks = tree_checks(_tree(*long_horizon)).set_index("check")
    assert checks.loc[TreeCheck.KPI_COUNT, ["status", "n", "limit"]].tolist() == ["warn", 8, 7]
    assert checks.loc[TreeCheck.SHORT_HORIZON, ["status", "ids"]].tolist() == ["warn", ()]
    fine = tree_checks(load_kpi_tree(SAMPLE / "kpi_tree.yaml")).set_index("check")
    assert (fine["status"] == "pass").all()


# ----------------------------------------------------------------------------- attainment and status


def test_attainment_is_direction_aware():
    assert attainment([90.0], [100.0], "higher").tolist() == [0.9]
    assert attainment([0.025], [0.02], "lower").round(4).tolist() == [0.8]  # churn above its target
    assert attainment([0.015], [0.02], "lower").round(4).tolist() == [1.3333]
    assert np.isnan(attainment([5.0], [0.0], "higher")[0])


@pytest.mark.parametrize(
    "att,expected",
    [
        (1.0, "achieved"),
        (0.99999, "on track"),
        (0.95, "on track"),
        (0.94999, "at risk"),
        (0.85, "at risk"),
        (0.84999, "off track"),
    ],
)
def test_status_thresholds_at_their_edges(att, expected):
    assert status([att], [1.0], [1.0], "higher", TH).tolist() == [expected]


def test_status_without_data_or_target_and_with_an_undefined_ratio():
    assert status([np.nan], [np.nan], [1.0], "higher", TH).tolist() == ["no data"]
    assert status([np.nan], [1.0], [np.nan], "higher", TH).tolist() == ["no target"]
    # NPS target -5: the ratio means nothing, the comparison decides
    assert status([np.nan, np.nan], [0.0, -10.0], [-5.0, -5.0], "higher", TH).tolist() == ["achieved", "off track"]


def test_an_incomplete_month_is_never_scored(sample_ds):
    tree = load_kpi_tree(SAMPLE / "kpi_tree.yaml")
    months = pd.period_range("2026-06", "2026-10", freq="M")
    h = goal_history(sample_ds, tree, months)
    with pytest.raises(DataValidationError, match="2026-11 has no complete data to score"):
        scorecard(tree, h, target_paths(tree, h, months), "2026-11")


# ----------------------------------------------------------------------------- Act rules


def _act(values: list[float], target: float, direction: str = "higher", kgi=None):
    months = pd.period_range("2026-01", "2026-10", freq="M")
    metric = (
        "onboarding_completion_rate" if direction == "higher" else "first_response_hours"
    )  # short horizon: the tree rules stay quiet
    tree = _tree(kpi_entry(id="k", metric=metric, target=target, direction=direction, deadline="2027-03"))
    h = _history({"k": values}, np.arange(10) if kgi is None else kgi, months)
    targets = pd.DataFrame({"k": [target] * 10}, index=months)
    smart = pd.DataFrame(
        {
            "goal": ["k"],
            "correlation": [np.corrcoef(values, np.arange(10) if kgi is None else kgi)[0, 1]],
            "R_reason": ["under KFS f; moved with the KGI metric: r = x"],
        }
    )
    checks = tree_checks(tree)
    return act_recommendations(tree, status_history(tree, h, targets), smart, checks, "2026-10")


def test_off_track_for_three_months_asks_to_revise_the_plan():
    # attainment 80%, 79%, 78% (below 85%); the KGI fell with it, so the KPI is still related to it
    values = [1.0] * 7 + [0.80, 0.79, 0.78]
    rules = _act(values, 1.0, kgi=[v + 0.01 * i for i, v in enumerate(values)])
    assert rules["rule"].tolist() == ["off track 3 months"]
    ev = rules["evidence"].item()
    assert (str(ev["from"]), str(ev["to"]), ev["floor"]) == ("2026-08", "2026-10", 0.85)
    assert [round(a, 2) for a in ev["attainment"]] == [0.80, 0.79, 0.78]


def test_a_wide_margin_for_three_months_asks_to_raise_the_target():
    rules = _act([0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.05, 1.12, 1.15, 1.2], 1.0)
    assert rules["rule"].tolist() == ["wide margin 3 months"]
    ev = rules["evidence"].item()
    assert [round(a, 2) for a in ev["attainment"]] == [1.12, 1.15, 1.2] and ev["margin"] == pytest.approx(1.1)


def test_a_kpi_that_does_not_move_with_the_kgi_is_flagged():
    rules = _act([0.99, 1.0, 0.99, 1.0, 0.99, 1.0, 0.99, 1.0, 0.99, 1.0], 1.0, kgi=[1, 1, 2, 2, 3, 3, 4, 4, 5, 5.5])
    assert "not moving with the KGI" in rules["rule"].tolist()


def test_relatedness_counts_the_sign_a_kpi_s_better_direction_gives_it(sample_ds):

    # the KGI (MRR, higher is better) rises 1..12; a higher-is-better KPI that falls as it rises moved against it
    # (r = -1): flagged; a lower-is-better KPI that falls as it rises improved with it (r = -1 -> +1): related
    months = pd.period_range("2025-11", "2026-10", freq="M")
    falling = list(np.linspace(0.9, 0.5, 12))
    for metric, direction, related in [
        ("onboarding_completion_rate", "higher", False),
        ("first_response_hours", "lower", True),
    ]:
        tree = _tree(kpi_entry(id="k", metric=metric, target=0.5, direction=direction, deadline="2027-03"))
        smart = smart_check(tree, sample_ds, _history({"k": falling}, np.arange(1, 13), months), "2026-10")
        row = smart.set_index("goal").loc["k"]
        assert row["correlation"] == pytest.approx(1.0 if related else -1.0)
        assert (row["R"] == "pass") == related  # act_recommendations reads this signed correlation


def test_a_neutral_history_triggers_no_rule():
    # steadily improving, within 10% of the target, moving with the KGI
    assert _act([0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.01, 1.02, 1.03, 1.04], 1.0).empty


def test_tree_rules_fire_for_too_many_kpis_and_no_short_horizon_kpi():
    months = pd.period_range("2026-01", "2026-10", freq="M")
    entries = [
        kpi_entry(id=f"k{i}", metric=m, target=1.0)
        for i, m in enumerate(["nrr", "grr", "arr", "mrr", "arpa", "ltv", "cac", "crc"])
    ]
    tree = _tree(*entries)
    targets = pd.DataFrame({e["id"]: [1.0] * 10 for e in entries}, index=months)
    h = _history({e["id"]: [1.0] * 10 for e in entries}, np.arange(10), months)
    smart = pd.DataFrame({"goal": [e["id"] for e in entries], "correlation": np.nan, "R_reason": ""})
    rules = act_recommendations(tree, status_history(tree, h, targets), smart, tree_checks(tree), "2026-10")
    assert set(rules["rule"]) == {"too many KPIs", "no short-horizon KPI"}


def test_action_effects_compare_the_kpi_before_and_since():
    months = pd.period_range("2026-01", "2026-10", freq="M")
    kpis = pd.DataFrame({"month": months, "kpi": "logo_churn_rate", "value": [0.04] * 5 + [0.03] * 5})
    actions = pd.DataFrame(
        {
            "action_id": ["A1", "A2"],
            "kpi": ["logo_churn_rate", "logo_churn_rate"],
            "action": ["calls", "late"],
            "owner": ["Sato", "Ito"],
            "status": ["open", "open"],
            "start_date": pd.to_datetime(["2026-06-01", "2026-10-15"]),
        }
    )
    out = action_effects(actions, kpis, "2026-10").set_index("action_id")
    # A1: before = mean(Mar-May) 0.04, since = mean(Jun-Oct) 0.03 -> churn fell: improved
    assert out.loc["A1", "before"] == 0.04 and out.loc["A1", "since"] == 0.03 and out.loc["A1", "verdict"] == "improved"
    assert out.loc["A2", "verdict"] == "too early"


def test_consecutive_months_show_the_change_in_status():
    from playbook.report.goal_views import build_scorecard
    from playbook.run.notebook import open_review

    sep, oct_ = (
        build_scorecard(open_review(month=m, data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml"))
        for m in ("2026-09", "2026-10")
    )
    # October's "previous status" is September's status, KPI by KPI
    assert oct_.set_index("id")["previous_status"].to_dict() == sep.set_index("id")["status"].to_dict()
    assert (oct_["status"] != oct_["previous_status"]).any()  # the sample has some movement


# ----------------------------------------------------------------------------- drivers and early warnings


@pytest.fixture
def small_company(make_folder):
    """The conftest company (00123 pays 10,000 from 2026-01-05; A2 pays 20,000 from 01-20 to 02-14; A3 50,000 from 02-03)
    with usage, one NPS answer and data up to 2026-04-30."""
    sessions = (
        ["00123,u1,2026-01-10"] * 10
        + ["00123,u1,2026-02-10"] * 10
        + ["00123,u1,2026-03-10"] * 10
        + ["00123,u1,2026-04-10"] * 2
    )
    sessions += [f"A3,u3,2026-0{m}-12" for m in (2, 3, 4) for _ in range(8)]
    from playbook import load_dataset

    return load_dataset(
        make_folder(
            {
                "usage.csv": "account_id,user_id,date\n" + "\n".join(sessions) + "\n",
                "surveys.csv": "account_id,date,survey,score\nA3,2026-03-15,nps,3\n",
                "dataset.yaml": "as_of: 2026-04-30\n",
            }
        )
    )


def test_early_warnings_name_their_reasons_and_rank_by_signs_then_mrr(small_company):
    from playbook.review.scorecard import early_warnings

    w = early_warnings(small_company, "2026-04")
    # 00123: 2 sessions in April vs 10 a month before (below half); A3: an NPS detractor (3) in March
    assert w["account_id"].tolist() == ["A3", "00123"]  # one sign each: the larger MRR first
    assert w["nps_score"].tolist()[0] == 3 and np.isnan(w["nps_score"].tolist()[1])
    assert w["sessions"].tolist()[1] == 2 and w["sessions_before"].tolist()[1] == 10 and np.isnan(w["sessions"][0])
    assert w["signs"].tolist() == [1, 1]


def test_segment_drivers_pool_three_months(small_company):
    from playbook.review.scorecard import segment_drivers

    d = segment_drivers(small_company, "2026-04", "region").set_index("region")
    # Feb-Apr: Kanto (00123) starts 3 months, never churns; NA (A2) starts February and churns; Kansai (A3) starts Mar and Apr
    assert d.loc["Kanto", "customers_start"] == 3 and d.loc["Kanto", "logo_churn_rate"] == 0.0
    assert d.loc["NA", "logo_churn_rate"] == 1.0 and d.loc["NA", "nrr"] == 0.0
    assert d.loc["Kansai", "customers_start"] == 2 and d.loc["Kansai", "nrr"] == 1.0
    with pytest.raises(DataValidationError, match="no accounts column 'colour'"):
        segment_drivers(small_company, "2026-04", "colour")


def test_biggest_moves_rank_by_the_size_of_the_change(small_company):
    from playbook.review.scorecard import biggest_moves

    m = biggest_moves(small_company, "2026-02")
    assert m["account_id"].tolist() == ["A3", "A2"] and m["move"].tolist() == ["new", "churned"]
    assert m["change"].tolist() == [50000.0, -20000.0]


# ----------------------------------------------------------------------------- segments (issue 11, point 5)

SEG_ACCOUNTS = """account_id,signup_date,owner,acquisition_cost
a1,2026-01-05,Sato,20000
a2,2026-01-10,Ito,30000
a3,2026-01-20,Ito,40000
a4,2026-02-03,Sato,40000
"""
SEG_SUBSCRIPTIONS = """subscription_id,account_id,start_date,mrr
s1,a1,2026-01-05,10000
s2,a2,2026-01-10,20000
s3,a3,2026-01-20,30000
s4,a4,2026-02-03,10000
"""
SEG_COSTS = """month,category,amount
2026-01,sales_marketing,90000
2026-01,cost_of_revenue,12000
2026-01,customer_success,6000
2026-02,sales_marketing,50000
2026-02,cost_of_revenue,14000
2026-02,customer_success,6000
"""
SEG_TRIALS = "trial_id,start_date,converted_date,account_id\nt1,2026-01-02,2026-01-05,a1\nt2,2026-01-03,,\n"


@pytest.fixture
def seg_folder(make_folder):
    def make(**extra):
        files = {
            "accounts.csv": SEG_ACCOUNTS,
            "subscriptions.csv": SEG_SUBSCRIPTIONS,
            "dataset.yaml": "as_of: 2026-02-28\n",
        }
        return make_folder(files | extra)

    return make


def _kpi_values(ds, kpis) -> pd.DataFrame:
    from playbook.kpis.catalog import compute_kpis

    return compute_kpis(ds, months=["2026-01", "2026-02"], kpis=kpis).pivot(
        index="month", columns="kpi", values="value"
    )


def test_a_segment_never_divides_company_costs_by_its_own_customers(seg_folder):
    from playbook import load_dataset
    from playbook.kpis.catalog import compute_kpis
    from playbook.review.goals import segment_dataset

    ds = load_dataset(seg_folder(**{"costs.csv": SEG_COSTS, "trials.csv": SEG_TRIALS}))
    company = _kpi_values(ds, ["new_customers", "cac", "gross_margin", "crc"])
    # the company: January 90,000 sales and marketing / 3 new customers (a1, a2, a3) = 30,000; February 50,000 / 1 (a4)
    assert company["cac"].tolist() == [30000.0, 50000.0]
    assert company["gross_margin"].iloc[0] == (60000 - 12000) / 60000  # MRR 10,000 + 20,000 + 30,000
    sato = segment_dataset(ds, {"owner": "Sato"})
    assert sato.segment == {"owner": "Sato"} and sorted(sato.accounts["account_id"]) == ["a1", "a4"]
    assert len(sato.costs) == len(ds.costs) and len(sato.trials) == 2  # company-level tables stay whole
    k = compute_kpis(sato, months=["2026-01", "2026-02"]).set_index(["month", "kpi"])
    jan = pd.Period("2026-01", "M")
    # Sato's new customers split (a1 in January); the old CAC was 90,000 / 1 = 90,000, three times the company's
    assert k.loc[(jan, "new_customers"), "value"] == 1.0
    for kpi_id, table in [
        ("cac", "costs"),
        ("gross_margin", "costs"),
        ("ltv", "costs"),
        ("ltv_to_cac", "costs"),
        ("cac_payback_months", "costs"),
        ("crc", "costs"),
        ("trial_conversion_rate", "trials"),
    ]:
        row = k.loc[(jan, kpi_id)]
        assert np.isnan(row["value"]) and row["note"] == f"company-level: not split by segment (uses {table})", kpi_id
    # every KPI that reads only account-level tables is computed as before
    assert k.loc[(jan, "mrr"), "value"] == 10000.0 and k.loc[(jan, "arpa"), "note"] == ""


def test_without_costs_the_segment_cac_comes_from_its_accounts(seg_folder):
    from playbook import load_dataset
    from playbook.review.goals import segment_dataset

    ds = load_dataset(seg_folder())
    # no costs table: CAC = mean acquisition_cost of the month's new accounts, an account-level input
    assert _kpi_values(ds, ["cac"])["cac"].tolist() == [30000.0, 40000.0]  # (20,000 + 30,000 + 40,000) / 3; a4
    sato = _kpi_values(segment_dataset(ds, {"owner": "Sato"}), ["cac", "ltv_to_cac"])
    assert sato["cac"].tolist() == [20000.0, 40000.0]  # a1; a4


def test_the_unavailable_table_names_company_level_kpis_in_both_languages(seg_folder):
    from playbook import load_dataset
    from playbook.kpis.catalog import compute_kpis
    from playbook.report.kpi_views import unavailable_kpis
    from playbook.review.goals import segment_dataset

    ds = load_dataset(seg_folder(**{"costs.csv": SEG_COSTS}))
    k = compute_kpis(segment_dataset(ds, {"owner": "Ito"}), months=["2026-02"], kpis=["mrr", "cac", "mau"])
    en = unavailable_kpis(k, "2026-02")
    assert en.iloc[:, 0].tolist() == ["CAC", "MAU"]
    assert en.iloc[:, 1].tolist() == [
        "company-level: not split by segment (uses costs)",
        "not available (table usage missing)",
    ]
    ja = unavailable_kpis(k, "2026-02", lang="ja")
    assert ja.iloc[0, 1] == "全社単位の指標のためセグメント別には出せません（costs を使用）"
    company = unavailable_kpis(compute_kpis(ds, months=["2026-02"], kpis=["cac"]), "2026-02")  # the company
    assert company.data == "Every KPI of the catalog could be computed."


def test_a_segmented_goal_carries_the_company_level_reason_into_its_history(seg_folder):
    from playbook import load_dataset

    ds = load_dataset(seg_folder(**{"costs.csv": SEG_COSTS}))
    tree = _tree(
        kpi_entry(id="sato_cac", metric="cac", target=25000, direction="lower", segment={"owner": "Sato"}),
        kpi_entry(id="sato_new", metric="new_customers", target=2, direction="higher", segment={"owner": "Sato"}),
    )
    h = goal_history(ds, tree, ["2026-01", "2026-02"]).set_index(["goal", "month"])
    assert h.loc["sato_cac", "value"].isna().all()
    assert (h.loc["sato_cac", "note"] == "company-level: not split by segment (uses costs)").all()
    assert h.loc["sato_new", "value"].tolist() == [1.0, 1.0]  # a1 in January, a4 in February
    smart = smart_check(tree, ds, h.reset_index(), "2026-02").set_index("goal")
    cac = smart.loc["sato_cac"]
    assert (cac["M"], cac["M_code"], cac["M_note"]) == (
        "fail",
        "no baseline",
        "company-level: not split by segment (uses costs)",
    )


def test_which_tables_a_kpi_reads_decides_whether_a_segment_can_split_it(sample_ds):
    from playbook.kpis.catalog import kpi
    from playbook.review.goals import segment_dataset

    assert kpi("cac").inputs(sample_ds) == ["subscriptions", "costs"]
    assert kpi("trial_conversion_rate").company_inputs(sample_ds) == ["trials"]
    assert kpi("nrr").company_inputs(sample_ds) == []
    assert kpi("cac").unavailable_reason(sample_ds) is None  # the whole company
    sato = segment_dataset(sample_ds, {"owner": "Sato"})
    nested = segment_dataset(sato, {"plan": "Enterprise"})
    assert nested.segment == {"owner": "Sato", "plan": "Enterprise"} and segment_dataset(sample_ds, {}) is sample_ds
    assert kpi("cac").unavailable_reason(sato) == "company-level: not split by segment (uses costs)"
    assert kpi("nrr").unavailable_reason(sato) is None


def test_action_effects_within_the_usual_move_a_cohort_lag_and_a_dropped_action_without_measurement():
    months = pd.period_range("2025-01", "2026-10", freq="M")
    # logo churn wobbles 0.030 / 0.032 (usual move 0.002) before the action of 2026-06: 0.031 -> 0.0302 is within it
    churn = [0.030, 0.032] * 8 + [0.031] * 2 + [0.0302] * 4
    # onboarding completion is reported two months late, for the cohort named in the note: the jump to 0.7 is the
    # cohort of 2026-04, which signed up before the webinar of 2026-06 -> not credited to it
    onboarding = [0.4] * 17 + [0.7] * 5
    notes = [f"cohort {m - 2}" for m in months]
    # NPS measured in 2025-10 and 2026-04 only; the detractor calls ran 2025-11 to 2026-03 and were dropped
    nps = [np.nan] * 22
    nps[9], nps[15] = -8.6, 10.4
    kpis = pd.concat(
        [
            pd.DataFrame({"month": months, "kpi": "logo_churn_rate", "value": churn, "note": ""}),
            pd.DataFrame({"month": months, "kpi": "onboarding_completion_rate", "value": onboarding, "note": notes}),
            pd.DataFrame({"month": months, "kpi": "nps", "value": nps, "note": ""}),
        ]
    )
    actions = pd.DataFrame(
        {
            "action_id": ["calls", "webinar", "detractors"],
            "kpi": ["logo_churn_rate", "onboarding_completion_rate", "nps"],
            "action": ["", "", ""],
            "owner": ["", "", ""],
            "status": ["open", "open", "dropped"],
            "start_date": pd.to_datetime(["2026-06-01", "2026-06-01", "2025-11-01"]),
            "due_date": pd.to_datetime(["2026-12-31", "2026-12-31", "2026-03-31"]),
        }
    )
    out = action_effects(actions, kpis, "2026-10").set_index("action_id")
    assert out.loc["calls", "band"] == pytest.approx(0.002) and out.loc["calls", "verdict"] == "no change"
    # the webinar: cohorts 2026-03..05 before (0.4, 0.7, 0.7) and 2026-06..08 since (0.7): measured by cohort month
    assert out.loc["webinar", "before"] == pytest.approx(0.6) and out.loc["webinar", "since"] == pytest.approx(0.7)
    assert out.loc["detractors", "verdict"] == "no data"  # no survey while it ran


def test_before_the_plan_starts_no_kpi_has_a_target_and_a_sparse_kpi_ramps_from_its_last_value():
    from playbook.review.goals import target_paths

    # plan_start 2026-04; NPS measured in 2025-10 (-8.6) and 2026-04 only: its ramp starts from -8.6 in 2026-03
    # (the last value in the 12 months before the plan), and every month before 2026-04 has no target
    tree = _tree(kpi_entry(id="n", metric="nps", target=30.0, deadline="2027-03"), plan_start="2026-04")
    months = pd.period_range("2025-06", "2026-10", freq="M")
    nps = [np.nan] * len(months)
    nps[4], nps[10] = -8.6, 8.4
    targets = target_paths(tree, _history({"n": nps}, np.arange(len(months)), months), months)["n"]
    assert targets[targets.index < pd.Period("2026-04", "M")].isna().all()
    # 12 months from 2026-03 to 2027-03: -8.6 + (30 + 8.6) x 1/12 in 2026-04
    assert targets[pd.Period("2026-04", "M")] == pytest.approx(-8.6 + 38.6 / 12)

"""The at-risk list and the onboarding track: who is on them must agree with the data behind them."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from playbook.analyses.renewals import next_renewal
from playbook.data.paths import SAMPLE_DIR
from playbook.report.context import ReviewContext
from playbook.report.customer_views import HealthView, onboarding_progress, save_customer_tables


@pytest.fixture(scope="module")
def view(sample_ds):
    ctx = ReviewContext(ds=sample_ds, month=pd.Period("2026-10", "M"), lang="en", data_dir=SAMPLE_DIR, kpi_tree=None)
    return HealthView(ctx)


def test_new_accounts_are_on_the_onboarding_track_not_in_a_red_band(view, sample_ds):
    now = view.now.set_index("account_id")
    signup = sample_ds.accounts.set_index("account_id")["signup_date"].reindex(now.index)
    young = signup > pd.Timestamp("2026-10-31") - pd.Timedelta(days=60)
    # the accounts that signed up 18-24 October (the issue's four red newcomers) are among them
    assert young[signup.between("2026-10-18", "2026-10-24")].all() and young.sum() >= 4
    assert (now.loc[young, "band"] == "onboarding").all() and not (now.loc[~young, "band"] == "onboarding").any()
    at_risk = view.at_risk_accounts()
    assert not set(at_risk.index) & set(now.index[young])
    assert set(view.onboarding_accounts().index) == set(now.index[young])


def test_every_account_on_the_list_is_red_or_in_the_top_decile_of_risk_and_the_list_is_complete(view):
    rows = view.at_risk_accounts()
    now = view.now.set_index("account_id")
    scored = now[now["band"] != "onboarding"]
    risk = view.predictions[view.predictions["month"] == view.ctx.month].set_index("account_id")["risk"]
    risk = risk.reindex(scored.index)
    expected = scored.index[(scored["band"] == "red") | (risk >= risk.quantile(0.9))]
    assert set(rows.index) == set(expected) and len(rows) > 20  # complete, not cut to the table's length
    assert (rows["red"] == (rows["band"] == "red")).all()
    assert rows["mrr"].is_monotonic_decreasing
    text = view.at_risk_count(20)
    assert f"**20 of {len(rows)}**" in text and "at_risk.csv" in text and f"all {len(rows)}" in text
    assert len(view.at_risk(20)) == 20


def test_the_run_writes_the_full_lists_as_csv(view, tmp_path):
    written = save_customer_tables(view.ctx, view, str(tmp_path))
    assert written == ["at_risk.csv", "onboarding.csv", "rfm_segments.csv"]
    at_risk = pd.read_csv(tmp_path / "at_risk.csv", dtype={"account_id": str}, keep_default_na=False)
    rows = view.at_risk_accounts()
    assert at_risk["account_id"].tolist() == rows.index.tolist()
    assert {"CSM", "MRR", "why", "next renewal"} <= set(at_risk.columns)
    assert at_risk["MRR"].sum() == pytest.approx(rows["mrr"].sum())
    assert (at_risk["why"] != "").all()
    # the renewal date is there where an annual contract is known, blank otherwise
    known = rows["next_renewal"].notna()
    assert known.any() and (~known).any()
    assert (at_risk.loc[known.to_numpy(), "next renewal"] != "").all()
    onboarding = pd.read_csv(tmp_path / "onboarding.csv", dtype={"account_id": str})
    assert len(onboarding) == len(view.onboarding_accounts())


def test_onboarding_progress_counts_distinct_milestones_and_overdue_ones():
    # account a signed up 2026-10-01, measured on 2026-10-20 (19 days later):
    # setup done (listed twice: counted once), first_project due after 7 days and not done: overdue,
    # invite_team due after 30 days: not yet overdue; b: every milestone done, nothing overdue
    ob = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "a", "b", "b"],
            "milestone": ["setup", "setup", "first_project", "invite_team", "setup", "first_project"],
            "completed_date": pd.to_datetime(["2026-10-02", "2026-10-03", None, None, "2026-10-05", "2026-10-06"]),
            "due_days": [3, 3, 7, 30, 3, 7],
        }
    )
    signup = pd.Series(pd.to_datetime(["2026-10-01", "2026-10-04"]), index=["a", "b"])
    p = onboarding_progress(ob, signup, pd.Timestamp("2026-10-20"))
    assert p.loc["a", ["done", "milestones", "overdue_count", "overdue"]].tolist() == [1, 3, 1, "first_project"]
    assert p.loc["b", ["done", "milestones", "overdue_count", "overdue"]].tolist() == [2, 2, 0, ""]


def test_overdue_milestones_are_listed_in_the_order_of_the_onboarding_table():
    # c misses three milestones (in table order: invite_team, setup, first_project), d one; e none
    ob = pd.DataFrame(
        {
            "account_id": ["c", "d", "c", "c", "e"],
            "milestone": ["invite_team", "setup", "setup", "first_project", "setup"],
            "completed_date": pd.to_datetime([None, None, None, None, "2026-09-02"]),
            "due_days": [3, 3, 3, 3, 3],
        }
    )
    signup = pd.Series(pd.to_datetime(["2026-09-01"] * 3), index=["c", "d", "e"])
    p = onboarding_progress(ob, signup, pd.Timestamp("2026-10-20"))
    assert p["overdue"].to_dict() == {"c": "invite_team, setup, first_project", "d": "setup", "e": ""}
    assert p["overdue_count"].to_dict() == {"c": 3, "d": 1, "e": 0}


def test_next_renewal_is_the_next_anniversary_of_an_active_annual_contract():
    subs = pd.DataFrame(
        {
            "account_id": ["leap", "ended", "monthly", "two", "two"],
            "billing_period": ["annual", "annual", "monthly", "annual", "annual"],
            "start_date": pd.to_datetime(["2024-02-29", "2025-01-10", "2026-01-01", "2025-12-01", "2026-03-01"]),
            "end_date": pd.to_datetime([None, "2026-06-30", None, None, None]),
            "mrr": [10.0, 20.0, 30.0, 40.0, 50.0],
        }
    )
    r = next_renewal(subs, "2026-10-31").set_index("account_id")
    # leap: 29 Feb renews on 28 Feb in 2027; ended: not active; monthly: renews every month, no date to plan;
    # two: the earliest of its annual contracts (2026-12-01), with that contract's MRR only
    assert r.index.tolist() == ["leap", "two"]
    assert r.loc["leap", "next_renewal"] == pd.Timestamp("2027-02-28")
    assert r.loc["two", ["next_renewal", "renewing_mrr"]].tolist() == [pd.Timestamp("2026-12-01"), 40.0]


# --------------------------------------------------------------------------- the Japanese report

ENGLISH_RUN = re.compile(r"[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+")  # three English words in a row
RAW_MONTH = re.compile(r"\b\d{4}-\d{2}\b")  # 2026-10: a ja text writes 2026年10月


def _english(*texts: str) -> list[str]:
    return [t for t in texts if ENGLISH_RUN.search(t) or RAW_MONTH.search(t)]


def _words(table: pd.DataFrame) -> list[str]:
    cells = [str(v) for v in table.to_numpy().ravel() if isinstance(v, str)]
    return [str(c) for c in table.columns] + [str(i) for i in table.index] + cells


@pytest.fixture(scope="module")
def view_ja(sample_ds):
    ctx = ReviewContext(ds=sample_ds, month=pd.Period("2026-10", "M"), lang="ja", data_dir=SAMPLE_DIR, kpi_tree=None)
    return HealthView(ctx)


def test_the_japanese_health_page_holds_no_english_sentence_and_no_raw_month(view_ja):
    sentences = [view_ja.backtest_text(), view_ja.model_text(), view_ja.at_risk_count(), view_ja.onboarding_count()]
    assert all(sentences) and _english(*sentences) == []
    assert "検証しました" in sentences[0] and "要注意顧客 **" in sentences[2] and "`at_risk.csv`" in sentences[2]
    tables = [
        view_ja.distribution(),
        view_ja.backtest_by_horizon(),
        view_ja.calibration_table(),
        view_ja.coefficient_table(),
        view_ja.at_risk(),
        view_ja.onboarding(),
    ]
    for table in tables:
        assert _english(*_words(table)) == []
    assert view_ja.backtest_by_horizon().columns.tolist() == ["赤", "黄", "緑"]
    at_risk = view_ja.at_risk()
    # the components that pulled an account down and its renewal, in Japanese; ids as they are
    assert at_risk.columns.tolist() == ["顧客名", "担当CSM", "MRR", "理由", "低下要因", "次回更新日"]
    assert (
        at_risk["低下要因"].str.contains("利用頻度").any() and not at_risk["低下要因"].str.contains("frequency").any()
    )
    assert at_risk["次回更新日"].str.fullmatch(r"\d{4}/\d{2}/\d{2}|–").all()
    assert view_ja.onboarding()["期限超過"].str.contains("メンバー招待").any()


def test_a_weak_model_s_fit_problems_are_worded_in_japanese(view_ja):
    from playbook.analyses.risk import FitIssue, FitMessage

    messages = [
        FitMessage(FitIssue.FEW_EVENTS, {"events": 12, "non_events": 900, "features": 11, "per_feature": 1.1}),
        FitMessage(FitIssue.DROPPED, {"features": ["frequency_score", "voice_missing"]}),
        FitMessage(FitIssue.SEPARATION, {"features": ["annual"], "rows": 40, "observations": 900}),
        FitMessage(FitIssue.NOT_CONVERGED, {"method": "mle", "iterations": 100}),
        FitMessage(FitIssue.REGULARISED, {"prior_sd": 2.5}),
    ]
    words = [view_ja._fit_message(m) for m in messages]
    assert all(words) and _english(*words) == []
    assert "利用頻度スコア、6か月間NPS回答なし" in words[1] and "100回反復" in words[3]


def test_the_japanese_csv_lists_have_japanese_headers_and_values_and_the_same_numbers(view, view_ja, tmp_path):
    en, ja = tmp_path / "en", tmp_path / "ja"
    en.mkdir(), ja.mkdir()
    save_customer_tables(view.ctx, view, str(en))
    written = save_customer_tables(view_ja.ctx, view_ja, str(ja))
    assert written == ["at_risk.csv", "onboarding.csv", "rfm_segments.csv"]
    latin = re.compile(r"[a-z]")  # a header may keep acronyms (MRR, CSM, ID, R/F/M), not English words
    for name in written:
        a = pd.read_csv(en / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        b = pd.read_csv(ja / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert a.shape == b.shape, name
        assert not [c for c in b.columns if latin.search(c)], name
        assert b.iloc[:, 0].tolist() == a.iloc[:, 0].tolist()  # the ids, unchanged
        assert b["MRR" if "MRR" in b else "購入金額"].tolist() == a["MRR" if "MRR" in a else "spend"].tolist()
        text_cols = [c for c in b.columns if b[c].str.contains(r"[^\x00-\x7f]").any() and c not in ("顧客名",)]
        assert _english(*[v for c in text_cols for v in b[c]]) == [], name
    at_risk = pd.read_csv(ja / "at_risk.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert at_risk.columns.tolist()[:3] == ["顧客ID", "顧客名", "担当CSM"]
    assert at_risk["理由"].str.startswith(("ヘルススコア赤", "解約リスク上位10%")).all()
    assert not at_risk["低下要因"].str.contains("[a-z]").any()
    rfm = pd.read_csv(ja / "rfm_segments.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert {"優良顧客", "離反顧客"} <= set(rfm["セグメント"])

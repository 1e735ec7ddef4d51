"""Renewals: contract terms in the data contract, term ends, renewal rates, the calendar and its views."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from playbook.analyses.renewals import renewal_calendar, renewal_windows
from playbook.data.dataset import load_dataset
from playbook.data.errors import DataValidationError
from playbook.data.paths import SAMPLE_DIR
from playbook.kpis.catalog import compute_kpis
from playbook.kpis.renewals import contract_ends, renewal_outcomes, renewal_rates

T = pd.Timestamp


def _subs(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols).assign(
        start_date=lambda d: pd.to_datetime(d["start_date"]), end_date=lambda d: pd.to_datetime(d["end_date"])
    )


def test_term_ends_are_derived_from_annual_starts_with_known_answers():
    subs = _subs(
        account_id=["leap", "mid", "churn", "monthly"],
        billing_period=["annual", "annual", "annual", "monthly"],
        start_date=["2024-02-29", "2025-01-31", "2024-06-10", "2024-01-01"],
        end_date=[None, "2026-03-15", "2026-06-09", None],
        mrr=[10.0, 20.0, 30.0, 40.0],
    )
    ends = contract_ends(subs, "2024-01-01", "2026-12-31")
    got = ends.groupby("account_id")["contract_end"].apply(lambda s: [f"{d:%Y-%m-%d}" for d in s]).to_dict()
    # leap: the day before 28 Feb each year (29 Feb 2024 has no anniversary in 2025/2026);
    # mid: 2026-01-30 ends a term, then the row ends mid-term on 2026-03-15 (no end in that term);
    # churn: terms end 2025-06-09 and 2026-06-09, the row's last day; monthly: no terms
    assert got == {
        "leap": ["2025-02-27", "2026-02-27"],
        "mid": ["2026-01-30"],
        "churn": ["2025-06-09", "2026-06-09"],
    }


def test_a_given_contract_end_date_anchors_the_terms_and_overrides_billing():
    subs = _subs(
        account_id=["a", "b"],
        billing_period=["monthly", "annual"],
        start_date=["2024-04-01", "2024-05-20"],
        end_date=[None, None],
        mrr=[100.0, 50.0],
        contract_end_date=pd.to_datetime(["2027-03-31", None]),
    )
    ends = contract_ends(subs, "2025-01-01", "2026-12-31")
    # a: a monthly-billed annual contract ending 31 March (given); b: derived from its start (19 May)
    assert [f"{d:%Y-%m-%d}" for d in ends.loc[ends["account_id"] == "a", "contract_end"]] == [
        "2025-03-31",
        "2026-03-31",
    ]
    assert [f"{d:%Y-%m-%d}" for d in ends.loc[ends["account_id"] == "b", "contract_end"]] == [
        "2025-05-19",
        "2026-05-19",
    ]


def test_renewal_rates_on_a_hand_built_case():
    # three accounts whose annual contracts end in 2026-03; judged at the end of 2026-04, ARR before at end of 2026-02
    subs = _subs(
        account_id=["lost", "grew", "shrank", "later"],
        billing_period=["annual"] * 4,
        start_date=["2025-03-10", "2025-03-02", "2025-03-31", "2025-06-01"],
        end_date=["2026-03-09", None, None, None],
        mrr=[100.0, 50.0, 50.0, 10.0],
    )
    snaps = pd.DataFrame(
        {
            "account_id": ["lost", "grew", "shrank", "later", "grew", "shrank", "later"],
            "month": pd.PeriodIndex(["2026-02"] * 4 + ["2026-04"] * 3, freq="M"),
            "mrr": [100.0, 50.0, 50.0, 10.0, 80.0, 40.0, 10.0],
        }
    )
    rates = renewal_rates(renewal_outcomes(subs, snaps, ["2026-03"]), ["2026-03"]).iloc[0]
    # logo: 2 of 3 still pay at the end of April = 0.667 ("later" ends in May, not counted)
    # ARR before = 12 x (100 + 50 + 50) = 2400; kept (capped) = 12 x (0 + min(80, 50) + min(40, 50)) = 1080 -> 0.45
    # uncapped = 12 x (0 + 80 + 40) / 2400 = 0.6
    assert (rates["contracts"], rates["renewed"]) == (3, 2)
    assert rates["logo_rate"] == pytest.approx(2 / 3)
    assert (rates["arr_before"], rates["arr_kept"]) == (2400.0, 1080.0)
    assert rates["arr_rate"] == pytest.approx(0.45)
    assert rates["arr_rate_uncapped"] == pytest.approx(0.6)


def test_an_outcome_is_pending_until_the_month_after():
    subs = _subs(account_id=["a"], billing_period=["annual"], start_date=["2025-10-15"], end_date=[None], mrr=[10.0])
    snaps = pd.DataFrame({"account_id": ["a"], "month": pd.PeriodIndex(["2026-09"], freq="M"), "mrr": [10.0]})
    rates = renewal_rates(renewal_outcomes(subs, snaps, ["2026-10"]), ["2026-10"]).iloc[0]
    assert rates["contracts"] == 1 and pd.isna(rates["renewed"]) and np.isnan(rates["logo_rate"])


def test_calendar_windows_notice_deadline_and_expected_arr():
    subs = _subs(
        account_id=["soon", "later", "far"],
        billing_period=["annual"] * 3,
        start_date=["2025-11-20", "2026-01-10", "2024-06-01"],
        end_date=[None, None, None],
        mrr=[100.0, 200.0, 300.0],
        auto_renew=pd.array([True, False, pd.NA], dtype="boolean"),
        notice_days=pd.array([30, 60, pd.NA], dtype="Int64"),
    )
    health = pd.DataFrame({"account_id": ["soon", "later"], "band": ["red", "green"], "risk": [0.5, 0.1]})
    cal = renewal_calendar(subs, "2026-10-31", days=180, health=health).set_index("account_id")
    # soon: ends 2026-11-19 (19 days, window 30), notice 30 days -> 2026-10-20; later: 2027-01-09 (70 days, window 90)
    assert cal.loc["soon", ["days_left", "window"]].tolist() == [19, 30]
    assert cal.loc["soon", "notice_deadline"] == T("2026-10-20")
    assert cal.loc["later", ["days_left", "window"]].tolist() == [70, 90]
    assert "far" not in cal.index  # ends 2027-05-31, beyond 180 days
    w = renewal_windows(cal.reset_index()).set_index("days")
    # 90 days: 12 x (100 x (1 - 0.5) + 200 x (1 - 0.1)) = 12 x 230 = 2760 of 3600
    assert w.loc[90, ["contracts", "arr", "expected_arr"]].tolist() == [2, 3600.0, 2760.0]


def _write(tmp_path, **extra):
    (tmp_path / "accounts.csv").write_text("account_id,signup_date\nA1,2025-01-01\n", encoding="utf-8")
    cols = ",".join(extra)
    vals = ",".join(extra.values())
    (tmp_path / "subscriptions.csv").write_text(
        f"account_id,start_date,mrr,billing_period,{cols}\nA1,2025-01-01,100,annual,{vals}\n", encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("contract_end_date", "2025-13-40", "not a date"),
        ("contract_end_date", "2024-12-31", "contract_end_date before start_date"),
        ("auto_renew", "maybe", "not true/false"),
        ("notice_days", "-30", "negative value"),
        ("notice_days", "30.5", "not a whole number"),
    ],
)
def test_bad_contract_terms_are_refused_naming_file_column_rule_and_value(tmp_path, column, value, rule):
    with pytest.raises(DataValidationError) as err:
        load_dataset(_write(tmp_path, **{column: value}))
    problem = next(p for p in err.value.problems if p.column == column)
    assert problem.file == "subscriptions.csv" and rule in problem.rule
    assert any(value in e for e in problem.examples)


def test_good_contract_terms_are_read_with_their_types(tmp_path):
    ds = load_dataset(_write(tmp_path, contract_end_date="2025-12-31", auto_renew="yes", notice_days="60"))
    s = ds.subscriptions
    assert (s["contract_end_date"].iloc[0], bool(s["auto_renew"].iloc[0]), int(s["notice_days"].iloc[0])) == (
        T("2025-12-31"),
        True,
        60,
    )


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE_DIR)


def test_the_sample_terms_agree_with_the_ones_derived_from_annual_plans(sample):
    s = sample.subscriptions
    given = contract_ends(s, "2023-11-01", "2027-12-31")
    derived = contract_ends(s.drop(columns=["contract_end_date"]), "2023-11-01", "2027-12-31")
    assert len(given) > 100
    pd.testing.assert_frame_equal(
        given[["account_id", "contract_end", "row"]], derived[["account_id", "contract_end", "row"]]
    )
    assert (
        s.loc[s["billing_period"] == "monthly", ["contract_end_date", "auto_renew", "notice_days"]].isna().all().all()
    )


def test_the_renewal_kpis_report_last_months_contracts(sample):
    k = compute_kpis(sample, months=["2026-10"], kpis=["logo_renewal_rate", "arr_renewal_rate"]).set_index("kpi")
    assert k.loc["logo_renewal_rate", "note"] == "cohort 2026-09"
    assert k.loc["logo_renewal_rate", ["numerator", "denominator"]].tolist() == [3.0, 7.0]
    assert 0 < k.loc["arr_renewal_rate", "value"] <= 1


def test_without_contract_terms_the_kpis_are_not_available(sample):
    import dataclasses

    bare = dataclasses.replace(
        sample, subscriptions=sample.subscriptions.drop(columns=["billing_period", "contract_end_date"])
    )
    k = compute_kpis(bare, months=["2026-10"], kpis=["logo_renewal_rate"])
    assert k["value"].isna().all() and k["note"].iloc[0].startswith("not available")


@pytest.fixture(scope="module")
def views():
    import playbook as pb
    from playbook.report.renewal_views import RenewalView

    return {lang: RenewalView(pb.open_review(month="2026-10", data_dir=SAMPLE_DIR, lang=lang)) for lang in ("en", "ja")}


def test_the_japanese_views_have_no_english_sentence_and_write_months_the_japanese_way(views, tmp_path):
    v = views["ja"]
    text = v.expected_text() + v.rates_note()
    assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", text)
    assert "2026年10月" in v.rates_note()
    rates = v.rates_table()
    assert rates.index[-1] == "2026年10月" and "判定待ち" in rates.iloc[-1].tolist()
    assert list(v.calendar_table(30).columns)[:3] == ["顧客", "担当CSM", "ARR"]
    assert v.save(str(tmp_path)) == ["renewals.csv"]
    header = (tmp_path / "renewals.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("顧客ID,顧客,担当CSM,ARR,契約終了日")


def test_the_english_expected_text_states_the_method_or_why_there_is_none(views):
    # without a health view there is no churn risk: no expected ARR, said so
    assert "no expected renewal ARR" in views["en"].expected_text()
    assert views["en"].windows["contracts"].tolist() == [11, 22, 31, 74]


# --------------------------------------------------------------------------- multi-year terms (term_months)


def test_24_and_36_month_terms_with_known_answers_feb_29_and_month_end_starts():
    subs = _subs(
        account_id=["leap24", "end36", "aug6", "given24", "annual"],
        billing_period=["annual", "monthly", "monthly", "annual", "annual"],
        term_months=[24, 36, 6, 24, None],
        start_date=["2024-02-29", "2025-01-31", "2025-08-31", "2023-05-10", "2025-03-31"],
        end_date=[None, None, "2026-12-31", None, None],
        mrr=[10.0, 20.0, 30.0, 40.0, 50.0],
    )
    subs["contract_end_date"] = pd.to_datetime([None, None, None, "2027-05-09", None])
    ends = contract_ends(subs, "2024-01-01", "2030-12-31")
    got = ends.groupby("account_id")["contract_end"].apply(lambda s: [f"{d:%Y-%m-%d}" for d in s]).to_dict()
    # leap24: renewals 2026-02-28 (no 29th in 2026), 2028-02-29 (leap), 2030-02-28: each term ends the day before
    # end36: a monthly-billed 36-month contract from 31 Jan 2025: renewals 2028-01-31 -> ends 2028-01-30
    # aug6: 6-month terms from 31 Aug 2025: renewals 2026-02-28 (Feb's last day), 2026-08-31; the row ends 2026-12-31
    # given24: anchored on its contract_end_date 2027-05-09, every 24 months both ways: 2025-05-09, 2029-05-09
    #   (2023-05-09 is before its start); annual without term_months: 12 months, 31 Mar -> ends 30 Mar
    assert got == {
        "leap24": ["2026-02-27", "2028-02-28", "2030-02-27"],
        "end36": ["2028-01-30"],
        "aug6": ["2026-02-27", "2026-08-30"],
        "given24": ["2025-05-09", "2027-05-09", "2029-05-09"],
        "annual": ["2026-03-30", "2027-03-30", "2028-03-30", "2029-03-30", "2030-03-30"],
    }
    assert ends.set_index("account_id")["term_months"].groupby(level=0).first().to_dict() == {
        "aug6": 6, "annual": 12, "end36": 36, "given24": 24, "leap24": 24,
    }  # fmt: skip


def test_a_monthly_row_without_a_term_has_no_contract_end():
    from playbook.kpis.renewals import contract_terms

    subs = _subs(
        account_id=["m"], billing_period=["monthly"], term_months=[None], start_date=["2025-01-01"],
        end_date=[None], mrr=[10.0],
    )  # fmt: skip
    assert contract_ends(subs, "2025-01-01", "2027-12-31").empty
    assert contract_terms(subs)[["has_terms", "term_months"]].iloc[0].tolist() == [False, 12]


# --------------------------------------------------------------------------- passed notice deadlines


def test_the_calendar_flags_passed_notice_deadlines_and_words_them_in_both_languages():
    from playbook.report.renewal_views import _notice

    subs = _subs(
        account_id=["locked", "open", "today", "manual", "silent"],
        billing_period=["annual"] * 5,
        start_date=["2025-11-20", "2026-01-10", "2025-12-30", "2025-11-25", "2025-12-05"],
        end_date=[None] * 5,
        mrr=[100.0, 200.0, 300.0, 400.0, 500.0],
        auto_renew=pd.array([True, True, True, False, pd.NA], dtype="boolean"),
        notice_days=pd.array([30, 60, 60, 30, 90], dtype="Int64"),
    )
    cal = renewal_calendar(subs, "2026-10-31", days=180).set_index("account_id")
    # locked: ends 2026-11-19, notice 30 days -> deadline 2026-10-20, before 2026-10-31: renews automatically
    # open: ends 2027-01-09, 60 days -> 2026-11-10, still ahead -> open
    # today: ends 2026-12-29, 60 days -> 2026-10-30, the day before the review date -> passed_auto
    # manual: auto_renew False -> manual whatever its deadline; silent: ends 2026-12-04 - 90 = 2026-09-05, passed,
    #   auto_renew unknown -> passed
    assert cal.loc["locked", "notice_deadline"] == T("2026-10-20")
    assert cal.loc["today", "notice_deadline"] == T("2026-10-30")
    assert cal["notice_status"].to_dict() == {
        "locked": "passed_auto", "today": "passed_auto", "silent": "passed", "manual": "manual", "open": "open",
    }  # fmt: skip
    # a deadline on the review day itself is still open
    edge = renewal_calendar(subs, "2026-10-30", days=180).set_index("account_id")
    assert edge.loc["today", "notice_status"] == "open"
    assert _notice("passed_auto", T("2026-10-20"), "en") == "notice period passed: renews automatically"
    assert _notice("open", T("2026-11-10"), "en") == "cancellable until 2026-11-10"
    assert _notice("open", T("2026-11-10"), "ja") == "2026/11/10まで解約可能"
    assert _notice("passed_auto", T("2026-10-20"), "ja") == "通知期限経過：自動更新"
    assert _notice(None, pd.NaT, "ja") == "–"


def test_the_sample_calendar_shows_the_notice_status_in_the_table_and_the_csv(views, tmp_path):
    cal = views["en"].calendar
    assert set(cal["notice_status"]) <= {"open", "passed_auto", "passed", "manual", "unknown"}
    assert (cal["notice_status"] == "passed_auto").any() and (cal["notice_status"] == "open").any()
    passed = cal["notice_deadline"] < T("2026-10-31")
    assert (cal.loc[passed & cal["auto_renew"].fillna(False).astype(bool), "notice_status"] == "passed_auto").all()
    ja = views["ja"].calendar_table(180)
    assert "解約可否" in ja.columns and ja["解約可否"].str.contains("自動更新|解約可能|合意").all()
    views["ja"].save(str(tmp_path))
    header = (tmp_path / "renewals.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "解約可否" in header


def test_an_account_renews_automatically_only_when_every_contract_renewing_that_day_does():
    # each account holds two annual contracts started the same day, so both end on 2026-11-19:
    # both auto -> True; auto and manual -> False; auto and unknown -> unknown; manual and unknown -> unknown
    # (not known to be manual for every contract: the calendar does not guess)
    subs = _subs(
        account_id=["both", "both", "mixed", "mixed", "half", "half", "none", "none"],
        billing_period=["annual"] * 8,
        start_date=["2025-11-20"] * 8,
        end_date=[None] * 8,
        mrr=[100.0, 50.0, 200.0, 20.0, 300.0, 30.0, 400.0, 40.0],
        auto_renew=pd.array([True, True, True, False, True, pd.NA, False, pd.NA], dtype="boolean"),
        notice_days=pd.array([30, 60, 30, 30, 30, 30, 30, 90], dtype="Int64"),
    )
    cal = renewal_calendar(subs, "2026-10-31", days=90).set_index("account_id")
    auto = {k: None if pd.isna(v) else bool(v) for k, v in cal["auto_renew"].items()}
    assert auto == {"both": True, "mixed": False, "half": None, "none": None}
    assert cal["arr"].to_dict() == {"both": 1800.0, "mixed": 2640.0, "half": 3960.0, "none": 5280.0}  # 12 x (a + b)
    assert cal.loc["both", "notice_days"] == 60  # the longest notice of the contracts

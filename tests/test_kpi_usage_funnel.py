"""Known answers: MAU, DAU, stickiness, session time, feature adoption, seats, onboarding, trials, funnel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis import funnel, usage

FEB = pd.PeriodIndex(["2026-02"], freq="M")

USAGE = pd.DataFrame(
    {
        "account_id": ["a", "a", "a", "b", "b"],
        "user_id": ["u1", "u1", "u2", "u3", "u3"],
        "date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-02-02", "2026-02-28", "2026-03-01"]),
        "feature": ["tasks", "reports", "tasks", "tasks", "tasks"],
        "session_seconds": [600.0, 300.0, 900.0, 60.0, 60.0],
    }
)


def test_mau_dau_and_stickiness():
    # February: u1 on the 1st (twice), u2 on the 2nd, u3 on the 28th (the last day counts in February)
    assert usage.mau(USAGE, FEB)["value"].item() == 3
    assert usage.dau(USAGE, FEB)["value"].item() == 3 / 28  # 1 + 1 + 1 user-days over 28 days
    assert usage.stickiness(USAGE, FEB)["value"].item() == (3 / 28) / 3
    assert usage.active_accounts(USAGE, FEB)["value"].item() == 2


def test_session_minutes_and_feature_adoption():
    # (600 + 300 + 900 + 60) seconds / 4 sessions / 60 = 7.75 minutes
    assert usage.avg_session_minutes(USAGE, FEB)["value"].item() == 7.75
    fa = usage.feature_adoption(USAGE, FEB).set_index("feature")["value"].to_dict()
    assert fa == {"reports": 1 / 3, "tasks": 1.0}


def test_empty_month_gives_nan_with_a_reason():
    jan = pd.PeriodIndex(["2026-01"], freq="M")
    assert usage.mau(USAGE, jan)["value"].item() == 0
    out = usage.stickiness(USAGE, jan)
    assert np.isnan(out["value"].item()) and out["note"].item() == "no active users in the month"


def test_seat_utilisation_counts_users_licensed_at_month_end():
    users = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4", "u5"],
            "created_date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-10", "2026-01-01", "2026-03-05"]),
            "deactivated_date": pd.to_datetime([None, None, None, "2026-02-15", None]),
        }
    )
    # licensed on 2026-02-28: u1, u2, u3 (u4 left, u5 not yet) -> 3 active / 3 licensed
    assert usage.seat_utilisation(USAGE, users, FEB)["value"].item() == 1.0


def test_onboarding_completion_uses_closed_cohorts_and_every_required_milestone():
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "signup_date": pd.to_datetime(["2026-01-03", "2026-01-10", "2026-01-31", "2026-02-01"]),
        }
    )
    ob = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b", "c"],
            "milestone": ["setup", "invite", "setup", "invite", "setup"],
            "completed_date": pd.to_datetime(["2026-01-04", "2026-02-02", "2026-01-11", "2026-02-10", "2026-02-01"]),
        }
    )
    out = usage.onboarding_completion_rate(ob, acc, pd.PeriodIndex(["2026-03", "2026-04"], freq="M"))
    # March reports the January cohort (30-day windows: lag of 2 months, all closed by 2026-03-02):
    # a finished on day 30 (in time), b on day 31 (late), c never did "invite" -> 1 of 3
    assert out["note"].tolist() == ["cohort 2026-01", "cohort 2026-02"]
    assert out["value"].iloc[0] == 1 / 3 and out["denominator"].iloc[0] == 3
    # April reports February: d has no milestones at all -> 0 of 1
    assert out["value"].iloc[1] == 0.0
    # with only "setup" required, a, b and c are all done in time
    only_setup = usage.onboarding_completion_rate(ob, acc, pd.PeriodIndex(["2026-03"], freq="M"), required=["setup"])
    assert only_setup["value"].item() == 1.0


def test_every_cohort_is_reported_exactly_once():
    from playbook.kpis.ratios import report_cohort

    months = pd.period_range("2025-01", "2026-12", freq="M")
    for days in (7, 30, 45, 60, 90):
        cohorts = report_cohort(months, days)
        assert cohorts.is_unique and (np.diff(cohorts.asi8) == 1).all()
        # and every member's window has closed by the end of the report month
        assert ((cohorts.end_time.normalize() + pd.Timedelta(days=days)) <= months.end_time.normalize()).all()


def test_trial_conversion_counts_only_conversions_within_the_window():
    t = pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2026-01-05", "2026-01-10", "2026-01-20", "2026-01-25"]),
            "converted_date": pd.to_datetime(["2026-02-04", "2026-02-10", None, "2026-01-30"]),
        }
    )
    out = funnel.trial_conversion_rate(t, pd.PeriodIndex(["2026-03"], freq="M"), days=30)
    # March reports the January trials: 30 days (counts), 31 days (too late), never, 5 days -> 2 of 4
    assert out["note"].item() == "cohort 2026-01" and out["value"].item() == 0.5
    longer = funnel.trial_conversion_rate(t, pd.PeriodIndex(["2026-04"], freq="M"), days=60)
    assert longer["note"].item() == "cohort 2026-01" and longer["value"].item() == 0.75


def test_funnel_conversion_by_step_and_overall_sums_channels():
    f = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-02"] * 6, freq="M"),
            "stage": ["visitors", "trials", "customers"] * 2,
            "channel": ["web"] * 3 + ["partner"] * 3,
            "count": [900, 40, 8, 100, 10, 2],
        }
    )
    out = funnel.conversion_rate(f, FEB).set_index("step")
    assert (
        out.loc["trials", "value"] == 0.05
        and out.loc["customers", "value"] == 0.2
        and out.loc["overall", "value"] == 0.01
    )
    empty = funnel.conversion_rate(f, pd.PeriodIndex(["2026-03"], freq="M")).set_index("step")
    assert empty.loc["trials", "note"] == "no visitors in the month"


# --------------------------------------------------------------------------- issue 11, point 11: what data/README.md promises


def test_onboarded_counts_distinct_milestones_not_rows():
    acc = pd.DataFrame({"account_id": ["a", "b"], "signup_date": pd.to_datetime(["2026-02-01", "2026-02-01"])})
    ob = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b"],
            "milestone": ["setup", "setup", "setup", "invite"],
            "completed_date": pd.to_datetime(["2026-02-02", "2026-02-03", "2026-02-02", "2026-02-05"]),
        }
    )
    # required = {setup, invite}: a did setup twice but never invited (2 rows, 1 milestone), b did both
    assert usage.onboarded(ob, acc).tolist() == [False, True]


SUBS = pd.DataFrame(
    {
        "account_id": ["a", "a", "b", "b", "c", "d"],
        "product": ["Workspace", "Analytics", "Workspace", "Workspace", "Workspace", "Workspace"],
        "seats": pd.array([10, 0, 5, 2, 4, pd.NA], dtype="Int64"),
        "start_date": pd.to_datetime(
            ["2026-01-01", "2026-01-01", "2026-01-01", "2026-02-15", "2026-01-01", "2026-01-01"]
        ),
        "end_date": pd.to_datetime([None, None, "2026-02-14", None, "2026-01-31", None]),
    }
)
SEAT_USAGE = pd.DataFrame(
    {
        "account_id": ["a"] * 3 + ["b"] * 3 + ["c", "d", "d"],
        "user_id": ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"],
        "date": pd.to_datetime(["2026-02-03"] * 9),
    }
)


def test_account_seat_utilisation_sums_the_seats_live_at_month_end():
    t = usage.account_seat_utilisation(SUBS, SEAT_USAGE, "2026-02")
    # 2026-02-28: a has 10 + 0 (add-on) seats and 3 users; b moved from 5 to 2 seats on 02-15 and has 3 users;
    # c's subscription ended 01-31 and d has no seat count: neither is listed
    assert t.to_dict("list") == {
        "account_id": ["a", "b"],
        "seats": [10, 2],
        "active_users": [3, 3],
        "utilisation": [0.3, 1.5],
    }


def test_paid_seat_utilisation_caps_each_account_at_its_seats():
    months = pd.PeriodIndex(["2025-12", "2026-01", "2026-02"], freq="M")
    out = usage.paid_seat_utilisation(SUBS, SEAT_USAGE, months)
    # February: min(3, 10) + min(3, 2) = 5 used of 10 + 2 = 12 seats; b's third user does not fill a's empty seats
    assert out["numerator"].tolist()[1:] == [0.0, 5.0] and out["denominator"].tolist()[1:] == [19.0, 12.0]
    assert out["value"].iloc[2] == 5 / 12 and out["n"].tolist() == [0, 3, 2]
    # January: a 10 + b 5 + c 4 seats live on 01-31 (an end date is the last day of access), nobody active
    assert out["value"].iloc[1] == 0.0
    assert np.isnan(out["value"].iloc[0]) and out["note"].iloc[0] == "no paid seats at month end"
    assert out["value"].dropna().between(0, 1).all()


def test_milestones_on_time_counts_the_milestones_due_in_the_month():
    acc = pd.DataFrame({"account_id": ["a", "b"], "signup_date": pd.to_datetime(["2026-01-30", "2026-02-10"])})
    ob = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b", "z"],
            "milestone": ["setup", "invite", "integrate", "setup", "invite", "setup"],
            "completed_date": pd.to_datetime(["2026-02-02", "2026-02-25", "2026-02-20", None, None, "2026-02-01"]),
            "due_days": pd.array([3, 14, 30, 3, pd.NA, 3], dtype="Int64"),
        }
    )
    out = usage.milestones_on_time(ob, acc, pd.PeriodIndex(["2026-02", "2026-03", "2026-04"], freq="M"))
    # due in February: a setup on 02-02 (done that day: on time), a invite on 02-13 (done 02-25: late),
    # b setup on 02-13 (never done) -> 1 of 3. b invite has no due_days, z is not an account: left out.
    # due in March: a integrate on 03-01 (done early, 02-20) -> 1 of 1.
    assert out["numerator"].tolist()[:2] == [1.0, 1.0] and out["denominator"].tolist()[:2] == [3.0, 1.0]
    assert out["value"].tolist()[:2] == [1 / 3, 1.0]
    assert np.isnan(out["value"].iloc[2]) and out["note"].iloc[2] == "no onboarding milestones due in the month"


TTFV_ACC = pd.DataFrame(
    {"account_id": ["a", "b", "c"], "signup_date": pd.to_datetime(["2026-01-20", "2026-02-01", "2026-02-02"])}
)
TTFV_OB = pd.DataFrame(
    {
        "account_id": ["a", "a", "b", "b", "c", "c"],
        "milestone": ["setup", "project"] * 3,
        "completed_date": pd.to_datetime(["2026-01-21", "2026-02-05", "2026-02-02", "2026-02-09", "2026-02-03", None]),
    }
)


def test_time_to_first_value_by_default_is_onboarding_done():
    out = usage.time_to_first_value(TTFV_OB, TTFV_ACC, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))
    # first value = every milestone done: a on 02-05 (16 days after 01-20), b on 02-09 (8 days), c never -> February
    # median (16 + 8) / 2 = 12 over 2 accounts; nobody finished in January
    assert out["value"].iloc[1] == 12.0 and out["n"].tolist() == [0, 2]
    assert np.isnan(out["value"].iloc[0]) and out["note"].iloc[0] == "no account reached first value in the month"


def test_time_to_first_value_of_a_named_milestone():
    out = usage.time_to_first_value(
        TTFV_OB, TTFV_ACC, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"), milestone="setup"
    )
    # setup: a on 01-21 (1 day, January); b on 02-02 and c on 02-03 (1 day each, February)
    assert out["value"].tolist() == [1.0, 1.0] and out["n"].tolist() == [1, 2]
    none = usage.time_to_first_value(TTFV_OB, TTFV_ACC, pd.PeriodIndex(["2026-02"], freq="M"), milestone="golive")
    assert np.isnan(none["value"].item()) and none["n"].item() == 0


ONBOARDING_CSV = """account_id,milestone,completed_date,due_days
00123,setup,2026-01-06,3
00123,project,2026-02-04,14
A2,setup,2026-02-01,3
A2,project,,14
A3,setup,2026-02-05,3
A3,project,2026-02-10,14
"""


def test_the_catalog_reads_the_first_value_milestone_setting(make_folder):
    from playbook import load_dataset
    from playbook.kpis.catalog import compute_kpis

    def ttfv(settings: str) -> pd.DataFrame:
        ds = load_dataset(make_folder({"onboarding.csv": ONBOARDING_CSV, "dataset.yaml": settings}))
        return compute_kpis(ds, months=["2026-01", "2026-02"], kpis=["time_to_first_value"])

    # default: onboarding done. 00123 on 02-04 (30 days after 01-05), A3 on 02-10 (7 days after 02-03); A2 not done
    default = ttfv("as_of: 2026-02-28\n")
    assert default["value"].iloc[1] == 18.5 and default["note"].iloc[1] == ""
    # setup: 00123 on 01-06 (1 day) in January; A2 12 days (01-20 -> 02-01) and A3 2 days in February: median 7
    setup = ttfv("as_of: 2026-02-28\nfirst_value_milestone: setup\n")
    assert setup["value"].tolist() == [1.0, 7.0] and setup["note"].tolist() == ["first value = setup"] * 2
    typo = ttfv("as_of: 2026-02-28\nfirst_value_milestone: go_live\n")
    assert typo["value"].isna().all()
    assert typo["note"].iloc[0] == (
        "not available (first_value_milestone 'go_live' of dataset.yaml is not a milestone in onboarding)"
    )

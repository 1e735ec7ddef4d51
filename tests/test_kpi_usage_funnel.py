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

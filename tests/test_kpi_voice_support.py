"""Known answers: NPS, CSAT, CES, support rating, comment themes, FCR, escalation, first response."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook.kpis import support, voice

JAN_FEB = pd.PeriodIndex(["2026-01", "2026-02"], freq="M")


def surveys(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["survey", "score", "date", "touchpoint", "comment"])
    return df.assign(date=pd.to_datetime(df["date"]))


@pytest.mark.parametrize(
    "scores,expected",
    [
        ([6, 7, 8, 9], 0.0),  # the scale edges: 6 detractor, 7-8 passive, 9 promoter
        ([9, 10, 10, 0], 50.0),  # 3 promoters - 1 detractor over 4
        ([7, 8], 0.0),  # passives only count in the denominator
        ([0, 6], -100.0),
        ([10], 100.0),
    ],
    ids=["edges-6-7-8-9", "mixed", "passives", "all-detractors", "one-promoter"],
)
def test_nps_known_answers(scores, expected):
    assert voice.nps(pd.DataFrame({"score": scores}))["nps"].item() == expected


def test_nps_by_group_counts_each_group():
    out = voice.nps(pd.DataFrame({"score": [10, 3, 9, 9], "plan": ["A", "A", "B", "B"]}), by="plan")
    assert out.set_index("plan")["nps"].to_dict() == {"A": 0.0, "B": 100.0}
    assert out["passives"].sum() == 0 and out["responses"].tolist() == [2, 2]


def test_monthly_nps_is_nan_with_a_reason_in_a_month_without_responses():
    s = surveys(
        [
            ("nps", 9, "2026-01-05", None, None),
            ("nps", 4, "2026-01-06", None, None),
            ("csat", 5, "2026-02-01", None, None),
        ]
    )
    out = voice.nps_monthly(s, JAN_FEB)
    assert out["value"].iloc[0] == 0.0 and out["numerator"].iloc[0] == 0.0 and out["n"].iloc[0] == 2
    assert np.isnan(out["value"].iloc[1]) and out["note"].iloc[1] == "no NPS responses in the month"
    assert out["note"].iloc[0] == "small sample (n=2 < 30)"


def test_csat_ces_and_support_rating_use_their_scale_edges():
    s = surveys(
        [
            ("csat", 4, "2026-01-05", "support", None),
            ("csat", 3, "2026-01-06", "support", None),
            ("csat", 5, "2026-01-07", "onboarding", None),
            ("ces", 5, "2026-01-08", "onboarding", None),
            ("ces", 4, "2026-01-09", "onboarding", None),
            ("ces", 7, "2026-01-10", "onboarding", None),
        ]
    )
    assert voice.csat(s, JAN_FEB)["value"].iloc[0] == 2 / 3  # 4 and 5 count, 3 does not
    assert voice.support_rating(s, JAN_FEB)["value"].iloc[0] == 0.5  # support touchpoint only: 4 yes, 3 no
    assert voice.ces(s, JAN_FEB)["value"].iloc[0] == 2 / 3  # 5 and 7 count, 4 does not
    assert voice.ces_mean(s, JAN_FEB)["value"].iloc[0] == 16 / 3


def test_comment_themes_in_english_and_japanese():
    tags = voice.tag_themes(
        pd.Series(
            [
                "価格が高い",
                "The app is slow",
                "サポートの返信が遅い",
                "Easy to use",
                "ガントチャートの機能が欲しい",
                None,
            ]
        )
    )
    assert tags.loc[0, "price"] and tags.loc[1, "performance"] and tags.loc[2, "support"]
    assert tags.loc[3, "usability"] and tags.loc[4, "missing_feature"]
    assert len(tags) == 5  # the missing comment is skipped
    custom = voice.tag_themes(pd.Series(["請求書が届かない"]), {"billing": ["請求"]})
    assert custom["billing"].item()


def test_theme_counts_by_nps_group():
    s = surveys(
        [
            ("nps", 2, "2026-01-05", None, "Too expensive"),
            ("nps", 3, "2026-01-05", None, "料金が高い"),
            ("nps", 10, "2026-01-05", None, "Easy to use"),
            ("nps", 9, "2026-01-05", None, None),
        ]
    )
    out = voice.theme_counts(s).set_index(["group", "theme"])
    assert out.loc[("detractor", "price"), "comments"] == 2 and out.loc[("detractor", "price"), "share"] == 1.0
    assert out.loc[("promoter", "usability"), "of"] == 1


TICKETS = pd.DataFrame(
    {
        "opened_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-06 10:00", "2026-01-30 18:00", "2026-02-02 09:00"]),
        "first_response_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-06 13:00", None, "2026-02-02 09:30"]),
        "resolved_at": pd.to_datetime(["2026-01-05 12:00", "2026-01-07 10:00", "2026-02-01 10:00", None]),
        "contacts": pd.array([1, 1, 2, pd.NA], dtype="Int64"),
        "reopened": pd.array([False, True, False, pd.NA], dtype="boolean"),
        "escalated": pd.array([False, False, True, True], dtype="boolean"),
    }
)


def test_fcr_counts_tickets_resolved_in_the_month():
    out = support.fcr(TICKETS, JAN_FEB)
    # January: two resolved, one with 1 contact and not reopened; February: one resolved with 2 contacts
    assert out["value"].tolist() == [0.5, 0.0] and out["denominator"].tolist() == [2.0, 1.0]


def test_escalation_rate_counts_tickets_opened_in_the_month():
    assert support.escalation_rate(TICKETS, JAN_FEB)["value"].tolist() == [1 / 3, 1.0]


def test_first_response_is_the_median_of_answered_tickets():
    out = support.first_response_hours(TICKETS, JAN_FEB)
    assert out["value"].tolist() == [2.0, 0.5]  # median(1h, 3h); the unanswered ticket is left out
    assert out["n"].tolist() == [2, 1]
    empty = support.first_response_hours(TICKETS, pd.PeriodIndex(["2026-03"], freq="M"))
    assert np.isnan(empty["value"].item()) and empty["note"].item() == "no answered tickets opened in the month"

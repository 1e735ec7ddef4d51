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


# --------------------------------------------------------------------------- voice intervals (issue 11, point 6)


def nps_answers(promoters: int, passives: int, detractors: int, month: str = "2026-01-10") -> pd.DataFrame:
    scores = [10] * promoters + [8] * passives + [3] * detractors
    return pd.DataFrame({"survey": "nps", "score": scores, "date": pd.to_datetime([month] * len(scores))})


def test_nps_interval_wald_is_the_multinomial_variance_known_answer():
    # 6 promoters, 2 passives, 2 detractors: NPS = 100 x (0.6 - 0.2) = 40
    # Var(NPS/100) = [p_prom + p_det - (p_prom - p_det)^2] / n = (0.6 + 0.2 - 0.16) / 10 = 0.064
    # half width = 1.96 x sqrt(0.064) = 1.96 x 0.252982 = 0.495845 -> 40 -+ 49.58 = [-9.58, 89.58]
    lo, hi = voice.nps_interval([6], [2], [2], method="wald")
    assert lo[0] == pytest.approx(-9.5845, abs=1e-3) and hi[0] == pytest.approx(89.5845, abs=1e-3)


def test_nps_interval_adjusted_wald_known_answer():
    # adjusted Wald (Rocks 2016): +3/4 promoter, +3/4 detractor, n + 3 = 13
    # p = 6.75 / 13 = 0.519231, d = 2.75 / 13 = 0.211538, centre = 0.307692
    # Var = (0.730769 - 0.307692^2) / 13 = (0.730769 - 0.094675) / 13 = 0.048930
    # half = 1.96 x sqrt(0.048930) = 1.96 x 0.221200 = 0.433553 -> [-12.59, 74.12]
    lo, hi = voice.nps_interval([6], [2], [2])
    assert lo[0] == pytest.approx(-12.586, abs=1e-2) and hi[0] == pytest.approx(74.125, abs=1e-2)
    out = voice.nps(nps_answers(6, 2, 2))
    assert out["nps"].item() == 40.0
    assert (out["ci_low"].item(), out["ci_high"].item()) == (pytest.approx(lo[0]), pytest.approx(hi[0]))


def test_nps_interval_does_not_collapse_when_every_answer_is_a_promoter():
    # plain Wald: p = 1, d = 0 -> Var = (1 + 0 - 1) / 5 = 0, a "certain" NPS of 100 from 5 answers
    lo, hi = voice.nps_interval([5], [0], [0], method="wald")
    assert lo[0] == hi[0] == 100.0
    # adjusted: n' = 8, p = 5.75 / 8 = 0.71875, d = 0.75 / 8 = 0.09375, centre = 0.625
    # Var = (0.8125 - 0.390625) / 8 = 0.052734, half = 1.96 x 0.229640 = 0.450095 -> [17.49, 107.5 -> 100]
    lo, hi = voice.nps_interval([5], [0], [0])
    assert lo[0] == pytest.approx(17.49, abs=1e-2) and hi[0] == 100.0
    # one promoter: centre 0.25, half 1.96 x 0.375 = 0.735 -> [-48.5, 98.5], widened to contain the NPS of 100
    lo, hi = voice.nps_interval([1], [0], [0])
    assert lo[0] == pytest.approx(-48.5) and hi[0] == 100.0


@pytest.mark.parametrize("method", ["adjusted", "wald"])
@pytest.mark.parametrize("counts", [(6, 2, 2), (0, 3, 7), (1, 0, 0), (40, 35, 25), (0, 0, 9)])
def test_nps_interval_contains_the_estimate_stays_in_range_and_shrinks_with_n(method, counts):
    p, a, d = counts
    estimate = 100 * (p - d) / (p + a + d)
    lo, hi = voice.nps_interval([p, 10 * p], [a, 10 * a], [d, 10 * d], method=method)
    assert (lo <= estimate + 1e-9).all() and (hi >= estimate - 1e-9).all()
    assert (lo >= -100).all() and (hi <= 100).all()
    small, large = hi[0] - lo[0], hi[1] - lo[1]
    assert large < small or small == 0  # ten times the answers, same shares: narrower (Wald: by sqrt(10))
    if method == "wald" and small > 0:
        assert large == pytest.approx(small / np.sqrt(10))


def test_nps_interval_is_nan_without_answers_and_checks_its_method():
    lo, hi = voice.nps_interval([0], [0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    with pytest.raises(ValueError, match="method must be 'adjusted' or 'wald'; got 'exact'"):
        voice.nps_interval([1], [0], [0], method="exact")


def test_monthly_nps_has_n_and_an_interval_and_none_without_answers():
    s = pd.concat([nps_answers(6, 2, 2, "2026-01-10"), nps_answers(60, 20, 20, "2026-03-10")], ignore_index=True)
    out = voice.nps_monthly(s, pd.period_range("2026-01", "2026-03", freq="M"))
    assert out["n"].tolist() == [10, 0, 100] and out["value"].iloc[[0, 2]].tolist() == [40.0, 40.0]
    assert out.loc[0, "ci_low"] == pytest.approx(-12.586, abs=1e-2)  # as in the adjusted known answer
    assert np.isnan(out.loc[1, "ci_low"]) and np.isnan(out.loc[1, "ci_high"])
    # March: same shares, 10x the answers -> a narrower interval around the same 40
    assert out.loc[2, "ci_high"] - out.loc[2, "ci_low"] < out.loc[0, "ci_high"] - out.loc[0, "ci_low"]
    assert out.loc[2, "ci_low"] < 40 < out.loc[2, "ci_high"]


def test_csat_and_ces_shares_carry_the_wilson_interval():
    # 8 satisfied of 10: p = 0.8, z^2 = 3.8416
    # centre = (0.8 + 3.8416 / 20) / (1 + 3.8416 / 10) = 0.99208 / 1.38416 = 0.716738
    # half = 1.96 x sqrt(0.8 x 0.2 / 10 + 3.8416 / 400) / 1.38416 = 1.96 x 0.160012 / 1.38416 = 0.226581
    # -> [0.4902, 0.9433]
    dates = pd.to_datetime(["2026-01-10"] * 10)
    s = pd.DataFrame(
        {
            "survey": ["csat"] * 10 + ["ces"] * 10,
            "score": [5, 4] * 4 + [3, 1] + [7, 5] * 4 + [4, 2],
            "date": [*dates, *dates],
        }
    )
    for out in (voice.csat(s, JAN_FEB), voice.ces(s, JAN_FEB)):
        assert out.loc[0, "value"] == 0.8 and out.loc[0, "n"] == 10
        assert out.loc[0, "ci_low"] == pytest.approx(0.4902, abs=1e-4)
        assert out.loc[0, "ci_high"] == pytest.approx(0.9433, abs=1e-4)
        assert np.isnan(out.loc[1, "ci_low"]) and out.loc[1, "n"] == 0  # February: no answers, no interval


def test_ces_mean_carries_a_t_interval_clipped_to_the_scale():
    s = pd.DataFrame(
        {
            "survey": "ces",
            "score": [4, 5, 6, 5, 5, 7, 5, 4, 6, 7],
            "date": pd.to_datetime(["2026-01-10"] * 5 + ["2026-02-10"] * 4 + ["2026-03-10"]),
        }
    )
    out = voice.ces_mean(s, pd.period_range("2026-01", "2026-04", freq="M"))
    # January 4, 5, 6, 5, 5: mean 5, sd = sqrt(2 / 4) = 0.707107, se = 0.316228, t(0.975, 4) = 2.776445
    # half = 0.877989 -> [4.1220, 5.8780]
    assert out.loc[0, "value"] == 5.0
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == (
        pytest.approx(4.1220, abs=1e-4),
        pytest.approx(5.8780, abs=1e-4),
    )
    # February 7, 5, 4, 6: mean 5.5, sd = sqrt(5 / 3) = 1.290994, se = 0.645497, t(0.975, 3) = 3.182446
    # half = 2.054241 -> [3.4458, 7.5542], the upper end clipped to the scale's 7
    assert out.loc[1, "ci_low"] == pytest.approx(3.4458, abs=1e-4) and out.loc[1, "ci_high"] == 7.0
    # March: one answer, no spread to estimate; April: no answers
    assert out.loc[2, "value"] == 7.0 and np.isnan(out.loc[2, "ci_low"]) and np.isnan(out.loc[3, "ci_high"])


def test_a_missing_score_is_counted_nowhere():
    assert voice.nps_group(pd.Series([10, None, 3])).tolist()[0::2] == ["promoter", "detractor"]
    assert voice.nps_group(pd.Series([10, None, 3])).isna().tolist() == [False, True, False]
    # before the fix the missing score was a detractor: NPS (1 - 2) / 3 = -33.3 instead of (1 - 1) / 2 = 0
    out = voice.nps(pd.DataFrame({"score": [10, None, 3]}))
    assert out[["responses", "promoters", "passives", "detractors", "nps"]].iloc[0].tolist() == [2, 1, 0, 1, 0.0]
    s = pd.DataFrame(
        {
            "survey": ["nps"] * 3 + ["csat"] * 3 + ["ces"] * 3,
            "score": [10, None, 3, 5, None, 2, 7, None, 5],
            "date": pd.to_datetime(["2026-01-10"] * 9),
            "comment": [None, "Too expensive", None] + [None] * 6,
        }
    )
    assert voice.nps_monthly(s, JAN_FEB)[["value", "n"]].iloc[0].tolist() == [0.0, 2]
    assert voice.csat(s, JAN_FEB)[["value", "n"]].iloc[0].tolist() == [
        0.5,
        2,
    ]  # 5 of (5, 2); the blank not "unsatisfied"
    assert voice.ces_mean(s, JAN_FEB)[["value", "n"]].iloc[0].tolist() == [6.0, 2]  # (7 + 5) / 2
    # the comment of the unscored answer belongs to no NPS group
    assert voice.theme_counts(s).empty


def test_voice_table_lists_answered_months_with_n_value_and_interval():
    from types import SimpleNamespace

    from playbook.report.kpi_views import voice_table

    s = pd.concat(
        [
            nps_answers(6, 2, 2, "2026-01-10"),
            pd.DataFrame(
                {"survey": "csat", "score": [5, 4, 4, 4, 4, 4, 4, 4, 2, 1], "date": pd.Timestamp("2026-01-12")}
            ),
            pd.DataFrame({"survey": "csat", "score": [5, 2], "date": pd.Timestamp("2026-03-03")}),
        ],
        ignore_index=True,
    )
    v = voice_table(SimpleNamespace(surveys=s), "2026-04", months_back=4)
    # window 2026-01..2026-04: NPS answered in January only, CSAT in January and March, CES never
    assert v.note.startswith("NPS had answers in 1 of the last 4 months (to 2026-04), CSAT in 2 and CES in 0;")
    assert list(v.months.astype(str)) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    table = v.table
    assert table.index.tolist() == ["2026-01", "2026-03"]  # February and April have no answers at all
    assert table.loc["2026-01", ("NPS", "n")] == "10" and table.loc["2026-01", ("NPS", "Value")] == "+40.0"
    assert table.loc["2026-01", ("NPS", "95% interval")] == "-12.6 to +74.1"  # the adjusted known answer above
    assert table.loc["2026-01", ("CSAT", "Value")] == "80.0%"
    assert table.loc["2026-01", ("CSAT", "95% interval")] == "49.0%–94.3%"  # Wilson 8/10 above
    assert table.loc["2026-03", ("NPS", "Value")] == "–" and table.loc["2026-03", ("NPS", "n")] == "0"
    nps_rows = v.data[v.data["kpi"] == "nps"]
    assert len(nps_rows) == 1 and nps_rows["n"].item() == 10
    assert "NPS had answers in 1 of the last 4 months" in v._repr_html_()
    ja = voice_table(SimpleNamespace(surveys=s), "2026-04", months_back=4, lang="ja")
    assert ja.note == (
        "直近4か月（2026年4月まで）で回答があった月数は、顧客推奨度（NPS）が1か月、顧客満足度（CSAT）が2か月、"
        "顧客努力指標（CES）が0か月です。回答のない月は表から除いています。"
    )
    assert ja.table.index.tolist() == ["2026年1月", "2026年3月"]
    assert ja.table.loc["2026年1月", ("顧客推奨度（NPS）", "95%信頼区間")] == "-12.6〜+74.1"


def test_voice_table_on_the_sample_counts_the_nps_months(sample_ds):
    from playbook.report.kpi_views import voice_table

    v = voice_table(sample_ds, "2026-10")
    answered = sample_ds.surveys.assign(m=sample_ds.surveys["date"].dt.to_period("M"))
    nps_months = answered.loc[(answered["survey"] == "nps") & answered["m"].between(v.months[0], v.months[-1]), "m"]
    assert nps_months.nunique() == len(v.data[v.data["kpi"] == "nps"])
    assert f"NPS had answers in {nps_months.nunique()} of the last 12 months" in v.note
    assert ((v.data["ci_low"] <= v.data["value"]) & (v.data["value"] <= v.data["ci_high"])).all()


def test_voice_chart_draws_each_interval_on_the_whole_scale():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_voice_kpis

    data = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-01", "2026-03", "2026-01"], freq="M"),
            "kpi": ["nps", "nps", "csat"],
            "n": [10, 100, 10],
            "value": [40.0, 40.0, 0.8],
            "ci_low": [-12.6, 22.0, 0.49],
            "ci_high": [74.1, 56.0, 0.94],
        }
    )
    axes = plot_voice_kpis(data, kpis=("nps", "csat", "ces"))
    nps_ax, csat_ax, ces_ax = axes
    bars = [c for c in nps_ax.collections if isinstance(c, matplotlib.collections.LineCollection)][0]
    ends = sorted((min(seg[:, 1]), max(seg[:, 1])) for seg in bars.get_segments())
    assert ends == [pytest.approx((-12.6, 74.1)), pytest.approx((22.0, 56.0))]
    assert nps_ax.get_ylim() == (-100.0, 100.0) and csat_ax.get_ylim() == (0.0, 1.0)
    csat_bars = [c for c in csat_ax.collections if isinstance(c, matplotlib.collections.LineCollection)][0]
    assert [(min(s[:, 1]), max(s[:, 1])) for s in csat_bars.get_segments()] == [pytest.approx((0.49, 0.94))]
    assert "answers in 2 of 3 months" in nps_ax.get_title()  # January to March, February unanswered
    assert [t.get_text() for t in ces_ax.texts] == ["no answers in these months"]  # no CES rows: a note, no points
    plt.close("all")


def test_nps_distribution_labels_each_group_with_its_interval_and_n():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_nps_distribution

    responses = nps_answers(6, 2, 2).assign(plan="A")
    ax = plot_nps_distribution(responses, by="plan")
    # NPS 40, adjusted Wald [-12.6, +74.1] (known answer above), 10 answers
    assert ax.texts[0].get_text() == "NPS +40\n95%: -13 to +74\nn=10"
    plt.close("all")


def test_voice_chart_draws_a_point_without_interval_as_an_open_circle_without_a_bar():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_voice_kpis

    # the mean CES of one answer has no interval (no spread); the month with 4 answers has one
    data = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-01", "2026-02"], freq="M"),
            "kpi": "ces_mean",
            "n": [4, 1],
            "value": [5.5, 7.0],
            "ci_low": [3.45, np.nan],
            "ci_high": [7.0, np.nan],
        }
    )
    (ax,) = plot_voice_kpis(data, kpis=("ces_mean",))
    bars = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)][0]
    assert [(min(s[:, 1]), max(s[:, 1])) for s in bars.get_segments()] == [pytest.approx((3.45, 7.0))]
    open_points = [ln for ln in ax.lines if ln.get_markerfacecolor() == "white"]
    assert len(open_points) == 1 and open_points[0].get_ydata().tolist() == [7.0]
    assert ax.get_ylim() == (1.0, 7.0)
    plt.close("all")


def test_voice_table_without_surveys_says_so_in_one_sentence():
    from types import SimpleNamespace

    from playbook.report.kpi_views import voice_table

    v = voice_table(SimpleNamespace(surveys=None), "2026-10")
    assert v.data.empty and repr(v) == "No surveys table: no NPS, CSAT or CES."
    assert v._repr_html_() == "<p>No surveys table: no NPS, CSAT or CES.</p>"


# --------------------------------------------------------------------------- resolution time (issue 11, point 11)


def test_resolution_time_is_the_median_over_tickets_resolved_in_the_month():
    out = support.resolution_hours(TICKETS, pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"))
    # January resolves 3 h (05 09:00 -> 12:00) and 24 h (06 10:00 -> 07 10:00): median 13.5 h.
    # February resolves the ticket opened 01-30 18:00 on 02-01 10:00: 40 h, counted in the month it was resolved.
    # The ticket opened in February is unresolved and counts nowhere.
    assert out["value"].tolist()[:2] == [13.5, 40.0] and out["n"].tolist() == [2, 1, 0]
    assert np.isnan(out["value"].iloc[2]) and out["note"].iloc[2] == "no tickets resolved in the month"
    assert out["numerator"].isna().all() and out["denominator"].isna().all()


def test_resolution_time_in_the_catalog_needs_resolved_at(make_folder):
    from playbook import load_dataset
    from playbook.kpis.catalog import compute_kpis

    tickets = "ticket_id,account_id,opened_at,resolved_at\nT1,00123,2026-02-02T09:00,2026-02-02T15:00\n"
    ds = load_dataset(make_folder({"tickets.csv": tickets, "dataset.yaml": "as_of: 2026-02-28\n"}))
    row = compute_kpis(ds, months=["2026-02"], kpis=["resolution_hours"]).iloc[0]
    assert row["value"] == 6.0 and row["n"] == 1  # 09:00 -> 15:00
    bare = load_dataset(make_folder({"tickets.csv": "ticket_id,account_id,opened_at\nT1,00123,2026-02-02T09:00\n"}))
    note = compute_kpis(bare, months=["2026-01"], kpis=["resolution_hours"])["note"].item()
    assert note == "not available (column resolved_at missing in tickets)"

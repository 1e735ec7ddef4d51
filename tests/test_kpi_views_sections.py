"""Sections of notebook 03 whose tables are absent say so in one sentence instead of drawing empty charts."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import pandas as pd

from playbook.report import kpi_views as kr

matplotlib.use("Agg")


def _ctx(*tables, lang="en"):
    return SimpleNamespace(ds=SimpleNamespace(tables=dict.fromkeys(["accounts", *tables]), surveys=None), lang=lang)


def test_a_section_without_its_tables_is_one_sentence():
    ctx = _ctx("transactions")
    note = kr.plot_kpis(ctx, pd.DataFrame(), ["csat", "fcr", "first_response_hours"])  # nothing drawn: no kpis needed
    assert str(note) == (
        "The data has no surveys or tickets table: this section's KPIs (CSAT, First contact resolution, "
        "First response time) are not computed."
    )
    assert kr.describe_available(ctx, pd.DataFrame(), ["csat"]) is None
    assert kr.themes_view(ctx) is None
    assert kr.feature_adoption_view(ctx, pd.DataFrame()) is None
    assert "funnel" in str(kr.plot_funnel_view(ctx)) and "surveys" in str(kr.plot_nps(ctx, pd.DataFrame()))


def test_a_section_with_some_tables_names_only_what_it_leaves_out():
    note = kr.missing_tables_note(
        _ctx("usage", lang="ja"), ["mau", "onboarding_completion_rate", "trial_conversion_rate"]
    )
    assert str(note) == (
        "テーブル onboarding・trials がないため、この節ではオンボーディング完了率、トライアル有料転換率を表示していません。"
    )
    assert kr.missing_tables_note(_ctx("usage"), ["mau", "stickiness"]) is None

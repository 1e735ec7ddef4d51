"""A run does the heavy work once: the notebooks of one kernel share the KPI table and the health model."""

from __future__ import annotations

import pandas as pd

import playbook as pb
from playbook.analyses import health as hs
from playbook.kpis.catalog import compute_kpis
from playbook.report import context
from playbook.report.customer_views import HealthView
from playbook.report.goal_views import GoalReport
from tests.conftest import SAMPLE


def _counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_the_kpi_table_is_made_once_per_dataset_and_month_and_equals_compute_kpis(monkeypatch):
    calls = _counting(monkeypatch, context, "compute_kpis")
    first = pb.open_review(month="2026-10", data_dir=str(SAMPLE), lang="en")  # notebook 03
    second = pb.open_review(month="2026-10", data_dir=str(SAMPLE), lang="ja")  # notebook 04, the same kernel
    table = first.kpis()
    table["extra"] = 1.0  # a reader adding a column ...
    assert "extra" not in second.kpis().columns  # ... is not seen by the next one
    assert calls == ["compute_kpis"]
    pd.testing.assert_frame_equal(second.kpis(), compute_kpis(first.ds, months=first.history))
    earlier = pb.open_review(month="2026-09", data_dir=str(SAMPLE), lang="en")  # another month: made again
    assert earlier.kpis()["month"].max() == pd.Period("2026-09", freq="M")
    assert calls == ["compute_kpis"] * 2


def test_the_health_model_is_made_once_for_notebook_05_notebook_06_and_every_book(monkeypatch):
    calls = _counting(monkeypatch, hs, "health_scores")
    ctx = pb.open_review(month="2026-10", data_dir=str(SAMPLE), lang="en")
    view = HealthView(ctx)  # notebook 05
    report = GoalReport.build(ctx)  # notebook 06's at-risk counts read the same model
    assert report.health is not None and calls == ["health_scores"]
    pd.testing.assert_frame_equal(report.health.scores, view.scores)
    owner = str(ctx.ds.accounts["owner"].dropna().iloc[0])
    book = pb.open_review(month="2026-10", data_dir=str(SAMPLE), lang="en", segment=f"owner={owner}")
    mine = HealthView(book)  # one CSM's book: the company's model, shown for the book's accounts
    assert calls == ["health_scores"]
    assert set(mine.scores["account_id"]) <= set(book.ds.accounts["account_id"])
    assert mine.scores.reset_index(drop=True).equals(
        view.scores[view.scores["account_id"].isin(book.ds.accounts["account_id"])].reset_index(drop=True)
    )
    HealthView(ctx, test_months=6)  # another configuration: made again
    assert calls == ["health_scores"] * 2

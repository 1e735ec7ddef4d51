"""The primer's worked examples and exercises: the library gives the answers the text works out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from playbook.kpis import retention, revenue, voice
from playbook.report import primer as ex


def test_agree_stops_when_hand_and_library_differ():
    assert ex.agree(52_000, 52_000.0, what="MRR").endswith("they agree ✓")
    with pytest.raises(AssertionError, match="MRR: the hand result 52000 and the library's 51000 differ"):
        ex.agree(52_000, 51_000, what="MRR")


def test_the_exercises_accept_their_intended_answers():
    # 1: scores 9, 10, 7, 3, 8, 10, 6, 9 -> 4 promoters, 2 detractors, 8 answers -> 25
    nps = voice.nps(pd.DataFrame({"score": [9, 10, 7, 3, 8, 10, 6, 9]}))["nps"].item()
    assert ex.check_answer(25, nps) == "✅ Correct!" and ex.check_answer(0.25, nps).startswith("❌")
    # 2: 6 lost of 200 at the start (the 10 new ones are not in the denominator) -> 0.03
    churn = retention.logo_churn_rate(
        pd.DataFrame(
            {"month": ["2026-10"], "customers_start": [200.0], "churned_customers": [6.0], "new_customers": [10.0]}
        )
    )["value"].item()
    assert ex.check_answer(0.03, churn) == "✅ Correct!" and ex.check_answer(6 / 210, churn).startswith("❌")
    # 3: (1,000,000 + 80,000 - 20,000 - 30,000) / 1,000,000 = 1.03 (new MRR left out)
    nrr = revenue.nrr(
        pd.DataFrame(
            {
                "month": ["2026-10"],
                "mrr_start": [1e6],
                "expansion": [8e4],
                "contraction": [2e4],
                "churned": [3e4],
                "new": [1e5],
                "customers_start": [50.0],
            }
        )
    )["value"].item()
    assert ex.check_answer(1.03, nrr) == "✅ Correct!" and ex.check_answer(1.13, nrr).startswith("❌")
    # 4: 30,000 x 0.75 / 0.025 = 900,000
    assert ex.check_answer(900_000, 30_000 * 0.75 / 0.025) == "✅ Correct!"


def test_kgi_breakdown_of_the_seed_example():
    table = ex.kgi_breakdown(30_000_000, target_arr=480_000_000, month="2026-10", deadline="2027-03")
    # 480M ARR = 40M MRR; 10M more in 5 months = 2M a month
    assert table.loc["net new MRR needed per month", "2026-10"] == "¥2.0M"
    assert table.loc["months to the deadline", "2026-10"] == "5 (2027-03)"

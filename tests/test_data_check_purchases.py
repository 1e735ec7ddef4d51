"""The data check of accounts + transactions: a valid dataset, reviewed by purchases, not "subscriptions missing"."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from playbook import load_dataset
from playbook.analyses.inventory import data_check_summary, purchase_review, table_inventory
from playbook.report.display import describe_data_check, family_table

MONTH = pd.Period("2026-03", freq="M")


def _ds(*tables):
    return SimpleNamespace(
        tables=dict.fromkeys(["accounts", *tables]), as_of=pd.Timestamp("2026-03-31"), last_complete_month=MONTH
    )


def test_the_required_tables_follow_what_the_dataset_gives(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    pd.DataFrame({"account_id": ["a", "b"], "signup_date": ["2026-01-05", "2026-02-03"]}).to_csv(
        folder / "accounts.csv", index=False
    )
    pd.DataFrame(
        {
            "transaction_id": ["t1", "t2", "t3"],
            "account_id": ["a", "b", "a"],
            "date": ["2026-01-05", "2026-02-03", "2026-03-01"],
            "amount": [100.0, 80.0, 30.0],
        }
    ).to_csv(folder / "transactions.csv", index=False)
    (folder / "dataset.yaml").write_text("currency: USD\ntimezone: UTC\nas_of: 2026-03-31\n", encoding="utf-8")
    inv = table_inventory(load_dataset(folder)).set_index("table")["required"]
    # transactions stands in for subscriptions: it is required here, subscriptions is not
    assert inv[inv].index.tolist() == ["accounts", "transactions"]


def test_the_sample_still_requires_accounts_and_subscriptions(sample_ds):
    inv = table_inventory(sample_ds).set_index("table")["required"]
    assert inv[inv].index.tolist() == ["accounts", "subscriptions"]


def test_a_purchase_review_is_not_listed_as_missing_ltv_and_cohorts():
    assert purchase_review(_ds("transactions").tables) and not purchase_review(
        _ds("subscriptions", "transactions").tables
    )
    s = data_check_summary(_ds("transactions"), pd.DataFrame())
    assert s.purchase_review and s.answered_by_purchases == ("revenue", "retention", "value", "health")
    assert "retention" not in s.unavailable_families and "value" not in s.unavailable_families
    assert s.unavailable_families[0] == "usage"  # usage, seats, onboarding, ... still missing
    ja = describe_data_check(_ds("transactions"), pd.DataFrame(), "ja")
    assert "購入のレビュー" in ja and "購入コホート" in ja
    blocked = ja.split("計算できないKPIの分類：")[1]
    assert "コホート" not in blocked and "LTV" not in blocked and "MRR" not in blocked
    en = describe_data_check(_ds("transactions"), pd.DataFrame())
    assert "accounts and transactions without subscriptions are a valid dataset" in en


def test_the_family_table_says_what_a_purchase_review_computes_instead():
    t = family_table(_ds("transactions"), "en")
    instead = t["Computed instead in a purchase review"]
    assert "purchase cohorts (04)" in instead.iloc[1] and "customer lifetime value (05)" in instead.iloc[2]
    assert instead.iloc[4] == ""  # usage: nothing instead
    assert "Computed instead in a purchase review" not in family_table(_ds("subscriptions"), "en").columns

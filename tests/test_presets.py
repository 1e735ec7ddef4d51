"""The ready mappings (playbook/data/mappings/) on fixtures with the real exports' columns (issue 15, item 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from playbook.data.mapping import presets
from playbook.data.source import load_source
from playbook.kpis.catalog import compute_kpis

EXPORTS = Path(__file__).parent / "data" / "exports"


def _kpis(ds, months, ids=("mrr", "logo_churn_rate")):
    k = compute_kpis(ds, months=months, kpis=list(ids))
    return {(str(r.month), r.kpi): round(float(r.value), 4) for r in k.itertuples()}


def test_presets_are_listed():
    assert presets() == ["hubspot", "salesforce", "stripe_subscriptions", "zendesk_tickets"]


def test_stripe_annual_plan_cancel_dates_quantities_and_kpis():
    ds = load_source(EXPORTS / "stripe", "stripe", as_of="2026-10-31")
    subs = ds.subscriptions.set_index("subscription_id")
    assert ds.currency == "JPY"  # the export's one currency (jpy: zero-decimal, 696000 is ¥696,000)
    assert subs.loc["sub_1PqA01", "mrr"] == 58000  # 696000 a year / 12, not 696000
    assert subs.loc["sub_1PqB01", "mrr"] == 15000  # 3000 x Quantity 5
    assert str(subs.loc["sub_1PqC01", "end_date"].date()) == "2026-08-20"  # Ended At
    assert str(subs.loc["sub_1PqF01", "end_date"].date()) == "2026-11-10"  # cancel at period end: period end
    assert str(subs.loc["sub_1PqA02", "start_date"].date()) == "2026-09-01"  # 2026-08-31 16:00 UTC in Tokyo
    assert not {"sub_1PqD01", "sub_1PqE01", "sub_1PqG01"} & set(subs.index)  # trial, incomplete, trialing
    assert "cus_QhD004" not in set(ds.accounts["account_id"])
    # by hand: July A1 58000 + B1 15000 + C1 6000 + F1 10000 + H1 120000/12 = 99000;
    # August: C1 ended 08-20 -> 93000, 1 of 5 paying customers lost; September: H1 ended 09-12,
    # A2 add-on 5000 started -> 88000, 1 of 4 lost
    assert _kpis(ds, ["2026-07", "2026-08", "2026-09"]) == {
        ("2026-07", "mrr"): 99000.0,
        ("2026-07", "logo_churn_rate"): 0.0,
        ("2026-08", "mrr"): 93000.0,
        ("2026-08", "logo_churn_rate"): 0.2,
        ("2026-09", "mrr"): 88000.0,
        ("2026-09", "logo_churn_rate"): 0.25,
    }


def test_stripe_cents_for_usd(tmp_path):
    text = (EXPORTS / "stripe" / "subscriptions.csv").read_text().replace(",jpy,", ",usd,")
    (tmp_path / "subscriptions.csv").write_text(text)
    ds = load_source(tmp_path, "stripe", as_of="2026-10-31")
    # 696000 cents = $6,960.00 a year = $580 a month
    assert ds.currency == "USD"
    assert ds.subscriptions.set_index("subscription_id").loc["sub_1PqA01", "mrr"] == pytest.approx(580.0)


def test_hubspot_companies_and_deals():
    ds = load_source(EXPORTS / "hubspot", "hubspot", as_of="2026-10-31")
    assert sorted(ds.accounts["account_id"]) == ["9001", "9002", "9003"]  # Delta is a lead
    # April 2026: Alpha renewal 58000 + Bravo 180000/12 + Charlie 6000 = 79000; May: Charlie's term ended
    # 2026-05-19 -> 73000, 1 of 3 lost; June: Bravo renewed at 18000 -> 76000
    assert _kpis(ds, ["2026-04", "2026-05", "2026-06"]) == {
        ("2026-04", "mrr"): 79000.0,
        ("2026-04", "logo_churn_rate"): 0.0,
        ("2026-05", "mrr"): 73000.0,
        ("2026-05", "logo_churn_rate"): 0.3333,
        ("2026-06", "mrr"): 76000.0,
        ("2026-06", "logo_churn_rate"): 0.0,
    }


def test_salesforce_accounts_and_opportunities():
    ds = load_source(EXPORTS / "salesforce", "salesforce", as_of="2026-10-31")
    # CreatedDate 2025-09-30T16:00Z is 1 October in Tokyo
    assert str(ds.accounts.set_index("account_id").loc["001J000001AaAAA", "signup_date"].date()) == "2025-10-01"
    # September: 1200000/12 + 600000/12 = 150000; October: renewal at 1440000/12 -> 170000
    assert _kpis(ds, ["2026-09", "2026-10"]) == {
        ("2026-09", "mrr"): 150000.0,
        ("2026-09", "logo_churn_rate"): 0.0,
        ("2026-10", "mrr"): 170000.0,
        ("2026-10", "logo_churn_rate"): 0.0,
    }


def test_hubspot_and_zendesk_combined_in_one_mapping(tmp_path):
    for f in ("hubspot/companies.csv", "hubspot/deals.csv", "zendesk/tickets.csv"):
        shutil.copy(EXPORTS / f, tmp_path)
    (tmp_path / "mine.yaml").write_text(
        "include: [hubspot, zendesk]\n"
        "tables:\n"
        "  accounts: {columns: {account_id: Company name}}\n"  # Zendesk names organizations by company name
        "  subscriptions: {columns: {account_id: Associated Company}}\n"
    )
    ds = load_source(tmp_path, tmp_path / "mine.yaml", as_of="2026-10-31")
    t = ds.tickets.set_index("ticket_id")
    assert str(t.loc["102", "opened_at"]) == "2026-10-07 15:30:00"  # 23:30 at -07:00 is 15:30 next day in Tokyo
    assert str(t.loc["102", "first_response_at"]) == "2026-10-07 17:30:00"  # + 120 minutes
    assert t["reopened"].tolist() == [False, True, False] and t["escalated"].tolist() == [False, True, False]
    # escalation: 1 of 3 opened in October; first response: median of 0.5, 2 and 1/6 hours = 0.5
    got = _kpis(ds, ["2026-10"], ("escalation_rate", "first_response_hours"))
    assert got == {("2026-10", "escalation_rate"): 0.3333, ("2026-10", "first_response_hours"): 0.5}


def test_stripe_with_hubspot_accounts(tmp_path):
    shutil.copy(EXPORTS / "stripe" / "subscriptions.csv", tmp_path)
    companies = (EXPORTS / "hubspot" / "companies.csv").read_text().splitlines()
    ids = {"9001": "cus_QhA001", "9002": "cus_QhB002", "9003": "cus_QhC003", "9004": "cus_QhD004"}
    rows = [companies[0] + ",Stripe Customer ID"] + [r + "," + ids[r.split(",")[0]] for r in companies[1:]]
    rows += [
        "9006,Foxtrot Ltd.,Sato Aoi,2026-01-01 09:00,Customer,2026-02-10 10:00,RETAIL,20,Japan,",
        "9008,Hotel KK,Sato Aoi,2025-08-01 09:00,Other,2025-09-12 10:00,RETAIL,20,Japan,",
    ]
    rows[-2:] = [r + "," + {"9006": "cus_QhF006", "9008": "cus_QhH008"}[r[:4]] for r in rows[-2:]]
    (tmp_path / "companies.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "mine.yaml").write_text(
        "include:\n  - {mapping: stripe, tables: [subscriptions]}\n  - {mapping: hubspot, tables: [accounts]}\n"
        "tables:\n  accounts: {columns: {account_id: Stripe Customer ID}}\n"
    )
    ds = load_source(tmp_path, tmp_path / "mine.yaml", as_of="2026-10-31")
    assert ds.accounts.set_index("account_id").loc["cus_QhA001", "owner"] == "Sato Aoi"
    assert _kpis(ds, ["2026-08"])[("2026-08", "mrr")] == 93000.0

"""Invariants over the sample company and generated data, and a second, independent route to MRR, churn and NRR."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbook.kpis import retention, revenue
from playbook.kpis.catalog import CATALOG, compute_kpis, kpi

MONTHS = pd.period_range("2023-11", "2026-10", freq="M")


@pytest.fixture(scope="module")
def sample_kpis(sample_ds) -> pd.DataFrame:
    return compute_kpis(sample_ds)


def _wide(kpis: pd.DataFrame) -> pd.DataFrame:
    return kpis.pivot(index="month", columns="kpi", values="value")


def check_bridge_and_rates(bridge: pd.DataFrame) -> None:
    start_plus = (
        bridge["mrr_start"]
        + bridge["new"]
        + bridge["reactivation"]
        + bridge["expansion"]
        - bridge["contraction"]
        - bridge["churned"]
    )
    np.testing.assert_allclose(start_plus, bridge["mrr_end"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(bridge["mrr_start"].iloc[1:].to_numpy(), bridge["mrr_end"].iloc[:-1].to_numpy())
    g, n = revenue.grr(bridge)["value"], revenue.nrr(bridge)["value"]
    ok = g.notna()
    assert (g[ok] <= 1 + 1e-12).all() and (g[ok] <= n[ok] + 1e-12).all()
    churn, keep = retention.logo_churn_rate(bridge)["value"], retention.retention_rate(bridge)["value"]
    np.testing.assert_allclose(keep[ok], 1 - churn[ok])
    assert churn[ok].between(0, 1).all()


def test_the_sample_bridge_adds_up_and_rates_hold_every_month(sample_ds):
    snaps = revenue.month_end_mrr(sample_ds.subscriptions, MONTHS)
    check_bridge_and_rates(revenue.mrr_bridge(snaps, MONTHS))


def test_compute_kpis_returns_every_kpi_for_every_month_of_the_sample(sample_kpis):
    ids = {k.split(".")[0] for k in sample_kpis["kpi"]}
    # a subscription company: every KPI but the purchase review's own (a KPI tree may still ask for those)
    assert ids == {k.id for k in CATALOG if not k.without_subscriptions}
    assert {k.id for k in CATALOG if k.without_subscriptions} >= {"revenue", "buyers", "orders"}
    assert sample_kpis["month"].nunique() == 36
    assert not sample_kpis["note"].str.startswith("not available").any()
    last = sample_kpis[sample_kpis["month"] == MONTHS[-1]]
    # the October snapshot has a value for every KPI but the ones with a sample-size or history reason
    assert last["value"].notna().all(), last[last["value"].isna()]


def test_sample_kpis_stay_in_their_ranges(sample_kpis):
    w = _wide(sample_kpis)
    for k in CATALOG:
        cols = [c for c in w.columns if c.split(".")[0] == k.id]
        v = w[cols].stack().dropna()
        if k.unit == "ratio" and k.id not in ("nrr", "nrr_12m", "expansion_mrr_rate"):
            assert v.between(0, 1).all(), k.id
        if k.unit == "points":
            assert v.between(-100, 100).all(), k.id
        if k.unit in ("currency", "count", "users", "months", "days", "hours", "minutes") and k.id != "gross_margin":
            assert (v >= 0).all(), k.id
    assert (w["grr"].dropna() <= w["nrr"].dropna() + 1e-12).all()
    assert (w["stickiness"].dropna() <= 1).all() and (w["dau"] <= w["mau"]).all()


def test_numerator_and_denominator_give_the_value(sample_kpis):
    rows = sample_kpis[sample_kpis["value"].notna() & sample_kpis["denominator"].notna()]
    ratio = rows["numerator"] / rows["denominator"]
    base = rows["kpi"].str.split(".").str[0]
    expected = ratio.copy()
    expected[base == "nps"] = 100 * ratio  # points
    expected[base == "avg_session_minutes"] = ratio / 60  # seconds -> minutes
    expected[base == "annualised_churn_rate"] = 1 - (1 - ratio) ** 12  # monthly churn compounded
    assert len(rows) > 1000
    np.testing.assert_allclose(rows["value"], expected, rtol=1e-12)


def test_nan_always_comes_with_a_reason(sample_kpis):
    assert (sample_kpis.loc[sample_kpis["value"].isna(), "note"] != "").all()


# ----------------------------------------------------------------------------- generated data

DAY0 = dt.date(2025, 1, 1)


@st.composite
def subscription_tables(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        start = draw(st.integers(0, 500))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        mrr = draw(st.sampled_from([0.0, 10.0, 25.0, 100.0, 250.0]))
        rows.append(
            (
                f"a{draw(st.integers(0, 8))}",
                DAY0 + dt.timedelta(days=start),
                None if length is None else DAY0 + dt.timedelta(days=start + length),
                mrr,
            )
        )
    df = pd.DataFrame(rows, columns=["account_id", "start_date", "end_date", "mrr"])
    return df.assign(start_date=pd.to_datetime(df["start_date"]), end_date=pd.to_datetime(df["end_date"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subscription_tables())
def test_invariants_hold_on_generated_subscriptions(subs):
    months = pd.period_range("2025-01", "2026-06", freq="M")
    bridge = revenue.mrr_bridge(revenue.month_end_mrr(subs, months), months)
    check_bridge_and_rates(bridge)
    counts = (
        bridge["customers_start"]
        + bridge["new_customers"]
        + bridge["reactivated_customers"]
        - bridge["churned_customers"]
    )
    np.testing.assert_array_equal(counts, bridge["customers_end"])


# ----------------------------------------------------------------------------- a second route, by hand


def _mrr_by_loop(subs: pd.DataFrame, month: pd.Period) -> dict[str, float]:
    """Plain Python: sum the MRR of the rows active on the month's last day, account by account."""
    last_day = month.end_time.date()
    out: dict[str, float] = {}
    for row in subs.itertuples(index=False):
        start = row.start_date.date()
        end = None if pd.isna(row.end_date) else row.end_date.date()
        if start <= last_day and (end is None or last_day <= end):
            out[row.account_id] = out.get(row.account_id, 0.0) + row.mrr
    return {a: v for a, v in out.items() if v > 0}


def test_mrr_churn_and_nrr_agree_with_a_plain_loop_over_accounts(sample_ds):
    accounts = sorted(sample_ds.accounts["account_id"])[:120]  # a slice: the loop is slow on purpose
    subs = sample_ds.subscriptions[sample_ds.subscriptions["account_id"].isin(accounts)]
    months = pd.period_range("2024-06", "2025-06", freq="M")
    lib = revenue.mrr_bridge(revenue.month_end_mrr(subs, pd.period_range("2023-11", months[-1], freq="M")), months)
    for i, m in enumerate(months):
        before, now = _mrr_by_loop(subs, m - 1), _mrr_by_loop(subs, m)
        assert lib["mrr_end"].iloc[i] == sum(now.values())
        churned = [a for a in before if a not in now]
        assert retention.logo_churn_rate(lib)["value"].iloc[i] == len(churned) / len(before)
        kept = sum(now.get(a, 0.0) for a in before)  # new and reactivated accounts excluded
        assert revenue.nrr(lib)["value"].iloc[i] == kept / sum(before.values())


# ----------------------------------------------------------------------------- the catalog


def test_every_catalog_entry_is_complete_and_unique():
    ids = [k.id for k in CATALOG]
    assert len(ids) == len(set(ids))
    for k in CATALOG:
        for lang in ("en", "ja"):
            assert k.name(lang) and k.definition(lang) and k.formula(lang), (k.id, lang)
        assert k.name("ja") != k.name("en") or k.id == "ltv_to_cac", k.id
        assert k.definition("ja") != k.definition("en") and k.formula("ja") != k.formula("en"), k.id
        assert k.direction in ("higher", "lower") and k.horizon in ("short", "long")
    assert kpi("feature_adoption.tasks").id == "feature_adoption"
    with pytest.raises(KeyError, match="unknown KPI id 'nps_score'"):
        kpi("nps_score")


def test_missing_tables_make_kpis_unavailable_with_the_reason(make_folder):
    from playbook import load_dataset

    k = compute_kpis(load_dataset(make_folder()))
    notes = k.groupby("kpi")["note"].first()
    assert notes["mau"] == "not available (table usage missing)"
    assert notes["seat_utilisation"] == "not available (table usage and users missing)"
    assert notes["cross_sell_rate"] == "not available (no product column in subscriptions)"
    # the data ends 2026-02-03, so January is the only complete month: 00123 and A2 pay at its end
    assert k.loc[k["kpi"] == "paying_customers", "value"].tolist() == [2.0]


def test_compute_kpis_refuses_an_incomplete_month(sample_ds):
    from playbook import DataValidationError

    with pytest.raises(DataValidationError, match="2026-11 is not complete"):
        compute_kpis(sample_ds, months=["2026-11"])


def test_the_readme_glossary_is_the_catalog():
    from playbook.data.paths import PROJECT_ROOT
    from playbook.kpis.catalog import glossary_markdown

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- glossary:start -->\n", "<!-- glossary:end -->"
    assert start in readme, "README has no glossary block"
    assert readme.split(start, 1)[1].split(end, 1)[0] == glossary_markdown(), (
        "run `python -m playbook glossary` and paste"
    )

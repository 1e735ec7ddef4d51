"""The sample company: reproducible, and every behaviour of sample-company.md recoverable from the committed files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from playbook import data_warnings
from playbook.kpis.revenue import month_end_mrr, month_end_mrr_from_monthly
from playbook.run.sample import generator
from tests.conftest import SAMPLE

generate, write_sample = generator().generate, generator().write_sample

MONTHS = pd.period_range("2023-11", "2026-10", freq="M")


@pytest.fixture(scope="module")
def paying(sample_ds) -> pd.DataFrame:
    """Account x month matrix of month-end MRR (0 = not paying)."""
    snaps = month_end_mrr(sample_ds.subscriptions, MONTHS)
    return snaps.pivot(index="account_id", columns="month", values="mrr").reindex(columns=MONTHS).fillna(0.0)


@pytest.fixture(scope="module")
def churn_events(paying) -> pd.DataFrame:
    """(account_id, month) where the account paid at m-1 and not at m."""
    p = paying.to_numpy() > 0
    lost = p[:, :-1] & ~p[:, 1:]
    acc, col = np.nonzero(lost)
    return pd.DataFrame({"account_id": paying.index[acc], "month": MONTHS[col + 1]})


def _hazard(paying, churn_events, accounts) -> float:
    """Churn events / account-months at risk, for a set of accounts."""
    at_risk = (paying.loc[paying.index.isin(accounts)].iloc[:, :-1] > 0).to_numpy().sum()
    events = churn_events["account_id"].isin(accounts).sum()
    return events / at_risk


# ----------------------------------------------------------------------------- reproducible


def test_regenerating_with_seed_7_reproduces_the_committed_files(tmp_path):
    written = write_sample(tmp_path / "s", seed=7)
    committed = sorted(p.name for p in SAMPLE.iterdir() if p.name != "README.md")
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes(), path.name


@pytest.mark.parametrize(("n", "pending"), [(1, 0), (1, 1), (997, 0), (9973, 0), (9973, 1), (9974, 1)])
def test_session_draws_in_steps_replay_the_one_go_draws_and_leave_the_generator_where_they_did(monkeypatch, n, pending):
    gen = generator()
    monkeypatch.setattr(gen, "SESSION_CHUNK", 997)  # steps start on odd and even rows
    rng = np.random.default_rng(11)
    if pending:
        rng.integers(0, 10, 1)  # leaves the high 32-bit half of an output for the next integers()
    assert rng.bit_generator.state["has_uint32"] == pending
    one_go = np.random.Generator(np.random.PCG64())
    one_go.bit_generator.state = rng.bit_generator.state
    uniforms = np.stack([one_go.random(n) for _ in range(6)])
    ints = one_go.integers(0, 4, n)
    lognormal = one_go.lognormal(np.log(540), 0.7, n)

    steps = list(gen._session_draws(rng, n))

    assert [s[0] for s in steps] == list(range(0, n, 997)) and steps[-1][1] == n
    np.testing.assert_array_equal(np.hstack([[s[2](j) for j in range(6)] for s in steps]), uniforms)
    np.testing.assert_array_equal(np.concatenate([s[3] for s in steps]), ints)
    np.testing.assert_array_equal(np.concatenate([s[4] for s in steps]), lognormal)
    assert rng.bit_generator.state == one_go.bit_generator.state
    np.testing.assert_array_equal(rng.integers(0, 4, 3), one_go.integers(0, 4, 3))


def test_sessions_simulated_in_small_steps_and_spilled_to_disk_give_the_one_go_tables(monkeypatch, tmp_path):
    gen = generator()
    # fewer sessions than SESSION_CHUNK: one step, in memory, i.e. the one-go draws (the test above; the
    # committed files are the one-go generator's)
    one_go = generate(seed=5, scale=0.3)
    assert len(one_go["usage"]) < gen.SESSION_CHUNK
    monkeypatch.setattr(gen, "SESSION_CHUNK", 997)
    stepped = generate(seed=5, scale=0.3, lazy_usage=True, spill_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) > 36  # several pieces per month, on disk

    usage = stepped["usage"]
    months = list(usage.by_month())
    pd.testing.assert_frame_equal(pd.concat([f for _, f in months], ignore_index=True), one_go["usage"])
    pd.testing.assert_frame_equal(usage.frame(), one_go["usage"])
    assert [str(m) for m, _ in months] == sorted(one_go["usage"]["date"].dt.strftime("%Y-%m").unique())
    for (month, frame), (month_a, table) in zip(months, usage.arrow_by_month(), strict=True):
        assert month == month_a and table.equals(pa.Table.from_pandas(frame, preserve_index=False))
        assert table.schema.metadata == pa.Table.from_pandas(frame, preserve_index=False).schema.metadata
    # the tables drawn after the sessions: the generator was left where the one-go draws left it
    for name in ("users", "onboarding", "tickets", "surveys", "trials", "funnel", "transactions", "costs"):
        pd.testing.assert_frame_equal(stepped[name], one_go[name], obj=name)


@pytest.mark.parametrize(
    ("prefix", "start", "stop", "width"), [("A", 1, 2, 6), ("U", 5, 3000, 7), ("T", 1, 10**6 + 3, 6)]
)
def test_ids_are_the_zero_padded_numbers_also_past_the_width(prefix, start, stop, width):
    ids = generator()._ids(prefix, start, stop, width)
    expected = np.char.add(prefix, np.char.zfill(np.arange(start, stop).astype(str), width))
    assert ids.dtype == expected.dtype and np.array_equal(ids, expected)


def test_the_same_seed_gives_the_same_tables_and_another_seed_does_not():
    a, b, c = generate(seed=3, scale=0.3), generate(seed=3, scale=0.3), generate(seed=4, scale=0.3)
    for name in ("accounts", "subscriptions", "usage", "surveys", "tickets", "transactions"):
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["subscriptions"].equals(c["subscriptions"])


def test_scale_multiplies_the_company():
    small, big = generate(seed=7, scale=0.5), generate(seed=7, scale=2.0)
    ratio = len(big["accounts"]) / len(small["accounts"])
    assert 3.3 < ratio < 4.7


def test_writing_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="already holds files"):
        write_sample(tmp_path, seed=1, scale=0.1)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_the_sample_folder_is_light():
    size = sum(p.stat().st_size for p in SAMPLE.iterdir())
    assert size < 10e6


# ----------------------------------------------------------------------------- the company


def test_history_is_36_complete_months_ending_2026_10_and_growing(sample_ds, paying):
    assert str(sample_ds.last_complete_month) == "2026-10"
    assert sample_ds.subscriptions["start_date"].min() == pd.Timestamp("2023-11-01")
    end, year_before = (paying[MONTHS[-1]] > 0).sum(), (paying[MONTHS[-13]] > 0).sum()
    assert 300 <= end <= 700  # "a few hundred paying accounts at the end"
    assert end > 1.3 * year_before


def test_two_routes_to_month_end_mrr_agree(sample_ds):
    # subscription intervals and the committed monthly table are independent routes to the same snapshots
    from_intervals = month_end_mrr(sample_ds.subscriptions, MONTHS)
    from_monthly = month_end_mrr_from_monthly(sample_ds.mrr_monthly, MONTHS)
    pd.testing.assert_frame_equal(from_intervals, from_monthly)


def test_acquisition_peaks_in_spring_for_the_japanese_fiscal_year(sample_ds):
    per_month = sample_ds.accounts["signup_date"].dt.to_period("M").value_counts()
    ratios = []
    for year in (2024, 2025, 2026):
        spring = per_month.reindex(pd.PeriodIndex([f"{year}-03", f"{year}-04"], freq="M")).mean()
        around = per_month.reindex(
            pd.PeriodIndex([f"{year}-01", f"{year}-02", f"{year}-06", f"{year}-07"], freq="M")
        ).mean()
        ratios.append(spring / around)
    assert np.mean(ratios) > 1.25


def test_channels_have_different_acquisition_costs(sample_ds):
    paid = sample_ds.accounts[sample_ds.accounts["acquisition_cost"] > 0]
    by_channel = paid.groupby("acquisition_channel")["acquisition_cost"].mean()
    assert len(by_channel) == 5 and by_channel.max() / by_channel.min() > 5


def test_trials_convert_at_a_realistic_rate(sample_ds):
    rate = sample_ds.trials["converted_date"].notna().mean()
    assert 0.12 < rate < 0.35


def test_accounts_that_finish_onboarding_churn_markedly_less(sample_ds, paying, churn_events):
    ob = sample_ds.onboarding.merge(sample_ds.accounts[["account_id", "signup_date"]], on="account_id")
    in_time = (ob["completed_date"] - ob["signup_date"]).dt.days <= 30  # NaT (not done) compares False
    done = in_time.groupby(ob["account_id"]).all()
    h_done = _hazard(paying, churn_events, done.index[done])
    h_not = _hazard(paying, churn_events, done.index[~done])
    assert h_not > 2 * h_done


def test_usage_falls_in_the_months_before_churn(sample_ds, paying, churn_events):
    sessions = (
        sample_ds.usage.to_frame().groupby(["account_id", sample_ds.usage.to_frame()["date"].dt.to_period("M")]).size()
    )
    sessions = sessions.unstack(fill_value=0).reindex(columns=MONTHS, fill_value=0)
    ratios, normal = [], []
    for acc, month in churn_events.itertuples(index=False):  # a few hundred events: fine for a test
        k = MONTHS.get_loc(month)
        if k >= 7 and acc in sessions.index:
            before = sessions.loc[acc].iloc[k - 7 : k - 4].mean()
            if before > 0:
                ratios.append(sessions.loc[acc].iloc[k - 1] / before)
    stayers = paying.index[(paying.iloc[:, -8:] > 0).all(axis=1)].intersection(sessions.index)
    normal = sessions.loc[stayers].iloc[:, -2] / sessions.loc[stayers].iloc[:, -8:-5].mean(axis=1)
    assert len(ratios) > 50
    assert np.median(ratios) < 0.7 < np.median(normal)


def test_nps_detractors_churn_more_than_promoters(sample_ds, paying, churn_events):
    nps = sample_ds.surveys[sample_ds.surveys["survey"] == "nps"].copy()
    nps["month"] = nps["date"].dt.to_period("M")
    per = nps.groupby(["account_id", "month"])["score"].mean().reset_index()
    churned_within_6 = []
    for acc, month, _score in per.itertuples(index=False):
        later = churn_events[
            (churn_events["account_id"] == acc) & (churn_events["month"] > month) & (churn_events["month"] <= month + 6)
        ]
        churned_within_6.append(len(later) > 0)
    per["churned"] = churned_within_6
    detractors = per.loc[per["score"] <= 6, "churned"].mean()
    promoters = per.loc[per["score"] >= 9, "churned"].mean()
    assert detractors > 2 * promoters


def test_poor_support_precedes_churn(sample_ds, churn_events):
    t = sample_ds.tickets.dropna(subset=["first_response_at"])
    t = t.assign(
        slow=(t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600 > 12,
        month=t["opened_at"].dt.to_period("M"),
    )
    per = t.groupby(["account_id", "month"])["slow"].any().reset_index()
    events = churn_events.assign(hit=True)
    follow = []
    for lag in (0, 1, 2, 3):
        follow.append(
            per.assign(month=per["month"] + lag)
            .merge(events, on=["account_id", "month"], how="left")["hit"]
            .notna()
            .to_numpy()
        )
    per["churned"] = np.any(follow, axis=0)
    assert per.loc[per["slow"], "churned"].mean() > 1.3 * per.loc[~per["slow"], "churned"].mean()


def test_annual_plans_churn_at_renewal(sample_ds):
    s = sample_ds.subscriptions
    base = s[s["product"] == "Workspace"].sort_values(["account_id", "start_date"])
    last = base.groupby("account_id").tail(1)
    ended = last[
        last["end_date"].notna()
        & (last["billing_period"] == "annual")
        & (last["end_date"] < pd.Timestamp("2026-10-31"))
    ]
    # an annual contract ends the day before an anniversary of its start
    anniversary = [
        any((start + pd.DateOffset(months=12 * k) - pd.Timedelta(days=1)) == end for k in range(1, 4))
        for start, end in zip(ended["start_date"], ended["end_date"])
    ]
    assert len(ended) >= 10 and np.mean(anniversary) > 0.9


def test_mrr_moves_in_every_direction(sample_ds, paying):
    p = paying.to_numpy()
    prev, cur = p[:, :-1], p[:, 1:]
    assert ((prev > 0) & (cur > prev)).sum() > 100  # expansion
    assert ((cur > 0) & (cur < prev)).sum() > 30  # contraction
    ever = np.maximum.accumulate(p > 0, axis=1)[:, :-1]
    reactivated = ((prev == 0) & (cur > 0) & ever).sum()
    assert 5 <= reactivated <= 60  # "a few reactivations months later"
    addons = sample_ds.subscriptions["product"].value_counts()
    assert addons.get("Analytics", 0) > 20 and addons.get("Automation", 0) > 20


def test_actions_change_the_data_from_their_start(sample_ds):
    # ACT-03 onboarding webinars (2026-04): completion within 30 days rises for new cohorts
    ob = sample_ds.onboarding.merge(sample_ds.accounts[["account_id", "signup_date"]], on="account_id")
    done = ((ob["completed_date"] - ob["signup_date"]).dt.days <= 30).groupby(ob["account_id"]).all()
    cohort = sample_ds.accounts.set_index("account_id")["signup_date"].reindex(done.index)
    after = done[(cohort >= "2026-04-01") & (cohort < "2026-10-01")].mean()
    before = done[(cohort >= "2025-04-01") & (cohort < "2026-04-01")].mean()
    assert after > before + 0.08
    # ACT-01 chat support (2025-09): first response faster than in the understaffed spring and summer
    t = sample_ds.tickets
    hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
    gap = hours[(t["opened_at"] >= "2025-03-01") & (t["opened_at"] < "2025-09-01")].median()
    later = hours[t["opened_at"] >= "2025-09-01"].median()
    earlier = hours[t["opened_at"] < "2025-03-01"].median()
    assert gap > 2.5 * earlier and later < earlier
    # ACT-05 add-on campaign (2026-08): more add-ons sold per month
    addon = sample_ds.subscriptions[sample_ds.subscriptions["plan"] == "Add-on"]
    starts = addon.groupby(addon["start_date"].dt.to_period("M")).size().reindex(MONTHS, fill_value=0)
    assert starts["2026-08":"2026-10"].mean() > 1.5 * starts["2026-02":"2026-07"].mean()


def test_comments_in_japanese_and_english_mention_the_themes(sample_ds):
    comments = sample_ds.surveys["comment"].dropna()
    japanese = comments[comments.str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]", regex=True)]
    english = comments[~comments.index.isin(japanese.index)]
    assert len(japanese) > 100 and len(english) > 50
    for theme in ("価格", "遅い", "サポート", "使い", "機能"):
        assert japanese.str.contains(theme).any(), theme
    for theme in ("price|expensive", "slow", "[Ss]upport", "[Ee]asy", "feature"):
        assert english.str.contains(theme).any(), theme


def test_surveys_follow_their_touchpoints(sample_ds):
    s = sample_ds.surveys
    assert set(s["survey"]) == {"nps", "csat", "ces"}
    nps_months = set(s.loc[s["survey"] == "nps", "date"].dt.month)
    assert nps_months == {4, 10}  # twice a year
    assert set(s.loc[s["survey"] == "csat", "touchpoint"]) == {"support"}
    assert set(s.loc[s["survey"] == "ces", "touchpoint"]) == {"onboarding"}


def test_costs_one_off_purchases_and_refunds_are_present(sample_ds):
    costs = sample_ds.costs
    assert set(costs["category"]) == {"customer_success", "sales_marketing", "cost_of_revenue"}
    assert costs.groupby("month").size().eq(3).all() and costs["month"].nunique() == 36
    tx = sample_ds.transactions
    one_off = tx[tx["kind"] == "one_off"]
    assert len(one_off) > 150 and one_off["account_id"].duplicated().any()  # repeat buyers for RFM
    assert (tx["amount"] < 0).sum() > 5  # refunds


def test_the_kpi_tree_and_actions_log_are_shaped_as_the_spec_says(sample_ds):
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    kpis = [k for kfs in tree["kfs"] for k in kfs["kpis"]]
    assert tree["kgi"]["metric"] == "arr" and 3 <= len(tree["kfs"]) <= 4 and 5 <= len(kpis) <= 7
    assert set(sample_ds.actions["kpi"]) <= {k["metric"] for k in kpis} | {"logo_churn_rate", "nps"}
    assert set(sample_ds.actions["status"]) == {"open", "done", "dropped"}


def test_the_realistic_mess_shows_up_as_warnings_not_errors(sample_ds):
    warnings = " | ".join(data_warnings(sample_ds, month="2026-10")["warning"])
    assert "months with no data: 2024-08" in warnings  # the ticket export gap
    assert re.search(r"4 account\(s\) with usage but no subscription", warnings)  # pilot accounts
    assert "dated after the data's as-of date 2026-10-31" in warnings  # upgrades booked for November

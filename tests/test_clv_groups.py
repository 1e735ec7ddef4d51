"""Activity groups of the purchase model: one-time buyers apart, nobody without a recent purchase called active.

Findings 2 and 11 of the CDNOW review: BG/NBD gives a customer who bought once P(alive) = 1 however long
ago, so a P(alive) band called 12,054 one-time buyers of 1997 "active"; and the P(alive) < 30% group
shared its Japanese name (休眠顧客) with an RFM segment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from playbook.analyses.clv_models import (
    ACTIVITY_GROUPS,
    BGNBD,
    activity_groups,
    customer_values,
    dormant_customers,
    purchase_summary,
)

PUBLISHED = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
# almost nobody ever drops out: P(alive) is about 1 for every history, however long the silence
NO_DROPOUT = BGNBD(r=1.0, alpha=1.0, a=1e-30, b=1e6)
TEXTS = Path(__file__).parents[1] / "playbook" / "texts"


# ---- the chance of buying again ----------------------------------------------------------------------


def test_chance_of_buying_of_a_one_time_buyer_by_hand():
    # x = 0, T = 78 weeks, t = 52: 1 - ((4.414 + 78) / (4.414 + 78 + 52))^0.243 = 1 - 0.6131^0.243 = 0.1120
    expected = 1 - (82.414 / 134.414) ** 0.243
    assert PUBLISHED.p_purchase(52, 0, 0.0, 78.0) == pytest.approx(expected) == pytest.approx(0.1120, abs=1e-4)


def test_chance_of_buying_of_a_one_time_buyer_matches_a_simulation():
    # simulate customers whose first purchase was T = 40 weeks ago: rate ~ gamma(r, 1/alpha); keep those
    # with no purchase in (0, T] (x = 0: no drop-out possible yet); share with a purchase in (T, T + 26]
    rng = np.random.default_rng(7)
    lam = rng.gamma(PUBLISHED.r, 1 / PUBLISHED.alpha, size=400_000)
    kept = lam[rng.poisson(lam * 40.0) == 0]
    share = float((rng.poisson(kept * 26.0) > 0).mean())
    se = np.sqrt(share * (1 - share) / len(kept))
    assert abs(float(PUBLISHED.p_purchase(26, 0, 0.0, 40.0)) - share) < 4 * se


@pytest.mark.parametrize(("x", "tx", "T"), [(2, 30.43, 38.86), (26, 30.86, 31.0), (1, 2.0, 30.0)])
def test_chance_of_buying_is_p_alive_times_a_purchase_from_the_posterior_rate(x, tx, T):
    # alive: lambda ~ gamma(r + x, alpha + T); P(no purchase in t | alive) = E[exp(-lambda t)]
    m, t = PUBLISHED, 39.0
    none, _ = integrate.quad(
        lambda lam: np.exp(-lam * t) * stats.gamma.pdf(lam, m.r + x, scale=1 / (m.alpha + T)), 0, np.inf
    )
    p = float(m.p_purchase(t, x, tx, T))
    assert p == pytest.approx(float(m.p_alive(x, tx, T)) * (1 - none), rel=1e-6)
    # at most P(alive), at most the expected purchases (P(X >= 1) <= E[X]), and rising with the horizon
    assert p <= float(m.p_alive(x, tx, T)) and p <= float(m.expected_purchases(t, x, tx, T))
    assert float(m.p_purchase(2 * t, x, tx, T)) > p


# ---- the groups on hand-built purchases --------------------------------------------------------------


def _hand_built() -> pd.DataFrame:
    weekly = pd.date_range("2023-01-02", "2024-12-23", freq="7D")  # buys every week up to last week
    stopped = pd.date_range("2022-01-03", "2022-12-26", freq="7D")  # bought every week in 2022, then silence
    days = {
        "weekly": weekly,
        "stopped": stopped,
        "twice_old": pd.to_datetime(["2022-02-01", "2022-03-01"]),
        "once_old": pd.to_datetime(["2022-03-01"]),
        "once_recent": pd.to_datetime(["2024-12-01"]),
    }
    rows = [(c, d, 10.0) for c, ds in days.items() for d in ds]
    return pd.DataFrame(rows, columns=["account_id", "date", "amount"])


@pytest.mark.parametrize("model", [PUBLISHED, NO_DROPOUT], ids=["published", "no-dropout"])
def test_no_customer_without_a_purchase_in_12_months_is_active_and_the_groups_add_up(model):
    s = purchase_summary(_hand_built(), as_of="2024-12-31")
    v = customer_values(s, model)
    g = activity_groups(v, s, recent_since="2024-01-01")
    # 'stopped' and 'twice_old' last bought in 2022: never active, whatever the model says of P(alive)
    assert g["weekly"] == "active"
    assert g["stopped"] != "active" and g["twice_old"] != "active"
    # both one-time buyers have P(alive) = 1 and form their own group, the 2022 one included
    assert v.loc[["once_old", "once_recent"], "p_alive"].tolist() == [1.0, 1.0]
    assert g[["once_old", "once_recent"]].tolist() == ["one_time", "one_time"]
    assert g.value_counts().sum() == len(s) == 5 and set(g) <= set(ACTIVITY_GROUPS)
    if model is NO_DROPOUT:  # P(alive) ~ 1 for all, so only the purchase date keeps 'stopped' out of 'active'
        assert (v["p_alive"] > 0.99).all()
        assert g[["stopped", "twice_old"]].tolist() == ["slipping", "slipping"]
    else:  # a weekly buyer silent for 2 years, and 2 purchases 34 months ago: likely lapsed
        assert g[["stopped", "twice_old"]].tolist() == ["lapsed", "lapsed"]
        assert dormant_customers(v, s)["account_id"].tolist() == ["stopped", "twice_old"]
    # the one-time buyer of 2022 is far less likely to buy again than last month's
    assert v.loc["once_old", "p_purchase"] < v.loc["once_recent", "p_purchase"]


def test_groups_need_ordered_probabilities():
    s = purchase_summary(_hand_built(), as_of="2024-12-31")
    with pytest.raises(ValueError, match="lapsed_below=0.8"):
        activity_groups(customer_values(s, PUBLISHED), s, recent_since="2024-01-01", lapsed_below=0.8)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.1, 3), st.floats(0.5, 20), st.one_of(st.floats(0.05, 0.95), st.floats(1.05, 3)), st.floats(0.5, 50),
    st.lists(st.tuples(st.integers(0, 30), st.floats(0, 1), st.floats(1, 150)), min_size=1, max_size=30),
)  # fmt: skip
def test_groups_are_a_partition_that_follows_the_rules(r, alpha, a, b, histories):
    as_of = pd.Timestamp("2024-12-31")
    x = np.array([h[0] for h in histories], dtype=float)
    big_t = np.array([h[2] for h in histories])
    tx = np.where(x > 0, np.array([h[1] for h in histories]) * big_t, 0.0)
    last = as_of - pd.to_timedelta(np.round((big_t - tx) * 7), unit="D")
    s = pd.DataFrame({"frequency": x, "recency": tx, "T": big_t, "last_purchase": last, "purchase_days": x + 1})
    v = customer_values(s, BGNBD(r, alpha, a, b))
    since = as_of - pd.Timedelta(days=365)
    g = activity_groups(v, s, recent_since=since)
    assert len(g) == len(s) and set(g) <= set(ACTIVITY_GROUPS)
    assert ((g == "one_time") == (x == 0)).all()
    active = (g == "active").to_numpy()
    assert (last[active] >= since).all() and (v["p_alive"].to_numpy()[active] >= 0.7).all()
    lapsed = (g == "lapsed").to_numpy()
    assert ((v["p_alive"].to_numpy() < 0.3) & (x > 0) == lapsed).all()
    # the likely lapsed list is exactly the lapsed group
    assert sorted(dormant_customers(v, s)["account_id"]) == sorted(s.index[lapsed])


# ---- words --------------------------------------------------------------------------------------------


def _yaml(lang: str, name: str) -> dict:
    return yaml.safe_load((TEXTS / lang / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_group_names_are_not_rfm_segment_names(lang):
    segments = {str(v).lower() for v in _yaml(lang, "customers")["rfm"]["segment"].values()}
    models = _yaml(lang, "models")
    names = [*models["band"].values(), *models["group"].values(), models["purchase"]["no_dormant"]]
    for name in names:
        words = name.lower()
        for seg in segments:
            found = f" {seg} " in f" {words} " if lang == "en" else seg in words
            assert not found, (name, seg)
    flat = yaml.safe_dump(models, allow_unicode=True)
    assert "休眠" not in flat and "dormant" not in flat.replace("no_dormant", "")

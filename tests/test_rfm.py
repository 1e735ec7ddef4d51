"""RFM: scores, ties, cut points, segments and their checks, migration."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from playbook import DataValidationError
from playbook.analyses.rfm import SEGMENT_ACTIONS, check_segments, rfm_table, segment_migration, segment_summary
from playbook.data.paths import SAMPLE_DIR as SAMPLE


def tx(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


TEN = tx([(f"c{i}", f"2026-10-{i + 1:02d}", 100.0 * (i + 1)) for i in range(10)])


def test_recency_runs_the_right_way_and_scores_are_quintiles():
    t = rfm_table(TEN, as_of="2026-10-31").set_index("account_id")
    # c9 bought on 10-10 (21 days ago, the most recent), c0 on 10-01 (30 days): two customers per quintile
    assert t.loc["c9", "recency_days"] == 21 and t.loc["c9", "r_score"] == 5
    assert t.loc["c0", "r_score"] == 1 and t.loc["c0", "m_score"] == 1 and t.loc["c9", "m_score"] == 5
    assert sorted(t["r_score"].value_counts().tolist()) == [2] * 5
    # everybody bought once: the tie shares the lowest rank, 1 of 10 -> percentile 0.1 -> F = ceil(0.5) = 1
    assert t.loc["c9", "rfm_score"] == 100 * 5 + 10 * 1 + 5


def test_equal_values_always_share_a_score():
    t = rfm_table(
        tx([("a", "2026-10-01", 50.0), ("b", "2026-10-01", 50.0), ("c", "2026-10-20", 90.0)]), as_of="2026-10-31"
    )
    assert t["r_score"].tolist()[:2] == [t["r_score"].iloc[0]] * 2 and t["m_score"].iloc[0] == t["m_score"].iloc[1]


def test_single_purchase_heavy_data():
    rows = [(f"one{i}", "2026-09-15", 100.0) for i in range(40)] + [
        ("many", f"2026-0{m}-10", 100.0) for m in range(1, 10)
    ]
    t = rfm_table(tx(rows), as_of="2026-10-31").set_index("account_id")
    # 40 of 41 bought once: they all share one frequency score, the repeat buyer gets 5
    assert t.loc["many", "f_score"] == 5 and t.drop(index="many")["f_score"].nunique() == 1


def test_cut_points_are_returned():
    t = rfm_table(TEN, as_of="2026-10-31")
    cuts = t.attrs["cut_points"]
    # recency: the fewest days getting scores 1..5 (c0/c1 30-29 days ... c8/c9 22-21 days)
    assert cuts["recency_days"] == [29.0, 27.0, 25.0, 23.0, 21.0]
    assert cuts["monetary"] == [200.0, 400.0, 600.0, 800.0, 1000.0]


def test_monetary_is_net_of_refunds_and_the_mean_is_per_order():
    t = rfm_table(
        tx([("a", "2026-10-01", 300.0), ("a", "2026-10-05", 100.0), ("a", "2026-10-06", -50.0)]), as_of="2026-10-31"
    )
    assert t.loc[0, "frequency"] == 2 and t.loc[0, "monetary"] == 350.0 and t.loc[0, "monetary_mean"] == 175.0


def test_a_single_customer_and_an_empty_window():
    t = rfm_table(tx([("a", "2026-10-01", 300.0)]), as_of="2026-10-31")
    assert t[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [5, 5, 5] and t["segment"].item() == "Champions"
    with pytest.raises(DataValidationError, match="no orders in the 30 days up to 2026-12-31"):
        rfm_table(TEN, as_of="2026-12-31", lookback_days=30)


def test_segments_first_match_wins_and_others_catches_the_rest():
    table = [{"name": "Top", "r": [5, 5], "f": [1, 5]}, {"name": "Shadowed", "r": [5, 5], "f": [5, 5]}]
    t = rfm_table(TEN, as_of="2026-10-31", segments=table)
    assert set(t.loc[t["r_score"] == 5, "segment"]) == {"Top"} and set(t.loc[t["r_score"] < 5, "segment"]) == {"Others"}


def test_the_segment_check_reports_overlaps_unreachable_segments_and_gaps():
    assert check_segments().empty  # the default table partitions the grid
    issues = check_segments(
        [
            {"name": "Top", "r": [4, 5], "f": [1, 5]},
            {"name": "Shadowed", "r": [5, 5], "f": [4, 5]},
            {"name": "Partly", "r": [3, 4], "f": [1, 1]},
        ]
    ).set_index("segment")
    assert issues.loc["Shadowed", "issue"] == "unreachable"
    assert (
        issues.loc["Partly", "issue"] == "overlap"
        and "5 of 10 cells go to earlier segments: Top" in issues.loc["Partly", "detail"]
    )
    # Top covers R4-5 x F1-5 x M1-5 = 50 cells, Partly adds R3 x F1 x M1-5 = 5: 125 - 55 = 70 left
    assert issues.loc["Others", "detail"] == "70 of 125 R/F/M cells match no segment"
    with pytest.raises(DataValidationError, match="r range \\[0, 9\\] is not \\[low, high\\] within 1-5"):
        check_segments([{"name": "Bad", "r": [0, 9]}])


def test_segment_summary_shares_add_up(sample_ds):
    s = segment_summary(rfm_table(sample_ds.transactions, as_of="2026-10-31", lookback_days=365))
    assert np.isclose(s["customer_share"].sum(), 1) and np.isclose(s["revenue_share"].sum(), 1)


def test_migration_rows_sum_to_the_customers_present_at_both_dates(sample_ds):
    before, after = "2026-07-31", "2026-10-31"
    m = segment_migration(sample_ds.transactions, before, after, lookback_days=365)
    a = rfm_table(sample_ds.transactions, as_of=before, lookback_days=365).set_index("account_id")["segment"]
    b = rfm_table(sample_ds.transactions, as_of=after, lookback_days=365).set_index("account_id")["segment"]
    both = a.index.intersection(b.index)
    assert m.to_numpy().sum() == len(both)
    assert m.sum(axis=1).to_dict() == a.loc[both].value_counts().reindex(m.index).to_dict()


def test_min_rank_counts_like_pandas_rank():
    from playbook.analyses.rfm import _min_rank

    rng = np.random.default_rng(3)
    for v in (
        rng.integers(0, 50, 1000).astype(float),
        rng.integers(-(10**6), 10**6, 100).astype(float),
        rng.random(500),
    ):
        np.testing.assert_allclose(_min_rank(v), pd.Series(v).rank(method="min").to_numpy())


# --------------------------------------------------------------------------- advice a paying customer can trust

LEFT_ACTIONS = {SEGMENT_ACTIONS[name] for name in ("Lost", "Hibernating", "Can't lose")}
ACTIVE_ACTIONS = {
    SEGMENT_ACTIONS[name] for name in SEGMENT_ACTIONS if name not in ("Lost", "Hibernating", "Can't lose")
}


def _ctx(ds, month="2026-10", lang="en"):
    from playbook.report.context import ReviewContext

    return ReviewContext(ds=ds, month=pd.Period(month, "M"), lang=lang, data_dir=SAMPLE, kpi_tree=None)


def _paying_at(ds, month):
    from playbook.kpis.snapshots import dataset_snapshots

    s = dataset_snapshots(ds, pd.Period(month, "M"))
    return set(s.loc[(s["month"] == pd.Period(month, "M")) & (s["mrr"] > 0), "account_id"])


@pytest.mark.parametrize("month", ["2026-10", "2025-06"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_action_contradicts_where_the_customer_s_subscription_stands(sample_ds, month, lang):
    from playbook.report.customer_views import action_text, rfm_accounts, rfm_view

    rows = rfm_accounts(_ctx(sample_ds, month, lang))
    paying = _paying_at(sample_ds, month)
    ever = set(sample_ds.subscriptions["account_id"])
    ids, action = rows.iloc[:, 0], rows.iloc[:, -1]
    text = lambda codes: {action_text(code, lang) for code in codes}
    told_left = set(ids[action.isin(text(LEFT_ACTIONS))])
    treated_active = set(ids[action.isin(text(ACTIVE_ACTIONS))])
    assert len(rows) > 50 and told_left  # the sample has customers who did leave...
    assert not told_left & paying  # ...and none of them pays at the review date
    # a customer whose subscription ended is never given an action for an active customer (referrals, upsell...)
    assert not (treated_active & ever) - paying
    # the segment table says the same: a "they left" action only on rows with nobody subscribed
    view = rfm_view(_ctx(sample_ds, month, lang))
    assert (
        view.loc[view.iloc[:, -1].isin(text(LEFT_ACTIONS)), view.columns[1]] == "0"
    ).all()  # counts as text, with thousands separators


def test_rfm_scores_what_the_customer_chooses_to_buy_not_the_annual_invoice():
    from playbook.analyses.rfm import purchases, segment_action

    # "annual" pays one invoice a year (last on 2026-01-15) and bought nothing else; "monthly" is invoiced every
    # month; "buyer" bought training twice. Invoices are left out, so only "buyer" is scored.
    rows = [("annual", "2025-01-15", 120_000.0, "subscription"), ("annual", "2026-01-15", 120_000.0, "subscription")]
    rows += [("monthly", f"2026-{m:02d}-01", 10_000.0, "subscription") for m in range(1, 11)]
    rows += [("buyer", "2026-03-01", 50_000.0, "one_off"), ("buyer", "2026-10-01", 50_000.0, "one_off")]
    t = pd.DataFrame(rows, columns=["account_id", "date", "amount", "kind"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )
    assert purchases(t)["account_id"].unique().tolist() == ["buyer"]
    # scored on every row instead, the annual plan looks dormant: 289 days since its invoice, the oldest of 3
    # (rank 1/3 -> R = ceil(5/3) = 2) and 2 orders, tied lowest with "buyer" (F = 2): Hibernating
    everything = rfm_table(t, as_of="2026-10-31", paying=["annual"], ended=["monthly"]).set_index("account_id")
    assert everything.loc["annual", ["recency_days", "r_score", "f_score"]].tolist() == [289, 2, 2]
    assert everything["subscription"].to_dict() == {"annual": "active", "buyer": "none", "monthly": "ended"}
    assert everything.loc["annual", "segment"] == "Hibernating"
    # ... and a paying customer in a "left" segment is never told it left
    assert segment_action("Hibernating", "active") != SEGMENT_ACTIONS["Hibernating"]
    summary = segment_summary(everything.reset_index())
    asleep = summary[summary["segment"] == "Hibernating"]
    assert asleep[["track", "customers", "paying"]].values.tolist() == [["still_subscribed", 1, 1]]


def test_a_customer_whose_subscription_ended_gets_a_win_back_action_not_a_referral_request():
    from playbook.analyses.rfm import ENDED_ACTION, segment_action

    assert segment_action("Champions", "ended") == ENDED_ACTION
    assert segment_action("Champions", "active") == segment_action("Champions", "none") == SEGMENT_ACTIONS["Champions"]
    assert segment_action("Lost", "ended") == SEGMENT_ACTIONS["Lost"]  # "ask why they left" is right for them


def test_a_custom_left_segment_and_a_bad_flag():
    from playbook.analyses.rfm import load_segments, segment_action

    segs = [{"name": "Gone", "r": [1, 2], "left": True}, {"name": "Here", "r": [3, 5]}]
    assert [s["left"] for s in load_segments(segs)] == [True, False]
    assert segment_action("Gone", "active", segments=segs) == "still_subscribed"
    assert segment_action("Gone", "none", segments=segs) == ""
    with pytest.raises(DataValidationError, match="left must be true or false, got 'yes'"):
        load_segments([{"name": "Gone", "left": "yes"}])


def test_segment_summary_follows_a_custom_segment_table():
    segs = [{"name": "Zeta", "r": [4, 5]}, {"name": "Alpha", "r": [1, 3]}]
    t = rfm_table(TEN, as_of="2026-10-31", segments=segs)
    assert segment_summary(t, segments=segs)["segment"].tolist() == ["Zeta", "Alpha"]


def test_the_migration_matrix_is_square_so_its_diagonal_is_stayed(sample_ds):
    m = segment_migration(sample_ds.transactions, "2026-07-31", "2026-10-31", lookback_days=365)
    assert m.index.tolist() == m.columns.tolist()


# --------------------------------------------------------------------------- the Japanese report

ENGLISH_RUN = re.compile(r"[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+")  # three English words in a row
RAW_MONTH = re.compile(r"\b\d{4}-\d{2}\b")  # 2026-10: a ja text writes 2026年10月


def _words(table: pd.DataFrame) -> list[str]:
    """Every header, row name and text cell of a table, one string each."""
    cells = [str(v) for v in table.to_numpy().ravel() if isinstance(v, str)]
    return [str(c) for c in table.columns] + [str(i) for i in table.index] + cells


def test_the_japanese_rfm_tables_hold_no_english(sample_ds):
    from playbook.report.customer_views import migration_view, rfm_accounts, rfm_view

    ctx = _ctx(sample_ds, "2026-10", "ja")
    view, rows, moves = rfm_view(ctx), rfm_accounts(ctx), migration_view(ctx)
    for table in (view, rows, moves):
        words = _words(table)
        assert not [w for w in words if ENGLISH_RUN.search(w) or RAW_MONTH.search(w)]
    # segment names as Japanese CS teams write them, the paying part of a "left" segment marked as such
    assert {"優良顧客", "新規顧客", "離反顧客", "離反顧客（契約継続中）"} <= set(view.index)
    assert view.loc["離反顧客", "推奨施策"] == "離反理由をヒアリングし、メルマガで接点を保つ"
    assert set(moves.index) == set(moves.columns) and "休眠顧客" in moves.index
    # the CSV's headers and values: Japanese, the ids and the R/F/M scores as they are
    assert rows.columns.tolist() == [
        "顧客ID", "顧客名", "担当CSM", "セグメント", "契約状況", "最終購入からの日数", "購入回数", "購入金額",
        "R", "F", "M", "推奨施策",
    ]  # fmt: skip
    assert set(rows["契約状況"]) <= {"契約中", "契約終了", "契約なし"}
    assert rows["顧客ID"].str.fullmatch(r"A\d{6}").all()
    en = rfm_accounts(_ctx(sample_ds, "2026-10", "en"))
    assert rows["R"].tolist() == en["R"].tolist() and rows["顧客ID"].tolist() == en["account_id"].tolist()


def test_a_month_without_purchases_says_so_with_a_japanese_date(sample_ds):
    from dataclasses import replace

    from playbook.report.customer_views import migration_view, rfm_view

    tx = sample_ds.transactions
    short = replace(sample_ds, transactions=tx[tx["date"] >= "2026-09-01"])  # two months of purchases
    note = rfm_view(_ctx(short, "2026-08", "ja")).iloc[0, 0]
    assert note == "2026年8月31日までの365日間に単発購入がないため、この月のRFMセグメントは表示できません。"
    assert migration_view(_ctx(short, "2026-10", "ja")).attrs["note"].startswith("2026年7月31日までの")
    assert "up to 2026-07-31," in migration_view(_ctx(short, "2026-10", "en")).attrs["note"]


def test_every_segment_and_action_has_words_in_both_languages():
    from playbook.analyses.rfm import ENDED_ACTION, PAYING_ACTIONS, PAYING_DEFAULT_ACTION, SEGMENT_CODES
    from playbook.report.customer_views import action_text, segment_name

    codes = [*SEGMENT_ACTIONS.values(), *PAYING_ACTIONS.values(), PAYING_DEFAULT_ACTION, ENDED_ACTION]
    for lang in ("en", "ja"):
        assert len({segment_name(name, lang) for name in SEGMENT_CODES}) == len(SEGMENT_CODES)
        assert len({action_text(code, lang) for code in codes}) == len(codes)
    assert action_text("lost", "en") == "Ask why they left; keep in the newsletter"
    assert segment_name("My VIPs", "ja") == "My VIPs"  # a custom segment keeps the name its table gives it


@pytest.mark.parametrize("as_ints", [False, True])
def test_a_one_order_customer_who_bought_before_the_window_is_returning_not_new(as_ints):
    # 20 customers with one order 6 days ago (the most recent fifth of 100 customers: R = 5; everyone has one
    # order in the window: F = 1), 80 others with one order 30 to 346 days ago; of the 20, 0-9 never bought
    # before, 10-14 bought once two years ago (before the 365-day lookback), 15-19 only had a refund then (a
    # refund is not an order): New = 0-9 and 15-19, Returning = 10-14; ids as text or as integers
    recent = pd.DataFrame({"account_id": range(20), "amount": 100.0, "date": pd.Timestamp("2026-10-25")})
    others = pd.DataFrame(
        {
            "account_id": range(100, 180),
            "amount": 100.0,
            "date": pd.Timestamp("2026-10-31") - pd.to_timedelta(30 + 4 * np.arange(80), unit="D"),
        }
    )
    old = pd.DataFrame(
        {"account_id": range(10, 20), "amount": [50.0] * 5 + [-50.0] * 5, "date": pd.Timestamp("2024-10-01")}
    )
    tx = pd.concat([recent, others, old], ignore_index=True)
    tx["account_id"] = tx["account_id"] if as_ints else "C" + tx["account_id"].astype("str").str.zfill(2)
    t = rfm_table(tx, as_of="2026-10-31", lookback_days=365).set_index("account_id")
    key = (lambda i: str(i)) if as_ints else (lambda i: f"C{i:02d}")
    assert {key(i) for i in range(20) if t.loc[key(i), "segment"] == "Returning"} == {key(i) for i in range(10, 15)}
    assert (t.loc[[key(i) for i in [*range(10), *range(15, 20)]], "segment"] == "New").all()


def _reference_rfm(t: pd.DataFrame, as_of: pd.Timestamp, lookback: int | None) -> pd.DataFrame:
    """Recency, frequency, monetary and first order ever per customer, by a plain group-by (ids as text)."""
    t = t[t["account_id"].notna()].assign(account_id=lambda d: d["account_id"].astype(str))
    scored = t[(t["date"] <= as_of) & ((t["date"] > as_of - pd.Timedelta(days=lookback)) if lookback else True)]
    orders = scored[scored["amount"] > 0]
    g = orders.groupby("account_id")
    out = pd.DataFrame({"frequency": g.size(), "last": g["date"].max()})
    out["monetary"] = scored.groupby("account_id")["amount"].sum().reindex(out.index)
    out["recency_days"] = (as_of.normalize() - out["last"].dt.normalize()).dt.days
    first = t[(t["amount"] > 0) & (t["date"] <= as_of)].groupby("account_id")["date"].min()
    out["first_day"] = (as_of.normalize() - first.reindex(out.index).dt.normalize()).dt.days  # days before as_of
    return out.sort_index()


@pytest.mark.parametrize("ids", ["short", "long", "mixed widths", "missing", "integers"])
@pytest.mark.parametrize("lookback", [None, 120])
def test_rfm_table_agrees_with_a_plain_group_by_for_every_kind_of_id(ids, lookback):
    # 3,000 transactions of 400 customers over two years, refunds and a few undated rows included; the ids are
    # short text of one width (read as whole numbers), longer text, text of mixed widths, text with missing ids,
    # or integers: every way gives the reference's measures and splits the New cell by the first order ever
    rng = np.random.default_rng(7)
    n = 3000
    who = rng.integers(0, 400, n)
    t = pd.DataFrame(
        {
            "account_id": who,
            "date": pd.Timestamp("2026-10-31 18:00") - pd.to_timedelta(rng.integers(0, 730 * 24, n), unit="h"),
            "amount": np.where(rng.random(n) < 0.1, -50.0, rng.integers(1, 500, n).astype(float)),
        }
    )
    t.loc[rng.choice(n, 5, replace=False), "date"] = pd.NaT
    t["account_id"] = {
        "short": lambda w: pd.Series([f"C{i:04d}" for i in w], dtype="str"),
        "long": lambda w: pd.Series([f"customer-{i:08d}" for i in w], dtype="str"),
        "mixed widths": lambda w: pd.Series([f"C{i}" for i in w], dtype="str"),
        "missing": lambda w: pd.Series([None if i % 97 == 0 else f"C{i:04d}" for i in w], dtype="str"),
        "integers": lambda w: pd.Series(w),
    }[ids](who)
    as_of = pd.Timestamp("2026-10-31")
    got = rfm_table(t, as_of=as_of, lookback_days=lookback)
    order = got["account_id"].astype(int) if ids == "integers" else got["account_id"]
    assert order.is_monotonic_increasing  # sorted by id, as its own type
    got = got.set_index("account_id")
    want = _reference_rfm(t, as_of, lookback)
    assert sorted(got.index) == list(want.index)
    want = want.loc[got.index]
    for col in ("recency_days", "frequency"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["monetary"], want["monetary"])
    # the New cell (R 5, F 1): new when the first order ever is within the window of R 5's recencies
    window = got.loc[got["r_score"] == 5, "recency_days"].max()
    cell = got[(got["r_score"] == 5) & (got["f_score"] == 1)]
    assert len(cell)
    expected = np.where(want.loc[cell.index, "first_day"] > window, "Returning", "New")
    assert cell["segment"].tolist() == expected.tolist()

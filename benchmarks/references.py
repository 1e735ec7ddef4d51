"""Reference implementations of the benchmarked metrics, written the way an experienced analyst would.

Two independent routes per metric, neither calling the playbook:

- **DuckDB**: one pass per level, ``GROUP BY`` on the keys needed and nothing else, integer month ordinals
  (``year * 12 + month``) instead of text months; the loaded pandas frames are read in place (DuckDB's
  replacement scan of a registered frame), the usage folder straight from its Parquet files.
- **pandas**: vectorised, integer codes (``factorize`` once) and one ``groupby`` or ``bincount`` per level.

Every function returns a *canonical* result (plain frames with a ``month`` ordinal, sorted) that
``benchmarks/bench.py`` compares with the playbook's own result before anything is timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST, LAST = pd.Period("2023-11", freq="M"), pd.Period("2026-10", freq="M")
#: Month ordinals as DuckDB writes them (year * 12 + month - 1 - 1970 * 12 = pandas' Period ordinal).
ORD = "((year({d}) - 1970) * 12 + month({d}) - 1)"


def _con(**frames):
    import duckdb

    con = duckdb.connect(config={"threads": 2})
    con.execute("SET enable_progress_bar = false")
    for name, frame in frames.items():
        con.register(name, frame)
    return con


# --------------------------------------------------------------------------- month-end snapshots


def snapshots_duckdb(subs: pd.DataFrame) -> pd.DataFrame:
    con = _con(subs=subs)
    return con.execute(f"""
        WITH m AS (SELECT o, last_day(make_date(1970 + o // 12, o % 12 + 1, 1)) AS month_end
                   FROM range({FIRST.ordinal}, {LAST.ordinal + 1}) t(o))
        SELECT s.account_id, m.o AS month, sum(s.mrr)::DOUBLE AS mrr
        FROM subs s JOIN m ON s.start_date <= m.month_end AND (s.end_date IS NULL OR s.end_date >= m.month_end)
        GROUP BY ALL HAVING sum(s.mrr) > 0 ORDER BY month, account_id""").df()


def snapshots_pandas(subs: pd.DataFrame) -> pd.DataFrame:
    codes, ids = pd.factorize(subs["account_id"])
    start, end = subs["start_date"].to_numpy(), subs["end_date"].to_numpy()
    mrr = subs["mrr"].to_numpy(dtype="float64")
    out = []
    for p in pd.period_range(FIRST, LAST, freq="M"):  # 36 vectorised masks
        e = np.datetime64(p.end_time.normalize())
        live = (start <= e) & ~(end < e)
        total = np.bincount(codes[live], weights=mrr[live], minlength=len(ids))
        paying = np.flatnonzero(total > 0)
        out.append(pd.DataFrame({"account_id": np.asarray(ids)[paying], "month": p.ordinal, "mrr": total[paying]}))
    return pd.concat(out, ignore_index=True).sort_values(["month", "account_id"], ignore_index=True)


# --------------------------------------------------------------------------- the MRR bridge, churn, NRR/GRR (1 and 12 months)

BRIDGE_COLS = ["mrr_start", "new", "reactivation", "expansion", "contraction", "churned", "mrr_end"]
BRIDGE_COUNTS = ["customers_start", "churned_customers"]


def bridge_duckdb(snaps: pd.DataFrame) -> pd.DataFrame:
    """One full outer join of each account's month with its previous month; first paid month per account."""
    s = pd.DataFrame({"a": snaps["account_id"], "o": snaps["month"].array.asi8, "mrr": snaps["mrr"]})
    con = _con(s=s)
    return (
        con.execute(f"""
        WITH f AS (SELECT a, min(o) AS first FROM s GROUP BY a),
        mv AS (SELECT coalesce(cur.a, prev.a) AS a, coalesce(cur.o, prev.o + 1) AS o,
                      coalesce(prev.mrr, 0) AS m0, coalesce(cur.mrr, 0) AS m1
               FROM s cur FULL JOIN s prev ON cur.a = prev.a AND cur.o = prev.o + 1),
        b AS (SELECT o AS month, sum(m0) AS mrr_start, sum(m1) AS mrr_end,
                     sum(m1) FILTER (m0 = 0 AND m1 > 0 AND f.first = o) AS new,
                     sum(m1) FILTER (m0 = 0 AND m1 > 0 AND f.first < o) AS reactivation,
                     sum(m1 - m0) FILTER (m0 > 0 AND m1 > m0) AS expansion,
                     sum(m0 - m1) FILTER (m1 > 0 AND m1 < m0) AS contraction,
                     sum(m0) FILTER (m0 > 0 AND m1 = 0) AS churned,
                     count(*) FILTER (m0 > 0) AS customers_start, count(*) FILTER (m0 > 0 AND m1 = 0) AS churned_customers
              FROM mv JOIN f USING (a) WHERE o BETWEEN {FIRST.ordinal} AND {LAST.ordinal} GROUP BY o),
        y AS (SELECT mo.o AS month, sum(ago.mrr) AS base12, sum(coalesce(cur12.mrr, 0)) AS kept12
              FROM range({FIRST.ordinal}, {LAST.ordinal + 1}) mo(o)
              JOIN s ago ON ago.o = mo.o - 12 LEFT JOIN s cur12 ON cur12.a = ago.a AND cur12.o = mo.o GROUP BY mo.o)
        SELECT b.*, y.base12, y.kept12 FROM b LEFT JOIN y USING (month) ORDER BY month""")
        .df()
        .fillna(0.0)
    )


def bridge_pandas(snaps: pd.DataFrame) -> pd.DataFrame:
    codes, _ = pd.factorize(snaps["account_id"])
    o = snaps["month"].array.asi8
    lo, hi = min(o.min(), FIRST.ordinal) - 12, LAST.ordinal
    width = hi - lo + 1
    keep = o <= hi
    m = np.zeros((codes.max() + 1, width))
    m[codes[keep], o[keep] - lo] = snaps["mrr"].to_numpy(dtype="float64")[keep]  # one snapshot per account-month
    cols = np.arange(FIRST.ordinal, LAST.ordinal + 1) - lo
    prev, cur = m[:, cols - 1], m[:, cols]
    paid_before = np.maximum.accumulate(m > 0, axis=1)[:, cols - 1]
    was, now = prev > 0, cur > 0
    base = m[:, cols - 12]
    out = pd.DataFrame(
        {
            "month": np.arange(FIRST.ordinal, LAST.ordinal + 1),
            "mrr_start": prev.sum(0),
            "mrr_end": cur.sum(0),
            "new": np.where(~was & now & ~paid_before, cur, 0).sum(0),
            "reactivation": np.where(~was & now & paid_before, cur, 0).sum(0),
            "expansion": np.where(was & (cur > prev), cur - prev, 0).sum(0),
            "contraction": np.where(now & (cur < prev), prev - cur, 0).sum(0),
            "churned": np.where(was & ~now, prev, 0).sum(0),
            "customers_start": was.sum(0),
            "churned_customers": (was & ~now).sum(0),
            "base12": base.sum(0),
            "kept12": np.where(base > 0, cur, 0).sum(0),
        }
    )
    return out


# --------------------------------------------------------------------------- cohort retention (counts, active share, revenue)


def cohorts_duckdb(snaps: pd.DataFrame) -> pd.DataFrame:
    s = pd.DataFrame({"a": snaps["account_id"], "o": snaps["month"].array.asi8, "mrr": snaps["mrr"]})
    con = _con(s=s)
    return con.execute(f"""
        WITH k AS (SELECT a, o, mrr, min(o) OVER (PARTITION BY a) AS cohort FROM s WHERE mrr > 0 AND o <= {LAST.ordinal})
        SELECT cohort, o - cohort AS k, count(*)::DOUBLE AS n, sum(mrr) AS mrr FROM k GROUP BY ALL ORDER BY cohort, k""").df()


def cohorts_pandas(snaps: pd.DataFrame) -> pd.DataFrame:
    codes, _ = pd.factorize(snaps["account_id"])
    o = snaps["month"].array.asi8
    keep = (snaps["mrr"].to_numpy() > 0) & (o <= LAST.ordinal)
    codes, o, mrr = codes[keep], o[keep], snaps["mrr"].to_numpy(dtype="float64")[keep]
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, o)
    cohort = first[codes]
    g = pd.DataFrame({"cohort": cohort, "k": o - cohort, "mrr": mrr}).groupby(["cohort", "k"], sort=True)
    return g["mrr"].agg(n="size", mrr="sum").reset_index().astype({"n": "float64"})


# --------------------------------------------------------------------------- RFM


def rfm_duckdb(tx: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    con = _con(tx=tx)
    return con.execute(f"""
        SELECT account_id, date_diff('day', max(date) FILTER (amount > 0), TIMESTAMP '{as_of}') AS recency_days,
               count(*) FILTER (amount > 0) AS frequency, sum(amount)::DOUBLE AS monetary
        FROM tx WHERE date <= TIMESTAMP '{as_of}' AND date > TIMESTAMP '{as_of}' - INTERVAL {days} DAY
        GROUP BY account_id HAVING count(*) FILTER (amount > 0) > 0 ORDER BY account_id""").df()


def rfm_pandas(tx: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    d = tx["date"].to_numpy()
    inside = (d <= np.datetime64(as_of)) & (d > np.datetime64(as_of - pd.Timedelta(days=days)))
    t = tx[inside]
    amount = t["amount"].to_numpy(dtype="float64")
    order = amount > 0
    g = pd.DataFrame(
        {
            "account_id": t["account_id"].to_numpy(),
            "last": np.where(order, t["date"].to_numpy(), np.datetime64("NaT")),
            "orders": order,
            "amount": amount,
        }
    ).groupby("account_id", sort=True)
    out = g.agg(last=("last", "max"), frequency=("orders", "sum"), monetary=("amount", "sum")).reset_index()
    out = out[out["frequency"] > 0]
    out["recency_days"] = (as_of.normalize() - out["last"].dt.normalize()).dt.days
    return out[["account_id", "recency_days", "frequency", "monetary"]].reset_index(drop=True)


# --------------------------------------------------------------------------- usage: the per-month, per-account and per-feature counts


def _usage_sql(rows: str) -> dict[str, str]:
    """The four outputs, each one GROUP BY on its own keys with one DISTINCT at its level."""
    return {
        "monthly": f"""SELECT m AS month, count(*) AS sessions, count(DISTINCT (account_id, user_id)) AS mau,
                              count(DISTINCT (account_id, user_id, day)) AS user_days, sum(s) AS seconds
                       FROM {rows} GROUP BY m ORDER BY m""",
        "account_month": f"""SELECT account_id, m AS month, count(*) AS sessions, count(DISTINCT user_id) AS users,
                                    count(DISTINCT (user_id, day)) AS user_days
                             FROM {rows} GROUP BY ALL ORDER BY month, account_id""",
        "feature_month": f"""SELECT m AS month, feature, count(DISTINCT (account_id, user_id)) AS users
                             FROM {rows} WHERE feature IS NOT NULL GROUP BY ALL ORDER BY month, feature""",
        "account_features": f"""SELECT account_id, m AS month, feature, count(DISTINCT user_id) AS users FROM {rows}
                                WHERE feature IS NOT NULL GROUP BY ALL ORDER BY month, account_id, feature""",
    }


def usage_parquet_duckdb(folder) -> dict[str, pd.DataFrame]:
    con = _con()
    scan = f"read_parquet('{folder}/**/*.parquet', hive_partitioning = false)"
    rows = (
        f"(SELECT account_id, user_id, day, {ORD.format(d='day')} AS m, feature, session_seconds::DOUBLE AS s "
        f"FROM (SELECT *, CAST(date AS DATE) AS day FROM {scan}))"
    )
    return {name: con.execute(sql).df() for name, sql in _usage_sql(rows).items()}


def usage_frame_duckdb(usage: pd.DataFrame) -> dict[str, pd.DataFrame]:
    con = _con(u=usage)
    rows = (
        f"(SELECT account_id, user_id, day, {ORD.format(d='day')} AS m, feature, session_seconds::DOUBLE AS s "
        f"FROM (SELECT *, CAST(date AS DATE) AS day FROM u))"
    )
    return {name: con.execute(sql).df() for name, sql in _usage_sql(rows).items()}


def usage_frame_pandas(usage: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Integer codes once, then one de-duplication per level on integer columns."""
    a, accounts = pd.factorize(usage["account_id"], sort=True)
    u, _ = pd.factorize(usage["user_id"])
    day = usage["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    m = usage["date"].to_numpy().astype("datetime64[M]").astype(np.int64)
    s = usage["session_seconds"].to_numpy(dtype="float64")
    users = a.astype(np.int64) << 32 | u  # the (account, user) pair as one integer
    rows = pd.DataFrame({"a": a, "u": users, "m": m, "d": day, "s": s})
    monthly = rows.groupby("m", sort=True).agg(sessions=("s", "size"), seconds=("s", "sum"))
    monthly["mau"] = rows[["m", "u"]].drop_duplicates().groupby("m").size()
    ud = rows[["a", "m", "u", "d"]].drop_duplicates()
    monthly["user_days"] = ud.groupby("m").size()
    am = rows.groupby(["m", "a"], sort=True).size().rename("sessions").to_frame()
    am["users"] = rows[["a", "m", "u"]].drop_duplicates().groupby(["m", "a"]).size()
    am["user_days"] = ud.groupby(["m", "a"]).size()
    am = am.reset_index()
    f, names = pd.factorize(usage["feature"], sort=True)
    used = f >= 0
    fr = pd.DataFrame({"m": m[used], "a": a[used], "u": users[used], "f": f[used]})
    fm = fr[["m", "f", "u"]].drop_duplicates().groupby(["m", "f"], sort=True).size().rename("users").reset_index()
    af = (
        fr[["m", "a", "f", "u"]]
        .drop_duplicates()
        .groupby(["m", "a", "f"], sort=True)
        .size()
        .rename("users")
        .reset_index()
    )
    ids, feats = np.asarray(accounts, dtype=object), np.asarray(names, dtype=object)
    return {
        "monthly": monthly.reset_index().rename(columns={"m": "month"}),
        "account_month": pd.DataFrame(
            {"account_id": ids[am["a"]], "month": am["m"], **{c: am[c] for c in ("sessions", "users", "user_days")}}
        ),
        "feature_month": pd.DataFrame({"month": fm["m"], "feature": feats[fm["f"]], "users": fm["users"]}),
        "account_features": pd.DataFrame(
            {"account_id": ids[af["a"]], "month": af["m"].to_numpy(), "feature": feats[af["f"]], "users": af["users"]}
        ),
    }

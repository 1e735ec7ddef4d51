"""Benchmark: the playbook's functions against DuckDB SQL references on the same Parquet files.

    python benchmarks/bench.py --scales 1 10 --repeat 3      (or: make bench)

For each scale the sample company is generated once as Parquet into
``benchmarks/data/scale-K/`` (git-ignored). Each case first asserts that the
project's result and the DuckDB reference are equal, then times both in fresh
subprocesses (median of ``--repeat`` runs of the computation itself; loading the
inputs is not timed) and reads each subprocess's peak RSS. Results are printed
and written to ``benchmarks/results.md``.

Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
AS_OF = pd.Timestamp("2026-10-31")
MONTHS = pd.period_range("2023-11", "2026-10", freq="M")


def data_dir(scale: float) -> Path:
    from playbook.run.sample import generator

    write_sample = generator().write_sample

    folder = DATA / f"scale-{scale:g}"
    if not (folder / "usage").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        write_sample(folder, seed=7, scale=scale, fmt="parquet", force=True)
    return folder


def _read(folder: Path, table: str) -> pd.DataFrame:
    df = pd.read_parquet(folder / f"{table}.parquet")
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].astype("datetime64[ns]")
        elif col.endswith("_id"):
            df[col] = df[col].astype("str")
    return df


# --------------------------------------------------------------------------- the cases: (load, project, reference, compare)

MONTH_GRID = """
    WITH months AS (SELECT last_day(m::DATE) AS month_end FROM generate_series(DATE '2023-11-01', DATE '2026-10-01', INTERVAL 1 MONTH) t(m))
"""
SNAPSHOT_SQL = (
    MONTH_GRID
    + """
    SELECT s.account_id, strftime(month_end, '%Y-%m') AS month, sum(s.mrr)::DOUBLE AS mrr
    FROM read_parquet('{dir}/subscriptions.parquet') s JOIN months
      ON s.start_date <= month_end AND (s.end_date IS NULL OR s.end_date >= month_end)
    GROUP BY ALL HAVING sum(s.mrr) > 0
"""
)


def case_snapshots():
    def load(d):
        return {"subs": _read(d, "subscriptions")}

    def project(x):
        from playbook.kpis.revenue import month_end_mrr

        return month_end_mrr(x["subs"], MONTHS)

    def reference(con, d):
        return con.sql(SNAPSHOT_SQL.format(dir=d)).df()

    def compare(p, r):
        p = p.assign(month=p["month"].astype(str)).sort_values(["month", "account_id"]).reset_index(drop=True)
        r = r.sort_values(["month", "account_id"]).reset_index(drop=True)
        assert len(p) == len(r) and (p["account_id"].to_numpy() == r["account_id"].to_numpy()).all()
        np.testing.assert_allclose(p["mrr"], r["mrr"])

    return load, project, reference, compare


def case_bridge():
    def load(d):
        from playbook.kpis.revenue import month_end_mrr

        return {"snaps": month_end_mrr(_read(d, "subscriptions"), MONTHS)}

    def project(x):
        from playbook.kpis import retention, revenue

        b = revenue.mrr_bridge(x["snaps"], MONTHS)
        return b.assign(
            nrr=revenue.nrr(b)["value"], grr=revenue.grr(b)["value"], churn=retention.logo_churn_rate(b)["value"]
        )

    def reference(con, d):
        return con.sql(f"""
            WITH snaps AS ({SNAPSHOT_SQL.format(dir=d)}),
            accounts AS (SELECT DISTINCT account_id FROM snaps),
            months AS (SELECT strftime(m::DATE, '%Y-%m') AS month, row_number() OVER (ORDER BY m) AS i
                       FROM generate_series(DATE '2023-10-01', DATE '2026-10-01', INTERVAL 1 MONTH) t(m)),
            grid AS (SELECT a.account_id, m.month, m.i, coalesce(s.mrr, 0) AS mrr
                     FROM accounts a CROSS JOIN months m LEFT JOIN snaps s USING (account_id, month)),
            mv AS (SELECT month, i, mrr AS m1, lag(mrr, 1, 0) OVER w AS m0,
                          coalesce(max(CASE WHEN mrr > 0 THEN 1 ELSE 0 END) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS paid_before
                   FROM grid WINDOW w AS (PARTITION BY account_id ORDER BY i))
            SELECT month, sum(m0) AS mrr_start, sum(m1) AS mrr_end,
                   sum(CASE WHEN m0 = 0 AND m1 > 0 AND paid_before = 0 THEN m1 ELSE 0 END) AS new,
                   sum(CASE WHEN m0 = 0 AND m1 > 0 AND paid_before = 1 THEN m1 ELSE 0 END) AS reactivation,
                   sum(CASE WHEN m0 > 0 AND m1 > m0 THEN m1 - m0 ELSE 0 END) AS expansion,
                   sum(CASE WHEN m1 > 0 AND m1 < m0 THEN m0 - m1 ELSE 0 END) AS contraction,
                   sum(CASE WHEN m0 > 0 AND m1 = 0 THEN m0 ELSE 0 END) AS churned,
                   count(*) FILTER (m0 > 0) AS customers_start, count(*) FILTER (m0 > 0 AND m1 = 0) AS churned_customers
            FROM mv WHERE i > 1 GROUP BY month ORDER BY month""").df()

    def compare(p, r):
        r = r.assign(
            nrr=(r["mrr_start"] + r["expansion"] - r["contraction"] - r["churned"]) / r["mrr_start"],
            churn=r["churned_customers"] / r["customers_start"],
        )
        for col in (
            "mrr_start",
            "mrr_end",
            "new",
            "reactivation",
            "expansion",
            "contraction",
            "churned",
            "customers_start",
            "churned_customers",
            "nrr",
            "churn",
        ):
            np.testing.assert_allclose(
                p[col].to_numpy(dtype=float), r[col].to_numpy(dtype=float), rtol=1e-9, err_msg=col
            )

    return load, project, reference, compare


USAGE_ROWS = "(SELECT account_id, user_id, CAST(date AS DATE) AS day, feature, session_seconds FROM read_parquet('{dir}/usage/*/*.parquet'))"


def _summary(d):
    """The playbook's route for a usage folder: DuckDB where the files lie, no cache, so every run does the work."""
    from playbook.data.usage_log import summarise_parquet

    return summarise_parquet(d / "usage", cache=False)


def case_usage():
    def load(d):
        return {"d": d}

    def project(x):  # the path compute_kpis takes: the monthly part, then the three KPIs (and sessions, session time)
        from playbook.kpis import usage

        s = _summary(x["d"])
        k = usage.activity_kpis(usage.activity_counts(s, MONTHS))
        m = s.monthly(MONTHS)
        return pd.DataFrame(
            {
                **{name: table["value"] for name, table in k.items()},
                "sessions": m["sessions"],
                "minutes": usage.avg_session_minutes(s, MONTHS)["value"],
            }
        )

    def reference(con, d):
        return (
            con.sql(f"""
            WITH u AS (SELECT account_id, user_id, day, strftime(day, '%Y-%m') AS month, session_seconds FROM {USAGE_ROWS.format(dir=d)}),
            m AS (SELECT month, count(DISTINCT (account_id, user_id)) AS mau, count(*) AS sessions, sum(session_seconds) AS secs FROM u GROUP BY month),
            dd AS (SELECT month, count(*) AS user_days FROM (SELECT DISTINCT account_id, user_id, day, month FROM u) GROUP BY month)
            SELECT m.month, mau::DOUBLE AS mau, sessions, secs / sessions / 60 AS minutes,
                   user_days / day(last_day(strptime(m.month || '-01', '%Y-%m-%d')))::DOUBLE AS dau
            FROM m JOIN dd USING (month) ORDER BY month""")
            .df()
            .assign(stickiness=lambda r: r["dau"] / r["mau"])
        )

    def compare(p, r):
        for col in ("mau", "dau", "stickiness", "sessions", "minutes"):
            np.testing.assert_allclose(
                p[col].to_numpy(dtype=float), r[col].to_numpy(dtype=float), rtol=1e-9, err_msg=col
            )

    return load, project, reference, compare


def case_feature_adoption():
    def load(d):
        return {"d": d}

    def project(x):
        from playbook.kpis import usage

        return usage.feature_adoption(_summary(x["d"]), MONTHS)

    def reference(con, d):
        return con.sql(f"""
            WITH u AS (SELECT account_id, user_id, strftime(day, '%Y-%m') AS month, feature FROM {USAGE_ROWS.format(dir=d)}),
            a AS (SELECT month, count(DISTINCT (account_id, user_id)) AS mau FROM u GROUP BY month),
            f AS (SELECT month, feature, count(DISTINCT (account_id, user_id)) AS users FROM u WHERE feature IS NOT NULL GROUP BY ALL)
            SELECT month, feature, users / mau AS value FROM f JOIN a USING (month) ORDER BY month, feature""").df()

    def compare(p, r):
        p = (
            p[p["numerator"] > 0]
            .assign(month=lambda f: f["month"].astype(str))
            .sort_values(["month", "feature"])
            .reset_index(drop=True)
        )
        assert p["feature"].tolist() == r["feature"].tolist() and p["month"].tolist() == r["month"].tolist()
        np.testing.assert_allclose(p["value"].to_numpy(dtype=float), r["value"].to_numpy(dtype=float), rtol=1e-9)

    return load, project, reference, compare


CORE = ["tasks", "projects", "calendar"]


def case_health_inputs():
    def load(d):
        return {"d": d}

    def project(x):  # the usage inputs of the health score, per account and month: what health_inputs reads
        s = _summary(x["d"])
        am = s.account_month
        af = s.account_features
        core = af[af["feature"].isin(CORE)].groupby(["account_id", "month"]).size().rename("core_features")
        return am.join(core, on=["account_id", "month"]).fillna({"core_features": 0})

    def reference(con, d):
        return con.sql(f"""
            WITH u AS (SELECT account_id, user_id, day, strftime(day, '%Y-%m') AS month, feature FROM {USAGE_ROWS.format(dir=d)})
            SELECT account_id, month, count(*) AS sessions, count(DISTINCT user_id) AS users, count(DISTINCT (user_id, day)) AS user_days,
                   count(DISTINCT feature) FILTER (WHERE feature IN ({", ".join(repr(c) for c in CORE)})) AS core_features
            FROM u GROUP BY ALL ORDER BY month, account_id""").df()

    def compare(p, r):
        p = p.assign(month=p["month"].astype(str)).sort_values(["month", "account_id"]).reset_index(drop=True)
        assert (p["account_id"].to_numpy() == r["account_id"].to_numpy()).all() and (
            p["month"].to_numpy() == r["month"].to_numpy()
        ).all()
        for col in ("sessions", "users", "user_days", "core_features"):
            np.testing.assert_array_equal(p[col].to_numpy(dtype=float), r[col].to_numpy(dtype=float), err_msg=col)

    return load, project, reference, compare


def case_rfm():
    def load(d):
        return {"tx": _read(d, "transactions")}

    def project(x):
        from playbook.analyses.rfm import rfm_table

        return rfm_table(x["tx"], as_of=AS_OF, lookback_days=365)

    def reference(con, d):
        return con.sql(f"""
            WITH t AS (SELECT * FROM read_parquet('{d}/transactions.parquet')
                       WHERE date <= TIMESTAMP '2026-10-31' AND date > TIMESTAMP '2026-10-31' - INTERVAL 365 DAY)
            SELECT account_id, date_diff('day', max(date) FILTER (amount > 0), TIMESTAMP '2026-10-31') AS recency_days,
                   count(*) FILTER (amount > 0) AS frequency, sum(amount)::DOUBLE AS monetary
            FROM t GROUP BY account_id HAVING count(*) FILTER (amount > 0) > 0 ORDER BY account_id""").df()

    def compare(p, r):
        p = p.sort_values("account_id").reset_index(drop=True)
        assert (p["account_id"].to_numpy() == r["account_id"].to_numpy()).all()
        for col in ("recency_days", "frequency", "monetary"):
            np.testing.assert_allclose(p[col].to_numpy(dtype=float), r[col].to_numpy(dtype=float), err_msg=col)

    return load, project, reference, compare


def case_cohorts():
    def load(d):
        from playbook.kpis.revenue import month_end_mrr

        return {"snaps": month_end_mrr(_read(d, "subscriptions"), MONTHS)}

    def project(x):
        from playbook.analyses.cohorts import cohort_matrix

        return cohort_matrix(x["snaps"], as_of="2026-10", value_col="mrr", view="counts", average=False)

    def reference(con, d):
        return con.sql(f"""
            WITH s AS ({SNAPSHOT_SQL.format(dir=d)}),
            k AS (SELECT account_id, month, min(month) OVER (PARTITION BY account_id) AS cohort FROM s)
            SELECT cohort, (year(strptime(month || '-01', '%Y-%m-%d')) * 12 + month(strptime(month || '-01', '%Y-%m-%d')))
                         - (year(strptime(cohort || '-01', '%Y-%m-%d')) * 12 + month(strptime(cohort || '-01', '%Y-%m-%d'))) AS k,
                   count(*) AS n
            FROM k GROUP BY ALL""").df()

    def compare(p, r):
        wide = r.pivot(index="cohort", columns="k", values="n").reindex(
            index=p.index, columns=[c for c in p.columns if c != "size"]
        )
        got = p.drop(columns="size")
        mask = got.notna().to_numpy()
        np.testing.assert_array_equal(got.to_numpy()[mask], np.nan_to_num(wide.to_numpy(dtype=float))[mask])

    return load, project, reference, compare


def _loaded(d):
    """The dataset with its usage summary made (the usage cases above time that step)."""
    from playbook import load_dataset

    ds = load_dataset(d)
    s = ds.usage
    s.monthly(MONTHS), s.account_month, s.feature_month, s.account_features
    return {"ds": ds}


def case_compute_kpis():
    def load(d):
        return _loaded(d)

    def project(x):
        from playbook.kpis.catalog import compute_kpis

        return compute_kpis(x["ds"])

    return load, project, None, None


def case_health():
    def load(d):
        return _loaded(d)

    def project(x):
        from playbook.analyses.health import health_scores

        return health_scores(x["ds"], ["2026-10"])

    return load, project, None, None


CASES = {
    "month-end MRR snapshots": case_snapshots,
    "MRR bridge, churn, NRR/GRR": case_bridge,
    "DAU/MAU/stickiness, sessions, session time": case_usage,
    "feature adoption": case_feature_adoption,
    "health usage inputs (per account-month)": case_health_inputs,
    "RFM table": case_rfm,
    "cohort matrix (counts)": case_cohorts,
    "compute_kpis (36 months, usage summary made)": case_compute_kpis,
    "health score (last month)": case_health,
}


# --------------------------------------------------------------------------- running


def worker(case: str, impl: str, scale: float, repeat: int) -> dict:
    load, project, reference, _ = CASES[case]()
    d = data_dir(scale)
    times = []
    if impl == "project":
        x = load(d)
        for _ in range(repeat):
            t = time.perf_counter()
            project(x)
            times.append(time.perf_counter() - t)
    else:
        import duckdb

        for _ in range(repeat):
            con = duckdb.connect()
            t = time.perf_counter()
            reference(con, d)
            times.append(time.perf_counter() - t)
    return {"seconds": statistics.median(times), "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space, so unlike ru_maxrss
    (which Linux carries across exec from the parent) it measures the worker alone."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_in_subprocess(case: str, impl: str, scale: float, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", case, impl, str(scale), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    ap.add_argument("--worker", nargs=4, metavar=("CASE", "IMPL", "SCALE", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        case, impl, scale, repeat = args.worker
        print(json.dumps(worker(case, impl, float(scale), int(repeat))))
        return 0
    import duckdb

    rows = []
    for scale in args.scales:
        d = data_dir(scale)
        con = duckdb.connect()
        size = {
            p.stem: con.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0]
            for p in sorted(d.glob("*.parquet"))
        }
        size["usage"] = con.execute(f"SELECT count(*) FROM read_parquet('{d}/usage/*/*.parquet')").fetchone()[0]
        print(
            f"scale {scale:g}: {size['accounts']:,} accounts, {size['subscriptions']:,} subscriptions, "
            f"{size['transactions']:,} transactions, {size['usage']:,} usage sessions",
            flush=True,
        )
        for case, make in CASES.items():
            load, project, reference, compare = make()
            equal = "–"
            if reference is not None:
                compare(project(load(d)), reference(duckdb.connect(), d))
                equal = "yes"
            p = run_in_subprocess(case, "project", scale, args.repeat)
            r = run_in_subprocess(case, "reference", scale, args.repeat) if reference is not None else None
            ratio = p["seconds"] / r["seconds"] if r else float("nan")
            rows.append(
                {
                    "scale": f"{scale:g}x",
                    "case": case,
                    "project_s": p["seconds"],
                    "duckdb_s": r["seconds"] if r else np.nan,
                    "ratio": ratio,
                    "project_peak_mb": p["peak_rss_mb"],
                    "duckdb_peak_mb": r["peak_rss_mb"] if r else np.nan,
                    "equal": equal,
                }
            )
            print(
                f"  {case:30s} project {p['seconds']:8.3f} s  duckdb {rows[-1]['duckdb_s']:8.3f} s  ratio {ratio:6.2f}  "
                f"peak {p['peak_rss_mb']:7.0f} / {rows[-1]['duckdb_peak_mb']:7.0f} MB  equal {equal}",
                flush=True,
            )
    table = pd.DataFrame(rows)
    lines = [
        "| scale | case | project (s) | DuckDB (s) | ratio | project peak RSS (MB) | DuckDB peak RSS (MB) | equal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.scale} | {r.case} | {r.project_s:.3f} | {'' if np.isnan(r.duckdb_s) else f'{r.duckdb_s:.3f}'} | "
            f"{'' if np.isnan(r.ratio) else f'{r.ratio:.2f}'} | {r.project_peak_mb:.0f} | "
            f"{'' if np.isnan(r.duckdb_peak_mb) else f'{r.duckdb_peak_mb:.0f}'} | {r.equal} |"
        )
    Path(args.out).write_text(
        "# Benchmark results\n\nMedian of " + str(args.repeat) + " runs; peak RSS of a fresh subprocess "
        "(Python, libraries and inputs included). Generated by `make bench`.\n\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import os

    os.environ.setdefault(
        "PLAYBOOK_CACHE_DIR", str(DATA / ".cache")
    )  # usage summaries of the generated data stay beside it
    sys.exit(main())

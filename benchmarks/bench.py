"""Benchmark: the playbook's functions against DuckDB and vectorised pandas references on the same inputs.

    python benchmarks/bench.py --scales 1 10 --repeat 3                 (or: make bench SCALES="1 10")
    python benchmarks/bench.py --scales 1 10 --project /path/to/other/checkout   (time another version)

For each scale the sample company is generated once as Parquet into
``benchmarks/data/scale-K/`` (git-ignored). Each case first asserts that the
project's result equals both references (``benchmarks/references.py``: DuckDB
written as one pass with ``GROUP BY`` on the keys needed and integer month keys,
and vectorised pandas on integer codes), then times the three in fresh
subprocesses: the median of ``--repeat`` runs of the computation itself (loading
the inputs is not timed; the usage-folder case is cold: no cache, every run
reads the files). Each subprocess reports its peak RSS and its RSS once the
inputs are loaded, so ``extra`` is the memory the computation itself took.
Results are printed and written to ``benchmarks/results.md``.

Time: scale 1 about 1 minute, scale 10 about 4 minutes on 2 shared cores;
scale 100 about 10x scale 10 (generation included), 300 about 3x that again.
Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
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
    folder = DATA / f"scale-{scale:g}"
    if not (folder / "usage").is_dir():
        from playbook.run.sample import generator

        folder.mkdir(parents=True, exist_ok=True)
        generator().write_sample(folder, seed=7, scale=scale, fmt="parquet", force=True)
    return folder


def _read(folder: Path, table: str, columns=None) -> pd.DataFrame:
    """A table as ``load_dataset`` types it: ids as ``str``, dates as ``datetime64[ns]``."""
    df = pd.read_parquet(folder / f"{table}.parquet", columns=columns)
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].astype("datetime64[ns]")
        elif col.endswith("_id") or col == "feature":
            df[col] = df[col].astype("str")
    return df


def _usage_frame(folder: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.dataset as pads

    table = pads.dataset(folder / "usage", format="parquet").to_table(
        columns=["account_id", "user_id", "date", "feature", "session_seconds"]
    )
    # typed in Arrow, a column at a time, and handed to pandas without a copy: the frame ``load_dataset`` gives
    # (ids as ``str``, dates as ``datetime64[ns]``) in about 60 bytes a session, so that 111M sessions fit
    text = ("account_id", "user_id", "feature")
    table = pa.table(
        {
            name: col.cast(
                pa.large_string() if name in text else pa.timestamp("ns") if name == "date" else pa.float64()
            )
            for name, col in zip(table.column_names, table.columns)
        }
    )
    return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype(na_value=np.nan)}.get)


def _close(a, b, what):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, err_msg=what)


def _same_keys(a, b, what):
    assert list(map(str, a)) == list(map(str, b)), what


# --------------------------------------------------------------------------- the cases
# Each case: load(folder) -> inputs; project(inputs); references {"duckdb": f(inputs), "pandas": f(inputs)}, each
# returning the canonical result that compare(project_result, reference_result) checks.


def case_snapshots():
    from benchmarks import references as R

    def load(d):
        return {"subs": _read(d, "subscriptions")}

    def project(x):
        from playbook.kpis.revenue import month_end_mrr

        return month_end_mrr(x["subs"], MONTHS)

    def compare(p, r):
        p = p.assign(month=p["month"].array.asi8).sort_values(["month", "account_id"], ignore_index=True)
        r = r.sort_values(["month", "account_id"], ignore_index=True)
        _same_keys(p["account_id"], r["account_id"], "accounts")
        _close(p["month"], r["month"], "month")
        _close(p["mrr"], r["mrr"], "mrr")

    refs = {"duckdb": lambda x: R.snapshots_duckdb(x["subs"]), "pandas": lambda x: R.snapshots_pandas(x["subs"])}
    return load, project, refs, compare


def _snaps(d):
    from playbook.kpis.revenue import month_end_mrr

    return {"snaps": month_end_mrr(_read(d, "subscriptions"), pd.period_range("2023-10", "2026-10", freq="M"))}


def case_bridge():
    from benchmarks import references as R

    def project(x):
        from playbook.kpis import retention, revenue

        b = revenue.mrr_bridge(x["snaps"], MONTHS)
        y = revenue.nrr_12m(x["snaps"], MONTHS)
        return b.assign(
            nrr=revenue.nrr(b)["value"],
            grr=revenue.grr(b)["value"],
            churn=retention.logo_churn_rate(b)["value"],
            base12=y["denominator"],
            kept12=y["numerator"],
        )

    def compare(p, r):
        for col in [*R.BRIDGE_COLS, *R.BRIDGE_COUNTS, "base12", "kept12"]:
            _close(p[col], r[col], col)

    refs = {"duckdb": lambda x: R.bridge_duckdb(x["snaps"]), "pandas": lambda x: R.bridge_pandas(x["snaps"])}
    return _snaps, project, refs, compare


COHORT_VIEWS = ("counts", "active_share", "revenue")


def case_cohorts():
    from benchmarks import references as R

    def project(x):
        from playbook.analyses import cohorts

        kw = dict(as_of="2026-10", value_col="mrr", average=True)
        if hasattr(cohorts, "cohort_matrices"):  # one pass for the three views
            return cohorts.cohort_matrices(x["snaps"], views=COHORT_VIEWS, **kw)
        return {v: cohorts.cohort_matrix(x["snaps"], view=v, **kw) for v in COHORT_VIEWS}

    def compare(p, r):
        counts = p["counts"].drop(index=p["counts"].index[-1]).drop(columns="size")
        cohort = pd.PeriodIndex(counts.index, freq="M").asi8
        n = r.pivot(index="cohort", columns="k", values="n").reindex(index=cohort, columns=counts.columns)
        mrr = r.pivot(index="cohort", columns="k", values="mrr").reindex(index=cohort, columns=counts.columns)
        seen = counts.notna().to_numpy()
        _close(counts.to_numpy()[seen], np.nan_to_num(n.to_numpy(dtype=float))[seen], "counts")
        share = p["active_share"].drop(index=p["active_share"].index[-1]).drop(columns="size").to_numpy()
        _close(share[seen], (np.nan_to_num(n.to_numpy(dtype=float)) / n[0].to_numpy()[:, None])[seen], "active_share")
        rev = p["revenue"].drop(index=p["revenue"].index[-1]).drop(columns="size").to_numpy()
        _close(rev[seen], (np.nan_to_num(mrr.to_numpy(dtype=float)) / mrr[0].to_numpy()[:, None])[seen], "revenue")

    refs = {"duckdb": lambda x: R.cohorts_duckdb(x["snaps"]), "pandas": lambda x: R.cohorts_pandas(x["snaps"])}
    return _snaps, project, refs, compare


def case_rfm():
    from benchmarks import references as R

    def load(d):
        return {"tx": _read(d, "transactions")}

    def project(x):
        from playbook.analyses.rfm import rfm_table

        return rfm_table(x["tx"], as_of=AS_OF, lookback_days=365)

    def compare(p, r):
        r = r.sort_values("account_id", ignore_index=True)
        _same_keys(p["account_id"], r["account_id"], "accounts")
        for col in ("recency_days", "frequency", "monetary"):
            _close(p[col], r[col], col)

    refs = {
        "duckdb": lambda x: R.rfm_duckdb(x["tx"], AS_OF, 365),
        "pandas": lambda x: R.rfm_pandas(x["tx"], AS_OF, 365),
    }
    return load, project, refs, compare


def _usage_parts(s) -> dict:
    """The playbook's summary as the references' canonical frames (made here: timing includes every part)."""
    am = s.account_month
    return {
        "monthly": s.monthly(MONTHS),
        "account_month": am,
        "feature_month": s.feature_month,
        "account_features": s.account_features,
    }


def _compare_usage(p, r):
    m = p["monthly"].set_index(p["monthly"]["month"].array.asi8)
    rm = r["monthly"].set_index("month").reindex(m.index)
    for col in ("sessions", "mau", "user_days", "seconds"):
        _close(m[col], rm[col].fillna(0), f"monthly {col}")
    for name, keys, values in (
        ("account_month", ["month", "account_id"], ["sessions", "users", "user_days"]),
        ("feature_month", ["month", "feature"], ["users"]),
        ("account_features", ["month", "account_id", "feature"], ["users"]),
    ):
        a = p[name].assign(month=p[name]["month"].array.asi8).sort_values(keys, ignore_index=True)
        b = r[name].sort_values(keys, ignore_index=True)
        assert len(a) == len(b), name
        for k in keys:
            _same_keys(a[k], b[k], f"{name} {k}")
        for v in values:
            np.testing.assert_array_equal(a[v].to_numpy(dtype=float), b[v].to_numpy(dtype=float), err_msg=f"{name} {v}")


def case_usage_parquet():
    from benchmarks import references as R

    def load(d):
        return {"d": d}

    def project(x):  # cold: the rules checked and every part summarised, no cache
        from playbook.data import usage_log

        folder = x["d"] / "usage"
        if hasattr(usage_log, "check_and_summarise_parquet"):
            problems, s = usage_log.check_and_summarise_parquet(folder, cache=False)
        else:
            problems = usage_log.validate_parquet(folder, "Asia/Tokyo", cache=False)
            s = usage_log.summarise_parquet(folder, cache=False)
        assert not problems
        return _usage_parts(s)

    refs = {"duckdb": lambda x: R.usage_parquet_duckdb(x["d"] / "usage")}
    return load, project, refs, _compare_usage


def case_usage_frame():
    from benchmarks import references as R

    def load(d):
        return {"u": _usage_frame(d)}

    def project(x):
        from playbook.data.usage_log import summarise_frame

        return _usage_parts(summarise_frame(x["u"]))

    refs = {"duckdb": lambda x: R.usage_frame_duckdb(x["u"]), "pandas": lambda x: R.usage_frame_pandas(x["u"])}
    return load, project, refs, _compare_usage


def _loaded(d):
    """The dataset with its usage summary made (the usage cases above time that step)."""
    from playbook import load_dataset

    ds = load_dataset(d)
    s = ds.usage
    s.monthly(MONTHS), s.account_month, s.feature_month, s.account_features
    return {"ds": ds}


def case_compute_kpis():
    def project(x):
        from playbook.kpis.catalog import compute_kpis

        return compute_kpis(x["ds"])

    return _loaded, project, {}, None


def case_health():
    def project(x):
        from playbook.analyses.health import health_scores

        return health_scores(x["ds"], MONTHS[-12:])

    return _loaded, project, {}, None


CASES = {
    "month-end MRR snapshots": case_snapshots,
    "MRR bridge, churn, NRR/GRR (1 and 12 months)": case_bridge,
    "cohort retention (counts, active share, revenue)": case_cohorts,
    "RFM table (string ids)": case_rfm,
    "usage from a Parquet folder (cold, checked)": case_usage_parquet,
    "usage from a DataFrame": case_usage_frame,
    "compute_kpis (36 months, usage summary made)": case_compute_kpis,
    "health score (12 months)": case_health,
}
IMPLS = ("project", "duckdb", "pandas")
#: Above this many sessions the usage-DataFrame case runs without its pandas reference, which needs about 220
#: bytes a session beyond the table (8.2 GB at 37M sessions; at 300x, 111M sessions, more than this machine has).
#: The table itself takes about 60 bytes a session (see ``_usage_frame``).
MAX_PANDAS_FRAME_SESSIONS = 40_000_000


# --------------------------------------------------------------------------- running


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM). VmHWM belongs to the address space, so
    unlike ru_maxrss (which Linux carries across exec from the parent) it measures the worker alone."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _refs(case: str, refs: dict, sessions: int) -> dict:
    """The references a case is checked and timed against at this size (see ``MAX_PANDAS_FRAME_SESSIONS``)."""
    if case == "usage from a DataFrame" and sessions > MAX_PANDAS_FRAME_SESSIONS:
        return {k: v for k, v in refs.items() if k != "pandas"}
    return refs


def check(case: str, scale: float, sessions: int) -> dict:
    """Assert that the playbook equals every reference, in a process of its own (its memory goes with it)."""
    load, project, refs, compare = CASES[case]()
    x = load(data_dir(scale))
    got = project(x)
    for ref in _refs(case, refs, sessions).values():
        compare(got, ref(x))
    return {"equal": True}


def worker(case: str, impl: str, scale: float, repeat: int) -> dict:
    load, project, refs, _ = CASES[case]()
    if impl.startswith("check:"):
        return check(case, scale, int(impl.split(":")[1]))
    run = project if impl == "project" else refs[impl]
    import duckdb  # noqa: F401  (imports are not the computation: made before the RSS baseline)

    import playbook  # noqa: F401

    x = load(data_dir(scale))
    loaded = rss_mb()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - t)
    peak = rss_mb("VmHWM")
    return {"seconds": statistics.median(times), "peak_mb": peak, "extra_mb": peak - loaded}


def run_in_subprocess(case: str, impl: str, scale: float, repeat: int, project_root: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(project_root), str(ROOT)]))
    out = subprocess.run(
        [sys.executable, __file__, "--worker", case, impl, str(scale), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        cwd=project_root,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(v, spec):
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", nargs="*", help="only the cases whose name starts with one of these")
    ap.add_argument("--project", default=str(ROOT), help="the checkout whose playbook is timed (default: this one)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    ap.add_argument("--worker", nargs=4, metavar=("CASE", "IMPL", "SCALE", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        case, impl, scale, repeat = args.worker
        print(json.dumps(worker(case, impl, float(scale), int(repeat))))
        return 0
    import duckdb

    project_root = Path(args.project).resolve()
    sys.path.insert(0, str(project_root))  # the equality checks below use the playbook that is timed
    cases = [c for c in CASES if not args.cases or any(c.startswith(p) for p in args.cases)]
    rows = []
    for scale in args.scales:
        t0 = time.perf_counter()
        d = data_dir(scale)
        con = duckdb.connect()
        size = {
            p.stem: con.execute(f"SELECT count(*) FROM read_parquet('{p}')").fetchone()[0]
            for p in sorted(d.glob("*.parquet"))
        }
        size["usage"] = con.execute(f"SELECT count(*) FROM read_parquet('{d}/usage/*/*.parquet')").fetchone()[0]
        print(
            f"scale {scale:g}: {size['accounts']:,} accounts, {size['subscriptions']:,} subscriptions, "
            f"{size['transactions']:,} transactions, {size['usage']:,} usage sessions "
            f"(data ready in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        for case in cases:
            _, _, all_refs, _ = CASES[case]()
            refs = _refs(case, all_refs, size["usage"])
            if len(refs) < len(all_refs):
                print(f"  {case}: {size['usage']:,} sessions, timed without the pandas reference", flush=True)
            if refs:  # equal first (the playbook of --project), in a process of its own
                run_in_subprocess(case, f"check:{size['usage']}", scale, 1, project_root)
            res = {
                impl: run_in_subprocess(case, impl, scale, args.repeat, project_root)
                for impl in IMPLS
                if impl == "project" or impl in refs
            }
            p = res["project"]
            row = {
                "scale": f"{scale:g}x",
                "case": case,
                "project_s": p["seconds"],
                "project_extra_mb": p["extra_mb"],
                "project_peak_mb": p["peak_mb"],
            }
            for impl in ("duckdb", "pandas"):
                r = res.get(impl)
                row[f"{impl}_s"] = r["seconds"] if r else np.nan
                row[f"{impl}_extra_mb"] = r["extra_mb"] if r else np.nan
                row[f"vs_{impl}"] = p["seconds"] / r["seconds"] if r else np.nan
            row["equal"] = "yes" if refs else "–"
            rows.append(row)
            print(
                f"  {case:50s} project {p['seconds']:7.3f} s  duckdb {_fmt(row['duckdb_s'], '7.3f'):>7} s  "
                f"pandas {_fmt(row['pandas_s'], '7.3f'):>7} s  x{_fmt(row['vs_duckdb'], '.2f')} / x{_fmt(row['vs_pandas'], '.2f')}  "
                f"extra {p['extra_mb']:.0f} MB (duckdb {_fmt(row['duckdb_extra_mb'], '.0f')}, pandas {_fmt(row['pandas_extra_mb'], '.0f')})",
                flush=True,
            )
    lines = [
        "| scale | case | playbook (s) | DuckDB (s) | pandas (s) | ÷ DuckDB | ÷ pandas | playbook extra/peak MB | DuckDB extra MB | pandas extra MB | equal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scale']} | {r['case']} | {r['project_s']:.3f} | {_fmt(r['duckdb_s'], '.3f')} | {_fmt(r['pandas_s'], '.3f')} | "
            f"{_fmt(r['vs_duckdb'], '.2f')} | {_fmt(r['vs_pandas'], '.2f')} | {r['project_extra_mb']:.0f} / {r['project_peak_mb']:.0f} | "
            f"{_fmt(r['duckdb_extra_mb'], '.0f')} | {_fmt(r['pandas_extra_mb'], '.0f')} | {r['equal']} |"
        )
    Path(args.out).write_text(
        "# Benchmark results\n\nMedian of "
        + str(args.repeat)
        + " runs of the computation (inputs loaded first, not timed) in a fresh subprocess per implementation; "
        "extra = peak RSS minus RSS once the inputs are loaded. Generated by `make bench`.\n\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.append(str(ROOT))  # after PYTHONPATH: a worker imports the playbook of --project
    os.environ.setdefault(
        "PLAYBOOK_CACHE_DIR", str(DATA / ".cache")
    )  # usage summaries of the generated data stay beside it
    sys.exit(main())

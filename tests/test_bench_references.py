"""The benchmark's DuckDB and pandas references agree with the playbook on a small generated company (independent routes)."""

from __future__ import annotations

import sys

import pytest

from playbook.data.paths import PROJECT_ROOT
from playbook.run.sample import generator

write_sample = generator().write_sample

sys.path.insert(0, str(PROJECT_ROOT))
from benchmarks.bench import CASES  # noqa: E402

WITH_REFERENCES = [(case, impl) for case in CASES for impl in CASES[case]()[2]]


@pytest.fixture(scope="module")
def small_parquet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench") / "scale-0.3"
    write_sample(folder, seed=11, scale=0.3, fmt="parquet")
    return folder


def test_every_timed_function_has_both_references_or_says_why():
    # the usage folder has no pandas reference (pandas would load every session); KPIs and health have none
    missing = {case for case in CASES if set(CASES[case]()[2]) != {"duckdb", "pandas"}}
    assert missing == {
        "usage from a Parquet folder (cold, checked)",
        "compute_kpis (36 months, usage summary made)",
        "health score (12 months)",
    }


@pytest.mark.parametrize(("case", "impl"), WITH_REFERENCES)
def test_reference_equals_the_project(small_parquet, case, impl):
    load, project, refs, compare = CASES[case]()
    x = load(small_parquet)
    compare(project(x), refs[impl](x))


@pytest.mark.parametrize(("case", "impl"), WITH_REFERENCES)
def test_a_wrong_answer_is_caught(small_parquet, case, impl):
    # the comparison is not vacuous: the reference's result, perturbed, no longer passes
    load, project, refs, compare = CASES[case]()
    x = load(small_parquet)
    got = refs[impl](x)
    bad = _perturb(got)
    with pytest.raises(AssertionError):
        compare(project(x), bad)


def _perturb(result):
    import pandas as pd

    if isinstance(result, dict):
        return {**result, "monthly": _perturb(result["monthly"])}
    assert isinstance(result, pd.DataFrame)
    numeric = [c for c in result.columns if c not in ("account_id", "feature", "month", "cohort", "k")]
    col = numeric[0]
    out = result.copy()
    out.loc[out.index[len(out) // 2], col] = out[col].iloc[len(out) // 2] + 1
    return out

"""The benchmark's DuckDB references agree with the playbook on a small generated company (a second, independent route)."""

from __future__ import annotations

import sys

import duckdb
import pytest

from playbook.data.paths import PROJECT_ROOT
from playbook.run.sample import generator

write_sample = generator().write_sample

sys.path.insert(0, str(PROJECT_ROOT))
from benchmarks.bench import CASES  # noqa: E402


@pytest.fixture(scope="module")
def small_parquet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench") / "scale-0.3"
    write_sample(folder, seed=11, scale=0.3, fmt="parquet")
    return folder


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c]()[2] is not None])
def test_duckdb_reference_equals_the_project(small_parquet, case):
    load, project, reference, compare = CASES[case]()
    compare(project(load(small_parquet)), reference(duckdb.connect(), small_parquet))

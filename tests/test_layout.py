"""The house rules the layout promises: layers, one record per KPI, a public API, an installable package."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import playbook as pb
from playbook.data.paths import PROJECT_ROOT, SAMPLE_DIR
from playbook.data.schema import TABLES, optional_tables, required_tables
from playbook.kpis.catalog import CATALOG, KPI_IDS
from playbook.kpis.families import FAMILIES, family

BIN = Path(sys.executable).parent
LAYERS = ["texts", "data", "kpis", "analyses", "review", "report", "run"]


def _run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def _public_functions():
    for info in pkgutil.walk_packages(pb.__path__, "playbook."):
        if info.name == "playbook.__main__":
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{info.name}.{name}", obj


def test_the_package_is_one_subpackage_per_layer():
    packages = sorted(p.parent.name for p in (PROJECT_ROOT / "playbook").glob("*/__init__.py"))
    assert packages == sorted(LAYERS)
    flat = sorted(p.name for p in (PROJECT_ROOT / "playbook").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py"]


def test_an_upward_import_breaks_the_layer_contract(tmp_path):
    # a copy of the package where a KPI module imports from the report layer above it
    shutil.copytree(PROJECT_ROOT / "playbook", tmp_path / "playbook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    kept = _run([str(BIN / "lint-imports"), "--config", str(tmp_path / "pyproject.toml")], cwd=tmp_path, env=env)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    with open(tmp_path / "playbook" / "kpis" / "ratios.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom playbook.report import labels  # noqa: E402, F401\n")
    broken = _run([str(BIN / "lint-imports"), "--config", str(tmp_path / "pyproject.toml")], cwd=tmp_path, env=env)
    assert broken.returncode != 0
    assert "playbook.kpis.ratios -> playbook.report.labels" in broken.stdout


def test_importing_playbook_loads_neither_the_sample_generator_nor_the_run_machinery():
    code = "import sys, playbook; print(sorted(m for m in ('sample_company', 'papermill', 'nbconvert') if m in sys.modules))"
    out = _run([sys.executable, "-c", code], cwd=PROJECT_ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_sample_command_still_finds_the_generator(tmp_path):
    out = _run(
        [sys.executable, "-m", "playbook", "sample", "--out", str(tmp_path / "s"), "--scale", "0.05"], cwd=PROJECT_ROOT
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "s" / "accounts.csv").is_file() and (tmp_path / "s" / "subscriptions.csv").is_file()


def test_the_package_works_installed_outside_a_checkout(tmp_path):
    target = tmp_path / "site"
    build = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(PROJECT_ROOT),
        ]
    )
    assert build.returncode == 0, build.stderr
    assert (target / "playbook" / "kpis" / "catalog.py").is_file()
    assert not (target / "sample_company.py").exists()  # the generator stays in the checkout
    code = (
        "import playbook as pb\n"
        "from playbook.data import paths\n"
        f"assert pb.__file__.startswith({str(target)!r}), pb.__file__\n"
        "assert not paths.IN_CHECKOUT\n"
        f"ds = pb.load_dataset({str(SAMPLE_DIR)!r})\n"
        "k = pb.compute_kpis(ds, months=['2026-10'], kpis=['paying_customers'])\n"
        "print(int(k['value'].item()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = _run([sys.executable, "-c", code], cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "475"
    sample = _run([sys.executable, "-m", "playbook", "sample", "--out", str(tmp_path / "s")], cwd=tmp_path, env=env)
    assert sample.returncode == 1 and "error: the sample generator" in sample.stderr
    assert "Traceback" not in sample.stderr


@pytest.mark.parametrize(
    "name",
    [
        "load_dataset",
        "compute_kpis",
        "mrr_bridge",
        "cohort_matrix",
        "rfm_table",
        "health_scores",
        "backtest",
        "load_kpi_tree",
        "smart_check",
        "scorecard",
        "plot_kpi_trend",
        "plot_mrr_bridge",
        "plot_cohort_heatmap",
        "open_review",
        "for_display",
        "run_review",
    ],
)
def test_the_public_api_offers_what_an_analyst_uses(name):
    assert name in pb.__all__ and callable(getattr(pb, name))


def test_every_name_of_the_public_api_exists():
    missing = [name for name in pb.__all__ if not hasattr(pb, name)]
    assert missing == []


def test_every_public_function_documents_its_parameters_and_returns():
    undocumented = []
    for where, fn in _public_functions():
        doc = inspect.getdoc(fn) or ""
        takes = len(inspect.signature(fn).parameters) > 0
        if (takes and "Parameters\n---" not in doc) or "Returns\n---" not in doc:
            undocumented.append(where)
    assert undocumented == []


def test_every_kpi_record_is_complete_and_names_a_known_family_and_contract_tables():
    assert len(set(KPI_IDS)) == len(CATALOG) == 67  # 59 + the 8 KPIs of the purchase review (issue 16)
    for k in CATALOG:
        for lang in ("en", "ja"):
            assert k.name(lang) and k.definition(lang) and k.formula(lang), (k.id, lang)
        assert callable(k.compute), k.id
        assert family(k.family).in_catalog, k.id
        for need in k.needs:
            for table in need if isinstance(need, tuple) else (need,):
                assert table in TABLES, (k.id, table)
        for table, column in k.columns:
            assert TABLES[table].column(column) is not None, (k.id, table, column)


def test_every_catalog_family_has_a_kpi_and_every_family_needs_contract_tables():
    used = {k.family for k in CATALOG}
    assert used == {f.id for f in FAMILIES if f.in_catalog}
    for f in FAMILIES:
        for need in f.needs:
            assert set(need if isinstance(need, tuple) else (need,)) <= set(TABLES), f.id


def test_required_tables_come_from_the_schema():
    assert required_tables() == [("accounts",), ("subscriptions", "mrr_monthly", "transactions")]
    assert [name for name, t in TABLES.items() if t.required] == ["accounts", "subscriptions"]
    assert "accounts" not in optional_tables() and "mrr_monthly" not in optional_tables()

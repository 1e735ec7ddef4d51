"""Notebooks: conventions of notebooks-and-runs.md, and papermill runs with other parameters.

``pytest --nbval notebooks/`` (in ``make test``) separately re-runs the committed
notebooks and compares their outputs with the stored ones.
"""

from __future__ import annotations

import ast
import json
import re
import shutil

import nbformat
import papermill as pm
import pytest

from playbook.data.paths import PROJECT_ROOT
from playbook.run.runs import KERNEL_ARGS, NOTEBOOKS_DIR
from tests.conftest import SAMPLE

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PARAMETERS = {"month", "data_dir", "kpi_tree", "lang"}
MACHINE_PATH = re.compile(r"(/(?:work|root|tmp|home|Users)/\S|site-packages)")


def _outputs(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            yield i, out


def _text(out) -> str:
    return json.dumps(out.get("data", {}), ensure_ascii=False) + "".join(out.get("text", ""))


def test_there_is_a_notebook_to_test():
    assert "01_data_check.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    # the title, then its Japanese twin (a narrative cell in each language), then the parameters
    lead = 2 if "lang-ja" in nb.cells[1].metadata.get("tags", []) else 1
    assert lead == 1 or nb.cells[1].source.startswith("# ")
    params = nb.cells[lead]
    assert params.cell_type == "code" and "parameters" in params.metadata.get("tags", [])
    tree = ast.parse(params.source)
    names = set()
    for node in tree.body:  # one annotated assignment of a literal per line, with a comment
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant), ast.dump(node)
        names.add(node.target.id)
    # the PDCA review also takes where a run wants its scorecard written
    writes = {
        "05_": {"tables_dir"},
        "06_": {"scorecard_csv", "tables_dir"},
        "07_": {"account_id"},
    }  # set by a run: where the notebook writes its CSVs
    # a review notebook may also take the book of accounts a run --by gives it; every one reads a run's mapping
    assert names - {"segment", "mapping"} == PARAMETERS | writes.get(path.name[:3], set())
    assert ("mapping" in names) == (not path.name.startswith("00_")), "a run passes its --mapping to 01-07"
    assert all("#" in line for line in params.source.splitlines())
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), "logic belongs in playbook/"
            assert cell.outputs == [] or cell.execution_count is not None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[-1].cell_type == "code" or any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    for i, out in _outputs(nb):
        assert out.output_type != "error", f"cell {i}"
        assert out.get("name") != "stderr", f"cell {i} writes to stderr: {out.get('text')}"
        assert not MACHINE_PATH.search(_text(out)), f"cell {i} shows a machine path"
        assert not re.search(r" at 0x[0-9a-f]{6,}", _text(out)), f"cell {i} shows an object address"
    assert "papermill" not in nb.metadata
    assert all("execution" not in c.metadata for c in nb.cells)


def _execute(path, tmp_path, **parameters):
    out = tmp_path / path.name
    pm.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(path.parent),
        extra_arguments=KERNEL_ARGS,
    )
    nb = nbformat.read(out, as_version=4)
    stderr = [(i, o.get("text")) for i, o in _outputs(nb) if o.get("name") == "stderr"]
    assert stderr == [], f"stderr in outputs: {stderr}"
    return nb


def _all_text(nb) -> str:
    return "\n".join(_text(o) for _, o in _outputs(nb))


@pytest.fixture
def required_only(tmp_path):
    folder = tmp_path / "only_required"
    folder.mkdir()
    for name in ("accounts.csv", "subscriptions.csv", "dataset.yaml"):  # the export date: as_of in dataset.yaml
        shutil.copy(SAMPLE / name, folder / name)
    return folder


DATA_CHECK = NOTEBOOKS_DIR / "01_data_check.ipynb"
REVIEW = [p for p in NOTEBOOKS if p.name[:2] in {"01", "02", "03", "04", "05", "06"}]


@pytest.mark.notebook
@pytest.mark.parametrize("path", REVIEW, ids=lambda p: p.stem)
def test_review_notebook_runs_in_japanese_for_another_month(tmp_path, path):
    nb = _execute(path, tmp_path, lang="ja", month="2025-06")
    assert "対象月：2025年6月" in _all_text(nb)


@pytest.mark.notebook
@pytest.mark.parametrize("path", REVIEW, ids=lambda p: p.stem)
def test_review_notebook_runs_on_a_folder_with_only_the_required_tables(tmp_path, required_only, path):
    nb = _execute(path, tmp_path, data_dir=str(required_only), kpi_tree="", month="latest")
    assert "Review month 2026-10" in _all_text(nb)


@pytest.mark.notebook
def test_data_check_says_which_families_are_missing(tmp_path, required_only):
    text = _all_text(_execute(DATA_CHECK, tmp_path, data_dir=str(required_only), kpi_tree="", month="latest"))
    assert "2 of 13 tables were read" in text
    assert "KPI families not available" in text and "usage" in text


@pytest.mark.notebook
def test_data_check_warns_about_rows_after_another_month(tmp_path):
    text = _all_text(_execute(DATA_CHECK, tmp_path, month="2025-06"))
    assert "dated after the review month 2025-06" in text


@pytest.mark.notebook
def test_kpi_notebook_in_japanese_uses_catalog_names(tmp_path):
    text = _all_text(_execute(NOTEBOOKS_DIR / "03_kpi_metrics.ipynb", tmp_path, lang="ja"))
    assert "売上継続率（NRR）" in text and "顧客チャーンレート（解約率）" in text and "MRRは" in text


@pytest.mark.notebook
def test_kpi_notebook_reports_what_it_could_not_compute(tmp_path, required_only):
    text = _all_text(
        _execute(
            NOTEBOOKS_DIR / "03_kpi_metrics.ipynb", tmp_path, data_dir=str(required_only), kpi_tree="", month="latest"
        )
    )
    assert "not available (table usage missing)" in text


@pytest.mark.notebook
def test_review_on_a_folder_missing_optional_tables_says_what_it_could_not_score(tmp_path, required_only):
    text = _all_text(
        _execute(NOTEBOOKS_DIR / "06_pdca_review.ipynb", tmp_path, data_dir=str(required_only), month="latest")
    )
    assert "not available (table surveys missing)" in text and "no data" in text
    assert "No actions: the data folder has no actions table (or it is empty)." in text
    assert "signs" in text  # no usage, so no health score: the rule-based warning list stands in


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["02_goal_setting", "06_pdca_review"])
def test_goal_notebooks_run_with_another_kpi_tree(tmp_path, name):
    tree = tmp_path / "other_tree.yaml"
    tree.write_text(
        """kgi: {id: mrr_goal, name: MRR of 40M JPY, metric: mrr, target: 40000000, deadline: 2027-06}
kfs:
  - id: keep
    name: Keep customers
    kpis:
      - {id: churn, metric: logo_churn_rate, target: 0.025, owner: Sato, deadline: 2027-06, cadence: monthly}
      - {id: csat, metric: csat, target: 0.85, owner: Suzuki, deadline: 2027-03, cadence: weekly, segment: {plan: Enterprise}}
""",
        encoding="utf-8",
    )
    text = _all_text(_execute(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path, kpi_tree=str(tree), lang="ja"))
    assert "顧客チャーンレート（解約率）" in text and "顧客満足度（CSAT） (plan=Enterprise)" in text


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["02_goal_setting", "06_pdca_review"])
def test_goal_notebooks_without_a_kpi_tree_say_so(tmp_path, name):
    assert "No KPI tree was given" in _all_text(_execute(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path, kpi_tree=""))


@pytest.mark.notebook
def test_a_bad_parameter_stops_the_notebook_in_its_set_up_cell(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as info:
        _execute(DATA_CHECK, tmp_path, lang="fr")
    assert info.value.ename == "DataValidationError" and "'fr' is not a supported language" in info.value.evalue


def test_relative_paths_in_the_parameters_resolve_from_the_project_root():
    nb = nbformat.read(DATA_CHECK, as_version=4)
    assert 'data_dir: str = "data/sample"' in next(c for c in nb.cells if c.cell_type == "code").source
    assert (PROJECT_ROOT / "data" / "sample").is_dir()


@pytest.fixture(scope="module")
def parquet_usage(tmp_path_factory):
    """The sample with usage as a folder of monthly Parquet files (the large-data layout)."""
    from playbook import load_dataset

    folder = tmp_path_factory.mktemp("parquet-usage")
    for path in SAMPLE.iterdir():
        if not path.name.startswith("usage"):
            shutil.copy(path, folder / path.name)
    usage = load_dataset(SAMPLE).usage.to_frame()
    for month, part in usage.groupby(usage["date"].dt.to_period("M")):
        (folder / "usage" / f"month={month}").mkdir(parents=True)
        part.to_parquet(folder / "usage" / f"month={month}" / "part-0.parquet", index=False)
    return folder


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["01_data_check", "05_rfm_and_health", "06_pdca_review"])
def test_notebooks_run_on_a_usage_folder_with_the_same_figures(tmp_path, parquet_usage, name):
    # DuckDB runs inside the kernel: no progress bar or warning may reach the outputs, and the figures match the CSV run
    nb = _execute(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path, data_dir=str(parquet_usage))
    text = _all_text(nb).replace("usage/", "usage.csv.gz")
    committed = _all_text(nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4))
    assert ("usage.csv.gz" in text) == (name == "01_data_check")
    numbers = re.compile(r"\d[\d,.]*%?")
    assert numbers.findall(text.replace(str(parquet_usage), "")) == numbers.findall(
        committed.replace("data/sample", "")
    )

"""Settings files are read safely and checked field by field, with messages that name the entry."""

from __future__ import annotations

import pytest

from playbook import DataValidationError
from playbook.analyses.health import load_config
from playbook.analyses.rfm import load_segments
from playbook.data.config import Field, read_fields, read_yaml
from playbook.review.tree import KPI_FIELDS, load_kpi_tree


def test_required_fields_are_reported_missing_before_the_rules_they_break():
    values, problems = read_fields(
        {"id": "x", "target": "high", "cadence": "daily"}, KPI_FIELDS, file="t.yaml", where="kpis[0] (x)"
    )
    assert [p.rule for p in problems] == [
        "missing metric",
        "missing owner",
        "missing deadline",
        "target 'high' is not a number",
        "cadence 'daily' is not one of ['weekly', 'monthly']",
    ]
    assert values["target"] is None and values["cadence"] is None and "metric" not in values


def test_a_field_checked_when_absent_is_checked_as_none():
    fields = (Field("deadline", "month", checked_when_absent=True),)
    _, problems = read_fields({}, fields, file="t.yaml", where="kgi")
    assert [str(p) for p in problems] == ["t.yaml, entry 'kgi': deadline None is not a month (expected YYYY-MM)"]


def test_a_missing_settings_file_is_a_validation_error_not_a_crash(tmp_path):
    with pytest.raises(DataValidationError, match="health.yaml: health config file not found"):
        load_config(str(tmp_path / "health.yaml"))
    with pytest.raises(DataValidationError, match="kpi_tree.yaml: KPI tree file not found"):
        load_kpi_tree(tmp_path / "kpi_tree.yaml")


def test_invalid_yaml_text_names_the_source():
    with pytest.raises(DataValidationError, match="rfm segments: not valid YAML"):
        load_segments("- name: [unclosed")


def test_a_health_component_with_a_non_numeric_weight_is_named():
    with pytest.raises(DataValidationError, match="health config, entry 'voice': weight 'heavy' is not a number"):
        load_config({"components": {"voice": {"weight": "heavy", "scoring": "percentile"}}})


def test_a_health_component_that_is_not_a_mapping_is_named():
    with pytest.raises(DataValidationError, match="entry 'voice': a component must be a mapping"):
        load_config({"components": {"voice": 3}})


@pytest.mark.parametrize("bad", [3, [4, 2], [0, 5], "1-5", [1, 2, 3]], ids=str)
def test_an_rfm_score_range_that_is_not_low_high_within_1_to_5_is_a_validation_error(bad):
    with pytest.raises(DataValidationError, match=r"segments\[0\] \(Champions\)': r range .* is not \[low, high\]"):
        load_segments([{"name": "Champions", "r": bad}])


def test_read_yaml_reads_text_and_files(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml(path) == {"a": 1} == read_yaml("a: 1")

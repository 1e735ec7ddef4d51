"""cs-kpi-playbook: Customer Success KPIs, cohorts, goals and the monthly PDCA review.

``import playbook as pb`` gives the functions an analyst uses in a notebook:

- data: :func:`load_dataset`, :func:`data_warnings`, :class:`Dataset`, :class:`DataValidationError`;
- KPIs: :func:`compute_kpis` (every KPI of the catalog, per month), :func:`kpi` and
  :data:`CATALOG` (what each KPI means), :func:`glossary`, :func:`dataset_snapshots`,
  :func:`mrr_bridge`, :func:`mrr_movements`; every KPI is also a plain function in
  :mod:`playbook.kpis` (``pb.kpis.revenue.nrr(bridge)``);
- analyses: :func:`cohort_matrix`, :func:`rfm_table`, :func:`segment_summary`,
  :func:`segment_migration`, :func:`health_scores`, :func:`churn_labels`, :func:`backtest`,
  :func:`walk_forward`, :func:`account_durations`, :func:`kaplan_meier`, :func:`survival_by_segment`,
  :func:`logrank`;
- goals and review: :func:`load_kpi_tree`, :func:`goal_history`, :func:`target_paths`,
  :func:`smart_check`, :func:`tree_checks`,
  :func:`kgi_projection`, :func:`mrr_forecast`, :func:`kgi_forecast` (MRR/ARR with a downside, base and
  upside scenario), :func:`scorecard`, :func:`act_recommendations`,
  :func:`action_effects`, :func:`segment_drivers`, :func:`early_warnings`;
- report: :func:`open_review` (a notebook's set-up cell), :func:`for_display`,
  :func:`format_value`, :func:`label`, the ``plot_*`` functions, :class:`GoalReport`,
  :func:`forecast_table`, :func:`forecast_rates_table`, :func:`forecast_text`;
- runs: :func:`run_review` (what ``python -m playbook run`` does).

The package is layered (``data`` -> ``kpis`` -> ``analyses`` -> ``review`` -> ``report``
-> ``run``); a module imports only from the layers below its own.
"""

from playbook import analyses, data, kpis, report, review, run
from playbook.analyses.cohorts import cohort_matrix
from playbook.analyses.health import backtest, churn_labels, health_scores
from playbook.analyses.rfm import rfm_table, segment_migration, segment_summary
from playbook.analyses.risk import walk_forward
from playbook.analyses.survival import account_durations, kaplan_meier, logrank, survival_by_segment
from playbook.data.dataset import Dataset, data_warnings, load_dataset
from playbook.data.errors import DataValidationError, Problem
from playbook.kpis.catalog import CATALOG, compute_kpis, glossary, kpi
from playbook.kpis.revenue import mrr_bridge, mrr_movements
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report.context import ReviewContext
from playbook.report.display import for_display
from playbook.report.export import write_csv
from playbook.report.forecast_views import forecast_rates_table, forecast_table, forecast_text, plot_mrr_forecast
from playbook.report.formatting import format_change, format_value
from playbook.report.goal_views import GoalReport
from playbook.report.labels import label
from playbook.report.plots import (
    plot_band_churn,
    plot_cohort_heatmap,
    plot_funnel,
    plot_goal_trends,
    plot_kgi_projection,
    plot_kpi_grid,
    plot_kpi_tree,
    plot_kpi_trend,
    plot_migration,
    plot_monthly,
    plot_mrr_bridge,
    plot_nps_distribution,
    plot_retention_curves,
    plot_row_coverage,
    plot_voice_kpis,
)
from playbook.report.text import Markdown, safe_markdown
from playbook.review.forecast import kgi_forecast, mrr_forecast
from playbook.review.goals import (
    goal_history,
    kgi_projection,
    load_kpi_tree,
    parse_kpi_tree,
    smart_check,
    target_paths,
    tree_checks,
)
from playbook.review.scorecard import (
    act_recommendations,
    action_effects,
    early_warnings,
    scorecard,
    segment_drivers,
    status_history,
)
from playbook.run.accounts import open_account_page
from playbook.run.notebook import open_review
from playbook.run.runs import run_review

__all__ = [
    # layers
    "analyses",
    "data",
    "kpis",
    "report",
    "review",
    "run",
    # data
    "Dataset",
    "DataValidationError",
    "Problem",
    "load_dataset",
    "data_warnings",
    # KPIs
    "CATALOG",
    "kpi",
    "compute_kpis",
    "glossary",
    "dataset_snapshots",
    "mrr_bridge",
    "mrr_movements",
    # analyses
    "cohort_matrix",
    "rfm_table",
    "segment_summary",
    "segment_migration",
    "health_scores",
    "churn_labels",
    "backtest",
    "walk_forward",
    "account_durations",
    "kaplan_meier",
    "survival_by_segment",
    "logrank",
    # goals and review
    "load_kpi_tree",
    "parse_kpi_tree",
    "goal_history",
    "target_paths",
    "smart_check",
    "tree_checks",
    "kgi_projection",
    "mrr_forecast",
    "kgi_forecast",
    "scorecard",
    "status_history",
    "act_recommendations",
    "action_effects",
    "segment_drivers",
    "early_warnings",
    # report
    "ReviewContext",
    "Markdown",
    "safe_markdown",
    "write_csv",
    "open_review",
    "open_account_page",
    "for_display",
    "format_value",
    "format_change",
    "label",
    "GoalReport",
    "plot_monthly",
    "plot_row_coverage",
    "plot_kpi_trend",
    "plot_kpi_grid",
    "plot_mrr_bridge",
    "plot_funnel",
    "plot_nps_distribution",
    "plot_kpi_tree",
    "plot_goal_trends",
    "plot_kgi_projection",
    "plot_mrr_forecast",
    "forecast_table",
    "forecast_rates_table",
    "forecast_text",
    "plot_cohort_heatmap",
    "plot_retention_curves",
    "plot_band_churn",
    "plot_migration",
    "plot_voice_kpis",
    # runs
    "run_review",
]
__version__ = "0.1.0"

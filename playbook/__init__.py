"""cs-kpi-playbook: Customer Success KPIs, cohorts, goals and the monthly PDCA review."""

from playbook.data import Dataset, data_warnings, load_dataset
from playbook.display import for_display
from playbook.errors import DataValidationError, Problem
from playbook.notebook import ReviewContext, open_review

__all__ = ["Dataset", "DataValidationError", "Problem", "ReviewContext", "data_warnings", "for_display",
           "load_dataset", "open_review"]
__version__ = "0.1.0"

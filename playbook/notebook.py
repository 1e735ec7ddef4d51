"""The set-up cell of every review notebook: check parameters, load data, set the chart theme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook.data import Dataset, load_dataset, review_month
from playbook.labels import label
from playbook.params import check_parameters, display_path
from playbook.plots import use_theme

__all__ = ["ReviewContext", "open_review"]


@dataclass
class ReviewContext:
    """What a notebook needs after its parameters cell: the data, the month, the language."""

    ds: Dataset
    month: pd.Period
    lang: str
    data_dir: Path
    kpi_tree: Path | None

    def label(self, key: str) -> str:
        return label(key, self.lang)

    @property
    def history(self) -> pd.PeriodIndex:
        """Every month from the first month of subscription data to the review month."""
        return pd.period_range(self.ds.first_month, self.month, freq="M")

    def __repr__(self) -> str:  # no machine paths in notebook outputs
        return f"ReviewContext(month={self.month}, lang={self.lang!r}, data={display_path(self.data_dir)!r}, {self.ds!r})"

    def _repr_markdown_(self) -> str:
        ds = self.ds
        name = ds.settings.get("name") or display_path(self.data_dir)
        if self.lang == "ja":
            return (f"**対象月 {self.month}** ・ データ: {name}（`{display_path(self.data_dir)}`、{len(ds.tables)} テーブル、"
                    f"{ds.as_of:%Y-%m-%d} 時点） ・ 通貨 {ds.currency} ・ タイムゾーン {ds.timezone}")
        return (f"**Review month {self.month}** · data: {name} (`{display_path(self.data_dir)}`, {len(ds.tables)} tables, "
                f"as of {ds.as_of:%Y-%m-%d}) · currency {ds.currency} · timezone {ds.timezone}")


def open_review(*, month: str, data_dir: str, kpi_tree: str | None = None, lang: str = "en") -> ReviewContext:
    """Check the notebook parameters, load and validate the data, and set the chart theme.

    Raises :class:`playbook.DataValidationError` for a bad month, language or
    path, or bad data, before anything is computed.
    """
    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang)
    ds = load_dataset(params.data_dir)
    period = review_month(ds, params.month)
    use_theme(params.lang)
    pd.set_option("display.max_colwidth", None)  # show warnings and names in full
    pd.set_option("display.max_rows", 500)  # and every KPI of the month
    return ReviewContext(ds=ds, month=period, lang=params.lang, data_dir=params.data_dir, kpi_tree=params.kpi_tree)
